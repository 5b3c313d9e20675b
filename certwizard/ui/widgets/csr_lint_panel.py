"""What the CSR linter found in the pasted CSR: its facts (subject, names, key, signature) and every problem."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from certwizard.crypto.csr_lint import CsrReport
from certwizard.ui.safe import literal, template

EMPTY_HINT = "Paste the CSR above, or load it from a file: its subject, names, key and problems appear here."


def _fact(label: str, value: str) -> Content:
    return template("[dim]$label[/dim] $value", label=f"{label:<10}", value=value or "(none)")


def describe_report(report: CsrReport) -> Content:
    """Facts first (when the CSR could be parsed), then a line per problem and per note."""
    lines: list[Content] = []
    if report.ok:
        lines.append(Content.styled("✓ This CSR can be used.", "bold $text-success"))
    else:
        count = len(report.problems)
        lines.append(Content.styled(f"✗ {count} problem{'s' if count != 1 else ''} to fix:", "bold $text-error"))
        lines.extend(Content("  • ").append(literal(problem.message)) for problem in report.problems)
    if report.parsed:
        names = [*report.dns_names, *report.ip_addresses]
        lines += [_fact("Subject", report.subject), _fact("Names", ", ".join(names)),
                  _fact("Key", report.key_description), _fact("Signature", report.signature_hash)]
    lines.extend(Content("Note: ").append(literal(note.message)) for note in report.notes)
    return Content("\n").join(lines)


class CsrLintPanel(Static):
    """Shows the latest report; `report` is None while nothing is pasted."""

    DEFAULT_CSS = """
    CsrLintPanel {
        height: auto;
        margin: 0 0 0 19;
        padding: 0 1;
        border-left: wide $primary-muted;
    }
    CsrLintPanel.-problems {
        border-left: wide $error;
    }
    """

    def __init__(self) -> None:
        super().__init__(EMPTY_HINT, id="csr-lint")
        self.report: CsrReport | None = None

    def show_report(self, report: CsrReport | None) -> None:
        self.report = report
        self.set_class(report is not None and not report.ok, "-problems")
        self.update(EMPTY_HINT if report is None else describe_report(report))

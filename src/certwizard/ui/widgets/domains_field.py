"""'Domains to Bind': the Input, the product's rule, and a live check of what was typed.

The check (`domain.domains.check_domains`) runs in a thread worker shortly after typing pauses: the first call
loads the Public Suffix List, which must not freeze the screen. Results for text that changed since are dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Input, Static

from certwizard.domain.domains import DomainCheck, check_domains
from certwizard.domain.products import DomainType, Product
from certwizard.ui.safe import literal, template
from certwizard.ui.widgets.debounce import Debouncer
from certwizard.ui.workers import ReportsWorkerFailures
from certwizard.ui.widgets.field_row import FieldRow, SafeInput

_PLACEHOLDERS = {
    DomainType.SINGLE: "www.example.com",
    DomainType.WILDCARD: "*.example.com",
    DomainType.MULTI: "www.example.com, api.example.com",
    DomainType.MULTI_WILDCARD: "example.com, *.example.com",
}


def describe_check(check: DomainCheck) -> Content:
    """The normalised names (IDNs as `unicode (punycode)`, the CN marked) and the notes, one per line."""
    lines: list[Content] = []
    if check.entries:
        lines.append(Content.styled("Will be bound:", "bold"))
    for entry in check.entries:
        marker = "  (common name)" if entry.ascii == check.common_name else ""
        lines.append(template("  • $name[dim]$marker[/dim]", name=entry.display, marker=marker))
    for note in check.notes:
        lines.append(Content("Note: ").append(literal(note)))
    return Content("\n").join(lines)


class DomainsField(ReportsWorkerFailures, Vertical):
    """The Domains to Bind field; `last_check` holds the latest check of the current text (or None)."""

    DEFAULT_CSS = """
    DomainsField {
        height: auto;
    }
    DomainsField > #domains-result {
        padding: 0 1 0 20;
        height: auto;
        display: none;
    }
    """

    @dataclass
    class Checked(Message):
        """The names typed were checked (the CSR panel compares its names with these)."""
        check: DomainCheck

    def __init__(self, product: Product) -> None:
        super().__init__(id="domains-field")
        self.product = product
        self.last_check: DomainCheck | None = None
        self._debounce = Debouncer(self, self._check_current)

    def compose(self) -> ComposeResult:
        placeholder = _PLACEHOLDERS[self.product.domain_type]
        yield FieldRow("Domains to Bind", SafeInput(placeholder=placeholder, id="f-domains"),
                       field_name="domains", hint=self.product.domain_rule_tip())
        yield Static("", id="domains-result")

    @property
    def input(self) -> Input:
        return self.query_one("#f-domains", Input)

    @property
    def row(self) -> FieldRow:
        return self.query_one("#row-domains", FieldRow)

    def load(self, text: str) -> None:
        """Show `text` (from a draft) and check it at once, without waiting for a typing pause."""
        if self.input.value != text:
            self.input.value = text
        self._debounce.cancel()
        self._run_check(text)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "f-domains":
            self._debounce.poke()

    def _check_current(self) -> None:
        self._run_check(self.input.value)

    @work(thread=True, exclusive=True, exit_on_error=False, group="domains-check")
    def _run_check(self, text: str) -> None:
        check = check_domains(self.product, text)
        self.app.call_from_thread(self._show_if_current, text, check)

    def _show_if_current(self, text: str, check: DomainCheck) -> None:
        if text == self.input.value:
            self.show_check(check, text)

    def show_check(self, check: DomainCheck, text: str) -> None:
        """Show the normalised list and notes; problems go to the field (none while it is still empty)."""
        self.last_check = check
        result = self.query_one("#domains-result", Static)
        result.update(describe_check(check))
        result.display = bool(check.entries or check.notes)
        if text.strip():
            self.row.set_error("\n".join(problem.message for problem in check.problems) or None)
        elif self.row.error:
            self.row.set_error(None)
        self.post_message(self.Checked(check))

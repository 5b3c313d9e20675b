"""'Domains to Bind': the Input, the product's rule, and a live check of what was typed.

The check (`domain.domains.check_domains`) runs in a thread worker shortly after typing pauses: the first call
loads the Public Suffix List, which must not freeze the screen. Results for text that changed since are dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Input

from certwizard.domain.domains import DomainCheck, check_domains, one_line_domain_list
from certwizard.domain.products import DomainType, Product
from certwizard.ui.safe import literal, literal_multiline, template
from certwizard.ui.widgets.debounce import Debouncer
from certwizard.ui.widgets.details_text import DetailsText
from certwizard.ui.widgets.field_row import FieldRow, SafeInput
from certwizard.ui.workers import ReportsWorkerFailures, background

_PLACEHOLDERS = {
    DomainType.SINGLE: "www.example.com",
    DomainType.WILDCARD: "*.example.com",
    DomainType.MULTI: "www.example.com, api.example.com",
    DomainType.MULTI_WILDCARD: "example.com, *.example.com",
}


def describe_check(check: DomainCheck, width: int = 0) -> Content:
    """The normalised names (IDNs as `unicode (punycode)`, the CN marked) as a paragraph, broken between names
    only (at `width` cells; 0: anywhere), then the notes, one per line: a list of names takes the lines it
    needs, not one line per name."""
    lines: list[Content] = []
    if check.entries:
        line = Content.styled("Will be bound:", "bold")
        for index, entry in enumerate(check.entries):
            name = template("$name[dim]$marker[/dim]$comma", name=entry.display,
                            marker=" (common name)" if entry.ascii == check.common_name else "",
                            comma="," if index < len(check.entries) - 1 else "")
            if width and line.cell_length + 1 + name.cell_length > width:      # the next line
                lines.append(line)
                line = name
            else:
                line = line.append(" ").append(name)
        lines.append(line)
    for note in check.notes:
        lines.append(Content("Note: ").append(literal(note)))
    return Content("\n").join(lines)


class DomainsInput(SafeInput):
    """The Domains to Bind input: a list pasted, loaded or typed one name per line (Enter) keeps every name,
    shown as 'a, b, c' (Input keeps only a paste's first line, and drops new lines from values set by code)."""

    def validate_value(self, value: str) -> str:
        return super().validate_value(one_line_domain_list(value))

    async def action_submit(self) -> None:
        """Enter separates names, as a new line does in a pasted list: a paste that arrives as plain keys (no
        bracketed paste) brings its line ends as Enter, which glued 'a.example.org' and 'b.example.org'."""
        before = self.value[:self.cursor_position].rstrip()
        if before and not before.endswith((",", ";")):
            self.insert_text_at_cursor(", ")

    def _on_paste(self, event: events.Paste) -> None:
        if "\n" not in event.text and "\r" not in event.text:
            return                              # Input's own handler (called next) pastes it
        event.prevent_default()
        event.stop()
        text = one_line_domain_list(event.text)
        if self.selection.is_empty:
            self.insert_text_at_cursor(text)
        else:
            self.replace(text, *self.selection)


class DomainsRow(FieldRow):
    """The Domains to Bind row. Its error is shown in the field's live box (with the rule and the result), so
    that typing changes one stable area instead of moving the whole form at every check."""

    @property
    def field(self) -> DomainsField:
        return self.query_ancestor(DomainsField)

    @property
    def error(self) -> str:
        return self.field.problem

    def set_error(self, message: str | None) -> None:
        self.control.set_class(bool(message), "-invalid")
        self.field.show_problem(message)


class DomainsField(ReportsWorkerFailures, Vertical):
    """The Domains to Bind field; `last_check` holds the latest check of the current text (or None).

    Under the input, one box shows the product's rule while the field is empty, then what is wrong with the
    names typed, or the names that will be bound. It keeps at least three lines (the rule, most messages and a
    few names fit), so a check that says something else seldom moves the rest of the form (each move repaints
    the whole screen over SSH), and it repaints only the lines that changed."""

    DEFAULT_CSS = """
    DomainsField {
        height: auto;
    }
    DomainsField > #domains-result {
        margin-left: 19;      /* under the value (FieldRow's label column); a margin: a redraw covers the text only */
        padding: 0 1;
        color: $text-muted;
    }
    DomainsField > #domains-result.-problem {
        color: $text-error;
    }
    DomainsField > #domains-result.-result {
        color: $text;
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
        self.problem = ""
        self._debounce = Debouncer(self, self._check_current)

    def compose(self) -> ComposeResult:
        placeholder = _PLACEHOLDERS[self.product.domain_type]
        yield DomainsRow("Domains to Bind", DomainsInput(placeholder=placeholder, id="f-domains"),
                         field_name="domains", live=True)
        yield DetailsText(literal(self.product.domain_rule_tip()), min_lines=3, id="domains-result")

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

    @background("domains-check")
    def _run_check(self, text: str) -> None:
        check = check_domains(self.product, text)
        self.deliver(self._show_if_current, text, check)

    def _show_if_current(self, text: str, check: DomainCheck) -> None:
        if text == self.input.value:
            self.show_check(check, text)

    def show_check(self, check: DomainCheck, text: str) -> None:
        """Show the problems, or the normalised names and notes (the rule while the field is empty)."""
        self.last_check = check
        self.problem = "\n".join(problem.message for problem in check.problems) if text.strip() else ""
        self.row.control.set_class(bool(self.problem), "-invalid")
        self._redraw()
        self.post_message(self.Checked(check))

    def show_problem(self, message: str | None) -> None:
        """An error about the field from elsewhere (Next): shown in the box until the next check."""
        self.problem = message or ""
        self._redraw()

    def on_resize(self) -> None:
        if self.last_check is not None:
            self._redraw()          # the names are broken into lines for the box's width

    def _redraw(self) -> None:
        box = self.query_one("#domains-result", DetailsText)
        check = self.last_check
        if self.problem:
            content, kind = literal_multiline(self.problem), "-problem"
        elif check is not None and (check.entries or check.notes):
            content, kind = describe_check(check, box.content_region.width), "-result"
        else:
            content, kind = literal(self.product.domain_rule_tip()), ""
        box.show(content)              # repaints only the lines that changed
        box.set_classes(f"{kind}".strip())

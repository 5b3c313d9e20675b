"""One labelled form field: label, control, optional hint, and the error shown under the control.

Every field on the Apply screen is a FieldRow named by its draft field (`applicant_email`...), so a
`{field name: message}` dict from validation lands at the right place with `set_error`.

The text controls are `SafeInput` (safe_input.py) / `SafeTextArea`: they drop control and invisible characters
the moment they arrive (typed, pasted or loaded from a draft) and say so at the field.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, RadioSet, Select, Static, TextArea
from textual.widgets.text_area import Edit, EditResult

from certwizard.ui.safe import literal_multiline
from certwizard.ui.textual_fixes.keys_in_order import KeysInOrder
from certwizard.ui.widgets.details_text import DetailsText
from certwizard.ui.widgets.safe_input import ControlCharactersRemoved, SafeInput, without_control_characters
from certwizard.ui.widgets.toggles import plain_terminal

__all__ = ["ControlCharactersRemoved", "FieldRow", "HintLine", "SafeInput", "SafeTextArea", "SectionTitle",
           "without_control_characters"]


class SafeTextArea(KeysInOrder, TextArea):
    """A TextArea that never holds control characters other than new lines and tabs."""

    def edit(self, edit: Edit) -> EditResult:
        clean, removed = without_control_characters(edit.text, allow_newlines=True)
        if clean != edit.text:
            edit = Edit(clean, edit.from_location, edit.to_location, edit.maintain_selection_offset)
        if removed:
            self.post_message(ControlCharactersRemoved(self, removed))
        result = super().edit(edit)
        self._show_filled()
        return result

    def load_text(self, text: str) -> None:
        clean, removed = without_control_characters(text, allow_newlines=True)
        if removed:
            self.post_message(ControlCharactersRemoved(self, removed))
        super().load_text(clean)
        self._show_filled()

    def _show_filled(self) -> None:
        """`-filled` while it holds text (a dense form lets it grow then, and while it has the focus)."""
        filled = bool(self.text)
        if filled != self.has_class("-filled"):
            self.set_class(filled, "-filled")


def control_value(control: Widget) -> object:
    """The current value of a form control, whatever its kind."""
    if isinstance(control, TextArea):
        return control.text
    if isinstance(control, RadioSet):
        return control.pressed_index
    if isinstance(control, (Input, Select, Checkbox)):
        return control.value
    return None


class SectionTitle(Widget):
    """A section's heading on one line: `Applicant ───────`, bold (no colour needed to tell it apart)."""

    DEFAULT_CSS = """
    SectionTitle {
        height: 1;
        padding: 0 1;
        color: $text-accent;
        text-style: bold;
    }
    """

    def __init__(self, title: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.title = title

    def render(self) -> Content:
        rule = "─" * max(self.content_region.width - len(self.title) - 1, 0)
        return Content(self.title).append(Content.styled(f" {rule}", "not bold dim"))


class FieldLabel(Widget):
    """A field's label, right-aligned, and after it a marker while the field has the focus: `Phone ▸`
    (`>` where the terminal's font or colours cannot be relied on). Repainted, never laid out, on focus."""

    def __init__(self, text: str) -> None:
        super().__init__(classes="field-label")
        self.text = text

    def render(self) -> Content:
        # Repainted when the row's focus restyles it (FieldRow:focus-within), in the same frame.
        focused = isinstance(self.parent, Widget) and self.parent.has_focus_within
        marker = (">" if plain_terminal() else "▸") if focused else " "
        return Content(f"{self.text} {marker}")


class FieldRow(Horizontal):
    """`label | control` on one line, the error (when there is one) underneath the control.

    The density of the whole Apply form is here, in this one stylesheet: a field is one line (no borders,
    drop-downs and toggles included), the radio buttons side by side, and the focused field's label in
    reverse video, which shows without colour (NO_COLOR, TERM=linux). A hint is shown, while the field has
    the focus, by the form's `HintLine` (one fixed line: a hint that appeared under the field moved the rest
    of the form, a repaint of the screen over SSH at each Tab); `hint_below` puts it under the control."""

    DEFAULT_CSS = """
    FieldRow {
        height: auto;
        width: 1fr;
    }
    FieldRow > .field-label {
        width: 19;
        height: 1;
        text-align: right;
        color: $text-muted;
    }
    FieldRow.-required > .field-label {
        color: $text;
    }
    FieldRow:focus-within {
        background: $boost;     /* a rule on the row itself: Textual then restyles the row at once on focus */
    }
    FieldRow:focus-within > .field-label {
        text-style: reverse bold;
    }
    FieldRow > .field-body {
        width: 1fr;
        height: auto;
    }
    FieldRow .field-hint {
        color: $text-muted;
        padding: 0 1;
    }
    FieldRow .-error {
        width: 1fr;             /* a Label is as wide as its text by default: long errors would be cut off */
        color: $text-error;
        padding: 0 1;
        display: none;
    }
    FieldRow .-error.-shown {
        display: block;
    }

    /* One line per control: no border, a tint where it can be typed into. */
    FieldRow Input, FieldRow SelectCurrent, FieldRow RadioSet, FieldRow ToggleButton, FieldRow TextArea {
        border: none !important;
    }
    FieldRow Input {
        height: 1;
        padding: 0 1;
        background: $boost;
    }
    FieldRow Input:focus {
        background: $primary 25%;
    }
    FieldRow Input.-invalid, FieldRow TextArea.-invalid, FieldRow Select.-invalid > SelectCurrent {
        background: $error 25%;
    }
    FieldRow SelectCurrent {
        height: 1;
        padding: 0 1;
        background: $boost;
    }
    FieldRow Select:focus > SelectCurrent {
        background: $primary 25%;
    }
    FieldRow RadioSet {
        layout: horizontal;
        height: auto;
        padding: 0 1;
        background: transparent;
        scrollbar-size: 0 0;
    }
    FieldRow RadioSet.-stacked {
        layout: vertical;
    }
    FieldRow RadioSet > RadioButton {
        width: auto;
        margin-right: 1;
    }
    FieldRow RadioSet.-invalid {
        background: $error 25%;
    }
    FieldRow ToggleButton {
        padding: 0;
        background: transparent;
    }
    FieldRow > .field-body > ToggleButton {
        padding: 0 1;
    }
    /* The pasted CSR takes one line until it is focused or holds text. */
    FieldRow TextArea {
        height: 1;
        padding: 0 1;
        background: $boost;
    }
    FieldRow TextArea:focus, FieldRow TextArea.-filled {
        height: 8;
    }
    """

    def __init__(self, label: str, control: Widget, *, field_name: str, hint: str | Content | None = None,
                 required: bool = True, id: str | None = None, classes: str | None = None,
                 live: bool = False, hint_below: bool = False) -> None:
        """`live`: the field is checked as the user types, and that check replaces the error itself.
        `hint_below`: the hint is always shown under the control (a row alone on its tab, with room)."""
        super().__init__(id=id or f"row-{field_name}", classes=classes)
        self.field_name = field_name
        self.control = control
        self._label = label
        self._hint = hint
        self._hint_below = hint_below
        self._live = live
        self._value_at_error: object = None
        self._reveal_when_laid_out = False
        self.set_class(required, "-required")

    def compose(self) -> ComposeResult:
        yield FieldLabel(self._label)
        with Vertical(classes="field-body"):
            yield self.control
            yield Label("", classes="-error")
            if self._hint is not None and self._hint_below:
                yield Static(self._hint, classes="field-hint")

    @property
    def label(self) -> str:
        return self._label

    @property
    def hint(self) -> str | Content | None:
        """The row's hint now (shown by the form's HintLine while the row has the focus)."""
        return self._hint

    @property
    def error_label(self) -> Label:
        return self.query_one("Label.-error", Label)

    @property
    def error(self) -> str:
        """The message shown now ('' when none); plain text, for tests and summaries."""
        label = self.error_label
        return str(label.content) if label.has_class("-shown") else ""

    def set_error(self, message: str | None) -> None:
        """Show `message` under the control (literal text, may span lines) and mark the control invalid; None clears."""
        if not message and not self.error:
            return              # nothing to clear: an update of the empty label would still lay out the screen
        label = self.error_label
        label.update(literal_multiline(message or ""))
        label.set_class(bool(message), "-shown")
        self.control.set_class(bool(message), "-invalid")
        self._value_at_error = control_value(self.control) if message else None

    def set_hint(self, hint: str | Content) -> None:
        """Change the hint (under the control, or in the form's HintLine while the row has the focus)."""
        if self._hint == hint:
            return
        self._hint = hint
        found = self.query(".field-hint")
        if found:
            found.first(Static).update(hint)
        # Shown at once where it is shown now (a message posted here from the parent's handler would not
        # bubble past that parent: Textual stops a message at its sender).
        for line in self.screen.query(HintLine) if self.is_attached else ():
            if line.row is self:
                line.show_row(self)

    def on_resize(self) -> None:
        if isinstance(self.control, RadioSet):
            self._stack_buttons_if_narrow()
        if self._reveal_when_laid_out:
            self._reveal_when_laid_out = False
            self.scroll_visible(top=True, animate=False)

    def _stack_buttons_if_narrow(self) -> None:
        """Radio buttons side by side when they fit the value column, else one under the other."""
        control = self.control
        width = self.size.width - self.query_one(".field-label").outer_size.width
        gaps = len(control.children) - 1         # margin-right: 1 between the buttons
        needed = sum(button.get_content_width(self.size, self.size) for button in control.children) + gaps + 2
        control.set_class(needed > width, "-stacked")

    def reveal(self) -> None:
        """Scroll this row to the top of the view: now, and again once a message just set under it has been
        laid out (the row grows a frame or two later; scrolled only now, it stopped short of the top). At the
        top, the toast that announces the message (bottom right) does not cover it."""
        self.scroll_visible(top=True, animate=False)
        self._reveal_when_laid_out = True
        self.set_timer(1.0, self._stop_revealing)

    def _stop_revealing(self) -> None:
        self._reveal_when_laid_out = False

    def value_changed(self) -> None:
        """The user edited the control: an error about the old value no longer applies."""
        if not self.error:
            return
        # A live-checked field keeps its error until the check of the new text replaces it: clearing it at
        # each key and showing it again after the pause moved everything below twice per keystroke.
        if self._live or control_value(self.control) == self._value_at_error:
            self.control.add_class("-invalid")   # Input drops the class on every change; keep it
        else:
            self.set_error(None)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input is self.control:
            self.value_changed()

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select is self.control:
            self.value_changed()

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        if event.text_area is self.control:
            self.value_changed()

    def on_control_characters_removed(self, event: ControlCharactersRemoved) -> None:
        if event.control is self.control:
            event.stop()
            self.set_error(event.explanation)
            if self._live:
                # The field's next live check replaces its message within a moment: say it where it stays.
                self.app.notify(event.explanation, title=self._label, severity="warning", timeout=10,
                                markup=False)


class HintLine(DetailsText):
    """The hint of the focused field (`FieldRow.hint`), or `default` when it has none: one fixed place under a
    form (outside its scrolling), so moving the focus repaints these lines only (DetailsText) and nothing
    moves."""

    DEFAULT_CSS = """
    HintLine {
        height: auto;
        padding: 0 2;           /* no margin: beside a 1fr sibling, Textual took it off that one's width too */
        color: $text-muted;
        background: $boost;
    }
    """

    def __init__(self, default: str | Content, *, min_lines: int = 2, id: str | None = None) -> None:
        self.default = default if isinstance(default, Content) else Content(default)
        self.row: FieldRow | None = None          # whose hint is shown (None: the default)
        super().__init__(self.default, min_lines=min_lines, id=id)

    def show_row(self, row: FieldRow | None) -> None:
        self.row = row
        hint = row.hint if row is not None else None
        if hint is None:
            self.show(self.default)
        else:
            self.show(hint if isinstance(hint, Content) else Content(hint))

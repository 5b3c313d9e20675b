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
from certwizard.ui.widgets.safe_input import ControlCharactersRemoved, SafeInput, without_control_characters

__all__ = ["ControlCharactersRemoved", "FieldRow", "SafeInput", "SafeTextArea", "without_control_characters"]


class SafeTextArea(KeysInOrder, TextArea):
    """A TextArea that never holds control characters other than new lines and tabs."""

    def edit(self, edit: Edit) -> EditResult:
        clean, removed = without_control_characters(edit.text, allow_newlines=True)
        if clean != edit.text:
            edit = Edit(clean, edit.from_location, edit.to_location, edit.maintain_selection_offset)
        if removed:
            self.post_message(ControlCharactersRemoved(self, removed))
        return super().edit(edit)

    def load_text(self, text: str) -> None:
        clean, removed = without_control_characters(text, allow_newlines=True)
        if removed:
            self.post_message(ControlCharactersRemoved(self, removed))
        super().load_text(clean)


def control_value(control: Widget) -> object:
    """The current value of a form control, whatever its kind."""
    if isinstance(control, TextArea):
        return control.text
    if isinstance(control, RadioSet):
        return control.pressed_index
    if isinstance(control, (Input, Select, Checkbox)):
        return control.value
    return None


class FieldRow(Horizontal):
    """`label | control`, with the error (when there is one) and then the hint underneath the control."""

    DEFAULT_CSS = """
    FieldRow {
        height: auto;
        width: 1fr;
    }
    FieldRow > .field-label {
        width: 19;
        padding: 1 1 0 0;
        text-align: right;
        color: $text-muted;
    }
    FieldRow.-required > .field-label {
        color: $text;
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
    FieldRow TextArea.-invalid, FieldRow Select.-invalid > SelectCurrent {
        border: tall $error 60%;
    }
    """

    def __init__(self, label: str, control: Widget, *, field_name: str, hint: str | Content | None = None,
                 required: bool = True, id: str | None = None, classes: str | None = None,
                 live: bool = False) -> None:
        """`live`: the field is checked as the user types, and that check replaces the error itself."""
        super().__init__(id=id or f"row-{field_name}", classes=classes)
        self.field_name = field_name
        self.control = control
        self._label = label
        self._hint = hint
        self._live = live
        self._value_at_error: object = None
        self._reveal_when_laid_out = False
        self.set_class(required, "-required")

    def compose(self) -> ComposeResult:
        yield Label(self._label, classes="field-label")
        with Vertical(classes="field-body"):
            yield self.control
            yield Label("", classes="-error")
            if self._hint is not None:
                yield Static(self._hint, classes="field-hint")

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
        """Change the hint under the control (a row built without one has no place for it)."""
        found = self.query(".field-hint")
        if found and self._hint != hint:
            self._hint = hint
            found.first(Static).update(hint)

    def reveal(self) -> None:
        """Scroll this row to the top of the view: now, and again once a message just set under it has been
        laid out (the row grows a frame or two later; scrolled only now, it stopped short of the top). At the
        top, the toast that announces the message (bottom right) does not cover it."""
        self.scroll_visible(top=True, animate=False)
        self._reveal_when_laid_out = True
        self.set_timer(1.0, self._stop_revealing)

    def _stop_revealing(self) -> None:
        self._reveal_when_laid_out = False

    def on_resize(self) -> None:
        if self._reveal_when_laid_out:
            self._reveal_when_laid_out = False
            self.scroll_visible(top=True, animate=False)

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

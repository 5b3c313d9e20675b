"""One labelled form field: label, control, optional hint, and the error shown under the control.

Every field on the Apply screen is a FieldRow named by its draft field (`applicant_email`...), so a
`{field name: message}` dict from validation lands at the right place with `set_error`.

The text controls are `SafeInput` / `SafeTextArea`: Textual's own Input and TextArea send whatever they
hold to the terminal, ESC sequences included, so a pasted value could move the cursor, retitle the window
or write the clipboard. These two drop control and invisible characters the moment they arrive (typed,
pasted or loaded from a draft) and say so at the field.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.geometry import Size
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, RadioSet, Select, Static, TextArea
from textual.widgets.text_area import Edit, EditResult

from certwizard.domain.text import describe_characters, unprintable_characters
from certwizard.ui.safe import literal_multiline


class ControlCharactersRemoved(Message):
    """A control (`SafeInput` or `SafeTextArea`) dropped these characters from what it was given."""

    def __init__(self, source: Widget, removed: list[str]) -> None:
        super().__init__()
        self.source = source
        self.removed = removed

    @property
    def control(self) -> Widget:
        return self.source

    @property
    def explanation(self) -> str:
        count = len(self.removed)
        return (f"Removed {count} control or invisible character{'s' if count != 1 else ''} "
                f"({describe_characters(self.removed)}) from what was typed or pasted; check the value.")


def without_control_characters(text: str, allow_newlines: bool = False) -> tuple[str, list[str]]:
    """`text` without the characters a terminal would act on, and which distinct ones were dropped.

    Where new lines are allowed, carriage returns become new lines without a report: terminals paste line ends
    as CR (dropping them joined a pasted CSR into one line), and Windows files end lines with CR LF."""
    if allow_newlines:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    bad = unprintable_characters(text, allow_newlines)
    if not bad:
        return text, []
    return "".join(ch for ch in text if ch not in bad), bad


class SafeInput(Input):
    """An Input that never holds control characters (see the module docstring).

    Textual's own validation is off: the form's rules live in the domain and FieldRow sets `-invalid`. Left on,
    Input cleared `-invalid` at every key and FieldRow set it back: two repaints per keystroke. Nor does a key
    start a layout pass (`_watch_value`)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("validate_on", ())
        super().__init__(*args, **kwargs)

    def _watch_value(self, value: str) -> None:
        # Input sets its virtual size on every change, to a value the next layout pass sets back: each key
        # then laid out the whole screen and painted its scrollbars a frame later. The field scrolls its own
        # text, so the size is set quietly (a width: auto field still asks for its layout pass).
        self.set_reactive(Input.virtual_size, Size(self.content_width, 1))
        super()._watch_value(value)

    def validate_value(self, value: str) -> str:
        # The public reactive validator: runs for typing, pasting and values set by code alike.
        clean, removed = without_control_characters(value)
        if removed:
            self.post_message(ControlCharactersRemoved(self, removed))
        return clean


class SafeTextArea(TextArea):
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
        label = self.error_label
        label.update(literal_multiline(message or ""))
        label.set_class(bool(message), "-shown")
        self.control.set_class(bool(message), "-invalid")
        self._value_at_error = control_value(self.control) if message else None

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

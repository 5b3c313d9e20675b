"""Text fields that never hold control characters.

Textual's own Input sends whatever it holds to the terminal, ESC sequences included, so a pasted value could
move the cursor, retitle the window or write the clipboard. `SafeInput` drops control and invisible characters
the moment they arrive (typed, pasted or set by code) and reports them (`ControlCharactersRemoved`), so the
form can say so at the field. Kept apart from field_row.py: the home screen's filter needs only this.
"""

from __future__ import annotations

from textual.geometry import Size
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input

from certwizard.domain.text import describe_characters, unprintable_characters
from certwizard.ui.textual_fixes.keys_in_order import KeysInOrder


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


class SafeInput(KeysInOrder, Input):
    """An Input that never holds control characters (see the module docstring).

    Textual's own validation is off: the form's rules live in the domain and FieldRow sets `-invalid`. Left on,
    Input cleared `-invalid` at every key and FieldRow set it back: two repaints per keystroke. Nor does a key
    start a layout pass (`_watch_value`).

    Focusing a field does not select its text (Textual's default): tabbing into a filled field and typing
    replaced all of it, e.g. the whole domain list."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("validate_on", ())
        kwargs.setdefault("select_on_focus", False)
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


class SecretInput(KeysInOrder, Input):
    """A password or passphrase field: masked, its keys in order like every text field's. Control characters are
    not removed and reported here (the report would describe part of the secret): the dialog refuses them."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("password", True)
        super().__init__(*args, **kwargs)

"""Checkboxes and radio buttons whose state is in the glyph, not only in its colour.

Textual draws a ticked and an unticked box with the same `X` (and a pressed and an unpressed radio button with
the same dot), told apart by colour alone: under NO_COLOR, or on a Linux console (TERM=linux, 16 colours,
where the half-block edges blend in), both looked alike. Here an unticked box is empty, and under NO_COLOR or
TERM=linux the buttons are plain text: `[x]`/`[ ]` and `(•)`/`( )`.
"""

from __future__ import annotations

import os

from textual.content import Content
from textual.widgets import Checkbox as TextualCheckbox
from textual.widgets import RadioButton as TextualRadioButton


def plain_terminal() -> bool:
    """Colour cannot be relied on: NO_COLOR is set (any value, see no-color.org), or a Linux console."""
    return "NO_COLOR" in os.environ or os.environ.get("TERM", "") in ("linux", "dumb")


class _StateGlyph:
    """Mix into a ToggleButton subclass, before it."""

    ON = "X"
    PLAIN = ("[", "x", "]")

    value: bool

    @property
    def BUTTON_INNER(self) -> str:  # noqa: N802 - Textual's class attribute, made to follow the value
        return self.ON if self.value else " "

    @property
    def _button(self) -> Content:
        if plain_terminal():
            left, on, right = self.PLAIN
            return Content(f"{left}{on if self.value else ' '}{right}")
        return super()._button  # type: ignore[misc]


# BUTTON_INNER: Textual's class attribute, a property here (it follows the value); mypy refuses that override.
class Checkbox(_StateGlyph, TextualCheckbox):  # type: ignore[override]
    ON = "X"
    PLAIN = ("[", "x", "]")


class RadioButton(_StateGlyph, TextualRadioButton):  # type: ignore[override]
    ON = "\u25cf"           # Textual's dot
    PLAIN = ("(", "•", ")")

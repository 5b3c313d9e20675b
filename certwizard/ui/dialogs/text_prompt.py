"""Asking for one line of text (a count, a profile name, a password)."""

from __future__ import annotations

from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.widgets import Input, Label, Static

from certwizard.domain.text import unprintable_characters
from certwizard.ui.dialogs.base import Dialog, TextLike, shown
from certwizard.ui.safe import literal
from certwizard.ui.widgets.field_row import ControlCharactersRemoved, SafeInput


class TextPromptDialog(Dialog):
    """One line of text. `check(value)` returns an error message to show under the field, or None if accepted."""

    def __init__(self, title: TextLike, prompt: TextLike, value: str = "", *, placeholder: str = "",
                 check: Callable[[str], str | None] | None = None, password: bool = False) -> None:
        super().__init__(title)
        self._prompt = prompt
        self._initial_value = value
        self._placeholder = placeholder
        self._check = check or (lambda _: None)
        self._password = password

    def compose_box(self) -> ComposeResult:
        yield Static(shown(self._prompt), classes="dialog-text")
        # A password stays a plain Input: it is never shown, and silently changing it would lock the user out.
        control = Input if self._password else SafeInput
        # The value is a suggestion: selected, so typing replaces it (e.g. the count, a profile name).
        yield control(self._initial_value, placeholder=self._placeholder, password=self._password,
                      select_on_focus=True, id="prompt-value")
        yield Label("", classes="-error", id="prompt-error")
        yield Static("Enter: OK   Escape: cancel", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submit(self, event: Input.Submitted) -> None:
        event.stop()
        value = event.value
        bad = unprintable_characters(value)
        problem = ("Remove the control or invisible characters, then press Enter" if bad
                   else self._check(value))
        if problem:
            self.query_one("#prompt-error", Label).update(literal(problem))
            return
        self.dismiss(value)

    @on(ControlCharactersRemoved)
    def _cleaned(self, event: ControlCharactersRemoved) -> None:
        event.stop()
        self.query_one("#prompt-error", Label).update(literal(event.explanation))


def check_count(text: str, largest: int = 100) -> str | None:
    """How many certificates were bought: a whole number from 1 to `largest`."""
    text = text.strip()
    if text.isdigit() and 1 <= int(text) <= largest:
        return None
    return f"Type a whole number from 1 to {largest}, e.g. 1"

"""Asking for one file path, with completion (the letter to save, a document to upload)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.content import Content
from textual.widgets import Input, Label, Static

from certwizard.ui.dialogs.base import Dialog
from certwizard.ui.widgets.field_row import ControlCharactersRemoved
from certwizard.ui.widgets.path_input import PathInput


class PathPromptDialog(Dialog[str | None]):
    """Ask for one file path, with completion. Dismisses with the text typed, or None on Escape.

    Uses the shared dialog classes (`dialog`, `dialog-box`...) so it looks like the app's other dialogs."""

    DEFAULT_CSS = """
    PathPromptDialog .dialog-error {
        color: $text-error;
        display: none;
    }
    PathPromptDialog .dialog-error.-shown {
        display: block;
    }
    """

    COMPACT_FOOTER = False

    def __init__(self, title: str, explanation: Content | str, *, value: str = "",
                 extensions: tuple[str, ...] = (), confirm_label: str = "OK") -> None:
        super().__init__(title)
        self._explanation = explanation
        self._initial_value = value
        self._extensions = extensions
        self._confirm_label = confirm_label

    def compose_box(self) -> ComposeResult:
        yield Static(self._explanation, classes="dialog-text")
        yield PathInput(self._initial_value, extensions=self._extensions, id="path",
                        placeholder="a path such as ~/Documents/file; → or Tab completes")
        yield Label("Type a path first, or press Escape to cancel.", classes="dialog-error")
        yield Static(f"Enter: {self._confirm_label}   Escape: cancel   → or Tab: complete the path",
                     classes="dialog-hint")

    def on_mount(self) -> None:
        path = self.query_one("#path", PathInput)
        path.focus()
        path.cursor_position = len(path.value)

    @on(Input.Submitted, "#path")
    def confirm(self, event: Input.Submitted) -> None:
        event.stop()
        if not event.value.strip():
            self._show_problem("Type a path first, or press Escape to cancel.")
            return
        self.dismiss(event.value)

    @on(ControlCharactersRemoved)
    def _cleaned(self, event: ControlCharactersRemoved) -> None:
        event.stop()
        self._show_problem(event.explanation)

    def _show_problem(self, text: str) -> None:
        error = self.query_one(".dialog-error", Label)
        error.update(Content(text))
        error.add_class("-shown")

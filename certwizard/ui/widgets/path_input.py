"""Typing a file path: completion from the folder's entries, and a small modal that asks for one path.

Completion is deliberately cheap: one `os.scandir` of the folder being typed in, stopping after
`MAX_SCANNED` entries, so a huge folder cannot stall the UI.
"""

from __future__ import annotations

import os
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Input, Label, Static

from certwizard.ui.textual_fixes.quiet_focus import QuietFocus
from certwizard.ui.widgets.field_row import ControlCharactersRemoved, SafeInput
from certwizard.ui.widgets.keys_footer import KeysFooter

MAX_SCANNED = 2000


def complete_path(value: str, extensions: tuple[str, ...] = ()) -> str | None:
    """`value` extended to the first matching entry of its folder ('/' after folders), or None.

    Files are offered only when their name ends with one of `extensions` (any file when empty).
    """
    if not value:
        return None
    folder_part, _, prefix = value.rpartition("/")
    folder = os.path.expanduser(folder_part + "/") if "/" in value else "."
    matches: list[str] = []
    try:
        with os.scandir(folder) as entries:
            for count, entry in enumerate(entries):
                if count >= MAX_SCANNED:
                    break
                if not entry.name.startswith(prefix) or entry.name == prefix:
                    continue
                if entry.name.startswith(".") and not prefix.startswith("."):
                    continue
                candidate = _candidate(entry, extensions)
                if candidate is not None:
                    matches.append(candidate)
    except OSError:
        return None
    if not matches:
        return None
    return value[: len(value) - len(prefix)] + min(matches)


def _candidate(entry: os.DirEntry[str], extensions: tuple[str, ...]) -> str | None:
    try:
        if entry.is_dir():
            return entry.name + "/"
    except OSError:
        return None
    if not extensions or entry.name.lower().endswith(extensions):
        return entry.name
    return None


class PathSuggester(Suggester):
    """Suggests the completion of the path typed so far (→ or Tab accepts it)."""

    def __init__(self, extensions: tuple[str, ...] = ()) -> None:
        # Paths are case-sensitive, and folders change while the app runs: no casefolding, no cache.
        super().__init__(use_cache=False, case_sensitive=True)
        self.extensions = tuple(ext.lower() for ext in extensions)

    async def get_suggestion(self, value: str) -> str | None:
        return complete_path(value, self.extensions)


class PathInput(SafeInput):
    """An Input for a file path: completion as you type; Tab accepts a completion, else moves on."""

    BINDINGS = [Binding("tab", "complete", "Complete the path", show=False)]
    COMPLETES_ON_TAB = True         # the app's own Tab binding steps aside (see CertWizardApp.BINDINGS)

    def __init__(self, value: str = "", *, extensions: tuple[str, ...] = (), placeholder: str = "",
                 id: str | None = None, classes: str | None = None) -> None:
        # The value is a suggestion (a folder, a file name): selected when focused, so typing replaces it.
        super().__init__(value, placeholder=placeholder, suggester=PathSuggester(extensions), id=id,
                         classes=classes, select_on_focus=True)

    def action_complete(self) -> None:
        if self._suggestion and self.cursor_at_end:
            self.value = self._suggestion
            self.cursor_position = len(self.value)
        else:
            self.screen.focus_next()


def expand_path(text: str) -> Path:
    """The path the user means: `~` expanded, surrounding spaces and quotes (from drag-and-drop) removed."""
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1]
    return Path(os.path.expanduser(text))


class PathPromptDialog(QuietFocus, ModalScreen[str | None]):
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

    BINDINGS = [Binding("escape", "cancel", "Cancel", show=True)]

    def __init__(self, title: str, explanation: Content | str, *, value: str = "",
                 extensions: tuple[str, ...] = (), confirm_label: str = "OK") -> None:
        super().__init__(classes="dialog")
        self._title = title
        self._explanation = explanation
        self._initial_value = value
        self._extensions = extensions
        self._confirm_label = confirm_label

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box") as box:
            box.border_title = self._title
            yield Static(self._explanation, classes="dialog-text")
            yield PathInput(self._initial_value, extensions=self._extensions, id="path",
                            placeholder="a path such as ~/Documents/file; → or Tab completes")
            yield Label("Type a path first, or press Escape to cancel.", classes="dialog-error")
            yield Static(f"Enter: {self._confirm_label}   Escape: cancel   → or Tab: complete the path",
                         classes="dialog-hint")
        yield KeysFooter(compact=False)

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

    def action_cancel(self) -> None:
        self.dismiss(None)

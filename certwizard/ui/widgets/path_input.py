"""Typing a file path: completion from the folder's entries (the dialog asking for one: ui/dialogs/path_prompt.py).

Completion is deliberately cheap: one `os.scandir` of the folder being typed in, stopping after
`MAX_SCANNED` entries, so a huge folder cannot stall the UI.
"""

from __future__ import annotations

import os
from pathlib import Path

from textual.binding import Binding
from textual.suggester import Suggester

from certwizard.ui.widgets.field_row import SafeInput

MAX_SCANNED = 2000
FOLDERS_ONLY = ("/",)      # as `extensions`: no file name ends with '/', so only folders are completed


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
                 id: str | None = None, classes: str | None = None, select_on_focus: bool = True) -> None:
        """`select_on_focus`: the value is a suggestion (a folder, a file name), so typing replaces it; False
        for a form field, whose value is the user's own (SafeInput's rule)."""
        super().__init__(value, placeholder=placeholder, suggester=PathSuggester(extensions), id=id,
                         classes=classes, select_on_focus=select_on_focus)

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

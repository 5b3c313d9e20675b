"""Orders added or changed by another certwizard session or by the command line appear in the lists.

Every few seconds the app looks at the database file and its journal (one `stat` each: no read, no lock) and,
when either changed, the list on screen reads the order index again (cheap, and nothing at all when the index
is unchanged, e.g. after this session's own writes, which the lists already show). Only the list on screen:
a list reloaded under another screen repainted that whole screen (after every draft autosave, say), and a
list reloads anyway when it comes back into view.
"""

from __future__ import annotations

import os
from pathlib import Path

from textual.app import App

from certwizard.storage.journal import journal_path

WATCH_SECONDS = 2.0

FileState = tuple[int, int, int] | None


def file_state(path: Path) -> FileState:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size, st.st_ino


class DatabaseWatch:
    def __init__(self, database: Path) -> None:
        self.paths = (database, journal_path(database))
        self._last = self._state()

    def _state(self) -> tuple[FileState, ...]:
        return tuple(file_state(path) for path in self.paths)

    def changed(self) -> bool:
        """Whether the database or its journal changed since the last call."""
        state = self._state()
        if state == self._last:
            return False
        self._last = state
        return True


def watch_database(app: App, database: Path) -> DatabaseWatch:
    """Start watching: whenever the files change, the list on screen (a screen with `reload`) reloads."""
    watch = DatabaseWatch(database)

    def check() -> None:
        if watch.changed():
            reload = getattr(app.screen, "reload", None)
            if reload is not None:
                reload()

    app.set_interval(WATCH_SECONDS, check, name="database-watch")
    return watch

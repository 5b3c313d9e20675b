"""What UI and snapshot tests pin so that a screen looks the same on every run."""

from __future__ import annotations

import pytest
from textual.widgets import Input, TextArea


def steady_cursors(monkeypatch: pytest.MonkeyPatch) -> None:
    """A blinking cursor is on or off depending on when the screen is looked at: keep it steadily on."""
    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)
    monkeypatch.setattr(TextArea, "_toggle_cursor_blink_visible", lambda self: None)

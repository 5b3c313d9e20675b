"""What UI and snapshot tests pin so that a screen looks the same on every run (autouse fixtures that both
conftests import)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from textual.widgets import Input, TextArea


@pytest.fixture(autouse=True)
def utc_timezone(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Screens show local times; pin the zone so text and snapshots are the same on every machine."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture(autouse=True)
def no_blink(monkeypatch: pytest.MonkeyPatch) -> None:
    """A blinking cursor is on or off depending on when the screen is looked at: keep it steadily on."""
    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)
    monkeypatch.setattr(TextArea, "_toggle_cursor_blink_visible", lambda self: None)

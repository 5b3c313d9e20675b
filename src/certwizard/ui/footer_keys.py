"""Refresh a screen's footer keys only when what they depend on has changed.

`Screen.refresh_bindings` makes the Footer recompose every key: a whole footer line over SSH and a dozen new
widgets. Screens whose keys follow the selected row call `follow(state)` on every move instead.
"""

from __future__ import annotations

from collections.abc import Hashable

from textual.screen import Screen

_NOTHING_YET = object()


class FooterKeys:
    def __init__(self, screen: Screen) -> None:
        self._screen = screen
        self._state: object = _NOTHING_YET

    def follow(self, state: Hashable) -> None:
        if state != self._state:
            self._state = state
            self._screen.refresh_bindings()

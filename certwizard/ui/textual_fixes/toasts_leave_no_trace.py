"""Toasts that leave nothing behind when they go.

Textual repaints what a removed widget covered by comparing the screen's widget map before and after. After a
scroll (a Tab that scrolls the form, say) it only marks that map stale, and rebuilds it the next time a widget
asks where it is; when that happens after a toast has left the DOM but before the layout pass, the rebuilt
"before" map has no toast in it either, nothing is repainted, and the toast's last frame stays on the terminal
until something else draws there (a resize). So the map is brought up to date just before a toast goes, while
it is still on the screen.
"""

from __future__ import annotations

from textual.app import ScreenStackError
from textual.notifications import Notification


class ToastsLeaveNoTrace:
    """Mix into the App, before `App`."""

    def _unnotify(self, notification: Notification, refresh: bool = True) -> None:
        # A toast's own timer (and a click on it) calls this just before removing it.
        self._map_toasts_before_they_go()
        super()._unnotify(notification, refresh)  # type: ignore[misc]

    def clear_notifications(self) -> None:
        self._map_toasts_before_they_go()
        super().clear_notifications()  # type: ignore[misc]

    def _map_toasts_before_they_go(self) -> None:
        try:
            screen = self.screen  # type: ignore[attr-defined]
        except ScreenStackError:
            return
        screen._compositor.full_map      # noqa: B018 - rebuilt now if stale, with the toasts still in it

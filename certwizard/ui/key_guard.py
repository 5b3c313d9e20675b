"""Single-character keys act only where the user can see what they act on.

Textual runs the screen's and the app's bindings for every key that no widget took, whatever has the focus, as
soon as the key arrives:

- `i` typed in a closed drop-down (Country, "type to search") opened Issued Certificates and left the form;
  a letter typed on a checkbox or a radio button did the same;
- a letter typed while a screen was still opening acted on a screen nobody had seen yet: `w` right after `u`
  asked to withdraw whatever row the new list happened to start on.

So a printable key runs a screen or app binding only when the focus is not in a form field and the key
was typed after the current screen's first frame (a key's time is when it was read from the terminal: a key
of the same burst as the one that opened the screen is handled after it, but was typed before). Otherwise
only the bindings of the focused widget and the containers between it and the screen run (a checkbox still
toggles on space), and a closed drop-down opens and searches for what was typed, as its prompt says.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events
from textual._time import get_time
from textual.screen import Screen
from textual.widgets import Input, RadioSet, Select, TextArea
from textual.widgets._select import SelectOverlay
from textual.widgets._toggle_button import ToggleButton

if TYPE_CHECKING:
    from textual.widget import Widget

FORM_FIELDS = (Input, TextArea, Select, ToggleButton, RadioSet)


def in_form_field(widget: Widget | None) -> bool:
    """The widget is (or is inside) a text field, drop-down, checkbox or radio set."""
    if widget is None:
        return False
    for node in widget.ancestors_with_self:
        if isinstance(node, Screen):
            return False
        if isinstance(node, FORM_FIELDS):
            return True
    return False


def single_character(event: events.Key) -> bool:
    return event.character is not None and len(event.character) == 1 and event.is_printable


class KeyGuard:
    """Mix into the App, before `App`."""

    _opening: Screen | None = None      # the current screen, until its first frame
    _shown: Screen | None = None        # the screen whose first frame came last, and when
    _shown_at = 0.0

    @property
    def screen_opening(self) -> bool:
        """The current screen has not been painted yet since it became current (its letter keys wait)."""
        return self._opening is not None and self._opening is self.screen  # type: ignore[attr-defined]

    def typed_before_shown(self, event: events.Key) -> bool:
        """The key was typed before the current screen was on the terminal (it is handled only now because
        it came in the same burst, or while the screen was being built)."""
        return self.screen_opening or (self._shown is self.screen  # type: ignore[attr-defined]
                                       and event.time < self._shown_at)

    def _guard_keys(self) -> None:
        """Call once from the app's on_mount."""
        self.screen_change_signal.subscribe(self, self._screen_changed)  # type: ignore[attr-defined]

    def _screen_changed(self, screen: Screen) -> None:
        self._opening = screen
        # Runs after the next frame of that screen: from then on the user sees what the keys act on.
        screen.call_after_refresh(self._screen_shown, screen)

    def _screen_shown(self, screen: Screen) -> None:
        if self._opening is screen:
            self._opening = None
            self._shown, self._shown_at = screen, get_time()

    async def _on_key(self, event: events.Key) -> None:
        """Runs before App._on_key (Textual calls the handler of every class), which runs the bindings."""
        if not single_character(event):
            return
        focused = self.focused  # type: ignore[attr-defined]
        early = self.typed_before_shown(event)
        if not (early or in_form_field(focused)):
            return
        event.prevent_default()         # App._on_key (the screen's and the app's bindings) does not run
        if focused is None:
            return
        select = next((node for node in focused.ancestors_with_self if isinstance(node, Select)), None)
        if select is not None and not select.expanded and not early:
            select.action_show_overlay()
            overlay = select.query_one(SelectOverlay)
            # Focused now, not after the keys queued (gaining the focus clears what was typed to search).
            self.screen.set_focus(overlay, scroll_visible=False)  # type: ignore[attr-defined]
            overlay.post_message(events.Key(event.key, event.character))
            return
        run_action = self.run_action  # type: ignore[attr-defined]
        for node, bindings in self.screen._modal_binding_chain:  # type: ignore[attr-defined]
            if isinstance(node, Screen) or node is self:
                break
            for binding in bindings.key_to_bindings.get(event.key, ()):
                if not binding.priority and await run_action(binding.action, node):
                    return

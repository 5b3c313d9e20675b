"""Fields and tables run their own key bindings (Backspace, arrows, Home...) when the key reaches them.

Textual inserts a typed character as soon as the focused field reads the key, but runs the field's bindings
only after the key has bubbled up to the app, through the queue of every container on the way. In a burst
(type-ahead over a slow SSH link, keys the terminal delivers together), the characters typed after a
Backspace overtook it: 'exampel', two Backspaces and 'le' became 'exampelle' minus two. In a table, Enter
(a priority key, see typed_keys_first.py) typed right behind an arrow opened the row the arrow was leaving.
"""

from __future__ import annotations

from textual import events


class KeysInOrder:
    """Mix into an Input, TextArea or table subclass, before the Textual class."""

    async def _on_key(self, event: events.Key) -> None:
        if not event.is_printable:
            for binding in self._bindings.key_to_bindings.get(event.key, ()):   # type: ignore[attr-defined]
                if not binding.priority and await self.app.run_action(binding.action, self):  # type: ignore[attr-defined]
                    event.stop()
                    event.prevent_default()
                    return
        await super()._on_key(event)  # type: ignore[misc]

"""Run a priority key's action only after the keys typed before it have reached their field.

Textual runs a priority binding (F8, Ctrl+S...) when the app reads the key, while the letters typed just
before it are still queued at the focused field. In a burst (type-ahead over SSH, a paste, a fast typist)
the action then read the field without them: the export dialog wrote into `/t` when `/tmp/out` had been
typed and Ctrl+S followed at once, and F8 checked text that was not all there yet. Queuing the action behind
those keys, at the focused widget, keeps the order in which they were typed.

Remove when Textual delivers priority bindings in order with the keys before them.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.screen import Screen


def after_typed_keys(screen: Screen, call: Callable[[], object]) -> None:
    """Run `call` once the focused widget of `screen` has handled every key already sent to it."""
    focused = screen.focused
    if focused is None:
        call()
    else:
        focused.call_later(call)

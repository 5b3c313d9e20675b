"""The filter field above an order list, which follows every keystroke in the same frame."""

from __future__ import annotations

from collections.abc import Callable

from certwizard.ui.widgets.safe_input import SafeInput


class FilterInput(SafeInput):
    """An input that calls `follow(value)` as soon as its value changes.

    `Input.Changed` reaches the screen through the message queue, after the field alone has been painted, so
    the list repainted a frame later (~30 ms after the key at 10,000 orders). Called while the key is being
    handled, the list's repaint joins the field's: one frame per keystroke (SafeInput adds no layout pass)."""

    def __init__(self, follow: Callable[[str], None], **kwargs) -> None:
        super().__init__(**kwargs)
        self._follow = follow

    def watch_value(self, value: str) -> None:
        if self.is_mounted:
            self._follow(value)

"""Run a callback once typing pauses, instead of on every key.

The delays are module attributes read at each poke, so tests can set them to 0 and wait with `pilot.pause()`
instead of sleeping.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.timer import Timer
from textual.widget import Widget

CHECK_DELAY = 0.3    # live checks (domains, CSR lint) after the last key
SAVE_DELAY = 0.4     # draft saves after the last change


class Debouncer:
    """`poke()` (re)starts a timer on `owner`; `callback` runs when no poke came for the delay."""

    def __init__(self, owner: Widget, callback: Callable[[], object], *, saving: bool = False) -> None:
        self._owner = owner
        self._callback = callback
        self._saving = saving
        self._timer: Timer | None = None
        self._poked = 0          # counts pokes: a zero-delay run fires only for the latest one
        self._waiting = False

    @property
    def delay(self) -> float:
        return SAVE_DELAY if self._saving else CHECK_DELAY

    @property
    def pending(self) -> bool:
        return self._waiting

    def poke(self) -> None:
        self.cancel()
        self._waiting = True
        self._poked += 1
        if self.delay > 0:
            self._timer = self._owner.set_timer(self.delay, self._fire)
        else:
            # Textual timers divide by their delay: a zero delay runs at the next turn of the loop instead.
            self._owner.call_later(self._fire, self._poked)

    def flush(self) -> None:
        """Run the callback now if a run is pending (e.g. before leaving the screen)."""
        if self._waiting:
            self.cancel()
            self._callback()

    def cancel(self) -> None:
        self._waiting = False
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def _fire(self, poke: int | None = None) -> None:
        if not self._waiting or (poke is not None and poke != self._poked):
            return
        self.cancel()
        self._callback()

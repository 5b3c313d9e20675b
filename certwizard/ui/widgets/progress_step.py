"""One line saying what a worker is doing, with a spinner; something else (or nothing) when idle.

A new text or spinner frame repaints this line only. Textual's LoadingIndicator repaints 16 times a second
(bytes over SSH all the while), and with animations off (the app's default, see ui/app.py) it shows a
still 'Loading...'; this spinner turns 8 times a second whatever the animation setting.
"""

from __future__ import annotations

from textual.content import Content
from textual.reactive import reactive
from textual.timer import Timer
from textual.widget import Widget

from certwizard.ui.safe import literal


class ProgressStep(Widget):
    DEFAULT_CSS = """
    ProgressStep {
        height: auto;
    }
    """

    SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
    step: reactive[str] = reactive("", layout=True)     # a new text may wrap to more lines (not a new frame)

    def __init__(self, idle: Content | None = None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._idle = idle if idle is not None else Content("")
        self._frame = 0
        self._spin: Timer | None = None

    def show_idle(self, idle: Content) -> None:
        """What the line says when no step is running (repainted only when it changed and is shown)."""
        if (idle.plain, idle.spans) == (self._idle.plain, self._idle.spans):   # Content's == reads the text only
            return
        self._idle = idle
        if not self.step:
            self.refresh(layout=True)          # height auto: a longer text (an error) takes more lines

    def watch_step(self, step: str) -> None:
        if step and self._spin is None:
            self._spin = self.set_interval(0.12, self._next_frame)
        elif not step and self._spin is not None:
            self._spin.stop()
            self._spin = None

    def _next_frame(self) -> None:
        self._frame = (self._frame + 1) % len(self.SPINNER)
        self.refresh()

    def render(self) -> Content:
        if not self.step:
            return self._idle
        return Content.assemble((self.SPINNER[self._frame], "bold $accent"), " ", literal(self.step + "…"))

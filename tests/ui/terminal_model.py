"""What a real terminal would show after every update Textual sent it (a headless app sends nothing).

Textual repaints only the regions it thinks changed. A region it forgets stays on a real terminal as it
was (e.g. a toast that left fragments until a resize), while `app.screen._compositor.render_strips()`
renders the screen afresh and would never show the problem. `TerminalModel` applies each update, as the
terminal would, to a grid of cells; `differences()` lists the lines where the terminal and a fresh render
disagree.
"""

from __future__ import annotations

from rich.console import Console
from rich.segment import ControlType, Segment
from textual._compositor import CompositorUpdate


class TerminalModel:
    def __init__(self, app) -> None:
        self.app = app
        self.width, self.height = app.size
        self.cells = [[" "] * self.width for _ in range(self.height)]
        self._console = Console(width=self.width, height=self.height, force_terminal=True, color_system=None)
        self.updates = 0
        original = app._display

        def display(screen, renderable) -> None:
            if isinstance(renderable, CompositorUpdate) and not app._batch_count:
                self.apply(renderable)
            original(screen, renderable)

        app._display = display

    def apply(self, update: CompositorUpdate) -> None:
        self.updates += 1
        x = y = 0
        options = self._console.options
        for segment in update.__rich_console__(self._console, options):
            if not isinstance(segment, Segment):
                continue
            if segment.control:
                for control in segment.control:
                    if control[0] is ControlType.CURSOR_MOVE_TO:
                        x, y = control[1], control[2]
                continue
            if segment.text == "\n":
                x, y = 0, y + 1
                continue
            for char in segment.text:
                if 0 <= y < self.height and 0 <= x < self.width:
                    self.cells[y][x] = char
                x += 1

    def lines(self) -> list[str]:
        return ["".join(row) for row in self.cells]

    def differences(self) -> list[tuple[int, str, str]]:
        """(line number, what the terminal shows, what a fresh render shows) for every line that differs."""
        fresh = [strip.text for strip in self.app.screen._compositor.render_strips()]
        pairs = enumerate(zip(self.lines(), fresh, strict=False))
        return [(y, shown, expected) for y, (shown, expected) in pairs if shown.rstrip() != expected.rstrip()]

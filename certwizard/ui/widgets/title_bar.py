"""The top line of the list screens: Textual's Header drawn by one widget.

Same look as Textual's Header (icon on the left, which opens the command palette when clicked; the app's
title and the screen's subtitle in the middle), but Textual's is four widgets, each composed, styled and
laid out: ~35 M instructions of start-up (3 %, valgrind). Here it is one line of content.
"""

from __future__ import annotations

from textual import events
from textual.content import Content
from textual.widget import Widget

ICON = "⭘"
ICON_CELLS = 8          # Textual's HeaderIcon: 8 cells wide, the icon after one cell of padding
RIGHT_CELLS = 10        # Textual's HeaderClockSpace, kept blank


class TitleBar(Widget):
    ALLOW_SELECT = False
    DEFAULT_CSS = """
    TitleBar {
        dock: top;
        width: 100%;
        height: 1;
        background: $panel;
        color: $foreground;
    }
    """

    def on_mount(self) -> None:
        for node in (self.app, self.screen):
            self.watch(node, "title", self._titles_changed, init=False)
            self.watch(node, "sub_title", self._titles_changed, init=False)

    def _titles_changed(self) -> None:
        self.refresh()

    def render(self) -> Content:
        screen, app = self.screen, self.app
        title = app.format_title(screen.title if screen.title is not None else app.title,
                                 screen.sub_title if screen.sub_title is not None else app.sub_title)
        room = max(0, self.size.width - ICON_CELLS - RIGHT_CELLS)
        if title.cell_length > room:
            title = title.truncate(room, ellipsis=True)
        left = (room - title.cell_length) // 2
        icon = f" {ICON}".ljust(ICON_CELLS)
        return Content.assemble(icon, " " * left, title, " " * (room - left - title.cell_length + RIGHT_CELLS))

    def on_mouse_move(self, event: events.MouseMove) -> None:
        self.tooltip = "Open the command palette" if self._on_icon(event.x) else None

    async def on_click(self, event: events.Click) -> None:
        if self._on_icon(event.x):
            event.stop()
            await self.run_action("app.command_palette")

    def _on_icon(self, x: int) -> bool:
        return x < ICON_CELLS and self.app.ENABLE_COMMAND_PALETTE

"""Text that repaints only the lines that changed.

`Static.update` asks for a layout pass and a repaint of every line. A layout pass on a screen with a scrolling
table repaints the table's scrollbar and the border around the text too, and each repainted line is about
150 bytes over SSH. `show` lays out again only when the number of lines changes (a resize lays the screen out
anyway), repaints only the lines whose text or styles changed, and nothing at all when none did.

`min_lines` keeps the text at least that tall, so a shorter message does not move what is below it.
"""

from __future__ import annotations

from textual.content import Content
from textual.geometry import Region, Size
from textual.widget import Widget

LineKey = tuple[str, tuple]


class DetailsText(Widget):
    DEFAULT_CSS = """
    DetailsText {
        height: auto;
    }
    """

    def __init__(self, content: Content | None = None, *, min_lines: int = 0, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._content = content if content is not None else Content("")
        self.min_lines = min_lines
        self._shown: tuple[int, list[LineKey]] | None = None     # (width, lines) of the text last shown

    @property
    def content(self) -> Content:
        return self._content

    def render(self) -> Content:
        return self._content

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return max(self.min_lines, len(self._content.wrap(width))) if width else 0

    def _lines(self, content: Content, width: int) -> list[LineKey]:
        keys = [(line.plain, tuple(line.spans)) for line in content.wrap(width)]
        return keys + [("", ())] * (self.min_lines - len(keys))

    def show(self, content: Content) -> None:
        previous, self._content = self._content, content
        width = self.content_region.width
        if width <= 0:                        # not laid out yet: the first layout measures it
            self._shown = None
            self.refresh(layout=True)
            return
        shown = self._shown[1] if self._shown and self._shown[0] == width else self._lines(previous, width)
        lines = self._lines(content, width)
        self._shown = (width, lines)
        if len(shown) != len(lines):
            self.refresh(layout=True)
            return
        changed = [Region(0, y, width, 1)
                   for y, (old, new) in enumerate(zip(shown, lines, strict=True)) if old != new]
        if changed:
            self.refresh(*changed)

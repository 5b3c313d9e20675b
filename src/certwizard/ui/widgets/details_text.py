"""Text about the selected row that repaints only its own lines when the cursor moves.

`Static.update` asks for a layout pass by default, and a layout pass on a screen with a scrolling table
repaints the table's scrollbar and the border around the text too: about 1 KB per cursor move over SSH for
nothing. `show` re-lays out only when the text's height changes, and repaints nothing when the text (and
its styles) did not change.
"""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static


class DetailsText(Static):
    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._laid_out: tuple[int, int] | None = None     # (width, height) of the text last shown
        self._shown: tuple[str, tuple] | None = None

    def show(self, content: Content) -> None:
        shown = (content.plain, tuple(content.spans))
        width = self.content_region.width
        if shown == self._shown and self._laid_out is not None and self._laid_out[0] == width:
            return
        self._shown = shown
        shape = (width, len(content.wrap(width))) if width > 0 else None
        self.update(content, layout=shape is None or shape != self._laid_out)
        self._laid_out = shape

"""'Label      value' lines whose values wrap under themselves, not back under the labels.

A long company name or address on the Verify tab at 80 columns reads as a column of values, the way a
printed form does, instead of spilling into the label column.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content
from textual.geometry import Size
from textual.widget import Widget

Row = tuple[str, Content]


class LabelledLines(Widget):
    DEFAULT_CSS = """
    LabelledLines {
        height: auto;
    }
    """

    def __init__(self, rows: Sequence[Row] = (), *, label_width: int = 11, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._rows = list(rows)
        self._label_width = label_width

    @property
    def rows(self) -> list[Row]:
        return list(self._rows)

    def show(self, rows: Sequence[Row]) -> None:
        self._rows = list(rows)
        self.refresh(layout=True)

    def lines(self, width: int) -> list[Content]:
        """The rows laid out for `width` cells: labels dim, each value wrapped in its own column."""
        label_width = self._label_width
        value_width = max(width - label_width, 8)
        lines = []
        for label, value in self._rows:
            wrapped = value.wrap(value_width) or [Content("")]
            lines.append(Content.styled(f"{label:<{label_width}}", "dim") + wrapped[0])
            lines += [Content(" " * label_width) + line for line in wrapped[1:]]
        return lines

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.lines(width))

    def render(self) -> Content:
        return Content("\n").join(self.lines(self.content_region.width))

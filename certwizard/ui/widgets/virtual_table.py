"""A table that draws only the rows on screen, so 50,000 rows cost what 20 do.

Textual's DataTable measures and stores every cell it is given (~90 us per row: almost a second for 10,000
rows). Here the table holds only the row keys in display order and asks `cells(key)` for the texts of the
rows it draws (Textual's line API). Moving the cursor repaints the two rows involved, nothing else.
Cell texts are drawn as plain segments: never parsed as markup, and control characters are made visible.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from certwizard.domain.text import printable
from certwizard.ui.textual_fixes.keys_in_order import KeysInOrder
from certwizard.ui.textual_fixes.steady_scrollbar import steady_vertical_scrollbar

CellTexts = Callable[[str], Sequence[str]]


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    width: int


def fit(text: str, width: int) -> str:
    """`text` padded or cut (with an ellipsis) to exactly `width` terminal cells."""
    if width <= 0:
        return ""
    if text.isascii() and text.isprintable() and len(text) <= width:
        return text.ljust(width)
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    return set_cell_size(text, width - 1) + "…"


class VirtualTable(KeysInOrder, ScrollView, can_focus=True):
    """Rows are keys; `cells(key)` gives a row's texts, one per column, when the row is drawn."""

    DEFAULT_CSS = """
    VirtualTable {
        background: $surface;
        color: $foreground;
        overflow-x: hidden;
        &:focus {
            background-tint: $foreground 5%;
            & > .virtual-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
        }
        & > .virtual-table--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        & > .virtual-table--even-row {
            background: $surface-lighten-1 50%;
        }
        &:dark > .virtual-table--even-row {
            background: $surface-darken-1 40%;
        }
        & > .virtual-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
    }
    """
    COMPONENT_CLASSES = {"virtual-table--header", "virtual-table--even-row", "virtual-table--cursor"}
    BINDINGS = [
        Binding("up", "cursor_up", "Up", show=False),
        Binding("down", "cursor_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Last", show=False),
    ]

    cursor_row: reactive[int] = reactive(0, always_update=False, repaint=False)

    @dataclass
    class RowHighlighted(Message):
        table: VirtualTable
        key: str | None

        @property
        def control(self) -> VirtualTable:
            return self.table

    @dataclass
    class RowClicked(Message):
        """A row was clicked twice (or clicked while already highlighted): open it."""
        table: VirtualTable
        key: str

        @property
        def control(self) -> VirtualTable:
            return self.table

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.columns: list[Column] = []
        self._keys: Sequence[str] = ()
        self._positions: dict[str, int] | None = None     # key -> row, built when first needed
        self._cells: CellTexts = lambda key: ()

    @property
    def vertical_scrollbar(self):
        return steady_vertical_scrollbar(self)      # no extra frame on every return to the screen

    # --- content -------------------------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return len(self._keys)

    @property
    def keys(self) -> Sequence[str]:
        return self._keys

    @property
    def cursor_key(self) -> str | None:
        return self._keys[self.cursor_row] if self._keys else None

    def set_columns(self, columns: Sequence[Column]) -> None:
        self.columns = list(columns)
        self.refresh()

    def set_rows(self, keys: Sequence[str], cells: CellTexts, keep: str | None = None) -> None:
        """Show `keys` in this order; the cursor goes to `keep` when listed, else stays at its row."""
        self._keys = keys
        self._positions = None
        self._cells = cells
        self._set_row_count(len(keys))
        row = self.row_of(keep) if keep is not None else None
        self._move(row if row is not None else min(self.cursor_row, max(len(keys) - 1, 0)), force=True)
        self.refresh()

    def _set_row_count(self, rows: int) -> None:
        """Textual's `virtual_size` setter asks for a layout pass, and a frame that lays out drops this
        table's repaint to the next frame (~25 ms later: a filter keystroke paints twice). New rows never move
        the table, so only its scrollbars are updated; a scrollbar appearing or vanishing still lays out
        (Textual's `show_vertical_scrollbar` does that)."""
        size = Size(self.size.width, rows + 1)
        if size != self.virtual_size:
            self.set_reactive(VirtualTable.virtual_size, size)
            self._scroll_update(size)

    def row_of(self, key: str) -> int | None:
        if self._positions is None:
            self._positions = {k: index for index, k in enumerate(self._keys)}
        return self._positions.get(key)

    def refresh_key(self, key: str) -> None:
        """Repaint one row (its texts changed)."""
        row = self.row_of(key)
        if row is not None:
            self.refresh_line(row + 1)

    # --- cursor --------------------------------------------------------------------------------------------

    def select(self, key: str) -> bool:
        row = self.row_of(key)
        if row is None:
            return False
        self._move(row)
        return True

    def _move(self, row: int, force: bool = False) -> None:
        if not self._keys:
            row = 0
        row = max(0, min(row, len(self._keys) - 1)) if self._keys else 0
        old = self.cursor_row
        if row == old and not force:
            return
        self.cursor_row = row
        self._scroll_to_cursor()
        self.refresh_line(old + 1)
        self.refresh_line(row + 1)
        self.post_message(self.RowHighlighted(self, self.cursor_key))

    def _scroll_to_cursor(self) -> None:
        visible = max(self.size.height - 1, 1)       # the header takes the first line
        top = round(self.scroll_y)
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False)
        elif self.cursor_row >= top + visible:
            self.scroll_to(y=self.cursor_row - visible + 1, animate=False)

    def action_cursor_up(self) -> None:
        self._move(self.cursor_row - 1)

    def action_cursor_down(self) -> None:
        self._move(self.cursor_row + 1)

    def action_page_up(self) -> None:
        self._move(self.cursor_row - max(self.size.height - 2, 1))

    def action_page_down(self) -> None:
        self._move(self.cursor_row + max(self.size.height - 2, 1))

    def action_first(self) -> None:
        self._move(0)

    def action_last(self) -> None:
        self._move(len(self._keys) - 1)

    def on_click(self, event: events.Click) -> None:
        if event.y < 1:
            return
        row = round(self.scroll_y) + event.y - 1
        if not 0 <= row < len(self._keys):
            return
        if row == self.cursor_row or event.chain > 1:
            self.post_message(self.RowClicked(self, self._keys[row]))
        self._move(row)

    def on_resize(self, event: events.Resize) -> None:
        self._set_row_count(len(self._keys))       # the layout that resized us is done: no second one
        self._scroll_to_cursor()

    # --- drawing -------------------------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style
        if y == 0:
            return self._strip([column.label for column in self.columns],
                               base + self.get_component_rich_style("virtual-table--header"), width)
        row = round(self.scroll_y) + y - 1
        if row >= len(self._keys):
            return Strip.blank(width, base)
        style = base
        if row % 2:
            style += self.get_component_rich_style("virtual-table--even-row")
        if row == self.cursor_row:
            style += self.get_component_rich_style("virtual-table--cursor")
        return self._strip(self._cells(self._keys[row]), style, width)

    def _strip(self, texts: Sequence[str], style: Style, width: int) -> Strip:
        parts = [f" {fit(printable(text), column.width)} "
                 for column, text in zip(self.columns, texts, strict=False)]
        line = fit("".join(parts), width)
        return Strip([Segment(line, style)], width)

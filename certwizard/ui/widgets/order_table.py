"""A virtual table of orders whose columns fit the terminal width and which keeps its selection across reloads.

Used by Certificates and Unissued Certificates; `table_cell` by the DataTables (Issued, the product picker).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from rich.text import Text
from textual.events import Resize

from certwizard.domain.text import printable
from certwizard.ui.widgets.virtual_table import Column, VirtualTable

WIDE = 100                                  # terminal columns from which tables show their wide layout


def table_cell(value: object) -> Text:
    """A DataTable cell showing `value` literally: Rich Text is never parsed as markup and, unlike Content,
    DataTable can measure it for column widths. Control characters are made visible first."""
    return Text(printable(str(value)), no_wrap=True, overflow="ellipsis")


@dataclass(frozen=True)
class ColumnSpec:
    """A column: its width when narrow and when wide (0 = takes what is left, None = not shown)."""

    key: str
    label: str
    narrow: int | None
    wide: int | None
    narrow_cell: str = ""        # when narrow, show this cell instead (e.g. a shorter wording)


RowCells = Callable[[str], Mapping[str, str]]


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


class OrderTable(VirtualTable):
    """Rows of orders keyed by order id, whose columns fit the width; the selection survives every reload.

    `cells(order_id)` gives a row's texts by column key (plain text, control characters already made
    visible); it is called only for the rows on screen."""

    def __init__(self, columns: Sequence[ColumnSpec], *, wide_from: int = WIDE, id: str | None = None) -> None:
        super().__init__(id=id)
        self._specs = list(columns)
        self._wide_from = wide_from
        self._labels: dict[str, str] = {}
        self._row_cells: RowCells = lambda order_id: {}
        self._cell_keys: list[str] = []
        self._drawn_minute: datetime | None = None

    @property
    def selected_id(self) -> str | None:
        return self.cursor_key

    def show(self, order_ids: Sequence[str], cells: RowCells, now: datetime, keep: str | None = None,
             labels: Mapping[str, str] | None = None) -> None:
        """Show these orders in this order; the cursor stays on `keep` (default: the selected order).
        `now`: the time the cells are worded for."""
        self._drawn_minute = _minute(now)
        keep = keep if keep is not None else self.selected_id
        self._labels = dict(labels or {})
        self._row_cells = cells
        self._fit()
        self.set_rows(order_ids, self._texts, keep)

    def redraw_if_the_minute_changed(self, now: datetime) -> None:
        """Next actions are worded from the clock, to the minute ('Review overdue' from its expected time).
        Rows worded in an earlier minute are drawn again; otherwise nothing is (a screen coming back is
        painted whole anyway: a redraw would be a second frame)."""
        minute = _minute(now)
        if minute != self._drawn_minute:
            self._drawn_minute = minute
            self.refresh()

    def row_texts(self, order_id: str) -> dict[str, str]:
        """What the row of `order_id` shows, by column key (for tests and summaries)."""
        return dict(self._row_cells(order_id))

    def _texts(self, order_id: str) -> list[str]:
        cells = self._row_cells(order_id)
        return [cells[key] for key in self._cell_keys]

    def on_resize(self, event: Resize) -> None:
        self._fit()

    def _fit(self) -> None:
        """Columns for the current width: each with one cell of padding on both sides."""
        wide = self.size.width >= self._wide_from
        every = [(spec, spec.wide if wide else spec.narrow, spec.key if wide else spec.narrow_cell or spec.key)
                 for spec in self._specs]
        shown = [(spec, width, cell) for spec, width, cell in every if width is not None]
        fixed = sum(width for _, width, _ in shown) + 2 * len(shown) + 2   # + room for the scrollbar
        rest = max(12, self.size.width - fixed)
        self._cell_keys = [cell for _, _, cell in shown]
        self.set_columns([Column(spec.key, self._labels.get(spec.key, spec.label), width or rest)
                          for spec, width, _ in shown])

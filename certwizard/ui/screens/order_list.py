"""What the order lists (Certificates, Unissued Certificates) share: the index they list, the filter above the
table, the selection, and the `/` key.

Lists work on `OrderSummary` (the order index), never on whole orders: 10,000 orders load in milliseconds and
only the rows on screen are drawn. A subclass composes a `filter_field()` and an `OrderTable` with the id
`TABLE_ID`, sets `_ids` (the listed orders in the order shown) and shows them in `_show`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, ClassVar

from textual.events import DescendantFocus
from textual.widgets import Input

from certwizard.domain.summary import OrderSummary
from certwizard.ui.screens.base import WizardScreen
from certwizard.ui.widgets.filter_input import FilterInput
from certwizard.ui.widgets.order_filter import OrderFilter
from certwizard.ui.widgets.order_table import OrderTable

if TYPE_CHECKING:
    from certwizard.domain.models import Order


class OrderListScreen(WizardScreen):
    TABLE_ID: ClassVar[str]

    def __init__(self, searchable: Callable[[OrderSummary], Iterable[str]], *, id: str) -> None:
        super().__init__(id=id)
        self._summaries: dict[str, OrderSummary] = {}
        self._listed: list[OrderSummary] | None = None     # the list `_summaries` came from
        self._ids: Sequence[str] = []           # the listed orders, in the order shown (before the filter)
        self._filter = OrderFilter(searchable)

    def filter_field(self, placeholder: str) -> FilterInput:
        return FilterInput(self._filter_changed, placeholder=placeholder, id="filter", classes="filter")

    @property
    def table(self) -> OrderTable:
        return self.query_one(f"#{self.TABLE_ID}", OrderTable)

    @property
    def filter_input(self) -> Input:
        return self.query_one("#filter", Input)

    @property
    def selected_summary(self) -> OrderSummary | None:
        order_id = self.table.selected_id
        return self._summaries.get(order_id) if order_id else None

    @property
    def selected(self) -> Order | None:
        """The selected order, read whole (for opening it)."""
        summary = self.selected_summary
        return self.app.workflow.order(summary.id) if summary is not None else None

    def _unchanged(self, summaries: list[OrderSummary], select: str | None) -> bool:
        """Whether `summaries` is the list already shown (coming back from another screen): then only the
        selection and the rows worded from the clock are brought up to date."""
        if summaries is not self._listed:
            return False
        if select is not None:
            self.table.select(select)
        self.table.redraw_if_the_minute_changed(self.app.now())
        return True

    def _matching_ids(self) -> Sequence[str]:
        return self._filter.matching(self._summaries, self._ids, self.filter_input.value)

    def _show(self, select: str | None = None) -> None:
        raise NotImplementedError

    def _filter_changed(self, query: str) -> None:
        self._show()

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        if event.widget.id == "filter":         # about to search: prepare while the user types the first key
            self._filter.line_up(self._summaries, self._ids)

    def action_filter(self) -> None:
        # At once, not as Widget.focus() does (after the keys already queued): in a burst ("/review" typed
        # fast over SSH) the letters after the slash went to the list, where i and r are keys of their own.
        self.set_focus(self.filter_input)

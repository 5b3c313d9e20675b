"""The home screen: every purchased certificate with its status and what to do next.

Also home to what the order lists share (Unissued Certificates uses them too): how an order is described in
one line (`product_label`, `domains_summary`, `next_action`...) and `OrderTable`, a virtual table whose columns
fit the terminal width and which keeps its selection across reloads. Lists work on `OrderSummary` (the order
index), never on whole orders: 10,000 orders load in milliseconds and only the rows on screen are drawn.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from operator import attrgetter
from typing import TYPE_CHECKING, Protocol

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.events import DescendantFocus, Resize
from textual.widgets import Input, Static

from certwizard.domain.names import shown_domain, shown_domains
from certwizard.domain.products import Product
from certwizard.domain.status import OrderStatus
from certwizard.domain.summary import OrderSummary
from certwizard.domain.text import printable
from certwizard.ui.safe import literal, literal_multiline, template
from certwizard.ui.screens.base import WizardScreen
from certwizard.ui.widgets.details_text import DetailsText
from certwizard.ui.widgets.filter_input import FilterInput
from certwizard.ui.widgets.keys_footer import KeysFooter
from certwizard.ui.widgets.title_bar import TitleBar
from certwizard.ui.widgets.virtual_table import Column, VirtualTable

if TYPE_CHECKING:
    from certwizard.domain.models import Order

WIDE = 100                                  # terminal columns from which tables show their wide layout


class Listed(Protocol):
    """What the one-line descriptions need: an Order and an OrderSummary both have it."""

    @property
    def id(self) -> str: ...

    @property
    def status(self) -> OrderStatus: ...

    @property
    def status_reason(self) -> str: ...

    @property
    def authority_ref(self) -> str: ...

    @property
    def product(self) -> Product: ...

    @property
    def listed_domains(self) -> list[str]: ...

    @property
    def expected_issuance_at(self) -> datetime | None: ...

    @property
    def submitted_at(self) -> datetime | None: ...


# --- one order in words ------------------------------------------------------------------------------------

def product_label(product: Product) -> str:
    """e.g. 'Business OV · multi-domain · up to 5' (the first word of the name is the product line)."""
    parts = [f"{product.name.split()[0]} {product.level.value}", product.domain_type.label]
    if product.max_domains > 1:
        parts.append(f"up to {product.max_domains}")
    return " · ".join(parts)


def product_short(product: Product) -> str:
    """At most 16 characters, for narrow tables: e.g. 'OV multi ×5', 'DV wildcard', 'OV multi-wild ×5'."""
    kind = {"single": "single", "multi": "multi", "wildcard": "wildcard", "multi-wildcard": "multi-wild"}
    label = f"{product.level.value} {kind[product.domain_type.value]}"
    return f"{label} ×{product.max_domains}" if product.max_domains > 1 else label


def order_domains(order: Listed) -> list[str]:
    """The names bound to the order: as submitted if it was, else as typed in the draft so far."""
    return order.listed_domains


def domains_summary(domains: Sequence[str]) -> str:
    """The first name (the common name) and how many more, e.g. 'shop.example.com +2 more'; an IDN in
    Unicode with its punycode, as everywhere."""
    if not domains:
        return "not entered yet"
    if len(domains) == 1:
        return shown_domain(domains[0])
    return f"{shown_domain(domains[0])} +{len(domains) - 1} more"


def when(moment: datetime | None, now: datetime) -> str:
    """A date and time in the local zone, e.g. '26 Nov 14:00' (with the year when it is not this year)."""
    if moment is None:
        return "—"
    local = moment.astimezone()
    shown = local.strftime("%d %b %H:%M")
    return shown if local.year == now.astimezone().year else local.strftime("%d %b %Y %H:%M")


def review_overdue(order: Listed, now: datetime) -> bool:
    return (order.status is OrderStatus.UNDER_REVIEW and order.expected_issuance_at is not None
            and now > order.expected_issuance_at)


def next_action(order: Listed, now: datetime) -> str:
    """What the user should do now about this order, in a few words."""
    status = order.status
    if status is OrderStatus.PENDING_APPLICATION:
        return "Apply"
    if status is OrderStatus.DRAFT:
        return "Continue draft"
    if status is OrderStatus.DOMAIN_VERIFICATION:
        return "Publish DNS record, then verify"
    if status is OrderStatus.UNDER_REVIEW:
        if review_overdue(order, now):
            return "Review overdue: check mail and phone"
        return f"Wait for review (expected {when(order.expected_issuance_at, now)})"
    if status is OrderStatus.REVIEW_FAILED:
        return f"Fix and resubmit: {order.status_reason or 'see the reason in Unissued'}"
    if status is OrderStatus.ISSUED:
        return "Export"
    if status is OrderStatus.EXPIRED:
        return "Expired: buy a renewal"
    return "Revoked: buy a new certificate"


_COUNT_WORDS = (
    (OrderStatus.PENDING_APPLICATION, "to apply"),
    (OrderStatus.DRAFT, "draft"),
    (OrderStatus.DOMAIN_VERIFICATION, "to verify"),
    (OrderStatus.UNDER_REVIEW, "in review"),
    (OrderStatus.REVIEW_FAILED, "failed"),
    (OrderStatus.ISSUED, "issued"),
    (OrderStatus.EXPIRED, "expired"),
    (OrderStatus.REVOKED, "revoked"),
)


def status_counts(orders: Iterable[Listed]) -> str:
    """One line such as '5 certificates: 1 to apply · 1 draft · 2 in review' (statuses with none are left out)."""
    counts = Counter(order.status for order in orders)
    total = sum(counts.values())
    parts = [f"{counts[status]:,} {words}" for status, words in _COUNT_WORDS if counts[status]]
    noun = "certificate" if total == 1 else "certificates"
    return f"{total:,} {noun}: " + " · ".join(parts) if parts else f"0 {noun}"


def matches(query: str, texts: Iterable[str]) -> bool:
    """Case-insensitive: every word of the query appears in one of the texts."""
    haystack = " ".join(texts).casefold()
    return all(word in haystack for word in query.casefold().split())


# --- a table of orders ------------------------------------------------------------------------------------

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
        shown = [(spec, spec.wide if wide else spec.narrow, spec.key if wide else spec.narrow_cell or spec.key)
                 for spec in self._specs]
        shown = [column for column in shown if column[1] is not None]
        fixed = sum(width for _, width, _ in shown) + 2 * len(shown) + 2   # + room for the scrollbar
        rest = max(12, self.size.width - fixed)
        self._cell_keys = [cell for _, _, cell in shown]
        self.set_columns([Column(spec.key, self._labels.get(spec.key, spec.label), width or rest)
                          for spec, width, _ in shown])


class OrderFilter:
    """Which orders match a typed filter, fast enough to run at every key with 50,000 orders.

    Each order's searchable text is made once per summary (summaries are reused until their order changes);
    the texts are lined up with the current list, and a query that extends the previous one only searches
    the previous matches."""

    def __init__(self, searchable: Callable[[OrderSummary], Iterable[str]]) -> None:
        self._searchable = searchable
        self._texts: dict[str, tuple[OrderSummary, str]] = {}
        self._ids: Sequence[str] | None = None
        self._lined_up: list[str] = []
        self._last: tuple[str, list[int]] | None = None      # (query, positions of its matches)

    def matching(self, summaries: Mapping[str, OrderSummary], ids: Sequence[str], query: str) -> Sequence[str]:
        words = query.casefold().split()
        if not words:
            return ids
        self.line_up(summaries, ids)
        texts = self._lined_up
        last = self._last
        positions: Iterable[int] = last[1] if last is not None and query.startswith(last[0]) else range(len(ids))
        if len(words) == 1:
            word = words[0]
            found = [k for k in positions if word in texts[k]]
        else:
            found = [k for k in positions if all(word in texts[k] for word in words)]
        self._last = (query, found)
        return [ids[k] for k in found]

    def line_up(self, summaries: Mapping[str, OrderSummary], ids: Sequence[str]) -> None:
        """Prepare the texts of `ids` (the first search of 10,000 orders would otherwise pay ~40 ms for it)."""
        if ids is not self._ids:
            self._ids = ids
            self._lined_up = [self._text(summaries[i]) for i in ids]
            self._last = None

    def _text(self, summary: OrderSummary) -> str:
        known = self._texts.get(summary.id)
        if known is not None and known[0] is summary:
            return known[1]
        text = " ".join(self._searchable(summary)).casefold()
        self._texts[summary.id] = (summary, text)
        return text


# --- the screen -------------------------------------------------------------------------------------------

WELCOME = """\
certwizard takes a certificate you bought from purchase to installed files:

  1. Add the purchased certificate (press a) and choose its product.
  2. Apply: enter the domains to bind and who applies; certwizard makes
     the private key and CSR on this machine (or paste your own CSR).
  3. Verify the information, attach documents for OV/EV, and submit.
  4. Publish the DNS record or file the CA asks for; for OV/EV also answer
     the CA's call and e-mail. Track it in Unissued Certificates (u).
  5. When it is issued, export the certificate, chain and key.

Nothing is purchased here: the built-in sandbox CA issues test
certificates so you can try the whole flow. Press F1 for help."""

HOME_COLUMNS = (
    ColumnSpec("product", "Product", 16, 34, narrow_cell="product_short"),
    ColumnSpec("domains", "Domains", 16, 24),
    ColumnSpec("status", "Status", 19, 19),
    ColumnSpec("next", "Next action", 0, 0),
)


def home_cells(order: Listed, now: datetime) -> dict[str, str]:
    domains = order_domains(order)
    return {
        "product": product_label(order.product),
        "product_short": product_short(order.product),
        "domains": printable(domains_summary(domains)),
        "status": order.status.label,
        "next": printable(next_action(order, now)),
    }


@lru_cache(maxsize=None)
def _product_words(product: Product) -> str:
    return f"{product_label(product)} {product_short(product)} {product.name}"


def searchable(order: Listed) -> list[str]:
    """What the home filter looks in: the product, every name and the status (not time-dependent text)."""
    return [_product_words(order.product), *map(shown_domain, order_domains(order)), order.status.label]


def order_details(order: Listed, now: datetime) -> Content:
    """Two lines about the selected order: the full product and names, then the full next action."""
    product = order.product
    return template(
        "[b]$product[/b] · $validity days · $domains\n[b]Next:[/b] $action",
        product=product.name, validity=product.validity_days,
        domains=shown_domains(order_domains(order)) or "no domains entered yet",
        action=next_action(order, now))


class CertificatesScreen(WizardScreen):
    """Purchased certificates and applications; Enter applies for (or continues) the selected one."""

    BINDINGS = [
        Binding("enter", "apply", "Apply", show=True, priority=True),
        Binding("a", "add", "Add", show=True),
        Binding("u", "app.unissued", "Unissued", show=True),
        Binding("i", "app.issued", "Issued", show=True),
        Binding("r", "app.check_status", "Refresh", show=True),
        # Priority: the app acts on it when the key arrives, so the keys typed right after it (in one burst over
        # SSH) already go to the filter; off while the filter has focus, where / is just a character.
        Binding("slash", "filter", "Filter", show=True, priority=True),
        Binding("escape", "clear_filter", "Clear filter", show=False),
        Binding("q", "app.quit", "Quit", show=False),
    ]
    AUTO_FOCUS = "#orders"

    def __init__(self) -> None:
        super().__init__(id="certificates")
        self.sub_title = "Certificates"
        self._summaries: dict[str, OrderSummary] = {}
        self._ids: list[str] = []               # every order, oldest purchase first
        self._listed: list[OrderSummary] | None = None     # the list those came from
        self._filter = OrderFilter(searchable)
        self._placed_cursor = False

    def compose(self) -> ComposeResult:
        # Styled once: the class set now is in place when the widgets below get their styles. Set on mount, it
        # restyled the whole screen before its first frame (~10 ms with no orders).
        self.set_class(not self.app.workflow.summaries(), "-empty", update=False)
        yield TitleBar()
        yield Static(id="summary")
        yield FilterInput(self._filter_changed, placeholder="/ filter by product, domain or status",
                          id="filter", classes="filter")
        yield OrderTable(HOME_COLUMNS, id="orders")
        with Vertical(classes="details"):
            yield DetailsText(id="details")
        yield Static(literal_multiline(WELCOME), id="welcome")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.reload()

    def on_screen_resume(self) -> None:
        self.reload()

    # --- data --------------------------------------------------------------------------------------------

    def reload(self, select: str | None = None) -> None:
        """Read the order index again and show it; the cursor stays where it was (or moves to `select`)."""
        summaries = self.app.workflow.summaries()
        if summaries is self._listed:          # nothing changed (coming back from another screen)
            if select is not None:
                self.table.select(select)
            self.table.redraw_if_the_minute_changed(self.app.now())
            self._update_details()
            return
        self._listed = summaries
        self._summaries = {summary.id: summary for summary in summaries}
        self._ids = [summary.id for summary in summaries]
        empty = not summaries
        self.set_class(empty, "-empty")
        self.refresh_bindings()
        self.query_one("#summary", Static).update(literal(status_counts(summaries)))
        if not self._placed_cursor and summaries:
            # First load: start where the user last worked.
            select = select or max(summaries, key=attrgetter("updated")).id
            self._placed_cursor = True
        self._show(select)

    def _show(self, select: str | None = None) -> None:
        query = self.query_one("#filter", Input).value
        ids = self._filter.matching(self._summaries, self._ids, query)
        self.table.show(ids, self._cells, self.app.now(), keep=select)
        self._update_details()

    def _cells(self, order_id: str) -> dict[str, str]:
        return home_cells(self._summaries[order_id], self.app.now())

    @property
    def table(self) -> OrderTable:
        return self.query_one("#orders", OrderTable)

    @property
    def selected_summary(self) -> OrderSummary | None:
        order_id = self.table.selected_id
        return self._summaries.get(order_id) if order_id else None

    @property
    def selected(self) -> Order | None:
        """The selected order, read whole (for opening it)."""
        summary = self.selected_summary
        return self.app.workflow.order(summary.id) if summary is not None else None

    def _filter_changed(self, query: str) -> None:
        self._show()

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        if event.widget.id == "filter":         # about to search: prepare while the user types the first key
            self._filter.line_up(self._summaries, self._ids)

    @on(VirtualTable.RowHighlighted, "#orders")
    def _update_details(self) -> None:
        summary = self.selected_summary
        details = self.query_one("#details", DetailsText)
        if summary is None:
            filtered = bool(self._summaries)
            details.show(literal("No certificate matches the filter; Escape clears it." if filtered else ""))
            return
        details.show(order_details(summary, self.app.now()))

    @on(VirtualTable.RowClicked, "#orders")
    def _row_clicked(self) -> None:
        self.action_apply()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Apply and Filter mean nothing until a certificate is listed: hide them on the first start."""
        if action == "filter" and self.focused is self.query_one("#filter", Input):
            return False
        if action in ("apply", "filter"):
            return bool(self._summaries)
        return True

    # --- actions -----------------------------------------------------------------------------------------

    def action_apply(self) -> None:
        if self.focused is self.query_one("#filter", Input):
            self.set_focus(self.table)
            return
        order = self.selected
        if order is None:
            self.app.notify("Add a purchased certificate first (press a).", severity="warning")
            return
        self.app.open_order(order)

    def action_add(self) -> None:
        self.app.add_purchased()

    def action_filter(self) -> None:
        # At once, not as Widget.focus() does (after the keys already queued): in a burst ("/review" typed
        # fast over SSH) the letters after the slash went to the list, where i and r are keys of their own.
        self.set_focus(self.query_one("#filter", Input))

    def action_clear_filter(self) -> None:
        self.query_one("#filter", Input).value = ""
        self.set_focus(self.table)

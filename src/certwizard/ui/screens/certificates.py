"""The home screen: every purchased certificate with its status and what to do next.

Also home to what the order lists share (Unissued Certificates uses them too): how an order is described in
one line (`product_label`, `domains_summary`, `next_action`...) and `OrderTable`, a DataTable whose columns fit
the terminal width and which keeps its selection across reloads.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.events import Resize
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static

from certwizard.domain.models import Order
from certwizard.domain.products import Product
from certwizard.domain.status import OrderStatus
from certwizard.domain.text import printable
from certwizard.ui.safe import literal, literal_multiline, template

WIDE = 100                                  # terminal columns from which tables show their wide layout
_DOMAIN_SEPARATORS = re.compile(r"[\s,;]+")


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


def order_domains(order: Order) -> list[str]:
    """The names bound to the order: as submitted if it was, else as typed in the draft so far."""
    if order.application is not None:
        return list(order.application.domains)
    return [name for name in _DOMAIN_SEPARATORS.split(order.draft.domains) if name]


def domains_summary(domains: Sequence[str]) -> str:
    """The first name (the common name) and how many more, e.g. 'shop.example.com +2 more'."""
    if not domains:
        return "not entered yet"
    if len(domains) == 1:
        return domains[0]
    return f"{domains[0]} +{len(domains) - 1} more"


def when(moment: datetime | None, now: datetime) -> str:
    """A date and time in the local zone, e.g. '26 Nov 14:00' (with the year when it is not this year)."""
    if moment is None:
        return "—"
    local = moment.astimezone()
    shown = local.strftime("%d %b %H:%M")
    return shown if local.year == now.astimezone().year else local.strftime("%d %b %Y %H:%M")


def review_overdue(order: Order, now: datetime) -> bool:
    return (order.status is OrderStatus.UNDER_REVIEW and order.expected_issuance_at is not None
            and now > order.expected_issuance_at)


def next_action(order: Order, now: datetime) -> str:
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


def status_counts(orders: Iterable[Order]) -> str:
    """One line such as '5 certificates: 1 to apply · 1 draft · 2 in review' (statuses with none are left out)."""
    counts = Counter(order.status for order in orders)
    total = sum(counts.values())
    parts = [f"{counts[status]} {words}" for status, words in _COUNT_WORDS if counts[status]]
    noun = "certificate" if total == 1 else "certificates"
    return f"{total} {noun}: " + " · ".join(parts) if parts else f"0 {noun}"


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


class OrderTable(DataTable):
    """Rows of orders keyed by order id, whose columns fit the width; the selection survives every reload.

    Cells are `table_cell` Text (never parsed as markup). Rebuilding is cheap at the sizes this table is used for;
    a virtual table replaces it for very large lists."""

    def __init__(self, columns: Sequence[ColumnSpec], *, wide_from: int = WIDE, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self._specs = list(columns)
        self._wide_from = wide_from
        self._rows: list[tuple[str, Mapping[str, Text]]] = []
        self._labels: dict[str, str] = {}
        self._fitted_width = -1

    @property
    def selected_id(self) -> str | None:
        if not self.row_count:
            return None
        row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        return row_key.value

    def show(self, rows: list[tuple[str, Mapping[str, Text]]], keep: str | None = None,
             labels: Mapping[str, str] | None = None) -> None:
        """Replace the rows; the cursor stays on `keep` (default: the selected order) when it is still listed."""
        keep = keep if keep is not None else self.selected_id
        self._rows = rows
        self._labels = dict(labels or {})
        self._rebuild(keep)

    def select(self, order_id: str) -> bool:
        try:
            index = self.get_row_index(order_id)
        except Exception:  # RowDoesNotExist: not listed (filtered out, or gone)
            return False
        self.move_cursor(row=index, animate=False, scroll=True)
        return True

    def on_resize(self, event: Resize) -> None:
        if event.size.width != self._fitted_width:
            self._rebuild(self.selected_id)

    def _layout(self) -> list[tuple[ColumnSpec, int, str]]:
        """(column, width, cell key) of each column shown at the current width."""
        wide = self.size.width >= self._wide_from
        shown = [(spec, spec.wide if wide else spec.narrow, spec.key if wide else spec.narrow_cell or spec.key)
                 for spec in self._specs]
        shown = [column for column in shown if column[1] is not None]
        # Each column has one cell of padding on both sides; keep room for the vertical scrollbar.
        fixed = sum(width for _, width, _ in shown) + 2 * len(shown) + 2
        rest = max(12, self.size.width - fixed)
        return [(spec, width or rest, cell) for spec, width, cell in shown]

    def _rebuild(self, keep: str | None) -> None:
        self._fitted_width = self.size.width
        layout = self._layout()
        self.clear(columns=True)
        for spec, width, _ in layout:
            self.add_column(Text(self._labels.get(spec.key, spec.label)), width=width, key=spec.key)
        for order_id, cells in self._rows:
            self.add_row(*(cells[cell] for _, _, cell in layout), key=order_id)
        if keep is not None:
            self.select(keep)


# --- the screen -------------------------------------------------------------------------------------------

WELCOME = """\
certwizard takes a certificate you bought from purchase to installed files:

  1. Add the purchased certificate (press a) and choose its product.
  2. Apply: enter the domains to bind and who applies; certwizard makes
     the private key and CSR on this machine (or paste your own CSR).
  3. Verify the information, attach documents for OV/EV, and submit.
  4. Publish the DNS record or file the CA asks for (DV), or answer the
     CA's call and e-mail (OV/EV). Track it in Unissued Certificates (u).
  5. When it is issued, export the certificate, chain and key.

Nothing is purchased here: the built-in sandbox CA issues test
certificates so you can try the whole flow. Press F1 for help."""

HOME_COLUMNS = (
    ColumnSpec("product", "Product", 16, 34, narrow_cell="product_short"),
    ColumnSpec("domains", "Domains", 16, 24),
    ColumnSpec("status", "Status", 19, 19),
    ColumnSpec("next", "Next action", 0, 0),
)


def home_cells(order: Order, now: datetime) -> dict[str, Text]:
    return {
        "product": table_cell(product_label(order.product)),
        "product_short": table_cell(product_short(order.product)),
        "domains": table_cell(domains_summary(order_domains(order))),
        "status": table_cell(order.status.label),
        "next": table_cell(next_action(order, now)),
    }


def order_details(order: Order, now: datetime) -> Content:
    """Two lines about the selected order: the full product and names, then the full next action."""
    product = order.product
    return template(
        "[b]$product[/b] · $validity days · $domains\n[b]Next:[/b] $action",
        product=product.name, validity=product.validity_days,
        domains=", ".join(order_domains(order)) or "no domains entered yet", action=next_action(order, now))


class CertificatesScreen(Screen):
    """Purchased certificates and applications; Enter applies for (or continues) the selected one."""

    BINDINGS = [
        Binding("enter", "apply", "Apply", show=True, priority=True),
        Binding("a", "add", "Add", show=True),
        Binding("u", "app.unissued", "Unissued", show=True),
        Binding("r", "app.check_status", "Refresh", show=True),
        Binding("slash", "filter", "Filter", show=True),
        Binding("escape", "clear_filter", "Clear filter", show=False),
        Binding("q", "app.quit", "Quit", show=False),
    ]
    AUTO_FOCUS = "#orders"

    def __init__(self) -> None:
        super().__init__(id="certificates")
        self.sub_title = "Certificates"
        self._orders: dict[str, Order] = {}
        self._placed_cursor = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="summary")
        yield Input(placeholder="/ filter by product, domain or status", id="filter", classes="filter")
        yield OrderTable(HOME_COLUMNS, id="orders")
        yield Static(id="details", classes="details")
        yield Static(literal_multiline(WELCOME), id="welcome")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.reload()

    def on_screen_resume(self) -> None:
        self.reload()

    # --- data --------------------------------------------------------------------------------------------

    def reload(self, select: str | None = None) -> None:
        """Read the orders again and show them; the cursor stays where it was (or moves to `select`)."""
        orders = self.app.workflow.orders()
        self._orders = {order.id: order for order in orders}
        empty = not orders
        self.set_class(empty, "-empty")
        self.refresh_bindings()
        self.query_one("#summary", Static).update(literal(status_counts(orders)))
        if not self._placed_cursor and orders:
            # First load: start where the user last worked.
            select = select or max(orders, key=lambda order: order.updated_at).id
            self._placed_cursor = True
        self._show(select)

    def _show(self, select: str | None = None) -> None:
        now = self.app.now()
        query = self.query_one("#filter", Input).value
        rows = []
        for order in self._orders.values():
            cells = home_cells(order, now)
            if matches(query, (cell.plain for cell in cells.values())):
                rows.append((order.id, cells))
        self.table.show(rows, keep=select)
        self._update_details()

    @property
    def table(self) -> OrderTable:
        return self.query_one("#orders", OrderTable)

    @property
    def selected(self) -> Order | None:
        order_id = self.table.selected_id
        return self._orders.get(order_id) if order_id else None

    @on(Input.Changed, "#filter")
    def _filter_changed(self) -> None:
        self._show()

    @on(DataTable.RowHighlighted, "#orders")
    def _update_details(self) -> None:
        order = self.selected
        details = self.query_one("#details", Static)
        if order is None:
            filtered = bool(self._orders)
            details.update(literal("No certificate matches the filter; Escape clears it." if filtered else ""))
            return
        details.update(order_details(order, self.app.now()))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Apply and Filter mean nothing until a certificate is listed: hide them on the first start."""
        if action in ("apply", "filter"):
            return bool(self._orders)
        return True

    # --- actions -----------------------------------------------------------------------------------------

    def action_apply(self) -> None:
        if self.focused is self.query_one("#filter", Input):
            self.table.focus()
            return
        order = self.selected
        if order is None:
            self.app.notify("Add a purchased certificate first (press a).", severity="warning")
            return
        self.app.open_order(order)

    def action_add(self) -> None:
        self.app.add_purchased()

    def action_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_clear_filter(self) -> None:
        self.query_one("#filter", Input).value = ""
        self.table.focus()

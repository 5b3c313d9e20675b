"""The home screen: every purchased certificate with its status and what to do next.

The list machinery it shares with Unissued Certificates is in ui/screens/order_list.py (the screen),
ui/widgets/order_table.py and order_filter.py; how an order is worded in one line is in ui/order_words.py.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from operator import attrgetter

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from certwizard.domain.names import shown_domain, shown_domains
from certwizard.domain.products import Product
from certwizard.domain.summary import OrderSummary
from certwizard.domain.text import printable
from certwizard.ui.order_words import (
    Listed,
    domains_summary,
    next_action,
    next_action_short,
    order_domains,
    product_label,
    product_short,
    status_counts,
)
from certwizard.ui.safe import literal, literal_multiline, template
from certwizard.ui.screens.order_list import OrderListScreen
from certwizard.ui.textual_fixes.typed_keys_first import after_typed_keys
from certwizard.ui.widgets.details_text import DetailsText
from certwizard.ui.widgets.keys_footer import KeysFooter
from certwizard.ui.widgets.order_table import ColumnSpec, OrderTable
from certwizard.ui.widgets.title_bar import TitleBar
from certwizard.ui.widgets.virtual_table import VirtualTable

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
    ColumnSpec("next", "Next action", 0, 0, narrow_cell="next_short"),
)


def home_cells(order: Listed, now: datetime) -> dict[str, str]:
    domains = order_domains(order)
    return {
        "product": product_label(order.product),
        "product_short": product_short(order.product),
        "domains": printable(domains_summary(domains)),
        "status": order.status_at(now).label,
        "next": printable(next_action(order, now)),
        "next_short": printable(next_action_short(order, now)),
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
        "[b]$product[/b] · $validity · $domains\n[b]Next:[/b] $action",
        product=product.name, validity=product.validity_label,
        domains=shown_domains(order_domains(order)) or "no domains entered yet",
        action=next_action(order, now))


class CertificatesScreen(OrderListScreen):
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
    TABLE_ID = "orders"

    def __init__(self) -> None:
        super().__init__(searchable, id="certificates")
        self.sub_title = "Certificates"
        self._placed_cursor = False
        self._counted: tuple[list[OrderSummary], datetime] | None = None     # the list and minute counted
        self._counts_text = ""

    def compose(self) -> ComposeResult:
        # Styled once: the class set now is in place when the widgets below get their styles. Set on mount, it
        # restyled the whole screen before its first frame (~10 ms with no orders).
        self.set_class(not self.app.workflow.summaries(), "-empty", update=False)
        yield TitleBar()
        yield Static(id="summary")
        yield self.filter_field("/ filter by product, domain or status")
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
        if self._unchanged(summaries, select):
            self._count(summaries)          # issued ones turn expiring soon, then expired, with the clock
            self._update_details()
            return
        self._listed = summaries
        self._summaries = {summary.id: summary for summary in summaries}
        self._ids = [summary.id for summary in summaries]       # oldest purchase first
        empty = not summaries
        self.set_class(empty, "-empty")
        self.refresh_bindings()
        self._count(summaries)
        if not self._placed_cursor and summaries:
            # First load: start where the user last worked.
            select = select or max(summaries, key=attrgetter("updated")).id
            self._placed_cursor = True
        self._show(select)

    def _count(self, summaries: list[OrderSummary]) -> None:
        """The counts line, worded again when the list or the minute changed (not at every return to the
        screen: it reads every order's status), and repainted only when its text changed."""
        now = self.app.now()
        counted = (summaries, now.replace(second=0, microsecond=0))
        if self._counted is not None and self._counted[0] is summaries and self._counted[1] == counted[1]:
            return
        self._counted = counted
        text = status_counts(summaries, now)
        if text != self._counts_text:
            self._counts_text = text
            self.query_one("#summary", Static).update(literal(text))

    def _show(self, select: str | None = None) -> None:
        self.table.show(self._matching_ids(), self._cells, self.app.now(), keep=select)
        self._update_details()

    def _cells(self, order_id: str) -> dict[str, str]:
        return home_cells(self._summaries[order_id], self.app.now())

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
        if action == "filter" and self.focused is self.filter_input:
            return False
        if action in ("apply", "filter"):
            return bool(self._summaries)
        return True

    # --- actions -----------------------------------------------------------------------------------------

    def action_apply(self) -> None:
        after_typed_keys(self, self._apply)      # Enter is a priority key: an arrow typed just before it counts

    def _apply(self) -> None:
        if self.focused is self.filter_input:
            self.set_focus(self.table)
            return
        order = self.selected
        if order is None:
            self.app.notify("Add a purchased certificate first (press a).", severity="warning")
            return
        self.app.open_order(order)

    def action_add(self) -> None:
        self.app.add_purchased()

    def action_clear_filter(self) -> None:
        self.filter_input.value = ""
        self.set_focus(self.table)

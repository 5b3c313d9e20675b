"""Choosing one of a list: the purchased product, a saved profile."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import DataTable, Static

from certwizard.domain.models import Profile
from certwizard.domain.products import Product
from certwizard.ui.dialogs.base import Dialog, TextLike
from certwizard.ui.textual_fixes.typed_keys_first import after_typed_keys
from certwizard.ui.widgets.order_table import table_cell
from certwizard.ui.widgets.row_table import RowTable


def product_facts(product: Product) -> list[str]:
    """The columns of the product picker: name, type, names allowed, validity. (No level column: every name
    says it, Basic DV, Business OV, ACME DV; without it the columns fit 80 with a scrollbar.)"""
    names = str(product.max_domains)     # the most names it binds; "max 100" pushed Validity off 80 columns
    return [product.name, product.domain_type.label, names, product.validity_short]


# The picker's last row, when offered: not a product, but the way to get an ACME CA's products.
ADD_ACME_ACCOUNT = "+add-acme-account"
# One line (a taller row is not scrolled into view whole by End), the CAs in the Type column's width.
ADD_ACME_ACCOUNT_CELLS = ("+ Add an ACME account", "Let's Encrypt, ZeroSSL…")


class ProductPickerDialog(Dialog):
    """Which catalog product was purchased; returns its id, ADD_ACME_ACCOUNT for the last row when
    `offer_acme_account`, or None if cancelled."""

    BINDINGS = [Binding("enter", "choose", "Choose", show=True, priority=True)]

    def __init__(self, products: Iterable[Product], title: TextLike = "Which certificate did you buy?", *,
                 offer_acme_account: bool = False, select: str | None = None) -> None:
        """`products`: what the configured authorities offer (`Authorities.products()`); `select`: the id
        the cursor starts on (e.g. the first product of an account just added)."""
        super().__init__(title)
        self._products = tuple(products)
        self._offer_acme_account = offer_acme_account
        self._select = select
        self.add_class("-wide")

    def compose_box(self) -> ComposeResult:
        intro = ("Choose the product from your purchase (it decides the domains and information asked), or "
                 "add an ACME account." if self._offer_acme_account else
                 "Choose the product from your purchase; it decides the domains and information asked.")
        yield Static(Content(intro), classes="dialog-text")
        yield RowTable(cursor_type="row", id="products")

    # What the box holds besides the table (borders, padding, the intro and its margin), and the screen's
    # share the box may take: the table must scroll inside the box, or its last rows are cut off unseen.
    AROUND_TABLE = 8

    def on_resize(self) -> None:
        limit = int(self.app.size.height * 0.9) - self.AROUND_TABLE
        self.query_one("#products", DataTable).styles.max_height = max(3, min(14, limit))

    def on_mount(self) -> None:
        # Filled once mounted, so the columns are measured to fit their content.
        table = self.query_one("#products", DataTable)
        self.on_resize()
        table.add_columns("Product", "Type", "Names", "Validity")
        for product in self._products:
            table.add_row(*(table_cell(fact) for fact in product_facts(product)), key=product.id)
        if self._offer_acme_account:
            name, examples = ADD_ACME_ACCOUNT_CELLS
            table.add_row(Text(name, style="bold"), Text(examples, style="dim"), "", "", key=ADD_ACME_ACCOUNT)
        if self._select is not None and self._select in table.rows:
            table.move_cursor(row=table.get_row_index(self._select))
        table.focus()

    def action_choose(self) -> None:
        after_typed_keys(self, self._choose)     # Enter is a priority key: the arrows typed before it count

    def _choose(self) -> None:
        table = self.query_one("#products", DataTable)
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        self.dismiss(row_key.value)

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.dismiss(event.row_key.value)


class ProfilePickerDialog(Dialog):
    """One of the saved applicant/company profiles; returns it, or None if cancelled."""

    BINDINGS = [Binding("enter", "choose", "Use", show=True, priority=True)]

    def __init__(self, profiles: list[Profile], title: TextLike = "Use saved information") -> None:
        super().__init__(title)
        self._profiles = list(profiles)

    def compose_box(self) -> ComposeResult:
        if not self._profiles:
            yield Static("Nothing is saved yet. Fill in the applicant (and company) fields once, then save them "
                         "as a profile from the Verify Information tab.", classes="dialog-text")
            return
        yield RowTable(cursor_type="row", id="profiles")

    def on_mount(self) -> None:
        if not self._profiles:
            return
        table = self.query_one("#profiles", DataTable)
        table.add_columns("Name", "Kind", "Saved", "Details")
        for profile in self._profiles:
            table.add_row(table_cell(profile.label), table_cell(profile.kind.value),
                          table_cell(profile.saved_at.strftime("%d %b %Y")), table_cell(_profile_details(profile)),
                          key=profile.id)
        table.focus()

    def action_choose(self) -> None:
        after_typed_keys(self, self._choose)     # Enter is a priority key: the arrows typed before it count

    def _choose(self) -> None:
        if not self._profiles:
            self.dismiss(None)
            return
        self.dismiss(self._profiles[self.query_one("#profiles", DataTable).cursor_row])

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.dismiss(self._profiles[event.cursor_row])


def _profile_details(profile: Profile) -> str:
    """A short reminder of what the profile holds, e.g. 'Li Lei, lilei@example.com'."""
    shown = [v.strip() for k, v in profile.values.items()
             if v.strip() and k in ("applicant_name", "applicant_email", "company_name", "company_city")]
    return ", ".join(shown)


class ReasonPickerDialog(Dialog):
    """Why a certificate is revoked; returns the RevocationReason, or None if cancelled."""

    BINDINGS = [Binding("enter", "choose", "Choose", show=True, priority=True)]

    def __init__(self, title: TextLike = "Why revoke it?") -> None:
        super().__init__(title)
        from certwizard.domain.revocation import RevocationReason

        self._reasons = list(RevocationReason)

    def compose_box(self) -> ComposeResult:
        yield Static("The CA is told the reason; keyCompromise if the private key may have leaked.",
                     classes="dialog-text")
        yield RowTable(cursor_type="row", id="reasons")

    def on_mount(self) -> None:
        table = self.query_one("#reasons", DataTable)
        table.add_columns("Reason", "Meaning")
        for reason in self._reasons:
            table.add_row(table_cell(reason.value), table_cell(reason.words), key=reason.value)
        table.focus()

    def action_choose(self) -> None:
        after_typed_keys(self, self._choose)

    def _choose(self) -> None:
        self.dismiss(self._reasons[self.query_one("#reasons", DataTable).cursor_row])

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.dismiss(self._reasons[event.cursor_row])

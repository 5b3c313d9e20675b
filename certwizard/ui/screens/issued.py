"""Issued Certificates: every certificate the CA sent, how long it has left and when it is renewed, whether
its stored key still belongs to it, and Export.

The rows appear at once from the stored orders, with their status at the app's clock (expiring soon and
expired are never stored) and their renewal facts; the certificate facts, the key check and the chain check
run in a thread worker (reading key files, and a few milliseconds of cryptography per certificate), and until
a certificate is checked its key is shown as "checking…" and it cannot be exported. d shows only the
certificates due for renewal (expiring soon or expired).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.events import Resize
from textual.widgets import DataTable, Static
from textual.worker import get_current_worker

from certwizard.domain.models import Order
from certwizard.domain.names import shown_domains
from certwizard.domain.status import OrderStatus
from certwizard.export.bundle import ExportResult
from certwizard.services.issued import (
    CERTIFICATE_STATUSES,
    IssuedSummary,
    issued_orders,
    summarize_issued_orders,
)
from certwizard.ui.dialogs.export import ExportDialog
from certwizard.ui.messages import OrdersChanged
from certwizard.ui.order_words import domains_summary, local_time, order_domains, product_label
from certwizard.ui.renewal_words import (
    due_counts,
    due_for_renewal,
    ended_counts,
    in_use,
    renewal_fields,
    status_cell,
)
from certwizard.ui.safe import literal, literal_multiline, template
from certwizard.ui.screens.base import WizardScreen
from certwizard.ui.screens.certificates import CertificatesScreen
from certwizard.ui.widgets.keys_footer import KeysFooter
from certwizard.ui.widgets.order_table import table_cell
from certwizard.ui.widgets.progress_step import ProgressStep
from certwizard.ui.widgets.row_table import RowTable
from certwizard.ui.widgets.title_bar import TitleBar
from certwizard.ui.workers import ReportsWorkerFailures, background

if TYPE_CHECKING:
    from certwizard.domain.revocation import RevocationReason
    from certwizard.services.renewal import RenewalOutcome

CHECKING = "checking…"
# Column widths besides Domains, which takes the rest: Expires ("02 Mar 2027"), Status ("Expiring · 120 d"),
# Key. Below 80 columns the Expires date is left out (the status says the days left; the detail the date).
FIXED_COLUMNS = (("expires", "Expires", 11), ("status", "Status", 16), ("key", "Key", 20))
FULL_WIDTH = 80


def row_cells(order: Order, summary: IssuedSummary | None, now: datetime, *,
              with_expires: bool = True) -> list[Text]:
    assert order.certificate is not None
    domains = domains_summary(list(summary.domains) if summary is not None else order_domains(order))
    key = CHECKING if summary is None else summary.key.summary if summary.facts else "unreadable"
    expires = [order.certificate.not_after.astimezone().strftime("%d %b %Y")] if with_expires else []
    return [table_cell(text) for text in (domains, *expires, status_cell(order, now), key)]


# In this order: when it ends and is renewed, whether its key belongs to it (can it be exported), how it is
# renewed and where it is installed, then the certificate's facts. Key and below come from the check.
DETAIL_FIELDS = ("Expires", "Renewal", "Key", "Key policy", "Last renewal", "Renews", "Renewed by", "Installed",
                 "Issuer", "Serial", "Valid from", "Key type", "SHA-256", "SHA-1", "Chain", "Trust")


def fingerprint_lines(fingerprint: str, per_line: int = 16) -> str:
    """'AB:CD:…' cut after every `per_line` bytes: a SHA-256 fingerprint wraps between bytes, not in one."""
    octets = fingerprint.split(":")
    return "\n".join(":".join(octets[i:i + per_line]) for i in range(0, len(octets), per_line))


def detail_head(order: Order, now: datetime) -> Content:
    return template("[b]$domains[/b]\n$product · order $id · $status",
                    domains=shown_domains(order_domains(order)), product=product_label(order.product),
                    id=order.id, status=order.status_at(now).label)


def detail_fields(summary: IssuedSummary | None, now: datetime) -> dict[str, str]:
    """The labelled facts of the selected certificate (plain text; fields not known are left out)."""
    if summary is None or summary.facts is None:
        return {}
    facts = summary.facts
    fields = {
        "Issuer": facts.issuer,
        "Serial": facts.serial_hex,
        "Valid from": local_time(facts.not_before) + (" (not valid yet)" if now < facts.not_before else ""),
        "Key type": facts.key_description,
        "SHA-256": fingerprint_lines(facts.sha256_fingerprint),
        "SHA-1": facts.sha1_fingerprint,
        "Key": summary.key.detail,
    }
    if summary.chain_problems is not None:
        fields["Chain"] = ("; ".join(summary.chain_problems) if summary.chain_problems else
                           f"verifies up to the CA's root for {shown_domains(summary.domains)}")
    if summary.trust_note:
        fields["Trust"] = summary.trust_note       # a private CA: clients must trust its root
    return fields


def verdict(summary: IssuedSummary | None) -> Content:
    if summary is None:
        return Content("Checking the certificate against its stored key…")
    if summary.facts is None:
        return template("[b]The stored certificate cannot be read:[/b] $problem",
                        problem=summary.certificate_problem)
    if not exportable(summary):
        return template("[b]Cannot be exported:[/b] $why (see Key above).", why=summary.key.summary)
    if summary.chain_problems:
        return Content.from_markup("[b]Exportable[/b] (press e), but see the chain problem above.")
    return Content.from_markup("[b]Ready to export:[/b] press e (or Enter).")


def detail_id(name: str) -> str:
    return "detail-" + name.lower().replace(" ", "-")


def exportable(summary: IssuedSummary | None) -> bool:
    """Checked, readable, and its key (if certwizard has one) belongs to it."""
    return summary is not None and summary.facts is not None and summary.key.usable


class IssuedScreen(ReportsWorkerFailures, WizardScreen):
    """Issued certificates with the detail of the selected one; e exports it."""

    DEFAULT_CSS = """
    IssuedScreen #issued-summary {
        height: 1;
        padding: 0 1;
        color: $text-muted;
    }
    IssuedScreen #issued-table {
        height: auto;
        max-height: 40%;
        min-height: 3;
    }
    IssuedScreen #issued-detail-scroll {
        height: 1fr;
        padding: 0 1;
        border-top: solid $primary 40%;
    }
    IssuedScreen #issued-detail-scroll > Static, IssuedScreen .detail-row {
        height: auto;
    }
    IssuedScreen .detail-label {
        width: 13;
        text-style: bold;
    }
    IssuedScreen .detail-value {
        width: 1fr;
    }
    IssuedScreen #issued-verdict {
        margin-top: 1;
    }
    IssuedScreen #issued-empty {
        display: none;
        padding: 1 2;
    }
    IssuedScreen.-empty #issued-empty {
        display: block;
    }
    IssuedScreen.-empty #issued-table, IssuedScreen.-empty #issued-detail-scroll {
        display: none;
    }
    """

    # In the footer in this order: what fits at 60 columns comes first (ctrl+p lists them all).
    BINDINGS = [
        Binding("escape", "back", "Back", show=True),
        Binding("e", "export", "Export", show=True),
        Binding("i", "install", "Install", show=True,
                tooltip="Install the selected certificate in a server's folder, kept up to date on renewal"),
        Binding("n", "renew_now", "Renew", show=True,
                tooltip="Renew the selected certificate now, install it where it is installed, reload"),
        Binding("d", "due_only", "Due only", show=True,
                tooltip="Show only the certificates due for renewal (expiring soon or expired); again: all"),
        Binding("x", "revoke", "Revoke", show=True, tooltip="Revoke the selected certificate at its CA"),
        Binding("r", "recheck", "Recheck", show=True),
    ]
    AUTO_FOCUS = "#issued-table"

    def __init__(self, select: str | None = None, *, export: bool = False) -> None:
        """`select`: the order to start at; `export`: open Export for it as soon as it has been checked."""
        super().__init__(id="issued")
        self.sub_title = "Issued Certificates"
        self._select = select
        self._export_when_checked = export
        self._orders: dict[str, Order] = {}
        self._summaries: dict[str, IssuedSummary] = {}
        self._check_error = ""
        self._shown_once = False
        self._in_dialog = False
        self._due_only = False
        self._renewing = False

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield ProgressStep(id="issued-summary")       # the counts, or what Renew now is doing
        yield RowTable(cursor_type="row", zebra_stripes=True, id="issued-table")
        with VerticalScroll(id="issued-detail-scroll"):
            yield Static(id="issued-head")
            for name in DETAIL_FIELDS:
                with Horizontal(classes="detail-row", id=detail_id(name)):
                    yield Static(name, classes="detail-label")
                    yield Static(classes="detail-value")
            yield Static(id="issued-verdict")
        yield Static("No certificate has been issued yet. Submitted applications are followed in Unissued "
                     "Certificates; once the CA issues one it appears here, ready to export.",
                     id="issued-empty")
        yield KeysFooter()

    def on_screen_resume(self) -> None:
        """First shown, or back from another screen (orders may have changed): read and check again.

        Not after our own Export dialog: nothing it does changes what this screen shows."""
        if self._in_dialog:
            self._in_dialog = False
            return
        self.reload(select=None if self._shown_once else self._select)
        self._shown_once = True

    # --- data --------------------------------------------------------------------------------------------

    @property
    def table(self) -> DataTable:
        return self.query_one("#issued-table", DataTable)

    @property
    def selected(self) -> Order | None:
        if not self.table.row_count:
            return None
        row_key, _ = self.table.coordinate_to_cell_key(self.table.cursor_coordinate)
        return self._orders.get(row_key.value or "")

    def reload(self, select: str | None = None) -> None:
        """Read the orders again, show them at once, and (re)check every certificate in a worker."""
        keep = select or (self.selected.id if self.selected else None)
        orders = issued_orders(self.app.workflow.orders(CERTIFICATE_STATUSES))
        self._orders = {order.id: order for order in orders}
        self._summaries = {}
        self._check_error = ""
        self.set_class(not orders, "-empty")
        self._rebuild(keep)
        if orders:
            self._check(orders, self.app.now())

    def select(self, order_id: str) -> None:
        if self._due_only and order_id in self._orders and order_id not in self._shown_ids():
            self._due_only = False                       # asked for by name: show it, whatever the filter
            self._rebuild(order_id)
        try:
            self.table.move_cursor(row=self.table.get_row_index(order_id), animate=False, scroll=True)
        except Exception:  # RowDoesNotExist: not (or no longer) issued
            self.notify("That certificate is not in the issued list.", severity="warning")

    def _shown_ids(self) -> list[str]:
        """The orders listed: all, or with d only those due for renewal at the app's clock."""
        if not self._due_only:
            return list(self._orders)
        now = self.app.now()
        return [order_id for order_id, order in self._orders.items() if due_for_renewal(order, now)]

    def _rebuild(self, keep: str | None) -> None:
        table = self.table
        now = self.app.now()
        table.clear(columns=True)
        full = table.size.width >= FULL_WIDTH or not table.size.width
        columns = [column for column in FIXED_COLUMNS if full or column[0] != "expires"]
        fixed = sum(width for _, _, width in columns) + 2 * (len(columns) + 1) + 2
        domains_width = max(14 if full else 10, table.size.width - fixed)
        table.add_column(Text("Domains"), width=domains_width, key="domains")
        for key, label, width in columns:
            table.add_column(Text(label), width=width, key=key)
        shown = self._shown_ids()
        for order_id in shown:
            table.add_row(*row_cells(self._orders[order_id], self._summaries.get(order_id), now,
                                     with_expires=full), key=order_id)
        if keep in shown:
            table.move_cursor(row=table.get_row_index(keep), animate=False, scroll=True)
        self._update_summary_line()
        self._selection_changed()

    def on_resize(self, event: Resize) -> None:
        if self.is_mounted and self._orders:
            self.call_after_refresh(lambda: self._rebuild(self.selected.id if self.selected else None))

    def _update_summary_line(self) -> None:
        count = len(self._orders)
        expiring, expired = due_counts(self._orders.values(), self.app.now())
        due = [f"{expiring} expiring soon"] * bool(expiring) + [f"{expired} expired"] * bool(expired) \
            + ended_counts(self._orders.values())
        if self._check_error:
            text = self._check_error
        elif self._due_only:
            text = (" · ".join(["Due for renewal only", *due, "d shows all"]) if due else
                    "None is due for renewal · d shows all")
        elif count and len(self._summaries) < count:
            text = " · ".join([f"{count} issued", *due, "checking their keys…"])
        elif count:
            ready = sum(1 for order_id, summary in self._summaries.items()
                        if exportable(summary) and (order := self._orders.get(order_id)) is not None
                        and in_use(order))
            text = " · ".join([f"{count} issued", *due, f"{ready} ready to export"])
        else:
            text = "0 issued"
        self.query_one("#issued-summary", ProgressStep).show_idle(literal(text))

    @background("issued-check", "Checking issued certificates against their keys")
    def _check(self, orders: list[Order], now: datetime) -> None:
        try:
            summaries = summarize_issued_orders(orders, now, self.app.services.authorities)
        except Exception as exc:  # noqa: BLE001 - shown under the table; r tries again
            outcome: Callable[[], None] = partial(self._check_failed, exc)
        else:
            outcome = partial(self._checked, summaries)
        if not get_current_worker().is_cancelled:      # a newer check replaced this one: its answer counts
            self.deliver(outcome)

    def _checked(self, summaries: dict[str, IssuedSummary]) -> None:
        self._summaries = summaries
        self._rebuild(self.selected.id if self.selected else None)
        if self._export_when_checked:
            self._export_when_checked = False
            self.action_export()

    def _check_failed(self, exc: Exception) -> None:
        self._check_error = f"Checking failed ({exc}); press r to try again."
        self._update_summary_line()

    @on(DataTable.RowHighlighted, "#issued-table")
    def _selection_changed(self) -> None:
        order = self.selected
        summary = self._summaries.get(order.id) if order is not None else None
        now = self.app.now()
        fields = {**renewal_fields(order, now), **detail_fields(summary, now)} if order is not None else {}
        self.query_one("#issued-head", Static).update(detail_head(order, now) if order else Content(""))
        for name in DETAIL_FIELDS:
            row = self.query_one(f"#{detail_id(name)}")
            row.display = name in fields
            row.query_one(".detail-value", Static).update(literal_multiline(fields.get(name, "")))
        self.query_one("#issued-verdict", Static).update(verdict(summary) if order else Content(""))
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "export":
            order = self.selected
            if order is None:
                return False
            return True if exportable(self._summaries.get(order.id)) else None
        return True

    # --- actions -----------------------------------------------------------------------------------------

    @on(DataTable.RowSelected, "#issued-table")
    def _row_chosen(self) -> None:
        self.action_export()

    def action_export(self) -> None:
        order = self.selected
        if order is None:
            return
        summary = self._summaries.get(order.id)
        if summary is None:
            self.notify("Still checking this certificate against its key; try again in a moment.")
            return
        if not exportable(summary):
            self.notify(f"Cannot export: {summary.key.summary}. The Key line of the details says what to do."
                        if summary.facts else f"Cannot export: {summary.certificate_problem}",
                        severity="warning", markup=False, timeout=10)
            return
        self._in_dialog = True
        self.app.push_screen(ExportDialog(order, summary.key), self._exported)

    def _exported(self, result: ExportResult | None) -> None:
        if result is None:
            return
        folder = result.files[0].parent if result.files else ""
        self.notify(f"Exported {len(result.files)} files to {folder}.", title="Exported", markup=False)

    def action_recheck(self) -> None:
        self.reload()

    def action_due_only(self) -> None:
        """Only the certificates due for renewal, or (again) all of them; the selection stays if it can."""
        self._due_only = not self._due_only
        self._rebuild(self.selected.id if self.selected else None)

    def action_revoke(self) -> None:
        """Ask why, then confirm: a revoked certificate stops working everywhere and is never renewed."""
        from certwizard.ui.dialogs.pickers import ReasonPickerDialog

        order = self.selected
        if order is None:
            return
        if order.status is not OrderStatus.ISSUED:
            self.notify(f"Only an issued certificate can be revoked; this one is {order.status.label.lower()}.",
                        severity="warning", markup=False)
            return
        self.app.push_screen(ReasonPickerDialog(), lambda reason: self._confirm_revoke(order, reason))

    def _confirm_revoke(self, order: Order, reason: "RevocationReason | None") -> None:
        if reason is None:
            return
        from certwizard.ui.dialogs.confirm import ConfirmDialog

        names = shown_domains(order_domains(order))
        self.app.push_screen(ConfirmDialog(
            template("Revoke the certificate for $names?", names=names),
            template("The CA is told it is revoked ($why). Browsers then refuse it, wherever it is installed; "
                     "this cannot be undone, and it is never renewed.", why=reason.words), "Revoke"),
            partial(self._revoke_confirmed, order.id, reason))

    def _revoke_confirmed(self, order_id: str, reason: "RevocationReason", yes: bool | None) -> None:
        if yes:
            self._revoke(order_id, reason)

    @background("ca", "Revoking the certificate at the CA")
    def _revoke(self, order_id: str, reason: "RevocationReason") -> None:
        order = self.app.workflow.revoke(order_id, reason)
        self.deliver(self._revoked, order)

    def _revoked(self, order: Order) -> None:
        self.notify(f"Revoked: {shown_domains(order_domains(order))}.", title="Revoked", markup=False)
        self.post_message(OrdersChanged(order.id))

    def action_install(self) -> None:
        """Record an installation of the selected certificate and write it there (ui/dialogs/install.py)."""
        from certwizard.ui.dialogs.install import InstallDialog

        order = self.selected
        if order is None:
            return
        if order.status is not OrderStatus.ISSUED:
            self.notify(f"Only a certificate in use can be installed; this one is "
                        f"{order.status_at(self.app.now()).label.lower()}.", severity="warning", markup=False)
            return
        self._in_dialog = True
        self.app.push_screen(InstallDialog(order, self.app.workflow), self._installed)

    def _installed(self, recorded: bool | None) -> None:
        if recorded:
            self._in_dialog = False
            self.reload()

    def action_renew_now(self) -> None:
        """Confirm, then renew the selected certificate now, as `certwizard renew --force ORDER` does."""
        from certwizard.ui.dialogs.confirm import ConfirmDialog

        order = self.selected
        if order is None:
            return
        if order.status not in (OrderStatus.ISSUED, OrderStatus.EXPIRED):
            self.notify(f"Only an issued certificate can be renewed; this one is "
                        f"{order.status_at(self.app.now()).label.lower()}.", severity="warning", markup=False)
            return
        if self._renewing:
            self.notify("A renewal is running; wait for it to finish.", severity="warning")
            return
        names = shown_domains(order_domains(order))
        key = "the same key" if order.reuse_key else "a new key"
        count = len(order.installations)
        places = (f", then it is installed where this one is ({count} place{'s' if count != 1 else ''}) and the "
                  "server reloaded" if count else "")
        self.app.push_screen(ConfirmDialog(
            template("Renew the certificate for $names now?", names=names),
            template("A new order for the same product and names, with $key; its domains are proven with the "
                     "recorded method$places. The current certificate keeps serving until then.",
                     key=key, places=places), "Renew"),
            partial(self._renew_confirmed, order.id))

    def _renew_confirmed(self, order_id: str, yes: bool | None) -> None:
        if yes:
            self._renewing = True
            self._renew_progress("Renewing")
            self._renew(order_id)

    @background("renew", "Renewing the certificate")
    def _renew(self, order_id: str) -> None:
        from certwizard.services.renewal import renew_now

        try:
            outcome = renew_now(self.app.workflow, self.app.services.layout, order_id,
                                progress=lambda step: self.deliver(self._renew_progress, step))
        finally:
            self.deliver(self._renew_ended)
        self.deliver(self._renewed, outcome)

    def _renew_progress(self, step: str) -> None:
        self.query_one("#issued-summary", ProgressStep).step = step

    def _renew_ended(self) -> None:
        self._renewing = False
        self._renew_progress("")

    def _renewed(self, outcome: "RenewalOutcome") -> None:
        from certwizard.services.renewal import RenewResult

        severity = {RenewResult.RENEWED: "information", RenewResult.WAITING: "information"}.get(
            outcome.result, "warning")
        title = {RenewResult.RENEWED: "Renewed", RenewResult.WAITING: "Renewal under way",
                 RenewResult.NEEDS_YOU: "Renewal needs you"}.get(outcome.result, "Renewal failed")
        self.notify(outcome.message, title=title, severity=severity, markup=False,  # type: ignore[arg-type]
                    timeout=15 if severity == "warning" else 6)
        self.post_message(OrdersChanged(outcome.follow_up or outcome.order_id))
        self.reload(select=outcome.follow_up if outcome.result is RenewResult.RENEWED else outcome.order_id)

    def action_back(self) -> None:
        self.dismiss()


def show_issued(app: App, order_id: str | None = None) -> None:
    """Open Issued Certificates (at `order_id`), or move to it when that screen is already showing."""
    if isinstance(app.screen, IssuedScreen):
        if order_id:
            app.screen.select(order_id)
        return
    app.push_screen(IssuedScreen(select=order_id))


def export_selected(app: App) -> None:
    """The palette's Export: the certificate selected here, or on the home screen."""
    if isinstance(app.screen, IssuedScreen):
        app.screen.action_export()
        return
    home = next((screen for screen in app.screen_stack if isinstance(screen, CertificatesScreen)), None)
    order = home.selected if home is not None else None
    if order is None or order.status not in CERTIFICATE_STATUSES:
        app.notify("Select an issued certificate first (in Issued Certificates, or on the home screen).",
                   severity="warning")
        return
    app.push_screen(IssuedScreen(select=order.id, export=True))

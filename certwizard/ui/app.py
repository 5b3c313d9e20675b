"""The Textual application: screens, global keys, the background status check and worker error reporting.

Screens change data only through `app.workflow`; after a change they post `OrdersChanged` and the app
reloads every order list. Anything that waits on the CA or the disk for long runs in a thread worker.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from textual.app import App
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from certwizard.ca.base import AuthorityError
from certwizard.domain.ids import utcnow
from certwizard.domain.products import get_product
from certwizard.domain.status import OrderStatus
from certwizard.domain.text import printable
from certwizard.services import Services
from certwizard.services.workflow import RefreshReport, StatusChange
from certwizard.ui.commands import CertWizardCommands
from certwizard.ui.key_guard import KeyGuard
from certwizard.ui.messages import OrdersChanged, ShowUnissued
from certwizard.ui.order_words import domains_summary, order_domains
from certwizard.ui.screens.certificates import CertificatesScreen
from certwizard.ui.textual_fixes.toasts_leave_no_trace import ToastsLeaveNoTrace
from certwizard.ui.widgets.safe_input import ControlCharactersRemoved
from certwizard.ui.workers import Delivers, background

if TYPE_CHECKING:
    from certwizard.ca.acme.accounts import AcmeAccountRecord
    from certwizard.domain.models import Order

# Everything not on the first screen (dialogs, Help, Unissued, Apply...) is imported when first shown:
# start-up pays only for what it paints.

# What a failed worker was doing, and what the user can do about it (by worker group).
_FAILURE_ADVICE = {
    "refresh": ("Could not check the status with the certificate authority",
                "certwizard tries again automatically; press r to try now."),
    "ca": ("The certificate authority did not accept the request", "Check the details shown and try again."),
}


class CertWizardApp(Delivers, KeyGuard, ToastsLeaveNoTrace, App):
    TITLE = "certwizard"
    CSS_PATH = ["styles/app.tcss"]
    COMMANDS = App.COMMANDS | {CertWizardCommands}
    BINDINGS = [
        Binding("f1", "help", "Help", show=True, priority=True, key_display="F1"),
        Binding("question_mark", "help", "Help", show=False),
        Binding("ctrl+q", "quit", "Quit", show=True, priority=True),
        Binding("i", "issued", "Issued", show=False),
        # Tab moves focus when the app reads the key, not when the key reaches the focused field: otherwise in
        # a burst (type-ahead over a slow SSH link, a paste) the text after a Tab lands in the field before it.
        Binding("tab", "focus_next", show=False, priority=True),
        Binding("shift+tab", "focus_previous", show=False, priority=True),
    ]

    def __init__(self, services: Services, *, refresh_seconds: float | None = 30.0,
                 now: Callable[[], datetime] = utcnow, warm_up: bool = True) -> None:
        """`refresh_seconds`: how often to ask the CA about submitted orders (None: never by itself).
        `warm_up`: after the first frame, load the next screens' code (see ui/warm_up.py)."""
        super().__init__()
        # No smooth scrolling or fades unless TEXTUAL_ANIMATIONS asks for them: over SSH every animation frame
        # sends the scrolled area again (a Tab that scrolled the form wrote 52 KB in 9 frames; now one frame).
        if "TEXTUAL_ANIMATIONS" not in os.environ:
            self.animation_level = "none"
        self.services = services
        self.refresh_seconds = refresh_seconds
        self.now = now
        self.warm_up = warm_up
        self._last_refresh_error = ""

    @property
    def workflow(self):
        return self.services.workflow

    def get_default_screen(self) -> Screen:
        return CertificatesScreen()

    def on_mount(self) -> None:
        if not self.is_headless:                 # tests drive a headless app in their own event loop
            from certwizard.ui import hangup

            hangup.install(self)
        self._guard_keys()      # letters act only outside form fields, on a screen already shown
        for notice in self.services.notices:
            self.notify(printable(notice), title="Database", severity="warning", timeout=20, markup=False)

    def on_ready(self) -> None:
        """The first screen is painted: return to the application left open, and start asking the CA (its
        worker must not delay the first frame)."""
        gc.enable()         # paused for start-up by `certwizard` (cli/tui.py); see also ui/warm_up.py
        resume = self.workflow.resume_point()
        if resume is not None:
            self._open_apply(resume)
            self.notify("Reopened the application you were editing when certwizard last closed.", timeout=6)
        if self.warm_up:
            self._warm_up()
        from certwizard.ui.db_watch import watch_database  # another session's or the CLI's changes

        watch_database(self, self.services.layout.database)
        if self.refresh_seconds:
            self.check_status()
            self.set_interval(self.refresh_seconds, self.check_status)

    @background("warm-up", "Loading the next screens", exclusive=False)
    def _warm_up(self) -> None:
        from certwizard.ui.warm_up import warm_up

        warm_up(self.services.repository)
        # Waits (not `deliver`): the worker ends once the screen is prepared, so waiting for the app's workers
        # waits for it too. (mypy cannot solve Textual's `Callable[..., T | Awaitable[T]]` for a coroutine.)
        self.call_from_thread(self._prepare_unissued)  # type: ignore[arg-type]

    async def _prepare_unissued(self) -> None:
        """Build the Unissued Certificates screen (kept between visits) while the user reads this one, laid
        out and rendered unseen: its first opening then costs one frame, as later ones do (at 10,000 orders
        ~100 -> ~30-50 ms; see ui/textual_fixes/screen_ahead.py)."""
        from certwizard.ui.screens.unissued import UnissuedScreen
        from certwizard.ui.textual_fixes.screen_ahead import prepare_unseen

        if not self.is_screen_installed("unissued"):
            self.install_screen(UnissuedScreen(), "unissued")
            await prepare_unseen(self, "unissued")

    # --- screens -------------------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("focus_next", "focus_previous"):
            return not getattr(self.focused, "COMPLETES_ON_TAB", False)    # e.g. a path field: its own Tab
        return True

    def action_help(self) -> None:
        from certwizard.ui.help_topics import open_help  # at the part about the current screen

        open_help(self)

    def action_unissued(self) -> None:
        self.show_unissued()

    def show_unissued(self, order_id: str | None = None) -> None:
        from certwizard.ui.screens.unissued import UnissuedScreen

        if isinstance(self.screen, UnissuedScreen):
            if order_id:
                self.screen.reload(select=order_id)
            return
        if not self.is_screen_installed("unissued"):
            self.install_screen(UnissuedScreen(), "unissued")     # kept between visits
        screen = self.get_screen("unissued", UnissuedScreen)
        screen.start_visit(order_id)
        self.push_screen(screen)

    def on_show_unissued(self, message: ShowUnissued) -> None:
        self.show_unissued(message.order_id)

    def action_issued(self) -> None:
        """Issued Certificates (dialogs never see this key: App bindings stop at a modal screen)."""
        from certwizard.ui.screens.issued import show_issued

        show_issued(self)

    def open_order(self, order: Order) -> None:
        """Apply for (or continue) an order; explain why not when it is past that."""
        if order.status.is_editable:
            self._open_apply(order.id)
        elif order.status.has_certificate:
            from certwizard.ui.screens.issued import show_issued

            show_issued(self, order.id)
        else:
            self.notify("This application is submitted. To modify it, withdraw it in Unissued Certificates "
                        "(press u, then w).", severity="warning", markup=False)

    def _open_apply(self, order_id: str) -> None:
        from certwizard.ui.screens.apply import ApplyScreen

        # A toast of the list ("Added ... Press Enter to apply") has done its job, and would cover the form.
        self.clear_notifications()
        self.push_screen(ApplyScreen(order_id))

    def apply_selected(self) -> None:
        """The palette's Apply: the order selected on the Certificates screen."""
        home = next((s for s in self.screen_stack if isinstance(s, CertificatesScreen)), None)
        if home is None or home.selected is None:
            self.notify("Select a certificate on the Certificates screen first.", severity="warning")
            return
        self.open_order(home.selected)

    # --- adding purchased certificates ------------------------------------------------------------------------

    def add_purchased(self, select: str | None = None) -> None:
        from certwizard.ui.dialogs.pickers import ProductPickerDialog

        self.push_screen(ProductPickerDialog(self.services.authorities.products(), offer_acme_account=True,
                                             select=select), self._ask_count)

    def _ask_count(self, product_id: str | None) -> None:
        if product_id is None:
            return
        from certwizard.ui.dialogs.pickers import ADD_ACME_ACCOUNT

        if product_id == ADD_ACME_ACCOUNT:
            self.add_acme_account()
            return
        product = get_product(product_id)
        if product.validity_set_by_authority:
            # An ACME CA's certificate is not bought: one order is one certificate, added at once (asking
            # "how many did you buy?" made no sense; another is one more `a` away).
            self._add(product_id, "1")
            return
        from certwizard.ui.dialogs.text_prompt import TextPromptDialog, check_count

        prompt = f"How many {product.name} certificates did you buy?"
        self.push_screen(TextPromptDialog("Add purchased certificate", prompt, "1", check=check_count),
                         lambda count: self._add(product_id, count))

    def add_acme_account(self) -> None:
        """Register an ACME account (its CA's products join the picker); the picker opens again on them."""
        from certwizard.ui.dialogs.acme_account import AcmeAccountDialog

        self.push_screen(AcmeAccountDialog(self.services), self._acme_account_added)

    def _acme_account_added(self, record: AcmeAccountRecord | None) -> None:
        if record is None:
            return
        products = [p for p in self.services.authorities.products() if p.authority == record.authority]
        self.notify(printable(f"Added the ACME account {record.name} ({record.directory_url}): its "
                              f"{len(products)} certificate types are in the list now."),
                    title="ACME account added", timeout=10, markup=False)
        self.add_purchased(select=products[0].id if products else None)

    def _add(self, product_id: str, count: str | None) -> None:
        if count is None:
            return
        added = self.workflow.add_purchased(product_id, int(count))
        self.notify(f"Added {len(added)} × {added[0].product.name}. Press Enter to apply.", markup=False)
        self.post_message(OrdersChanged(added[0].id))

    # --- orders changed --------------------------------------------------------------------------------------

    def on_orders_changed(self, message: OrdersChanged) -> None:
        for screen in self.screen_stack:
            reload = getattr(screen, "reload", None)      # the screens that list orders
            if reload is not None:
                reload(select=message.order_id)

    def action_check_status(self) -> None:
        self.check_status(announce=True)

    @background("refresh", "Checking submitted applications with the certificate authority")
    def check_status(self, announce: bool = False) -> None:
        imported = self._import_purchases()
        report = self.workflow.refresh()
        report.failures.update(imported)
        self.deliver(self._status_checked, report, announce)
        if report.unknown or report.failures:      # reported like any failed check: once, with what to do
            raise AuthorityError("; ".join(filter(None, [report.unknown_message() if report.unknown else "",
                                                         report.failure_message()])))

    def _import_purchases(self) -> dict[str, str]:
        """Bring in what Alibaba Cloud accounts bought since the last look (runs in the status worker)."""
        from certwizard.ca.alibaba.accounts import accounts

        if not accounts(self.services.repository):
            return {}                  # the usual case: no account, nothing imported (and no SDK loaded)
        from certwizard.services.alibaba_accounts import sync_every_account

        reports, failures = sync_every_account(self.services.repository, self.services.authorities.get)
        added = [order_id for report in reports for order_id in report.added]
        if added:
            self.deliver(self._purchases_imported, added)
        return failures

    def _purchases_imported(self, added: list[str]) -> None:
        self.notify(f"Imported {len(added)} certificate(s) from Alibaba Cloud, pending application.",
                    title="Alibaba Cloud", markup=False)
        self.post_message(OrdersChanged(added[-1]))

    def _status_checked(self, changes: RefreshReport, announce: bool) -> None:
        if not changes.unknown and not changes.failures:
            self._last_refresh_error = ""
        for change in changes:
            self._announce(change)
        if changes:
            self.post_message(OrdersChanged(changes[-1].order_id))
        elif announce and not changes.unknown and not changes.failures:
            self.notify("No changes: the certificate authority has nothing new.")

    def _announce(self, change: StatusChange) -> None:
        names = domains_summary(order_domains(self.workflow.order(change.order_id)))
        if change.after is OrderStatus.ISSUED:
            self.notify(f"Issued: {names}. Press i for Issued Certificates to export it.",
                        title="Certificate issued", timeout=15, markup=False)
        elif change.after is OrderStatus.REVIEW_FAILED:
            self.notify(printable(f"Review failed for {names}: {change.reason}"), title="Review failed",
                        severity="error", timeout=30, markup=False)
        else:
            self.notify(printable(f"{names}: {change.after.label}"), title="Status changed", markup=False)

    def on_control_characters_removed(self, event: ControlCharactersRemoved) -> None:
        """A field that has no place for the message (a list's filter) dropped characters: say so."""
        self.notify(event.explanation, severity="warning", timeout=10, markup=False)

    # --- errors from any worker --------------------------------------------------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            self.report_worker_failure(event.worker)
        else:
            pass  # pending/running/success/cancelled: the worker itself updates the screen

    def report_worker_failure(self, worker: Worker) -> None:
        """Say what failed and what to do (screens pass their failed workers here: see ui/workers.py)."""
        what, advice = _FAILURE_ADVICE.get(worker.group, (f"{worker.description or worker.name} failed",
                                                          "Try again; if it keeps failing, restart certwizard."))
        text = printable(f"{what}: {worker.error}. {advice}")
        if worker.group == "refresh":
            if text == self._last_refresh_error:
                return  # the same failure every interval would drown everything else
            self._last_refresh_error = text
        self.notify(text, title="Something went wrong", severity="error", timeout=20, markup=False)

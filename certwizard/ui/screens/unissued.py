"""Unissued Certificates: every submitted application not yet issued, and exactly what to do about each.

Rows that change while the user looks (issued by a background refresh, withdrawn here) stay listed until the
screen is left, with their new status, so nothing vanishes under the cursor.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content

from certwizard.ca.base import AuthorityError
from certwizard.domain.fields import format_phone
from certwizard.domain.models import DomainValidation, Order
from certwizard.domain.names import shown_domain, shown_domains
from certwizard.domain.status import OrderStatus
from certwizard.domain.summary import OrderSummary
from certwizard.domain.text import printable
from certwizard.domain.validation_methods import ValidationMethod, publisher_words
from certwizard.errors import CertwizardError
from certwizard.ui.dialogs.confirm import ConfirmDialog
from certwizard.ui.messages import OrdersChanged
from certwizard.ui.order_words import (
    Listed,
    domains_summary,
    next_action,
    order_domains,
    review_overdue,
    when,
)
from certwizard.ui.safe import literal, template
from certwizard.ui.screens.order_list import OrderListScreen
from certwizard.ui.textual_fixes.typed_keys_first import after_typed_keys
from certwizard.ui.widgets.details_text import DetailsText
from certwizard.ui.widgets.keys_footer import KeysFooter
from certwizard.ui.widgets.order_table import ColumnSpec, OrderTable
from certwizard.ui.widgets.progress_step import ProgressStep
from certwizard.ui.widgets.title_bar import TitleBar
from certwizard.ui.widgets.virtual_table import VirtualTable
from certwizard.ui.workers import ReportsWorkerFailures, background

if TYPE_CHECKING:
    from certwizard.services.domain_proof import ProofCheck, ProofOutcome

WITHDRAW_CONSEQUENCE = (
    "The application goes back to draft with everything kept; you can modify it and submit again. "
    "The CA stops reviewing it; review time starts again on resubmission.")

UNISSUED_COLUMNS = (
    ColumnSpec("domains", "Domains", 18, 20),
    ColumnSpec("type", "Type", None, 16),
    ColumnSpec("status", "Status", 19, 19),
    ColumnSpec("submitted", "Submitted", None, 12),
    ColumnSpec("expected", "Expected", 12, 12),
    ColumnSpec("validity", "Validity", None, 8),
    ColumnSpec("next", "Next action", 0, 0),
)


class SortKey:
    """The columns `s` cycles through, each with how to compare two orders by it."""

    def __init__(self, column: str, label: str, key: Callable[[OrderSummary], Any]) -> None:
        self.column, self.label, self.key = column, label, key


_NEVER = "\uffff"       # sorts after every time: applications without one go last


_ROW_KEYS = {"w": "withdraw", "e": "edit", "v": "verify"}     # keys that act on the selected row

SORT_KEYS = (   # times compare as text: the index stores them in one fixed form (see domain/summary.py)
    SortKey("submitted", "Submitted", lambda o: o.submitted or _NEVER),
    SortKey("expected", "Expected", lambda o: o.expected or _NEVER),
    SortKey("domains", "Domains", lambda o: domains_summary(order_domains(o)).casefold()),
    SortKey("type", "Type", lambda o: o.product.certificate_type),
    SortKey("status", "Status", lambda o: o.status.label),
    SortKey("validity", "Validity", lambda o: o.product.validity_days),
)


def unissued_cells(order: Listed, now: datetime) -> dict[str, str]:
    product = order.product
    return {
        "domains": printable(domains_summary(order_domains(order))),
        "type": product.certificate_type,
        "status": order.status.label,
        "submitted": when(order.submitted_at, now),
        "expected": when(order.expected_issuance_at, now),
        "validity": product.validity_label,
        "next": printable(next_action(order, now)),
    }


def searchable(order: Listed) -> list[str]:
    """What the Unissued filter looks in: every name, the type and the status."""
    return [*map(shown_domain, order_domains(order)), order.product.certificate_type, order.status.label]


# --- the detail panel: the next action in full -------------------------------------------------------------

def detail_text(order: Order, now: datetime) -> Content:
    """Everything the user needs to act on the selected application."""
    head = template("[b]$domains[/b]\n$type · $validity · submitted $submitted\n\n",
                    domains=shown_domains(order_domains(order)), type=order.product.certificate_type,
                    validity=order.product.validity_label, submitted=when(order.submitted_at, now))
    return head + _what_to_do(order, now)


def _what_to_do(order: Order, now: datetime) -> Content:
    status = order.status
    if status is OrderStatus.DOMAIN_VERIFICATION:
        return _domain_validation_steps(order)
    if status is OrderStatus.UNDER_REVIEW:
        return _review_guidance(order, now)
    if status is OrderStatus.REVIEW_FAILED:
        return template("[b]Review failed:[/b] $reason\n\nPress [b]e[/b] to withdraw it and fix the "
                        "application (everything is kept), then submit it again.",
                        reason=order.status_reason or "the CA gave no reason")
    if status is OrderStatus.ISSUED:
        valid = order.certificate.not_after if order.certificate else None
        return template("[b]Issued[/b] (valid until $until). Press [b]i[/b] for Issued Certificates to check "
                        "its key and export it for your server.", until=when(valid, now))
    if status is OrderStatus.DRAFT:
        return Content("Withdrawn: back to draft with everything kept. Press e to edit it and submit again.")
    return literal(next_action(order, now))


def _domain_validation_steps(order: Order) -> Content:
    if not order.domain_validations:
        return Content("The CA has not said yet what to publish; press r to ask again.")
    if order.application is None:
        return _either_way_steps(order)
    plan = order.application.validation
    by = publisher_words(plan.method, plan.hook, plan.webroot)
    what = ("press [b]v[/b] (Verify) to publish it, check it and ask the CA; it is removed afterwards." if by else
            "publish it as shown, then press [b]v[/b] (Verify) to check it and ask the CA.")
    parts = [template(f"Each domain is proven by a [b]$method[/b]$by: {what}\n", method=plan.method.label,
                      by=f", {by}" if by else "")]
    for check in order.domain_validations:
        parts.append(template("\n[b]$domain[/b]\n", domain=shown_domain(check.domain)))
        if plan.method is ValidationMethod.DNS:
            parts.append(_dns_lines(check))
        else:
            parts.append(_file_lines(check) if check.file_url else
                         Content("  File  not possible for a wildcard: withdraw, choose dns, submit again\n"))
    return Content("").join(parts)


def _either_way_steps(order: Order) -> Content:
    """An order without an application (stored before applications chose a method): both ways."""
    parts = [template("Prove you control each domain: publish [b]either[/b] the DNS record or the file, then "
                      "press [b]v[/b] (Published, verify now).\n")]
    for check in order.domain_validations:
        parts.append(template("\n[b]$domain[/b]\n", domain=shown_domain(check.domain)))
        parts.append(_dns_lines(check))
        # No file for a name that stands for a wildcard: the authority accepts only DNS there.
        parts.append(_file_lines(check) if check.file_url else
                     Content("  File  not possible for a wildcard: publish the DNS record\n"))
    return Content("").join(parts)


def _dns_lines(check: DomainValidation) -> Content:
    return template("  DNS   name    $name\n        type    $type\n        value   $value\n",
                    name=check.dns_name, type=check.dns_type, value=check.dns_value)


def _file_lines(check: DomainValidation) -> Content:
    return template("  File  URL     $url\n        content $content\n", url=check.file_url,
                    content=check.file_content)


def _contact(order: Order) -> Content:
    """Whom the CA calls and writes to: for OV/EV the company's phone (as the form says), for DV the
    applicant's; the e-mail always goes to the applicant."""
    application = order.application
    if application is None or application.applicant is None:
        return Content("")
    applicant = application.applicant
    if application.company is not None:
        return template("The CA calls the company at $phone to confirm the application and e-mails $email.",
                        phone=format_phone(application.company.phone), email=applicant.email)
    return template("The CA may call $phone or e-mail $email.", phone=format_phone(applicant.phone),
                    email=applicant.email)


def _review_guidance(order: Order, now: datetime) -> Content:
    expected = when(order.expected_issuance_at, now)
    contact = _contact(order)
    if order.application is not None and order.application.applicant is None:     # an ACME CA: no people
        return template("[b]Under review[/b], expected by $expected: the CA is checking the domains or signing "
                        "the certificate. Press r to ask it again.", expected=expected)
    text = template("[b]Under review[/b], expected by $expected.\nKeep your phone on and watch your mailbox "
                    "(and spam folder). ", expected=expected) + contact
    if review_overdue(order, now):
        level = ("Answer the CA's call and e-mail, and check the company name, phone and registration number."
                 if order.product.is_professional else
                 "Check that the DNS record or file is still published.")
        text += template("\n\n[b]Taking longer than expected.[/b] $level If nothing happens, contact the CA "
                         "with reference $ref.", level=level, ref=order.authority_ref or "(none)")
    return text


# --- the screen --------------------------------------------------------------------------------------------

class UnissuedScreen(ReportsWorkerFailures, OrderListScreen):
    BINDINGS = [
        Binding("escape", "back", "Back", show=True),
        Binding("c", "back", "Certificates", show=False),
        # Filter and sort keys are listed on the sort line above the table: the Footer has no room at 80 columns.
        Binding("slash", "filter", "Filter", show=False, priority=True,     # see CertificatesScreen
                tooltip="Show only the applications whose domain, type or status has these words"),
        Binding("s", "sort", "Sort", show=False, tooltip="Sort by the next column"),
        Binding("S", "reverse", "Reverse", show=False, tooltip="Reverse the order of the list"),
        Binding("v", "verify", "Verify", show=True,
                tooltip="The DNS record or file is published: ask the CA to verify the domain now"),
        Binding("w", "withdraw", "Withdraw", show=True,
                tooltip="Withdraw the selected application: back to draft, everything kept"),
        Binding("w", "withdraw_blocked", "Withdraw", show=True),   # dimmed on an issued row; w says why
        Binding("e", "edit", "Edit", show=True,
                tooltip="Open the selected application (a submitted one is withdrawn first, after asking)"),
        Binding("r", "app.check_status", "Refresh", show=True),
        Binding("enter", "leave_filter", "Table", show=False, priority=True),
    ]
    AUTO_FOCUS = "#unissued"
    TABLE_ID = "unissued"

    def __init__(self, select: str | None = None) -> None:
        super().__init__(searchable, id="unissued")
        self.sub_title = "Unissued Certificates"
        self._select = select
        self._ascending: dict[int, list[str]] = {}  # sort index -> the listed orders in that sort, ascending
        self._seen: set[str] = set()           # listed during this visit: kept even once issued or withdrawn
        self._sort = 0
        self._reverse = False
        self._detail_for: tuple[str, int] | None = None     # (order id, revision) the detail shows
        self._verifying = False

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield ProgressStep(id="sort-line")      # the list's sort, or what `v` is doing while it runs
        yield self.filter_field("/ filter by domain, type or status")
        yield OrderTable(UNISSUED_COLUMNS, wide_from=116, id="unissued")
        with VerticalScroll(id="detail-scroll", classes="details"):
            yield DetailsText(id="detail")
        yield KeysFooter()

    def on_mount(self) -> None:
        self._reload_for_visit()

    def start_visit(self, select: str | None = None) -> None:
        """The app keeps this screen between visits (building it again cost ~100 ms at 10,000 orders): each
        visit starts as a new screen would, with no filter and only applications still waiting."""
        self._select = select
        self._seen.clear()
        self._detail_for = None                # its words depend on the time ('overdue')
        if any(not summary.status.is_unissued for summary in self._summaries.values()):
            self._listed = None                # issued or withdrawn during the last visit: list again
        if self.is_mounted:
            self.filter_input.value = ""
            self.table.focus()

    def on_screen_resume(self) -> None:
        self._reload_for_visit()

    def _reload_for_visit(self) -> None:
        select, self._select = self._select, None       # only once: not again after a dialog closes
        self.reload(select=select)

    # --- data --------------------------------------------------------------------------------------------

    def reload(self, select: str | None = None) -> None:
        summaries = self.app.workflow.summaries()
        if self._unchanged(summaries, select):
            return
        self._listed = summaries
        unissued = [s for s in summaries if s.status.is_unissued or s.id in self._seen]
        self._seen.update(s.id for s in unissued)
        self._summaries = {s.id: s for s in unissued}
        self._ascending = {}
        self._sort_rows()
        self._show(select)

    def _sort_rows(self) -> None:
        """Each column's order is kept until the list changes: going back to a column, or S, sorts nothing.
        Descending is ascending read backwards (ties too), so S twice gives back the same list."""
        ascending = self._ascending.get(self._sort)
        if ascending is None:
            ordered = sorted(self._summaries.values(), key=SORT_KEYS[self._sort].key)
            ascending = self._ascending[self._sort] = [summary.id for summary in ordered]
        self._ids = ascending[::-1] if self._reverse else ascending

    def _show(self, select: str | None = None) -> None:
        ids = self._matching_ids()
        sort = SORT_KEYS[self._sort]
        arrow = "▼" if self._reverse else "▲"
        self.query_one("#sort-line", ProgressStep).show_idle(literal(
            f"{len(ids):,} of {len(self._summaries):,} unissued · sorted by {sort.label} {arrow} · "
            "s sort · S reverse · / filter"))      # one line, always: no layout pass
        self.table.show(ids, self._cells, self.app.now(), keep=select,
                        labels={sort.column: f"{sort.label} {arrow}"})
        self._selection_changed()

    def _cells(self, order_id: str) -> dict[str, str]:
        return unissued_cells(self._summaries[order_id], self.app.now())

    @on(VirtualTable.RowHighlighted, "#unissued")
    def _selection_changed(self) -> None:
        summary = self.selected_summary
        detail = self.query_one("#detail", DetailsText)
        if summary is None:
            self._detail_for = None
            message = ("No application matches the filter; Escape clears it." if self._summaries else
                       "Nothing is waiting for the CA. Submitted applications appear here until they are issued.")
            detail.show(literal(message))
        elif self._detail_for != (summary.id, summary.revision):
            self._detail_for = (summary.id, summary.revision)
            detail.show(detail_text(self.app.workflow.order(summary.id), self.app.now()))
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Footer keys follow the selected row; an impossible withdraw is shown greyed with its reason.

        Also asked while this screen has no widgets: Textual resolves `screen.*` actions against the top
        screen, so the footer of the screen below asks as soon as this one is pushed, before it is composed
        (and again while it is taken down). Raising NoMatches then closed the whole app."""
        if self.query_one_optional("#unissued", OrderTable) is None:
            return True
        if action == "filter":
            return self.focused is not self.filter_input
        summary = self.selected_summary
        status = summary.status if summary else None
        if action == "withdraw":
            return status is not None and status.is_unissued
        if action == "withdraw_blocked":
            return None if status is OrderStatus.ISSUED else False
        if action == "verify":
            if self._verifying:
                return None                    # shown dimmed while the check runs
            return status is OrderStatus.DOMAIN_VERIFICATION
        if action == "edit":     # a submitted or failed application is withdrawn first (it asks)
            return status is not None and (status.is_editable or status.is_unissued)
        return True

    def on_key(self, event: events.Key) -> None:
        """A row key that cannot act on the selected row says why (Textual ignores a disabled key silently:
        `w` on an issued row did nothing)."""
        action = _ROW_KEYS.get(event.key)
        early = getattr(self.app, "typed_before_shown", None)
        if action is None or (early is not None and early(event)):
            return                             # typed before this screen was shown: the app drops it
        if self.check_action(action, ()):
            return                             # the binding runs it
        event.stop()
        event.prevent_default()
        self.explain_unavailable(action)

    def explain_unavailable(self, action: str) -> None:
        if action == "verify" and self._verifying:
            self.notify("Already verifying: wait for the check shown above the list to finish.",
                        severity="warning")
            return
        summary = self.selected_summary
        if summary is None:
            self.notify("Select an application first.", severity="warning")
            return
        names = domains_summary(order_domains(summary))
        status = summary.status
        if status is OrderStatus.ISSUED:
            text = (f"{names} is already issued: it can no longer be withdrawn or changed. Press i for "
                    "Issued Certificates to export it.")
        elif status.is_editable and action == "withdraw":
            text = f"{names} is already withdrawn: it is a draft again. Press e to edit it and submit again."
        elif action == "verify":
            text = (f"Nothing to verify for {names}: it is {status.label.lower()}. Only applications waiting "
                    "for domain verification are checked with v.")
        else:
            text = f"Not possible for {names} now: it is {status.label.lower()}."
        self.notify(printable(text), title="Not possible", severity="warning", markup=False)

    # --- actions -----------------------------------------------------------------------------------------

    def action_back(self) -> None:
        filter_input = self.filter_input
        if filter_input.value or self.focused is filter_input:
            filter_input.value = ""
            self.set_focus(self.table)
            return
        self.dismiss()

    def action_leave_filter(self) -> None:
        after_typed_keys(self, self._leave_filter)   # Enter is a priority key: an arrow typed before it counts

    def _leave_filter(self) -> None:
        if self.focused is self.filter_input:
            self.set_focus(self.table)
        elif (summary := self.selected_summary) is not None and summary.status.is_editable:
            self.action_edit()

    def action_sort(self) -> None:
        self._sort = (self._sort + 1) % len(SORT_KEYS)
        self._sort_rows()
        self._show()

    def action_reverse(self) -> None:
        self._reverse = not self._reverse
        self._sort_rows()
        self._show()

    def action_withdraw_blocked(self) -> None:
        """Never runs (the key is disabled); kept so the Footer can show why withdraw is not possible."""

    def action_edit(self) -> None:
        """Open the application; a submitted or failed one is withdrawn first, after asking."""
        order = self.selected
        if order is None:
            return
        if order.status.is_editable:
            self.app.open_order(order)
        elif order.status.is_unissued:
            self._ask_withdraw(order, then_edit=True)

    def action_verify(self) -> None:
        order = self.selected
        if order is not None and not self._verifying:
            self._start_verify(order.id)

    def _start_verify(self, order_id: str, skip_self_check: bool = False) -> None:
        self._verifying = True
        self._progress("Publishing and checking what the CA will see")
        self.refresh_bindings()
        self._verify(order_id, skip_self_check)

    @background("ca", "Asking the CA to verify the domain")
    def _verify(self, order_id: str, skip_self_check: bool = False) -> None:
        """Publish (hook or webroot), self-check, and only then ask the CA (services/domain_proof.py)."""
        from certwizard.services.domain_proof import ProofNotReadyError, prove_domains

        try:
            outcome = prove_domains(self.app.workflow, order_id, skip_self_check=skip_self_check,
                                    progress=lambda step: self.deliver(self._progress, step))
        except ProofNotReadyError as not_ready:
            self.deliver(self._not_ready, order_id, not_ready.checks)
            return
        finally:
            self.deliver(self._verify_ended)
        self.deliver(self._verified, outcome)

    def _progress(self, step: str) -> None:
        self.query_one("#sort-line", ProgressStep).step = step

    def _verify_ended(self) -> None:
        self._verifying = False
        self._progress("")
        self.refresh_bindings()

    def _not_ready(self, order_id: str, checks: list[ProofCheck]) -> None:
        from certwizard.ui.dialogs.self_check import SelfCheckDialog

        names = domains_summary(order_domains(self.app.workflow.order(order_id)))
        self.app.push_screen(SelfCheckDialog(checks, names, self.app.now()),
                             lambda choice: self._after_self_check(order_id, choice))

    def _after_self_check(self, order_id: str, choice: str | None) -> None:
        if choice == "again":
            self._start_verify(order_id)
        elif choice == "ask-anyway":
            self._start_verify(order_id, skip_self_check=True)

    def _verified(self, outcome: ProofOutcome) -> None:
        order = outcome.order
        notes = "".join(f"\n{note[:1].upper()}{note[1:].rstrip('.')}." for note in outcome.notes)
        names = domains_summary(order_domains(order))
        if order.status is OrderStatus.REVIEW_FAILED:
            self.notify(printable(f"The CA failed {names}: {order.status_reason or 'it gave no reason'}{notes}",
                                  allow_newlines=True),
                        title="Review failed", severity="error", timeout=30, markup=False)
            self.post_message(OrdersChanged(order.id))
            return
        self._acted(order, printable(f"Domain verified: {names} is now {order.status.label.lower()}.{notes}",
                                     allow_newlines=True))

    def action_withdraw(self) -> None:
        order = self.selected
        if order is not None:
            self._ask_withdraw(order, then_edit=False)

    def _ask_withdraw(self, order: Order, then_edit: bool) -> None:
        names = domains_summary(order_domains(order))
        title = (template("Withdraw the application for $names to edit it?", names=names) if then_edit else
                 template("Withdraw the application for $names?", names=names))
        self.app.push_screen(ConfirmDialog(title, WITHDRAW_CONSEQUENCE, "Withdraw and edit" if then_edit
                                           else "Withdraw"),
                             lambda yes: self._withdraw_confirmed(yes, order.id, then_edit))

    def _withdraw_confirmed(self, yes: bool | None, order_id: str, then_edit: bool) -> None:
        if yes:
            self._withdraw(order_id, then_edit)

    @background("ca", "Withdrawing the application")
    def _withdraw(self, order_id: str, then_edit: bool = False) -> None:
        workflow = self.app.workflow
        try:
            order = workflow.withdraw(order_id)
        except CertwizardError as refused:
            # Most often issued meanwhile (by the CA, or seen by another session): not something to "try
            # again". Ask the CA what the application is now, so its row says so.
            try:
                workflow.refresh([order_id])
            except AuthorityError:
                pass      # the row keeps what is stored; the message below still says why
            self.deliver(self._not_withdrawn, workflow.order(order_id), str(refused))
            return
        self.deliver(self._withdrawn, order, then_edit)

    def _not_withdrawn(self, order: Order, reason: str) -> None:
        names = domains_summary(order_domains(order))
        if order.status is OrderStatus.ISSUED:
            self.notify(printable(f"Not withdrawn: {names} was issued meanwhile, so it can no longer be "
                                  "withdrawn. Press i for Issued Certificates to export it."),
                        title="Already issued", severity="warning", timeout=15, markup=False)
        else:
            self.notify(printable(f"Not withdrawn: {reason}. Its row shows what the certificate authority "
                                  f"says now ({order.status.label.lower()})."),
                        title="Not withdrawn", severity="warning", timeout=15, markup=False)
        self.post_message(OrdersChanged(order.id))

    def _withdrawn(self, order: Order, then_edit: bool = False) -> None:
        self._acted(order, "Withdrawn: the application is a draft again, with everything kept.")
        if then_edit:
            self.app.open_order(order)
            return
        self.app.push_screen(
            ConfirmDialog("Edit it now?", "Open the application to modify it and submit again. You can also do "
                          "it later from the Certificates list.", "Edit now", cancel_label="Later",
                          destructive=False),
            lambda yes: self.app.open_order(order) if yes else None)

    def _acted(self, order: Order, message: str) -> None:
        self.notify(message, markup=False)
        self.post_message(OrdersChanged(order.id))

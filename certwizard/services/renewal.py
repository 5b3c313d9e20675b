"""`certwizard renew`: every issued certificate that is due is renewed, installed where the old one was, and
the servers reloaded, safely from cron or a systemd timer.

A renewal is a follow-up order for the same product with the same application, linked both ways
(`renewal_of` / `renewed_by`), so its history shows the chain. It goes through the same steps as a first
application (submit, domain validation with the recorded method and hook, self-check included, review), each
step recorded on the orders, so a run that is killed, or that stops where a person is needed (a DNS record
nobody can publish, an OV review), is taken up where it stopped by the next run. The old certificate keeps
serving until the new one is installed: the old order becomes Renewed only then.

One run at a time: a lock file in the data folder; a second run says so and does nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from certwizard.domain.expiry import RenewalSource
from certwizard.domain.names import shown_domains
from certwizard.domain.products import IMPORTED_AUTHORITY, IMPORTED_REFUSAL
from certwizard.domain.status import OrderStatus
from certwizard.errors import CertwizardError

if TYPE_CHECKING:
    from certwizard.domain.models import Order
    from certwizard.domain.summary import OrderSummary
    from certwizard.services.workflow import Workflow
    from certwizard.system.paths import DataLayout

Progress = Callable[[str], None]
DEFAULT_WAIT = 300.0          # seconds a run waits for issuance before leaving it to the next run
POLL_EVERY = 2.0
LOCK_NAME = "renew.lock"
RENEWABLE = frozenset({OrderStatus.ISSUED, OrderStatus.EXPIRED})   # stored statuses that may be renewed
# A renewal in these can still become the certificate (withdrawn to draft, sent, checked, issued).
GOING_FORWARD = frozenset({OrderStatus.PENDING_APPLICATION, OrderStatus.DRAFT, OrderStatus.DOMAIN_VERIFICATION,
                           OrderStatus.UNDER_REVIEW, OrderStatus.REVIEW_FAILED, OrderStatus.ISSUED})


class RenewResult(StrEnum):
    NOT_DUE = "not-due"
    RENEWED = "renewed"           # the new certificate is issued and installed everywhere the old one was
    WAITING = "waiting"           # the CA is working on it; the next run carries on
    NEEDS_YOU = "needs-you"       # a person must act (the message says what); the next run carries on
    FAILED = "failed"             # nothing installed; the old certificate is untouched


@dataclass
class RenewalCandidate:
    """One issued order as `renew --dry-run` shows it: whether it is due, when, and why."""

    order_id: str
    domains: str
    status: OrderStatus           # as it stands now (issued, expiring soon, expired)
    due_at: datetime | None
    source: RenewalSource | None
    not_after: datetime | None
    due: bool
    forced: bool = False
    follow_up: str = ""           # a renewal already under way
    note: str = ""                # e.g. the authority could not be asked for its renewal window
    renewable: bool = True        # False: only tracked here (imported without a product)

    @property
    def why(self) -> str:
        if self.forced:
            return "forced (--force)"
        if self.follow_up:
            return f"a renewal is under way ({self.follow_up})"
        if self.due_at is None or self.source is None:
            return "no certificate dates"
        verb = "due since" if self.due else "due"
        return f"{verb} {self.due_at:%Y-%m-%d %H:%M} UTC ({self.source.words})"


@dataclass
class RenewalOutcome:
    order_id: str
    domains: str
    result: RenewResult
    message: str                  # one line
    follow_up: str = ""
    details: list[str] = field(default_factory=list)    # the installations and reloads, one line each

    @property
    def line(self) -> str:
        return f"{self.order_id} {self.domains}: {self.result.value}: {self.message}"


class RenewRunningError(CertwizardError):
    def __init__(self, lock_path: str) -> None:
        super().__init__(f"another certwizard renew is running on this data folder (it holds {lock_path}); "
                         "this run did nothing. The running one renews what is due.")


class NeedsYou(CertwizardError):
    """A step only a person can take; the message says exactly what."""


@contextmanager
def renewal_lock(layout: "DataLayout") -> Iterator[None]:
    """Held for a whole run: two runs (a timer and a person) never renew the same certificate twice."""
    from filelock import FileLock, Timeout

    path = layout.root / LOCK_NAME
    lock = FileLock(str(path), mode=0o600)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise RenewRunningError(str(path)) from None
    try:
        yield
    finally:
        lock.release()


def candidates(workflow: "Workflow", now: datetime, force: Iterable[str] = (),
               ask_authorities: bool = True, progress: Progress | None = None,
               only: set[str] | None = None) -> list[RenewalCandidate]:
    """Every renewable order, due or not, with its date and where the date comes from.

    Authorities that can say when to renew (ACME's renewalInfo, Alibaba Cloud) are asked first, unless
    they asked not to be asked again yet; what they say is stored on the order."""
    forced = set(force)
    summaries = workflow.summaries()
    known = {summary.id for summary in summaries}
    for order_id in forced - known:
        raise CertwizardError(f"there is no order {order_id} in this data folder; see certwizard list")
    found: list[RenewalCandidate] = []
    for summary in summaries:
        if only is not None and summary.id not in only:
            continue
        if summary.id in forced:
            _check_forceable(summary)
        elif summary.status not in RENEWABLE or summary.not_after is None:
            continue
        if summary.authority == IMPORTED_AUTHORITY and summary.id not in forced:
            # Only tracked: nothing here can renew it. Listed (dry run) but never tried, so a timer stays quiet.
            found.append(_candidate(summary, now, False, "tracked only: " + IMPORTED_REFUSAL, renewable=False))
            continue
        asking = ask_authorities and not summary.renewed_by     # under way: its date no longer matters
        note = _asked_for_hint(workflow, summary, now, progress) if asking else ""
        if note == _REREAD:             # the authority just spoke: "renew now" is due at the moment it said it
            order = workflow.order(summary.id)
            checked = order.renewal_hint.checked_at if order.renewal_hint is not None else now
            found.append(_candidate(order, max(now, checked), summary.id in forced, ""))
        else:
            found.append(_candidate(summary, now, summary.id in forced, note))
    return found


_REREAD = "\0reread"


def _check_forceable(summary: "OrderSummary") -> None:
    if summary.status not in RENEWABLE:
        raise CertwizardError(f"{summary.id} is {summary.status.label.lower()}, so it cannot be renewed: only an "
                              "issued certificate can (a revoked or already renewed one never is)")


def _candidate(summary: "OrderSummary | Order", now: datetime, forced: bool, note: str,
               renewable: bool = True) -> RenewalCandidate:
    due_at = summary.renew_after
    if isinstance(summary, tuple):                      # an OrderSummary: the index says why
        source = RenewalSource(summary.renew_source) if summary.renew_source else None
    else:
        source = summary.renewal.source if summary.renewal is not None else None
    due = renewable and (forced or bool(summary.renewed_by) or (due_at is not None and now >= due_at))
    return RenewalCandidate(summary.id, shown_domains(summary.listed_domains), summary.status_at(now), due_at,
                            source, summary.not_after, due, forced, summary.renewed_by, note, renewable)


def _asked_for_hint(workflow: "Workflow", summary: "OrderSummary", now: datetime,
                    progress: Progress | None) -> str:
    """Ask the order's authority when to renew: "" (nothing new), a note for the user, or _REREAD (a new
    hint was stored on the order, so its summary is out of date)."""
    from certwizard.ca.base import AuthorityError

    try:
        authority = workflow.authority_of(summary)
    except AuthorityError as exc:
        return f"cannot be renewed here: {_one_line(str(exc))}"
    if not authority.gives_renewal_hints:
        return ""
    order = workflow.order(summary.id)
    hint = order.renewal_hint
    if order.certificate is None or hint is not None and hint.ask_again_at is not None and hint.ask_again_at > now:
        return ""
    if progress:
        progress(f"Asking {authority.title} when to renew {summary.id}")
    try:
        fresh = authority.renewal_hint(order.authority_ref, order.certificate.certificate_pem)
    except AuthorityError as exc:
        return f"{authority.title} could not say when to renew ({exc}); the 2/3 rule is used"
    if fresh is not None and hint is not None and fresh.source is hint.source and hint.after < fresh.after:
        fresh = fresh.model_copy(update={"after": hint.after})    # "renew now" said again is not later
    if fresh == hint or fresh is None and hint is None:
        return ""

    def store(current: "Order") -> "Order":
        current.renewal_hint = fresh
        return current
    workflow.repository.update_order(summary.id, store)
    return _REREAD


def renew_now(workflow: "Workflow", layout: "DataLayout", order_id: str, *, passphrase: bytes | None = None,
              wait: float = DEFAULT_WAIT, progress: Progress | None = None) -> RenewalOutcome:
    """Renew one order now, due or not (the TUI's "renew now"), under the same lock as `renew`."""
    from certwizard.domain.ids import utcnow

    with renewal_lock(layout):
        (candidate,) = candidates(workflow, utcnow(), [order_id], progress=progress, only={order_id})
        renewer = Renewer(workflow, passphrase=passphrase, wait=wait, progress=progress or (lambda _step: None))
        return renewer.renew(candidate)


# --- renewing ------------------------------------------------------------------------------------------------

@dataclass
class Renewer:
    """One run of `renew` over a data folder (the lock is the caller's: `renewal_lock`)."""

    workflow: "Workflow"
    passphrase: bytes | None = None        # for keys that are encrypted (a file's, never typed into a timer)
    wait: float = DEFAULT_WAIT             # how long to wait for issuance in this run
    reuse_key: frozenset[str] = frozenset()   # orders to renew with their current key (kept as their policy)
    progress: Progress = lambda _step: None
    sleep: Callable[[float], None] = time.sleep

    def renew(self, candidate: RenewalCandidate) -> RenewalOutcome:
        outcome = self._renew(candidate)
        self._record(candidate.order_id, outcome)
        return outcome

    def _renew(self, candidate: RenewalCandidate) -> RenewalOutcome:
        old = self.workflow.order(candidate.order_id)
        try:
            follow = self._follow_up(old)
            follow = self._advance(follow)
            if follow.status is OrderStatus.ISSUED:
                return self._install(old, follow, candidate.domains)
            if follow.status is OrderStatus.REVIEW_FAILED:
                return RenewalOutcome(old.id, candidate.domains, RenewResult.FAILED,
                                      f"the CA refused the renewal {follow.id}: {follow.status_reason or 'no reason given'}"
                                      "; the next run tries again", follow.id)
            if not follow.status.is_submitted:
                return RenewalOutcome(old.id, candidate.domains, RenewResult.FAILED,
                                      f"the renewal {follow.id} is {follow.status.label.lower()} and did not go on; "
                                      "the next run tries again", follow.id)
            expected = (f", expected {follow.expected_issuance_at:%Y-%m-%d %H:%M} UTC"
                        if follow.expected_issuance_at else "")
            words = ("the CA is reviewing the organization (expect its call or e-mail)"
                     if follow.product.is_professional else "the CA has not issued it yet")
            return RenewalOutcome(old.id, candidate.domains, RenewResult.WAITING,
                                  f"{words}{expected}; the next run installs it ({follow.id})", follow.id)
        except NeedsYou as exc:
            current = self.workflow.order(old.id)
            return RenewalOutcome(old.id, candidate.domains, RenewResult.NEEDS_YOU, str(exc), current.renewed_by)
        except CertwizardError as exc:
            current = self.workflow.order(old.id)
            return RenewalOutcome(old.id, candidate.domains, RenewResult.FAILED,
                                  f"{_one_line(str(exc))}; the installed certificate was not touched",
                                  current.renewed_by)

    # --- the follow-up order ---------------------------------------------------------------------------------

    def _follow_up(self, old: "Order") -> "Order":
        """The renewal under way, or a new one (a new order, or a purchased one when the authority sells them).

        A renewal that can no longer go forward (revoked, renewed, deleted by hand) is let go: the old order is
        unlinked from it and renewed afresh, so one bad renewal never stops renewal for good."""
        from certwizard.storage.repository import OrderNotFoundError

        if old.renewed_by:
            try:
                follow = self.workflow.order(old.renewed_by)
            except OrderNotFoundError:
                follow = None
            if follow is not None and follow.status in GOING_FORWARD:
                return self._linked(old, follow, follow.reuse_key or old.reuse_key)
            old = self._unlinked(old, follow)
        from certwizard.ca.base import AuthorityError

        try:
            authority = self.workflow.authority_of(old)
        except AuthorityError as exc:       # its account was removed (imported ones are not candidates)
            raise NeedsYou(_one_line(str(exc))) from None
        if authority.renewal_needs_purchase and not authority.renews_in_place(old.authority_ref):
            follow = self._purchased_for(old)
        else:
            self.progress(f"Making the renewal order for {old.id}")
            follow = self.workflow.add_purchased(old.product_id)[0]
        reuse = old.reuse_key or old.id in self.reuse_key

        def link_old(current: "Order") -> "Order":
            current.renewed_by = follow.id
            current.reuse_key = reuse
            return current
        self.workflow.repository.update_order(old.id, link_old)   # first, so a killed run never makes two
        return self._linked(old, follow, reuse)

    def _linked(self, old: "Order", follow: "Order", reuse: bool) -> "Order":
        """The renewal linked back to `old` and its application filled in (again, after a killed run: both
        steps are idempotent)."""
        if follow.renewal_of != old.id or follow.reuse_key is not reuse or (
                follow.status is OrderStatus.PENDING_APPLICATION and self._in_place(old)
                and follow.authority_ref != old.authority_ref):
            in_place = self._in_place(old)

            def link_new(current: "Order") -> "Order":
                current.renewal_of = old.id
                current.reuse_key = reuse
                if in_place and current.status is OrderStatus.PENDING_APPLICATION:
                    current.authority_ref = old.authority_ref    # renewed on the old purchase, which answers anew
                return current
            follow = self.workflow.repository.update_order(follow.id, link_new)
        if follow.status is not OrderStatus.PENDING_APPLICATION:
            return follow
        started = self.workflow.open_application(follow.id)
        return self.workflow.save_draft(started, self._draft_for(old, reuse))

    def _in_place(self, old: "Order") -> bool:
        from certwizard.ca.base import AuthorityError

        try:
            return self.workflow.authority_of(old).renews_in_place(old.authority_ref)
        except AuthorityError:
            return False

    def _unlinked(self, old: "Order", dead: "Order | None") -> "Order":
        from certwizard.domain.models import HistoryEntry

        gone = dead.id if dead is not None else old.renewed_by
        why = f"it is {dead.status.label.lower()}" if dead is not None else "it no longer exists"
        self.progress(f"The renewal {gone} cannot go on ({why}): renewing {old.id} afresh")

        def unlink(current: "Order") -> "Order":
            current.renewed_by = ""
            current.history.append(HistoryEntry(status=current.status, event="renewal let go",
                                                detail=f"{gone}: {why}; a new renewal is made"))
            return current
        return self.workflow.repository.update_order(old.id, unlink)

    def _purchased_for(self, old: "Order") -> "Order":
        summaries = self.workflow.summaries()
        claimed = {s.renewed_by for s in summaries if s.renewed_by}      # a renewal's, even half linked
        unused = [s for s in summaries
                  if s.product_id == old.product_id and s.status is OrderStatus.PENDING_APPLICATION
                  and not s.renewal_of and s.id not in claimed and s.authority == old.authority]
        if not unused:
            raise NeedsYou(f"{old.product.name} renews with another certificate bought from the authority: buy "
                           "one in its console, bring it in (certwizard alibaba sync), then run certwizard renew "
                           "again")
        return self.workflow.order(unused[0].id)

    def _draft_for(self, old: "Order", reuse: bool) -> "ApplicationDraft":
        """The old order's application again; the key as the policy says (a new one by default)."""
        from certwizard.domain.models import CsrMode

        draft = old.draft.model_copy(update={"step": "verify"})
        if old.key is None:
            if old.application is not None and old.application.csr.mode is CsrMode.MANUAL:
                return draft                         # the user's own CSR again: their key stays theirs
            raise NeedsYou(f"certwizard holds no key for {old.id}, so it cannot make the renewal's CSR: "
                           "apply for the renewal with your own CSR")
        if not reuse:
            return draft.model_copy(update={"csr_mode": CsrMode.AUTOMATIC.value, "csr_pem": "",
                                            "key_algorithm": old.key.algorithm.value,
                                            "encrypt_key": old.key.encrypted})
        from certwizard.crypto.keys import csr_for_existing_key

        if old.key.encrypted and not self.passphrase:
            raise NeedsYou(f"the key of {old.id} is encrypted: give its passphrase with --passphrase-file to "
                           "renew it with the same key")
        assert old.application is not None
        csr_pem, _ = csr_for_existing_key(old.key.path, old.product, old.application.domains,
                                          self.passphrase if old.key.encrypted else None, old.application.company)
        return draft.model_copy(update={"csr_mode": CsrMode.MANUAL.value, "csr_pem": csr_pem})

    # --- taking it along -------------------------------------------------------------------------------------

    def _advance(self, follow: "Order") -> "Order":
        """Take the renewal as far as this run can: submit, prove the domains, wait for issuance."""
        if follow.status is OrderStatus.REVIEW_FAILED:
            self.progress(f"Trying {follow.id} again: withdrawn, then submitted again")
            follow = self.workflow.withdraw(follow.id)
        if follow.status is OrderStatus.DRAFT:
            follow = self._submit(follow)
        if follow.status is OrderStatus.DOMAIN_VERIFICATION:
            follow = self._prove(follow)
        if follow.status is OrderStatus.UNDER_REVIEW:
            if follow.product.is_professional:      # days, not minutes: ask once, the next run asks again
                self.workflow.refresh([follow.id])
                follow = self.workflow.order(follow.id)
            else:
                follow = self._wait_for_issuance(follow)
        return follow

    def _submit(self, follow: "Order") -> "Order":
        from certwizard.services.workflow import ApplicationInvalidError

        encrypted = follow.draft.csr_mode == "automatic" and follow.draft.encrypt_key
        if encrypted and not self.passphrase:
            raise NeedsYou(f"the renewal's new key is to be encrypted, like the old one: give a passphrase with "
                           f"--passphrase-file (renewal {follow.id} is ready to be submitted)")
        self.progress(f"Submitting the renewal {follow.id}")
        try:
            submitted = self.workflow.submit(follow.id, self.passphrase if encrypted else None,
                                             progress=self.progress)
        except ApplicationInvalidError as exc:
            problems = "; ".join(f"{name}: {message}" for name, message in exc.errors.items())
            raise NeedsYou(f"the application no longer passes its checks ({problems}): fix it with "
                           f"certwizard apply {follow.id} --from FILE, then run certwizard renew again") from None
        if follow.reuse_key and submitted.key is None:
            submitted = self._keep_key(submitted)
        return submitted

    def _keep_key(self, follow: "Order") -> "Order":
        old = self.workflow.order(follow.renewal_of)

        def keep(current: "Order") -> "Order":
            current.key = old.key
            return current
        return self.workflow.repository.update_order(follow.id, keep)

    def _prove(self, follow: "Order") -> "Order":
        from certwizard.services.domain_proof import ProofNotReadyError, prove_domains

        plan = follow.application.validation if follow.application is not None else None
        publishes = plan is not None and bool(plan.hook or plan.webroot and plan.method.value == "http")
        authority = self.workflow.authority_of(follow)
        if not publishes and not authority.checks_proofs_on_network:
            raise NeedsYou(_publish_words(follow) + f", then run certwizard verify {follow.id} (nobody can "
                           "check it for you: this authority takes your word)")
        self.progress(f"Proving the domains of {follow.id}")
        try:
            return prove_domains(self.workflow, follow.id, progress=self.progress).order
        except ProofNotReadyError as exc:
            if publishes:
                raise CertwizardError(f"the hook or webroot published the proof, but {_one_line(str(exc))}") from None
            raise NeedsYou(_publish_words(follow) + "; certwizard checks it and asks the CA at the next run "
                           "(certwizard renew)") from None

    def _wait_for_issuance(self, follow: "Order") -> "Order":
        deadline = time.monotonic() + self.wait
        while follow.status is OrderStatus.UNDER_REVIEW and time.monotonic() < deadline:
            self.progress(f"Waiting for {follow.id} to be issued")
            self.workflow.refresh([follow.id])
            follow = self.workflow.order(follow.id)
            if follow.status is OrderStatus.UNDER_REVIEW:
                self.sleep(min(POLL_EVERY, max(0.0, deadline - time.monotonic())))
        return follow

    # --- installing ------------------------------------------------------------------------------------------

    def _install(self, old: "Order", follow: "Order", domains: str) -> RenewalOutcome:
        """Install the renewal wherever the old certificate is. The installations move to the renewal first,
        each recording what it holds, so a failure in one place is retried by the next run and never hides
        that another place was updated; the old order is Renewed once every place has the new certificate."""
        from certwizard.domain.status import Action, next_status

        if old.installations:
            places = old.installations

            def take(current: "Order") -> "Order":
                # Merged by place: the renewal may have been installed somewhere by hand already.
                have = {(place.server, place.directory) for place in current.installations}
                current.installations += [place.model_copy() for place in places
                                          if (place.server, place.directory) not in have]
                return current
            follow = self.workflow.repository.update_order(follow.id, take)

            def give(current: "Order") -> "Order":
                current.installations = []       # one record per place: the renewal's, holding what is there
                return current
            self.workflow.repository.update_order(old.id, give)
        details: list[str] = []
        if follow.installations:
            from certwizard.services.installations import KeyPassphraseNeededError, install_order

            self.progress(f"Installing {follow.id} where {old.id} is installed")
            kept = "where it could not be written, the old certificate is still in place; the next run tries again"
            try:
                report = install_order(self.workflow, follow.id, passphrase=self.passphrase)
            except KeyPassphraseNeededError as exc:
                raise NeedsYou(f"renewed as {follow.id}, not installed yet: {_one_line(str(exc))}; "
                               + kept) from None
            except CertwizardError as exc:
                raise CertwizardError(f"renewed as {follow.id} but not installed ({_one_line(str(exc))}); "
                                      + kept) from None
            details = list(report.lines)
            if not report.ok:
                problems = "; ".join(report.problems) or "see the lines below"
                failed_reloads = [reload for reload in report.reloads if not reload.ok]
                written = all(not outcome.problem for outcome in report.outcomes)
                if written and failed_reloads:
                    return RenewalOutcome(old.id, domains, RenewResult.FAILED,
                                          f"renewed as {follow.id}; the new files are in place but the reload "
                                          f"failed ({_one_line(problems)}), so the server may still serve the old "
                                          "certificate; the next run runs the reload again", follow.id, details)
                return RenewalOutcome(old.id, domains, RenewResult.FAILED,
                                      f"renewed as {follow.id} but not installed everywhere "
                                      f"({_one_line(problems)}); " + kept, follow.id, details)

        def replaced(current: "Order") -> "Order":
            current.status = next_status(current.status, Action.REPLACE)
            current.installations = []           # they are the renewal's (a run killed after taking them)
            return current
        self.workflow.repository.update_order(old.id, replaced)
        where = f", installed in {len(follow.installations)} place(s)" if follow.installations else \
            f" (no installation: certwizard install {follow.id} puts it on a server)"
        valid = f", valid to {follow.certificate.not_after:%Y-%m-%d}" if follow.certificate else ""
        return RenewalOutcome(old.id, domains, RenewResult.RENEWED, f"renewed as {follow.id}{valid}{where}",
                              follow.id, details)

    def _record(self, order_id: str, outcome: RenewalOutcome) -> None:
        from certwizard.domain.models import HistoryEntry, RenewalRecord

        if outcome.result is RenewResult.NOT_DUE:
            return

        def record(current: "Order") -> "Order":
            current.last_renewal = RenewalRecord(ok=outcome.result is RenewResult.RENEWED, message=outcome.message,
                                                 follow_up=outcome.follow_up)
            current.history.append(HistoryEntry(status=current.status, event=f"renewal: {outcome.result.value}",
                                                detail=outcome.message))
            return current
        self.workflow.repository.update_order(order_id, record)


def _publish_words(order: "Order") -> str:
    plan = order.application.validation if order.application is not None else None
    if plan is not None and plan.method.value == "http":
        files = "; ".join(f"{v.file_url} containing {v.file_content}" for v in order.domain_validations)
        return f"renewal {order.id} needs the file(s) served: {files}"
    records = "; ".join(f'{v.dns_name} TXT "{v.dns_value}"' for v in order.domain_validations)
    return f"renewal {order.id} needs DNS record(s) published: {records}"


def _one_line(text: str) -> str:
    return " ".join(text.split())


if TYPE_CHECKING:
    from certwizard.domain.models import ApplicationDraft

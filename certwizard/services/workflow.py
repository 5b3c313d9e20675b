"""The services the TUI and the command line share: every change to an order goes through here.

Each method re-reads the order inside the repository's lock before changing it, so two sessions never
overwrite each other silently, and status changes always follow `domain.status`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from certwizard.domain.ids import utcnow
from certwizard.domain.status import Action, IllegalTransitionError, OrderStatus, next_status
from certwizard.domain.summary import OrderSummary
from certwizard.errors import CertwizardError
from certwizard.system.paths import DataLayout

if TYPE_CHECKING:
    from certwizard.ca.base import AuthorityState, CertificateAuthority
    from certwizard.domain.csr_names import CsrNameRule
    from certwizard.domain.models import (
        ApplicationDraft,
        Document,
        KeyRecord,
        Order,
        Profile,
        ProfileKind,
        SubmissionAttempt,
    )
    from certwizard.domain.products import Product
    from certwizard.domain.revocation import RevocationReason
    from certwizard.services.validation import DraftValidation
    from certwizard.storage.repository import Repository

# The models (pydantic) and the application rules are imported where used: the first screen only lists
# orders (OrderSummary) and must not pay for them at start-up.

Progress = Callable[[str], None]
PHONE_REGION_SETTING = "phone_region"
RESUME_SETTING = "open_application"       # the application open when the app last ended
IN_FLIGHT_SETTING = "submissions_in_flight"   # orders with a SubmissionAttempt, so refresh finds them cheaply
STALE_ATTEMPT = timedelta(hours=1)          # a session this old on another host (or a reused pid) is gone
_ACTIVE_ATTEMPTS: set[str] = set()         # the attempts this process is working on right now


class ApplicationInvalidError(CertwizardError, ValueError):
    """The application cannot be submitted; `errors` maps draft field names to messages."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("the application has errors: " + "; ".join(f"{k}: {v}" for k, v in errors.items()))


class SubmissionInProgressError(CertwizardError, ValueError):
    """Another live session is submitting this order right now."""

    def __init__(self, attempt: "SubmissionAttempt") -> None:
        self.attempt = attempt
        where = "this session" if attempt.id in _ACTIVE_ATTEMPTS else f"process {attempt.pid} on {attempt.host}"
        super().__init__(f"this order is being submitted right now (by {where}, since "
                         f"{attempt.started_at:%H:%M:%S} UTC); wait for it to finish, then refresh")


def _attempt_is_live(attempt: "SubmissionAttempt") -> bool:
    """Whether the session that made `attempt` may still be working on it."""
    import socket

    if attempt.id in _ACTIVE_ATTEMPTS:
        return True
    if attempt.pid == os.getpid() or utcnow() - attempt.started_at > STALE_ATTEMPT:
        return False          # this process is not working on it; or it is older than any submission
    if attempt.host != socket.gethostname():
        return True
    try:
        os.kill(attempt.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class NotEditableError(CertwizardError, ValueError):
    """The application was submitted (or issued) and must be withdrawn before it can be changed."""


@dataclass(frozen=True)
class StatusChange:
    order_id: str
    before: OrderStatus
    after: OrderStatus
    reason: str = ""


class RefreshReport(list[StatusChange]):
    """The status changes of a refresh; `unknown` lists the orders their authority has no record of."""

    def __init__(self, changes: Iterable[StatusChange] = (), unknown: Iterable[str] = ()) -> None:
        super().__init__(changes)
        self.unknown = list(unknown)
        self.failures: dict[str, str] = {}     # authority name -> why it could not be asked (the others were)
        self.cleanup_warnings: list[str] = []   # what could not be removed of what was published for a CA

    def failure_message(self) -> str:
        return "; ".join(f"{name} could not be asked: {reason}" for name, reason in self.failures.items())

    def unknown_message(self) -> str:
        ids = ", ".join(self.unknown[:5]) + (f" and {len(self.unknown) - 5} more" if len(self.unknown) > 5 else "")
        return (f"the certificate authority has no record of {len(self.unknown)} submitted "
                f"application{'s' if len(self.unknown) != 1 else ''} ({ids}); withdraw and submit again, or "
                "check that the data folder belongs to this authority")


def _no_progress(_: str) -> None:
    return None


def _request_ids(state: "AuthorityState") -> str:
    return f" (RequestId {', '.join(state.request_ids)})" if state.request_ids else ""


def _record(order: Order, event: str, detail: str = "") -> None:
    from certwizard.domain.models import HistoryEntry

    order.history.append(HistoryEntry(status=order.status, event=event, detail=detail))


class Workflow:
    def __init__(self, repository: "Repository", layout: DataLayout,
                 authority_for: Callable[[str], "CertificateAuthority"],
                 now: Callable[[], datetime] = utcnow,
                 products: Callable[[], list["Product"]] | None = None) -> None:
        self.repository = repository
        self.layout = layout
        self._authority_for = authority_for
        self._products = products
        self._now = now

    # --- orders --------------------------------------------------------------------------------------------

    def products(self) -> list["Product"]:
        """What the configured authorities offer (the sandbox's catalog, each ACME account's)."""
        if self._products is None:
            from certwizard.domain.products import CATALOG

            return list(CATALOG.values())
        return self._products()

    def add_purchased(self, product_id: str, count: int = 1) -> list[Order]:
        return self.repository.add_orders(product_id, count)

    def orders(self, statuses: Iterable[OrderStatus] | None = None) -> list[Order]:
        return self.repository.list_orders(statuses)

    def summaries(self) -> list["OrderSummary"]:
        """Every order as lists show it (from the order index: cheap for thousands of orders)."""
        return self.repository.order_summaries()

    def order(self, order_id: str) -> Order:
        return self.repository.get_order(order_id)

    def open_orders(self, authority: str) -> list[str]:
        """The orders of `authority` that still need it: all but expired, renewed and revoked (an issued one
        is renewed or revoked through it). An account is not removed while it has any."""
        ended = {OrderStatus.EXPIRED, OrderStatus.REVOKED, OrderStatus.RENEWED}
        return [s.id for s in self.summaries() if s.authority == authority and s.status not in ended]

    def authority_of(self, order: "Order | OrderSummary") -> "CertificateAuthority":
        """The authority that serves `order` (AuthorityError when it is not configured here)."""
        return self._authority_for(order.authority)

    def open_application(self, order_id: str) -> Order:
        """Start the application of a purchased certificate; drafts are returned as they are."""
        def start(order: Order) -> Order:
            if order.status is OrderStatus.PENDING_APPLICATION:
                order.status = next_status(order.status, Action.START)
                _record(order, "application started")
            return order
        return self.repository.update_order(order_id, start)

    # --- drafts ----------------------------------------------------------------------------------------------

    def save_draft(self, order: Order, draft: ApplicationDraft) -> Order:
        """Save what the user typed. Raises ConflictError if another session saved this order meanwhile."""
        if not order.status.is_editable:
            raise NotEditableError(f"the application is {order.status.label.lower()}; withdraw it to modify it")
        updated = order.model_copy(update={"draft": draft}, deep=True)
        if updated.status is OrderStatus.PENDING_APPLICATION:
            updated.status = next_status(updated.status, Action.START)
            _record(updated, "application started")
        return self.repository.save_order(updated)

    def set_resume_point(self, order_id: str | None) -> None:
        """Remember the application being edited (None: none), so the next start returns to it."""
        if self.repository.get_setting(RESUME_SETTING, None) != order_id:
            self.repository.set_setting(RESUME_SETTING, order_id)

    def resume_point(self) -> str | None:
        """The application open when the app last ended, if it can still be edited."""
        order_id = self.repository.get_setting(RESUME_SETTING, None)
        if not isinstance(order_id, str):
            return None
        summary = next((s for s in self.summaries() if s.id == order_id), None)
        return order_id if summary is not None and summary.status.is_editable else None

    @property
    def default_phone_region(self) -> str | None:
        return self.repository.get_setting(PHONE_REGION_SETTING, None)

    def validate(self, order: Order, draft: ApplicationDraft | None = None,
                 for_submission: bool = False) -> DraftValidation:
        from certwizard.services.validation import validate_draft

        return validate_draft(order.product, draft or order.draft, self.default_phone_region,
                              for_submission=for_submission, name_rule=self.csr_name_rule(order))

    def csr_name_rule(self, order: Order) -> CsrNameRule:
        """How the order's authority relates a manual CSR's names to the bound domains (the strictest rule
        when the authority is not configured: its own refusal then says why)."""
        from certwizard.ca.base import AuthorityError
        from certwizard.domain.csr_names import CsrNameRule

        try:
            return CsrNameRule(self._authority_for(order.authority).csr_name_rule)
        except AuthorityError:
            return CsrNameRule.EXACT

    # --- documents -------------------------------------------------------------------------------------------

    def attach_document(self, order: Order, accepted, display_name: str, *, inspect=None) -> Order:
        """Store an accepted document (a DocumentCheck or a ReencodedImage) and list it on the draft.
        `inspect`: how its bytes are checked once more before they are stored (see `store_document`)."""
        from certwizard.documents.images import store_document

        document = store_document(accepted, self.layout.documents_dir, display_name, inspect=inspect)
        draft = order.draft.model_copy(update={"documents": [*order.draft.documents, document]})
        try:
            return self.save_draft(order, draft)
        except BaseException:
            self._remove_document_file(document)
            raise

    def remove_document(self, order: Order, document_id: str) -> Order:
        """Drop a document from the draft and delete its stored copy (drafts are the only holders that change)."""
        keep = [d for d in order.draft.documents if d.id != document_id]
        gone = [d for d in order.draft.documents if d.id == document_id]
        saved = self.save_draft(order, order.draft.model_copy(update={"documents": keep}))
        for document in gone:
            self._remove_document_file(document)
        return saved

    def _remove_document_file(self, document: Document) -> None:
        from certwizard.documents.images import remove_document

        remove_document(document, self.layout.documents_dir)

    # --- profiles --------------------------------------------------------------------------------------------

    def save_profiles(self, draft: ApplicationDraft, label: str, include_company: bool) -> list[Profile]:
        """Keep the applicant (and company) information of `draft` for later applications."""
        label = " ".join(label.split())
        if not label:
            raise ValueError("Give the profile a name, e.g. the team or company it is for")
        from certwizard.domain.form_fields import APPLICANT_FIELDS, COMPANY_FIELDS
        from certwizard.domain.models import Profile, ProfileKind

        kinds: list[tuple[ProfileKind, tuple[str, ...]]] = [(ProfileKind.APPLICANT, APPLICANT_FIELDS)]
        if include_company:
            kinds.append((ProfileKind.COMPANY, COMPANY_FIELDS))
        saved = []
        for kind, names in kinds:
            values = {name: getattr(draft, name) for name in names}
            if not any(v.strip() for v in values.values()):
                continue
            saved.append(self.repository.save_profile(Profile(kind=kind, label=label, values=values)))
        if not saved:
            raise ValueError("There is nothing to save yet: fill in the applicant fields first")
        return saved

    def profiles(self, kind: ProfileKind | None = None) -> list[Profile]:
        return self.repository.list_profiles(kind)

    @staticmethod
    def apply_profile(draft: ApplicationDraft, profile: Profile) -> ApplicationDraft:
        from certwizard.domain.form_fields import APPLICANT_FIELDS, COMPANY_FIELDS
        from certwizard.domain.models import ProfileKind

        allowed = APPLICANT_FIELDS if profile.kind is ProfileKind.APPLICANT else COMPANY_FIELDS
        return draft.model_copy(update={k: v for k, v in profile.values.items() if k in allowed})

    # --- submission ------------------------------------------------------------------------------------------

    def submit(self, order_id: str, passphrase: bytes | None = None, progress: Progress = _no_progress,
               isolate: bool = False) -> Order:
        """Validate, make the key and CSR if automatic, send to the authority and record what it said.

        Resumable: the attempt is recorded on the order before each step (`SubmissionAttempt`), so a
        submission killed midway is undone (nothing was sent: its key file is removed) or finished (it may
        have been sent: it is sent again as the same attempt, which the authority applies once) by the next
        `submit` or `refresh`, and an application is never made twice.

        `isolate`: generate RSA keys in a helper process (certwizard.system.isolation); the TUI asks for it so
        that key generation cannot slow its screen down."""
        order = self.repository.get_order(order_id)
        if order.submission is not None:
            progress("Finishing a submission that was interrupted")
            finished = self._settle_attempt(order)
            if finished is not None:
                return finished
            order = self.repository.get_order(order_id)
        if order.status is not OrderStatus.DRAFT:
            next_status(order.status, Action.SUBMIT_FOR_REVIEW)  # raises with the reason
        progress("Checking the application")
        validation = self.validate(order, for_submission=True)
        if not validation.ok:
            raise ApplicationInvalidError(validation.errors)
        application = validation.application
        assert application is not None
        from certwizard.domain.models import AutomaticCsr

        automatic = isinstance(application.csr, AutomaticCsr)
        if isinstance(application.csr, AutomaticCsr) and application.csr.encrypt_key and not passphrase:
            raise ApplicationInvalidError({"passphrase": "Type the passphrase that will protect the key"})
        attempt = self._begin_attempt(order, automatic)
        try:
            if isinstance(application.csr, AutomaticCsr):
                csr_pem, key_record = self._generate_key_and_csr(order, application, passphrase, progress,
                                                                 isolate, attempt.key_path)
            else:
                csr_pem, key_record = application.csr.csr_pem, None

            def sending(current: Order) -> Order:
                assert current.submission is not None and current.submission.id == attempt.id
                current.submission = current.submission.model_copy(update={
                    "sending": True, "application": application, "csr_pem": csr_pem, "key": key_record})
                return current
            order = self.repository.update_order(order.id, sending)
        except BaseException:
            self._undo_attempt(order.id, attempt.id)
            raise
        progress("Sending the application to the certificate authority")
        return self._send(order)

    def resume_interrupted(self) -> RefreshReport:
        """Finish or undo every submission a killed session left (see `submit`); returns the status changes."""
        from certwizard.ca.base import AuthorityError
        from certwizard.storage.repository import OrderNotFoundError

        report = RefreshReport()
        for order_id in list(self.repository.get_setting(IN_FLIGHT_SETTING, None) or []):
            try:
                order = self.repository.get_order(order_id)
            except OrderNotFoundError:
                order = None
            if order is None or order.submission is None:
                self._forget_in_flight(order_id)
                continue
            if _attempt_is_live(order.submission):
                continue
            before = order.status
            try:
                finished = self._settle_attempt(order)
            except AuthorityError:
                continue                 # still unknown: kept for the next try, never sent as a new one
            if finished is not None and finished.status is not before:
                report.append(StatusChange(order_id, before, finished.status, finished.status_reason))
        return report

    def _begin_attempt(self, order: Order, automatic: bool) -> "SubmissionAttempt":
        import socket

        from certwizard.crypto.keys import free_key_path
        from certwizard.domain.models import SubmissionAttempt

        key_path = str(free_key_path(self.layout.keys_dir, order.id)) if automatic else ""
        attempt = SubmissionAttempt(host=socket.gethostname(), pid=os.getpid(), key_path=key_path)
        self.repository.update_setting(IN_FLIGHT_SETTING, lambda ids: list(dict.fromkeys([*(ids or []), order.id])),
                                       default=[])

        def begin(current: Order) -> Order:
            if current.status is not OrderStatus.DRAFT:
                raise IllegalTransitionError(current.status, Action.SUBMIT_FOR_REVIEW,
                                             "another session submitted or changed this order meanwhile")
            if current.submission is not None:
                raise SubmissionInProgressError(current.submission)
            current.submission = attempt
            return current
        self.repository.update_order(order.id, begin)
        _ACTIVE_ATTEMPTS.add(attempt.id)
        return attempt

    def _settle_attempt(self, order: Order) -> Order | None:
        """Finish (returns the submitted order) or undo (returns None) the attempt a killed session left."""
        attempt = order.submission
        assert attempt is not None
        if _attempt_is_live(attempt):
            raise SubmissionInProgressError(attempt)
        if not attempt.sending:
            self._undo_attempt(order.id, attempt.id)
            return None
        _ACTIVE_ATTEMPTS.add(attempt.id)
        return self._send(order, resumed=True)

    def _send(self, order: Order, resumed: bool = False) -> Order:
        from certwizard.ca.base import AuthorityError, SubmissionRequest

        attempt = order.submission
        assert attempt is not None and attempt.sending and attempt.application is not None
        authority = self._authority_for(order.authority)
        request = SubmissionRequest(order.id, order.product, attempt.application, attempt.csr_pem, attempt.id,
                                    authority_ref=order.authority_ref,
                                    replaces_certificate_pem=self._replaced_certificate(order))
        try:
            state = authority.submit(request)
        except AuthorityError as exc:
            if exc.outcome_unknown:
                _ACTIVE_ATTEMPTS.discard(attempt.id)       # the next submit or refresh sends it again
            else:
                self._undo_attempt(order.id, attempt.id)   # refused: nothing was applied
            raise
        except BaseException:
            _ACTIVE_ATTEMPTS.discard(attempt.id)
            raise

        def record(current: Order) -> Order:
            if current.submission is None or current.submission.id != attempt.id:
                raise IllegalTransitionError(current.status, Action.SUBMIT_FOR_REVIEW,
                                             "another session submitted or changed this order meanwhile")
            current.application = attempt.application
            current.csr_pem = attempt.csr_pem
            current.key = attempt.key
            current.submission = None
            current.submitted_at = self._now()
            current.draft = current.draft.model_copy(update={"step": "verify"})
            _record(current, "submitted", f"to {authority.title}"
                    + (" (finishing a submission that was interrupted)" if resumed else "")
                    + _request_ids(state))
            self._apply_state(current, state)
            return current
        submitted = self.repository.update_order(order.id, record)
        _ACTIVE_ATTEMPTS.discard(attempt.id)
        self._forget_in_flight(order.id)
        return submitted

    def _replaced_certificate(self, order: Order) -> str:
        """The certificate a renewal replaces (its authority may link the two), or ""."""
        from certwizard.storage.repository import OrderNotFoundError

        if not order.renewal_of:
            return ""
        try:
            renewed = self.repository.get_order(order.renewal_of)
        except OrderNotFoundError:
            return ""
        return renewed.certificate.certificate_pem if renewed.certificate is not None else ""

    def _undo_attempt(self, order_id: str, attempt_id: str) -> None:
        """Drop an attempt that sent nothing, and the key file it may have written."""
        found: list["SubmissionAttempt"] = []

        def undo(current: Order) -> Order:
            if current.submission is not None and current.submission.id == attempt_id:
                found.append(current.submission)
                current.submission = None
            return current
        order = self.repository.update_order(order_id, undo)
        _ACTIVE_ATTEMPTS.discard(attempt_id)
        if found and found[0].key_path and (order.key is None or order.key.path != found[0].key_path):
            try:
                os.unlink(found[0].key_path)
            except FileNotFoundError:
                pass
        self._forget_in_flight(order_id)

    def _forget_in_flight(self, order_id: str) -> None:
        if order_id in (self.repository.get_setting(IN_FLIGHT_SETTING, None) or []):
            self.repository.update_setting(IN_FLIGHT_SETTING,
                                           lambda ids: [i for i in (ids or []) if i != order_id], default=[])

    def _generate_key_and_csr(self, order: Order, application, passphrase: bytes | None,
                              progress: Progress, isolate: bool, key_path: str) -> tuple[str, KeyRecord]:
        from certwizard.crypto.keys import generate_key_and_csr
        from certwizard.system.isolation import run_isolated

        algorithm = application.csr.key_algorithm
        progress(f"Generating an {algorithm.label} private key on this server")   # "an RSA", "an ECDSA"
        # RSA takes 0.1-1.5 s and holds the GIL; ECDSA keys take microseconds and stay here.
        run = run_isolated if isolate and algorithm.is_rsa else (lambda function, **kw: function(**kw))
        generated = run(
            generate_key_and_csr, product=order.product, domains=application.domains,
            company=application.company, algorithm=algorithm, keys_dir=self.layout.keys_dir, order_id=order.id,
            passphrase=passphrase if application.csr.encrypt_key else None, key_path=key_path)
        progress("Key saved (0600); CSR built and checked")
        from certwizard.domain.models import KeyRecord

        record = KeyRecord(path=str(generated.key_path), algorithm=algorithm, spki_sha256=generated.spki_sha256,
                           encrypted=generated.encrypted)
        return generated.csr_pem, record

    def _apply_state(self, order: Order, state: "AuthorityState") -> StatusChange | None:
        """Copy what the authority reports onto the order; returns the change if the status moved."""
        before = order.status
        order.authority_ref = state.authority_ref or order.authority_ref
        if state.status is not before or order.expected_issuance_at is None:
            # Kept while the status stands: an estimate made again at every refresh would never be overdue.
            order.expected_issuance_at = state.expected_issuance_at or order.expected_issuance_at
        if state.domain_validations:
            # The authority does not know when the user confirmed; keep what we recorded.
            confirmed = {v.domain: v.confirmed_at for v in order.domain_validations if v.confirmed_at}
            order.domain_validations = [
                v.model_copy(update={"confirmed_at": v.confirmed_at or confirmed.get(v.domain)})
                for v in state.domain_validations]
        if state.certificate is not None:
            order.certificate = state.certificate
        if state.status is before:
            return None
        order.status = state.status
        order.status_reason = state.reason
        _record(order, f"status: {state.status.label.lower()}", state.reason + _request_ids(state))
        return StatusChange(order.id, before, state.status, state.reason)

    # --- after submission ------------------------------------------------------------------------------------

    def withdraw(self, order_id: str) -> Order:
        """Return a submitted application to draft, everything kept, so it can be modified and resubmitted."""
        order = self.repository.get_order(order_id)
        next_status(order.status, Action.WITHDRAW)  # refuses after issuance, with the reason
        if order.status.is_submitted:
            self._authority_for(order.authority).withdraw(order.authority_ref)

        def back_to_draft(current: Order) -> Order:
            current.status = next_status(current.status, Action.WITHDRAW)
            current.status_reason = ""
            current.domain_validations = []
            current.expected_issuance_at = None
            current.draft = current.draft.model_copy(update={"step": "enter"})
            _record(current, "withdrawn", "back to draft; the application can be modified and resubmitted")
            return current
        return self.repository.update_order(order_id, back_to_draft)

    def revoke(self, order_id: str, reason: "RevocationReason") -> Order:
        """Revoke an issued certificate at its authority; the order becomes Revoked (and is never renewed)."""
        order = self.repository.get_order(order_id)
        next_status(order.status, Action.REVOKE)          # refuses anything but an issued one, with the reason
        if order.certificate is None:
            raise CertwizardError("certwizard holds no certificate for this order yet: refresh it (r, or "
                                  "certwizard refresh), then revoke it")
        state = self._authority_for(order.authority).revoke(order.authority_ref, order.certificate.certificate_pem,
                                                            reason)

        def record(current: Order) -> Order:
            current.status = next_status(current.status, Action.REVOKE)
            current.status_reason = state.reason
            _record(current, "revoked", f"{reason.value}: {reason.words}" + _request_ids(state))
            return current
        return self.repository.update_order(order_id, record)

    def confirm_domain_validation(self, order_id: str) -> Order:
        order = self.repository.get_order(order_id)
        if order.status is not OrderStatus.DOMAIN_VERIFICATION:
            next_status(order.status, Action.DOMAIN_VERIFIED)
        state = self._authority_for(order.authority).confirm_domain_validation(order.authority_ref)

        def record(current: Order) -> Order:
            self._apply_state(current, state)
            for validation in current.domain_validations:
                validation.confirmed_at = validation.confirmed_at or self._now()
            return current
        return self.repository.update_order(order_id, record)

    def refresh(self, order_ids: Iterable[str] | None = None) -> RefreshReport:
        """Ask the authorities about every submitted order (or those given); returns the status changes.

        Works from the order index and asks each authority once for all its orders, so a refresh of thousands
        of submitted orders reads and writes only the orders the authority has news about."""
        wanted = set(order_ids) if order_ids is not None else None
        resumed = self.resume_interrupted()
        submitted = [s for s in self.summaries()
                     if s.status.is_submitted and (wanted is None or s.id in wanted)]
        by_authority: dict[str, list["OrderSummary"]] = {}
        for summary in submitted:
            by_authority.setdefault(summary.authority, []).append(summary)
        report = RefreshReport(resumed)
        from certwizard.ca.base import AuthorityError, SomeStatusesFailed

        for name, summaries in by_authority.items():
            failed: dict[str, str] = {}
            try:       # one CA that cannot be reached must not keep the others' news from the user
                states = self._authority_for(name).statuses([s.authority_ref for s in summaries])
            except SomeStatusesFailed as partly:
                states, failed = partly.found, partly.failed
                report.failures[name] = str(partly)
            except AuthorityError as exc:
                report.failures[name] = str(exc)
                continue
            for summary in summaries:
                state = states.get(summary.authority_ref)
                if state is None:
                    if summary.authority_ref not in failed:
                        report.unknown.append(summary.id)
                    continue
                if not self._is_news(summary, state):
                    continue   # nothing to write: keeps a refresh of many orders cheap
                found: list[StatusChange] = []

                def record(current: Order, state=state, found=found) -> Order:
                    if current.status.is_submitted:
                        change = self._apply_state(current, state)
                        if change:
                            found.append(change)
                    return current
                self.repository.update_order(summary.id, record)
                report.extend(found)
        if report:
            from certwizard.services.domain_proof import finish_cleanups

            report.cleanup_warnings = finish_cleanups(self)   # what was kept published for the CA, now done
        return report

    @staticmethod
    def _is_news(order: "Order | OrderSummary", state: "AuthorityState") -> bool:
        has_certificate = (order.not_after if isinstance(order, OrderSummary) else order.certificate) is not None
        return (state.status is not order.status or state.certificate is not None and not has_certificate
                or state.expected_issuance_at is not None and order.expected_issuance_at is None)


"""The services the TUI and the command line share: every change to an order goes through here.

Each method re-reads the order inside the repository's lock before changing it, so two sessions never
overwrite each other silently, and status changes always follow `domain.status`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from certwizard.domain.ids import utcnow
from certwizard.domain.status import Action, IllegalTransitionError, OrderStatus, next_status
from certwizard.domain.summary import OrderSummary
from certwizard.paths import DataLayout

if TYPE_CHECKING:
    from certwizard.ca.base import AuthorityState, CertificateAuthority, CsrNameRule
    from certwizard.domain.application import DraftValidation
    from certwizard.domain.models import ApplicationDraft, Document, KeyRecord, Order, Profile, ProfileKind
    from certwizard.storage.repository import Repository

# The models (pydantic) and the application rules are imported where used: the first screen only lists
# orders (OrderSummary) and must not pay for them at start-up.

Progress = Callable[[str], None]
PHONE_REGION_SETTING = "phone_region"
RESUME_SETTING = "open_application"       # the application open when the app last ended


class ApplicationInvalidError(ValueError):
    """The application cannot be submitted; `errors` maps draft field names to messages."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("the application has errors: " + "; ".join(f"{k}: {v}" for k, v in errors.items()))


class NotEditableError(ValueError):
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

    def unknown_message(self) -> str:
        ids = ", ".join(self.unknown[:5]) + (f" and {len(self.unknown) - 5} more" if len(self.unknown) > 5 else "")
        return (f"the certificate authority has no record of {len(self.unknown)} submitted "
                f"application{'s' if len(self.unknown) != 1 else ''} ({ids}); withdraw and submit again, or "
                "check that the data folder belongs to this authority")


def _no_progress(_: str) -> None:
    return None


def _record(order: Order, event: str, detail: str = "") -> None:
    from certwizard.domain.models import HistoryEntry

    order.history.append(HistoryEntry(status=order.status, event=event, detail=detail))


class Workflow:
    def __init__(self, repository: "Repository", layout: DataLayout,
                 authority_for: Callable[[str], "CertificateAuthority"],
                 now: Callable[[], datetime] = utcnow) -> None:
        self.repository = repository
        self.layout = layout
        self._authority_for = authority_for
        self._now = now

    # --- orders --------------------------------------------------------------------------------------------

    def add_purchased(self, product_id: str, count: int = 1) -> list[Order]:
        return self.repository.add_orders(product_id, count)

    def orders(self, statuses: Iterable[OrderStatus] | None = None) -> list[Order]:
        return self.repository.list_orders(statuses)

    def summaries(self) -> list["OrderSummary"]:
        """Every order as lists show it (from the order index: cheap for thousands of orders)."""
        return self.repository.order_summaries()

    def order(self, order_id: str) -> Order:
        return self.repository.get_order(order_id)

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
        from certwizard.domain.application import validate_draft

        return validate_draft(order.product, draft or order.draft, self.default_phone_region,
                              for_submission=for_submission, name_rule=self.csr_name_rule(order))

    def csr_name_rule(self, order: Order) -> CsrNameRule:
        """How the order's authority relates a manual CSR's names to the bound domains (the strictest rule
        when the authority is not configured: its own refusal then says why)."""
        from certwizard.ca.base import AuthorityError, CsrNameRule

        try:
            return CsrNameRule(self._authority_for(order.authority).csr_name_rule)
        except AuthorityError:
            return CsrNameRule.EXACT

    # --- documents -------------------------------------------------------------------------------------------

    def attach_document(self, order: Order, accepted, display_name: str, *, inspect=None) -> Order:
        """Store an accepted document (a DocumentCheck or a ReencodedImage) and list it on the draft.
        `inspect`: how its bytes are checked once more before they are stored (see `store_document`)."""
        from certwizard.documents import store_document

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
        from certwizard.documents import remove_document

        remove_document(document, self.layout.documents_dir)

    # --- profiles --------------------------------------------------------------------------------------------

    def save_profiles(self, draft: ApplicationDraft, label: str, include_company: bool) -> list[Profile]:
        """Keep the applicant (and company) information of `draft` for later applications."""
        label = " ".join(label.split())
        if not label:
            raise ValueError("Give the profile a name, e.g. the team or company it is for")
        from certwizard.domain.models import APPLICANT_FIELDS, COMPANY_FIELDS, Profile, ProfileKind

        kinds = [(ProfileKind.APPLICANT, APPLICANT_FIELDS)]
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
        from certwizard.domain.models import APPLICANT_FIELDS, COMPANY_FIELDS, ProfileKind

        allowed = APPLICANT_FIELDS if profile.kind is ProfileKind.APPLICANT else COMPANY_FIELDS
        return draft.model_copy(update={k: v for k, v in profile.values.items() if k in allowed})

    # --- submission ------------------------------------------------------------------------------------------

    def submit(self, order_id: str, passphrase: bytes | None = None, progress: Progress = _no_progress,
               isolate: bool = False) -> Order:
        """Validate, make the key and CSR if automatic, send to the authority and record what it said.

        `isolate`: generate RSA keys in a helper process (see certwizard.isolation); the TUI asks for it so
        that key generation cannot slow its screen down."""
        order = self.repository.get_order(order_id)
        if order.status is not OrderStatus.DRAFT:
            next_status(order.status, Action.SUBMIT_FOR_REVIEW)  # raises with the reason
        progress("Checking the application")
        validation = self.validate(order, for_submission=True)
        if not validation.ok:
            raise ApplicationInvalidError(validation.errors)
        application = validation.application
        assert application is not None
        key_record = order.key
        from certwizard.domain.models import AutomaticCsr

        if isinstance(application.csr, AutomaticCsr):
            if application.csr.encrypt_key and not passphrase:
                raise ApplicationInvalidError({"passphrase": "Type the passphrase that will protect the key"})
            csr_pem, key_record = self._generate_key_and_csr(order, application, passphrase, progress, isolate)
        else:
            csr_pem, key_record = application.csr.csr_pem, None

        from certwizard.ca.base import SubmissionRequest

        progress("Sending the application to the certificate authority")
        authority = self._authority_for(order.authority)
        state = authority.submit(SubmissionRequest(order.id, order.product, application, csr_pem))

        def record(current: Order) -> Order:
            if current.status is not OrderStatus.DRAFT:
                raise IllegalTransitionError(current.status, Action.SUBMIT_FOR_REVIEW,
                                             "another session submitted or changed this order meanwhile")
            current.application = application
            current.csr_pem = csr_pem
            current.key = key_record
            current.submitted_at = self._now()
            current.draft = current.draft.model_copy(update={"step": "verify"})
            _record(current, "submitted", f"to {authority.title}")
            self._apply_state(current, state)
            return current
        return self.repository.update_order(order.id, record)

    def _generate_key_and_csr(self, order: Order, application, passphrase: bytes | None,
                              progress: Progress, isolate: bool = False) -> tuple[str, KeyRecord]:
        from certwizard.crypto.keys import generate_key_and_csr
        from certwizard.isolation import run_isolated

        algorithm = application.csr.key_algorithm
        progress(f"Generating an {algorithm.label} private key on this server")   # "an RSA", "an ECDSA"
        # RSA takes 0.1-1.5 s and holds the GIL; ECDSA keys take microseconds and stay here.
        run = run_isolated if isolate and algorithm.is_rsa else (lambda function, **kw: function(**kw))
        generated = run(
            generate_key_and_csr, product=order.product, domains=application.domains,
            company=application.company, algorithm=algorithm, keys_dir=self.layout.keys_dir, order_id=order.id,
            passphrase=passphrase if application.csr.encrypt_key else None)
        progress("Key saved (0600); CSR built and checked")
        from certwizard.domain.models import KeyRecord

        record = KeyRecord(path=str(generated.key_path), algorithm=algorithm, spki_sha256=generated.spki_sha256,
                           encrypted=generated.encrypted)
        return generated.csr_pem, record

    def _apply_state(self, order: Order, state: "AuthorityState") -> StatusChange | None:
        """Copy what the authority reports onto the order; returns the change if the status moved."""
        before = order.status
        order.authority_ref = state.authority_ref or order.authority_ref
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
        _record(order, f"status: {state.status.label.lower()}", state.reason)
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
        submitted = [s for s in self.summaries()
                     if s.status.is_submitted and (wanted is None or s.id in wanted)]
        by_authority: dict[str, list["OrderSummary"]] = {}
        for summary in submitted:
            by_authority.setdefault(summary.authority, []).append(summary)
        report = RefreshReport()
        for name, summaries in by_authority.items():
            states = self._authority_for(name).statuses([s.authority_ref for s in summaries])
            for summary in summaries:
                state = states.get(summary.authority_ref)
                if state is None:
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
        return report

    @staticmethod
    def _is_news(order: "Order | OrderSummary", state: "AuthorityState") -> bool:
        has_certificate = (order.not_after if isinstance(order, OrderSummary) else order.certificate) is not None
        return (state.status is not order.status or state.certificate is not None and not has_certificate
                or state.expected_issuance_at not in (None, order.expected_issuance_at))


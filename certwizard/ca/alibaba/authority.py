"""An Alibaba Cloud account as a certificate authority (V2 instances of SSL Certificate Management 2.0).

The lifecycle:
- an imported instance is an order pending application whose `authority_ref` is its InstanceId;
- submit: the applicant becomes a contact (CreateContact) and, for OV/EV, the company a company
  (CreateCompany), each made once per distinct set of details and reused; UpdateInstance sends the domains,
  the CSR made on this server (GenerateCsrMethod=upload: Alibaba never makes the key) and the validation
  method; ApplyCertificate submits;
- status: GetInstanceDetail. pending with a DomainValidationList -> domain verification (the record or file
  to publish), then under review once the user confirmed; normal/willExpire -> issued (the chain from
  GetUserCertificateDetail); expired; inactive with the CA's PendingResult after a submission -> review
  failed with that reason;
- withdraw: CancelPendingCertificate, refused by the service once issued.
- renewal: the service's own word on expiry is the hint (an instance's Status or CertificateStatus willExpire,
  a V1 order listed WILLEXPIRED; expired too); otherwise 2/3 of the lifetime. A renewal takes another
  certificate bought in the console (a synced pending instance, or the plan's quota). A V1 plan order renews
  in place: RenewCertificateOrderForPackageRequest applies for the same domains with one more certificate of
  the same plan, under a new OrderId (`renews_in_place`).

The service has no call to say "the record is published": it checks by itself. Confirming here is noted in a
small ledger (TinyDB setting, no secret), so refreshes say "under review" instead of asking to publish again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from certwizard.ca.alibaba import plans
from certwizard.ca.alibaba.accounts import AlibabaAccountRecord, find_account
from certwizard.ca.alibaba.statuses import STATUS_NOTES, instance_status
from certwizard.ca.base import AuthorityError, AuthorityState, SubmissionRequest, statuses_one_by_one
from certwizard.domain.csr_names import CsrNameRule
from certwizard.domain.ids import utcnow
from certwizard.domain.products import Product
from certwizard.domain.status import OrderStatus
from certwizard.domain.validation_methods import ValidationMethod

if TYPE_CHECKING:
    from certwizard.ca.alibaba.client import CasAnswer, CasApi
    from certwizard.domain.models import Application, DomainValidation, IssuedCertificate, RenewalHint
    from certwizard.domain.revocation import RevocationReason
    from certwizard.storage.repository import Repository
    from certwizard.system.paths import DataLayout

LEDGER_PREFIX = "alibaba_ledger:"
CERT_BEGIN = "-----BEGIN CERTIFICATE-----"

HELP_SECTION = """# Alibaba Cloud SSL Certificates

An Alibaba Cloud account is added once with `certwizard alibaba add NAME`. Its purchased certificates are
imported by `certwizard alibaba sync` (and when the wizard starts): each is an order pending application with
the product that was bought, so Domains to Bind follows its rules.

The key is always made on this server (or comes with your own CSR): Alibaba Cloud never sees it. The stamped
verification letter and the documents of an OV/EV application are kept here: the API cannot carry them, and
the CA asks for them by e-mail after submission. Credentials come from Alibaba's default chain (environment,
the aliyun CLI, ~/.alibabacloud/credentials, the ECS RAM role): certwizard never stores an AccessKey.
"""


class AlibabaAuthority:
    csr_name_rule = CsrNameRule.FROM_ORDER    # the certificate gets the instance's domains and the CSR's key
    validation_methods = frozenset({ValidationMethod.DNS, ValidationMethod.HTTP})
    gives_renewal_hints = True            # see renewal_hint
    renewal_needs_purchase = True        # a renewal is another certificate bought in the console (synced)
    checks_proofs_on_network = True
    documents_note = ("Alibaba Cloud's API cannot carry the stamped verification letter and the documents: the CA "
                      "e-mails the applicant for them after submission. They are kept in this data folder "
                      "(documents/); send them when asked.")
    help_section = HELP_SECTION
    trust_note = ""                          # publicly trusted brands: the system's store decides

    def __init__(self, record: AlibabaAccountRecord, repository: Repository, api: CasApi | None = None,
                 now: Callable[[], datetime] = utcnow) -> None:
        from certwizard.ca.alibaba.client import CasApi

        self.record = record
        self.name = record.authority
        self.title = f"Alibaba Cloud SSL Certificates (account {record.name}, {record.region})"
        self.products: tuple[Product, ...] = ()      # what the account bought comes in by sync, as orders
        self.api = api or CasApi(record.region, record.profile)
        self._repository = repository
        self._now = now

    @classmethod
    def configured(cls, layout: DataLayout, repository: Repository, name: str) -> AlibabaAuthority:
        account = name.partition(":")[2]
        record = find_account(repository, account)
        if record is None:
            raise AuthorityError(f"no Alibaba Cloud account named {account!r} is configured in this data folder: "
                                 f"add it with `certwizard alibaba add {account}`, see `certwizard alibaba list`")
        return cls(record, repository)

    def trust_anchor_pem(self) -> str | None:
        return None

    # --- the interface -----------------------------------------------------------------------------------

    def submit(self, request: SubmissionRequest) -> AuthorityState:
        instance_id = request.authority_ref
        if instance_id.startswith(plans.ORDER_PREFIX) and request.replaces_certificate_pem.strip():
            return self._renew_plan_order(request)
        if instance_id.startswith((plans.PLAN_PREFIX, plans.ORDER_PREFIX)):
            return self._submit_from_plan(request)
        if not instance_id:
            raise AuthorityError("this order names no Alibaba Cloud instance: run `certwizard alibaba sync` and "
                                 "apply for one of the imported certificates")
        current = self.api.call("GetInstanceDetail", InstanceId=instance_id)
        if current.body.get("Status") == "pending" and current.body.get("Csr", "").strip() == \
                request.csr_pem.strip():
            return self._state(instance_id, current)       # sent before certwizard could record the answer
        application = request.application
        ids: list[str] = [current.request_id]
        contact = self._contact(application, ids)
        company = self._company(application, ids) if application.company is not None else None
        method = "DNS" if application.validation.method is ValidationMethod.DNS else "HTTP"
        location = application.company.location if application.company is not None else None
        update = self.api.call(
            "UpdateInstance", InstanceId=instance_id, Domain=",".join(application.domains), Csr=request.csr_pem,
            GenerateCsrMethod="upload", ValidationMethod=method, ContactIdList=[contact], CompanyId=company,
            CountryCode=location.country if location else None, Province=location.province if location else None,
            City=location.city if location else None)
        applied = self.api.call("ApplyCertificate", InstanceId=instance_id)
        self._forget(instance_id)
        state = self.status(instance_id)
        state.request_ids = (*ids, update.request_id, applied.request_id, *state.request_ids)
        return state

    def status(self, authority_ref: str) -> AuthorityState:
        if authority_ref.startswith(plans.ORDER_PREFIX):
            return self._plan_state(authority_ref)
        return self._state(authority_ref, self.api.call("GetInstanceDetail", InstanceId=authority_ref))

    def statuses(self, authority_refs: list[str]) -> dict[str, AuthorityState]:
        """Each ref's state; one the service refuses is left out (refresh reports it), the others still come."""
        return statuses_one_by_one(authority_refs, self.status)

    def confirm_domain_validation(self, authority_ref: str) -> AuthorityState:
        """The service checks by itself: note that the user published, and report what it says now."""
        # Asked first: a failed read must not leave the order marked as published (it would show under review).
        if authority_ref.startswith(plans.ORDER_PREFIX):
            answer = self.api.call("DescribeCertificateState", OrderId=plans.order_id(authority_ref))
        else:
            answer = self.api.call("GetInstanceDetail", InstanceId=authority_ref)
        self._update_ledger(lambda ledger: {**ledger, "confirmed": sorted({*ledger.get("confirmed", []),
                                                                             authority_ref})})
        return self._plan_state(authority_ref, answer) if authority_ref.startswith(plans.ORDER_PREFIX) else \
            self._state(authority_ref, answer)

    def withdraw(self, authority_ref: str) -> AuthorityState:
        number = plans.order_id(authority_ref)
        answer = (self.api.call("CancelOrderRequest", OrderId=number) if number is not None else
                  self.api.call("CancelPendingCertificate", InstanceId=authority_ref))
        self._forget(authority_ref)
        return AuthorityState(authority_ref, OrderStatus.DRAFT, "withdrawn", request_ids=(answer.request_id,))

    def renewal_hint(self, authority_ref: str, certificate_pem: str) -> "RenewalHint | None":
        """Due now once the service says the certificate will expire soon (or has); None while it says
        nothing (normal, issued): renewal is then due at 2/3 of the lifetime."""
        if authority_ref.startswith(plans.PLAN_PREFIX):
            return None                                  # not applied for: nothing issued to renew
        if authority_ref.startswith(plans.ORDER_PREFIX):
            said = self._listed_order_status(authority_ref, certificate_pem)
            words = {"WILLEXPIRED": "Alibaba Cloud lists it as about to expire (WILLEXPIRED)",
                     "EXPIRED": "Alibaba Cloud lists it as expired (EXPIRED)"}.get(said or "")
        else:
            body = self.api.call("GetInstanceDetail", InstanceId=authority_ref).body
            states = {str(body.get("Status") or ""), str(body.get("CertificateStatus") or "")}
            words = ("Alibaba Cloud says it has expired (expired)" if "expired" in states else
                     STATUS_NOTES["willExpire"] if "willExpire" in states else None)
        if words is None:
            return None
        from certwizard.domain.expiry import RenewalSource
        from certwizard.domain.models import RenewalHint

        now = self._now()
        return RenewalHint(after=now, source=RenewalSource.SERVICE, until=_not_after(certificate_pem),
                           detail=words, checked_at=now)

    def renews_in_place(self, authority_ref: str) -> bool:
        """True when a renewal of this order is submitted on its own ref (no other purchase to pick): a V1
        plan order, renewed by the service with one more certificate of its plan."""
        return authority_ref.startswith(plans.ORDER_PREFIX)

    def _listed_order_status(self, ref: str, certificate_pem: str) -> str | None:
        """The Status ListUserCertificateOrder gives the V1 order (searched by the certificate's first name)."""
        number = plans.order_id(ref)
        names = _names_of(certificate_pem)
        for page in range(1, 21):
            answer = self.api.call("ListUserCertificateOrder", OrderType="CPACK", Keyword=names[0] if names else None,
                                   CurrentPage=page, ShowSize=100)
            rows = answer.body.get("CertificateOrderList") or []
            for row in rows:
                if str(row.get("OrderId")) == str(number):
                    return str(row.get("Status") or "")
            if len(rows) < 100:
                return None
        return None

    def revoke(self, authority_ref: str, certificate_pem: str, reason: RevocationReason) -> AuthorityState:
        """RevokeCertificate on the instance's certificate (a V1 plan's certificate: in the console)."""
        if authority_ref.startswith(plans.ORDER_PREFIX):
            raise AuthorityError("a certificate from a V1 resource plan is revoked in the Alibaba Cloud console "
                                 "(Certificate Management, then Revoke); certwizard can revoke V2 instances only")
        detail = self.api.call("GetInstanceDetail", InstanceId=authority_ref)
        answer = self.api.call("RevokeCertificate", InstanceId=authority_ref,
                               CertificateId=detail.body.get("CertificateId"))
        return AuthorityState(authority_ref, OrderStatus.REVOKED, f"revoked: {reason.words}",
                              request_ids=(detail.request_id, answer.request_id))

    # --- V1 resource plans ---------------------------------------------------------------------------------

    def _submit_from_plan(self, request: SubmissionRequest) -> AuthorityState:
        """CreateCertificateForPackageRequest: fills in and submits in one call, with the CSR made here."""
        ref = request.authority_ref
        made = self._ledger().get("v1_attempts", {}).get(request.attempt_id)
        if made:
            return self._plan_state(made)            # sent before certwizard could record the answer
        code = self.plan_code_of(ref)
        if not code:
            raise AuthorityError("certwizard does not know which resource plan this order comes from: run "
                                 "`certwizard alibaba sync` and apply for one of the imported certificates")
        application = request.application
        applicant = application.applicant
        if applicant is None:
            raise AuthorityError("an Alibaba Cloud application needs the applicant: fill in the Applicant block")
        method = "DNS" if application.validation.method is ValidationMethod.DNS else "FILE"
        answer = self.api.call(
            "CreateCertificateForPackageRequest", ProductCode=code, Domain=",".join(application.domains),
            Csr=request.csr_pem, ValidateType=method, Username=applicant.name, Phone=applicant.phone,
            Email=applicant.email, CompanyName=application.company.name if application.company else None)
        new_ref = _order_ref_in(answer, "application")
        self._update_ledger(lambda ledger: {
            **ledger, "v1_attempts": {**ledger.get("v1_attempts", {}), request.attempt_id: new_ref},
            "v1_orders": {**ledger.get("v1_orders", {}),
                          new_ref: {"code": code, "domains": list(application.domains)}}})
        state = self._plan_state(new_ref)
        state.request_ids = (answer.request_id, *state.request_ids)
        return state

    def _renew_plan_order(self, request: SubmissionRequest) -> AuthorityState:
        """RenewCertificateOrderForPackageRequest: the issued V1 order's domains applied for again with the CSR
        made here, using one more certificate of its plan; the application is a new order (`v1:NEWID`)."""
        made = self._ledger().get("v1_attempts", {}).get(request.attempt_id) if request.attempt_id else None
        if made:
            return self._plan_state(made)            # sent before certwizard could record the answer
        old_ref = request.authority_ref
        answer = self.api.call("RenewCertificateOrderForPackageRequest", OrderId=plans.order_id(old_ref),
                               Csr=request.csr_pem)
        new_ref = _order_ref_in(answer, "renewal")
        code = self.plan_code_of(old_ref)
        self._update_ledger(lambda ledger: {
            **ledger, "v1_attempts": {**ledger.get("v1_attempts", {}), request.attempt_id: new_ref},
            "v1_orders": {**ledger.get("v1_orders", {}),
                          new_ref: {"code": code, "domains": list(request.application.domains),
                                    "renews": old_ref}}})
        state = self._plan_state(new_ref)
        state.request_ids = (answer.request_id, *state.request_ids)
        return state

    def plan_code_of(self, ref: str) -> str | None:
        """The ProductCode of the resource plan an order's certificate comes from (None: not a plan's)."""
        return plans.plan_code(ref) or self._ledger().get("v1_orders", {}).get(ref, {}).get("code")

    def _plan_state(self, ref: str, answer: CasAnswer | None = None) -> AuthorityState:
        """The V1 order's state: from `answer` (DescribeCertificateState) when the caller has asked already."""
        if answer is None:
            answer = self.api.call("DescribeCertificateState", OrderId=plans.order_id(ref))
        body = answer.body
        status = plans.STATE_TYPE.get(str(body.get("Type") or ""))
        if status is None:
            raise AuthorityError(f"Alibaba Cloud reported the order state {body.get('Type')!r}, which certwizard "
                                 f"does not know (RequestId {answer.request_id}); upgrade certwizard")
        if status is OrderStatus.DOMAIN_VERIFICATION and ref in self._ledger().get("confirmed", []):
            status = OrderStatus.UNDER_REVIEW
        reason = "the certificate authority refused the application (verify_fail); see the console or the " \
                 "CA's e-mail for why" if status is OrderStatus.REVIEW_FAILED else ""
        state = AuthorityState(ref, status, reason, request_ids=(answer.request_id,))
        if status is OrderStatus.DOMAIN_VERIFICATION:
            domains = self._ledger().get("v1_orders", {}).get(ref, {}).get("domains", [])
            state.domain_validations = [plans.validation_of(body, domains)]
        elif status is OrderStatus.ISSUED:
            if body.get("CertId"):
                state.certificate, request_id = self.certificate(body["CertId"])
                state.request_ids = (*state.request_ids, request_id)
            self._forget(ref)
        return state

    # --- from the service's words to certwizard's ---------------------------------------------------------

    def _state(self, instance_id: str, answer: CasAnswer) -> AuthorityState:
        body = answer.body
        try:
            status = instance_status(body, confirmed=instance_id in self._ledger().get("confirmed", []))
        except ValueError as exc:
            raise AuthorityError(f"{exc} (RequestId {answer.request_id}); upgrade certwizard") from None
        reason = (str(body.get("PendingResult") or "") if status is OrderStatus.REVIEW_FAILED
                  else STATUS_NOTES.get(str(body.get("Status") or ""), ""))
        state = AuthorityState(instance_id, status, reason, request_ids=(answer.request_id,))
        if status is OrderStatus.DOMAIN_VERIFICATION:
            state.domain_validations = [_validation(v) for v in body.get("DomainValidationList") or []]
            state.expected_issuance_at = self._now() + timedelta(seconds=_seconds(body.get("AverageWaitingTime")))
        elif status is OrderStatus.UNDER_REVIEW:
            state.expected_issuance_at = self._now() + timedelta(seconds=_seconds(body.get("AverageWaitingTime")))
        elif status in (OrderStatus.ISSUED, OrderStatus.EXPIRED) and body.get("CertificateId"):
            certificate, request_id = self.certificate(body["CertificateId"])
            state.certificate = certificate
            state.request_ids = (*state.request_ids, request_id)
            self._forget(instance_id)
        return state

    def certificate(self, certificate_id: Any) -> tuple[IssuedCertificate, str]:
        """The issued certificate and its chain (GetUserCertificateDetail), with the call's RequestId."""
        from cryptography import x509

        from certwizard.domain.models import IssuedCertificate

        try:
            number = int(certificate_id)
        except (TypeError, ValueError):
            raise AuthorityError(f"Alibaba Cloud named the certificate {certificate_id!r}, which is not a CertId; "
                                 "refresh again later") from None
        answer = self.api.call("GetUserCertificateDetail", CertId=number)
        pem = str(answer.body.get("Cert") or "")
        blocks = [CERT_BEGIN + block for block in pem.split(CERT_BEGIN)[1:]]
        try:
            leaf = x509.load_pem_x509_certificate(blocks[0].encode()) if blocks else None
        except ValueError:
            leaf = None
        if leaf is None:
            raise AuthorityError(f"Alibaba Cloud gave no readable certificate for CertId {certificate_id} "
                                 f"(RequestId {answer.request_id}); refresh again later")
        return IssuedCertificate(
            certificate_pem=blocks[0].strip() + "\n", chain_pem="".join(b.strip() + "\n" for b in blocks[1:]),
            serial=format(leaf.serial_number, "x"), not_before=leaf.not_valid_before_utc,
            not_after=leaf.not_valid_after_utc, fetched_at=self._now()), answer.request_id

    # --- contacts and companies, made once per set of details -------------------------------------------

    def _contact(self, application: Application, ids: list[str]) -> int:
        applicant = application.applicant
        if applicant is None:
            raise AuthorityError("an Alibaba Cloud application needs the applicant: fill in the Applicant block")
        details = {"Name": applicant.name, "Mobile": applicant.phone, "Email": applicant.email,
                   "Idcard": applicant.id_number}
        return self._made_once("contacts", "CreateContact", "ContactId", details, ids)

    def _company(self, application: Application, ids: list[str]) -> int:
        company = application.company
        assert company is not None
        details = {"CompanyName": company.name, "CompanyCode": company.organization_id,
                   "CompanyPhone": company.phone, "CountryCode": company.location.country,
                   "Province": company.location.province, "City": company.location.city,
                   "CompanyAddress": company.address, "PostCode": company.zip_code}
        return self._made_once("companies", "CreateCompany", "CompanyId", details, ids)

    def _made_once(self, kind: str, action: str, id_field: str, details: dict[str, Any], ids: list[str]) -> int:
        # The ledger keeps a digest of the details, never the details. The ID number is left out of it: the
        # other fields are in the application, so a digest over it could be searched for the ID number.
        kept = {key: value for key, value in details.items() if key != "Idcard"}
        digest = hashlib.sha256(json.dumps(kept, sort_keys=True).encode()).hexdigest()
        known = self._ledger().get(kind, {}).get(digest)
        if isinstance(known, int):
            return known
        answer = self.api.call(action, **details)
        ids.append(answer.request_id)
        made = int(answer.body[id_field])
        self._update_ledger(lambda ledger: {**ledger, kind: {**ledger.get(kind, {}), digest: made}})
        return made

    # --- the ledger ----------------------------------------------------------------------------------------

    def _ledger(self) -> dict[str, Any]:
        return self._repository.get_setting(LEDGER_PREFIX + self.record.name, {}) or {}

    def _update_ledger(self, change: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
        self._repository.update_setting(LEDGER_PREFIX + self.record.name, lambda old: change(dict(old or {})), {})

    def _forget(self, instance_id: str) -> None:
        if instance_id in self._ledger().get("confirmed", []):
            self._update_ledger(lambda ledger: {**ledger, "confirmed": [r for r in ledger.get("confirmed", [])
                                                                        if r != instance_id]})


def _validation(record: dict[str, Any]) -> DomainValidation:
    """One DomainValidationList entry: a TXT record (ValidationKey is the host under RootDomain) or a file."""
    from certwizard.domain.models import DomainValidation

    domain = str(record.get("Domain") or "")
    key, value = str(record.get("ValidationKey") or ""), str(record.get("ValidationValue") or "")
    if str(record.get("ValidationType") or "").upper() == "HTTP":
        host = domain.removeprefix("*.")
        return DomainValidation(domain=domain, dns_name="", dns_type="TXT", dns_value="",
                                file_url=f"http://{host}{key}", file_path=key, file_content=value)
    root = str(record.get("RootDomain") or domain.removeprefix("*."))
    name = key if key.endswith(root) else (f"{key}.{root}" if key else root)
    return DomainValidation(domain=domain, dns_name=name, dns_type=str(record.get("ValidationType") or "TXT"),
                            dns_value=value, file_url="", file_path="", file_content="")


def _names_of(certificate_pem: str) -> list[str]:
    """The DNS names of a PEM certificate ([] when it cannot be read)."""
    from cryptography import x509

    try:
        leaf = x509.load_pem_x509_certificate(certificate_pem.encode())
        return list(leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
                    .get_values_for_type(x509.DNSName))
    except (ValueError, x509.ExtensionNotFound):
        return []


def _not_after(certificate_pem: str) -> datetime | None:
    from cryptography import x509

    try:
        return x509.load_pem_x509_certificate(certificate_pem.encode()).not_valid_after_utc
    except ValueError:
        return None


def _seconds(value: Any) -> float:
    try:
        return max(60.0, float(value))
    except (TypeError, ValueError):
        return 3600.0


def _order_ref_in(answer, what: str) -> str:
    """The `v1:ORDERID` a V1 plan call answered with; its outcome is unknown when the answer names none."""
    try:
        return f"{plans.ORDER_PREFIX}{int(answer.body['OrderId'])}"
    except (KeyError, TypeError, ValueError):
        raise AuthorityError(f"Alibaba Cloud accepted the {what} but named no order (RequestId "
                             f"{answer.request_id}); run `certwizard alibaba sync` to find it",
                             outcome_unknown=True) from None

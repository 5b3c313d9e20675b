"""An ACME account as a certificate authority: the interface of `ca/base.py` on the ACME client.

How the lifecycle maps (RFC 8555 onto certwizard's statuses):
- submit: newOrder for the bound domains -> domain verification, with the dns-01 record and the http-01 file
  of each authorization (a wildcard has no file). Authorizations the account proved recently may be valid
  already; an order with nothing left to prove is finalized at once.
- confirm: answers the chosen challenge of every pending authorization and waits a bounded time. A ready
  order is finalized with the CSR sent at submission -> under review while the CA checks or signs,
  issued once the chain is downloaded, review failed with the CA's reason per identifier.
- status: asks again by URL (an order left processing, or a restart in between).
- withdraw: deactivates the pending authorizations (ACME has no cancel); refused once issued.
- renewal: a new order, with the account's profile. Where the directory has renewalInfo (RFC 9773, ARI),
  `renewal_hint` gives the CA's window (`renewal_info`) and a renewal's newOrder names the certificate it
  replaces; a CA refusing that link gets the order once more without it, and the state says so.

What the CA does not keep for us (the CSR to finalize with, the challenge type chosen, which attempt made which
order) is a small ledger in the data folder's TinyDB, one setting per account. It holds no secret: the account
key is a file (`accounts.py`), the CSR and the key authorizations are public.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from certwizard.ca.acme.accounts import AcmeAccountRecord, acme_dir, find_account
from certwizard.ca.base import AuthorityError, AuthorityState, SubmissionRequest, statuses_one_by_one
from certwizard.domain.csr_names import CsrNameRule
from certwizard.domain.ids import utcnow
from certwizard.domain.products import Product, products_of
from certwizard.domain.status import OrderStatus
from certwizard.domain.validation_methods import ValidationMethod
from certwizard.system.securefs import read_regular_file

if TYPE_CHECKING:
    from certwizard.ca.acme.client import AcmeClient
    from certwizard.ca.acme.models import AcmeAuthorization, AcmeOrder
    from certwizard.domain.models import DomainValidation, RenewalHint
    from certwizard.domain.revocation import RevocationReason
    from certwizard.storage.repository import Repository
    from certwizard.system.paths import DataLayout

LEDGER_PREFIX = "acme_ledger:"
MAX_ROOT_BYTES = 64 * 1024
CHALLENGE_OF = {ValidationMethod.DNS: "dns-01", ValidationMethod.HTTP: "http-01"}
# Refusals of newOrder that may be about `replaces` alone (RFC 9773 5): the order is sent once more without it.
REPLACES_REFUSALS = frozenset({"alreadyReplaced", "malformed", "conflict", "unauthorized"})

HELP_SECTION = """# ACME certificate authorities

An ACME account (Let's Encrypt, ZeroSSL, Google, Buypass, step-ca, Vault...) is added once with
`certwizard acme add NAME --preset letsencrypt` (or `--directory URL`). Its products are listed by
`certwizard products` as `acme:NAME:dv-single`, `dv-multi`, `dv-wildcard` and `dv-multi-wildcard`.

An ACME CA asks for no applicant: the application is the domains, the key and how the domains are proven,
by a DNS TXT record (dns, needed for wildcards) or a file over HTTP (http). certwizard checks the record at
every authoritative name server, or fetches the file, before it tells the CA to look.
"""


def _ledger_key(account: str) -> str:
    return LEDGER_PREFIX + account


class AcmeAuthority:
    csr_name_rule = CsrNameRule.EXACT         # RFC 8555 7.4: the CSR names exactly the order's identifiers
    validation_methods = frozenset({ValidationMethod.DNS, ValidationMethod.HTTP})
    gives_renewal_hints = True            # see renewal_hint
    renewal_needs_purchase = False       # a renewal is simply a new order
    documents_note = ""                  # the documents go with the application (or none are asked for)
    checks_proofs_on_network = True           # what it asks to publish, it fetches: check it first
    help_section = HELP_SECTION
    wait_seconds = 60.0                       # the longest one call waits for the CA to validate or sign

    def __init__(self, record: AcmeAccountRecord, layout: DataLayout, repository: Repository,
                 now: Callable[[], datetime] = utcnow) -> None:
        from certwizard.ca.acme.problems import host_of

        self.record = record
        self.name = record.authority
        self.title = f"the ACME CA {host_of(record.directory_url)} (account {record.name})"
        self.products: tuple[Product, ...] = products_of(self.name)
        self.trust_note = (f"issued by a private ACME CA: clients must trust the root {record.trust_root}"
                           if record.trust_root else "")
        self._layout = layout
        self._repository = repository
        self._now = now
        self._client_lock = threading.Lock()     # one client, one nonce pool: calls take turns
        self._client: AcmeClient | None = None

    @classmethod
    def configured(cls, layout: DataLayout, repository: Repository, name: str) -> AcmeAuthority:
        """The authority of the account `name` ("acme:NAME"); AuthorityError if the folder has no such account."""
        account = name.partition(":")[2]
        record = find_account(repository, account)
        if record is None:
            raise AuthorityError(f"no ACME account named {account!r} is configured in this data folder: add it "
                                 f"with `certwizard acme add {account} ...`, or see `certwizard acme list`")
        return cls(record, layout, repository)

    # --- capabilities ------------------------------------------------------------------------------------

    def trust_anchor_pem(self) -> str | None:
        """The private CA's root given with --trust-root; None for a public CA (the system store decides)."""
        if not self.record.trust_root:
            return None
        try:
            return read_regular_file(self.record.trust_root, MAX_ROOT_BYTES).decode("utf-8", "replace")
        except OSError:
            return None

    # --- the interface -----------------------------------------------------------------------------------

    def submit(self, request: SubmissionRequest) -> AuthorityState:
        made = self._ledger().get("attempts", {}).get(request.attempt_id) if request.attempt_id else None
        if made:
            return self.status(made)             # sent before certwizard could record the answer
        method = request.application.validation.method
        wildcard = next((name for name in request.application.domains if name.startswith("*.")), None)
        if method is ValidationMethod.HTTP and wildcard:
            raise AuthorityError(f"{wildcard} can be proven only by DNS (a file on one host says nothing about "
                                 "every name below it): choose the dns validation method")
        with self._session() as client:
            replaces = self._replaced_cert_id(client, request.replaces_certificate_pem)
            order, refused = self._new_order(client, request.application.domains, replaces)
            entry = {"order_id": request.order_id, "csr_pem": request.csr_pem, "method": method.value}
            if replaces:
                entry["replaces"] = "" if refused else replaces
            self._remember(order.url, entry, attempt=request.attempt_id)
            state = self._state(client, order)
            if refused:
                note = (f"the CA refused to link this order to the certificate it renews (RFC 9773 replaces, "
                        f"{refused}), so it was ordered without that link")
                state.reason = f"{note}; {state.reason}" if state.reason else note
            return state

    def _replaced_cert_id(self, client: AcmeClient, certificate_pem: str) -> str:
        """The certID to send as `replaces` for a renewal, when the CA has renewalInfo ("" otherwise)."""
        from certwizard.ca.acme import renewal_info

        if not certificate_pem.strip() or client.renewal_info_url is None:
            return ""
        try:
            certificate = renewal_info.load_certificate(certificate_pem)
        except AuthorityError:
            return ""                    # an unreadable old certificate must not stop its renewal
        return renewal_info.cert_id(certificate) or ""

    def _new_order(self, client: AcmeClient, domains: list[str], replaces: str) -> tuple[AcmeOrder, str]:
        """newOrder with the account's profile and, for a renewal, `replaces`; a CA that refuses the link
        (already replaced, an unknown certID) is asked once more without it. Returns the order and the code
        of that refusal ("" when none)."""
        from certwizard.ca.acme.problems import AcmeRefusal

        try:
            return client.create_order(domains, profile=self.record.profile, replaces=replaces or None), ""
        except AcmeRefusal as exc:
            if not replaces or exc.code not in REPLACES_REFUSALS or exc.outcome_unknown:
                raise
            return client.create_order(domains, profile=self.record.profile), exc.code

    def status(self, authority_ref: str) -> AuthorityState:
        with self._session() as client:
            return self._state(client, client.order(authority_ref, with_authorizations=True))

    def statuses(self, authority_refs: list[str]) -> dict[str, AuthorityState]:
        with self._session() as client:
            return statuses_one_by_one(
                authority_refs, lambda ref: self._state(client, client.order(ref, with_authorizations=True)))

    def confirm_domain_validation(self, authority_ref: str) -> AuthorityState:
        entry = self._entry(authority_ref)
        challenge = CHALLENGE_OF[ValidationMethod(entry.get("method", ValidationMethod.DNS.value))]
        with self._session() as client:
            order = client.order(authority_ref, with_authorizations=True)
            for authorization in order.authorizations:
                if authorization.status == "pending":
                    client.answer_challenge(authorization.url, challenge)
            order = client.wait_for_order(authority_ref, timeout=self.wait_seconds)
            return self._state(client, order)

    def withdraw(self, authority_ref: str) -> AuthorityState:
        with self._session() as client:
            order = client.order(authority_ref)
            if order.status == "valid":
                raise AuthorityError("the certificate was issued meanwhile, so the application cannot be "
                                     "withdrawn; it is listed in Issued Certificates")
            if order.status == "processing":
                raise AuthorityError("the CA is signing the certificate right now, so the application cannot be "
                                     "withdrawn; refresh in a moment and it will be issued")
            if order.status in ("pending", "ready"):
                client.deactivate_pending_authorizations(authority_ref)
        self._forget(authority_ref)
        return AuthorityState(authority_ref, OrderStatus.DRAFT, "withdrawn")

    def renews_in_place(self, authority_ref: str) -> bool:
        return False                     # a renewal is a new order of its own

    def renewal_hint(self, authority_ref: str, certificate_pem: str) -> "RenewalHint | None":
        """The CA's renewal window (ARI) when its directory has renewalInfo; None without (2/3 of the
        lifetime then), and for a certificate that has ended (RFC 9773: not asked about any more)."""
        from certwizard.ca.acme import renewal_info

        certificate = renewal_info.load_certificate(certificate_pem)
        now = self._now()
        if certificate.not_valid_after_utc <= now:
            return None
        with self._session() as client:
            window = client.renewal_window(certificate, now)
        return window.hint(now) if window is not None else None

    def revoke(self, authority_ref: str, certificate_pem: str, reason: RevocationReason) -> AuthorityState:
        from certwizard.ca.acme.models import RevocationReason as AcmeReason

        with self._session() as client:
            try:
                client.revoke(certificate_pem, AcmeReason(reason.code))
            except AuthorityError as exc:
                if "(alreadyRevoked)" not in str(exc):
                    raise           # already revoked: done before, its answer lost; the order records it now
        return AuthorityState(authority_ref, OrderStatus.REVOKED, f"revoked: {reason.words}")

    # --- from ACME to certwizard ---------------------------------------------------------------------------

    def _state(self, client: AcmeClient, order: AcmeOrder) -> AuthorityState:
        if order.status == "ready":
            entry = self._entry(order.url)
            order = client.finalize(order.url, entry["csr_pem"], timeout=self.wait_seconds)
        expected = self._now() + timedelta(minutes=1)
        if order.status == "valid" and order.certificate_url:
            certificate = self._certificate(client, order.certificate_url)
            self._forget(order.url)
            return AuthorityState(order.url, OrderStatus.ISSUED, certificate=certificate)
        if order.status == "invalid":
            full = order if order.authorizations else client.order(order.url, with_authorizations=True)
            lines = full.failure_lines() or ["the CA gave no reason"]
            return AuthorityState(order.url, OrderStatus.REVIEW_FAILED, "; ".join(lines))
        if order.status in ("deactivated", "expired", "revoked"):
            return AuthorityState(order.url, OrderStatus.REVIEW_FAILED,
                                  f"the order is {order.status} at the CA: withdraw and submit again")
        if order.status == "processing" or (order.authorizations and all(
                a.status != "pending" or _answered(a) for a in order.authorizations)):
            return AuthorityState(order.url, OrderStatus.UNDER_REVIEW, expected_issuance_at=expected)
        return AuthorityState(order.url, OrderStatus.DOMAIN_VERIFICATION, expected_issuance_at=expected,
                              domain_validations=[_validation(a) for a in order.authorizations
                                                  if a.status == "pending"])

    def _certificate(self, client: AcmeClient, url: str) -> Any:
        from cryptography import x509

        from certwizard.domain.models import IssuedCertificate

        chain = client.download_certificate(url)
        leaf = x509.load_pem_x509_certificate(chain.leaf_pem.encode())
        return IssuedCertificate(
            certificate_pem=chain.leaf_pem, chain_pem="".join(chain.intermediates_pem),
            serial=format(leaf.serial_number, "x"), not_before=leaf.not_valid_before_utc,
            not_after=leaf.not_valid_after_utc, fetched_at=self._now())

    # --- the client and the ledger -----------------------------------------------------------------------

    @contextmanager
    def _session(self) -> Iterator[AcmeClient]:
        with self._client_lock:
            if self._client is None:
                from certwizard.ca.acme.client import AcmeClient

                client = AcmeClient.open(self.record.directory_url, ca_bundle=self.record.ca_bundle)
                try:
                    client.use_account(acme_dir(self._layout) / self.record.key_file)
                except BaseException:
                    client.close()
                    raise
                self._client = client
            yield self._client

    def close(self) -> None:
        with self._client_lock:
            if self._client is not None:
                self._client.close()
                self._client = None

    def _ledger(self) -> dict[str, Any]:
        return self._repository.get_setting(_ledger_key(self.record.name), {}) or {}

    def _entry(self, order_url: str) -> dict[str, Any]:
        entry = self._ledger().get("orders", {}).get(order_url)
        if not isinstance(entry, dict) or not isinstance(entry.get("csr_pem"), str):
            raise AuthorityError("certwizard has no record of this ACME order (its ledger entry is gone): "
                                 "withdraw the application and submit it again")
        return entry

    def _remember(self, order_url: str, entry: dict[str, Any], attempt: str) -> None:
        def add(ledger: Any) -> dict[str, Any]:
            ledger = dict(ledger or {})
            ledger["orders"] = {**ledger.get("orders", {}), order_url: entry}
            if attempt:
                ledger["attempts"] = {**ledger.get("attempts", {}), attempt: order_url}
            return ledger
        self._repository.update_setting(_ledger_key(self.record.name), add, {})

    def _forget(self, order_url: str) -> None:
        """Drop an order that is finished (issued or withdrawn): the ledger holds only open orders."""
        if order_url not in self._ledger().get("orders", {}):
            return

        def drop(ledger: Any) -> dict[str, Any]:
            ledger = dict(ledger or {})
            ledger["orders"] = {url: e for url, e in ledger.get("orders", {}).items() if url != order_url}
            ledger["attempts"] = {a: url for a, url in ledger.get("attempts", {}).items() if url != order_url}
            return ledger
        self._repository.update_setting(_ledger_key(self.record.name), drop, {})


def _answered(authorization: AcmeAuthorization) -> bool:
    """A pending authorization one of whose challenges was answered: the CA is checking it."""
    return any(c.status == "processing" for c in authorization.challenges)


def _validation(authorization: AcmeAuthorization) -> DomainValidation:
    """What to publish for one authorization: its dns-01 record and, but for a wildcard, its http-01 file."""
    from certwizard.domain.models import DomainValidation

    dns = authorization.challenge("dns-01")
    http = None if authorization.wildcard else authorization.challenge("http-01")
    return DomainValidation(
        domain=authorization.identifier,
        dns_name=dns.dns.name if dns and dns.dns else "", dns_type="TXT",
        dns_value=dns.dns.value if dns and dns.dns else "",
        file_url=f"http://{authorization.domain}{http.http.path}" if http and http.http else "",
        file_path=http.http.path if http and http.http else "",
        file_content=http.http.content if http and http.http else "")

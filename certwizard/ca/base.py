"""One interface for every certificate authority (the built-in sandbox, later ACME and Alibaba Cloud).

The workflow and the TUI talk only to this interface. It is shaped for asynchronous review: submit returns at
once with what happens next (domain validation to publish, or review under way, or an immediate failure), and
later `status` calls report progress, failure reasons and, eventually, the issued certificate.

Besides the calls, an authority states its capabilities, so nothing outside `ca/` needs to know which one it
is: the `products` it offers (its entries of `domain.products.CATALOG`), the `validation_methods` by which
applicants prove control of a domain, its trust anchor (`trust_anchor_pem`: the root clients must trust to
verify an issued chain, None for a publicly trusted CA) with a `trust_note` for the user, and a `help_section`
for the Help screen. Its refusals are `AuthorityError`s (an authority may subclass it); any other failure it
raises is still a `CertwizardError`, which every front end catches in one place, never an authority's own type.

A new authority is one module under `ca/` with a class that has these attributes and methods and a
`configured(layout, repository)` class method that builds it for a data folder, plus one entry in
`ca/registry.py` and its products in the catalog.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from certwizard.domain.csr_names import CsrNameRule
from certwizard.domain.status import OrderStatus
from certwizard.domain.validation_methods import ValidationMethod  # noqa: F401 - the interface names it
from certwizard.errors import CertwizardError

if TYPE_CHECKING:
    from certwizard.domain.models import Application, DomainValidation, IssuedCertificate, RenewalHint
    from certwizard.domain.products import Product
    from certwizard.domain.revocation import RevocationReason


class AuthorityError(CertwizardError):
    """The authority refused a request or could not be reached; str() is shown to the user as is.

    `outcome_unknown`: the request may have reached the authority (e.g. the connection dropped while waiting
    for the answer), so a submission is kept to be sent again with the same attempt id, never as a new one."""

    def __init__(self, message: str, *, outcome_unknown: bool = False) -> None:
        super().__init__(message)
        self.outcome_unknown = outcome_unknown


class SomeStatusesFailed(AuthorityError):
    """`statuses` got the news of some applications and not of others: `found` holds what came, `failed`
    each other ref with why. One bad application must not hide the others' news."""

    def __init__(self, found: dict[str, "AuthorityState"], failed: dict[str, str]) -> None:
        first = next(iter(failed.values()), "")
        super().__init__(f"{len(failed)} application(s) could not be checked: {first}")
        self.found = found
        self.failed = failed


def statuses_one_by_one(refs: list[str], status_of: Callable[[str], "AuthorityState"]
                        ) -> dict[str, "AuthorityState"]:
    """`statuses` for an authority that asks about one application at a time: every ref asked, the ones
    refused reported together (SomeStatusesFailed with the rest), or the refusal itself when none came."""
    found: dict[str, AuthorityState] = {}
    failed: dict[str, str] = {}
    for ref in refs:
        try:
            found[ref] = status_of(ref)
        except AuthorityError as exc:
            failed[ref] = str(exc)
    if failed and not found:
        raise AuthorityError(next(iter(failed.values())))
    if failed:
        raise SomeStatusesFailed(found, failed)
    return found


@dataclass(frozen=True)
class SubmissionRequest:
    order_id: str
    product: Product
    application: Application
    csr_pem: str
    attempt_id: str = ""      # the same for every send of one submission: an authority applies it once
    authority_ref: str = ""   # what the authority already calls the order (an imported Alibaba instance)
    replaces_certificate_pem: str = ""   # a renewal: the certificate it replaces (ACME's "replaces")


@dataclass
class AuthorityState:
    """What the authority says about one application right now (`request_ids`: the authority's ids of the
    requests that told it, kept in the order's history for support tickets)."""

    authority_ref: str
    status: OrderStatus
    reason: str = ""
    request_ids: tuple[str, ...] = ()
    expected_issuance_at: datetime | None = None
    domain_validations: list[DomainValidation] = field(default_factory=list)
    certificate: IssuedCertificate | None = None


class CertificateAuthority(Protocol):
    name: str          # recorded on the order, e.g. "sandbox"
    title: str         # shown to the user, e.g. "Sandbox CA (built in, not publicly trusted)"
    csr_name_rule: CsrNameRule   # how the names of a CSR must relate to the bound domains
    products: tuple[Product, ...]                    # what it offers: its entries of the catalog
    validation_methods: frozenset[ValidationMethod]  # what its domain validations may ask the user to publish
    checks_proofs_on_network: bool  # it fetches the record or file itself, so certwizard checks them first
    documents_note: str  # how it gets an OV/EV application's letter and documents, when not with the request
    renewal_needs_purchase: bool  # a renewal uses another certificate bought from it (a synced, unused order)
    gives_renewal_hints: bool     # `renewal_hint` may say something (else renewal is due at 2/3 of the lifetime)
    trust_note: str    # said with an issued certificate about trusting it; "" for a publicly trusted CA
    help_section: str  # Markdown for the Help screen (a "# Title" and its text); "" for none

    def trust_anchor_pem(self) -> str | None:
        """The root certificate (PEM) clients must trust to verify a chain it issued: None for a publicly
        trusted CA (the system's trust store decides), or when it has none yet."""
        ...

    def submit(self, request: SubmissionRequest) -> AuthorityState:
        """Send an application; the state says whether domain validation or review comes next.

        Idempotent by `request.attempt_id`: a second send of the same attempt (certwizard was killed before
        it recorded the answer) returns the state of the application the first send made."""
        ...

    def status(self, authority_ref: str) -> AuthorityState:
        """The current state, including the certificate once issued."""
        ...

    def confirm_domain_validation(self, authority_ref: str) -> AuthorityState:
        """The user says the DNS record or file is published; the authority checks and moves on."""
        ...

    def statuses(self, authority_refs: list[str]) -> dict[str, AuthorityState]:
        """`status` of many applications in one request (refs the authority does not know are left out)."""
        ...

    def withdraw(self, authority_ref: str) -> AuthorityState:
        """Cancel an application before issuance; refused (AuthorityError) once issued."""
        ...

    def revoke(self, authority_ref: str, certificate_pem: str, reason: RevocationReason) -> AuthorityState:
        """Revoke an issued certificate; the state is REVOKED once the authority has done it."""
        ...

    def renews_in_place(self, authority_ref: str) -> bool:
        """A renewal of this order is submitted on the same ref (the authority renews that purchase itself,
        e.g. an Alibaba Cloud V1 plan order), instead of on another purchase or a new order."""
        ...

    def renewal_hint(self, authority_ref: str, certificate_pem: str) -> RenewalHint | None:
        """When the authority itself says to renew (ACME renewalInfo, a service's will-expire flag); None when
        it has no opinion, and then renewal is due at 2/3 of the lifetime. May raise AuthorityError."""
        ...

"""One interface for every certificate authority (the built-in sandbox, later ACME and Alibaba Cloud).

The workflow and the TUI talk only to this interface. It is shaped for asynchronous review: submit returns at
once with what happens next (domain validation to publish, or review under way, or an immediate failure), and
later `status` calls report progress, failure reasons and, eventually, the issued certificate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from certwizard.domain.csr_names import CsrNameRule
from certwizard.domain.status import OrderStatus
from certwizard.errors import CertwizardError

if TYPE_CHECKING:
    from certwizard.domain.models import Application, DomainValidation, IssuedCertificate
    from certwizard.domain.products import Product


class AuthorityError(CertwizardError):
    """The authority refused a request or could not be reached; str() is shown to the user as is.

    `outcome_unknown`: the request may have reached the authority (e.g. the connection dropped while waiting
    for the answer), so a submission is kept to be sent again with the same attempt id, never as a new one."""

    def __init__(self, message: str, *, outcome_unknown: bool = False) -> None:
        super().__init__(message)
        self.outcome_unknown = outcome_unknown


@dataclass(frozen=True)
class SubmissionRequest:
    order_id: str
    product: Product
    application: Application
    csr_pem: str
    attempt_id: str = ""      # the same for every send of one submission: an authority applies it once


@dataclass
class AuthorityState:
    """What the authority says about one application right now."""

    authority_ref: str
    status: OrderStatus
    reason: str = ""
    expected_issuance_at: datetime | None = None
    domain_validations: list[DomainValidation] = field(default_factory=list)
    certificate: IssuedCertificate | None = None


class CertificateAuthority(Protocol):
    name: str          # recorded on the order, e.g. "sandbox"
    title: str         # shown to the user, e.g. "Sandbox CA (built in, not publicly trusted)"
    csr_name_rule: CsrNameRule   # how the names of a CSR must relate to the bound domains

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

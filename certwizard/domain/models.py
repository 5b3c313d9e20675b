"""The records certwizard keeps: purchased orders, their application, documents, keys and saved profiles.

Two shapes of the application exist on purpose:
- `ApplicationDraft` holds exactly what the user typed, valid or not, so nothing is ever lost;
- `Application` is the validated, normalised form, built from a draft by `certwizard.services.validation`
  and frozen on the order when it is submitted. The applicant and company fields are declared once, in
  `certwizard.domain.form_fields`.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError  # noqa: F401 - ValidationError re-exported

from certwizard.domain.expiry import RenewalDue, RenewalSource, current_status, renewal_due
from certwizard.domain.ids import new_id, utcnow
from certwizard.domain.products import DEFAULT_AUTHORITY, KeyAlgorithm, Product, get_product
from certwizard.domain.status import OrderStatus
from certwizard.domain.summary import listed_domains
from certwizard.domain.validation_methods import DEFAULT_METHOD, ValidationMethod


class CompanyType(StrEnum):
    PRIVATE = "private"
    STATE_OWNED = "state-owned"
    PUBLIC_LISTED = "public-listed"
    GOVERNMENT = "government"
    PUBLIC_INSTITUTION = "public-institution"
    NON_PROFIT = "non-profit"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            CompanyType.PRIVATE: "Private enterprise",
            CompanyType.STATE_OWNED: "State-owned enterprise",
            CompanyType.PUBLIC_LISTED: "Publicly listed company",
            CompanyType.GOVERNMENT: "Government agency",
            CompanyType.PUBLIC_INSTITUTION: "Public institution",
            CompanyType.NON_PROFIT: "Non-profit organization",
            CompanyType.OTHER: "Other",
        }[self]


class CsrMode(StrEnum):
    AUTOMATIC = "automatic"
    MANUAL = "manual"


class Record(BaseModel):
    model_config = ConfigDict(extra="ignore", validate_assignment=False)


# --- validated application -------------------------------------------------------------------------------

class Applicant(Record):
    name: str
    phone: str            # E.164, e.g. +8613800138000
    email: str
    id_number: str


class Location(Record):
    country: str          # ISO 3166-1 alpha-2
    province: str         # ISO 3166-2 code when the country has subdivisions, else free text
    city: str


class Company(Record):
    name: str
    company_type: CompanyType
    phone: str
    organization_id: str
    location: Location
    address: str
    zip_code: str


class AutomaticCsr(Record):
    mode: Literal[CsrMode.AUTOMATIC] = CsrMode.AUTOMATIC
    key_algorithm: KeyAlgorithm
    encrypt_key: bool = False


class ManualCsr(Record):
    mode: Literal[CsrMode.MANUAL] = CsrMode.MANUAL
    csr_pem: str


CsrChoice = Annotated[AutomaticCsr | ManualCsr, Field(discriminator="mode")]


class Document(Record):
    """A qualification document accepted and copied into the data folder."""

    id: str = Field(default_factory=lambda: new_id("doc"))
    display_name: str                 # the user's file name, for display only
    stored_name: str                  # generated name under the documents folder
    kind: Literal["PNG", "JPEG"]
    size: int
    width: int
    height: int
    sha256: str
    added_at: datetime = Field(default_factory=utcnow)
    reencoded: bool = False


class ValidationPlan(Record):
    """How the domains will be proven, and what publishes the proof (neither webroot nor hook: by hand)."""

    method: ValidationMethod = DEFAULT_METHOD
    webroot: str = ""                 # http: certwizard writes the file under this folder, and removes it
    hook: str = ""                    # an executable that publishes and removes the record or file


class Application(Record):
    domains: list[str]                # normalised ASCII (punycode), CN first
    applicant: Applicant | None = None    # None for a product whose CA asks for no person (ACME)
    company: Company | None = None
    csr: CsrChoice
    documents: list[Document] = Field(default_factory=list)
    validation: ValidationPlan = Field(default_factory=ValidationPlan)


# --- what the user typed -----------------------------------------------------------------------------------

class ApplicationDraft(Record):
    """Raw form values. Every field is a plain string so a half-typed value survives a crash as typed."""

    domains: str = ""
    applicant_name: str = ""
    applicant_phone: str = ""
    applicant_email: str = ""
    applicant_id_number: str = ""
    company_name: str = ""
    company_type: str = ""
    company_phone: str = ""
    company_organization_id: str = ""
    company_country: str = ""
    company_province: str = ""
    company_city: str = ""
    company_address: str = ""
    company_zip_code: str = ""
    csr_mode: str = CsrMode.AUTOMATIC.value
    key_algorithm: str = ""
    encrypt_key: bool = False
    csr_pem: str = ""
    validation_method: str = ""       # dns or http; empty: http when a webroot is given, else dns
    validation_webroot: str = ""
    validation_hook: str = ""
    documents: list[Document] = Field(default_factory=list)
    step: Literal["enter", "verify"] = "enter"   # where the user left off

    def filled(self, **values: object) -> "ApplicationDraft":
        return self.model_copy(update=values)


# --- orders ---------------------------------------------------------------------------------------------------

class KeyRecord(Record):
    """Where the private key of an automatic-CSR order lives; the key itself is never stored here."""

    path: str
    algorithm: KeyAlgorithm
    spki_sha256: str                  # hex SHA-256 of the DER SubjectPublicKeyInfo
    encrypted: bool = False
    created_at: datetime = Field(default_factory=utcnow)


class DomainValidation(Record):
    """What the authority asks the user to publish to prove control of a domain."""

    domain: str
    dns_name: str
    dns_type: str = "TXT"
    dns_value: str
    file_url: str
    file_path: str
    file_content: str
    confirmed_at: datetime | None = None


class IssuedCertificate(Record):
    certificate_pem: str
    chain_pem: str
    serial: str
    not_before: datetime
    not_after: datetime
    fetched_at: datetime = Field(default_factory=utcnow)


class RenewalHint(Record):
    """The authority's own word on when to renew (ACME renewalInfo, Alibaba Cloud's willExpire)."""

    after: datetime                   # renewal is due from here
    source: RenewalSource
    until: datetime | None = None     # the end of the CA's window, when it gives one
    detail: str = ""                  # the CA's explanation (a URL or its words), shown as it came
    checked_at: datetime = Field(default_factory=utcnow)
    ask_again_at: datetime | None = None   # not before this (the CA's Retry-After)


class RenewalRecord(Record):
    """The last renewal attempt of an issued order: what `renew` did, for Issued and `renew --dry-run`."""

    at: datetime = Field(default_factory=utcnow)
    ok: bool
    message: str                      # one line, shown as it is
    follow_up: str = ""               # the order made for it, while it is under way


class ReloadResult(Record):
    command: str
    exit_status: int | None           # None: it could not start, or ran out of time
    output: str = ""                  # its last lines, printable
    at: datetime = Field(default_factory=utcnow)

    @property
    def ok(self) -> bool:
        return self.exit_status == 0


class Installation(Record):
    """A place the certificate is installed, kept up to date on renewal (never written through a symlink)."""

    id: str = Field(default_factory=lambda: new_id("inst"))
    server: str                       # an export/servers layout name (nginx, apache, tomcat, iis, pem)
    directory: str
    reload: str = ""                  # a command line, split like a shell would but run without one
    password_file: str = ""           # where a .pfx password is read from (the password is never stored)
    created_at: datetime = Field(default_factory=utcnow)
    serial: str = ""                  # the certificate now in place there
    installed_at: datetime | None = None
    files: list[str] = Field(default_factory=list)
    reload_result: ReloadResult | None = None
    reload_pending: bool = False      # files were being replaced and the reload has not run yet (a killed run)
    problem: str = ""                 # the last failure, until an install succeeds


class HistoryEntry(Record):
    at: datetime = Field(default_factory=utcnow)
    status: OrderStatus
    event: str
    detail: str = ""


class SubmissionAttempt(Record):
    """A submission under way, recorded before each step so a killed one is finished or undone, never repeated.

    Until `sending`, nothing has left this server: a killed attempt is undone (its key file removed). From
    `sending` on the authority may have the application: it is sent again with the same id, which an
    authority applies only once, and what it answers is recorded."""

    id: str = Field(default_factory=lambda: new_id("sub"))
    started_at: datetime = Field(default_factory=utcnow)
    host: str = ""
    pid: int = 0
    key_path: str = ""                 # where this attempt writes its key (automatic CSR), decided beforehand
    sending: bool = False
    application: Application | None = None
    csr_pem: str = ""
    key: KeyRecord | None = None


class Order(Record):
    """A purchased certificate and everything that happened to it."""

    id: str = Field(default_factory=lambda: new_id("ord"))
    product_id: str
    purchased_at: datetime = Field(default_factory=utcnow)
    status: OrderStatus = OrderStatus.PENDING_APPLICATION
    status_reason: str = ""
    authority: str = DEFAULT_AUTHORITY
    authority_ref: str = ""           # the authority's own id for the application
    draft: ApplicationDraft = Field(default_factory=ApplicationDraft)
    application: Application | None = None      # frozen at submission
    key: KeyRecord | None = None
    csr_pem: str = ""                 # the CSR sent (generated or pasted); public data
    submitted_at: datetime | None = None
    expected_issuance_at: datetime | None = None
    domain_validations: list[DomainValidation] = Field(default_factory=list)
    certificate: IssuedCertificate | None = None
    history: list[HistoryEntry] = Field(default_factory=list)
    submission: SubmissionAttempt | None = None   # a submission under way (or killed midway)
    renewal_of: str = ""              # the order this one renews
    renewed_by: str = ""              # the order that renews this one
    reuse_key: bool = False           # renew with this order's key instead of a new one
    renewal_hint: RenewalHint | None = None
    last_renewal: RenewalRecord | None = None
    installations: list[Installation] = Field(default_factory=list)
    updated_at: datetime = Field(default_factory=utcnow)
    revision: int = 0                 # bumped on every save; stale writers are refused

    @property
    def product(self) -> Product:
        return get_product(self.product_id)

    @property
    def not_after(self) -> datetime | None:
        return self.certificate.not_after if self.certificate is not None else None

    @property
    def renewal(self) -> RenewalDue | None:
        """When renewal is due and why (None before issuance)."""
        if self.certificate is None:
            return None
        hint = self.renewal_hint
        return renewal_due(self.certificate.not_before, self.certificate.not_after,
                           hint.after if hint else None, hint.source if hint else None)

    @property
    def renew_after(self) -> datetime | None:
        due = self.renewal
        return due.at if due is not None else None

    def status_at(self, now: datetime) -> OrderStatus:
        """The status to show at `now`: issued ones become expiring soon, then expired, with the clock."""
        if self.status is not OrderStatus.ISSUED:
            return self.status
        return current_status(self.status, self.not_after, self.renew_after, now)

    @property
    def publisher(self) -> str:
        """Who publishes the domain validation: "hook", "webroot" (certwizard writes the file), or "" (the user)."""
        plan = self.application.validation if self.application is not None else None
        if plan is None:
            return ""
        if plan.hook:
            return "hook"
        return "webroot" if plan.method is ValidationMethod.HTTP and plan.webroot else ""

    @property
    def bound_domains(self) -> list[str]:
        if self.application is not None:
            return list(self.application.domains)
        return []

    @property
    def listed_domains(self) -> list[str]:
        """The names to show: as submitted when it was, else as typed in the draft so far."""
        return listed_domains(self.application.domains if self.application is not None else None,
                              self.draft.domains)


class ProfileKind(StrEnum):
    APPLICANT = "applicant"
    COMPANY = "company"


class Profile(Record):
    """Saved applicant or company information, reused across applications."""

    id: str = Field(default_factory=lambda: new_id("prof"))
    kind: ProfileKind
    label: str
    values: dict[str, str]           # draft field name -> value (only that kind's fields)
    saved_at: datetime = Field(default_factory=utcnow)

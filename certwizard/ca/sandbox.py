"""The built-in sandbox certificate authority: a real local CA with a review that behaves like a CA's.

It plays the remote side: it keeps its own ledger of applications (in the CA folder, apart from certwizard's
database), re-checks every application on submission, asks DV applicants to publish a DNS record or a file,
takes a configurable review time, and issues real X.509 certificates chained to its own root.

Sandbox-only trigger, for trying the failure path: a bound domain whose first label is `review-fail`
(e.g. `review-fail.example.com`) passes submission but fails review with a reason.
"""

from __future__ import annotations

import errno
import json
import math
import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from certwizard.ca.base import AuthorityError, AuthorityState, SubmissionRequest, ValidationMethod
from certwizard.domain.csr_names import CsrNameRule
from certwizard.domain.models import DomainValidation, IssuedCertificate, utcnow
from certwizard.domain.products import CATALOG, DEFAULT_AUTHORITY, Product, get_product, products_of
from certwizard.domain.revocation import RevocationReason
from certwizard.domain.status import OrderStatus
from certwizard.domain.text import printable
from certwizard.system.securefs import (
    FileTooLargeError,
    UnsafePathError,
    atomic_replace,
    ensure_private_dir,
    read_regular_file,
)

if TYPE_CHECKING:
    from certwizard.domain.models import RenewalHint
    from certwizard.storage.repository import Repository
    from certwizard.system.paths import DataLayout

FAIL_TRIGGER_LABEL = "review-fail"
SPEED_SETTING = "sandbox_speed"
SPEED_ENV = "CERTWIZARD_SANDBOX_SPEED"
LIFETIME_SETTING = "sandbox_lifetime_seconds"
LIFETIME_ENV = "CERTWIZARD_SANDBOX_LIFETIME"
MIN_LIFETIME = timedelta(seconds=6)
MAX_ROOT_BYTES = 64 * 1024

HELP_SECTION = Template("""\
# The sandbox CA

The built-in sandbox CA behaves like a real one but its certificates are not publicly trusted. It is
for trying the whole flow.

- **Review speed:** set `${speed_env}` to `instant` (decides at once), `fast` (seconds, the default) or
  `realistic` (minutes for DV, days for OV/EV), e.g. `${speed_env}=instant certwizard`.
- **Trying a failure:** bind a name whose first label is `${fail_label}` (e.g. `${fail_label}.example.com`);
  it passes submission and then fails review with a reason.""").substitute(speed_env=SPEED_ENV,
                                                                          fail_label=FAIL_TRIGGER_LABEL)


class ReviewSpeed(StrEnum):
    INSTANT = "instant"        # tests and scripted demos
    FAST = "fast"              # trying things out: seconds
    REALISTIC = "realistic"    # demos: minutes for DV, days for OV/EV

    def review_time(self, product: Product) -> timedelta:
        if self is ReviewSpeed.INSTANT:
            return timedelta(0)
        if self is ReviewSpeed.FAST:
            return timedelta(seconds={"DV": 5, "OV": 20, "EV": 30}[product.level.value])
        low, high = product.review_hours
        return timedelta(hours=high) if product.is_professional else timedelta(minutes=15)


def configured_speed(repository: "Repository") -> ReviewSpeed:
    """$CERTWIZARD_SANDBOX_SPEED wins over the saved setting; default: fast."""
    value = os.environ.get(SPEED_ENV) or repository.get_setting(SPEED_SETTING, ReviewSpeed.FAST.value)
    try:
        return ReviewSpeed(value)
    except ValueError:
        return ReviewSpeed.FAST


def parse_lifetime(text: str) -> timedelta | None:
    """'90s', '10m', '12h', '3d' (at least 6 seconds); 'product' or '' for the product's own validity.
    ValueError says what would be accepted."""
    text = text.strip().lower()
    if text in ("", "product"):
        return None
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    number, unit = text[:-1], text[-1:]
    if unit not in units or not number.isdigit():
        raise ValueError(f"{text!r} is not a lifetime; give a number and a unit (90s, 10m, 12h, 3d), or "
                         "'product' for the product's own validity")
    lifetime = timedelta(seconds=int(number) * units[unit])
    if lifetime < MIN_LIFETIME or lifetime > timedelta(days=398):
        raise ValueError(f"{text!r} is out of range; give 6s to 398d")
    return lifetime


def configured_lifetime(repository: "Repository") -> timedelta | None:
    """How long the sandbox's certificates live: ${CERTWIZARD_SANDBOX_LIFETIME}, else the saved setting, else
    the product's validity (None). Short lifetimes let renewal be watched (and tested) in minutes."""
    text = os.environ.get(LIFETIME_ENV)
    if text:
        try:
            return parse_lifetime(text)
        except ValueError:
            return None
    seconds = repository.get_setting(LIFETIME_SETTING, None)
    return timedelta(seconds=seconds) if isinstance(seconds, int) and seconds > 0 else None


class LedgerError(AuthorityError):
    """The sandbox CA's ledger cannot be used: damaged, the wrong shape, or not a regular file."""


MAX_LEDGER_BYTES = 256 * 1024 * 1024      # ~50,000 applications with their certificates
_RESTORE_ADVICE = ("restore it from a backup, or move it aside to start an empty ledger (the applications it "
                   "held must then be withdrawn and submitted again); certwizard left it as it is")
_TIMES = ("submitted_at", "verified_at", "review_due", "expected_issuance_at", "issued_at")


class _Ledger:
    """The authority's own records: a small JSON file replaced atomically under a kernel lock.

    It is read like any private file (`securefs.read_regular_file`: never through a symlink, bounded), and a
    ledger that is not a JSON object of application records is refused with a `LedgerError`, never repaired.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / "ledger.json"

    def damaged(self, problem: str, advice: str = _RESTORE_ADVICE) -> LedgerError:
        return LedgerError(f"the sandbox CA's ledger {printable(str(self.path))} {problem}; {advice}")

    @contextmanager
    def transaction(self) -> Iterator[dict[str, Any]]:
        from filelock import FileLock

        lock_path = self.folder / "ledger.lock"
        try:
            ensure_private_dir(self.folder)
        except UnsafePathError as exc:
            raise LedgerError(f"the sandbox CA's ledger folder {printable(str(self.folder))} {exc.strerror}; "
                              "replace it with a real folder") from None
        if os.path.islink(lock_path):
            raise self.damaged(f"cannot be locked: {lock_path.name} is a symbolic link",
                               f"remove the link {printable(str(lock_path))} and try again")
        with FileLock(str(lock_path), mode=0o600):
            data = self._read()
            before = json.dumps(data, sort_keys=True)
            yield data
            after = json.dumps(data, sort_keys=True)
            if after != before:
                atomic_replace(self.path, after.encode())

    def _read(self) -> dict[str, Any]:
        try:
            raw = read_regular_file(self.path, MAX_LEDGER_BYTES)
        except FileNotFoundError:
            return {}
        except FileTooLargeError:
            raise self.damaged(f"is larger than {MAX_LEDGER_BYTES // (1024 * 1024)} MiB, far more than any "
                               "ledger") from None
        except UnsafePathError as exc:
            if exc.errno == errno.ELOOP:
                raise self.damaged("is a symbolic link, and the ledger is read only from a real file",
                                   "replace the link with the file itself (or a copy of it)") from None
            raise self.damaged("is not a regular file", "move it aside") from None
        except OSError as exc:
            raise self.damaged(f"cannot be read ({exc.strerror or exc})",
                               "check its permissions and try again") from None
        if not raw.strip():
            raise self.damaged("is empty (it was cut short or overwritten)")
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):     # bad UTF-8, bad JSON, absurd nesting or numbers
            raise self.damaged("is not valid JSON (it was cut short or edited)") from None
        if not isinstance(data, dict):
            raise self.damaged(f"holds {_json_kind(data)} where a JSON object of applications belongs")
        return data

    def checked(self, ref: str, entry: object) -> dict[str, Any]:
        """`entry` if it is a record of the shape the authority writes, else a LedgerError naming `ref`."""
        problem = _entry_problem(entry)
        if problem is not None:
            raise self.damaged(f"is damaged: its record of the application {printable(ref)!r} {problem}")
        assert isinstance(entry, dict)
        return entry


def _json_kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "a list" if isinstance(value, list) else "an object"


def _entry_problem(entry: object) -> str | None:
    """What is wrong with one ledger record (None: nothing), in words that fit after 'its record ...'."""
    if not isinstance(entry, dict):
        return f"is {_json_kind(entry)}, not an object"
    status = entry.get("status")
    if status not in {s.value for s in OrderStatus}:
        return f"has the status {printable(repr(status))}, which is not one certwizard knows"
    if entry.get("product_id") not in CATALOG:
        return f"names the product {printable(repr(entry.get('product_id')))}, which certwizard does not know"
    domains = entry.get("domains")
    if not isinstance(domains, list) or not domains or not all(isinstance(d, str) for d in domains):
        return "has no list of domains"
    if not isinstance(entry.get("csr_pem"), str):
        return "has no CSR"
    seconds = entry.get("review_seconds")
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not math.isfinite(seconds) \
            or seconds < 0:
        return "has no valid review time"
    if not isinstance(entry.get("reason", ""), str):
        return "has a reason that is not text"
    for name in _TIMES:
        value = entry.get(name)
        if value is None:
            continue
        try:
            moment = datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            return f"has {name} {printable(repr(value))[:60]}, which is not a date and time with a time zone"
    organization = entry.get("organization")
    if organization is not None and not (isinstance(organization, dict)
                                         and all(isinstance(v, str) for v in organization.values())):
        return "has damaged organization details"
    validations = entry.get("validations", [])
    if not isinstance(validations, list):
        return "has damaged domain validations"
    try:
        for validation in validations:
            DomainValidation.model_validate(validation)
    except ValidationError:
        return "has damaged domain validations"
    certificate = entry.get("certificate")
    if certificate is not None:
        try:
            IssuedCertificate.model_validate(certificate)
        except ValidationError:
            return "has a damaged certificate"
    return None


def _province_name(province: str) -> str:
    """The subject's ST: the province's name (X.520 stateOrProvinceName), not its ISO 3166-2 code (CN-ZJ)."""
    if not province or "-" not in province:
        return province
    from certwizard.domain.fields import subdivision_name

    return subdivision_name(province)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class SandboxAuthority:
    name = DEFAULT_AUTHORITY        # the catalog's built-in products are the sandbox's
    title = "the sandbox CA (built in, not publicly trusted)"
    # Like Alibaba Cloud's: the certificate gets the order's names and only the CSR's key.
    csr_name_rule = CsrNameRule.FROM_ORDER
    products = products_of(DEFAULT_AUTHORITY)
    validation_methods = frozenset({ValidationMethod.DNS, ValidationMethod.HTTP})
    gives_renewal_hints = False           # see renewal_hint
    renewal_needs_purchase = False       # a renewal is simply a new order
    documents_note = ""                  # the documents go with the application (or none are asked for)
    checks_proofs_on_network = False     # it takes the user's word: certwizard has nothing to check first
    trust_note = ("issued by the sandbox CA (not publicly trusted): see `certwizard sandbox-root` to trust "
                  "it on a test machine")
    help_section = HELP_SECTION

    def __init__(self, ca_dir: Path, speed: ReviewSpeed | Callable[[], ReviewSpeed] = ReviewSpeed.FAST,
                 now: Callable[[], datetime] = utcnow,
                 lifetime: Callable[[], timedelta | None] = lambda: None) -> None:
        self.ca_dir = Path(ca_dir)
        self._ledger = _Ledger(self.ca_dir / "ledger")
        self._speed = speed
        self._now = now
        self._lifetime = lifetime

    @classmethod
    def configured(cls, layout: "DataLayout", repository: "Repository") -> "SandboxAuthority":
        """The sandbox of a data folder: its CA folder, at the speed and lifetime set for it (read at each use)."""
        return cls(layout.ca_dir, speed=lambda: configured_speed(repository),
                   lifetime=lambda: configured_lifetime(repository))

    @property
    def speed(self) -> ReviewSpeed:
        return self._speed() if callable(self._speed) else self._speed

    @property
    def pki(self):
        from certwizard.ca.sandbox_pki import SandboxPKI

        return SandboxPKI(self.ca_dir)

    # --- the interface -----------------------------------------------------------------------------------

    def trust_anchor_pem(self) -> str | None:
        """Its root certificate, or None while the CA was never created (nothing it issued exists yet)."""
        try:
            return read_regular_file(self.pki.root_pem_path, MAX_ROOT_BYTES).decode("utf-8", "replace")
        except OSError:
            return None

    def submit(self, request: SubmissionRequest) -> AuthorityState:
        now = self._now()
        product = request.product
        problems = self._recheck(request)
        ref = f"sbx-{secrets.token_hex(6)}"
        review = self.speed.review_time(product)
        entry: dict[str, Any] = {
            "order_id": request.order_id, "product_id": product.id, "domains": request.application.domains,
            "csr_pem": request.csr_pem, "submitted_at": _iso(now),
            "organization": self._organization(request), "review_seconds": review.total_seconds(),
            "validations": [], "verified_at": None, "review_due": None, "certificate": None,
        }
        if problems:
            entry.update(status=OrderStatus.REVIEW_FAILED.value, reason=" ".join(problems))
        elif product.requires_domain_verification:
            entry.update(status=OrderStatus.DOMAIN_VERIFICATION.value, reason="",
                         validations=[v.model_dump(mode="json")
                                      for v in self._validations(request.application.domains)])
        else:
            entry.update(status=OrderStatus.UNDER_REVIEW.value, reason="", review_due=_iso(now + review))
        entry["expected_issuance_at"] = _iso(now + review) if not problems else None
        entry["attempt"] = request.attempt_id
        with self._ledger.transaction() as ledger:
            if request.attempt_id:
                for earlier_ref, earlier in ledger.items():      # sent before: the same application
                    if isinstance(earlier, dict) and earlier.get("attempt") == request.attempt_id:
                        self._advance(earlier)
                        return self._state(earlier_ref, earlier)
            ledger[ref] = entry
        return self._state(ref, entry)

    def status(self, authority_ref: str) -> AuthorityState:
        with self._ledger.transaction() as ledger:
            entry = self._entry(ledger, authority_ref)
            self._advance(entry)
            return self._state(authority_ref, entry)

    def statuses(self, authority_refs: list[str]) -> dict[str, AuthorityState]:
        """Every named application in one ledger transaction (one read, at most one write)."""
        with self._ledger.transaction() as ledger:
            states = {}
            for ref in dict.fromkeys(authority_refs):
                if ref in ledger:
                    entry = self._ledger.checked(ref, ledger[ref])
                    self._advance(entry)
                    states[ref] = self._state(ref, entry)
            return states

    def confirm_domain_validation(self, authority_ref: str) -> AuthorityState:
        with self._ledger.transaction() as ledger:
            entry = self._entry(ledger, authority_ref)
            if entry["status"] != OrderStatus.DOMAIN_VERIFICATION.value:
                raise AuthorityError("this application is not waiting for domain verification "
                                     f"(it is {OrderStatus(entry['status']).label.lower()})")
            now = self._now()
            entry["verified_at"] = _iso(now)
            due = now + timedelta(seconds=entry["review_seconds"])
            entry.update(status=OrderStatus.UNDER_REVIEW.value, review_due=_iso(due), expected_issuance_at=_iso(due))
            self._advance(entry)
            return self._state(authority_ref, entry)

    def withdraw(self, authority_ref: str) -> AuthorityState:
        with self._ledger.transaction() as ledger:
            entry = self._entry(ledger, authority_ref)
            self._advance(entry)
            if entry["status"] == OrderStatus.ISSUED.value:
                raise AuthorityError("the certificate has already been issued; it can no longer be withdrawn")
            entry.update(status=OrderStatus.DRAFT.value, reason="withdrawn by the applicant")
            return self._state(authority_ref, entry)

    def renews_in_place(self, authority_ref: str) -> bool:
        return False                     # a renewal is a new order of its own

    def renewal_hint(self, authority_ref: str, certificate_pem: str) -> "RenewalHint | None":
        return None                      # no opinion: due at 2/3 of the lifetime

    def revoke(self, authority_ref: str, certificate_pem: str, reason: RevocationReason) -> AuthorityState:
        """A real revocation: the serial goes into the CRL the sandbox publishes (pki/intermediate-ca.crl)."""
        with self._ledger.transaction() as ledger:
            entry = self._entry(ledger, authority_ref)
            if entry["status"] == OrderStatus.REVOKED.value:
                return self._state(authority_ref, entry)     # revoked before its answer was recorded
            if entry["status"] != OrderStatus.ISSUED.value or not entry.get("certificate"):
                raise AuthorityError("only an issued certificate can be revoked (this one is "
                                     f"{OrderStatus(entry['status']).label.lower()})")
            now = self._now()
            self.pki.publish_crl([(entry["certificate"]["serial"], now)], now=now)
            entry.update(status=OrderStatus.REVOKED.value, reason=f"revoked: {reason.words}",
                         revoked_at=_iso(now), revocation_reason=reason.value)
            return self._state(authority_ref, entry)

    # --- review --------------------------------------------------------------------------------------------

    def _recheck(self, request: SubmissionRequest) -> list[str]:
        """What a CA checks on receipt; any problem fails the application at once with the reason."""
        from certwizard.crypto.csr_lint import lint_csr
        from certwizard.domain.domains import check_domains

        product, application = request.product, request.application
        problems = [p.message for p in check_domains(product, application.domains).problems]
        report = lint_csr(request.csr_pem, product, application.domains, name_rule=self.csr_name_rule)
        problems += [f"CSR: {p.message}" for p in report.problems]
        if product.is_professional:
            if application.company is None:
                problems.append("Company information is required for a professional certificate.")
            if not application.documents:
                problems.append("At least one qualification document (the signed and stamped verification "
                                "template) is required for a professional certificate.")
        return problems

    def _advance(self, entry: dict[str, Any]) -> None:
        """Move an application along once its review time has passed."""
        if entry["status"] != OrderStatus.UNDER_REVIEW.value:
            return
        due = _dt(entry["review_due"])
        if due is None or self._now() < due:
            return
        if any(d.split(".", 1)[0] == FAIL_TRIGGER_LABEL for d in entry["domains"]):
            product = get_product(entry["product_id"])
            entry.update(status=OrderStatus.REVIEW_FAILED.value, reason=self._failure_reason(product))
            return
        self._issue(entry)

    @staticmethod
    def _failure_reason(product: Product) -> str:
        if product.is_professional:
            return ("The CA could not confirm the organization: nobody answered at the company phone number. "
                    "Check the number and the company details, then withdraw, modify and resubmit.")
        return ("The CA could not find the domain verification record. Check that the TXT record or file is "
                "published exactly as shown, then withdraw and resubmit.")

    def _issue(self, entry: dict[str, Any]) -> None:
        product = get_product(entry["product_id"])
        now = self._now()
        organization = entry.get("organization")
        if organization is not None:       # ledgers written before ST held the name kept the ISO code
            organization = {**organization, "state": _province_name(organization.get("state", ""))}
        bundle = self.pki.issue(entry["csr_pem"].encode(), entry["domains"], product.validity_on(now.date()),
                                organization=organization, level=product.level, lifetime=self._lifetime())
        entry["certificate"] = IssuedCertificate(
            certificate_pem=bundle.certificate_pem, chain_pem=bundle.chain_pem, serial=bundle.serial_hex,
            not_before=bundle.not_before, not_after=bundle.not_after, fetched_at=now).model_dump(mode="json")
        entry.update(status=OrderStatus.ISSUED.value, reason="", issued_at=_iso(now))

    # --- helpers ---------------------------------------------------------------------------------------------

    @staticmethod
    def _organization(request: SubmissionRequest) -> dict[str, str] | None:
        company = request.application.company
        if company is None:
            return None
        return {"organization": company.name, "locality": company.location.city,
                "state": _province_name(company.location.province), "country": company.location.country}

    @staticmethod
    def _validations(domains: list[str]) -> list[DomainValidation]:
        """One proof per registered name: a wildcard is proven on its base domain, and by DNS only.

        Baseline Requirements 3.2.2.4.18/.19: a file on a web server proves control of that host only, never
        of every name below it, so a base domain that also stands for a wildcard gets no file option.
        """
        wildcard_bases = {domain[2:] for domain in domains if domain.startswith("*.")}
        seen: dict[str, None] = {}
        for domain in domains:
            seen.setdefault(domain[2:] if domain.startswith("*.") else domain, None)
        files = ValidationMethod.HTTP in SandboxAuthority.validation_methods
        return [SandboxAuthority._validation(domain, file_allowed=files and domain not in wildcard_bases)
                for domain in seen]

    @staticmethod
    def _validation(domain: str, file_allowed: bool = True) -> DomainValidation:
        token = secrets.token_urlsafe(24)
        file_path = "/.well-known/pki-validation/fileauth.txt"
        return DomainValidation(
            domain=domain, dns_name=f"_dnsauth.{domain}", dns_type="TXT", dns_value=token,
            file_url=f"http://{domain}{file_path}" if file_allowed else "",
            file_path=file_path if file_allowed else "", file_content=token if file_allowed else "")

    def _entry(self, ledger: dict[str, Any], ref: str) -> dict[str, Any]:
        try:
            entry = ledger[ref]
        except KeyError:
            raise AuthorityError(f"the sandbox CA has no application {ref!r}") from None
        return self._ledger.checked(ref, entry)

    @staticmethod
    def _state(ref: str, entry: dict[str, Any]) -> AuthorityState:
        certificate = entry.get("certificate")
        return AuthorityState(
            authority_ref=ref, status=OrderStatus(entry["status"]), reason=entry.get("reason", ""),
            expected_issuance_at=_dt(entry.get("expected_issuance_at")),
            domain_validations=[DomainValidation.model_validate(v) for v in entry.get("validations", [])],
            certificate=IssuedCertificate.model_validate(certificate) if certificate else None)

"""Turn what the user typed (ApplicationDraft) into a validated Application, reporting every error by field.

The TUI shows each message at the field named by its key; the CLI prints them all. The same function decides
"Next" on the Enter Application tab and whether Submit is possible, so the rules live in one place.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from certwizard.domain import fields as f
from certwizard.domain.models import (
    Applicant,
    Application,
    ApplicationDraft,
    AutomaticCsr,
    Company,
    CsrMode,
    Location,
    ManualCsr,
)
from certwizard.domain.products import KeyAlgorithm, Product

if TYPE_CHECKING:
    from certwizard.crypto.csr_lint import CsrReport
    from certwizard.domain.csr_names import CsrNameRule
    from certwizard.domain.domains import DomainCheck

MAX_DOCUMENTS = 10


@dataclass
class DraftValidation:
    """The outcome of validating a draft: the Application when valid, else a message per draft field."""

    errors: dict[str, str] = field(default_factory=dict)
    application: Application | None = None
    domain_check: "DomainCheck | None" = None
    csr_report: "CsrReport | None" = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and self.application is not None

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "errors": dict(self.errors), "notes": list(self.notes)}


def _collect(errors: dict[str, str], name: str, fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except f.FieldError as exc:
        errors[name] = str(exc)
        return None


def phone_region(draft: ApplicationDraft, default_region: str | None) -> str | None:
    """A number typed without +country code is read in the company's country, else the configured region."""
    if draft.company_country.strip():
        try:
            return f.normalise_country(draft.company_country)
        except f.FieldError:
            pass
    return default_region


def _applicant(draft: ApplicationDraft, errors: dict[str, str], region: str | None) -> Applicant | None:
    values = {
        "name": _collect(errors, "applicant_name", lambda: f.normalise_person_name(draft.applicant_name)),
        "phone": _collect(errors, "applicant_phone", lambda: f.normalise_phone(draft.applicant_phone, region)),
        "email": _collect(errors, "applicant_email", lambda: f.normalise_email(draft.applicant_email)),
        "id_number": _collect(errors, "applicant_id_number",
                              lambda: f.normalise_id_number(draft.applicant_id_number)),
    }
    return None if None in values.values() else Applicant(**values)


def _company(draft: ApplicationDraft, errors: dict[str, str], region: str | None) -> Company | None:
    country = _collect(errors, "company_country", lambda: f.normalise_country(draft.company_country))
    province = None
    if country:
        province = _collect(errors, "company_province",
                            lambda: f.normalise_province(country, draft.company_province))
    elif not draft.company_province.strip():
        errors["company_province"] = "Province/state is required: choose the country first, then the province"
    values = {
        "name": _collect(errors, "company_name", lambda: f.normalise_company_name(draft.company_name)),
        "company_type": _collect(errors, "company_type", lambda: f.normalise_company_type(draft.company_type)),
        "phone": _collect(errors, "company_phone", lambda: f.normalise_phone(draft.company_phone, region)),
        "organization_id": _collect(errors, "company_organization_id",
                                    lambda: f.normalise_organization_id(draft.company_organization_id)),
        "address": _collect(errors, "company_address", lambda: f.normalise_address(draft.company_address)),
        "zip_code": _collect(errors, "company_zip_code", lambda: f.normalise_zip_code(draft.company_zip_code)),
    }
    city = _collect(errors, "company_city", lambda: f.normalise_city(draft.company_city))
    if None in values.values() or not (country and province and city):
        return None
    return Company(location=Location(country=country, province=province, city=city), **values)


def _key_algorithm(product: Product, draft: ApplicationDraft, errors: dict[str, str]) -> KeyAlgorithm | None:
    if not draft.key_algorithm:
        return product.default_key_algorithm
    allowed = ", ".join(a.value for a in product.key_algorithms)
    try:
        algorithm = KeyAlgorithm(draft.key_algorithm)
    except ValueError:
        errors["key_algorithm"] = f"Key type {draft.key_algorithm!r} is not known; choose one of {allowed}"
        return None
    if algorithm not in product.key_algorithms:
        errors["key_algorithm"] = f"{product.name} does not accept {algorithm.label} keys; choose one of {allowed}"
        return None
    return algorithm


def _csr(product: Product, draft: ApplicationDraft, domains: list[str] | None,
         errors: dict[str, str], result: DraftValidation,
         name_rule: CsrNameRule | None = None) -> AutomaticCsr | ManualCsr | None:
    if draft.csr_mode == CsrMode.AUTOMATIC:
        algorithm = _key_algorithm(product, draft, errors)
        return AutomaticCsr(key_algorithm=algorithm, encrypt_key=draft.encrypt_key) if algorithm else None
    if draft.csr_mode != CsrMode.MANUAL:
        errors["csr_mode"] = "CSR generation must be automatic or manual"
        return None
    if not draft.csr_pem.strip():
        errors["csr_pem"] = ("Paste the CSR (-----BEGIN CERTIFICATE REQUEST----- ...), load it from a file, "
                             "or switch CSR generation to Automatic")
        return None
    from certwizard.crypto.csr_lint import lint_csr
    from certwizard.domain.csr_names import CsrNameRule

    report = lint_csr(draft.csr_pem, product, domains, name_rule=name_rule or CsrNameRule.EXACT)
    result.csr_report = report
    if not report.ok:
        errors["csr_pem"] = "; ".join(problem.message for problem in report.problems)
        return None
    return ManualCsr(csr_pem=report.pem)   # the one clean PEM block, not the raw paste


def validate_draft(product: Product, draft: ApplicationDraft, default_region: str | None = None,
                   *, for_submission: bool = False, name_rule: CsrNameRule | None = None) -> DraftValidation:
    """Validate everything on the Enter Application tab; with `for_submission`, also the documents.
    `name_rule`: how the authority relates a manual CSR's names to the domains (default: the strictest)."""
    from certwizard.domain.domains import check_domains

    result = DraftValidation()
    errors = result.errors
    check = check_domains(product, draft.domains)
    result.domain_check = check
    result.notes.extend(check.notes)
    if not check.ok:
        errors["domains"] = "; ".join(problem.message for problem in check.problems)
    domains = check.names if check.ok else None

    region = phone_region(draft, default_region)
    applicant = _applicant(draft, errors, region)
    company = _company(draft, errors, region) if product.is_professional else None
    csr = _csr(product, draft, domains, errors, result, name_rule)

    if for_submission:
        if product.is_professional and not draft.documents:
            errors["documents"] = ("A professional certificate needs at least one qualification document: "
                                   "print the verification template, sign and stamp it, photograph it and "
                                   "upload the PNG or JPEG")
        if len(draft.documents) > MAX_DOCUMENTS:
            errors["documents"] = f"At most {MAX_DOCUMENTS} documents; remove {len(draft.documents) - MAX_DOCUMENTS}"

    if errors or applicant is None or csr is None or domains is None:
        return result
    if product.is_professional and company is None:
        return result
    result.application = Application(domains=domains, applicant=applicant, company=company, csr=csr,
                                     documents=list(draft.documents))
    return result

"""Turn what the user typed (ApplicationDraft) into a validated Application, reporting every error by field.

The TUI shows each message at the field named by its key; the CLI prints them all. The same function decides
"Next" on the Enter Application tab and whether Submit is possible, so the rules live in one place. The pure
rules are the domain's (`domain.application`, `domain.domains`); a pasted CSR is checked by `crypto.csr_lint`,
which is why this lives with the services.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from certwizard.domain.application import (
    automatic_csr,
    check_applicant,
    check_company,
    check_documents,
    phone_region,
)
from certwizard.domain.models import Application, ApplicationDraft, AutomaticCsr, CsrMode, ManualCsr
from certwizard.domain.products import Product

if TYPE_CHECKING:
    from certwizard.crypto.csr_lint import CsrReport
    from certwizard.domain.csr_names import CsrNameRule
    from certwizard.domain.domains import DomainCheck


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


def _csr(product: Product, draft: ApplicationDraft, domains: list[str] | None,
         errors: dict[str, str], result: DraftValidation,
         name_rule: CsrNameRule | None = None) -> AutomaticCsr | ManualCsr | None:
    if draft.csr_mode == CsrMode.AUTOMATIC:
        return automatic_csr(product, draft, errors)
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
    applicant = check_applicant(draft, errors, region)
    company = check_company(draft, errors, region) if product.is_professional else None
    csr = _csr(product, draft, domains, errors, result, name_rule)

    if for_submission:
        check_documents(product, draft.documents, errors)

    if errors or applicant is None or csr is None or domains is None:
        return result
    if product.is_professional and company is None:
        return result
    result.application = Application(domains=domains, applicant=applicant, company=company, csr=csr,
                                     documents=list(draft.documents))
    return result

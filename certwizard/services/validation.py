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
from certwizard.domain.models import (
    Application,
    ApplicationDraft,
    AutomaticCsr,
    CsrMode,
    ManualCsr,
    ValidationPlan,
)
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
    applicant = check_applicant(draft, errors, region) if product.needs_applicant else None
    company = check_company(draft, errors, region) if product.is_professional else None
    csr = _csr(product, draft, domains, errors, result, name_rule)
    plan = validation_plan(draft, domains, errors)

    if for_submission:
        check_documents(product, draft.documents, errors)

    if errors or csr is None or domains is None or plan is None:
        return result
    if (product.needs_applicant and applicant is None) or (product.is_professional and company is None):
        return result
    result.application = Application(domains=domains, applicant=applicant, company=company, csr=csr,
                                     documents=list(draft.documents), validation=plan)
    return result


def validation_plan(draft: ApplicationDraft, domains: list[str] | None,
                    errors: dict[str, str]) -> ValidationPlan | None:
    """The validation method and what publishes its proof; an error per field that cannot be used.

    The webroot and the hook are checked here, on this server, when the application is checked: a typo
    found at verification time would leave the CA waiting."""
    import os
    from pathlib import Path

    from certwizard.domain.validation_methods import DEFAULT_METHOD, ValidationMethod, method_problem

    webroot, hook = draft.validation_webroot.strip(), draft.validation_hook.strip()
    method = draft.validation_method.strip().lower() or (ValidationMethod.HTTP if webroot else DEFAULT_METHOD)
    problem = method_problem(method, domains)
    if problem:
        errors["validation_method"] = problem[0].upper() + problem[1:]
    if webroot:
        if method != ValidationMethod.HTTP:
            errors["validation_webroot"] = ("A webroot serves files, which only the http method uses: clear it, "
                                            "or choose http")
        elif not os.path.isabs(webroot):
            errors["validation_webroot"] = f"Give the webroot as an absolute path (e.g. /var/www/html), not {webroot!r}"
        elif not Path(webroot).is_dir():
            errors["validation_webroot"] = (f"{webroot} is not a folder on this server: give the folder the web "
                                            "server serves http://DOMAIN/ from")
    if hook:
        path = Path(hook)
        if not path.is_absolute():
            errors["validation_hook"] = f"Give the hook as an absolute path, not {hook!r}"
        elif not path.is_file():
            errors["validation_hook"] = f"{hook} is not a file on this server"
        elif not os.access(path, os.X_OK):
            errors["validation_hook"] = f"{hook} is not executable: chmod 755 it (or 700), then check again"
    if any(name in errors for name in ("validation_method", "validation_webroot", "validation_hook")):
        return None
    return ValidationPlan(method=ValidationMethod(method), webroot=webroot, hook=hook)

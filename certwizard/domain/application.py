"""The pure part of turning what the user typed (ApplicationDraft) into an Application: the applicant and
company fields (read from their declarations in `form_fields`), the key type and the documents, each error
under its draft field's name.

`certwizard.services.validation.validate_draft` puts these together with the domain and CSR checks.
"""

from __future__ import annotations

from typing import Any

from certwizard.domain import fields as f
from certwizard.domain.form_fields import Block, Checking, block_fields, phone_region
from certwizard.domain.models import Applicant, ApplicationDraft, AutomaticCsr, Company, Document
from certwizard.domain.products import KeyAlgorithm, Product

__all__ = ["MAX_DOCUMENTS", "check_applicant", "check_company", "check_documents", "check_key_algorithm",
           "automatic_csr", "phone_region"]

MAX_DOCUMENTS = 10


def _check_block(block: Block, draft: ApplicationDraft, errors: dict[str, str],
                 region: str | None) -> dict[str, Any] | None:
    """The block's canonical values nested as their `target`s say ({"location": {"city": ...}, ...}),
    or None when one of them is missing or wrong (its error is in `errors`)."""
    checking = Checking(region)
    for declared in block_fields(block):
        try:
            checking.checked[declared.name] = declared.normalise(getattr(draft, declared.name), checking)
        except f.FieldError as exc:
            errors[declared.name] = str(exc)
            checking.checked[declared.name] = None
    if any(value is None for value in checking.checked.values()):
        return None
    nested: dict[str, Any] = {}
    for declared in block_fields(block):
        *path, leaf = declared.target.split(".")[1:]
        place = nested
        for step in path:
            place = place.setdefault(step, {})
        place[leaf] = checking.checked[declared.name]
    return nested


def check_applicant(draft: ApplicationDraft, errors: dict[str, str], region: str | None) -> Applicant | None:
    values = _check_block(Block.APPLICANT, draft, errors, region)
    return None if values is None else Applicant.model_validate(values)


def check_company(draft: ApplicationDraft, errors: dict[str, str], region: str | None) -> Company | None:
    values = _check_block(Block.COMPANY, draft, errors, region)
    return None if values is None else Company.model_validate(values)


def check_key_algorithm(product: Product, draft: ApplicationDraft,
                        errors: dict[str, str]) -> KeyAlgorithm | None:
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


def automatic_csr(product: Product, draft: ApplicationDraft, errors: dict[str, str]) -> AutomaticCsr | None:
    algorithm = check_key_algorithm(product, draft, errors)
    return AutomaticCsr(key_algorithm=algorithm, encrypt_key=draft.encrypt_key) if algorithm else None


def check_documents(product: Product, documents: list[Document], errors: dict[str, str]) -> None:
    """What submission needs of the documents (Next on the first tab does not ask for them)."""
    if product.is_professional and not documents:
        errors["documents"] = ("A professional certificate needs at least one qualification document: "
                               "print the verification template, sign and stamp it, photograph it and "
                               "upload the PNG or JPEG")
    if len(documents) > MAX_DOCUMENTS:
        errors["documents"] = f"At most {MAX_DOCUMENTS} documents; remove {len(documents) - MAX_DOCUMENTS}"

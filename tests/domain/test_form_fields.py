"""The field declarations (domain/form_fields.py) agree with the models, and the validation reads them."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from certwizard.domain.application import check_applicant, check_company
from certwizard.domain.form_fields import (
    APPLICANT_FIELDS,
    BY_NAME,
    COMPANY_FIELDS,
    FIELDS,
    Block,
    Control,
    block_fields,
    listed_fields,
)
from certwizard.domain.models import Applicant, ApplicationDraft, Company
from tests.factories import valid_draft

MODELS: dict[Block, type[BaseModel]] = {Block.APPLICANT: Applicant, Block.COMPANY: Company}


def leaf_paths(model: type[BaseModel], prefix: str) -> set[str]:
    """Every scalar field of a model, nested models followed ("company.location.city")."""
    paths = set()
    for name, info in model.model_fields.items():
        inner = info.annotation
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            paths |= leaf_paths(inner, f"{prefix}.{name}")
        else:
            paths.add(f"{prefix}.{name}")
    return paths


def test_each_field_is_declared_once_with_unique_keys():
    for attribute in ("name", "file_key", "target"):
        values = [getattr(declared, attribute) for declared in FIELDS]
        assert len(values) == len(set(values)), attribute
    assert APPLICANT_FIELDS + COMPANY_FIELDS == tuple(BY_NAME)


def test_every_declared_field_is_a_plain_text_attribute_of_the_draft_and_the_other_way_round():
    draft_fields = ApplicationDraft.model_fields
    for declared in FIELDS:
        assert declared.name in draft_fields, f"add {declared.name}: str = '' to ApplicationDraft"
        info = draft_fields[declared.name]
        assert info.annotation is str and info.default == "", declared.name
    contacts = {name for name in draft_fields if name.startswith(("applicant_", "company_"))}
    assert contacts == set(BY_NAME), "declare each applicant/company field of the draft in form_fields.FIELDS"


@pytest.mark.parametrize("block", list(Block))
def test_the_targets_fill_the_validated_model_exactly(block):
    declared = block_fields(block)
    assert {field.target for field in declared} == leaf_paths(MODELS[block], block.value)
    assert all(field.file_section == block.value and field.name.startswith(f"{block.value}_")
               for field in declared)
    assert all(field.professional_only is (block is Block.COMPANY) for field in declared)


@pytest.mark.parametrize("block", list(Block))
def test_the_listed_order_is_a_permutation_of_the_block(block):
    ranks = sorted(field.listed for field in listed_fields(block))
    assert ranks == list(range(1, len(block_fields(block)) + 1))


@pytest.mark.parametrize("declared", FIELDS, ids=lambda declared: declared.name)
def test_the_validation_checks_every_declared_field(declared):
    draft = valid_draft(professional=True)
    errors: dict[str, str] = {}
    assert check_applicant(draft, errors, None) is not None and check_company(draft, errors, None) is not None
    assert errors == {}
    check = check_applicant if declared.block is Block.APPLICANT else check_company
    assert check(draft.filled(**{declared.name: ""}), errors, None) is None
    assert list(errors) == [declared.name] and "required" in errors[declared.name]


def test_the_validated_company_is_built_from_the_targets():
    company = check_company(valid_draft(professional=True), {}, None)
    assert company is not None
    assert (company.location.country, company.location.province, company.location.city) == (
        "CN", "CN-ZJ", "Hangzhou")
    assert company.company_type.label == "Private enterprise"


def test_the_applicant_fields_are_all_typed_text():
    """The applicant form offers text controls only; the company form has the lists (form_fields.Control)."""
    assert all(field.control is Control.TEXT for field in block_fields(Block.APPLICANT))

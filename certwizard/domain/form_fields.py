"""Every applicant and company field, declared once: the form, the validation, the application file reader,
Verify Information and the verification letter all read `FIELDS`.

Adding a field: a `FormField` here, the attribute of the same name on `ApplicationDraft` (and where its
validated value goes on `Applicant`/`Company`), and its `normalise_*` in `certwizard.domain.fields`.
tests/domain/test_form_fields.py checks that the models and every reader agree with the declarations.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from certwizard.domain import fields as f
from certwizard.domain.models import ApplicationDraft, CompanyType


class Block(StrEnum):
    """The section a field belongs to; the company's is asked for professional (OV/EV) products only."""

    APPLICANT = "applicant"
    COMPANY = "company"

    @property
    def heading(self) -> str:
        return self.value.capitalize()


class Control(StrEnum):
    """What the form offers to fill the field in (the UI decides how it looks)."""

    TEXT = "text"
    COMPANY_TYPE = "company type"      # a list of `CompanyType`
    COUNTRY = "country"                # a list of countries, type to search
    PROVINCE = "province"              # the country's subdivisions, or free text when it has none


@dataclass
class Checking:
    """What a normaliser may need besides the typed text: the phone region, the values checked before it."""

    region: str | None
    checked: dict[str, Any] = field(default_factory=dict)    # field name -> normalised value


Normaliser = Callable[[str, Checking], Any]        # the canonical value, None if it cannot be checked yet
Readable = Callable[[str, ApplicationDraft], str]  # the typed value as a person reads it


def phone_region(draft: ApplicationDraft, default_region: str | None) -> str | None:
    """A number typed without +country code is read in the company's country, else the configured region."""
    if draft.company_country.strip():
        try:
            return f.normalise_country(draft.company_country)
        except f.FieldError:
            pass
    return default_region


# --- readable forms of typed values (the letter prints the draft as typed) ----------------------------------

def as_typed(typed: str, _draft: ApplicationDraft) -> str:
    return typed


def readable_phone(typed: str, draft: ApplicationDraft) -> str:
    """As the app shows it (+86 138 0013 8000), whatever the spacing typed; as typed if not valid."""
    try:
        return f.format_phone(f.normalise_phone(typed, phone_region(draft, None)))
    except f.FieldError:
        return typed


def _blank(typed: str) -> bool:
    """Nothing a person could read: only spaces, control or invisible characters."""
    return not any(ch.isprintable() and not ch.isspace() for ch in typed)


def readable_company_type(typed: str, _draft: ApplicationDraft) -> str:
    if _blank(typed):
        return ""
    try:
        return f.normalise_company_type(typed).label
    except f.FieldError:
        return typed


def _country_code(typed: str) -> str | None:
    try:
        return f.normalise_country(typed)
    except f.FieldError:
        return None


def readable_country(typed: str, _draft: ApplicationDraft) -> str:
    if _blank(typed):
        return ""
    code = _country_code(typed)
    return next((choice.name for choice in f.countries() if choice.code == code), typed)


def readable_province(typed: str, draft: ApplicationDraft) -> str:
    code = _country_code(draft.company_country)
    if code is None or _blank(typed):
        return typed
    try:
        return f.subdivision_name(f.normalise_province(code, typed))
    except f.FieldError:
        return typed


# --- normalisers with what they need ------------------------------------------------------------------------

def _plain(normalise: Callable[[str], Any]) -> Normaliser:
    return lambda typed, _checking: normalise(typed)


def _phone(typed: str, checking: Checking) -> str:
    return f.normalise_phone(typed, checking.region)


def _province(typed: str, checking: Checking) -> str | None:
    country = checking.checked.get("company_country")
    if country:
        return f.normalise_province(country, typed)
    if typed.strip():
        return None         # read in its country, once the country is right
    raise f.FieldError("Province/state is required: choose the country first, then the province")


# --- the declaration ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FormField:
    """One applicant or company field, everywhere it appears."""

    name: str                   # the ApplicationDraft attribute, also the key of its error and its form row
    block: Block
    label: str                  # on the form
    placeholder: str            # in the empty control (a list's prompt)
    normalise: Normaliser       # typed text -> canonical value, or FieldError saying what is accepted
    target: str                 # where the canonical value goes in the Application: "company.location.city"
    file_key: str               # in an application file, e.g. "company.zip_code"
    listed: int                 # position in Verify Information and the letter, within its block
    verify_line: str            # the Verify Information line it is shown on
    letter_label: str           # its row on the verification letter
    hint: str | None = None     # under the control
    control: Control = Control.TEXT
    checked_on_leaving: bool = False   # checked as soon as the user leaves the field, not only by Next
    file_example: str = '"..."'        # shown when an application file gives it the wrong type
    verify_part: str = "{}"            # how its value joins its Verify Information line
    shown: Callable[[Any], str] = str  # canonical value -> Verify Information text
    readable: Readable = as_typed      # typed value -> letter text

    @property
    def professional_only(self) -> bool:
        return self.block is Block.COMPANY

    @property
    def file_section(self) -> str:
        return self.file_key.split(".", 1)[0]

    @property
    def file_name(self) -> str:
        """The key inside its table of the file ([company] zip_code)."""
        return self.file_key.split(".", 1)[1]


A, C = Block.APPLICANT, Block.COMPANY

FIELDS: tuple[FormField, ...] = (          # in form order (also the focus order and the file's key order)
    FormField("applicant_name", A, "Name", "your full name, e.g. Li Lei",
              normalise=_plain(f.normalise_person_name), target="applicant.name", file_key="applicant.name",
              listed=1, verify_line="Applicant", letter_label="Name"),
    FormField("applicant_phone", A, "Phone", "with country code, e.g. +86 138 0013 8000",
              hint="The certificate authority may call this number.",
              normalise=_phone, target="applicant.phone", file_key="applicant.phone",
              file_example='"+86 138 0013 8000"', checked_on_leaving=True,
              listed=2, verify_line="Applicant", verify_part=", {}", shown=f.format_phone,
              letter_label="Phone", readable=readable_phone),
    FormField("applicant_email", A, "E-mail", "a full address, e.g. admin@example.com",
              hint="The authority sends its verification e-mail here: watch this mailbox.",
              normalise=_plain(f.normalise_email), target="applicant.email", file_key="applicant.email",
              checked_on_leaving=True, listed=3, verify_line="Applicant", verify_part=", {}",
              letter_label="E-mail"),
    FormField("applicant_id_number", A, "ID number", "e.g. 11010519491231002X or passport E12345678",
              normalise=_plain(f.normalise_id_number), target="applicant.id_number",
              file_key="applicant.id_number", file_example='"11010519491231002X"',
              listed=4, verify_line="ID number", letter_label="ID number"),
    FormField("company_name", C, "Company name", "the registered name, e.g. Example Trading Co., Ltd.",
              normalise=_plain(f.normalise_company_name), target="company.name", file_key="company.name",
              listed=1, verify_line="Company", letter_label="Company name"),
    FormField("company_type", C, "Type of company", "Choose the type", control=Control.COMPANY_TYPE,
              normalise=_plain(f.normalise_company_type), target="company.company_type",
              file_key="company.type", listed=2, verify_line="Company", verify_part=" ({})",
              shown=lambda kind: CompanyType(kind).label,
              letter_label="Type of company", readable=readable_company_type),
    FormField("company_phone", C, "Company phone", "with country code, e.g. +86 10 6552 9988",
              hint="The certificate authority calls this number to confirm the application.",
              normalise=_phone, target="company.phone", file_key="company.phone",
              file_example='"+86 571 8502 2088"', checked_on_leaving=True,
              listed=4, verify_line="Phone", shown=f.format_phone, letter_label="Phone",
              readable=readable_phone),
    FormField("company_organization_id", C, "Organization ID",
              "e.g. 91350100M000100Y43 or a registration number",
              normalise=_plain(f.normalise_organization_id), target="company.organization_id",
              file_key="company.organization_id", file_example='"91330100MA27XY1234"',
              listed=3, verify_line="Company", verify_part=", org. ID {}", letter_label="Organization ID"),
    FormField("company_country", C, "Country", "Choose the country (type to search)", control=Control.COUNTRY,
              normalise=_plain(f.normalise_country), target="company.location.country",
              file_key="company.country", listed=8, verify_line="Address", verify_part=", {}",
              letter_label="Country", readable=readable_country),
    FormField("company_province", C, "Province/State", "state, county or region", control=Control.PROVINCE,
              normalise=_province, target="company.location.province", file_key="company.province",
              listed=7, verify_line="Address", verify_part=", {}", shown=f.subdivision_name,
              letter_label="Province/state", readable=readable_province),
    FormField("company_city", C, "City", "e.g. Hangzhou",
              normalise=_plain(f.normalise_city), target="company.location.city", file_key="company.city",
              listed=6, verify_line="Address", verify_part=", {}", letter_label="City"),
    FormField("company_address", C, "Detailed address", "street, number, building, e.g. 969 West Wenyi Road",
              normalise=_plain(f.normalise_address), target="company.address", file_key="company.address",
              listed=5, verify_line="Address", letter_label="Address"),
    FormField("company_zip_code", C, "Zip code", "e.g. 310000 or SW1A 1AA",
              normalise=_plain(f.normalise_zip_code), target="company.zip_code", file_key="company.zip_code",
              file_example='"311121"', listed=9, verify_line="Address", verify_part=" {}",
              letter_label="Zip code"),
)
del A, C

BY_NAME: dict[str, FormField] = {declared.name: declared for declared in FIELDS}


def block_fields(block: Block) -> tuple[FormField, ...]:
    """The block's fields in form order."""
    return tuple(declared for declared in FIELDS if declared.block is block)


def listed_fields(block: Block) -> tuple[FormField, ...]:
    """The block's fields in the order Verify Information and the letter list them."""
    return tuple(sorted(block_fields(block), key=lambda declared: declared.listed))


def field_names(block: Block) -> tuple[str, ...]:
    return tuple(declared.name for declared in block_fields(block))


APPLICANT_FIELDS = field_names(Block.APPLICANT)
COMPANY_FIELDS = field_names(Block.COMPANY)

"""The Company section (OV/EV only): who the certificate is for, and where the company is.

Location is Country (type to search), then Province/State, refilled from the country's ISO 3166-2 subdivisions
(an Input instead when the country has none), then City. The fields, their labels and hints are declared in
`certwizard.domain.form_fields`; their `control` says which of these controls each one gets.
"""

from __future__ import annotations

from collections.abc import Iterator

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Select

from certwizard.domain import fields
from certwizard.domain.form_fields import Block, Control, FormField, block_fields
from certwizard.domain.models import ApplicationDraft, CompanyType
from certwizard.ui.widgets.applicant_form import (
    SectionTitle,
    input_id,
    option_prompt,
    select_text,
    set_select,
)
from certwizard.ui.widgets.field_row import FieldRow, SafeInput

_FIELDS = block_fields(Block.COMPANY)
_TEXT_FIELDS = tuple(declared.name for declared in _FIELDS if declared.control is Control.TEXT)
PROVINCE_TEXT_ID = "f-company_province-text"


def company_type_value(typed: str) -> str:
    """The CompanyType value for what a draft holds (value or label), or '' if it matches none."""
    try:
        return fields.normalise_company_type(typed).value
    except fields.FieldError:
        return ""


def country_code(typed: str) -> str:
    try:
        return fields.normalise_country(typed)
    except fields.FieldError:
        return ""


def province_code(country: str, typed: str) -> str:
    try:
        return fields.normalise_province(country, typed) if typed.strip() else ""
    except fields.FieldError:
        return ""


class CompanyForm(Vertical):
    DEFAULT_CSS = """
    CompanyForm {
        height: auto;
    }
    """

    def __init__(self) -> None:
        super().__init__(id="company-form")
        self._province_country: str | None = None
        # Kept here rather than read back from `display`: while the app quits, widgets report odd values.
        self._province_is_list = True

    def compose(self) -> ComposeResult:
        yield SectionTitle(Block.COMPANY.heading)
        for declared in _FIELDS:
            yield from self._rows(declared)

    @staticmethod
    def _rows(declared: FormField) -> Iterator[FieldRow]:
        name, label = declared.name, declared.label
        if declared.control is Control.COMPANY_TYPE:
            kinds = [(kind.label, kind.value) for kind in CompanyType]
            yield FieldRow(label, Select(kinds, prompt=declared.placeholder, id=input_id(name)),
                           field_name=name, hint=declared.hint)
        elif declared.control is Control.COUNTRY:
            countries = [(option_prompt(f"{c.name} ({c.code})"), c.code) for c in fields.countries()]
            yield FieldRow(label, Select(countries, prompt=declared.placeholder, id=input_id(name)),
                           field_name=name, hint=declared.hint)
        elif declared.control is Control.PROVINCE:
            # A list of the country's subdivisions, or (hidden until a country has none) free text.
            yield FieldRow(label, Select([], prompt="Choose the country first", id=input_id(name)),
                           field_name=name, hint=declared.hint)
            yield FieldRow(label, SafeInput(placeholder=declared.placeholder, id=PROVINCE_TEXT_ID),
                           field_name=name, hint=declared.hint, id="row-company_province-text")
        else:
            yield FieldRow(label, SafeInput(placeholder=declared.placeholder, id=input_id(name)),
                           field_name=name, hint=declared.hint)

    def on_mount(self) -> None:
        self.query_one("#row-company_province-text").display = False

    # --- location ------------------------------------------------------------------------------------------

    @property
    def _province_select(self) -> Select:
        return self.query_one(f"#{input_id('company_province')}", Select)

    @property
    def _province_text(self) -> Input:
        return self.query_one(f"#{PROVINCE_TEXT_ID}", Input)

    @property
    def province_uses_list(self) -> bool:
        return self._province_is_list

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == input_id("company_country"):
            self.use_country(select_text(event.select))

    def use_country(self, code: str) -> None:
        """Refill Province/State for `code` (a list, or free text when it has no subdivisions)."""
        if code == self._province_country:
            return   # the Changed echo of a value we set ourselves: keep the province chosen since
        self._province_country = code
        subdivisions = fields.subdivisions(code) if code else ()
        has_list = bool(subdivisions) or not code
        self._province_is_list = has_list
        self.query_one("#row-company_province").display = has_list
        self.query_one("#row-company_province-text").display = not has_list
        select = self._province_select
        select.set_options((option_prompt(f"{s.name} ({s.code})"), s.code) for s in subdivisions)
        select.prompt = "Choose the province or state" if code else "Choose the country first"

    # --- values --------------------------------------------------------------------------------------------

    def values(self) -> dict[str, str]:
        values = {name: self.query_one(f"#{input_id(name)}", Input).value for name in _TEXT_FIELDS}
        values["company_type"] = select_text(self.query_one(f"#{input_id('company_type')}", Select))
        values["company_country"] = select_text(self.query_one(f"#{input_id('company_country')}", Select))
        values["company_province"] = (select_text(self._province_select) if self.province_uses_list
                                      else self._province_text.value)
        return values

    def load(self, draft: ApplicationDraft) -> None:
        for name in _TEXT_FIELDS:
            self.query_one(f"#{input_id(name)}", Input).value = getattr(draft, name)
        set_select(self.query_one(f"#{input_id('company_type')}", Select), company_type_value(draft.company_type))
        code = country_code(draft.company_country)
        set_select(self.query_one(f"#{input_id('company_country')}", Select), code)
        self._province_country = None
        self.use_country(code)
        if self.province_uses_list:
            set_select(self._province_select, province_code(code, draft.company_province))
        else:
            self._province_text.value = draft.company_province

    def rows(self) -> dict[str, FieldRow]:
        """The visible row of each company field (Province/State has two, one hidden)."""
        return {row.field_name: row for row in self.query(FieldRow) if row.display}

"""The Company section (OV/EV only): who the certificate is for, and where the company is.

Location is Country (type to search), then Province/State, refilled from the country's ISO 3166-2 subdivisions
(an Input instead when the country has none), then City.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Select

from certwizard.domain import fields
from certwizard.domain.models import ApplicationDraft, CompanyType
from certwizard.ui.widgets.applicant_form import (
    SectionTitle,
    input_id,
    option_prompt,
    select_text,
    set_select,
)
from certwizard.ui.widgets.field_row import FieldRow, SafeInput

# Plain text fields: (draft field, label, placeholder, hint)
_TEXT_ROWS = {
    "company_name": ("Company name", "the registered name, e.g. Example Trading Co., Ltd.", None),
    "company_phone": ("Company phone", "with country code, e.g. +86 10 6552 9988",
                      "The certificate authority calls this number to confirm the application."),
    "company_organization_id": ("Organization ID", "e.g. 91350100M000100Y43 or a registration number", None),
    "company_city": ("City", "e.g. Hangzhou", None),
    "company_address": ("Detailed address", "street, number, building, e.g. 969 West Wenyi Road", None),
    "company_zip_code": ("Zip code", "e.g. 310000 or SW1A 1AA", None),
}
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
        yield SectionTitle("Company")
        yield self._text_row("company_name")
        yield FieldRow("Type of company",
                       Select([(kind.label, kind.value) for kind in CompanyType], prompt="Choose the type",
                              id=input_id("company_type")), field_name="company_type")
        yield self._text_row("company_phone")
        yield self._text_row("company_organization_id")
        countries = [(option_prompt(f"{c.name} ({c.code})"), c.code) for c in fields.countries()]
        yield FieldRow("Country", Select(countries, prompt="Choose the country (type to search)",
                                         id=input_id("company_country")),
                       field_name="company_country")
        yield FieldRow("Province/State", Select([], prompt="Choose the country first",
                                                id=input_id("company_province")),
                       field_name="company_province")
        yield FieldRow("Province/State",
                       SafeInput(placeholder="state, county or region", id=PROVINCE_TEXT_ID),
                       field_name="company_province", id="row-company_province-text")
        for name in ("company_city", "company_address", "company_zip_code"):
            yield self._text_row(name)

    @staticmethod
    def _text_row(name: str) -> FieldRow:
        label, placeholder, hint = _TEXT_ROWS[name]
        return FieldRow(label, SafeInput(placeholder=placeholder, id=input_id(name)), field_name=name,
                        hint=hint)

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
        values = {name: self.query_one(f"#{input_id(name)}", Input).value for name in _TEXT_ROWS}
        values["company_type"] = select_text(self.query_one(f"#{input_id('company_type')}", Select))
        values["company_country"] = select_text(self.query_one(f"#{input_id('company_country')}", Select))
        values["company_province"] = (select_text(self._province_select) if self.province_uses_list
                                      else self._province_text.value)
        return values

    def load(self, draft: ApplicationDraft) -> None:
        for name in _TEXT_ROWS:
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

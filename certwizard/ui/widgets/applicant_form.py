"""The Applicant section: the person the certificate authority contacts (name, phone, e-mail, ID number).

The fields, their labels and hints are declared in `certwizard.domain.form_fields`.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Select

from certwizard.domain.form_fields import APPLICANT_FIELDS, Block, block_fields
from certwizard.domain.models import ApplicationDraft
from certwizard.domain.text import printable
from certwizard.ui.widgets.field_row import FieldRow, SafeInput, SectionTitle

__all__ = ["ApplicantForm", "SectionTitle", "input_id", "option_prompt", "select_text", "set_select"]


def input_id(field_name: str) -> str:
    return f"f-{field_name}"


def set_select(select: Select, value: object, fallback: object = Select.NULL) -> None:
    """Select `value` if it is one of the options, else `fallback`, else the prompt (never raises on stale data)."""
    legal = select._legal_values  # noqa: SLF001 - Select has no public "is this an option" lookup
    for candidate in (value, fallback):
        if candidate is not Select.NULL and candidate in legal:
            select.value = candidate
            return
    if Select.NULL in legal:
        select.clear()


def option_prompt(text: str) -> Text:
    """A Select option shown literally (pycountry names hold brackets, e.g. 'Barcelona [Barcelona]').

    Rich Text, not Content: Select's type-to-search only looks inside str and Text prompts, and a str prompt
    would be parsed as markup."""
    return Text(printable(text), no_wrap=True, overflow="ellipsis")


def select_text(select: Select) -> str:
    return "" if select.is_blank() else str(select.value)


class ApplicantForm(Vertical):
    DEFAULT_CSS = """
    ApplicantForm {
        height: auto;
    }
    """

    def compose(self) -> ComposeResult:
        yield SectionTitle(Block.APPLICANT.heading)
        for declared in block_fields(Block.APPLICANT):     # all text (form_fields.Control.TEXT)
            control = SafeInput(placeholder=declared.placeholder, id=input_id(declared.name))
            yield FieldRow(declared.label, control, field_name=declared.name, hint=declared.hint)

    def values(self) -> dict[str, str]:
        return {name: self.query_one(f"#{input_id(name)}", Input).value for name in APPLICANT_FIELDS}

    def load(self, draft: ApplicationDraft) -> None:
        for name in APPLICANT_FIELDS:
            self.query_one(f"#{input_id(name)}", Input).value = getattr(draft, name)

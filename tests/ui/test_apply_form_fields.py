"""Every declared applicant and company field (domain/form_fields.py) reaches every place that shows or reads
it: the form, the application file reader, Verify Information and the verification letter. Each check reads
the declaration, so a field wired into some of them and forgotten in another fails here."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Input

from certwizard.documents.letter import letter_sections
from certwizard.domain.form_fields import FIELDS, Control, FormField
from certwizard.domain.models import Order
from certwizard.domain.products import get_product
from certwizard.services.application_file import parse_application
from certwizard.ui.widgets.enter_form import EnterApplicationForm
from certwizard.ui.widgets.verify_pane import application_summary
from tests.ui.orders import submitted_application

PROFESSIONAL = "ov-single"


def field_id(declared: FormField) -> str:
    return declared.name


def marker(declared: FormField) -> str:
    """A value no normaliser recognises, so every reader passes it on as typed."""
    return f"typed {declared.name}"


class FormApp(App):
    def compose(self) -> ComposeResult:
        yield EnterApplicationForm(get_product(PROFESSIONAL))


async def test_every_declared_field_has_its_row_on_the_form_with_its_label():
    app = FormApp()
    async with app.run_test(size=(100, 40)):
        form = app.query_one(EnterApplicationForm)
        rows = form.rows()
        for declared in FIELDS:
            assert declared.name in rows, f"{declared.name} has no row on the form"
            assert rows[declared.name].label == declared.label
        shown = [name for name in rows if name in {declared.name for declared in FIELDS}]
        assert shown == [declared.name for declared in FIELDS], "the form follows the declared order"

        typed = {declared.name: marker(declared) for declared in FIELDS if declared.control is Control.TEXT}
        form.load_contacts(Order(product_id=PROFESSIONAL).draft.filled(**typed))
        values = form.values()
        assert {declared.name for declared in FIELDS} <= set(values)
        assert {name: values[name] for name in typed} == typed
        for name in typed:
            assert app.query_one(f"#f-{name}", Input).value == typed[name]


@pytest.mark.parametrize("declared", FIELDS, ids=field_id)
def test_every_declared_field_is_read_from_an_application_file(declared):
    text = f'[{declared.file_section}]\n{declared.file_name} = "{marker(declared)}"\n'
    parsed = parse_application(text, ".toml", Path("."))
    assert parsed.values[declared.name] == marker(declared)
    assert parsed.key_for(declared.name) == declared.file_key


@pytest.mark.parametrize("declared", FIELDS, ids=field_id)
def test_every_declared_field_is_shown_in_verify_information(declared):
    application = submitted_application("www.example.com", company=True)
    lines = {label: value.plain for label, value in
             application_summary(Order(product_id=PROFESSIONAL), application)}
    value: object = application
    for step in declared.target.split("."):
        value = getattr(value, step)
    assert declared.verify_line in lines
    assert declared.verify_part.format(declared.shown(value)) in lines[declared.verify_line]


@pytest.mark.parametrize("declared", FIELDS, ids=field_id)
def test_every_declared_field_is_printed_on_the_letter(declared):
    order = Order(product_id=PROFESSIONAL)
    draft = order.draft.filled(**{other.name: marker(other) for other in FIELDS})
    sections = dict(letter_sections(order, draft, date(2026, 5, 1)))
    assert (declared.letter_label, marker(declared)) in sections[declared.block.heading]



@pytest.mark.parametrize("declared", FIELDS, ids=field_id)
def test_every_declared_file_key_is_in_the_readme_table(declared):
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    [row] = [line for line in readme.splitlines() if line.startswith(f"| `[{declared.file_section}]` |")]
    assert f"`{declared.file_name}`" in row

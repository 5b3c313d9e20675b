"""The dense Apply form: one line per field, a whole DV form and a dozen OV fields at 80x24, the focus visible
without colour, the focused field's hint in one line under the form, and Verify's summary with its documents."""

from __future__ import annotations

import pytest
from textual.geometry import Region

from certwizard.ui.widgets.csr_mode import AUTOMATIC_NOTICE
from certwizard.ui.widgets.enter_form import NEXT_HINT
from certwizard.ui.widgets.field_row import FieldLabel
from certwizard.ui.widgets.labelled_lines import LabelledLines
from certwizard.ui.widgets.validation_field import METHOD_HINT, WILDCARD_HINT
from tests.ui.orders import valid_dv_draft, valid_ov_draft

THREE_NAMES = "www.example.com, example.com, shop.example.com"


def visible_fields(driver) -> list[str]:
    """The fields whose line (label and value) is inside the form's window, with the label on that line."""
    form = driver.screen.form
    window = form.scrollable_content_region
    lines = driver.text().splitlines()
    shown = []
    for name, row in form.rows().items():
        line = Region(row.region.x, row.region.y, row.region.width, 1)
        if row.region.height and window.contains_region(line) and row.label in lines[line.y]:
            shown.append(name)
    return shown


async def test_a_dv_form_shows_every_field_at_80x24(make_app, services, apply_driver):
    [order] = services.workflow.add_purchased("dv-multi")
    services.workflow.save_draft(order, valid_dv_draft(THREE_NAMES))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        assert driver.screen.form.scroll_y == 0
        every = list(driver.screen.form.rows())
        assert len(every) == 10                        # domains, 4 applicant, method, hook, mode, key, passphrase
        assert visible_fields(driver) == every


async def test_an_ov_multi_domain_form_shows_a_dozen_fields_at_80x24(make_app, services, apply_driver):
    [order] = services.workflow.add_purchased("ov-multi")
    services.workflow.save_draft(order, valid_ov_draft(THREE_NAMES))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        assert driver.screen.form.scroll_y == 0
        shown = visible_fields(driver)
        assert len(shown) >= 12, shown
        assert shown[:5] == ["domains", "applicant_name", "applicant_phone", "applicant_email",
                             "applicant_id_number"]


async def test_each_field_is_one_line_until_it_has_an_error(make_app, services, apply_driver):
    [order] = services.workflow.add_purchased("ov-single")
    services.workflow.save_draft(order, valid_ov_draft().model_copy(update={"applicant_email": "lilei@example"}))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        rows = driver.screen.form.rows()
        one_line = {name: row.region.height for name, row in rows.items() if name != "domains"}
        assert set(one_line.values()) == {1}, {name: height for name, height in one_line.items() if height != 1}
        await driver.press("f8")                                     # refused: the error under its field
        assert driver.error("applicant_email")
        assert rows["applicant_email"].region.height > 1
        assert rows["applicant_phone"].region.height == 1


@pytest.mark.parametrize("environment", [{"NO_COLOR": "1"}, {"TERM": "linux"}, {}])
async def test_the_focused_field_is_marked_without_colour(make_app, services, apply_driver, monkeypatch,
                                                          environment):
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    [order] = services.workflow.add_purchased("dv-single")
    services.workflow.save_draft(order, valid_dv_draft())
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        await driver.press("tab")                                     # Domains -> Name
        marker = ">" if environment else "▸"
        rows = driver.screen.form.rows()
        lines = driver.text().splitlines()
        name_line = lines[rows["applicant_name"].region.y]
        assert f"Name {marker} Li Lei" in name_line
        assert marker not in lines[rows["applicant_phone"].region.y]
        # Reverse video: an attribute, kept by NO_COLOR's filter and by a 16-colour console.
        strips = app.screen._compositor.render_strips()
        label = rows["applicant_name"].query_one(FieldLabel).region
        styles = [segment.style for segment in strips[label.y].crop(label.x, label.right)._segments
                  if segment.text.strip()]
        assert styles and all(style is not None and style.reverse for style in styles)
        phone = rows["applicant_phone"].query_one(FieldLabel).region
        assert not any(segment.style is not None and segment.style.reverse
                       for segment in strips[phone.y].crop(phone.x, phone.right)._segments)


async def test_the_hint_line_follows_the_focus(make_app, services, apply_driver, no_debounce):
    [order] = services.workflow.add_purchased("acme:pebble:dv-multi-wildcard")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        form = driver.screen.form
        assert form.hint_line.content.plain == NEXT_HINT            # Domains to Bind: no hint of its own
        form.validation.radio.focus()
        await driver.settle()
        assert form.hint_line.content.plain == METHOD_HINT
        assert METHOD_HINT[:40] in driver.text()
        # The hint changes while the field has the focus: a wildcard typed elsewhere (as a paste would).
        driver.control("domains").value = "example.com, *.example.com"
        await driver.settle()
        assert form.hint_line.content.plain == WILDCARD_HINT
        form.csr.radio.focus()
        await driver.settle()
        assert form.hint_line.content.plain == AUTOMATIC_NOTICE
        await driver.fill(csr_mode="manual")
        assert "paste its CSR" in form.hint_line.content.plain
        # The line stays where it is: under the form, outside its scrolling.
        assert form.hint_line.region.y >= form.region.bottom


async def test_the_pasted_csr_area_grows_only_while_focused_or_filled(make_app, services, apply_driver):
    [order] = services.workflow.add_purchased("dv-single")
    services.workflow.save_draft(order, valid_dv_draft().model_copy(update={"csr_mode": "manual"}))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        area = driver.control("csr_pem")
        assert area.region.height == 1
        area.focus()
        await driver.settle()
        assert area.region.height > 5
        driver.control("csr_file").focus()
        await driver.settle()
        assert area.region.height == 1
        await driver.fill(csr_pem="-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n")
        driver.control("csr_file").focus()
        await driver.settle()
        assert area.region.height > 5


@pytest.mark.parametrize(("size", "stacked"), [((80, 24), False), ((60, 20), True)])
async def test_radio_buttons_are_side_by_side_when_they_fit(make_app, services, apply_driver, size, stacked):
    [order] = services.workflow.add_purchased("dv-single")
    app = make_app()
    async with app.run_test(size=size) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        mode = driver.screen.form.csr.radio
        assert mode.has_class("-stacked") is stacked
        assert mode.region.height == (2 if stacked else 1)


async def test_verify_shows_the_ov_summary_with_the_documents_at_80x24(make_app, services, apply_driver):
    [order] = services.workflow.add_purchased("ov-multi")
    services.workflow.save_draft(order, valid_ov_draft(THREE_NAMES))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        await driver.press("f8")
        verify = driver.screen.verify
        window = verify.scrollable_content_region
        summary = verify.query_one("#summary", LabelledLines)
        assert window.contains_region(summary.region), (window, summary.region)
        documents = verify.documents_row
        assert documents is not None and window.contains_region(Region(*documents.region.offset, 1, 2))
        text = driver.text()
        for label, _ in summary.rows:
            assert f"  {label}" in text
        assert "Qualification documents" in text and "none yet" in text.lower()

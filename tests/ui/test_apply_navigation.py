"""Apply for Certificate: opening and closing, the two tabs, Next gating, errors at their fields, the
Footer, and the help that explains the keys."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from certwizard.domain.status import OrderStatus
from certwizard.ui.screens.apply import ApplyScreen
from certwizard.ui.screens.certificates import CertificatesScreen

pytestmark = pytest.mark.usefixtures("no_debounce")


async def test_escape_closes_apply_and_the_home_screen_works_again(make_app, services, apply_driver,
                                                                   screen_text):
    [order] = services.workflow.add_purchased("dv-single")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        await driver.fill(domains="www.example.com")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CertificatesScreen)
        assert "www.example.com" in screen_text(app)           # the list shows the saved draft
        await pilot.press("enter")                              # and keys work again: Apply opens anew
        await driver.settle()
        assert isinstance(app.screen, ApplyScreen)
        assert driver.control("domains").value == "www.example.com"
    assert services.workflow.order(order.id).status is OrderStatus.DRAFT


async def test_the_verify_tab_stays_disabled_until_next_accepts_the_application(make_app, services,
                                                                                 apply_driver):
    [order] = services.workflow.add_purchased("dv-single")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        tabs = driver.screen.tabs
        assert tabs.get_tab("verify").disabled
        await driver.press("f8")
        assert tabs.active == "enter" and tabs.get_tab("verify").disabled
        await driver.fill(domains="www.example.com", applicant_name="Li Lei",
                          applicant_phone="+86 138 0013 8000",
                          applicant_email="lilei@example.com", applicant_id_number="11010519491231002X")
        await driver.press("f8")
        assert tabs.active == "verify" and not tabs.get_tab("verify").disabled
        assert driver.screen.current_tab == "verify"
        assert "Li Lei, +86 138 0013 8000, lilei@example.com" in driver.text()


async def test_next_shows_every_error_at_its_own_field_and_focuses_the_first(make_app, services, apply_driver,
                                                                            notes):
    [order] = services.workflow.add_purchased("ov-single")
    app = make_app()
    async with app.run_test(size=(80, 24), message_hook=notes.hook) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        await driver.fill(domains="*.example.com", applicant_name="Li Lei", applicant_phone="12",
                          applicant_email="not-an-address", company_zip_code="?")
        await driver.press("f8")
        assert "wildcard" in driver.error("domains")
        assert driver.error("applicant_name") == ""
        assert "phone" in driver.error("applicant_phone").lower()
        assert "e-mail" in driver.error("applicant_email").lower() or "@" in driver.error("applicant_email")
        assert driver.error("applicant_id_number")
        for company_field in ("company_name", "company_type", "company_phone", "company_organization_id",
                              "company_country", "company_province", "company_city", "company_address",
                              "company_zip_code"):
            assert driver.error(company_field), company_field
        assert app.focused is driver.control("domains")         # the first field in reading order
        assert driver.screen.tabs.active == "enter"
    assert "need attention" in notes.joined()


async def test_an_error_goes_away_when_its_field_is_edited(make_app, services, apply_driver):
    [order] = services.workflow.add_purchased("dv-single")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        await driver.press("f8")
        assert driver.error("applicant_email")
        await driver.fill(applicant_email="lilei@example.com")
        assert driver.error("applicant_email") == ""
        assert driver.error("applicant_phone")                    # the others stay until fixed


async def test_a_long_error_wraps_under_its_field_at_80_columns(make_app, services, apply_driver):
    [order] = services.workflow.add_purchased("dv-wildcard")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        await driver.fill(domains="portal.example.org")
        message = driver.error("domains")
        assert len(message) > 60                                  # longer than the space beside the label
        shown = " ".join(line.strip() for line in driver.text().splitlines())
        last_words = " ".join(message.split()[-3:])
        assert last_words in shown                                # wrapped, not cut off at the edge


async def test_back_returns_to_the_first_tab_and_next_must_be_passed_again(make_app, services, valid_draft,
                                                                           apply_driver):
    [order] = services.workflow.add_purchased("dv-single")
    services.workflow.save_draft(order, valid_draft)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        await driver.press("f8")
        assert driver.screen.tabs.active == "verify"
        await driver.press("f2")
        assert driver.screen.tabs.active == "enter"
        assert driver.screen.tabs.get_tab("verify").disabled
        assert app.focused is driver.control("domains")
        assert services.workflow.order(order.id).draft.step == "enter"


@pytest.mark.parametrize("product_id", ["dv-single", "ov-single"])
async def test_every_key_of_both_tabs_fits_in_the_footer_at_80x24(make_app, services, apply_driver, draft_for,
                                                                  product_id):
    [order] = services.workflow.add_purchased(product_id)
    services.workflow.save_draft(order, draft_for(product_id))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        for tab_key in ("enter", "verify"):
            if tab_key == "verify":
                await driver.press("f8")
            footer = driver.footer()
            shown = [binding for binding in app.screen.active_bindings.values()
                     if binding.binding.show and binding.enabled is not False]
            for active in shown:
                assert active.binding.description in footer, (tab_key, active.binding.description, footer)
            assert footer.rstrip().endswith("Help"), footer       # nothing cut off at the right edge
        assert isinstance(app.screen, ApplyScreen)


async def test_the_verify_tab_can_be_read_with_the_keyboard(make_app, services, apply_driver, draft_for):
    [order] = services.workflow.add_purchased("ov-single")
    services.workflow.save_draft(order, draft_for("ov-single"))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        await driver.press("f8")
        assert app.focused is driver.screen.verify                  # arrows and PageDown scroll it
        assert "press F9 (Submit)" not in driver.text()            # the last line, below the requirements
        await driver.press("end")
        assert "press F9 (Submit)" in driver.text()


async def test_the_domains_field_is_focused_when_apply_opens(make_app, services, apply_driver):
    [order] = services.workflow.add_purchased("dv-single")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        assert isinstance(app.focused, Input) and app.focused is driver.control("domains")
        await pilot.press(*"www.example.com")
        await driver.settle()
        assert driver.control("domains").value == "www.example.com"



def test_help_explains_the_keys_of_the_application_form(services):
    from certwizard.ui.screens.help import help_markdown

    text = help_markdown(services)
    for expected in ("`F8` (Next)", "`F9` submits", "`F2` goes back", "`F3` saves the pre-filled",
                     "`F4` uploads", "`x` or `Delete` removes", "`F5` saves", "`F6` fills", "Load from file"):
        assert expected in text, expected

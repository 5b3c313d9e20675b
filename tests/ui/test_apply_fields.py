"""The Enter Application fields: Domains to Bind checked live (IDNs with punycode), the company section of
professional products with Location as country then province, and saved profiles (F5 / F6)."""

from __future__ import annotations

import pytest
from textual.widgets import Input, Select

from certwizard.domain.models import ProfileKind
from certwizard.ui.dialogs.pickers import ProfilePickerDialog
from certwizard.ui.dialogs.text_prompt import TextPromptDialog

pytestmark = pytest.mark.usefixtures("no_debounce")


async def test_an_internationalised_domain_is_shown_with_its_punycode(make_app, services, apply_driver):
    [order] = services.workflow.add_purchased("dv-multi")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        await driver.fill(domains="bücher.example.com, www.example.com")
        text = driver.text()
        assert "bücher.example.com (xn--bcher-kva.example.com)" in text
        assert "www.example.com" in text and driver.error("domains") == ""


async def test_the_verify_summary_shows_both_forms_of_an_internationalised_domain(make_app, services,
                                                                                 valid_draft, apply_driver):
    [order] = services.workflow.add_purchased("dv-multi")
    services.workflow.save_draft(order, valid_draft.filled(domains="bücher.example.com, www.example.com"))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        await driver.press("f8")
        assert "bücher.example.com (xn--bcher-kva.example.com), www.example.com" in driver.text()


async def test_the_product_rule_is_shown_and_checked_while_typing(make_app, services, apply_driver):
    [order] = services.workflow.add_purchased("dv-single")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        assert "Wildcards are not accepted" in driver.text()
        await driver.fill(domains="*.example.com")
        assert "wildcard" in driver.error("domains").lower()
        await driver.fill(domains="www.example.com")
        assert driver.error("domains") == ""
        assert "www.example.com (common name)" in driver.text()


@pytest.mark.parametrize(("product_id", "has_company"),
                         [("dv-single", False), ("dv-wildcard", False), ("ov-single", True),
                          ("ev-multi", True)])
async def test_the_company_section_is_shown_only_for_ov_and_ev(make_app, services, apply_driver, product_id,
                                                               has_company):
    [order] = services.workflow.add_purchased(product_id)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        assert (driver.screen.form.company is not None) is has_company
        assert ("company_name" in driver.screen.form.rows()) is has_company


async def test_the_province_list_follows_the_country(make_app, services, apply_driver):
    [order] = services.workflow.add_purchased("ov-single")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        province = driver.control("company_province")
        assert isinstance(province, Select) and not province._options[1:]   # nothing before a country
        await driver.fill(company_country="CN")
        chinese = {value for _, value in province._options[1:]}
        assert "CN-BJ" in chinese and "US-CA" not in chinese
        await driver.fill(company_province="CN-BJ", company_country="US")
        american = {value for _, value in province._options[1:]}
        assert "US-CA" in american and "CN-BJ" not in american
        assert province.is_blank()                         # Beijing is no answer for the United States


async def test_a_country_without_provinces_asks_for_free_text(make_app, services, apply_driver):
    [order] = services.workflow.add_purchased("ov-single")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        await driver.fill(company_country="HK")
        province = driver.control("company_province")
        assert isinstance(province, Input)
        await driver.fill(company_province="Kowloon")
    assert services.workflow.order(order.id).draft.company_province == "Kowloon"


async def test_typing_in_the_country_list_jumps_to_the_country(make_app, services, apply_driver):
    [order] = services.workflow.add_purchased("ov-single")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        country = driver.control("company_country")
        country.focus()
        await driver.press("enter", *"chin")
        await driver.press("enter")
        assert country.value == "CN"
        provinces = [str(prompt) for prompt, _ in driver.control("company_province")._options]
        assert "Beijing Shi (CN-BJ)" in provinces


async def test_province_names_with_brackets_are_listed_literally(make_app, services, apply_driver):
    [order] = services.workflow.add_purchased("ov-single")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        await driver.fill(company_country="ES", company_province="ES-CT")
        driver.control("company_province").focus()
        await pilot.pause()
        assert "Catalunya [Cataluña] (ES-CT)" in driver.text()


async def test_save_as_profile_then_fill_a_new_application_from_it(make_app, services, draft_for,
                                                                  apply_driver):
    [first] = services.workflow.add_purchased("ov-single")
    services.workflow.save_draft(first, draft_for("ov-single"))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(first.id)
        await driver.press("f8", "f5")
        assert isinstance(app.screen, TextPromptDialog)
        app.screen.query_one(Input).value = "Beijing office"
        await driver.press("enter")
        assert {p.kind for p in services.workflow.profiles()} == {ProfileKind.APPLICANT, ProfileKind.COMPANY}
        await driver.press("escape")                 # closed on purpose: the next start opens the home screen

    [second] = services.workflow.add_purchased("ov-single")          # bought later: the home cursor's row
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(second.id)
        for kind in ("applicant", "company"):
            await driver.press("f6")
            assert isinstance(app.screen, ProfilePickerDialog)
            assert "Beijing office" in driver.text()
            if kind == "company":
                await driver.press("down")
            await driver.press("enter")
        assert driver.control("applicant_name").value == "Li Lei"
        assert driver.control("company_name").value == "Example Trading Co., Ltd."
        assert driver.control("company_province").value == "CN-BJ"
        assert driver.control("domains").value == ""                  # a profile never fills the domains
    stored = services.workflow.order(second.id).draft
    assert stored.applicant_email == "lilei@example.com" and stored.company_city == "Beijing"


async def test_standard_products_offer_only_applicant_profiles(make_app, services, draft_for, apply_driver):
    workflow = services.workflow
    workflow.save_profiles(draft_for("ov-single"), "Head office", include_company=True)
    [order] = workflow.add_purchased("dv-single")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        await driver.press("f6")
        assert "applicant" in driver.text() and "company" not in driver.text().split("Kind", 1)[1]
        await driver.press("enter")
        assert driver.control("applicant_name").value == "Li Lei"


async def test_phone_and_email_are_checked_on_leaving_them(make_app, services, draft_for, apply_driver):
    """They were checked only by F8 (Next)."""
    [order] = services.workflow.add_purchased("ov-single")
    services.workflow.save_draft(order, draft_for("ov-single").filled(
        applicant_phone="", applicant_email="", company_phone=""))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        phone = driver.control("applicant_phone")
        phone.focus()
        await driver.press("tab")                                   # left empty: nothing to say yet
        assert driver.error("applicant_phone") == ""
        await driver.press("shift+tab", *"12", "tab")
        assert driver.error("applicant_phone").startswith("Phone")   # before any F8
        await driver.press(*"bad", "tab")
        assert driver.error("applicant_email").startswith("E-mail is not valid")
        driver.control("company_phone").focus()
        await driver.settle()
        await driver.press(*"010 6552 9988", "tab")              # read in the company's country (CN)
        assert driver.error("company_phone") == ""
        driver.control("applicant_phone").value = "+86 138 0013 8000"
        driver.control("applicant_phone").focus()
        await driver.settle()
        await driver.press("tab")
        assert driver.error("applicant_phone") == ""                 # fixed: the error goes
        assert driver.screen.current_tab == "enter"

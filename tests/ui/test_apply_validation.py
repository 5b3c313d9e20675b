"""The Apply screen for the validation plan: an ACME product asks for no applicant, every product has a Domain
validation block (method, webroot for HTTP, hook), a wildcard can be proven only by DNS, each error lands at its
field on F8, and the choices are stored with the draft and shown on Verify Information."""

from __future__ import annotations

import pytest
from textual.widgets import RadioSet, Static

from certwizard.ca.base import AuthorityError
from certwizard.domain.csr_names import CsrNameRule
from certwizard.domain.models import ApplicationDraft
from certwizard.domain.validation_methods import ValidationMethod
from certwizard.ui.dialogs.confirm import ConfirmDialog
from certwizard.ui.screens.certificates import CertificatesScreen
from certwizard.ui.screens.help import HelpScreen
from certwizard.ui.widgets.enter_form import NO_APPLICANT_NOTE
from certwizard.ui.widgets.labelled_lines import LabelledLines
from certwizard.ui.widgets.validation_field import METHOD_HINT, WILDCARD_HINT, ValidationField

pytestmark = pytest.mark.usefixtures("no_debounce")

ACME = "acme:pebble:dv-multi-wildcard"          # no account "pebble" is configured: the form needs none
APPLICANT_FIELDS = ("applicant_name", "applicant_phone", "applicant_email", "applicant_id_number")


def acme_order(services, draft: ApplicationDraft | None = None):
    [order] = services.repository.add_orders(ACME)
    if draft is not None:
        order = services.workflow.save_draft(order, draft)
    return order


def validation(driver) -> ValidationField:
    return driver.screen.form.validation


async def choose(driver, method: str) -> None:
    """Press the method's radio button, as Space on it does."""
    validation(driver).query_one(f"#method-{method}").value = True
    await driver.settle()


async def method_hint(driver) -> str:
    """The hint of Method: in the form's hint line while Method has the focus, checked to be on screen (its
    start: it wraps)."""
    validation(driver).radio.focus()
    await driver.settle()
    hint = str(validation(driver).row("validation_method").hint)
    assert driver.screen.form.hint_line.content.plain == hint
    assert hint[:30] in driver.text()
    return hint


def summary(driver) -> dict[str, str]:
    """Verify Information's application lines, label -> value (a long path wraps on screen)."""
    return {label: value.plain for label, value in driver.screen.verify.query_one("#summary", LabelledLines).rows}


def hook_file(tmp_path, mode: int = 0o700):
    hook = tmp_path / "publish-proof"
    hook.write_text("#!/bin/sh\nexit 0\n")
    hook.chmod(mode)
    return hook


async def test_an_acme_form_has_no_applicant_and_next_needs_only_the_domains(make_app, services, apply_driver):
    order = acme_order(services)
    with pytest.raises(AuthorityError):
        services.authorities.get(order.authority)       # the account is missing: the form must not need it
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        form = driver.screen.form
        assert form.applicant is None and not form.query("#f-applicant_name")
        assert not set(APPLICANT_FIELDS) & set(form.rows())
        assert NO_APPLICANT_NOTE in driver.text()
        assert "From profile" not in driver.footer()        # a profile holds applicant details
        assert form.csr.name_rule is CsrNameRule.EXACT     # the missing authority's rule: the strictest

        await driver.fill(domains="example.com, *.example.com")
        await driver.press("f8")
        assert driver.screen.current_tab == "verify"
        shown = driver.text()
        assert "Applicant" not in shown and "Save profile" not in driver.footer()
        assert "Validation DNS TXT record: you publish it when the authority gives it" in shown
        needs = str(driver.screen.verify.query_one("#requirements", Static).content)    # what the product needs
        assert "no applicant, no documents" in needs and "applicant's" not in needs

        await driver.press("f9")                            # the confirmation lists the same, without applicant
        assert isinstance(app.screen, ConfirmDialog)
        details = {label: value.plain for label, value in app.screen.query_one(LabelledLines).rows}
        assert "Applicant" not in details and details["Validation"].startswith("DNS TXT record")
        await driver.press("escape")
    stored = services.workflow.order(order.id).draft
    assert (stored.validation_method, stored.step) == ("dns", "verify")


async def test_the_sandbox_dv_form_asks_for_the_applicant_and_has_the_validation_block(make_app, services,
                                                                                      valid_draft, apply_driver):
    [order] = services.workflow.add_purchased("dv-single")
    services.workflow.save_draft(order, valid_draft)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        rows = list(driver.screen.form.rows())
        assert set(APPLICANT_FIELDS) <= set(rows) and NO_APPLICANT_NOTE not in driver.text()
        # The block is between the contacts and CSR Generation, and the webroot is shown only for HTTP.
        assert rows.index("applicant_id_number") < rows.index("validation_method") < rows.index("csr_mode")
        assert "validation_webroot" not in rows and "validation_hook" in rows
        await choose(driver, "http")
        assert "validation_webroot" in driver.screen.form.rows()
        await driver.press("f8")
        assert driver.screen.current_tab == "verify"
        shown = driver.text()
        assert "Applicant  Li Lei" in shown
        assert "Validation File over HTTP: you publish it when the authority gives it" in shown


async def test_a_wildcard_disables_http_and_says_why(make_app, services, apply_driver):
    order = acme_order(services)
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        http = validation(driver).button(ValidationMethod.HTTP)
        assert not http.disabled and await method_hint(driver) == METHOD_HINT
        await driver.fill(domains="example.com, *.example.com")
        assert http.disabled and await method_hint(driver) == WILDCARD_HINT
        await driver.fill(domains="example.com, www.example.com")     # no wildcard left: HTTP again
        assert not http.disabled and await method_hint(driver) == METHOD_HINT


async def test_http_for_a_wildcard_is_refused_at_the_method_field(make_app, services, apply_driver):
    # A draft that chose HTTP (e.g. from an application file) keeps the choice: F8 says what to change.
    order = acme_order(services, ApplicationDraft(domains="*.example.com", validation_method="http"))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        assert validation(driver).method.value == "http" and validation(driver).button(ValidationMethod.HTTP).disabled
        await driver.press("f8")
        assert driver.screen.current_tab == "enter"
        error = driver.error("validation_method")
        assert error.startswith("A wildcard name can be proven only by a DNS record")
        assert isinstance(app.focused, RadioSet) and app.focused.id == "f-validation_method"
        await choose(driver, "dns")
        assert driver.error("validation_method") == ""              # about the other method: gone
        await driver.press("f8")
        assert driver.screen.current_tab == "verify"


async def test_a_webroot_that_is_not_a_folder_is_refused_at_the_webroot_field(make_app, services, apply_driver,
                                                                              tmp_path):
    order = acme_order(services, ApplicationDraft(domains="www.example.com"))
    not_a_folder = tmp_path / "index.html"
    not_a_folder.write_text("hello")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        await choose(driver, "http")
        await driver.fill(validation_webroot=str(not_a_folder))
        await driver.press("f8")
        assert driver.screen.current_tab == "enter"
        assert driver.error("validation_webroot").startswith(f"{not_a_folder} is not a folder on this server")
        assert driver.error("validation_method") == ""
        assert app.focused is driver.control("validation_webroot")

        await driver.fill(validation_webroot=str(tmp_path))
        assert driver.error("validation_webroot") == ""              # the value the error was about changed
        await driver.press("f8")
        assert driver.screen.current_tab == "verify"
        assert summary(driver)["Webroot"] == str(tmp_path)


async def test_a_hook_that_is_not_executable_is_refused_at_the_hook_field(make_app, services, apply_driver,
                                                                          tmp_path):
    hook = hook_file(tmp_path, mode=0o600)
    order = acme_order(services, ApplicationDraft(domains="www.example.com", validation_hook=str(hook)))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        await driver.press("f8")
        assert driver.error("validation_hook") == f"{hook} is not executable: chmod 755 it (or 700), then check again"


async def test_the_webroot_of_a_dns_application_is_not_sent(make_app, services, apply_driver, tmp_path):
    """Switching to DNS hides the webroot: it is no part of the application (validation refuses a webroot
    with DNS, at a field the user could not see), and choosing HTTP again brings it back."""
    order = acme_order(services, ApplicationDraft(domains="www.example.com", validation_webroot=str(tmp_path)))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        assert validation(driver).method.value == "http"          # a webroot without a method means HTTP
        assert driver.control("validation_webroot").value == str(tmp_path)
        await choose(driver, "dns")
        assert "validation_webroot" not in driver.screen.form.rows()
        assert services.workflow.order(order.id).draft.validation_webroot == ""
        await driver.press("f8")
        assert driver.screen.current_tab == "verify" and "Webroot" not in driver.text()
        await driver.press("f2")
        await choose(driver, "http")
        assert driver.screen.form.values()["validation_webroot"] == str(tmp_path)


async def test_the_validation_choices_survive_closing_and_reopening(make_app, services, apply_driver, tmp_path):
    hook = hook_file(tmp_path)
    order = acme_order(services)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        await driver.fill(domains="www.example.com")
        await choose(driver, "http")
        await driver.fill(validation_webroot=str(tmp_path), validation_hook=str(hook))
        stored = services.workflow.order(order.id).draft           # saved while typing, before leaving
        assert (stored.validation_method, stored.validation_webroot, stored.validation_hook) == (
            "http", str(tmp_path), str(hook))
        await driver.press("escape")
        assert isinstance(app.screen, CertificatesScreen)
        await driver.open_from_home(order.id)
        assert validation(driver).method.value == "http"
        assert driver.control("validation_webroot").value == str(tmp_path)
        assert driver.control("validation_hook").value == str(hook)
        await driver.press("f8")
        assert "Validation File over HTTP: published and removed by the hook" in driver.text()
        assert (summary(driver)["Webroot"], summary(driver)["Hook"]) == (str(tmp_path), str(hook))


async def test_a_path_typed_with_control_characters_is_cleaned_and_says_so(make_app, services, apply_driver):
    order = acme_order(services)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        await driver.fill(validation_hook="/usr/local/bin/\x1b[31mhook")
        assert driver.control("validation_hook").value == "/usr/local/bin/[31mhook"
        assert driver.error("validation_hook").startswith("Removed 1 control or invisible character")


async def test_f1_on_the_validation_fields_opens_help_about_proving_the_domains(make_app, services, apply_driver):
    order = acme_order(services)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        driver.control("validation_hook").focus()
        await driver.press("f1")
        await driver.settle()
        assert isinstance(app.screen, HelpScreen)
        lines = [strip.text.strip() for strip in app.screen._compositor.render_strips()]
        assert next(line for line in lines[1:] if line).startswith("Proving the domains")

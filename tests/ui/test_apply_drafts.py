"""Drafts: everything typed is stored as the user goes, survives closing, quitting and restarting, and another
session's newer save is announced and loaded instead of being overwritten."""

from __future__ import annotations

import pytest
from PIL import Image
from textual.widgets import Input

from certwizard.domain.status import OrderStatus
from certwizard.services import open_services
from certwizard.ui.screens.certificates import CertificatesScreen
from certwizard.ui.widgets import debounce


def _letter_png(path):
    Image.new("RGB", (640, 480), (250, 250, 245)).save(path, "PNG")
    return path


async def test_typing_is_saved_once_typing_pauses(make_app, services, apply_driver, no_debounce):
    [order] = services.workflow.add_purchased("dv-single")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        await driver.fill(domains="www.example.com", applicant_name="Li Lei")
        stored = services.workflow.order(order.id).draft      # read while the screen is still open
    assert (stored.domains, stored.applicant_name) == ("www.example.com", "Li Lei")


async def test_closing_saves_what_was_typed_even_before_the_typing_pause(make_app, services, apply_driver,
                                                                          monkeypatch):
    monkeypatch.setattr(debounce, "SAVE_DELAY", 3600)          # the pause never comes
    [order] = services.workflow.add_purchased("dv-single")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        driver.control("applicant_email").value = "lilei@example.com"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CertificatesScreen)
    assert services.workflow.order(order.id).draft.applicant_email == "lilei@example.com"


async def test_quitting_right_after_typing_keeps_the_last_field(make_app, services, apply_driver,
                                                                 monkeypatch):
    # In a real terminal the keys and Ctrl+Q arrive together: the Changed messages of the last keys are still
    # queued when the app quits. Setting the value and quitting in the same tick does the same.
    monkeypatch.setattr(debounce, "SAVE_DELAY", 3600)
    [order] = services.workflow.add_purchased("dv-single")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        app.screen.query_one("#f-applicant_phone", Input).value = "+86 138 0013 8000"
        await app.action_quit()
    assert services.workflow.order(order.id).draft.applicant_phone == "+86 138 0013 8000"


async def test_a_restart_returns_to_the_verify_tab_with_fields_and_documents(tmp_path, make_app, services,
                                                                            apply_driver, draft_for,
                                                                            no_debounce):
    letter = _letter_png(tmp_path / "signed letter.png")
    [order] = services.workflow.add_purchased("ov-single")
    services.workflow.save_draft(order, draft_for("ov-single"))
    first = make_app()
    async with first.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(first, pilot)
        await driver.open_from_home(order.id)
        await driver.fill(company_name="Example Networks Ltd")
        await driver.press("f8")
        await driver.press("f4")
        first.screen.query_one("#path", Input).value = str(letter)
        await driver.press("enter")
        assert "signed letter.png" in driver.text()
        await pilot.press("ctrl+q")

    second = make_app(open_services(tmp_path / "data"))        # a new process on the same data folder
    async with second.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(second, pilot)
        await driver.reopened(order.id)                          # it ended inside Apply: back there
        assert driver.screen.tabs.active == "verify"
        assert driver.screen.verify.documents.row_count == 1
        assert "signed letter.png" in driver.text()             # the documents, in view with the summary
        assert "Example Networks Ltd" in driver.text()          # in the summary
        await driver.press("f2")
        assert driver.control("company_name").value == "Example Networks Ltd"
        assert driver.control("company_province").value == "CN-BJ"


async def test_a_restart_on_the_first_tab_restores_every_field_as_typed(tmp_path, make_app, services,
                                                                       apply_driver, no_debounce):
    [order] = services.workflow.add_purchased("ov-single")
    typed = dict(domains="portal.example.org", applicant_name="Li Lei", applicant_phone="not yet",
                 company_name="ACME [Holdings] Ltd", company_type="state-owned", company_country="DE")
    first = make_app()
    async with first.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(first, pilot)
        await driver.open_from_home(order.id)
        await driver.fill(**typed)
        await driver.fill(company_province="DE-BE", company_city="Berlin")
        await pilot.press("ctrl+q")

    second = make_app(open_services(tmp_path / "data"))
    async with second.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(second, pilot)
        await driver.reopened(order.id)
        assert driver.screen.tabs.active == "enter"
        for name, value in {**typed, "company_province": "DE-BE", "company_city": "Berlin"}.items():
            assert driver.control(name).value == value, name


async def test_another_session_saving_the_same_order_is_announced_and_its_data_loaded(
        tmp_path, make_app, services, apply_driver, valid_draft, notes, no_debounce):
    [order] = services.workflow.add_purchased("dv-single")
    services.workflow.save_draft(order, valid_draft)
    other = open_services(tmp_path / "data")                     # a second certwizard on the same folder
    app = make_app()
    async with app.run_test(size=(80, 24), message_hook=notes.hook) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        stored = other.workflow.order(order.id)
        other.workflow.save_draft(stored, stored.draft.filled(applicant_name="Han Meimei"))
        await driver.fill(applicant_email="me@example.com")      # this save meets the newer revision
        assert "changed in another certwizard session" in notes.joined()
        assert driver.control("applicant_name").value == "Han Meimei"
        assert driver.control("applicant_email").value == "lilei@example.com"
    final = services.workflow.order(order.id).draft
    assert final.applicant_name == "Han Meimei"          # the other session's save was not overwritten


@pytest.mark.parametrize("key", ["escape", "f8"])
async def test_leaving_after_another_session_submitted_the_order_says_why(tmp_path, make_app, services,
                                                                        apply_driver, valid_draft, notes,
                                                                        no_debounce, key):
    [order] = services.workflow.add_purchased("dv-single")
    services.workflow.save_draft(order, valid_draft)
    app = make_app()
    async with app.run_test(size=(80, 24), message_hook=notes.hook) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        open_services(tmp_path / "data").workflow.submit(order.id)
        await driver.fill(applicant_name="Li Lei Jr")
        await pilot.press(key)
        await pilot.pause()
        assert isinstance(app.screen, CertificatesScreen)
    assert "can no longer be edited" in notes.joined()
    assert services.workflow.order(order.id).draft.applicant_name == "Li Lei"


async def test_closing_apply_on_purpose_means_the_next_start_opens_the_home_screen(tmp_path, make_app, services,
                                                                                   apply_driver, valid_draft):
    [order] = services.workflow.add_purchased("dv-single")
    services.workflow.save_draft(order, valid_draft)
    first = make_app()
    async with first.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(first, pilot)
        await driver.open_from_home(order.id)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("ctrl+q")
    second = make_app(open_services(tmp_path / "data"))
    async with second.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert type(second.screen).__name__ == "CertificatesScreen"
        assert second.screen.selected.id == order.id


async def test_a_domain_list_from_an_application_file_stays_a_list_from_form_to_certificate(
        tmp_path, make_app, services, apply_driver, no_debounce):
    from certwizard.cli import main
    from tests.cli.cli_flow import toml_file

    [order] = services.workflow.add_purchased("dv-multi")
    names = ["a.example.net", "b.example.net", "c.example.net"]
    application = toml_file(tmp_path / "app.toml", names)
    assert main(["--data-dir", str(services.layout.root), "apply", order.id, "--from", str(application)]) == 0
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        assert driver.control("domains").value == "a.example.net, b.example.net, c.example.net"
        await driver.press("f8", "f9", "enter")                 # check, submit, confirm
    submitted = services.workflow.order(order.id)
    assert submitted.status is OrderStatus.DOMAIN_VERIFICATION
    assert submitted.application.domains == names
    assert [v.domain for v in submitted.domain_validations] == names


async def test_a_pasted_one_name_per_line_list_keeps_every_name(make_app, services, apply_driver, no_debounce):
    from textual import events

    [order] = services.workflow.add_purchased("dv-multi")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        field = driver.control("domains")
        field.focus()
        await pilot.pause()
        field.post_message(events.Paste("www.example.com\r\napi.example.com\nshop.example.com\n"))
        await driver.settle()
        assert field.value == "www.example.com, api.example.com, shop.example.com"
        field.post_message(events.Paste(", mail.example.com"))      # a one-line paste goes where the cursor is
        await driver.settle()
        assert field.value == "www.example.com, api.example.com, shop.example.com, mail.example.com"
        assert "Will be bound" in driver.text()
    assert services.workflow.order(order.id).draft.domains == field.value


async def test_enter_between_names_separates_them_as_a_new_line_does(make_app, services, apply_driver,
                                                                    no_debounce):
    # A paste without bracketed-paste mode arrives as keys, its line ends as Enter.
    [order] = services.workflow.add_purchased("dv-multi")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        field = driver.control("domains")
        field.focus()
        await pilot.press(*"a.example.org", "enter", *"b.example.org", "enter", "enter", *"c.example.org")
        await driver.settle()
        assert field.value == "a.example.org, b.example.org, c.example.org"
        assert "Will be bound" in driver.text() and "a.example.orgb" not in driver.text()

"""Submitting: the confirmation, what the submitted dialog tells the user, the row in Unissued Certificates,
and withdraw, modify, resubmit."""

from __future__ import annotations

import pytest
from textual.widgets import Button

from certwizard.domain.status import OrderStatus
from certwizard.ui.dialogs.confirm import ConfirmDialog
from certwizard.ui.dialogs.submitted import SubmittedDialog
from certwizard.ui.screens.apply import ApplyScreen
from certwizard.ui.screens.certificates import CertificatesScreen
from certwizard.ui.screens.unissued import UnissuedScreen

pytestmark = pytest.mark.usefixtures("no_debounce")


async def test_from_purchase_to_unissued_certificates_by_keyboard(make_app, services, apply_driver,
                                                                  screen_text):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await pilot.press("a", "enter")                  # the first product: Basic DV
        await pilot.press("enter")                       # one certificate
        await pilot.pause()
        [order] = services.workflow.orders()
        await driver.open_from_home(order.id)
        await driver.fill(domains="www.example.com", applicant_name="Li Lei",
                          applicant_phone="+86 138 0013 8000",
                          applicant_email="lilei@example.com", applicant_id_number="11010519491231002X")
        await driver.press("f8", "f9")
        assert isinstance(app.screen, ConfirmDialog)
        await driver.press("enter")                      # Submit has the focus
        assert isinstance(app.screen, SubmittedDialog)
        assert app.screen.styles.background.a == 1       # opaque: the finished form is not drawn behind it
        await driver.press("enter")
        assert isinstance(app.screen, UnissuedScreen)
        assert app.screen.selected.id == order.id
        text = screen_text(app)
        assert "www.example.com" in text and "Domain verification" in text
    assert services.workflow.order(order.id).status is OrderStatus.DOMAIN_VERIFICATION


async def test_the_submitted_dialog_says_what_to_expect_and_its_button_fits(make_app, services, valid_draft,
                                                                           apply_driver):
    [order] = services.workflow.add_purchased("dv-multi")
    services.workflow.save_draft(order, valid_draft.filled(domains="www.example.com, shop.example.com"))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        await driver.press("f8", "f9", "enter")
        assert isinstance(app.screen, SubmittedDialog)
        text = driver.text()
        assert "Keep your phone on (+86 138 0013 8000)" in text
        assert "Watch the mailbox of lilei@example.com" in text
        assert "Expected issuance:" in text
        assert "OK, show Unissued Certificates" in text          # the button is on screen at 80x24
        submitted = services.workflow.order(order.id)
        everything = app.screen.query_one("#what-next").render().plain
        for validation in submitted.domain_validations:
            assert (f"  DNS TXT record   {validation.dns_name}\n"
                    f"  value            {validation.dns_value}\n") in everything
        last = submitted.domain_validations[-1].dns_value
        assert last not in driver.text()
        await driver.press("end")                                # the rest is read with the keyboard
        assert last in driver.text()


async def test_the_confirmation_lists_the_documents_of_a_professional_application(
        tmp_path, make_app, services, draft_for, apply_driver):
    from PIL import Image

    from certwizard.documents.images import inspect_document

    letter = tmp_path / "letter.png"
    Image.new("RGB", (600, 400), "white").save(letter)
    [order] = services.workflow.add_purchased("ov-single")
    order = services.workflow.save_draft(order, draft_for("ov-single"))
    services.workflow.attach_document(order, inspect_document(letter), "letter.png")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        await driver.press("f8", "f9")
        assert isinstance(app.screen, ConfirmDialog)
        assert "Documents  1: letter.png" in driver.text()
        await driver.press("enter")
        assert isinstance(app.screen, SubmittedDialog)
        everything = " ".join(app.screen.query_one("#what-next").render().plain.split())
        assert ("Keep the company phone reachable (+86 10 6552 9988): the authority calls it to confirm the "
                "application, and may call the applicant (+86 138 0013 8000)") in everything
        # OV proves the domain as DV does, so the dialog says what to publish as well.
        (validation,) = services.workflow.order(order.id).domain_validations
        assert validation.dns_name in everything and validation.dns_value in everything


async def test_the_confirmation_of_a_dv_application_has_no_documents_line(make_app, services, valid_draft,
                                                                          apply_driver):
    [order] = services.workflow.add_purchased("dv-single")
    services.workflow.save_draft(order, valid_draft)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        await driver.press("f8", "f9")
        assert "Documents" not in driver.text()
        assert "an ECDSA P-256 key is generated on this server" in driver.text()


async def test_cancelling_the_confirmation_submits_nothing(make_app, services, valid_draft, apply_driver):
    [order] = services.workflow.add_purchased("dv-single")
    services.workflow.save_draft(order, valid_draft)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        await driver.press("f8", "f9")
        assert app.focused is app.screen.query_one("#confirm", Button)
        await driver.press("escape")
        assert isinstance(app.screen, ApplyScreen)
    assert services.workflow.order(order.id).status is OrderStatus.DRAFT


async def test_withdraw_modify_and_resubmit(make_app, services, submit_valid, apply_driver, screen_text):
    order = submit_valid("dv-single", "www.example.com")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await pilot.press("u")
        await pilot.pause()
        assert isinstance(app.screen, UnissuedScreen) and app.screen.selected.id == order.id
        await driver.press("w")
        assert isinstance(app.screen, ConfirmDialog)
        await driver.press("tab", "enter")                # Cancel has the focus: Tab to Withdraw
        assert isinstance(app.screen, ConfirmDialog)      # "Edit it now?"
        await driver.press("enter")
        assert driver.screen.order_id == order.id
        assert driver.control("applicant_name").value == "Li Lei"       # everything kept
        assert driver.screen.tabs.active == "enter"
        await driver.fill(domains="shop.example.com")
        await driver.press("f8", "f9", "enter")
        assert isinstance(app.screen, SubmittedDialog)
        assert "shop.example.com" in driver.text()
        await driver.press("enter")
        assert isinstance(app.screen, UnissuedScreen)
        assert "shop.example.com" in screen_text(app)
    resubmitted = services.workflow.order(order.id)
    assert resubmitted.status is OrderStatus.DOMAIN_VERIFICATION
    assert resubmitted.application.domains == ["shop.example.com"]
    assert [entry.event for entry in resubmitted.history].count("submitted") == 2


async def test_a_submitted_application_cannot_be_opened_for_editing(make_app, services, submit_valid, notes):
    order = submit_valid()
    app = make_app()
    async with app.run_test(size=(80, 24), message_hook=notes.hook) as pilot:
        await pilot.pause()
        app.push_screen(ApplyScreen(order.id))         # e.g. opened from a stale list
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, CertificatesScreen)
    assert "withdraw it in Unissued Certificates" in notes.joined()


LONG_NAMES = ", ".join(f"{name}.example-holdings-international.com"
                       for name in ("www", "shop", "api", "mail"))


def _inside(inner, outer) -> bool:
    return (outer.x <= inner.x and outer.y <= inner.y and inner.right <= outer.right
            and inner.bottom <= outer.bottom)


@pytest.mark.parametrize(("product", "size"), [("ov-multi", (80, 24)), ("dv-single", (60, 20))])
async def test_the_confirmation_always_shows_its_buttons_and_scrolls_the_rest(
        tmp_path, product, size, make_app, services, draft_for, apply_driver):
    """At 80x24 an OV multi-domain confirmation (and at 60x20 even a DV one) is taller than the screen: the
    buttons stay in view under the text, which scrolls, and a line says which button Enter presses."""
    from PIL import Image

    from certwizard.documents.images import inspect_document

    [order] = services.workflow.add_purchased(product)
    names = LONG_NAMES if product == "ov-multi" else None
    order = services.workflow.save_draft(order, draft_for(product, names))
    if order.product.is_professional:
        letter = tmp_path / "letter.png"
        Image.new("RGB", (600, 400), "white").save(letter)
        services.workflow.attach_document(order, inspect_document(letter), "letter.png")
    app = make_app()
    async with app.run_test(size=size) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        await driver.press("f8", "f9")
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog)
        box = dialog.body.region
        for button in dialog.query(Button):
            assert _inside(button.region, box) and _inside(button.region, dialog.region), button.id
        text = driver.text()
        assert "Cancel" in text and "Submit" in text
        assert "Enter: Submit · Tab: Cancel" in text
        assert dialog.body.max_scroll_y > 0                    # more than fits: it scrolls...
        assert "Once submitted" not in text
        for _ in range(dialog.body.max_scroll_y):
            await driver.press("down")
        assert dialog.body.scroll_y == dialog.body.max_scroll_y     # ...down to the last line
        assert "Once submitted" in driver.text()
        assert "Enter: Submit" in driver.text()                # the keys did not move the focus
        await driver.press("tab")
        assert "Enter: Cancel · Tab: Submit" in driver.text()
        await driver.press("enter")
        assert isinstance(app.screen, ApplyScreen)
    assert services.workflow.order(order.id).status is OrderStatus.DRAFT


async def test_the_submitted_dialog_names_a_phone_shared_by_applicant_and_company_once(
        tmp_path, make_app, services, draft_for, apply_driver):
    from PIL import Image

    from certwizard.documents.images import inspect_document

    letter = tmp_path / "letter.png"
    Image.new("RGB", (600, 400), "white").save(letter)
    [order] = services.workflow.add_purchased("ov-single")
    order = services.workflow.save_draft(order, draft_for("ov-single").filled(
        applicant_phone="+86 10 6552 9988", company_phone="+861065529988"))
    services.workflow.attach_document(order, inspect_document(letter), "letter.png")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        await driver.press("f8", "f9", "enter")
        assert isinstance(app.screen, SubmittedDialog)
        everything = " ".join(app.screen.query_one("#what-next").render().plain.split())
    assert everything.count("+86 10 6552 9988") == 1
    assert "Keep the company phone reachable (+86 10 6552 9988)" in everything


async def test_an_internationalised_name_is_shown_in_unicode_with_its_punycode_after_submitting(
        make_app, services, valid_draft, apply_driver, notes, screen_text):
    """The Submitted dialog, the Unissued row and detail, the withdraw dialog and the messages showed the
    punycode alone, where the form and the Verify tab show both."""
    both = "bücher.example.com (xn--bcher-kva.example.com)"
    [order] = services.workflow.add_purchased("dv-single")
    services.workflow.save_draft(order, valid_draft.filled(domains="bücher.example.com"))
    app = make_app()
    async with app.run_test(size=(120, 36), message_hook=notes.hook) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        await driver.press("f8", "f9", "enter")
        assert isinstance(app.screen, SubmittedDialog)
        everything = app.screen.query_one("#what-next").render().plain
        assert f"Your application for {both}" in everything
        assert f"\n{both}\n" in everything                   # the heading of what to publish for it
        await driver.press("enter")
        assert isinstance(app.screen, UnissuedScreen)
        assert app.screen.table.row_texts(order.id)["domains"] == both
        assert both in screen_text(app)                         # the detail under the table
        await driver.press("w")
        assert isinstance(app.screen, ConfirmDialog)
        assert app.screen.query_one(".dialog-box").border_title == f"Withdraw the application for {both}?"
        await driver.press("escape")
        refreshed = services.workflow.order(order.id)            # the CA issues it; the app hears of it
        services.authorities.get(refreshed.authority).confirm_domain_validation(refreshed.authority_ref)
        app.check_status(announce=True)
        await driver.settle()
    assert f"Issued: {both}." in notes.joined()


async def test_each_txt_value_is_copied_with_c_and_stands_whole_on_its_own_line(
        make_app, services, valid_draft, apply_driver, notes):
    """The value followed the record name on a line that wrapped at 80 columns: a terminal selection of it
    took the box's border characters with it."""
    [order] = services.workflow.add_purchased("dv-multi")
    services.workflow.save_draft(order, valid_draft.filled(domains="www.example.com, shop.example.com"))
    app = make_app()
    async with app.run_test(size=(80, 24), message_hook=notes.hook) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        await driver.press("f8", "f9", "enter")
        assert isinstance(app.screen, SubmittedDialog)
        assert "c Copy TXT value" in driver.footer()
        values = [v.dns_value for v in services.workflow.order(order.id).domain_validations]
        await driver.press("end")
        shown = driver.text().splitlines()
        for value in values:
            [line] = [line for line in shown if value in line and "value " in line]
            assert line.split("│")[1].split() == ["value", value]      # alone on its line, not wrapped
        await driver.press("c")
        assert app.clipboard == values[0] and "1 of 2" in notes.joined()
        await driver.press("c")
        assert app.clipboard == values[1]
        await driver.press("c")
        assert app.clipboard == values[0]                             # and round again

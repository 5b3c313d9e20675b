"""Unissued Certificates: what to publish, verify, withdraw, and failures reported instead of lost."""

from __future__ import annotations

import asyncio

import pytest

from certwizard.domain.status import OrderStatus
from certwizard.ui.screens.unissued import UnissuedScreen
from tests.ui.workers_done import workers_done


async def test_a_failed_verify_is_reported_with_what_to_do(make_app, seeded_services, seeded_order_ids, notes):
    # The seeded application is unknown to the sandbox CA: the CA call fails in the screen's worker.
    app = make_app(seeded_services)
    async with app.run_test(size=(100, 30), message_hook=notes.hook) as pilot:
        await pilot.press("u")
        screen = app.screen
        assert isinstance(screen, UnissuedScreen)
        assert screen.table.select(seeded_order_ids["verification"])
        await pilot.press("v")
        await workers_done(app)
        await pilot.pause()
    [failure] = [text for text in notes.texts if "did not accept the request" in text]
    assert "has no application" in failure and "try again" in failure.lower()
    status = seeded_services.workflow.order(seeded_order_ids["verification"]).status
    assert status is OrderStatus.DOMAIN_VERIFICATION


async def test_verify_and_withdraw_keys_follow_the_selected_row(make_app, seeded_services, seeded_order_ids,
                                                               screen_text):
    app = make_app(seeded_services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("u")
        screen = app.screen
        screen.table.select(seeded_order_ids["verification"])
        await pilot.pause()
        footer = screen_text(app).splitlines()[-1]
        assert "v Verify" in footer and "w Withdraw" in footer
        screen.table.select(seeded_order_ids["review"])
        await pilot.pause()
        footer = screen_text(app).splitlines()[-1]
        assert "v Verify" not in footer and "w Withdraw" in footer


async def test_the_kept_screen_starts_each_visit_afresh(make_app, services):
    from certwizard.domain.models import Order
    from tests.ui.orders import many_orders

    services.repository.insert_orders(many_orders(12))
    reviews = [s.id for s in services.workflow.summaries() if s.status is OrderStatus.UNDER_REVIEW]
    app = make_app(services)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("u")
        first = app.screen
        assert isinstance(first, UnissuedScreen) and set(first.table.keys) == set(reviews)
        issued = reviews[0]            # issued while the user looks: kept on screen for this visit

        def issue(order: Order) -> Order:
            return order.model_copy(update={"status": OrderStatus.ISSUED})
        services.repository.update_order(issued, issue)
        first.reload()
        await pilot.pause()
        assert issued in first.table.keys
        await pilot.press("slash", *"review")
        await pilot.press("escape", "escape")              # clear the filter, then leave
        await pilot.pause()
        app.show_unissued(reviews[2])
        await pilot.pause()
        assert app.screen is first                         # the same screen, shown again...
        assert set(first.table.keys) == set(reviews[1:])   # ...without the certificate issued last time
        assert first.table.selected_id == reviews[2]
        assert first.query_one("#filter").value == "" and first.table.has_focus


async def test_the_screen_built_ahead_shows_what_a_new_one_would(make_app, services, screen_text):
    from tests.ui.orders import many_orders

    services.repository.insert_orders(many_orders(12))
    reviews = [s.id for s in services.workflow.summaries() if s.status is OrderStatus.UNDER_REVIEW]
    app = make_app(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await app._prepare_unissued()                     # what the warm-up does after the first frame
        prepared = app.get_screen("unissued")
        assert isinstance(prepared, UnissuedScreen)
        assert isinstance(app.screen, type(app.get_default_screen()))    # built unseen...
        assert prepared.size == app.size and prepared.table.size.width > 0     # ...and laid out
        done = reviews[0]

        def withdraw(order):
            return order.model_copy(update={"status": OrderStatus.DRAFT})
        services.repository.update_order(done, withdraw)  # changed after it was built
        await pilot.press("u")
        await pilot.pause()
        screen = app.screen
        assert screen is app.get_screen("unissued")
        assert set(screen.table.keys) == set(reviews[1:])
        assert screen.table.has_focus and screen.query_one("#filter").value == ""
        text = screen_text(app)
        assert "Unissued Certificates" in text and "w Withdraw" in text.splitlines()[-1]


async def test_a_screen_built_ahead_follows_a_terminal_resized_before_it_is_shown(make_app, services,
                                                                                   screen_text):
    from tests.ui.orders import many_orders

    services.repository.insert_orders(many_orders(12))
    app = make_app(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await app._prepare_unissued()                     # laid out at 80x24, unseen
        await pilot.resize_terminal(120, 30)
        await pilot.pause()
        await pilot.press("u")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, UnissuedScreen) and screen.size == (120, 30)
        lines = screen_text(app).splitlines()
        assert len(lines) == 30 and "Withdraw" in lines[-1]
        assert screen.table.size.width > 80 and screen.table.selected_id is not None


async def test_showing_the_screen_while_it_is_built_ahead_is_safe(make_app, services, screen_text):
    from tests.ui.orders import many_orders

    services.repository.insert_orders(many_orders(12))
    app = make_app(services)
    async with app.run_test(size=(80, 24)) as pilot:
        preparing = asyncio.ensure_future(app._prepare_unissued())
        await pilot.press("u")                            # before the unseen layout is done
        await preparing
        await pilot.pause()
        assert isinstance(app.screen, UnissuedScreen) and app.screen.table.selected_id is not None
        assert "Withdraw" in screen_text(app).splitlines()[-1]


def test_a_wildcard_is_offered_the_dns_record_only(submit_valid) -> None:
    """Baseline Requirements 3.2.2.4.18/.19: no file check for a wildcard, on every screen that says what
    to publish (Unissued details, the Submitted dialog)."""
    from certwizard.ui.dialogs.submitted import what_next
    from certwizard.ui.screens.unissued import _domain_validation_steps

    wildcard = submit_valid("dv-wildcard", "*.example.com")
    without_application = wildcard.model_copy(update={"application": None})
    (validation,) = wildcard.domain_validations
    for order in (wildcard, without_application):
        for shown in (_domain_validation_steps(order).plain, what_next(order).plain):
            assert validation.dns_name in shown and validation.dns_value in shown
            assert "well-known" not in shown and "http://" not in shown
    assert "not possible for a wildcard" in _domain_validation_steps(without_application).plain


def test_only_the_method_the_application_chose_is_shown_with_who_publishes_it(submit_valid, tmp_path) -> None:
    from certwizard.domain.models import ValidationPlan
    from certwizard.domain.validation_methods import ValidationMethod
    from certwizard.ui.dialogs.submitted import what_next
    from certwizard.ui.screens.unissued import _domain_validation_steps

    by_dns = submit_valid("dv-single", "www.example.com")
    (validation,) = by_dns.domain_validations

    def choosing(plan: ValidationPlan):
        return by_dns.model_copy(update={"application": by_dns.application.model_copy(update={"validation": plan})})

    by_file = choosing(ValidationPlan(method=ValidationMethod.HTTP, webroot="/var/www/html"))
    by_hook = choosing(ValidationPlan(method=ValidationMethod.DNS, hook="/usr/local/bin/dns-hook"))
    either = by_dns.model_copy(update={"application": None})
    for shown in (_domain_validation_steps(by_dns).plain, what_next(by_dns).plain):
        assert "DNS TXT record" in shown and validation.dns_value in shown and validation.file_url not in shown
    for shown in (_domain_validation_steps(by_file).plain, what_next(by_file).plain):
        assert "file over HTTP, written under the webroot /var/www/html" in shown
        assert validation.file_url in shown and validation.dns_name not in shown
    for shown in (_domain_validation_steps(by_hook).plain, what_next(by_hook).plain):
        assert "published by the hook /usr/local/bin/dns-hook" in shown and validation.file_url not in shown
    for shown in (_domain_validation_steps(either).plain, what_next(either).plain):
        assert validation.dns_name in shown and validation.file_url in shown


@pytest.mark.parametrize("how", ["recorded elsewhere", "issued by the CA only"])
async def test_withdrawing_an_application_issued_meanwhile_says_so_and_its_row_follows(
        how, make_app, services, submit_valid, notes, screen_text):
    """The list said Domain verification, but the certificate was issued in the meantime: withdrawing said
    "Something went wrong ... try again", which could never work, and the row kept its old status."""
    order = submit_valid("dv-single", "www.example.com")
    app = make_app()
    async with app.run_test(size=(100, 30), message_hook=notes.hook) as pilot:
        await pilot.press("u")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, UnissuedScreen) and screen.selected_summary.id == order.id
        assert "Domain verification" in screen_text(app)
        if how == "recorded elsewhere":        # e.g. another session or `certwizard verify`
            services.workflow.confirm_domain_validation(order.id)
        else:                                  # the CA went on; nothing is stored yet
            services.authorities.get(order.authority).confirm_domain_validation(order.authority_ref)
        await pilot.press("w")
        await pilot.pause()
        await pilot.press("tab", "enter")      # Cancel has the focus: Tab to Withdraw
        await workers_done(app)
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, UnissuedScreen)
        assert "was issued meanwhile" in notes.joined() and "Press i" in notes.joined()
        assert "Something went wrong" not in notes.joined() and "try again" not in notes.joined()
        assert screen.table.row_texts(order.id)["status"] == "Issued"
        notes.notes.clear()
        await pilot.press("w")                 # on the issued row: says why instead of nothing
        await pilot.pause()
        assert "already issued" in notes.joined() and isinstance(app.screen, UnissuedScreen)
    assert services.workflow.order(order.id).status is OrderStatus.ISSUED


async def test_e_on_a_failed_review_withdraws_after_asking_and_opens_the_form(
        make_app, seeded_services, seeded_order_ids, screen_text):
    from certwizard.ui.dialogs.confirm import ConfirmDialog
    from certwizard.ui.screens.apply import ApplyScreen

    failed = seeded_order_ids["failed"]
    app = make_app(seeded_services)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("u")
        await pilot.pause()
        screen = app.screen
        assert screen.table.select(failed)
        await pilot.pause()
        assert "Press e to withdraw it and fix the application" in screen_text(app)
        assert " e Edit" in screen_text(app).splitlines()[-1]
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        assert "to edit it?" in screen_text(app)
        await pilot.press("tab", "enter")
        for _ in range(3):
            await workers_done(app)
            await pilot.pause()
        assert isinstance(app.screen, ApplyScreen) and app.screen.order_id == failed
    assert seeded_services.workflow.order(failed).status is OrderStatus.DRAFT


async def test_the_ov_detail_says_the_ca_calls_the_company_as_the_form_does(make_app, seeded_services,
                                                                           seeded_order_ids, screen_text):
    app = make_app(seeded_services)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("u")
        await pilot.pause()
        assert app.screen.table.select(seeded_order_ids["review"])       # OV, under review
        await pilot.pause()
        text = " ".join(screen_text(app).split())
        assert "The CA calls the company at +86 10 6552 9988 to confirm the application" in text
        assert "+86 138 0013 8000" not in text                               # not the applicant's
        assert app.screen.table.select(seeded_order_ids["verification"])  # DV: the applicant
        await pilot.pause()


async def test_the_footer_of_an_issued_row_fits_60_columns(make_app, services, submit_valid, screen_text):
    """It read 'w Withdraw: issued, not possible', which pushed Refresh and the rest off a 60-column footer."""
    order = submit_valid("dv-single", "www.example.com")
    app = make_app()
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.press("u")
        await pilot.pause()
        services.workflow.confirm_domain_validation(order.id)         # issued meanwhile
        await pilot.press("w")                                         # says so, and the row follows
        await pilot.pause()
        await pilot.press("tab", "enter")
        await workers_done(app)
        for _ in range(3):
            await pilot.pause()
        assert app.screen.table.row_texts(order.id)["status"] == "Issued"
        footer = screen_text(app).splitlines()[-1]
        assert "w Withdraw" in footer and "r Refresh" in footer and "not possible" not in footer

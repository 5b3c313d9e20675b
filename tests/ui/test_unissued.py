"""Unissued Certificates: what to publish, verify, withdraw, and failures reported instead of lost."""

from __future__ import annotations

from certwizard.domain.status import OrderStatus
from certwizard.ui.screens.unissued import UnissuedScreen


async def test_a_failed_verify_is_reported_with_what_to_do(make_app, seeded_services, seeded_order_ids, notes):
    # The seeded application is unknown to the sandbox CA: the CA call fails in the screen's worker.
    app = make_app(seeded_services)
    async with app.run_test(size=(100, 30), message_hook=notes.hook) as pilot:
        await pilot.press("u")
        screen = app.screen
        assert isinstance(screen, UnissuedScreen)
        assert screen.table.select(seeded_order_ids["verification"])
        await pilot.press("v")
        await app.workers.wait_for_complete()
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

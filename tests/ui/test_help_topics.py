"""F1 opens Help at the part about the screen it is pressed on (it always opened at the top)."""

from __future__ import annotations

import pytest

from certwizard.ui.screens.help import HelpScreen

pytestmark = pytest.mark.usefixtures("no_debounce")


async def press_f1(app, pilot) -> HelpScreen:
    await pilot.press("f1")
    for _ in range(4):
        await pilot.pause()
    assert isinstance(app.screen, HelpScreen)
    return app.screen


def first_visible_line(app) -> str:
    """The first line of help text under the title bar (without the scrollbar drawn at its end)."""
    lines = [strip.text.strip() for strip in app.screen._compositor.render_strips()]
    return next(line for line in lines[1:] if line).split("   ")[0]


async def test_f1_on_the_home_screen_opens_help_at_the_start(make_app, seeded_services):
    app = make_app(seeded_services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        help_screen = await press_f1(app, pilot)
        assert help_screen.query_one("#help-scroll").scroll_y == 0
        assert first_visible_line(app) == "How it works"


async def test_f1_in_unissued_certificates_opens_what_to_do_after_submitting(make_app, seeded_services,
                                                                          seeded_order_ids):
    app = make_app(seeded_services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("u")
        await pilot.pause()
        assert app.screen.table.select(seeded_order_ids["review"])
        await pilot.pause()
        help_screen = await press_f1(app, pilot)
        assert first_visible_line(app) == "After you submit"
        assert help_screen.sub_title == "Help · Unissued Certificates"
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen.table.select(seeded_order_ids["failed"])       # a failed review: what to do
        await pilot.pause()
        await press_f1(app, pilot)
        assert first_visible_line(app) == "When the review takes long"


async def test_f1_on_the_application_and_in_its_dialogs_opens_how_to_fill_it_in(make_app, services,
                                                                             valid_draft, apply_driver):
    [order] = services.workflow.add_purchased("dv-single")
    services.workflow.save_draft(order, valid_draft)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        await press_f1(app, pilot)
        assert first_visible_line(app) == "Filling in the application"
        await driver.press("escape")
        await driver.press("f8", "f9")                       # the confirmation dialog is open
        await press_f1(app, pilot)
        assert first_visible_line(app) == "Filling in the application"

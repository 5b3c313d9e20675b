"""Letter keys act only where the user sees what they act on: never from inside a form field, never on a
screen that is still opening."""

from __future__ import annotations

import pytest
from textual import events
from textual.widgets import Checkbox

from certwizard.ui.dialogs.confirm import ConfirmDialog
from certwizard.ui.screens.apply import ApplyScreen
from certwizard.ui.screens.unissued import UnissuedScreen
from tests.ui.workers_done import workers_done

pytestmark = pytest.mark.usefixtures("no_debounce")


def arrive_together(app, *keys: str) -> None:
    """Queue the keys before the app handles the first, as a terminal burst does."""
    for key in keys:
        app.post_message(events.Key(key, key if len(key) == 1 else None))


@pytest.fixture
def patient_search(monkeypatch):
    """Textual's Select forgets its type-to-search letters 0.7 s after the last one. On a loaded machine the
    gap between two keys pressed by the test can pass that (the 'n' then searched on its own and 'nd' chose
    Andorra): the test is about where the letters go, so the search waits longer here."""
    from textual.widgets._select import SelectOverlay

    original = SelectOverlay.on_mount

    def on_mount(self) -> None:
        self._search_reset_delay = 60.0          # read by the timer the original makes
        original(self)
    monkeypatch.setattr(SelectOverlay, "on_mount", on_mount)


async def test_typing_in_a_closed_country_list_searches_it_and_never_leaves_the_form(
        make_app, services, draft_for, apply_driver, patient_search):
    [order] = services.workflow.add_purchased("ov-single")
    services.workflow.save_draft(order, draft_for("ov-single").filled(company_country=""))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        country = driver.control("company_country")
        country.focus()
        await driver.settle()
        assert not country.expanded
        await driver.press("i")              # `i` is the app's key for Issued Certificates
        assert isinstance(app.screen, ApplyScreen)
        assert country.expanded               # the list opened, searching for what was typed
        await driver.press("n", "d", "enter")
        assert isinstance(app.screen, ApplyScreen)
        assert country.value == "IN"


async def test_letters_on_a_checkbox_do_nothing_but_space_still_ticks_it(make_app, services, valid_draft,
                                                                        apply_driver):
    [order] = services.workflow.add_purchased("dv-single")
    services.workflow.save_draft(order, valid_draft)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        box = app.screen.query_one("#f-encrypt_key", Checkbox)
        box.focus()
        await driver.settle()
        before = box.value
        await driver.press("i", "question_mark")       # Issued Certificates, Help
        assert isinstance(app.screen, ApplyScreen) and app.focused is box
        await driver.press("space")
        assert box.value is not before


async def test_a_letter_typed_while_the_list_is_still_opening_does_not_act_on_it(
        make_app, seeded_services):
    app = make_app(seeded_services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        arrive_together(app, "u", "w")      # withdraw, before the user has seen which row is selected
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, UnissuedScreen)       # no withdraw dialog over it
        assert not app.screen_opening
        await pilot.press("w")              # once shown, the same key works
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)


async def test_a_letter_typed_while_the_form_opens_does_not_open_another_screen(make_app, services,
                                                                                valid_draft):
    [order] = services.workflow.add_purchased("dv-single")
    services.workflow.save_draft(order, valid_draft)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        arrive_together(app, "enter", "i")
        for _ in range(3):
            await workers_done(app)
            await pilot.pause()
        assert isinstance(app.screen, ApplyScreen)

"""ctrl+p finds every key of the screen it is opened on by the name its footer shows, and runs it."""

from __future__ import annotations

import pytest
from textual.command import CommandPalette

from certwizard.ui.commands import CertWizardCommands
from certwizard.ui.dialogs.confirm import ConfirmDialog
from certwizard.ui.dialogs.path_prompt import PathPromptDialog
from certwizard.ui.screens.apply import ApplyScreen
from certwizard.ui.screens.unissued import UnissuedScreen
from certwizard.ui.widgets.keys_footer import KeysFooter
from tests.ui.workers_done import workers_done

pytestmark = pytest.mark.usefixtures("no_debounce")


async def found(app, query: str) -> list[str]:
    """The names the palette lists for `query` on the current screen (searched as the palette does)."""
    provider = CertWizardCommands(app.screen)
    return [hit.text async for hit in provider.search(query)]


async def footer_names_are_found(app) -> list[str]:
    """Every key the footer shows is found by its name; returns the names."""
    footer = app.screen.query_one(KeysFooter)
    names = [key.description for key in footer.keys]
    for name in names:
        assert name in await found(app, name), (type(app.screen).__name__, name)
    return names


async def run_from_palette(app, pilot, query: str) -> None:
    await pilot.press("ctrl+p")
    await pilot.pause()
    assert isinstance(app.screen, CommandPalette)
    await pilot.press(*query)
    for _ in range(4):
        await pilot.pause(0.05)
    await pilot.press("enter")
    for _ in range(3):
        await workers_done(app)
        await pilot.pause()


async def test_the_unissued_keys_are_found_and_run_by_name(make_app, seeded_services, seeded_order_ids):
    app = make_app(seeded_services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        names = await footer_names_are_found(app)          # the home screen: Apply, Add, Filter...
        assert {"Apply", "Add", "Filter"} <= set(names)
        await pilot.press("u")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, UnissuedScreen) and screen.table.select(seeded_order_ids["verification"])
        await pilot.pause()
        names = await footer_names_are_found(app)
        assert {"Verify", "Withdraw", "Edit"} <= set(names)
        assert "Sort" in await found(app, "sort")            # keys listed on the sort line, not the footer
        await run_from_palette(app, pilot, "withdraw")
        assert isinstance(app.screen, ConfirmDialog) and "Withdraw the application" in str(
            app.screen._title)


async def test_the_apply_keys_are_found_on_both_tabs(make_app, services, draft_for, apply_driver):
    [order] = services.workflow.add_purchased("ov-single")
    services.workflow.save_draft(order, draft_for("ov-single"))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        names = await footer_names_are_found(app)
        assert {"Next", "From profile"} <= set(names)
        assert "From profile" in await found(app, "profiles")
        await driver.press("f8")
        names = await footer_names_are_found(app)
        assert {"Letter", "Upload", "Save profile", "Submit", "Back"} <= set(names)
        assert "Save profile" in await found(app, "profiles")
        assert "Submit" in await found(app, "submit")
        await run_from_palette(app, pilot, "upload")
        assert isinstance(app.screen, PathPromptDialog)
        await driver.press("escape")
        await run_from_palette(app, pilot, "submit")          # no document yet: Submit says so at the list
        assert isinstance(app.screen, ApplyScreen)
        assert "at least one qualification document" in driver.error("documents")


async def test_the_issued_screen_keys_are_found(make_app, services, submit_valid):
    order = submit_valid()
    services.workflow.confirm_domain_validation(order.id)       # the instant sandbox issues it
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("i")
        for _ in range(3):
            await workers_done(app)
            await pilot.pause()
        assert {"Export", "Recheck"} <= set(await footer_names_are_found(app))

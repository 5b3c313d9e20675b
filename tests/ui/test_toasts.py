"""Toasts: gone without a trace on a real terminal, and never over the error they announce."""

from __future__ import annotations

import pytest
from terminal_model import TerminalModel
from textual.widgets._toast import Toast

pytestmark = pytest.mark.usefixtures("no_debounce")


def toasts(app) -> list[Toast]:
    return list(app.screen.query(Toast))


def overlaps(a, b) -> bool:
    return bool(a.intersection(b))


async def open_with_a_bad_phone(app, pilot, apply_driver, order_id):
    driver = apply_driver(app, pilot)
    await driver.open_from_home(order_id)
    await driver.fill(applicant_phone="x")
    await driver.press("f8")
    assert driver.error("applicant_phone") and toasts(app)
    return driver


@pytest.mark.parametrize("how", ["expires", "cleared"])
async def test_a_toast_leaves_no_fragments_after_the_focus_moved(how, make_app, services, draft_for,
                                                                 apply_driver):
    """A Tab that scrolled the form, then the toast went: the terminal kept the toast's last frame."""
    [order] = services.workflow.add_purchased("ov-multi")
    services.workflow.save_draft(order, draft_for("ov-multi", "a.example.com, b.example.com"))
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        terminal = TerminalModel(app)
        driver = await open_with_a_bad_phone(app, pilot, apply_driver, order.id)
        await driver.press("tab")                        # to E-mail: the form scrolls under the toast
        assert terminal.differences() == []
        if how == "expires":
            for toast in toasts(app):
                toast._expire()                          # what its timer does
        else:
            app.clear_notifications()
        await driver.settle()
        assert not toasts(app)
        assert terminal.updates and terminal.differences() == []


@pytest.mark.parametrize("field", ["applicant_phone", "company_city", "company_zip_code"])
async def test_the_toast_after_next_does_not_cover_the_error(field, make_app, services, draft_for,
                                                             apply_driver):
    [order] = services.workflow.add_purchased("ov-single")
    services.workflow.save_draft(order, draft_for("ov-single").filled(**{field: ""}))
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        await driver.press("f8")
        row = driver.screen.form.rows()[field]
        assert row.error and app.focused is row.control
        shown = toasts(app)
        assert shown
        error_area = row.error_label.region
        assert error_area.height and app.screen.region.contains_region(error_area)
        for toast in shown:
            assert not overlaps(toast.region, error_area), (field, toast.region, error_area)


async def test_the_toast_about_a_refused_document_does_not_cover_the_reasons(
        tmp_path, make_app, services, draft_for, apply_driver):
    [order] = services.workflow.add_purchased("ov-single")
    services.workflow.save_draft(order, draft_for("ov-single"))
    missing = tmp_path / "no-such-letter.png"
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        await driver.press("f8")
        await driver.press("f4")
        app.screen.query_one("Input").value = str(missing)
        await driver.press("enter")
        row = driver.screen.verify.documents_row
        assert "no file at this path" in row.error
        error_area = row.error_label.region
        assert error_area.height and app.screen.region.contains_region(error_area)
        shown = toasts(app)
        assert shown
        for toast in shown:
            assert not overlaps(toast.region, error_area), (toast.region, error_area)


async def test_opening_the_form_takes_away_the_lists_toasts_which_would_cover_it(make_app, services):
    [order] = services.workflow.add_purchased("dv-single")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app.notify("Added 1 x Basic DV. Press Enter to apply.", timeout=30)
        await pilot.pause()
        assert len(app._notifications) == 1
        await pilot.press("enter")
        await pilot.pause()
        assert len(app._notifications) == 0

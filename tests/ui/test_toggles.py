"""Checkboxes and radio buttons show their state in the glyph: told apart by colour alone, they looked alike
under NO_COLOR and on a Linux console."""

from __future__ import annotations

import pytest
from textual.widgets import Checkbox

pytestmark = pytest.mark.usefixtures("no_debounce")


def line_with(text: str, label: str) -> str:
    return next(line for line in text.splitlines() if label in line)


@pytest.mark.parametrize("environment", [{"NO_COLOR": "1"}, {"TERM": "linux"}])
async def test_without_colour_the_state_is_in_brackets(environment, monkeypatch, make_app, services,
                                                       valid_draft, apply_driver):
    monkeypatch.delenv("NO_COLOR", raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    [order] = services.workflow.add_purchased("dv-single")
    services.workflow.save_draft(order, valid_draft)
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        box = app.screen.query_one("#f-encrypt_key", Checkbox)
        box.scroll_visible(animate=False)
        await driver.settle()
        text = driver.text()
        assert "(•) Automatic" in line_with(text, "Automatic") and "( ) Manual" in line_with(text, "Manual")
        assert "[ ] Protect the key" in line_with(text, "Protect the key")
        box.value = True
        await driver.settle()
        assert "[x] Protect the key" in line_with(driver.text(), "Protect the key")


async def test_with_colour_an_unticked_box_is_empty(monkeypatch, make_app, services, valid_draft,
                                                    apply_driver):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    [order] = services.workflow.add_purchased("dv-single")
    services.workflow.save_draft(order, valid_draft)
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        box = app.screen.query_one("#f-encrypt_key", Checkbox)
        box.scroll_visible(animate=False)
        await driver.settle()
        unticked = line_with(driver.text(), "Protect the key")
        box.value = True
        await driver.settle()
        ticked = line_with(driver.text(), "Protect the key")
    assert "▐ ▌ Protect" in unticked and "▐X▌ Protect" in ticked

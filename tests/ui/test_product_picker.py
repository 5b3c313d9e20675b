"""The product picker with an ACME account's products (found walking the app in tmux: at 80x24 the Validity
column was cut off, and End put the cursor on the 'Add an ACME account' row without showing it)."""

from __future__ import annotations

import pytest

from certwizard.ca.acme.accounts import SETTING


@pytest.fixture
def with_account(services):
    services.repository.set_setting(SETTING, {"pebble": {
        "name": "pebble", "directory_url": "https://127.0.0.1:1/dir", "account_url": "https://127.0.0.1:1/acct/1",
        "key_file": "pebble.key"}})       # the record only: nothing here talks to the CA
    return services


@pytest.mark.parametrize("size", [(80, 24), (60, 20)])
async def test_every_column_fits_and_end_shows_the_last_row(make_app, with_account, screen_text, size):
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await pilot.press("a")
        await pilot.pause()
        await pilot.press("end")
        await pilot.pause()
        shown = screen_text(app)
    assert "+ Add an ACME account" in shown
    assert "ACME DV · pebble" in shown
    if size == (80, 24):
        assert "Validity" in shown and "~90 days" in shown and "198 days" in shown

"""The wizard imports what an Alibaba Cloud account bought when it checks statuses (at start, then on r):
the real SDK against the loopback fake of the service."""

from __future__ import annotations

import pytest

from tests.ca.alibaba_fake import start_fake_cas
from tests.ui.workers_done import workers_done


@pytest.fixture
def fake(monkeypatch):
    with start_fake_cas() as server:
        monkeypatch.setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
        monkeypatch.setenv("ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "true")
        monkeypatch.setenv("CERTWIZARD_ALIBABA_ENDPOINT", f"http://{server.endpoint}")
        from alibabacloud_credentials.utils import auth_util     # reads the environment once, when imported

        monkeypatch.setattr(auth_util, "environment_access_key_id", server.access_key_id)
        monkeypatch.setattr(auth_util, "environment_access_key_secret", server.access_key_secret)
        yield server


async def test_refresh_brings_in_the_accounts_new_purchases_with_their_product(make_app, services, fake,
                                                                                 screen_text):
    from certwizard.services.alibaba_accounts import add_account

    add_account(services.repository, "main")
    fake.add_instance(brand="DigiCert", level="OV", domain_type="MULTIPLE", domain_count=3)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("r")
        await workers_done(app)
        await pilot.pause()
        [summary] = services.workflow.summaries()
        assert summary.product_id == "alibaba:main:digicert-ov-multi-3"
        assert "Business" in screen_text(app) or "DigiCert OV" in screen_text(app)
        fake.add_instance(brand="GeoTrust", level="DV", domain_type="ONE")
        await pilot.press("r")
        await workers_done(app)
        assert len(services.workflow.summaries()) == 2          # the new one only: nothing twice


async def test_an_account_that_cannot_be_reached_is_said_and_the_rest_still_works(make_app, services, fake,
                                                                                 monkeypatch):
    from certwizard.services.alibaba_accounts import add_account

    add_account(services.repository, "main")
    monkeypatch.setenv("CERTWIZARD_ALIBABA_ENDPOINT", "http://127.0.0.1:1")
    app = make_app()
    messages = []
    async with app.run_test(size=(80, 24)) as pilot:
        app.notify = lambda message, *a, **k: messages.append(str(message))      # type: ignore[method-assign]
        await pilot.press("r")
        for _ in range(100):                 # the failed check is reported by the app, not raised to it
            if messages:
                break
            await pilot.pause(0.05)
    assert any("could not reach Alibaba Cloud" in m for m in messages), messages

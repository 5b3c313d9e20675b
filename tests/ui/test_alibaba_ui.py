"""The wizard imports what an Alibaba Cloud account bought when it checks statuses (at start, then on r):
the real SDK against the loopback fake of the service."""

from __future__ import annotations

import pytest

from tests.ca.alibaba_fake import fake_cas_for_certwizard
from tests.ui.workers_done import workers_done


@pytest.fixture
def fake(monkeypatch):
    with fake_cas_for_certwizard(monkeypatch) as server:
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


async def _settle(app, pilot) -> None:
    for _ in range(3):
        await workers_done(app)
        await pilot.pause()


async def test_a_dv_certificate_from_sync_to_issued_by_keyboard_and_a_failed_review_with_its_reason(
        make_app, services, fake, apply_driver, screen_text, notes, monkeypatch, tmp_path):
    from certwizard.domain.status import OrderStatus
    from certwizard.services import domain_proof
    from certwizard.services.alibaba_accounts import add_account
    from certwizard.ui.dialogs.confirm import ConfirmDialog
    from certwizard.ui.dialogs.self_check import SelfCheckDialog
    from certwizard.ui.dialogs.submitted import SubmittedDialog
    from certwizard.ui.screens.unissued import UnissuedScreen

    monkeypatch.setenv("CERTWIZARD_DNS_SERVERS", "127.0.0.1:9")     # nobody answers: the self-check fails
    monkeypatch.setattr(domain_proof, "PROPAGATION_WAIT", 0.0)      # no waiting for the record to spread
    hook_log = tmp_path / "hook.log"
    hook = tmp_path / "hook"
    hook.write_text(f"#!/bin/sh\necho \"$CERTWIZARD_ACTION $CERTWIZARD_RECORD_NAME\" >> {hook_log}\n")
    hook.chmod(0o700)
    add_account(services.repository, "main")
    instance_id = fake.add_instance(brand="DigiCert", level="DV", domain_type="ONE")
    app = make_app()
    async with app.run_test(size=(80, 24), message_hook=notes.hook) as pilot:
        driver = apply_driver(app, pilot)
        await pilot.press("r")                                      # sync: the purchase comes in
        await _settle(app, pilot)
        [order] = services.workflow.summaries()
        assert "Imported 1 certificate(s) from Alibaba Cloud" in notes.joined()
        await driver.open_from_home(order.id)
        await driver.fill(domains="www.example.com", applicant_name="Li Lei", applicant_phone="+86 138 0013 8000",
                          applicant_email="lilei@example.com", applicant_id_number="11010519491231002X",
                          validation_hook=str(hook))
        await driver.press("f8", "f9")
        assert isinstance(app.screen, ConfirmDialog)
        await driver.press("enter")
        assert isinstance(app.screen, SubmittedDialog)
        assert "_dnsauth" in screen_text(app)                         # the record the service asks for
        await driver.press("enter")
        assert isinstance(app.screen, UnissuedScreen)
        await pilot.press("v")                                      # hook publishes; the self-check fails
        await _settle(app, pilot)
        assert isinstance(app.screen, SelfCheckDialog), screen_text(app)
        await pilot.press("a")                                      # ask the service anyway
        await _settle(app, pilot)
        assert services.workflow.order(order.id).status is OrderStatus.UNDER_REVIEW
        # published for the check and taken back when it failed; published again for the service, which
        # checks on its own time: kept until the order is issued
        assert hook_log.read_text().split()[0::2] == ["publish", "cleanup", "publish"]
        fake.dcv_passed(instance_id)
        fake.issue(instance_id)
        await pilot.press("r")
        await _settle(app, pilot)
        assert services.workflow.order(order.id).status is OrderStatus.ISSUED
        assert "Certificate issued" in [note.title for note in notes.notes]
        assert hook_log.read_text().split()[0::2] == ["publish", "cleanup", "publish", "cleanup"]

        second = fake.add_instance(brand="GeoTrust", level="DV", domain_type="ONE")
        await pilot.press("r")
        await _settle(app, pilot)
        newer = next(s for s in services.workflow.summaries() if s.authority_ref == second)
        workflow = services.workflow
        draft = workflow.order(newer.id).draft.filled(
            domains="shop.example.com", applicant_name="Li Lei", applicant_phone="+86 138 0013 8000",
            applicant_email="lilei@example.com", applicant_id_number="11010519491231002X")
        workflow.submit(workflow.save_draft(workflow.open_application(newer.id), draft).id)
        fake.fail(second, "The domain owner did not confirm the application")
        await pilot.press("r")
        await _settle(app, pilot)
        assert "did not confirm the application" in notes.joined()      # the service's reason, shown
    assert services.workflow.order(newer.id).status is OrderStatus.REVIEW_FAILED
    assert len(services.workflow.summaries()) == 2                      # each sync imported only the new one


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


def test_the_submitted_dialog_says_how_the_ca_gets_the_documents_when_the_api_cannot_carry_them(services):
    from certwizard.ca.alibaba.authority import AlibabaAuthority
    from certwizard.ui.dialogs.submitted import what_next

    [ov] = services.workflow.add_purchased("alibaba:main:geotrust-ov-multi-2")
    [dv] = services.workflow.add_purchased("alibaba:main:geotrust-dv-single")
    note = AlibabaAuthority.documents_note
    assert "e-mails the applicant" in what_next(ov, note).plain
    assert "e-mails the applicant" not in what_next(dv, note).plain      # a DV application has no documents


async def test_an_ov_certificate_submitted_withdrawn_resubmitted_issued_and_exported_by_keyboard(
        make_app, services, fake, apply_driver, draft_for, screen_text, tmp_path, monkeypatch):
    from PIL import Image

    from certwizard.documents.images import inspect_document
    from certwizard.domain.status import OrderStatus
    from certwizard.services.alibaba_accounts import add_account
    from certwizard.ui.dialogs.confirm import ConfirmDialog
    from certwizard.ui.dialogs.submitted import SubmittedDialog
    from certwizard.ui.screens.issued import IssuedScreen
    from certwizard.ui.screens.unissued import UnissuedScreen
    from tests.ui.issued_screen import export_now, open_export

    add_account(services.repository, "main")
    instance_id = fake.add_instance(brand="GeoTrust", level="OV", domain_type="MULTIPLE", domain_count=2)
    from certwizard.services.alibaba_accounts import sync

    sync(services.repository, services.authorities.get("alibaba:main"))
    [order] = services.workflow.orders()
    letter = tmp_path / "letter.png"
    Image.new("RGB", (600, 400), "white").save(letter)
    order = services.workflow.save_draft(order, draft_for(order.product_id, "portal.example.org, example.org"))
    services.workflow.attach_document(order, inspect_document(letter), "letter.png")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        await driver.press("f8", "f9")
        assert isinstance(app.screen, ConfirmDialog)
        await driver.press("enter")
        assert isinstance(app.screen, SubmittedDialog)
        assert "e-mails the applicant for them" in " ".join(app.screen.query_one("#what-next").render().plain.split())
        await driver.press("enter")
        assert isinstance(app.screen, UnissuedScreen)
        assert fake.instance(instance_id)["CompanyId"] in fake.companies          # the company was made
        await pilot.press("w")                                                   # withdraw, confirmed
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await driver.press("tab", "enter")                  # Cancel has the focus: Tab to Withdraw
        await driver.settle()
        assert "Edit it now?" in screen_text(app)
        await driver.press("escape")                        # later
        assert services.workflow.order(order.id).status is OrderStatus.DRAFT
        assert fake.instance(instance_id)["Status"] == "inactive"
        services.workflow.submit(order.id)                                       # submitted again
        fake.dcv_passed(instance_id)
        fake.issue(instance_id)
        await pilot.press("r")
        await driver.settle()
        assert services.workflow.order(order.id).status is OrderStatus.ISSUED
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("i")
        await driver.settle()
        assert isinstance(app.screen, IssuedScreen)
        out = tmp_path / "nginx"
        await open_export(app, pilot, out)
        await export_now(app, pilot)
    files = sorted(path.name for path in out.iterdir())
    assert any(name.endswith(".fullchain.pem") for name in files) and any(name.endswith(".key") for name in files)
    assert len(fake.calls_to("CreateCompany")) == 1                              # reused on the second submit

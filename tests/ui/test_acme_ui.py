"""ACME in the TUI against a real ACME server (Pebble on loopback): adding an account from the product picker,
External Account Binding asked only when the CA requires it, and `v` in Unissued with the self-check.

Nothing is faked between certwizard and Pebble; challtestsrv is the DNS server both Pebble and the self-check
ask (CERTWIZARD_DNS_SERVERS), so a record nobody published is missing for both.
"""

from __future__ import annotations

import pytest

from certwizard.domain.models import ApplicationDraft
from certwizard.domain.status import OrderStatus
from tests.ca.pebble import PebbleOptions, new_eab_hmac_key, require_pebble, start_pebble
from tests.ui.workers_done import workers_done


@pytest.fixture(scope="module")
def pebble():
    require_pebble()
    with start_pebble() as server:
        yield server


def _root_file(tmp_path, server):
    root = tmp_path / "pebble-root.pem"
    root.write_bytes(server.root_pem())
    return root


async def _settle(app, pilot) -> None:
    for _ in range(3):
        await workers_done(app)
        await pilot.pause()


async def _open_account_dialog(app, pilot):
    from certwizard.ui.dialogs.acme_account import AcmeAccountDialog
    from certwizard.ui.dialogs.pickers import ProductPickerDialog

    await pilot.press("a")
    await pilot.pause()
    assert isinstance(app.screen, ProductPickerDialog)
    await pilot.press("end", "enter")                   # the last entry: Add an ACME account
    await pilot.pause()
    assert isinstance(app.screen, AcmeAccountDialog)
    return app.screen


async def _choose_other(app, pilot, server) -> None:
    """CA: Other (the Select's last option, by keys), then the directory URL and CA bundle typed."""
    dialog = app.screen
    assert dialog.query_one("#ca").has_focus
    await pilot.press("enter", "end", "enter")
    await pilot.pause()
    assert dialog.preset == "other" and dialog.query_one("#url").has_focus
    await pilot.press(*server.directory_url, "tab", *str(server.ca_bundle), "tab")
    await _settle(app, pilot)


async def test_an_account_is_added_from_the_product_picker_and_its_products_listed(
        make_app, services, pebble, tmp_path, screen_text, notes):
    from textual.widgets import DataTable

    from certwizard.ui.dialogs.pickers import ProductPickerDialog

    app = make_app(services)
    async with app.run_test(size=(100, 36), message_hook=notes.hook) as pilot:
        dialog = await _open_account_dialog(app, pilot)
        assert "Reading the CA's directory" not in screen_text(app)      # nothing read before a CA is chosen
        await _choose_other(app, pilot, pebble)
        shown = screen_text(app)
        terms = dialog._meta[(pebble.directory_url, str(pebble.ca_bundle))].terms_of_service
        assert terms and terms in shown and "I agree to the terms of service" in shown
        assert "EAB" not in shown                     # Pebble without EAB keys requires none
        dialog.query_one("#trust-root").value = str(_root_file(tmp_path, pebble))
        dialog.query_one("#name").focus()
        await pilot.press(*"pebble-ui")
        await pilot.press("ctrl+s")                   # not agreed yet: refused in the dialog, nothing sent
        await _settle(app, pilot)
        assert app.screen is dialog and "tick I agree" in screen_text(app)
        assert dialog.query_one("#agree").has_focus and "acme:pebble-ui" not in services.authorities.names()
        await pilot.press("space", "ctrl+s")
        await _settle(app, pilot)
        assert isinstance(app.screen, ProductPickerDialog), screen_text(app)
        table = app.screen.query_one("#products", DataTable)
        listed = [key.value for key in table.rows]
        assert "acme:pebble-ui:dv-single" in listed and "acme:pebble-ui:dv-multi-wildcard" in listed
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        assert row_key.value == "acme:pebble-ui:dv-single"               # the cursor on the new products
        await pilot.press("enter")                    # nothing is bought: added at once, no count asked
        await _settle(app, pilot)
        assert not isinstance(app.screen, ProductPickerDialog) and "How many" not in screen_text(app)
    assert "acme:pebble-ui" in services.authorities.names()
    assert "Added the ACME account pebble-ui" in notes.joined()
    [order] = [s for s in services.workflow.summaries() if s.authority == "acme:pebble-ui"]
    assert order.product.id == "acme:pebble-ui:dv-single"


async def test_eab_fields_appear_only_for_a_ca_that_requires_them_and_the_hmac_key_is_never_kept(
        make_app, services, screen_text, notes):
    require_pebble()
    hmac = new_eab_hmac_key()
    with start_pebble(PebbleOptions(eab_keys={"kid-ui": hmac})) as server:
        app = make_app(services)
        async with app.run_test(size=(100, 36), message_hook=notes.hook) as pilot:
            dialog = await _open_account_dialog(app, pilot)
            assert not dialog.query_one("#eab-fields").display
            await _choose_other(app, pilot, server)
            assert dialog.query_one("#eab-fields").display and "EAB HMAC key" in screen_text(app)
            dialog.query_one("#name").value = "eab-ui"
            dialog.query_one("#agree").value = True
            await pilot.press("ctrl+s")               # no EAB typed: asked for, not sent
            await _settle(app, pilot)
            assert app.screen is dialog and "requires External Account Binding" in screen_text(app)
            assert dialog.query_one("#eab-kid").has_focus
            await pilot.press(*"kid-ui", "tab", *new_eab_hmac_key(), "ctrl+s")       # a wrong HMAC key
            await _settle(app, pilot)
            assert app.screen is dialog and "acme:eab-ui" not in services.authorities.names()
            assert dialog.query_one("#register-error").display and dialog.query_one("#eab-kid").value == "kid-ui"
            dialog.query_one("#eab-hmac").value = hmac      # everything else typed is still there
            await pilot.press("ctrl+s")
            await _settle(app, pilot)
            assert app.screen is not dialog and hmac not in screen_text(app)
    assert "acme:eab-ui" in services.authorities.names()
    stored = services.layout.database.read_text()
    assert hmac not in stored and hmac not in notes.joined()


async def _unpublished_acme_order(services, server, tmp_path, domain: str) -> str:
    from certwizard.services.acme_accounts import add_account

    add_account(services.repository, services.layout, "pebble", server.directory_url,
                ca_bundle=str(server.ca_bundle), trust_root=str(_root_file(tmp_path, server)), agree_tos=True)
    workflow = services.workflow
    [order] = workflow.add_purchased("acme:pebble:dv-single")
    order = workflow.save_draft(order, ApplicationDraft(domains=domain, csr_mode="automatic"))
    return workflow.submit(order.id).id


async def test_verify_stops_at_a_failed_self_check_and_asking_anyway_fails_the_order_with_the_cas_reason(
        make_app, services, pebble, tmp_path, monkeypatch, screen_text, notes):
    from certwizard.ui.dialogs.self_check import SelfCheckDialog
    from certwizard.ui.screens.unissued import UnissuedScreen

    monkeypatch.setenv("CERTWIZARD_DNS_SERVERS", f"127.0.0.1:{pebble.dns_port}")
    order_id = await _unpublished_acme_order(services, pebble, tmp_path, "unpublished-ui.example.com")
    app = make_app(services)
    async with app.run_test(size=(100, 36), message_hook=notes.hook) as pilot:
        await pilot.press("u")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, UnissuedScreen) and screen.table.select(order_id)
        await pilot.pause()
        detail = screen_text(app)
        assert "DNS TXT record" in detail and "_acme-challenge.unpublished-ui.example.com" in detail
        assert "http://" not in detail                     # only the method the application chose
        await pilot.press("v")
        await _settle(app, pilot)
        assert isinstance(app.screen, SelfCheckDialog), screen_text(app)
        shown = screen_text(app)
        assert "FAIL" in shown and "_acme-challenge.unpublished-ui.example.com" in shown
        assert f"· 127.0.0.1 port {pebble.dns_port}: " in shown      # the server's own line
        assert "r Check again" in shown.splitlines()[-1] and "Ask the CA anyway" in shown
        assert app.screen.checked_at == app.now()          # said in the text: Check again visibly looked again
        await pilot.press("r")                             # still not published: the same dialog again
        await _settle(app, pilot)
        assert isinstance(app.screen, SelfCheckDialog)
        assert services.workflow.order(order_id).status is OrderStatus.DOMAIN_VERIFICATION   # CA not asked
        await pilot.press("a")
        await _settle(app, pilot)
        assert isinstance(app.screen, UnissuedScreen)
    failed = services.workflow.order(order_id)
    assert failed.status is OrderStatus.REVIEW_FAILED and "unpublished-ui.example.com" in failed.status_reason
    assert "Review failed" in [note.title for note in notes.notes]
    assert "self-check was skipped" in notes.joined()


async def test_a_sandbox_order_is_verified_with_v_and_the_note_says_nothing_was_checked(
        make_app, services, submit_valid, notes):
    order = submit_valid("dv-single", "www.example.com")
    app = make_app(services)
    async with app.run_test(size=(100, 30), message_hook=notes.hook) as pilot:
        await pilot.press("u")
        await pilot.pause()
        assert app.screen.table.select(order.id)
        await pilot.press("v")
        await _settle(app, pilot)
    assert services.workflow.order(order.id).status is not OrderStatus.DOMAIN_VERIFICATION
    assert "Domain verified" in notes.joined() and "checked nothing either" in notes.joined()


async def test_why_the_directory_could_not_be_read_is_scrolled_into_view_at_80x24(make_app, services, screen_text):
    """The form scrolls at 80x24 and nothing focusable sits below the directory line: unless it is brought
    into view, the reason is cut off and no key reaches it."""
    from certwizard.errors import CertwizardError
    from certwizard.services.acme_accounts import directory_meta

    closed = "https://127.0.0.1:9/dir"            # discard port on loopback: nothing answers
    with pytest.raises(CertwizardError) as refused:
        directory_meta(closed, None)
    app = make_app(services)
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await _open_account_dialog(app, pilot)
        await pilot.press("enter", "end", "enter")
        await pilot.pause()
        await pilot.press(*closed, "enter")
        await _settle(app, pilot)
        assert dialog.query_one("#ca-bundle").has_focus
        shown = " ".join(screen_text(app).replace("│", " ").split())
        assert "Could not read the directory: " + " ".join(str(refused.value).split()) in shown
        assert "\\x0a" not in shown                      # its line break is not spelled out

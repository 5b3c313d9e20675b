"""Issued Certificates and the Export dialog, on certificates the real sandbox issued through the workflow."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from asn1crypto import pkcs12 as asn1_pkcs12
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from textual.geometry import Region
from textual.widgets import Input, RadioButton, Select

from certwizard.domain.status import OrderStatus
from certwizard.ui.dialogs.export import ExportDialog
from certwizard.ui.screens.certificates import CertificatesScreen
from certwizard.ui.screens.issued import IssuedScreen, export_selected
from tests.export.extra_server import register_lighttpd
from tests.factories import manual_csr, mode_of
from tests.ui.conftest import rendered_text
from tests.ui.issued_screen import (
    KEY_PASSPHRASE,
    PFX_PASSWORD,
    certificate_of,
    dialog_text,
    export_now,
    flat,
    issue,
    open_export,
    open_issued,
    settle,
    ten_days_in,
)

# --- the view ---------------------------------------------------------------------------------------------

async def test_the_view_shows_every_fact_of_an_issued_certificate_at_80x24(make_app, services, valid_draft,
                                                                           screen_text):
    order = issue(services, valid_draft, "www.example.com, api.example.com", product_id="dv-multi")
    services.workflow.add_purchased("dv-single")          # not issued: not listed
    cert = certificate_of(order)
    now = ten_days_in(order)
    app = make_app(now=now)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_issued(app, pilot)
        text = screen_text(app)
        assert screen.table.row_count == 1
        await pilot.press("tab", "end")            # the detail scrolls by keyboard to its last line
        await pilot.pause()
        text += screen_text(app)
    fingerprint = cert.fingerprint(hashes.SHA256()).hex().upper()
    first_half = ":".join(fingerprint[i:i + 2] for i in range(0, 32, 2))
    days_left = (cert.not_valid_after_utc - now()).days
    for expected in ("www.example.com +1 more", "www.example.com, api.example.com",
                     "certwizard Sandbox Intermediate CA", format(cert.serial_number, "x"),
                     cert.not_valid_before_utc.strftime("%Y-%m-%d %H:%M"),
                     cert.not_valid_after_utc.strftime("%Y-%m-%d %H:%M"),
                     cert.not_valid_after_utc.strftime("%d %b %Y"),
                     f"{days_left} days left", "ECDSA P-256", first_half, "key matches", "mode 0600",
                     "verifies up to the CA's root", "Ready to export"):
        assert expected in text, expected
    footer = text.splitlines()[-1]
    assert "esc Back" in footer and "e Export" in footer and "r Recheck" in footer


async def test_key_problems_and_manual_csrs_are_shown_and_block_export(make_app, services, valid_draft,
                                                                       screen_text, notes):
    replaced = issue(services, valid_draft, "replaced.example.com")
    deleted = issue(services, valid_draft, "deleted.example.com")
    manual = issue(services, valid_draft, "manual.example.com", csr_mode="manual",
                   csr_pem=manual_csr(["manual.example.com"])[1])
    os.unlink(replaced.key.path)
    other = ec.generate_private_key(ec.SECP256R1())
    Path(replaced.key.path).write_bytes(other.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    os.chmod(replaced.key.path, 0o600)
    os.unlink(deleted.key.path)

    app = make_app(now=ten_days_in(replaced))
    async with app.run_test(size=(80, 24), message_hook=notes.hook) as pilot:
        screen = await open_issued(app, pilot)
        keys = {order.id: screen.table.get_row(order.id)[3].plain for order in (replaced, deleted, manual)}

        screen.select(deleted.id)
        await pilot.pause()
        assert "Restore it from a backup" in flat(screen_text(app))
        await pilot.press("e")                     # disabled: nothing opens
        await pilot.pause()
        assert app.screen is screen
        await pilot.press("enter")                 # Enter explains why instead
        await pilot.pause()
        assert app.screen is screen

        screen.select(manual.id)
        await pilot.pause()
        manual_text = flat(screen_text(app))
        await pilot.press("tab", "end")
        await pilot.pause()
        manual_text += flat(screen_text(app))
    assert keys == {replaced.id: "key mismatch", deleted.id: "key file missing",
                    manual.id: "no key: manual CSR"}
    assert any("Cannot export: key file missing" in text for text in notes.texts)
    assert "there is no key to export" in manual_text and "Ready to export" in manual_text


async def test_enter_on_an_issued_row_at_home_opens_the_view_at_that_certificate(make_app, services,
                                                                                 valid_draft):
    first = issue(services, valid_draft, "first.example.com")
    second = issue(services, valid_draft, "second.example.com")
    app = make_app(now=ten_days_in(first))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        home = app.screen
        assert isinstance(home, CertificatesScreen)
        for _ in range(3):
            if home.selected.id == second.id:
                break
            await pilot.press("down" if home.selected.id == first.id else "up")
        assert home.selected.id == second.id
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, IssuedScreen)
        assert app.screen.selected.id == second.id
        await pilot.press("escape")
        assert app.screen is home


async def test_palette_export_from_home_opens_the_dialog_once_checked(make_app, services, valid_draft):
    order = issue(services, valid_draft)
    app = make_app(now=ten_days_in(order))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        export_selected(app)
        await settle(app, pilot)
        assert isinstance(app.screen, ExportDialog) and app.screen.order.id == order.id


# --- exporting ------------------------------------------------------------------------------------------

async def test_a_folder_typed_with_ctrl_s_right_behind_it_is_the_folder_exported_into(
        make_app, services, valid_draft, tmp_path):
    """Ctrl+S is a priority key, read before the letters typed just ahead of it are in the field: in a burst
    (type-ahead over SSH) the export went into a folder named by the first letters only."""
    from textual import events

    order = issue(services, valid_draft)
    before = set(tmp_path.iterdir())
    app = make_app(now=ten_days_in(order))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_issued(app, pilot)
        dialog = await open_export(app, pilot, tmp_path)
        field = dialog.query_one("#folder", Input)
        field.focus()
        await pilot.pause()
        field.value = f"{tmp_path}/"                    # the cursor at its end, nothing selected
        field.cursor_position = len(field.value)
        for char in "typed":                            # the burst: every key queued before the first is handled
            app.post_message(events.Key(char, char))
        app.post_message(events.Key("ctrl+s", None))
        for _ in range(2):
            await settle(app, pilot)
    made = set(tmp_path.iterdir()) - before
    assert made == {tmp_path / "typed"}, made
    assert "www.example.com.key" in {path.name for path in (tmp_path / "typed").iterdir()}


async def test_nginx_export_writes_the_files_and_lists_them_with_modes_and_the_note(
        make_app, services, valid_draft, tmp_path, notes):
    order = issue(services, valid_draft)
    out = tmp_path / "out" / "nginx"
    app = make_app(now=ten_days_in(order))
    async with app.run_test(size=(80, 24), message_hook=notes.hook) as pilot:
        await open_issued(app, pilot)
        dialog = await open_export(app, pilot, out)
        dialog.query_one("#folder", Input).focus()
        await pilot.press("enter")                 # Enter in a field exports
        await settle(app, pilot)
        text = dialog_text(app)
        shown = dialog.query_one("#result-text").content.plain
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, IssuedScreen)
    key, fullchain, readme = out / "www.example.com.key", out / "www.example.com.fullchain.pem", \
        out / "www.example.com.README.txt"
    assert sorted(path.name for path in out.iterdir()) == sorted([key.name, fullchain.name, readme.name])
    assert (mode_of(key), mode_of(fullchain), mode_of(readme)) == (0o600, 0o644, 0o644)
    assert mode_of(out) == 0o700
    loaded = serialization.load_pem_private_key(key.read_bytes(), None)
    assert loaded.public_key() == certificate_of(order).public_key()
    assert f"Exported for nginx into {out}" in shown
    for expected in ("0600 www.example.com.key", "0644 www.example.com.fullchain.pem",
                     "0644 www.example.com.README.txt", "Configuring nginx", "nginx: www.example.com"):
        assert expected in text, expected
    assert "ssl_certificate" in readme.read_text()
    assert any("Exported 3 files" in note for note in notes.texts)


async def test_a_key_exported_into_a_folder_everyone_can_write_is_written_with_a_warning(
        make_app, services, valid_draft, tmp_path):
    order = issue(services, valid_draft)
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)                         # every user may rename or replace what lands here
    app = make_app(now=ten_days_in(order))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_issued(app, pilot)
        dialog = await open_export(app, pilot, shared)
        dialog.query_one("#folder", Input).focus()
        await pilot.press("enter")
        await settle(app, pilot)
        shown = " ".join(dialog.query_one("#result-text").content.plain.split())
    assert (shared / "www.example.com.key").exists()
    assert f"Warning: {shared} can be written by every user of this machine (mode 0777)" in shown


async def test_pfx_password_must_be_typed_twice_identically(make_app, services, valid_draft, tmp_path):
    order = issue(services, valid_draft)
    out = tmp_path / "tomcat"
    app = make_app(now=ten_days_in(order))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_issued(app, pilot)
        dialog = await open_export(app, pilot, out, server="tomcat")
        await export_now(app, pilot)
        assert "Type a password for the .pfx file" in dialog_text(app)
        assert dialog.focused is dialog.query_one("#pfx-password")
        dialog.query_one("#pfx-password", Input).value = PFX_PASSWORD
        dialog.query_one("#pfx-password-again", Input).value = PFX_PASSWORD + "x"
        await export_now(app, pilot)
        assert "The two entries differ" in dialog_text(app)
        assert dialog.focused is dialog.query_one("#pfx-password-again")
        assert not out.exists()
        dialog.query_one("#pfx-password-again", Input).value = PFX_PASSWORD
        await export_now(app, pilot)
        text = dialog_text(app)
    assert "0600 www.example.com.pfx" in text
    assert PFX_PASSWORD not in text
    key, cert, chain = pkcs12.load_key_and_certificates((out / "www.example.com.pfx").read_bytes(),
                                                        PFX_PASSWORD.encode())
    assert cert == certificate_of(order) and key.public_key() == cert.public_key() and len(chain) == 1


def mac_digest(pfx: bytes) -> str:
    return asn1_pkcs12.Pfx.load(pfx)["mac_data"]["mac"]["digest_algorithm"]["algorithm"].native


def bag_algorithms(pfx: bytes) -> set[str]:
    """The encryption algorithms protecting the certificate and key bags."""
    found = set()
    for content_info in asn1_pkcs12.Pfx.load(pfx).authenticated_safe:
        if content_info["content_type"].native == "encrypted_data":
            found.add(content_info["content"]["encrypted_content_info"]["content_encryption_algorithm"]
                      ["algorithm"].native)
            continue
        for bag in asn1_pkcs12.SafeContents.load(content_info["content"].native):
            if bag["bag_id"].native == "pkcs8_shrouded_key_bag":
                found.add(bag["bag_value"]["encryption_algorithm"]["algorithm"].native)
    return found


@pytest.mark.parametrize("server", ["iis", "tomcat"])
async def test_legacy_and_modern_pfx_really_differ_and_both_open_with_the_password(
        make_app, services, valid_draft, tmp_path, server):
    order = issue(services, valid_draft)
    written = {}
    app = make_app(now=ten_days_in(order))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_issued(app, pilot)
        for profile in ("modern", "legacy"):
            dialog = await open_export(app, pilot, tmp_path / profile, server=server)
            dialog.query_one("#pfx-password", Input).value = PFX_PASSWORD
            dialog.query_one("#pfx-password-again", Input).value = PFX_PASSWORD
            dialog.query_one(f"#profile-{profile}", RadioButton).value = True
            await export_now(app, pilot)
            written[profile] = (tmp_path / profile / "www.example.com.pfx").read_bytes()
            await pilot.press("escape")
            await pilot.pause()
    for data in written.values():
        key, cert, _ = pkcs12.load_key_and_certificates(data, PFX_PASSWORD.encode())
        assert cert == certificate_of(order) and key.public_key() == cert.public_key()
        with pytest.raises(ValueError):
            pkcs12.load_key_and_certificates(data, b"not the password")
    assert mac_digest(written["modern"]) == "sha256" and mac_digest(written["legacy"]) == "sha1"
    assert bag_algorithms(written["modern"]) == {"pbes2"}
    assert bag_algorithms(written["legacy"]) == {"pkcs12_sha1_tripledes_3key"}


async def test_exporting_twice_into_one_folder_is_refused_naming_the_files(make_app, services, valid_draft,
                                                                          tmp_path):
    order = issue(services, valid_draft)
    out = tmp_path / "twice"
    app = make_app(now=ten_days_in(order))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_issued(app, pilot)
        await open_export(app, pilot, out)
        await export_now(app, pilot)
        before = {path.name: path.read_bytes() for path in out.iterdir()}
        await pilot.press("escape")
        await pilot.pause()
        dialog = await open_export(app, pilot, out)
        await export_now(app, pilot)
        text = dialog_text(app)
        assert isinstance(app.screen, ExportDialog) and dialog.outcome.result is None
        assert dialog.focused is dialog.query_one("#folder")
    error = dialog.outcome.error
    for name in ("www.example.com.fullchain.pem", "www.example.com.key", "www.example.com.README.txt"):
        assert name in error
    assert "never overwrites" in text
    assert {path.name: path.read_bytes() for path in out.iterdir()} == before


async def test_a_symlink_at_a_target_is_refused_and_not_followed(make_app, services, valid_draft, tmp_path):
    order = issue(services, valid_draft)
    out = tmp_path / "linked"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("untouched\n")
    (out / "www.example.com.key").symlink_to(victim)
    app = make_app(now=ten_days_in(order))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_issued(app, pilot)
        dialog = await open_export(app, pilot, out)
        await export_now(app, pilot)
    assert "www.example.com.key (a symbolic link)" in dialog.outcome.error
    assert victim.read_text() == "untouched\n"
    assert sorted(path.name for path in out.iterdir()) == ["www.example.com.key"]


@pytest.fixture
def unwritable_folder(tmp_path):
    """A folder nobody can create files in: immutable for root (who ignores modes), else mode 0500."""
    folder = tmp_path / "locked"
    folder.mkdir()
    as_root = os.geteuid() == 0
    if as_root:
        if shutil.which("chattr") is None:
            pytest.skip("running as root without chattr: no way to make a folder unwritable")
        subprocess.run(["chattr", "+i", str(folder)], check=True)
    else:
        folder.chmod(0o500)
    yield folder
    if as_root:
        subprocess.run(["chattr", "-i", str(folder)], check=True)
    else:
        folder.chmod(0o700)


async def test_an_unwritable_folder_gives_a_clear_message(make_app, services, valid_draft, unwritable_folder):
    order = issue(services, valid_draft)
    app = make_app(now=ten_days_in(order))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_issued(app, pilot)
        dialog = await open_export(app, pilot, unwritable_folder)
        await export_now(app, pilot)
        text = dialog_text(app)
    assert dialog.outcome.result is None
    assert "fix the folder's permissions, or choose another folder" in text
    assert list(unwritable_folder.iterdir()) == []


async def test_an_encrypted_key_asks_for_its_passphrase_and_a_wrong_one_is_refused_unechoed(
        make_app, services, valid_draft, tmp_path, screen_text, notes):
    order = issue(services, valid_draft, encrypt_key=True, passphrase=KEY_PASSPHRASE.encode())
    out = tmp_path / "encrypted"
    wrong = "wrong guess 77"
    app = make_app(now=ten_days_in(order))
    async with app.run_test(size=(80, 24), message_hook=notes.hook) as pilot:
        screen = await open_issued(app, pilot)
        assert "only the public key recorded" in flat(screen_text(app))
        assert screen.table.get_row(order.id)[3].plain == "key matches (record)"
        dialog = await open_export(app, pilot, out)
        await export_now(app, pilot)
        assert "Type the passphrase chosen when the key was made" in dialog_text(app)
        passphrase = dialog.query_one("#passphrase", Input)
        passphrase.value = wrong
        await export_now(app, pilot)
        refused = dialog_text(app)
        assert dialog.focused is passphrase and passphrase.value == ""
        assert not out.exists()
        passphrase.value = KEY_PASSPHRASE
        await export_now(app, pilot)
        done = dialog_text(app)
    assert "does not open the key file" in refused
    assert wrong not in refused + done + notes.joined() and KEY_PASSPHRASE not in done
    assert "0600 www.example.com.key" in done
    key = serialization.load_pem_private_key((out / "www.example.com.key").read_bytes(), None)
    assert key.public_key() == certificate_of(order).public_key()


async def test_a_manual_csr_order_exports_without_a_key_and_refuses_pfx_at_the_field(
        make_app, services, valid_draft, tmp_path):
    order = issue(services, valid_draft, "manual.example.com", csr_mode="manual",
                  csr_pem=manual_csr(["manual.example.com"])[1])
    out = tmp_path / "manual"
    app = make_app(now=ten_days_in(order))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_issued(app, pilot)
        dialog = await open_export(app, pilot, out, server="iis")
        assert "No private key is written" in dialog_text(app)
        assert "a .pfx must contain the private key" in dialog_text(app)
        await export_now(app, pilot)
        assert "A .pfx cannot be made without the private key" in dialog_text(app)
        assert dialog.focused is dialog.query_one("#server") and not out.exists()
        dialog.query_one("#server", Select).value = "nginx"
        await pilot.pause()
        await export_now(app, pilot)
    assert sorted(path.name for path in out.iterdir()) == ["manual.example.com.README.txt",
                                                           "manual.example.com.fullchain.pem"]


async def test_a_server_added_only_to_the_registry_is_offered_and_exported_by_the_dialog(
        make_app, services, valid_draft, tmp_path, monkeypatch):
    """One record per server type (tests/export/test_server_records.py has the CLI's half)."""
    lighttpd = register_lighttpd(monkeypatch)
    order = issue(services, valid_draft)
    out = tmp_path / "out" / "lighttpd"
    app = make_app(now=ten_days_in(order))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_issued(app, pilot)
        await pilot.press("e")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        dialog.query_one("#server", Select).value = lighttpd.name      # refused unless it is a choice
        await pilot.pause()
        folder = dialog.query_one("#folder", Input)
        assert folder.value == "~/certwizard-export/www.example.com-lighttpd"
        text = dialog_text(app)
        assert lighttpd.choice in text and lighttpd.hint in text
        assert not dialog.query_one("#pfx-fields").display
        folder.value = str(out)
        await export_now(app, pilot)
        shown = dialog.query_one("#result-text").content.plain
    assert {path.name: mode_of(path) for path in out.iterdir()} == {
        "www.example.com.lighttpd.pem": 0o600, "www.example.com.README.txt": 0o644}
    assert mode_of(out) == 0o700
    assert f"Exported for lighttpd into {out}" in shown and "0600  www.example.com.lighttpd.pem" in shown


async def test_keyboard_only_walk_fits_80x24_with_keys_in_the_footer(
        make_app, services, valid_draft, tmp_path, monkeypatch, screen_text):
    order = issue(services, valid_draft)
    monkeypatch.chdir(tmp_path)
    app = make_app(now=ten_days_in(order))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_issued(app, pilot)
        await pilot.press("e")
        await pilot.pause()
        dialog = app.screen
        box = dialog.query_one(".dialog-box")
        assert Region(0, 0, 80, 24).contains_region(box.region)
        footer = screen_text(app).splitlines()[-1]
        assert "esc Cancel" in footer and "^s Export" in footer
        await pilot.press("tab")                   # server type -> folder (its text is selected)
        assert dialog.focused is dialog.query_one("#folder")
        await pilot.press("k", "e", "y", "s", "enter")
        await settle(app, pilot)
        assert dialog.outcome is not None and dialog.outcome.result is not None
        assert "esc Close" in screen_text(app).splitlines()[-1]
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, IssuedScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, CertificatesScreen)
    assert mode_of(tmp_path / "keys" / "www.example.com.key") == 0o600


async def test_i_does_nothing_inside_a_dialog(make_app, services, valid_draft, tmp_path):
    order = issue(services, valid_draft)
    app = make_app(now=ten_days_in(order))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_issued(app, pilot)
        await open_export(app, pilot, tmp_path / "x")
        app.screen.set_focus(None)                 # nothing focused consumes the key: it reaches the App
        await pilot.press("i")
        await pilot.pause()
        assert isinstance(app.screen, ExportDialog)


async def test_control_characters_typed_into_the_folder_are_dropped_and_explained(make_app, services, valid_draft,
                                                                                tmp_path):
    order = issue(services, valid_draft)
    app = make_app(now=ten_days_in(order))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_issued(app, pilot)
        dialog = await open_export(app, pilot, tmp_path)
        folder = dialog.query_one("#folder", Input)
        folder.value = f"{tmp_path}/out\x1b[2J"
        await pilot.pause()
        text = dialog_text(app)
    assert folder.value == f"{tmp_path}/out[2J"
    assert "Removed 1 control or invisible character" in text


async def test_end_and_home_move_the_cursor_to_the_last_and_first_certificate(make_app, services,
                                                                              valid_draft):
    """End scrolled the table sideways and left the cursor on the first row: e exported the wrong one."""
    orders = [issue(services, valid_draft, domains=f"site{n}.example.com") for n in range(3)]
    app = make_app(now=ten_days_in(orders[0]))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_issued(app, pilot)
        listed = [row.key.value for row in screen.table.ordered_rows]
        assert sorted(listed) == sorted(order.id for order in orders)
        assert screen.selected.id == listed[0]
        await pilot.press("end")
        await pilot.pause()
        assert screen.selected.id == listed[-1]
        last_names = services.workflow.order(listed[-1]).application.domains[0]
        assert last_names in flat(screen.query_one("#issued-head").render().plain)
        await pilot.press("home")
        await pilot.pause()
        assert screen.selected.id == listed[0]


async def test_end_in_the_product_picker_moves_to_the_last_product(make_app):
    from certwizard.domain.products import CATALOG
    from certwizard.ui.dialogs.pickers import ProductPickerDialog

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        chosen = []
        app.push_screen(ProductPickerDialog(app.services.authorities.products()), chosen.append)
        await pilot.pause()
        await pilot.press("end", "enter")
        await pilot.pause()
    assert chosen == [list(CATALOG)[-1]]


async def test_x_revokes_the_selected_certificate_after_asking_why_and_confirming(make_app, services, valid_draft,
                                                                                 notes):
    from certwizard.ui.dialogs.confirm import ConfirmDialog
    from certwizard.ui.dialogs.pickers import ReasonPickerDialog

    order = issue(services, valid_draft)
    app = make_app(now=ten_days_in(order))
    async with app.run_test(size=(80, 24), message_hook=notes.hook) as pilot:
        await open_issued(app, pilot)
        assert "x Revoke" in rendered_text(app).splitlines()[-1]
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ReasonPickerDialog)
        await pilot.press("down", "enter")                # keyCompromise
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        assert "cannot be undone" in app.screen._consequence.plain
        await pilot.press("enter")                        # Cancel has the focus: nothing happens
        await settle(app, pilot)
        assert services.workflow.order(order.id).status is OrderStatus.ISSUED
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("down", "enter")
        await pilot.pause()
        await pilot.press("tab", "enter")                 # Revoke
        await settle(app, pilot)
    revoked = services.workflow.order(order.id)
    assert revoked.status is OrderStatus.REVOKED and "compromised" in revoked.status_reason
    assert "Revoked" in [note.title for note in notes.notes]


async def test_a_revocation_the_ca_refuses_is_said(make_app, services, valid_draft, notes, monkeypatch):
    from certwizard.ca.base import AuthorityError

    order = issue(services, valid_draft)

    def refuse(order_id, reason):
        raise AuthorityError("the CA refused to revoke it: try later")
    monkeypatch.setattr(services.workflow, "revoke", refuse)
    app = make_app(now=ten_days_in(order))
    async with app.run_test(size=(80, 24), message_hook=notes.hook) as pilot:
        await open_issued(app, pilot)
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        await pilot.pause()
        await pilot.press("tab", "enter")
        for _ in range(40):
            if "refused to revoke" in notes.joined():
                break
            await pilot.pause(0.05)
    assert "refused to revoke" in notes.joined()

"""Hostile text on the Apply screen: markup-like company names, CSR subjects and file names are shown exactly
as typed; control characters (ESC sequences) are removed where they arrive, with a message, and never reach
the terminal."""

from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from PIL import Image
from textual import events
from textual.widgets import Input

from certwizard.ui.dialogs.confirm import ConfirmDialog
from certwizard.ui.dialogs.path_prompt import PathPromptDialog
from certwizard.ui.dialogs.pickers import ProfilePickerDialog
from certwizard.ui.dialogs.submitted import SubmittedDialog
from certwizard.ui.dialogs.text_prompt import TextPromptDialog
from certwizard.ui.screens.apply import ApplyScreen

pytestmark = pytest.mark.usefixtures("no_debounce")

MARKUP_NAMES = ["ACME [Holdings] Ltd", "[bold]Inc", "x[/b", "Evil [/] Corp", "[@click=app.quit]quit[/]"]
ESCAPES = "ACME\x1b[2J\x1b]0;pwned\x07 Ltd\x1b[31m"


def escapes_on_screen(app) -> list[str]:
    """Every piece of text about to be written to the terminal that holds an ESC or another C0 control."""
    found = []
    for strip in app.screen._compositor.render_strips():
        for segment in strip:
            if any(ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 for ch in segment.text):
                found.append(segment.text)
    return found


@pytest.mark.parametrize("name", MARKUP_NAMES)
async def test_a_company_name_that_looks_like_markup_is_shown_literally(make_app, services, draft_for,
                                                                       apply_driver, name):
    [order] = services.workflow.add_purchased("ov-single")
    services.workflow.save_draft(order, draft_for("ov-single").filled(company_name=name))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        await driver.press("f8")                                  # the summary is at the top of the tab
        assert f"Company    {name} (Private enterprise)" in driver.text()
        await driver.press("f9")                                  # no documents: refused, the app goes on
        assert isinstance(app.screen, ApplyScreen)


async def test_markup_in_a_profile_name_and_company_is_literal_in_the_picker(make_app, services, draft_for,
                                                                            apply_driver, notes):
    [order] = services.workflow.add_purchased("ov-single")
    services.workflow.save_draft(order, draft_for("ov-single").filled(company_name="ACME [Holdings] Ltd"))
    app = make_app()
    async with app.run_test(size=(80, 24), message_hook=notes.hook) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        await driver.press("f8", "f5")
        assert isinstance(app.screen, TextPromptDialog)
        app.screen.query_one(Input).value = "[bold]Team x[/b"
        await driver.press("enter")
        await driver.press("f2", "f6")
        assert isinstance(app.screen, ProfilePickerDialog)
        assert "[bold]Team x[/b" in driver.text()
        assert "ACME [Holdings] Ltd" in driver.text()
    assert "Saved “[bold]Team x[/b”" in notes.joined()
    assert all(note.markup is False for note in notes.notes if "[bold]" in note.message)


async def test_a_csr_subject_with_brackets_is_shown_literally(make_app, services, valid_draft, apply_driver):
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "www.example.com"),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ACME [Holdings] [/b] Ltd")])
    csr = (x509.CertificateSigningRequestBuilder().subject_name(subject)
           .add_extension(x509.SubjectAlternativeName([x509.DNSName("www.example.com")]), critical=False)
           .sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM).decode())
    [order] = services.workflow.add_purchased("dv-single")
    services.workflow.save_draft(order, valid_draft)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        await driver.fill(csr_mode="manual", csr_pem=csr)
        text = driver.text()
        assert "Subject    O=ACME [Holdings] [/b]" in text and "Ltd,CN=www.example.com" in text


async def test_a_document_file_name_with_brackets_is_listed_literally(tmp_path, make_app, services, draft_for,
                                                                     apply_driver):
    path = tmp_path / "scan [final] [b].png"
    Image.new("RGB", (640, 480), "white").save(path, "PNG")
    [order] = services.workflow.add_purchased("ov-single")
    services.workflow.save_draft(order, draft_for("ov-single"))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        await driver.press("f8", "f4")
        assert isinstance(app.screen, PathPromptDialog)
        app.screen.query_one("#path", Input).value = str(path)
        await driver.press("enter")
        assert "scan [final] [b].png" in driver.text()
        await driver.press("x")
        assert isinstance(app.screen, ConfirmDialog)
        assert "Remove scan [final] [b].png from this application?" in " ".join(driver.text().split())


async def test_an_escape_sequence_pasted_into_a_field_is_removed_and_explained(make_app, services, draft_for,
                                                                              apply_driver):
    [order] = services.workflow.add_purchased("ov-single")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        company = driver.control("company_name")
        company.focus()
        app.post_message(events.Paste(ESCAPES))
        await driver.settle()
        assert company.value == "ACME[2J]0;pwned Ltd[31m"
        assert "U+001B" in driver.error("company_name") and "check the value" in driver.error("company_name")
        assert escapes_on_screen(app) == []
    assert "\x1b" not in services.workflow.order(order.id).draft.company_name


async def test_an_escape_sequence_pasted_into_the_csr_is_removed_and_explained(make_app, services,
                                                                              valid_draft,
                                                                              apply_driver):
    [order] = services.workflow.add_purchased("dv-single")
    services.workflow.save_draft(order, valid_draft)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        await driver.fill(csr_mode="manual")
        csr = driver.control("csr_pem")
        csr.focus()
        app.post_message(events.Paste("-----BEGIN CERTIFICATE REQUEST-----\r\n\x1b]52;c;aGk=\x07MIIB\r\n"))
        await driver.settle()
        assert csr.text.startswith("-----BEGIN CERTIFICATE REQUEST-----\n]52;c;aGk=MIIB")
        assert "U+001B, U+0007" in driver.error("csr_pem")
        assert escapes_on_screen(app) == []


async def test_control_characters_in_a_stored_draft_never_reach_the_terminal(make_app, services, valid_draft,
                                                                            apply_driver):
    # Written by something other than this screen (an old version, a hand-edited file): shown cleaned.
    [order] = services.workflow.add_purchased("dv-single")
    services.workflow.save_draft(order, valid_draft.filled(applicant_name="Li\x1b[8m Lei\x9b"))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        assert driver.control("applicant_name").value == "Li[8m Lei"
        assert "U+001B, U+009B" in driver.error("applicant_name")
        assert escapes_on_screen(app) == []


async def test_an_escape_sequence_in_the_upload_path_is_refused_with_a_message(make_app, services, draft_for,
                                                                              apply_driver):
    [order] = services.workflow.add_purchased("ov-single")
    services.workflow.save_draft(order, draft_for("ov-single"))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        await driver.press("f8", "f4")
        path = app.screen.query_one("#path", Input)
        app.post_message(events.Paste("/tmp/\x1b[2Jletter.png"))
        await driver.settle()
        assert "\x1b" not in path.value
        assert "U+001B" in driver.text()
        assert escapes_on_screen(app) == []


async def test_hostile_values_survive_the_whole_flow_without_escapes(tmp_path, make_app, services, draft_for,
                                                                    apply_driver):
    path = tmp_path / "[red]letter[b].png"
    Image.new("RGB", (640, 480), "white").save(path, "PNG")
    [order] = services.workflow.add_purchased("ov-single")
    services.workflow.save_draft(order, draft_for("ov-single").filled(company_name="x[/b",
                                                                       applicant_name="[bold]Li Lei"))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        await driver.press("f8", "f4")
        app.screen.query_one("#path", Input).value = str(path)
        await driver.press("enter", "f9")
        assert isinstance(app.screen, ConfirmDialog)
        text = driver.text()
        assert "[bold]Li Lei" in text and "x[/b" in text and "[red]letter[b].png" in text
        await driver.press("enter")
        assert isinstance(app.screen, SubmittedDialog)
        assert escapes_on_screen(app) == []


async def test_characters_removed_from_domains_to_bind_are_reported_after_the_live_check(
        make_app, services, apply_driver, notes):
    """The field's live check replaced the message at once: the names were cleaned silently."""
    [order] = services.workflow.add_purchased("dv-single")
    app = make_app()
    async with app.run_test(size=(80, 24), message_hook=notes.hook) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        domains = driver.control("domains")
        domains.focus()
        app.post_message(events.Paste("www.\u202eexample.com\x1b[2J"))
        await driver.settle()
        assert domains.value == "www.example.com[2J"
        assert "U+202E, U+001B" in notes.joined() and "Removed 2 control or invisible" in notes.joined()
        assert escapes_on_screen(app) == []


async def test_characters_removed_from_a_list_filter_are_reported(make_app, seeded_services, notes):
    app = make_app(seeded_services)
    async with app.run_test(size=(80, 24), message_hook=notes.hook) as pilot:
        await pilot.pause()
        await pilot.press("slash")
        app.post_message(events.Paste("review\u202e\x1b"))
        await pilot.pause()
        assert app.focused.value == "review"
        assert "U+202E, U+001B" in notes.joined()

"""CSR Generation: a manual CSR pasted or loaded from a file with the linter's findings beside it, and the
automatic key made at submission (passphrase asked twice, progress on the busy line, the UI still usable)."""

from __future__ import annotations

import threading

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from textual.widgets import Input

from certwizard.domain.status import OrderStatus
from certwizard.system import isolation
from certwizard.ui.dialogs.confirm import ConfirmDialog
from certwizard.ui.dialogs.passphrase import PassphraseDialog
from certwizard.ui.dialogs.submitted import SubmittedDialog
from certwizard.ui.screens.apply import ApplyScreen

pytestmark = pytest.mark.usefixtures("no_debounce")


def make_csr(*names: str, organization: str | None = None) -> str:
    """A real CSR (ECDSA P-256, SHA-256) for `names`, the first as the common name."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = [x509.NameAttribute(NameOID.COMMON_NAME, names[0])]
    if organization:
        subject.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    csr = (x509.CertificateSigningRequestBuilder().subject_name(x509.Name(subject))
           .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
           .sign(key, hashes.SHA256()))
    return csr.public_bytes(serialization.Encoding.PEM).decode("ascii")


async def _manual(driver, **values) -> None:
    await driver.fill(csr_mode="manual", **values)


async def test_a_pasted_csr_shows_its_subject_names_and_key(make_app, services, valid_draft, apply_driver):
    [order] = services.workflow.add_purchased("dv-single")
    services.workflow.save_draft(order, valid_draft)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        await _manual(driver, csr_pem=make_csr("www.example.com"))
        panel = driver.screen.form.csr.lint_panel
        assert panel.report is not None and panel.report.ok
        text = driver.text()                                   # in view beside the CSR, without scrolling
        assert "This CSR can be used" in text
        assert "CN=www.example.com" in text and "ECDSA P-256" in text
        await driver.press("f8")
        assert driver.screen.tabs.active == "verify"
        assert "Manual: the CSR you pasted" in driver.text()


async def test_a_csr_for_other_names_lists_its_problems_and_next_refuses_it(make_app, services, valid_draft,
                                                                            apply_driver):
    [order] = services.workflow.add_purchased("dv-single")
    services.workflow.save_draft(order, valid_draft)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        await _manual(driver, csr_pem=make_csr("shop.example.net"))
        report = driver.screen.form.csr.lint_panel.report
        assert report is not None and not report.ok
        assert any("www.example.com" in problem.message for problem in report.problems)
        await driver.press("f8")
        assert driver.screen.tabs.active == "enter"
        assert "problems are listed below" in driver.error("csr_pem")
        assert app.focused is driver.control("csr_pem")
        text = driver.text()
        assert "problem" in text and "shop.example.net" in text


async def test_text_that_is_no_csr_is_explained(make_app, services, valid_draft, apply_driver):
    [order] = services.workflow.add_purchased("dv-single")
    services.workflow.save_draft(order, valid_draft)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        await _manual(driver, csr_pem="hello, this is my certificate request")
        report = driver.screen.form.csr.lint_panel.report
        assert report is not None and not report.ok and not report.parsed
        assert "problem" in driver.text()


async def test_changing_the_domains_checks_the_pasted_csr_again(make_app, services, valid_draft,
                                                                apply_driver):
    [order] = services.workflow.add_purchased("dv-single")
    services.workflow.save_draft(order, valid_draft)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        await _manual(driver, csr_pem=make_csr("shop.example.com"))
        assert not driver.screen.form.csr.lint_panel.report.ok
        await driver.fill(domains="shop.example.com")
        assert driver.screen.form.csr.lint_panel.report.ok


async def test_switching_modes_keeps_the_pasted_csr(make_app, services, valid_draft, apply_driver):
    [order] = services.workflow.add_purchased("dv-single")
    services.workflow.save_draft(order, valid_draft)
    pem = make_csr("www.example.com")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        await _manual(driver, csr_pem=pem)
        await driver.fill(csr_mode="automatic")
        driver.screen.form.csr.radio.focus()
        await driver.settle()
        assert "certwizard generates the private key on this server" in driver.screen.form.hint_line.content.plain
        await driver.fill(csr_mode="manual")
        assert driver.control("csr_pem").text == pem
    assert services.workflow.order(order.id).draft.csr_pem == pem


async def test_a_csr_is_loaded_from_a_file(tmp_path, make_app, services, valid_draft, apply_driver):
    csr_file = tmp_path / "www.csr"
    pem = make_csr("www.example.com")
    csr_file.write_text(pem)
    [order] = services.workflow.add_purchased("dv-single")
    services.workflow.save_draft(order, valid_draft)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        await _manual(driver)
        driver.control("csr_file").value = str(csr_file)
        driver.control("csr_file").focus()
        await driver.press("enter")
        assert driver.control("csr_pem").text == pem
        assert driver.screen.form.csr.lint_panel.report.ok
        assert driver.error("csr_file") == ""
    assert services.workflow.order(order.id).draft.csr_pem == pem


@pytest.mark.parametrize(("content", "expected"), [
    (None, "There is no file at"),
    (b"\x89PNG\r\n\x1a\n" + bytes(200), "is not PEM text"),
    (b"-----BEGIN CERTIFICATE REQUEST-----\n" + b"A" * 20000, "larger than 16 KiB"),
], ids=["missing", "binary", "huge"])
async def test_an_unusable_csr_file_is_refused_with_a_clear_message(tmp_path, make_app, services, valid_draft,
                                                                   apply_driver, content, expected):
    path = tmp_path / "request.csr"
    if content is not None:
        path.write_bytes(content)
    [order] = services.workflow.add_purchased("dv-single")
    services.workflow.save_draft(order, valid_draft)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        await _manual(driver)
        driver.control("csr_file").value = str(path)
        driver.control("csr_file").focus()
        await driver.press("enter")
        assert expected in driver.error("csr_file")
        assert driver.control("csr_pem").text == ""                    # nothing half-loaded
        assert expected in " ".join(driver.text().split())


async def test_an_encrypted_key_asks_the_passphrase_twice(make_app, services, valid_draft, apply_driver):
    [order] = services.workflow.add_purchased("dv-single")
    services.workflow.save_draft(order, valid_draft.filled(encrypt_key=True))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        await driver.press("f8", "f9")
        assert isinstance(app.screen, ConfirmDialog)
        await driver.press("enter")
        assert isinstance(app.screen, PassphraseDialog)
        app.screen.query_one("#passphrase", Input).value = "correct horse"
        app.screen.query_one("#passphrase-again", Input).value = "correct hose"
        app.screen.query_one("#passphrase-again", Input).focus()
        await driver.press("enter")
        assert isinstance(app.screen, PassphraseDialog)
        assert "differ" in driver.text()
        assert "correct" not in driver.text()                             # never shown
        app.screen.query_one("#passphrase-again", Input).value = "correct horse"
        await driver.press("enter")
        assert isinstance(app.screen, SubmittedDialog)
    stored = services.workflow.order(order.id)
    assert stored.key is not None and stored.key.encrypted
    key_pem = open(stored.key.path, "rb").read()
    assert b"ENCRYPTED" in key_pem
    serialization.load_pem_private_key(key_pem, password=b"correct horse")
    assert b"correct horse" not in open(services.layout.database, "rb").read()


async def test_cancelling_the_passphrase_submits_nothing(make_app, services, valid_draft, apply_driver,
                                                         notes):
    [order] = services.workflow.add_purchased("dv-single")
    services.workflow.save_draft(order, valid_draft.filled(encrypt_key=True))
    app = make_app()
    async with app.run_test(size=(80, 24), message_hook=notes.hook) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        await driver.press("f8", "f9", "enter")
        await driver.press("escape")
        assert isinstance(app.screen, ApplyScreen)
    assert "Not submitted" in notes.joined()
    assert services.workflow.order(order.id).status is OrderStatus.DRAFT


async def test_key_generation_shows_progress_and_the_screen_stays_usable(make_app, services, valid_draft,
                                                                         apply_driver, monkeypatch):
    release = threading.Event()
    started = threading.Event()
    real = isolation.run_isolated
    isolated = []

    def held_generation(function, *args, **kwargs):
        isolated.append(function.__name__)      # RSA keys are made in the helper process...
        started.set()
        release.wait(30)          # ...held here until the test has looked at the screen
        return real(function, *args, **kwargs)

    monkeypatch.setattr(isolation, "run_isolated", held_generation)
    [order] = services.workflow.add_purchased("dv-single")
    services.workflow.save_draft(order, valid_draft.filled(key_algorithm="rsa-2048"))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        await driver.press("f8", "f9")
        await pilot.press("enter")
        while not started.is_set():
            await pilot.pause(0.01)
        await pilot.pause()
        assert driver.screen.busy == "Generating an RSA 2048 private key on this server"
        header_line = driver.text().splitlines()[1]         # in place of the product line: no re-layout
        assert "Generating an RSA 2048 private key on this server…" in header_line
        assert "valid" not in header_line
        await pilot.press("f9", "escape")                    # no second submission, no leaving meanwhile...
        await pilot.press("end")                             # ...but keys still work: the tab scrolls
        await pilot.pause()
        assert isinstance(app.screen, ApplyScreen)
        assert driver.screen.verify.scroll_y > 0
        release.set()
        await driver.settle()
        assert isinstance(app.screen, SubmittedDialog)
    assert services.workflow.order(order.id).key.algorithm.value == "rsa-2048"
    assert isolated == ["generate_key_and_csr"]


async def test_a_csr_pasted_from_a_terminal_keeps_its_lines(make_app, services, valid_draft, apply_driver):
    # Terminals send the line ends of a paste as CR; the CSR must not be joined into one line.
    from textual import events

    pem = make_csr("www.example.com")
    [order] = services.workflow.add_purchased("dv-single")
    services.workflow.save_draft(order, valid_draft)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        await driver.fill(csr_mode="manual")
        area = driver.control("csr_pem")
        area.focus()
        app.post_message(events.Paste(pem.replace("\n", "\r")))
        await driver.settle()
        assert area.text == pem
        assert driver.error("csr_pem") == ""                       # nothing to report: no character dropped
        assert driver.screen.form.csr.lint_panel.report.ok


def how_to_csr(tmp_path, common_name: str) -> str:
    """The CSR of the standard openssl how-to: a subject with only a common name, no subjectAltName."""
    import subprocess

    subprocess.run(["openssl", "req", "-new", "-nodes", "-sha256", "-newkey", "rsa:2048", "-keyout",
                    str(tmp_path / "server.key"), "-out", str(tmp_path / "server.csr"), "-subj",
                    f"/C=CN/ST=Zhejiang/L=Hangzhou/O=Example Ltd/CN={common_name}"],
                   check=True, capture_output=True)
    return (tmp_path / "server.csr").read_text()


async def test_the_how_to_csr_with_only_a_common_name_is_accepted_with_a_note(
        tmp_path, make_app, services, draft_for, apply_driver):
    [order] = services.workflow.add_purchased("dv-multi")
    services.workflow.save_draft(order, draft_for("dv-multi", "www.example.com, example.com"))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        await _manual(driver, csr_pem=how_to_csr(tmp_path, "www.example.com"))
        panel = driver.screen.form.csr.lint_panel
        assert panel.report.ok, panel.report.problems           # the sandbox takes the names from the order
        shown = panel.render().plain
        assert "common name only" in shown and "does not name example.com" in shown
        await driver.press("f8")
        assert driver.screen.tabs.active == "verify"


async def test_the_commands_shown_name_every_bound_domain_and_fit_80_columns(
        tmp_path, make_app, services, draft_for, apply_driver):
    from certwizard.crypto.csr_lint import lint_csr
    from certwizard.domain.csr_names import CsrNameRule

    [order] = services.workflow.add_purchased("dv-multi")
    services.workflow.save_draft(order, draft_for("dv-multi", "www.example.com, example.com"))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(order.id)
        await _manual(driver)
        await driver.fill(domains="www.example.com, example.com, mail.example.com")
        commands = driver.screen.query_one("#csr-commands")
        text = commands.render().plain
        assert "DNS.3 = mail.example.com" in text and "-reqexts san" in text and "-addext" not in text
        commands.scroll_visible(animate=False)
        await pilot.pause()
        screen = driver.text()
        lines = [line for line in text.splitlines() if line.strip()]
        assert all(line in screen for line in lines), "a command line is cut or wrapped at 80 columns"

    import subprocess

    subprocess.run(["sh", "-e", "-c", text], cwd=tmp_path, check=True, capture_output=True, timeout=120)
    made = (tmp_path / "www.example.com.csr").read_bytes()
    report = lint_csr(made, order.product, ["www.example.com", "example.com", "mail.example.com"],
                      name_rule=CsrNameRule.EXACT)
    assert report.ok and report.dns_names == ["www.example.com", "example.com", "mail.example.com"]

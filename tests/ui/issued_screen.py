"""Issued Certificates in the UI tests: orders issued through the real workflow, the screen and its
dialogs opened and settled, and their text read the way a user reads it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from cryptography import x509
from textual.widgets import Input, Select

from certwizard.ui.dialogs.export import ExportDialog
from certwizard.ui.screens.issued import IssuedScreen
from tests.services import issued_orders
from tests.ui.workers_done import workers_done

PFX_PASSWORD = "pfx pass 123"
KEY_PASSPHRASE = "lantern tulip 42"


def issue(services, draft, domains="www.example.com", product_id="dv-single", passphrase=None, **fields):
    """Buy, apply with `draft`, submit, confirm the DNS record and refresh, all through the real workflow."""
    return issued_orders.issue(services, domains, product_id, passphrase, draft=draft, **fields)


def certificate_of(order) -> x509.Certificate:
    return x509.load_pem_x509_certificate(order.certificate.certificate_pem.encode())


def ten_days_in(order):
    """A clock ten days after issuance, for the app's `now`."""
    moment = certificate_of(order).not_valid_before_utc + timedelta(days=10)
    return lambda: moment



SCROLLBAR_GLYPHS = {chr(code): " " for code in range(0x2580, 0x25A0)}


def flat(text: str) -> str:
    """Scrollbar glyphs dropped, whitespace (line ends too) collapsed: wrapped sentences read as one."""
    return " ".join(text.translate(str.maketrans(SCROLLBAR_GLYPHS)).split())


def dialog_text(app) -> str:
    """The words inside the dialog box, lines joined (so a sentence wrapped over lines reads as one)."""
    inside = []
    for line in app.screen._compositor.render_strips():
        text = line.text
        if text.count("│") >= 2:
            inside.append(text[text.index("│") + 1:text.rindex("│")])
    return flat(" ".join(inside))


async def settle(app, pilot) -> None:
    await pilot.pause()
    await workers_done(app)
    await pilot.pause()


async def open_issued(app, pilot) -> IssuedScreen:
    await pilot.press("i")
    await settle(app, pilot)
    assert isinstance(app.screen, IssuedScreen)
    return app.screen


async def open_export(app, pilot, folder: Path, server: str = "nginx") -> ExportDialog:
    await pilot.press("e")
    await pilot.pause()
    dialog = app.screen
    assert isinstance(dialog, ExportDialog)
    dialog.query_one("#folder", Input).value = str(folder)
    dialog.query_one("#server", Select).value = server
    await pilot.pause()
    return dialog


async def export_now(app, pilot) -> None:
    await pilot.pause()                        # typed values reach the dialog before the key does
    await pilot.press("ctrl+s")
    await settle(app, pilot)

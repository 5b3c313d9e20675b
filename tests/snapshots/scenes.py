"""The screens the snapshot tests and the curated screenshots show, each built from fixed data.

A scene is the orders in a fresh data folder plus what the user did before the picture (`run_before`).
Everything a screen shows is fixed here: order ids, every timestamp, the app's "now" (NOW), the document's
facts, and the issued certificate, which is a committed public fixture (fixtures/, made by make_fixtures.py)
rather than one the sandbox signs at test time with a random serial. `settle` waits until no worker, timer
or animation can still change the screen.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from textual.app import App
from textual.pilot import Pilot
from textual.worker import WorkerCancelled, WorkerState

from certwizard.ca.sandbox_pki import SandboxPKI, format_serial
from certwizard.domain.models import (
    Applicant,
    Application,
    ApplicationDraft,
    AutomaticCsr,
    Company,
    CompanyType,
    Document,
    DomainValidation,
    Installation,
    IssuedCertificate,
    Location,
    ManualCsr,
    Order,
    RenewalRecord,
)
from certwizard.domain.products import KeyAlgorithm
from certwizard.domain.status import OrderStatus
from certwizard.services import Services
from certwizard.system.securefs import PUBLIC_FILE_MODE, create_new_file, ensure_private_dir
from certwizard.ui.app import CertWizardApp

FIXTURES = Path(__file__).parent / "fixtures"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)        # the app's clock in every scene
THEME = "textual-dark"


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in November 2026 (UTC), before NOW."""
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="ascii")


# --- what was typed ---------------------------------------------------------------------------------------

def dv_draft(domains: str, **changes: object) -> ApplicationDraft:
    return ApplicationDraft(
        domains=domains, applicant_name="Li Lei", applicant_phone="+86 138 0013 8000",
        applicant_email="lilei@example.com", applicant_id_number="11010519491231002X",
        csr_mode="automatic", key_algorithm="ec-p256").model_copy(update=changes)


def ov_draft(domains: str, **changes: object) -> ApplicationDraft:
    company = dict(
        company_name="Example Trading Co., Ltd.", company_type="private", company_phone="+86 10 6552 9988",
        company_organization_id="91110105MA01ABCD1X", company_country="CN", company_province="CN-BJ",
        company_city="Beijing", company_address="1 Chaoyang Road", company_zip_code="100020")
    return dv_draft(domains, **company, **changes)


# --- what submission froze --------------------------------------------------------------------------------

def application(*domains: str, company: bool = False, csr: AutomaticCsr | ManualCsr | None = None,
                documents: list[Document] | None = None) -> Application:
    return Application(
        domains=list(domains),
        applicant=Applicant(name="Li Lei", phone="+8613800138000", email="lilei@example.com",
                            id_number="11010519491231002X"),
        company=Company(name="Example Trading Co., Ltd.", company_type=CompanyType.PRIVATE,
                        phone="+861065529988", organization_id="91110105MA01ABCD1X",
                        location=Location(country="CN", province="CN-BJ", city="Beijing"),
                        address="1 Chaoyang Road", zip_code="100020") if company else None,
        csr=csr or AutomaticCsr(key_algorithm=KeyAlgorithm.EC_P256),
        documents=documents or [])


def dns_check(domain: str, token: str) -> DomainValidation:
    return DomainValidation(
        domain=domain, dns_name=f"_dnsauth.{domain}", dns_type="TXT", dns_value=token,
        file_url=f"http://{domain}/.well-known/pki-validation/fileauth.txt",
        file_path="/.well-known/pki-validation/fileauth.txt", file_content=token)


LETTER = Document(
    id="doc-0000c001", display_name="verification-letter.jpg", stored_name="3f1c9a7e5b2d4c60-0a1b2c3d.jpg",
    kind="JPEG", size=318_204, width=1654, height=2339,
    sha256="3f1c9a7e5b2d4c6081f0a9e2d7b3c5e4f6a8b0c2d4e6f8a0b2c4d6e8f0a2b4c6", added_at=at(24, 16, 20))

FAILED_REASON = ("The CA could not find the domain verification record. Check that the TXT record or file is "
                 "published exactly as shown, then withdraw and resubmit.")


def issued_certificate(name: str = "www.example.com") -> IssuedCertificate:
    leaf_pem = fixture_text(f"{name}.pem")
    leaf = x509.load_pem_x509_certificate(leaf_pem.encode("ascii"))
    return IssuedCertificate(
        certificate_pem=leaf_pem, chain_pem=fixture_text("sandbox-intermediate.pem"),
        serial=format_serial(leaf.serial_number), not_before=leaf.not_valid_before_utc,
        not_after=leaf.not_valid_after_utc, fetched_at=at(24, 10, 5))


def _order(number: str, product_id: str, purchased: datetime, updated: datetime, **fields: object) -> Order:
    return Order(id=f"ord-0000{number}", product_id=product_id, purchased_at=purchased, updated_at=updated,
                 **fields)


def order(kind: str) -> Order:
    """One order per kind, always with the same id, times and content."""
    builders: dict[str, Callable[[], Order]] = {
        # The home screen's orders, one per interesting status (the draft is the most recently changed).
        "pending": lambda: _order("a001", "ov-multi", at(20, 9), at(20, 9)),
        "draft": lambda: _order(
            "a002", "dv-multi", at(20, 9, 5), at(25, 11, 40), status=OrderStatus.DRAFT,
            draft=dv_draft("shop.example.com, api.example.com, cdn.example.com")),
        "verification": lambda: _order(
            "a003", "dv-single", at(20, 9, 10), at(22, 8), status=OrderStatus.DOMAIN_VERIFICATION,
            draft=dv_draft("www.example.com"), application=application("www.example.com"),
            authority_ref="sbx-0000a003", submitted_at=at(22, 8), expected_issuance_at=at(22, 8, 15),
            domain_validations=[dns_check("www.example.com", "Qm9vdHN0cmFwVG9rZW4tMDAwMw")]),
        "review": lambda: _order(
            "a004", "ov-single", at(20, 9, 15), at(23, 14), status=OrderStatus.UNDER_REVIEW,
            draft=ov_draft("portal.example.org", documents=[LETTER]),
            application=application("portal.example.org", company=True, documents=[LETTER]),
            authority_ref="sbx-0000a004", submitted_at=at(23, 14), expected_issuance_at=at(26, 14)),
        "failed": lambda: _order(
            "a005", "dv-wildcard", at(20, 9, 20), at(21, 16, 30), status=OrderStatus.REVIEW_FAILED,
            draft=dv_draft("*.example.net"), application=application("*.example.net"),
            status_reason=FAILED_REASON, authority_ref="sbx-0000a005", submitted_at=at(21, 16)),
        "issued": lambda: _issued_order(),
        # Due for renewal at NOW (13 days left, one failed attempt, installed) and ended before it.
        "expiring": lambda: _dated_order("a007", "expiring.example.com", at(19, 11), dict(
            last_renewal=RenewalRecord(at=at(25, 3), ok=False, message="the CA refused: rate limited, retry after 1 h"),
            installations=[Installation(server="nginx", directory="/etc/nginx/certs/expiring", serial="",
                                        created_at=at(10, 11))])),
        "expired": lambda: _dated_order("a008", "expired.example.com", at(6, 10), {}),
        # Orders for the Apply screen (each scene has only its own order: Enter on the home screen opens it).
        "ov-enter": lambda: _order("b001", "ov-single", at(24, 9), at(24, 9), status=OrderStatus.DRAFT,
                                   draft=ov_draft("portal.example.org")),
        "ov-verify": lambda: _order("b002", "ov-single", at(24, 9), at(24, 16, 20), status=OrderStatus.DRAFT,
                                    draft=ov_draft("portal.example.org", documents=[LETTER], step="verify")),
        "manual-csr": lambda: _order(
            "b003", "dv-multi", at(24, 9), at(24, 9), status=OrderStatus.DRAFT,
            draft=dv_draft("www.example.com, example.com", csr_mode="manual",
                           csr_pem=fixture_text("www.example.com.csr"))),
        "incomplete": lambda: _order(
            "b004", "dv-single", at(24, 9), at(24, 9), status=OrderStatus.DRAFT,
            draft=ApplicationDraft(domains="www.example.com", applicant_name="Li Lei",
                                   applicant_phone="+86 138", applicant_email="lilei@example")),
        "dv-verify": lambda: _order("b005", "dv-single", at(24, 9), at(25, 11, 58), status=OrderStatus.DRAFT,
                                    draft=dv_draft("www.example.com", step="verify")),
        # An OV multi-domain order filled in: the densest form (applicant, company, three names).
        "ov-multi-enter": lambda: _order(
            "b007", "ov-multi", at(24, 9), at(24, 9), status=OrderStatus.DRAFT,
            draft=ov_draft("www.example.com, example.com, shop.example.com")),
        # An ACME order (its account need not exist to fill in the form): no applicant, the names by DNS.
        "acme-dns": lambda: _order(
            "b006", ACME_PRODUCT, at(24, 9), at(24, 9), status=OrderStatus.DRAFT, authority="acme:pebble",
            draft=ApplicationDraft(domains="example.com, *.example.com", validation_method="dns",
                                   validation_hook="/usr/local/bin/dns-hook", key_algorithm="ec-p256")),
    }
    return builders[kind]()


def _issued_order() -> Order:
    """A manual-CSR order: certwizard never had its key, so no private key exists anywhere in the fixtures."""
    csr_pem = fixture_text("www.example.com.csr")
    domains = ("www.example.com", "example.com")
    return _order(
        "a006", "dv-multi", at(18, 10), at(24, 10, 5), status=OrderStatus.ISSUED,
        draft=dv_draft(", ".join(domains), csr_mode="manual", csr_pem=csr_pem),
        application=application(*domains, csr=ManualCsr(csr_pem=csr_pem)), csr_pem=csr_pem,
        authority_ref="sbx-0000a006", submitted_at=at(24, 9, 30), certificate=issued_certificate())


def _dated_order(number: str, name: str, updated: datetime, fields: dict[str, object]) -> Order:
    """A manual-CSR order for the fixture leaf `name` (no key anywhere), issued when the leaf begins."""
    csr_pem = fixture_text(f"{name}.csr")
    certificate = issued_certificate(name)
    installed = [installation.model_copy(update=dict(serial=certificate.serial, installed_at=at(10, 11)))
                 for installation in fields.pop("installations", [])]   # type: ignore[attr-defined]
    return _order(
        number, "dv-single", certificate.not_before, updated, status=OrderStatus.ISSUED,
        draft=dv_draft(name, csr_mode="manual", csr_pem=csr_pem),
        application=application(name, csr=ManualCsr(csr_pem=csr_pem)), csr_pem=csr_pem,
        authority_ref=f"sbx-0000{number}", submitted_at=certificate.not_before, certificate=certificate,
        installations=installed, **fields)


def submitted(draft_order: Order) -> Order:
    """`draft_order` as submitting it to the sandbox leaves a DV order (the Submitted dialog shows it)."""
    domains = [name.strip() for name in draft_order.draft.domains.split(",")]
    return draft_order.model_copy(update=dict(
        status=OrderStatus.DOMAIN_VERIFICATION, application=application(*domains),
        authority_ref="sbx-0000b005", submitted_at=NOW, expected_issuance_at=at(25, 12, 15),
        domain_validations=[dns_check(domain, "U3VibWl0dGVkVG9rZW4tYjAwNQ") for domain in domains]))


HOME_ORDERS = ("pending", "draft", "verification", "review", "failed", "issued")


# --- the app ----------------------------------------------------------------------------------------------

# A toast stays until the picture is taken, however slow the machine (the default timeout is a few seconds).
TOAST_SECONDS = 3600


def snapshot_app(services: Services) -> CertWizardApp:
    """The real app on a fixed clock and theme, without the background status check. (An instance, not a
    subclass: the app's stylesheet paths are relative to the module that defines the class.)"""
    app = CertWizardApp(services, refresh_seconds=None, now=lambda: NOW)
    app.theme = THEME
    app.NOTIFICATION_TIMEOUT = TOAST_SECONDS
    return app


def build_app(services: Services, kinds: tuple[str, ...]) -> CertWizardApp:
    """Store the orders of `kinds` (one write), and the sandbox root where the sandbox CA keeps it."""
    if kinds:
        services.repository.insert_orders([order(kind) for kind in kinds])
    if "issued" in kinds:
        install_sandbox_root(services)
    return snapshot_app(services)


def install_sandbox_root(services: Services) -> None:
    """The committed root (and intermediate) certificates in the data folder's sandbox CA folder, so the
    Issued view verifies the chain. Public certificates only: the CA's keys were never kept."""
    pki = SandboxPKI(services.layout.ca_dir)
    ensure_private_dir(pki.ca_dir)
    ensure_private_dir(pki.pki_dir)
    create_new_file(pki.root_pem_path, fixture_text("sandbox-root.pem").encode("ascii"), PUBLIC_FILE_MODE)
    create_new_file(pki.intermediate_pem_path, fixture_text("sandbox-intermediate.pem").encode("ascii"),
                    PUBLIC_FILE_MODE)


# --- what the user did before the picture -----------------------------------------------------------------

async def wait_for_workers(app: App) -> None:
    """Until every worker has finished. A worker cancelled meanwhile, as an exclusive one is when another
    replaces it (the CSR lint as the text changes), is finished too: Textual's `wait_for_complete` gathers
    all workers and raised WorkerCancelled for it, under load, before its replacement had even run. A worker
    that failed still raises (WorkerFailed), as it should."""
    while True:
        running = [worker for worker in app.workers if not worker.is_finished]
        if not running:
            return
        for worker in running:
            if worker.state is WorkerState.PENDING:
                await asyncio.sleep(0)          # not started yet: Textual refuses to wait for it
                continue
            try:
                await worker.wait()
            except WorkerCancelled:
                pass                            # replaced: its replacement is among the workers next round


async def settle(pilot: Pilot) -> None:
    """Until nothing is left to change the screen: workers (checks, saves, lint), the messages they post,
    timers set at zero delay, and animations."""
    app = pilot.app
    for _ in range(4):
        await wait_for_workers(app)
        await pilot.pause()
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


async def press(pilot: Pilot, *keys: str) -> None:
    await settle(pilot)
    await pilot.press(*keys)
    await settle(pilot)


def screen_named(pilot: Pilot, name: str):
    """The current screen, checked to be `name` (a class name) so a baseline never records the wrong one."""
    screen = pilot.app.screen
    assert type(screen).__name__ == name, f"expected {name}, the app shows {type(screen).__name__}"
    return screen


async def home(pilot: Pilot) -> None:
    await settle(pilot)
    screen_named(pilot, "CertificatesScreen")


async def product_picker(pilot: Pilot) -> None:
    await press(pilot, "a")
    screen_named(pilot, "ProductPickerDialog")


async def open_apply(pilot: Pilot) -> object:
    """Enter on the home screen: the cursor starts on the most recently changed order."""
    await press(pilot, "enter")
    return screen_named(pilot, "ApplyScreen")


async def apply_dv_filled(pilot: Pilot) -> None:
    await open_apply(pilot)


async def apply_ov_company(pilot: Pilot) -> None:
    """Scrolled down to the Company section, its first field focused (as after Tab from the applicant)."""
    screen = await open_apply(pilot)
    form = screen.form
    form.company.rows()["company_name"].control.focus(scroll_visible=False)
    form.scroll_to_widget(form.company, top=True, animate=False)
    await settle(pilot)


async def apply_ov_multi(pilot: Pilot) -> None:
    """The form as it opens (Domains to Bind focused): as many fields as fit without scrolling."""
    screen = await open_apply(pilot)
    assert screen.form.company is not None and screen.form.scroll_y == 0


async def apply_manual_csr(pilot: Pilot) -> None:
    """The pasted CSR with the linter's findings right under it, as after pasting."""
    screen = await open_apply(pilot)
    screen.form.csr.text_area.focus(scroll_visible=False)
    screen.form.csr.reveal_report()
    await settle(pilot)
    assert screen.form.csr.lint_panel.report is not None, "the CSR was not linted"


async def apply_errors_after_next(pilot: Pilot) -> None:
    """Each error under its field, the first invalid field focused. The "Not ready yet" toast that comes with
    them is gone after a few seconds (at 80x24 it covers the first error meanwhile): cleared here."""
    screen = await open_apply(pilot)
    await press(pilot, "f8")
    assert screen.current_tab == "enter"
    pilot.app.clear_notifications()
    await settle(pilot)


# --- the Apply screen for ACME (its order is "acme-dns" in `order`, its scene in SCENES) ---

ACME_PRODUCT = "acme:pebble:dv-multi-wildcard"


async def apply_acme_dns(pilot: Pilot) -> None:
    """An ACME multi-wildcard application filled in, scrolled to its Domain validation block (DNS only: HTTP
    greyed out, the hint says why), as after Tab from the domains."""
    screen = await open_apply(pilot)
    form = screen.form
    form.validation.radio.focus(scroll_visible=False)
    form.scroll_to_widget(form.domains, top=True, animate=False)
    await settle(pilot)
    assert form.applicant is None and form.validation.wildcard, "not the ACME wildcard form"


async def verify_ov_document(pilot: Pilot) -> None:
    """Reopened on Verify Information (where it was left), scrolled down to the attached document."""
    screen = await open_apply(pilot)
    assert screen.current_tab == "verify"
    screen.verify.scroll_to_widget(screen.verify.documents_row, top=False, animate=False)
    await settle(pilot)


async def submit_confirmation(pilot: Pilot) -> None:
    screen = await open_apply(pilot)
    assert screen.current_tab == "verify"
    await press(pilot, "f9")
    screen_named(pilot, "ConfirmDialog")


async def submitted_dialog(pilot: Pilot) -> None:
    """What F9 and Submit end with for a DV order: the dialog over the Verify tab. The order is the one
    submission would store, built here (a real submission makes random keys and tokens)."""
    from certwizard.ui.dialogs.submitted import SubmittedDialog

    screen = await open_apply(pilot)
    assert screen.current_tab == "verify"
    sent = submitted(pilot.app.workflow.order(screen.order_id))
    title = pilot.app.services.authorities.get(sent.authority).title
    await pilot.app.push_screen(SubmittedDialog(sent, title))
    await settle(pilot)
    screen_named(pilot, "SubmittedDialog")


def unissued(order_id: str) -> Callable[[Pilot], Awaitable[None]]:
    async def run(pilot: Pilot) -> None:
        await settle(pilot)
        pilot.app.show_unissued(order_id)
        await settle(pilot)
        screen = screen_named(pilot, "UnissuedScreen")
        assert screen.table.selected_id == order_id
    return run


async def issued(pilot: Pilot) -> None:
    await press(pilot, "i")
    screen = screen_named(pilot, "IssuedScreen")
    assert screen.check_action("export", ()) is True, "the certificate was not checked (or not exportable)"


def issued_at(order_id: str) -> Callable[[Pilot], Awaitable[None]]:
    """Issued Certificates, checked, with `order_id` selected."""
    async def run(pilot: Pilot) -> None:
        await issued(pilot)
        screen = screen_named(pilot, "IssuedScreen")
        screen.select(order_id)
        await settle(pilot)
        assert screen.selected.id == order_id
    return run


async def export_dialog(pilot: Pilot) -> None:
    await issued(pilot)
    await press(pilot, "e")
    screen_named(pilot, "ExportDialog")


async def install_dialog(pilot: Pilot) -> None:
    await issued(pilot)
    await press(pilot, "i")
    screen_named(pilot, "InstallDialog")


async def help_screen(pilot: Pilot) -> None:
    await press(pilot, "f1")
    screen_named(pilot, "HelpScreen")


@dataclass(frozen=True)
class Scene:
    kinds: tuple[str, ...]                            # the orders in the data folder
    run_before: Callable[[Pilot], Awaitable[None]]


SCENES: dict[str, Scene] = {
    "home-first-start": Scene((), home),
    "home-orders": Scene(HOME_ORDERS, home),
    "product-picker": Scene((), product_picker),
    "apply-dv-filled": Scene(HOME_ORDERS, apply_dv_filled),
    "apply-ov-company": Scene(("ov-enter",), apply_ov_company),
    "apply-ov-multi": Scene(("ov-multi-enter",), apply_ov_multi),
    "apply-manual-csr": Scene(("manual-csr",), apply_manual_csr),
    "apply-errors-after-next": Scene(("incomplete",), apply_errors_after_next),
    "apply-acme-dns": Scene(("acme-dns",), apply_acme_dns),
    "verify-ov-document": Scene(("ov-verify",), verify_ov_document),
    "submit-confirmation": Scene(("ov-verify",), submit_confirmation),
    "submitted-dialog": Scene(("dv-verify",), submitted_dialog),
    "unissued-dns-record": Scene(HOME_ORDERS, unissued("ord-0000a003")),
    "unissued-review-failed": Scene(HOME_ORDERS, unissued("ord-0000a005")),
    "issued-detail": Scene(HOME_ORDERS, issued),
    "issued-due": Scene(("issued", "expiring", "expired"), issued_at("ord-0000a007")),
    "export-dialog": Scene(HOME_ORDERS, export_dialog),
    "install-dialog": Scene(HOME_ORDERS, install_dialog),
    "help": Scene(HOME_ORDERS, help_screen),
}


# --- ACME: adding an account, and a failed self-check (added after the scenes above; no network) -------------

async def acme_account_dialog(pilot: Pilot) -> None:
    """Add an ACME account (the picker's last entry), ZeroSSL chosen: what its directory asks for (terms and
    External Account Binding) comes from a stand-in for `directory_meta`, the one call that reads the network."""
    from unittest import mock

    from certwizard.ca.acme.models import DirectoryMeta

    await product_picker(pilot)
    await press(pilot, "end", "enter")
    dialog = screen_named(pilot, "AcmeAccountDialog")
    meta = DirectoryMeta(terms_of_service="https://secure.trust-provider.com/repository/docs/Legacy/"
                                          "20221001_Certificate_Subscriber_Agreement_v_2_5_click.pdf",
                         external_account_required=True)
    with mock.patch("certwizard.services.acme_accounts.directory_meta", return_value=meta) as read:
        dialog.query_one("#ca").value = "zerossl"
        await settle(pilot)
    read.assert_called_once_with("https://acme.zerossl.com/v2/DV90", None)
    dialog.query_one("#ca").focus()
    await settle(pilot)


SELF_CHECKS = [
    ("_acme-challenge.www.example.com", False,
     "2 of the 2 name servers are not ready: ns1.example.com (192.0.2.53) has no TXT record at "
     "_acme-challenge.www.example.com yet; ns2.example.com (198.51.100.53) has no TXT record at "
     "_acme-challenge.www.example.com yet. Publish the record at your DNS provider (or let the hook do it), "
     "wait a minute, then verify again",
     ("ns1.example.com (192.0.2.53): has no TXT record at _acme-challenge.www.example.com yet",
      "ns2.example.com (198.51.100.53): has no TXT record at _acme-challenge.www.example.com yet")),
    ("_acme-challenge.example.com", True,
     "All 2 authoritative name servers of example.com have the value at _acme-challenge.example.com (TTL 300 s).",
     ("ns1.example.com (192.0.2.53): Qm9vdHN0cmFwVG9rZW4tMDAwMw (TTL 300)",
      "ns2.example.com (198.51.100.53): Qm9vdHN0cmFwVG9rZW4tMDAwMw (TTL 300)")),
]


async def self_check_failed(pilot: Pilot) -> None:
    """`v` found the record missing: the dialog as a ProofNotReadyError's checks build it (made up here)."""
    from certwizard.services.domain_proof import ProofCheck, ProofNotReadyError
    from certwizard.ui.dialogs.self_check import SelfCheckDialog

    await unissued("ord-0000a003")(pilot)
    failure = ProofNotReadyError([ProofCheck(*check) for check in SELF_CHECKS])
    await pilot.app.push_screen(SelfCheckDialog(failure.checks, "www.example.com, example.com"))
    await settle(pilot)
    screen_named(pilot, "SelfCheckDialog")


SCENES.update({
    "acme-account-dialog": Scene((), acme_account_dialog),
    "self-check-failed": Scene(HOME_ORDERS, self_check_failed),
})

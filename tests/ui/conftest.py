"""Shared fixtures for the TUI tests (tests/ui): real services on a tmp data folder, deterministic orders.

Fixture names are a contract with every UI test module: `services`, `seeded_services`, `seeded_order_ids`,
`make_app`, `no_blink`, `valid_draft`, `submit_valid`, `screen_text`, `notes`. The app is always built on REAL services (TinyDB, sandbox CA, key files) in
tmp_path; the sandbox reviews instantly (CERTWIZARD_SANDBOX_SPEED=instant) so a test never waits on a clock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from textual.notifications import Notification, Notify

from certwizard.domain.models import (
    Applicant,
    Application,
    ApplicationDraft,
    AutomaticCsr,
    Company,
    CompanyType,
    DomainValidation,
    Location,
    Order,
)
from certwizard.domain.products import KeyAlgorithm
from certwizard.domain.status import OrderStatus
from certwizard.services import Services, open_services
from tests.steady import no_blink, utc_timezone  # noqa: F401 - autouse fixtures

# A fixed "now" for screens that compare with the current time (overdue reviews...); later than every seeded time.
FROZEN_NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture
def services(tmp_path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Services]:
    """Real services on an empty data folder; the sandbox CA decides at once."""
    monkeypatch.setenv("CERTWIZARD_SANDBOX_SPEED", "instant")
    monkeypatch.delenv("CERTWIZARD_DATA_DIR", raising=False)
    opened = open_services(tmp_path / "data")
    yield opened
    opened.repository.close()          # the snapshot keeps the database file open


def valid_dv_draft(domains: str = "www.example.com") -> ApplicationDraft:
    return ApplicationDraft(
        domains=domains, applicant_name="Li Lei", applicant_phone="+86 138 0013 8000",
        applicant_email="lilei@example.com", applicant_id_number="11010519491231002X",
        csr_mode="automatic", key_algorithm="ec-p256")


@pytest.fixture
def valid_draft() -> ApplicationDraft:
    """A draft that passes validation for a DV product (automatic CSR, ECDSA P-256)."""
    return valid_dv_draft()


@pytest.fixture
def submit_valid(services: Services) -> Callable[..., Order]:
    """Factory: buy a DV certificate, fill a valid draft and submit it through the real workflow."""
    def submit(product_id: str = "dv-single", domains: str = "www.example.com") -> Order:
        workflow = services.workflow
        [order] = workflow.add_purchased(product_id)
        order = workflow.save_draft(order, valid_dv_draft(domains))
        return workflow.submit(order.id)
    return submit


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def _validation(domain: str, token: str) -> DomainValidation:
    return DomainValidation(
        domain=domain, dns_name=f"_dnsauth.{domain}", dns_type="TXT", dns_value=token,
        file_url=f"http://{domain}/.well-known/pki-validation/fileauth.txt",
        file_path="/.well-known/pki-validation/fileauth.txt", file_content=token)


def _application(*domains: str, company: bool = False) -> Application:
    """What submission freezes on an order, built directly so seeded data needs no validation round trip."""
    return Application(
        domains=list(domains),
        applicant=Applicant(name="Li Lei", phone="+8613800138000", email="lilei@example.com",
                            id_number="11010519491231002X"),
        company=Company(name="Example Trading Co., Ltd.", company_type=CompanyType.PRIVATE, phone="+861065529988",
                        organization_id="91110105MA01ABCD1X",
                        location=Location(country="CN", province="CN-BJ", city="Beijing"),
                        address="1 Chaoyang Road", zip_code="100020") if company else None,
        csr=AutomaticCsr(key_algorithm=KeyAlgorithm.EC_P256))


# What each seeded order is for, in purchase order (the home table lists them in this order).
SEEDED_KINDS = ("pending", "draft", "verification", "review", "failed")


def seeded_orders() -> dict[str, dict[str, object]]:
    """Fields of five orders with fixed times, one per interesting status. The submitted ones have no CA ledger
    entry behind them, so build the app with background refresh off (`make_app` does by default)."""
    failed_reason = ("The CA could not find the domain verification record. Check that the TXT record or file is "
                     "published exactly as shown, then withdraw and resubmit.")
    return {
        "pending": dict(product_id="ov-multi", purchased_at=_at(20, 9)),
        "draft": dict(product_id="dv-multi", purchased_at=_at(20, 9, 5), status=OrderStatus.DRAFT,
                      draft=valid_dv_draft("shop.example.com, api.example.com, cdn.example.com")),
        "verification": dict(
            product_id="dv-single", purchased_at=_at(20, 9, 10), status=OrderStatus.DOMAIN_VERIFICATION,
            draft=valid_dv_draft("www.example.com"), application=_application("www.example.com"),
            authority_ref="sbx-seed00000003", submitted_at=_at(22, 8), expected_issuance_at=_at(22, 8, 15),
            domain_validations=[_validation("www.example.com", "Qm9vdHN0cmFwVG9rZW4tMDAwMw")]),
        "review": dict(
            product_id="ov-single", purchased_at=_at(20, 9, 15), status=OrderStatus.UNDER_REVIEW,
            draft=valid_dv_draft("portal.example.org"), application=_application("portal.example.org", company=True),
            authority_ref="sbx-seed00000004", submitted_at=_at(23, 14), expected_issuance_at=_at(26, 14)),
        "failed": dict(
            product_id="dv-wildcard", purchased_at=_at(20, 9, 20), status=OrderStatus.REVIEW_FAILED,
            draft=valid_dv_draft("*.example.net"), application=_application("*.example.net"),
            status_reason=failed_reason, authority_ref="sbx-seed00000005", submitted_at=_at(21, 16)),
    }


def seed(services: Services, orders: dict[str, dict[str, object]], last: str | None = None) -> dict[str, str]:
    """Store each order through the repository; returns kind -> order id. `last` is saved last, so it is the
    most recently updated order (where the home screen's cursor starts)."""
    ids = {}
    for kind, fields in sorted(orders.items(), key=lambda item: item[0] == last):
        [purchased] = services.repository.add_orders(str(fields["product_id"]))
        ids[kind] = services.repository.save_order(purchased.model_copy(update=fields)).id
    return ids


@pytest.fixture
def seeded_order_ids(services: Services) -> dict[str, str]:
    """Seeds `services` with `seeded_orders()` (the draft updated last); returns kind -> order id."""
    return seed(services, seeded_orders(), last="draft")


@pytest.fixture
def seeded_services(services: Services, seeded_order_ids: dict[str, str]) -> Services:
    """`services` holding the five seeded orders: pending, draft, DV verification, under review, review failed."""
    return services


@pytest.fixture
def make_app(services: Services) -> Callable[..., object]:
    """Factory: CertWizardApp on the given services (default: the empty `services`).

    Background refresh is off unless `refresh_seconds` is given, and "now" is FROZEN_NOW unless `now` is given,
    so what a screen shows depends only on the data the test prepared."""
    def build(app_services: Services | None = None, **kwargs):
        from certwizard.ui.app import CertWizardApp

        kwargs.setdefault("refresh_seconds", None)
        kwargs.setdefault("warm_up", False)       # gc.freeze() in a test process would keep every app alive
        kwargs.setdefault("now", lambda: FROZEN_NOW)
        return CertWizardApp(app_services or services, **kwargs)
    return build


def rendered_text(app) -> str:
    """What the terminal shows right now, as plain text lines (for asserting on exactly what a user sees)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


@pytest.fixture
def screen_text() -> Callable[[object], str]:
    """`screen_text(app)`: the visible screen as plain text."""
    return rendered_text


class NoteRecorder:
    """Pass `.hook` as run_test(message_hook=...); `.texts` are the notifications shown so far, as plain text."""

    def __init__(self) -> None:
        self.notes: list[Notification] = []

    def hook(self, message: object) -> None:
        if isinstance(message, Notify):
            self.notes.append(message.notification)

    @property
    def texts(self) -> list[str]:
        return [note.message for note in self.notes]

    def joined(self) -> str:
        return "\n".join(self.texts)


@pytest.fixture
def notes() -> NoteRecorder:
    return NoteRecorder()


# --- the Apply screen ---------------------------------------------------------------------------------
# Added for the tests/ui/test_apply_*.py files; nothing above depends on it.

VALID_COMPANY_DRAFT = dict(
    company_name="Example Trading Co., Ltd.", company_type="private", company_phone="+86 10 6552 9988",
    company_organization_id="91110105MA01ABCD1X", company_country="CN", company_province="CN-BJ",
    company_city="Beijing", company_address="1 Chaoyang Road", company_zip_code="100020")


def valid_ov_draft(domains: str = "portal.example.org") -> ApplicationDraft:
    return valid_dv_draft(domains).model_copy(update=VALID_COMPANY_DRAFT)


@pytest.fixture
def no_debounce(monkeypatch: pytest.MonkeyPatch) -> None:
    """Live checks and draft saves run at the next tick instead of after a typing pause."""
    from certwizard.ui.widgets import debounce

    monkeypatch.setattr(debounce, "CHECK_DELAY", 0)
    monkeypatch.setattr(debounce, "SAVE_DELAY", 0)


class ApplyDriver:
    """Drives the Apply screen of a running app: opens it from the home screen, fills fields by draft name
    (setting `.value` like a fast typist), and reads back what a user sees. Only keys under test are
    pressed."""

    def __init__(self, app, pilot) -> None:
        self.app = app
        self.pilot = pilot

    @property
    def screen(self):
        from certwizard.ui.screens.apply import ApplyScreen

        assert isinstance(self.app.screen, ApplyScreen), f"expected the Apply screen, got {self.app.screen!r}"
        return self.app.screen

    async def settle(self) -> None:
        """Wait until every worker (checks, saves, uploads) is done and its results are on screen."""
        for _ in range(4):
            await self.app.workers.wait_for_complete()
            await self.pilot.pause()

    async def open_from_home(self, order_id: str) -> None:
        """Enter on the home screen, whose cursor starts on the most recently changed order."""
        await self.pilot.pause()
        assert self.app.screen.selected is not None and self.app.screen.selected.id == order_id
        await self.pilot.press("enter")
        await self.settle()
        assert self.screen.order_id == order_id

    async def reopened(self, order_id: str) -> None:
        """A new app on a folder whose last session ended inside Apply: it returns there by itself."""
        await self.settle()
        assert self.screen.order_id == order_id

    async def press(self, *keys: str) -> None:
        await self.pilot.press(*keys)
        await self.settle()

    def control(self, name: str):
        """The control of the draft field `name` on the current tab (Province/State: the one shown)."""
        from certwizard.ui.widgets.field_row import FieldRow

        rows = self.screen.form.rows() if self.screen.current_tab == "enter" else {
            row.field_name: row for row in self.screen.query(FieldRow)}
        return rows[name].control

    async def fill(self, **values: object) -> None:
        """Set fields as a user would leave them; Select values are option values (e.g. 'CN', 'CN-BJ')."""
        from textual.widgets import Checkbox, Input, RadioButton, Select, TextArea

        for name, value in values.items():
            if name == "csr_mode":
                self.screen.query_one(f"#mode-{value}", RadioButton).value = True
                await self.pilot.pause()
                continue
            control = self.control(name)
            control.focus()                      # where the user would be while typing it
            if isinstance(control, TextArea):
                control.load_text(str(value))
            elif isinstance(control, (Input, Select, Checkbox)):
                control.value = value
            else:
                raise AssertionError(f"cannot fill {name}: {control!r}")
            await self.pilot.pause()
        await self.settle()

    def error(self, name: str) -> str:
        """The error shown under the field `name` ('' when none)."""
        from certwizard.ui.widgets.field_row import FieldRow

        shown = [row.error for row in self.screen.query(FieldRow) if row.field_name == name and row.display]
        assert shown, f"no visible field {name}"
        return shown[0]

    def text(self) -> str:
        return rendered_text(self.app)

    def footer(self) -> str:
        return self.text().splitlines()[-1]


@pytest.fixture
def apply_driver() -> Callable[[object, object], ApplyDriver]:
    """`apply_driver(app, pilot)`: an ApplyDriver for a running app."""
    return ApplyDriver


@pytest.fixture
def draft_for() -> Callable[..., ApplicationDraft]:
    """`draft_for(product_id, domains=None)`: a draft valid for that product (company details for OV/EV)."""
    def build(product_id: str, domains: str | None = None) -> ApplicationDraft:
        from certwizard.domain.products import get_product

        professional = get_product(product_id).is_professional
        default = "portal.example.org" if professional else "www.example.com"
        return (valid_ov_draft if professional else valid_dv_draft)(domains or default)
    return build

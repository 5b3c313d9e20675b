"""Shared fixtures for the TUI tests (tests/ui): real services on a tmp data folder, deterministic orders.

Fixture names are a contract with every UI test module: `services`, `seeded_services`, `seeded_order_ids`,
`make_app`, `no_blink`, `valid_draft`, `submit_valid`, `screen_text`, `notes`. The app is always built on REAL services (TinyDB, sandbox CA, key files) in
tmp_path; the sandbox reviews instantly (CERTWIZARD_SANDBOX_SPEED=instant) so a test never waits on a clock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from textual.notifications import Notification, Notify

from certwizard.domain.models import (
    ApplicationDraft,
    Order,
)
from certwizard.services import Services
from tests.steady import no_blink, utc_timezone  # noqa: F401 - autouse fixtures
from tests.ui.orders import seed, seeded_orders, valid_dv_draft, valid_ov_draft
from tests.ui.workers_done import workers_done

# A fixed "now" for screens that compare with the current time (overdue reviews...); later than every seeded time.
FROZEN_NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


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
            await workers_done(self.app)
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

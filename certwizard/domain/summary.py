"""What lists show about an order, kept small so thousands of orders load fast.

The repository stores one index entry per order, derived from the stored order and written in the same
atomic write (its encoding: `storage/order_index.py`), so lists never have to read or validate whole orders.
`OrderSummary` is that entry with typed fields; its attribute names match `Order`'s, so the functions that describe an
order in one line (status, next action, domains...) accept either.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import NamedTuple

from certwizard.domain.expiry import current_status
from certwizard.domain.products import Product, get_product
from certwizard.domain.status import OrderStatus

_DOMAIN_SEPARATORS = re.compile(r"[\s,;]+")


def listed_domains(application_domains: list[str] | None, typed: str) -> list[str]:
    """The names to show for an order: as submitted when it was, else as typed in the draft so far."""
    if application_domains is not None:
        return list(application_domains)
    return [name for name in _DOMAIN_SEPARATORS.split(typed) if name]


def _moment(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


class OrderSummary(NamedTuple):
    """One order as lists show it. Times stay text (sortable: see storage/order_index.py) until they are shown.

    A tuple, built in one step: 10,000 of them are made at start-up, and a frozen dataclass took 4x longer."""

    id: str
    product_id: str
    status: OrderStatus
    status_reason: str
    revision: int
    domains: tuple[str, ...]
    authority: str
    authority_ref: str
    purchased: str
    updated: str
    submitted: str | None
    expected: str | None
    expires: str | None
    renew_after_text: str | None
    renew_source: str | None
    renewal_of: str
    renewed_by: str
    installations: int
    publisher: str          # who publishes the domain validation: "hook", "webroot" or "" (the user)

    @property
    def product(self) -> Product:
        return get_product(self.product_id)

    @property
    def listed_domains(self) -> list[str]:
        return list(self.domains)

    @property
    def purchased_at(self) -> datetime:
        return _moment(self.purchased) or datetime.min.replace(tzinfo=UTC)

    @property
    def updated_at(self) -> datetime | None:
        return _moment(self.updated)

    @property
    def submitted_at(self) -> datetime | None:
        return _moment(self.submitted)

    @property
    def expected_issuance_at(self) -> datetime | None:
        return _moment(self.expected)

    @property
    def not_after(self) -> datetime | None:
        return _moment(self.expires)

    @property
    def renew_after(self) -> datetime | None:
        return _moment(self.renew_after_text)

    def status_at(self, now: datetime) -> OrderStatus:
        """The status to show at `now`: issued ones become expiring soon, then expired, with the clock."""
        if self.status is not OrderStatus.ISSUED:
            return self.status
        return current_status(self.status, self.not_after, self.renew_after, now)

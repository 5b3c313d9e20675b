"""What lists show about an order, kept small so thousands of orders load fast.

The repository stores one index document per order, derived from the stored order (`index_document`) and
written in the same atomic write, so lists never have to read or validate whole orders. `OrderSummary`
is that document with typed fields; its attribute names match `Order`'s, so the functions that describe an
order in one line (status, next action, domains...) accept either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from certwizard.domain.products import CATALOG, Product, get_product
from certwizard.domain.status import OrderStatus

_DOMAIN_SEPARATORS = re.compile(r"[\s,;]+")
_STATUSES = {status.value: status for status in OrderStatus}


def listed_domains(application_domains: list[str] | None, typed: str) -> list[str]:
    """The names to show for an order: as submitted when it was, else as typed in the draft so far."""
    if application_domains is not None:
        return list(application_domains)
    return [name for name in _DOMAIN_SEPARATORS.split(typed) if name]


def index_document(order: dict[str, Any]) -> dict[str, Any]:
    """The index entry of a stored order (its JSON form). Never fails: a damaged order gets a partial entry,
    and reading the order itself reports the damage."""
    application = order.get("application") if isinstance(order.get("application"), dict) else None
    draft = order.get("draft") if isinstance(order.get("draft"), dict) else {}
    certificate = order.get("certificate") if isinstance(order.get("certificate"), dict) else {}
    domains = application.get("domains") if application is not None else None
    typed = draft.get("domains")
    return {
        "product_id": order.get("product_id"),
        "status": order.get("status"),
        "status_reason": order.get("status_reason", ""),
        "purchased_at": order.get("purchased_at"),
        "updated_at": order.get("updated_at"),
        "submitted_at": order.get("submitted_at"),
        "expected_issuance_at": order.get("expected_issuance_at"),
        "not_after": certificate.get("not_after"),
        "domains": listed_domains(domains if isinstance(domains, list) else None,
                                  typed if isinstance(typed, str) else ""),
        "authority": order.get("authority", "sandbox"),
        "authority_ref": order.get("authority_ref", ""),
        "revision": order.get("revision", 0),
    }


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class SummaryError(ValueError):
    """An index entry that cannot describe an order (unknown status or product)."""


@dataclass(frozen=True, eq=False)
class OrderSummary:
    """One order as lists show it. Datetimes stay text until they are used."""

    id: str
    product_id: str
    status: OrderStatus
    status_reason: str
    purchased_at: datetime
    revision: int
    domains: tuple[str, ...]
    authority: str
    authority_ref: str
    _submitted_at: str | None
    _expected_issuance_at: str | None
    _not_after: str | None
    _updated_at: str | None

    @classmethod
    def from_index(cls, order_id: str, entry: dict[str, Any]) -> OrderSummary:
        try:
            status = _STATUSES[entry.get("status")]      # a dict: Enum lookups cost 7 us each, x 10,000
            product_id = entry["product_id"]
            if product_id not in CATALOG:
                raise ValueError(f"unknown product {product_id!r}")
            purchased_at = datetime.fromisoformat(entry["purchased_at"])
            return cls(order_id, product_id, status, entry.get("status_reason") or "", purchased_at,
                       int(entry.get("revision") or 0), tuple(entry.get("domains") or ()),
                       entry.get("authority") or "sandbox", entry.get("authority_ref") or "",
                       entry.get("submitted_at"),
                       entry.get("expected_issuance_at"), entry.get("not_after"), entry.get("updated_at"))
        except (KeyError, TypeError, ValueError) as exc:
            raise SummaryError(f"its index entry cannot be read ({exc})") from None

    @property
    def product(self) -> Product:
        return get_product(self.product_id)

    @property
    def listed_domains(self) -> list[str]:
        return list(self.domains)

    @cached_property
    def submitted_at(self) -> datetime | None:
        return _moment(self._submitted_at)

    @cached_property
    def expected_issuance_at(self) -> datetime | None:
        return _moment(self._expected_issuance_at)

    @cached_property
    def not_after(self) -> datetime | None:
        return _moment(self._not_after)

    @cached_property
    def updated_at(self) -> datetime | None:
        return _moment(self._updated_at)

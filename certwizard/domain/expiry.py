"""When an issued certificate is due for renewal, and how it stands against the clock.

Renewal is due at two thirds of the certificate's lifetime, not a fixed number of days before it ends: a
certificate of 47 days is renewed about 16 days early, one of a year about four months early. An authority
may know better and say so (ACME's renewalInfo window, Alibaba Cloud's willExpire): then its date is used,
never a later one than the end of the certificate.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import NamedTuple

from certwizard.domain.status import OrderStatus

RENEW_AT_FRACTION = 2 / 3


class RenewalSource(StrEnum):
    LIFETIME = "lifetime"         # two thirds of not_before..not_after
    ARI = "ari"                   # the ACME CA's renewalInfo window
    SERVICE = "service"           # the authority's own word (Alibaba Cloud's willExpire)

    @property
    def words(self) -> str:
        return _SOURCE_WORDS[self]


_SOURCE_WORDS = {
    RenewalSource.LIFETIME: "at 2/3 of its lifetime",
    RenewalSource.ARI: "the CA's renewal window (ARI)",
    RenewalSource.SERVICE: "the authority says it will expire soon",
}


class RenewalDue(NamedTuple):
    at: datetime
    source: RenewalSource


def renewal_due(not_before: datetime, not_after: datetime, hint_at: datetime | None = None,
                hint_source: RenewalSource | None = None) -> RenewalDue:
    """The moment renewal is due: the authority's hint when it has one (capped at the end of the
    certificate), else two thirds of the lifetime."""
    if hint_at is not None:
        return RenewalDue(min(hint_at, not_after), hint_source or RenewalSource.SERVICE)
    lifetime = max(not_after - not_before, timedelta(0))
    return RenewalDue(not_before + lifetime * RENEW_AT_FRACTION, RenewalSource.LIFETIME)


def current_status(stored: OrderStatus, not_after: datetime | None, renew_after: datetime | None,
                   now: datetime) -> OrderStatus:
    """The status to show: an issued certificate is expiring soon once renewal is due, and expired once its
    end has passed. Neither is written to the order; the clock alone moves them."""
    if stored is not OrderStatus.ISSUED or not_after is None:
        return stored
    if now >= not_after:
        return OrderStatus.EXPIRED
    if renew_after is not None and now >= renew_after:
        return OrderStatus.EXPIRING_SOON
    return stored


def days_left(not_after: datetime, now: datetime) -> int:
    """Whole days until the end (negative once it has passed): what the lists show."""
    seconds = (not_after - now).total_seconds()
    return int(seconds // 86400)


def days_since(moment: datetime, now: datetime) -> int:
    """Whole days since `moment` (0 on its first day, and before it). Not -days_left - 1: exactly 3 days
    after is 3, not 2."""
    return max(0, int((now - moment).total_seconds() // 86400))


def days_left_words(not_after: datetime, now: datetime) -> str:
    if now >= not_after:
        ago = days_since(not_after, now)
        return "expired today" if ago == 0 else f"expired {ago} d ago"
    left = days_left(not_after, now)
    return "ends today" if left == 0 else f"{left} d left"

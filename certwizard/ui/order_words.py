"""One order in words, as the order lists (Certificates, Unissued, Issued) and the app's notices show it.

Everything here works on `Listed`, which an Order and an OrderSummary (the order index) both are: lists
word 10,000 orders from the index without reading one whole order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol

from certwizard.domain import next_step
from certwizard.domain.expiry import days_left, days_since
from certwizard.domain.names import shown_domain
from certwizard.domain.next_step import NEXT_STEPS
from certwizard.domain.products import IMPORTED_AUTHORITY, Product
from certwizard.domain.status import OrderStatus


class Listed(Protocol):
    """What the one-line descriptions need: an Order and an OrderSummary both have it."""

    @property
    def id(self) -> str: ...

    @property
    def status(self) -> OrderStatus: ...

    @property
    def status_reason(self) -> str: ...

    @property
    def authority(self) -> str: ...

    @property
    def authority_ref(self) -> str: ...

    @property
    def product(self) -> Product: ...

    @property
    def listed_domains(self) -> list[str]: ...

    @property
    def expected_issuance_at(self) -> datetime | None: ...

    @property
    def submitted_at(self) -> datetime | None: ...

    @property
    def publisher(self) -> str: ...

    @property
    def not_after(self) -> datetime | None: ...

    def status_at(self, now: datetime) -> OrderStatus: ...


def product_label(product: Product) -> str:
    """e.g. 'Business OV · multi-domain · up to 5' (the first word of the name is the product line)."""
    line = product.name.split()[0]
    # A name that starts with its level ('DV ...') says it once: 'DV', not 'DV DV'.
    parts = [line if line == product.level.value else f"{line} {product.level.value}", product.domain_type.label]
    if product.max_domains > 1:
        parts.append(f"up to {product.max_domains}")
    return " · ".join(parts)


def product_short(product: Product) -> str:
    """At most 16 characters, for narrow tables: e.g. 'OV multi ×5', 'DV wildcard', 'OV multi-wild ×5'."""
    kind = {"single": "single", "multi": "multi", "wildcard": "wildcard", "multi-wildcard": "multi-wild"}
    label = f"{product.level.value} {kind[product.domain_type.value]}"
    counted = f"{label} ×{product.max_domains}"
    # 'DV multi-wild ×100' (ACME) would be cut to 'DV multi-wild ×…': the kind says more than a cut count.
    return counted if product.max_domains > 1 and len(counted) <= 16 else label


def order_domains(order: Listed) -> list[str]:
    """The names bound to the order: as submitted if it was, else as typed in the draft so far."""
    return order.listed_domains


def domains_summary(domains: Sequence[str]) -> str:
    """The first name (the common name) and how many more, e.g. 'shop.example.com +2 more'; an IDN in
    Unicode with its punycode, as everywhere."""
    if not domains:
        return "not entered yet"
    if len(domains) == 1:
        return shown_domain(domains[0])
    return f"{shown_domain(domains[0])} +{len(domains) - 1} more"


def when(moment: datetime | None, now: datetime) -> str:
    """A date and time in the local zone, e.g. '26 Nov 14:00' (with the year when it is not this year)."""
    if moment is None:
        return "—"
    local = moment.astimezone()
    shown = local.strftime("%d %b %H:%M")
    return shown if local.year == now.astimezone().year else local.strftime("%d %b %Y %H:%M")


def local_time(moment: datetime) -> str:
    """A full date and time in the local zone with the zone's name, e.g. '2026-11-26 14:00 CET'."""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M %Z").strip()


def review_overdue(order: Listed, now: datetime) -> bool:
    return next_step.review_overdue(order.status, order.expected_issuance_at, now)


_ISSUED = OrderStatus.ISSUED
_EXPIRING_SOON = OrderStatus.EXPIRING_SOON
_EXPIRED = OrderStatus.EXPIRED
_VERIFYING = OrderStatus.DOMAIN_VERIFICATION


def is_dated(status: OrderStatus) -> bool:
    """Issued, expiring soon or expired: the statuses whose rows say how long the certificate has left.
    Compared by identity: asked for every row drawn, and an Enum's hash is a Python-level call."""
    return status is _ISSUED or status is _EXPIRING_SOON or status is _EXPIRED


def is_due(status: OrderStatus) -> bool:
    """Expiring soon or expired: due for renewal."""
    return status is _EXPIRING_SOON or status is _EXPIRED


def days_words(not_after: datetime, now: datetime) -> str:
    """How long a certificate has left, for lists: '45 d left', 'ends today', 'ended 3 d ago'."""
    left = days_left(not_after, now)
    if now < not_after:
        return "ends today" if left == 0 else f"{left} d left"
    ago = days_since(not_after, now)
    return "ended today" if ago == 0 else f"ended {ago} d ago"


def days_sentence(not_after: datetime, now: datetime) -> str:
    """The same in full words, for details: '45 days left', 'expires today', 'expired 3 days ago'."""
    left = days_left(not_after, now)
    if now < not_after:
        return "expires today" if left == 0 else f"{left} day{'s' if left != 1 else ''} left"
    ago = days_since(not_after, now)
    return "expired today" if ago == 0 else f"expired {ago} day{'s' if ago != 1 else ''} ago"


def next_action(order: Listed, now: datetime) -> str:
    """What the user should do now about this order, in a few words (domain/next_step.py); an issued
    certificate's with its days left, e.g. 'Renew now · 9 d left'."""
    if review_overdue(order, now):
        return next_step.REVIEW_OVERDUE
    status = order.status_at(now)
    words = NEXT_STEPS[status].in_list
    if status is _VERIFYING and order.publisher:
        return next_step.PUBLISHED_FOR_YOU[order.publisher].in_list
    if (status is _EXPIRING_SOON or status is _EXPIRED) and order.authority == IMPORTED_AUTHORITY:
        words = next_step.TRACKED_ONLY.in_list
    if is_dated(status):
        not_after = order.not_after
        return f"{words} · {days_words(not_after, now)}" if not_after is not None else words
    if "{" not in words:        # most rows: nothing to fill in, no time to format
        return words
    return words.format(expected=when(order.expected_issuance_at, now),
                        reason=order.status_reason or next_step.NO_REASON)


def next_action_short(order: Listed, now: datetime) -> str:
    """`next_action` for a narrow column (80 columns leave it 19 cells, and the days left must fit):
    'Export · 45 d left', 'Renew · 9 d left', 'Renew · 3 d ago' (the status beside it says Expired); other
    rows as `next_action`."""
    status = order.status_at(now)
    not_after = order.not_after
    if not is_dated(status) or not_after is None:
        return next_action(order, now)
    if status is _EXPIRED:
        ago = days_since(not_after, now)
        return f"Renew · {ago} d ago" if ago else "Renew · ended today"
    return f"{'Export' if status is _ISSUED else 'Renew'} · {days_words(not_after, now)}"


_COUNT_WORDS = (
    (OrderStatus.PENDING_APPLICATION, "to apply"),
    (OrderStatus.DRAFT, "draft"),
    (OrderStatus.DOMAIN_VERIFICATION, "to verify"),
    (OrderStatus.UNDER_REVIEW, "in review"),
    (OrderStatus.REVIEW_FAILED, "failed"),
    (OrderStatus.ISSUED, "issued"),
    (OrderStatus.EXPIRING_SOON, "expiring soon"),
    (OrderStatus.EXPIRED, "expired"),
    (OrderStatus.RENEWED, "renewed"),
    (OrderStatus.REVOKED, "revoked"),
)


def status_counts(orders: Iterable[Listed], now: datetime) -> str:
    """One line such as '5 certificates: 1 to apply · 1 draft · 2 in review' (statuses with none are left out);
    issued ones are counted as they stand at `now` (expiring soon, expired)."""
    counts = Counter(order.status_at(now) for order in orders)
    total = sum(counts.values())
    parts = [f"{counts[status]:,} {words}" for status, words in _COUNT_WORDS if counts[status]]
    noun = "certificate" if total == 1 else "certificates"
    return f"{total:,} {noun}: " + " · ".join(parts) if parts else f"0 {noun}"

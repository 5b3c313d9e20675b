"""An issued certificate's expiry and renewal in words, as Issued Certificates shows them (whole orders).

The statuses come from the clock (`Order.status_at`): expiring soon and expired are never stored. Every text
here is plain (user and CA text inside it is shown with `literal`), never markup.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from certwizard.domain.expiry import days_left, days_since
from certwizard.domain.models import Installation, Order, ReloadResult
from certwizard.domain.status import OrderStatus
from certwizard.ui.order_words import days_sentence, is_dated, is_due, local_time

SERIAL_SHOWN = 16           # hex digits of a serial in an installation line: enough to tell two apart


def status_cell(order: Order, now: datetime) -> str:
    """The Status column, with the days left in 16 cells (80 columns keep 23 for the domains): 'Issued · 197 d',
    'Expiring · 12 d', 'Expired 3 d ago', 'Renewed'."""
    status = order.status_at(now)
    not_after = order.not_after
    if not_after is None or not is_dated(status):
        return status.label
    if status is OrderStatus.EXPIRED:
        ago = days_since(not_after, now)
        return f"Expired {ago} d ago" if ago else "Expired today"
    if status is OrderStatus.EXPIRING_SOON:
        left = days_left(not_after, now)
        return f"Expiring · {left} d" if left else "Expiring today"
    left = days_left(not_after, now)
    return f"Issued · {left} d" if left else "Issued · ends today"


def due_counts(orders: Iterable[Order], now: datetime) -> tuple[int, int]:
    """(expiring soon, expired) among `orders` at `now`."""
    counts = Counter(order.status_at(now) for order in orders)
    return counts[OrderStatus.EXPIRING_SOON], counts[OrderStatus.EXPIRED]


_ENDED_WORDS = ((OrderStatus.RENEWED, "renewed"), (OrderStatus.REVOKED, "revoked"))


def ended_counts(orders: Iterable[Order]) -> list[str]:
    """'1 renewed', '2 revoked': the certificates no longer in use (none: left out)."""
    counts = Counter(order.status for order in orders)
    return [f"{counts[status]} {words}" for status, words in _ENDED_WORDS if counts[status]]


def in_use(order: Order) -> bool:
    """Still the certificate to serve: neither renewed nor revoked."""
    return order.status not in (OrderStatus.RENEWED, OrderStatus.REVOKED)


def due_for_renewal(order: Order, now: datetime) -> bool:
    return is_due(order.status_at(now))


def expires_line(order: Order, now: datetime) -> str:
    """e.g. '2027-06-10 09:59 UTC (197 days left)'."""
    not_after = order.not_after
    return f"{local_time(not_after)} ({days_sentence(not_after, now)})" if not_after is not None else ""


def renewal_line(order: Order, now: datetime) -> str:
    """When renewal is due and why: 'due 2027-04-05 10:00 UTC (in 131 days), at 2/3 of its lifetime', or
    'due now (since …)'; for a renewed or revoked certificate, why there is none."""
    status = order.status_at(now)
    if status is OrderStatus.RENEWED:
        return "done: this certificate was renewed"
    if status is OrderStatus.REVOKED:
        return "never: it was revoked"
    due = order.renewal
    if due is None:
        return ""
    if now >= due.at:
        return f"due now (since {local_time(due.at)}), {due.source.words}"
    left = days_left(due.at, now)
    within = "within a day" if left == 0 else f"in {left} day{'s' if left != 1 else ''}"
    return f"due {local_time(due.at)} ({within}), {due.source.words}"


def key_policy(order: Order) -> str:
    return "same key (reuse-key)" if order.reuse_key else "new key at each renewal"


def last_renewal_line(order: Order, now: datetime) -> str:
    """The last attempt and its result; 'not tried yet' only once renewal is due (before, it is no news)."""
    record = order.last_renewal
    if record is None:
        return "not tried yet" if due_for_renewal(order, now) else ""
    outcome = "succeeded" if record.ok else "failed"
    line = f"{local_time(record.at)}, {outcome}: {record.message}"
    return line + (f" (order {record.follow_up} under way)" if record.follow_up else "")


def reload_words(result: ReloadResult) -> str:
    if result.ok:
        return "reload ok"
    if result.exit_status is None:
        words = "reload did not run (could not start, or ran out of time)"
    else:
        words = f"reload failed (exit {result.exit_status})"
    last = next((line for line in reversed(result.output.splitlines()) if line.strip()), "")
    return f"{words}: {last.strip()}" if last else words


def installation_line(installation: Installation, current_serial: str) -> str:
    """Two lines: where (server, folder), then what is there and how the reload went, or the problem."""
    where = f"{installation.server} in {installation.directory}"
    if installation.problem:
        return f"{where}\n  problem: {installation.problem}"
    if not installation.serial or installation.installed_at is None:
        return f"{where}\n  not written yet"
    serial = installation.serial[:SERIAL_SHOWN] + ("…" if len(installation.serial) > SERIAL_SHOWN else "")
    which = "" if installation.serial == current_serial else " (an older certificate)"
    state = f"serial {serial}{which}, {local_time(installation.installed_at)}"
    if installation.reload_result is not None:
        state += f", {reload_words(installation.reload_result)}"
    return f"{where}\n  {state}"


def installations_text(order: Order) -> str:
    if not order.installations:
        return "none"
    serial = order.certificate.serial if order.certificate is not None else ""
    return "\n".join(installation_line(installation, serial) for installation in order.installations)


def renewal_fields(order: Order, now: datetime) -> dict[str, str]:
    """The detail rows about expiry and renewal, from the order alone (no check needed); empty ones left out."""
    fields = {
        "Expires": expires_line(order, now),
        "Renewal": renewal_line(order, now),
        "Key policy": key_policy(order),
        "Last renewal": last_renewal_line(order, now),
        "Renews": f"order {order.renewal_of}" if order.renewal_of else "",
        "Renewed by": f"order {order.renewed_by}" if order.renewed_by else "",
        "Installed": installations_text(order),
    }
    return {name: text for name, text in fields.items() if text}

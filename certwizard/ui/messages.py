"""Messages the screens exchange through the app (dataclasses, so they print usefully in test failures)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message


@dataclass
class OrdersChanged(Message):
    """Orders were added, saved, submitted or moved on by the CA: every list reloads (keeping its selection).

    `order_id` names the order that changed, when one did; lists may move their cursor to it."""

    order_id: str | None = None


@dataclass
class ShowUnissued(Message):
    """Ask the app to show Unissued Certificates (e.g. right after a submission), optionally at one order."""

    order_id: str | None = None

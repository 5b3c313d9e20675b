"""Ids and the clock, apart from the models so that code on the start-up path need not import pydantic."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id(prefix: str) -> str:
    """Short, unguessable, stable ids such as 'ord-3f9a1c2b'."""
    return f"{prefix}-{secrets.token_hex(4)}"

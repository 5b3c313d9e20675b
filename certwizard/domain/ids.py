"""Ids and the clock, apart from the models so that code on the start-up path need not import pydantic."""

from __future__ import annotations

import os
from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id(prefix: str) -> str:
    """Short, unguessable, stable ids such as 'ord-3f9a1c2b'.

    os.urandom is what `secrets` uses; importing `secrets` would load OpenSSL's hashlib at start-up."""
    return f"{prefix}-{os.urandom(4).hex()}"

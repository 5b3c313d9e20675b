"""Fixtures for the authority tests: a real Pebble ACME server on loopback (tests/ca/pebble.py).

Why here: the ACME tests talk to a real CA, nothing faked; when Debian's pebble package is missing they are
skipped with the install command as the reason (pytest runs with -rs, so every skip is listed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest

from tests.ca.pebble import PebbleOptions, PebbleServer, require_pebble, start_pebble


@pytest.fixture(scope="module")
def pebble() -> Iterator[PebbleServer]:
    """One Pebble per test module (tests use their own accounts and names, so they do not interfere)."""
    require_pebble()
    with start_pebble() as server:
        yield server


@pytest.fixture
def pebble_with() -> Iterator[Callable[..., PebbleServer]]:
    """`pebble_with(eab_keys=..., nonce_reject_percent=None, ...)`: a Pebble of the test's own."""
    require_pebble()
    with ExitStack() as stack:
        def start(**options: Any) -> PebbleServer:
            return stack.enter_context(start_pebble(PebbleOptions(**options)))
        yield start

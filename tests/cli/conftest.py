"""Fixtures of the command-line tests."""

from __future__ import annotations

import pytest

from tests.ca.pebble import require_pebble, start_pebble
from tests.cli.cli_flow import make_cli


@pytest.fixture(scope="module")
def pebble():
    """A real ACME server (Pebble) on loopback, one per test module (skipped, saying why, without it)."""
    require_pebble()
    with start_pebble() as server:
        yield server


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys):
    """`certwizard --data-dir ...` in this process, with an instant sandbox review."""
    return make_cli(tmp_path, monkeypatch, capsys)

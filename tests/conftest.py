"""Fixtures for every test: a real data folder with the real repository and the real sandbox CA."""

from __future__ import annotations

import os

import pytest

from tests.factories import jpeg_bytes

# The Alibaba Cloud SDK reads this once, when it is first imported, by whichever test that is: without it,
# its credential chain starts a poller for the ECS metadata address (100.100.100.200, not loopback).
os.environ["ALIBABA_CLOUD_ECS_METADATA_DISABLED"] = "true"


@pytest.fixture
def services(tmp_path, monkeypatch):
    """Real services on an empty data folder; the sandbox CA decides at once."""
    from certwizard.services import open_services

    monkeypatch.setenv("CERTWIZARD_SANDBOX_SPEED", "instant")
    monkeypatch.delenv("CERTWIZARD_DATA_DIR", raising=False)
    opened = open_services(tmp_path / "data")
    yield opened
    opened.repository.close()


@pytest.fixture
def stamped_letter(tmp_path):
    path = tmp_path / "stamped-letter.jpg"
    path.write_bytes(jpeg_bytes())
    return path


@pytest.fixture
def umask_zero():
    """Files made under umask 0: their modes are what certwizard chose, not what the umask left."""
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)

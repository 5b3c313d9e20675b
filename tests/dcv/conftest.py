"""Fixtures of the self-check tests: DNS servers on loopback addresses, stopped after each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.dcv.dns_servers import LoopbackDns


@pytest.fixture
def loopback_dns() -> Iterator[LoopbackDns]:
    servers = LoopbackDns()
    yield servers
    servers.stop()

"""A server type that exists only in tests (lighttpd: key and full chain in one file), registered the way a
real one is, by adding its record to the registry: the one-record-per-server claim is tested with it."""

from __future__ import annotations

from pathlib import Path

import pytest

from certwizard.export.layout import Material, PlannedFile, ServerLayout, key_pem, pem
from certwizard.export.servers import SERVERS
from certwizard.system.securefs import PRIVATE_FILE_MODE


def files(name: str, m: Material) -> list[PlannedFile]:
    if m.key is None:
        return [PlannedFile(f"{name}.lighttpd.pem", pem([m.leaf, *m.chain]))]
    return [PlannedFile(f"{name}.lighttpd.pem", key_pem(m.key) + pem([m.leaf, *m.chain]), PRIVATE_FILE_MODE)]


def note(folder: Path, name: str, m: Material) -> str:
    return f"lighttpd: {m.friendly_name}\n\nssl.pemfile = \"{folder / (name + '.lighttpd.pem')}\"\n"


LIGHTTPD = ServerLayout(
    name="lighttpd", label="lighttpd", short_label="lighttpd",
    choice="lighttpd (key and full chain in one file)",
    choice_without_key="lighttpd (full chain; your own key)",
    hint="One file (0600) with the private key, the certificate and its chain.",
    hint_without_key="One file with the certificate and its chain; add your own key to it.",
    files=files, note=note)


def register_lighttpd(monkeypatch: pytest.MonkeyPatch) -> ServerLayout:
    """Add LIGHTTPD to the registry for one test (removed again after it)."""
    monkeypatch.setitem(SERVERS, LIGHTTPD.name, LIGHTTPD)
    return LIGHTTPD

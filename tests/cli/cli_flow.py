"""Helpers for the test_cli_* lifecycle tests: run `certwizard` in-process, write application files, check
exported files the way a server and a client would (cryptography, `openssl verify`)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from certwizard.ca.sandbox_pki import SandboxPKI
from certwizard.cli import main
from certwizard.crypto.certinfo import key_matches_certificate, verify_chain
from certwizard.system.paths import DataLayout
from tests.factories import VALID_APPLICANT, VALID_COMPANY, manual_csr  # noqa: F401 - the CLI tests' import

APPLICANT_TOML = """
[applicant]
name = "Li Lei"
phone = "+86 138 0013 8000"
email = "lilei@example.com"
id_number = "11010519491231002X"
"""
COMPANY_TOML = """
[company]
name = "Example Networks Ltd"
type = "private"
phone = "+86 571 8502 2088"
organization_id = "91330100MA27XY1234"
country = "CN"
province = "Zhejiang"
city = "Hangzhou"
address = "969 West Wenyi Road, Yuhang District"
zip_code = "311121"
"""
# The draft field names of conftest.VALID_* as they are spelled in an application file.
APPLICANT_JSON = {key.removeprefix("applicant_"): value for key, value in VALID_APPLICANT.items()}
COMPANY_JSON = {("type" if key == "company_type" else key.removeprefix("company_")): value
                for key, value in VALID_COMPANY.items()}


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def json(self) -> dict:
        return json.loads(self.out)


class Cli:
    """`certwizard --data-dir DATA ...` in this process, output captured."""

    def __init__(self, data_dir: Path, capsys) -> None:
        self.data_dir = data_dir
        self._capsys = capsys

    def __call__(self, *argv: str) -> Result:
        code = main(["--data-dir", str(self.data_dir), *argv])
        out, err = self._capsys.readouterr()
        return Result(code, out, err)

    def ok(self, *argv: str) -> Result:
        result = self(*argv)
        assert result.code == 0, (argv, result.out, result.err)
        return result

    def add(self, product: str) -> str:
        (order,) = self.ok("add", "--product", product, "--json").json["orders"]
        return order["id"]

    def status(self, order_id: str) -> str:
        return self.ok("show", order_id, "--json").json["order"]["status"]

    @property
    def root_pem_path(self) -> Path:
        return SandboxPKI(DataLayout(self.data_dir).ca_dir).root_pem_path


def make_cli(tmp_path: Path, monkeypatch, capsys) -> Cli:
    """A private data folder and an instant sandbox review: every step answers at once."""
    monkeypatch.setenv("CERTWIZARD_SANDBOX_SPEED", "instant")
    monkeypatch.delenv("CERTWIZARD_DATA_DIR", raising=False)
    return Cli(tmp_path / "data", capsys)


def issued_order(cli: Cli, tmp_path: Path, product: str = "dv-single",
                 domains: tuple[str, ...] = ("www.example.com",)) -> str:
    """An order taken through apply, submit, verify and refresh by the command line, issued."""
    order_id = cli.add(product)
    cli.ok("apply", order_id, "--from", str(toml_file(tmp_path / "application.toml", list(domains))))
    for step in (("submit", order_id), ("verify", order_id), ("refresh",)):
        cli.ok(*step)
    assert cli.status(order_id) == "issued"
    return order_id


def toml_file(path: Path, domains: list[str], *, company: bool = False, csr: str = 'mode = "automatic"',
              documents: list[str] | None = None, extra: str = "") -> Path:
    lines = [f"domains = {json.dumps(domains)}"]
    if documents is not None:
        lines.append(f"documents = {json.dumps(documents)}")
    text = "\n".join(lines) + "\n" + extra + APPLICANT_TOML + (COMPANY_TOML if company else "") + \
        f"\n[csr]\n{csr}\n"
    path.write_text(text)
    return path


def mode_of(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def openssl_verify(root: Path, chain: Path, leaf: Path, hostname: str) -> subprocess.CompletedProcess:
    return subprocess.run(["openssl", "verify", "-CAfile", str(root), "-untrusted", str(chain),
                           "-purpose", "sslserver", "-verify_hostname", hostname, str(leaf)],
                          capture_output=True, text=True, check=False)


def assert_trusted(root: Path, leaf_pem: bytes, chain_pem: bytes, domains: list[str], scratch: Path) -> None:
    """The leaf verifies to the sandbox root for every domain, in cryptography and in `openssl verify`."""
    root_pem = root.read_bytes()
    assert verify_chain(leaf_pem, chain_pem, root_pem, domains) == []
    scratch.mkdir(exist_ok=True)
    (scratch / "cert.pem").write_bytes(leaf_pem)
    (scratch / "chain.pem").write_bytes(chain_pem)
    for domain in domains:
        result = openssl_verify(root, scratch / "chain.pem", scratch / "cert.pem", domain)
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout.strip().endswith(": OK")


def split_pem(data: bytes) -> tuple[bytes, bytes]:
    """(first certificate, the rest) of a PEM bundle."""
    certificates = x509.load_pem_x509_certificates(data)
    pem = [c.public_bytes(serialization.Encoding.PEM) for c in certificates]
    return pem[0], b"".join(pem[1:])


def pem_of(certificates: list[x509.Certificate]) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates)


def check_pem_key(key_path: Path, leaf_pem: bytes):
    """The exported key is unencrypted PKCS#8, mode 0600, and belongs to the certificate."""
    assert mode_of(key_path) == 0o600
    data = key_path.read_bytes()
    assert data.startswith(b"-----BEGIN PRIVATE KEY-----")
    key = serialization.load_pem_private_key(data, password=None)
    assert key_matches_certificate(key, leaf_pem)
    return key


def check_pfx(pfx_path: Path, password: bytes, root: Path, domains: list[str], scratch: Path) -> None:
    assert mode_of(pfx_path) == 0o600
    data = pfx_path.read_bytes()
    with pytest.raises(ValueError):
        pkcs12.load_key_and_certificates(data, b"not the password")
    key, leaf, chain = pkcs12.load_key_and_certificates(data, password)
    assert key is not None and leaf is not None and chain
    assert key_matches_certificate(key, leaf)
    assert_trusted(root, pem_of([leaf]), pem_of(chain), domains, scratch)

"""`certwizard revoke`: a real revocation at each authority (the sandbox's CRL, Pebble, the Alibaba fake)."""

from __future__ import annotations

import pytest
from cryptography import x509

from tests.cli.cli_flow import make_cli, toml_file


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CERTWIZARD_SANDBOX_SPEED", "instant")
    return make_cli(tmp_path, monkeypatch, capsys)


def _issued(cli, tmp_path) -> str:
    order_id = cli.add("dv-single")
    cli.ok("apply", order_id, "--from", str(toml_file(tmp_path / "a.toml", ["www.example.com"])))
    cli.ok("submit", order_id)
    cli.ok("verify", order_id)
    cli.ok("refresh")
    assert cli.status(order_id) == "issued"
    return order_id


def test_a_sandbox_certificate_is_revoked_into_the_crl_it_names(cli, tmp_path):
    order_id = _issued(cli, tmp_path)
    serial = int(cli.ok("show", order_id, "--json").json["order"]["certificate"]["serial"], 16)
    revoked = cli.ok("revoke", order_id, "--reason", "keyCompromise", "--json").json["order"]
    assert revoked["status"] == "revoked" and "compromised" in revoked["reason"]
    pki = cli.data_dir / "sandbox-ca" / "pki"
    crl = x509.load_der_x509_crl((pki / "intermediate-ca.crl").read_bytes())
    issuer = x509.load_der_x509_certificate((pki / "intermediate-ca.cer").read_bytes())
    assert crl.is_signature_valid(issuer.public_key())             # signed by the CA that issued the leaf
    entry = crl.get_revoked_certificate_by_serial_number(serial)
    assert entry is not None
    history = cli.ok("show", order_id).out
    assert "Revoked" in history
    again = cli("revoke", order_id, "--reason", "superseded")
    assert again.code == 1 and "revoked" in again.err.lower()


def test_only_an_issued_certificate_can_be_revoked_and_the_reason_is_checked(cli, tmp_path, capsys):
    order_id = cli.add("dv-single")
    refused = cli("revoke", order_id, "--reason", "superseded")
    assert refused.code == 1 and cli.status(order_id) == "pending-application"
    with pytest.raises(SystemExit) as usage:            # argparse's own usage error
        cli("revoke", order_id, "--reason", "because")
    assert usage.value.code == 2 and "keyCompromise" in capsys.readouterr().err

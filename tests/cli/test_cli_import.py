"""`certwizard import`: real certificates from a second sandbox PKI (another CA), imported through the command
line and seen again with show, list and revoke."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from certwizard.ca.sandbox_pki import SandboxPKI
from certwizard.crypto.keys import encrypt_pkcs8
from tests.cli.cli_flow import APPLICANT_TOML
from tests.factories import manual_csr, mode_of


@pytest.fixture
def other_ca(tmp_path):
    return SandboxPKI(tmp_path / "other-ca").ensure()


def issued_elsewhere(pki: SandboxPKI, folder: Path, domains: list[str], not_before: datetime, days: int = 90,
                     name: str = "site", passphrase: bytes | None = None) -> tuple[Path, Path, Path]:
    """cert, chain and key files, as another CA and its user would have them."""
    key, csr = manual_csr(domains)
    bundle = pki.issue(csr, domains, days, not_before=not_before)
    (folder / f"{name}.crt").write_text(bundle.certificate_pem)
    (folder / f"{name}.chain").write_text(bundle.chain_pem)
    pem = encrypt_pkcs8(key, passphrase) if passphrase else key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    (folder / f"{name}.key").write_bytes(pem)
    return folder / f"{name}.crt", folder / f"{name}.chain", folder / f"{name}.key"


def test_import_json_is_the_order_as_show_gives_it_with_its_expiry(cli, other_ca, tmp_path):
    now = datetime.now(UTC)
    # 90 days, started 70 days ago: past two thirds (60 days), so renewal is due and the order expiring soon.
    cert, chain, key = issued_elsewhere(other_ca, tmp_path, ["www.example.com", "example.com"],
                                        now - timedelta(days=70))
    imported = cli.ok("import", str(cert), "--key", str(key), "--chain", str(chain), "--json").json
    order = imported["order"]
    shown = cli.ok("show", order["id"], "--json").json["order"]

    assert imported["ok"] and imported["renewable"] is False
    assert {k: v for k, v in order.items() if k != "certificate"} == \
        {k: v for k, v in shown.items() if k != "certificate"}
    assert order["status"] == "expiring-soon" and order["product"] == "imported" and order["type"] == "imported"
    assert order["domains"] == ["www.example.com", "example.com"]
    assert order["certificate"]["dns_names"] == ["www.example.com", "example.com"]
    assert order["renewal"]["source"] == "lifetime" and order["renewal"]["days_left"] in (19, 20)
    assert mode_of(Path(order["key"]["path"])) == 0o600
    assert "not renewable here" in order["reason"] and "import it again with --product" in order["reason"]


def test_list_shows_imported_certificates_by_their_clock(cli, other_ca, tmp_path):
    now = datetime.now(UTC)
    fresh, *_ = issued_elsewhere(other_ca, tmp_path, ["fresh.example.com"], now - timedelta(days=1), name="fresh")
    old, *_ = issued_elsewhere(other_ca, tmp_path, ["old.example.com"], now - timedelta(days=100), name="old")
    cli.ok("import", str(fresh))
    cli.ok("import", str(old))
    listed = {o["domains"][0]: o for o in cli.ok("list", "--json").json["orders"]}
    assert listed["fresh.example.com"]["status"] == "issued"
    assert listed["old.example.com"]["status"] == "expired" and listed["old.example.com"]["days_left"] < 0


def test_without_a_product_renewal_and_revocation_say_how_to_give_it_one(cli, other_ca, tmp_path):
    cert, *_ = issued_elsewhere(other_ca, tmp_path, ["www.example.com"], datetime.now(UTC))
    result = cli.ok("import", str(cert))
    order_id = result.out.split(":", 1)[0]
    assert "not renewable here" in result.out and "--product" in result.out
    revoked = cli("revoke", order_id, "--reason", "superseded")
    assert revoked.code == 1
    assert "imported without a product" in revoked.err and "import it again with --product ID" in revoked.err


def test_a_sandbox_product_from_an_application_file_makes_it_renewable(cli, other_ca, tmp_path):
    cert, chain, key = issued_elsewhere(other_ca, tmp_path, ["www.example.com", "api.example.com"],
                                        datetime.now(UTC))
    application = tmp_path / "applicant.toml"
    application.write_text(APPLICANT_TOML)
    imported = cli.ok("import", str(cert), "--key", str(key), "--chain", str(chain), "--product", "dv-multi",
                      "--from", str(application), "--json").json
    order = imported["order"]
    assert imported["renewable"] and order["product"] == "dv-multi" and order["authority"] == "sandbox"
    assert order["csr_mode"] == "automatic" and order["validation"]["method"] == "dns"
    assert order["status"] == "issued" and order["reason"] == ""


def test_a_product_that_asks_for_the_applicant_is_refused_naming_the_file_keys(cli, other_ca, tmp_path):
    cert, *_ = issued_elsewhere(other_ca, tmp_path, ["www.example.com"], datetime.now(UTC))
    refused = cli("import", str(cert), "--product", "dv-single", "--json")
    assert refused.code == 1
    answer = json.loads(refused.out)
    assert "--from FILE" in answer["error"] and "applicant.name" in answer["errors"]
    assert cli.ok("list", "--json").json["orders"] == []


def test_a_mismatched_key_is_refused(cli, other_ca, tmp_path):
    cert, *_ = issued_elsewhere(other_ca, tmp_path, ["www.example.com"], datetime.now(UTC))
    other = tmp_path / "other.key"
    other.write_bytes(ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    refused = cli("import", str(cert), "--key", str(other))
    assert refused.code == 1 and "is not the certificate's key" in refused.err


def test_an_encrypted_key_is_opened_with_the_passphrase_file(cli, other_ca, tmp_path):
    cert, _, key = issued_elsewhere(other_ca, tmp_path, ["www.example.com"], datetime.now(UTC),
                                    passphrase=b"copper kettle 19")
    refused = cli("import", str(cert), "--key", str(key))
    assert refused.code == 1 and "--passphrase-file FILE" in refused.err
    secret = tmp_path / "passphrase"
    secret.write_text("copper kettle 19\n")
    secret.chmod(0o600)
    order = cli.ok("import", str(cert), "--key", str(key), "--passphrase-file", str(secret), "--json").json["order"]
    assert order["key"]["encrypted"] is True


def test_a_duplicate_is_refused_naming_the_order(cli, other_ca, tmp_path):
    cert, *_ = issued_elsewhere(other_ca, tmp_path, ["www.example.com"], datetime.now(UTC))
    first = cli.ok("import", str(cert), "--json").json["order"]["id"]
    again = cli("import", str(cert))
    assert again.code == 1 and f"already tracked as {first}" in again.err


@pytest.mark.parametrize("argv, expected", [
    (["--passphrase-file", "secret"], "give the key with --key"),
    (["--from", "applicant.toml"], "add --product"),
])
def test_usage_errors_exit_2(cli, other_ca, tmp_path, argv, expected):
    cert, *_ = issued_elsewhere(other_ca, tmp_path, ["www.example.com"], datetime.now(UTC))
    result = cli("import", str(cert), *argv)
    assert result.code == 2 and expected in result.err


def test_not_a_certificate_is_refused(cli, tmp_path):
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("hello")
    result = cli("import", str(garbage))
    assert result.code == 1 and "holds no certificate" in result.err and "BEGIN CERTIFICATE" in result.err


def test_an_imported_certificate_is_renewed_through_its_product_and_one_without_is_only_tracked(
        cli, other_ca, tmp_path):
    now = datetime.now(UTC)
    cert, chain, key = issued_elsewhere(other_ca, tmp_path, ["www.example.com"], now - timedelta(days=70))
    tracked = cli.ok("import", str(cert), "--key", str(key), "--json").json["order"]["id"]
    plan = {c["order"]: c for c in cli.ok("renew", "--dry-run", "--json").json["certificates"]}
    assert not plan[tracked]["due"] and not plan[tracked]["renewable"] and "--product" in plan[tracked]["note"]
    assert "not renewable here" in cli.ok("renew", "--dry-run").out
    run = cli.ok("renew", "--quiet")                 # only tracked: a timer stays quiet (exit 0, no output)
    assert run.out == "" and run.err == ""
    assert cli.ok("list", "--json").json["orders"][0]["status"] == "expiring-soon"    # untouched
    assert cli.ok("show", tracked, "--json").json["order"]["renewed_by"] is None

    hook = tmp_path / "hook"
    hook.write_text("#!/bin/sh\nexit 0\n")
    hook.chmod(0o755)
    applicant = tmp_path / "applicant.toml"
    applicant.write_text(APPLICANT_TOML)
    adopted = cli.ok("import", str(cert), "--key", str(key), "--product", "dv-single", "--from", str(applicant),
                     "--hook", str(hook), "--json").json["order"]
    assert adopted["id"] == tracked
    renewed = cli.ok("renew", "--json").json["renewals"]
    assert [r["result"] for r in renewed] == ["renewed"]
    follow = cli.ok("show", renewed[0]["follow_up"], "--json").json["order"]
    assert follow["renewal_of"] == tracked and follow["domains"] == ["www.example.com"]
    assert follow["key"]["algorithm"] == adopted["key"]["algorithm"]
    assert follow["key"]["spki_sha256"] != adopted["key"]["spki_sha256"]
    assert cli.ok("show", tracked, "--json").json["order"]["status"] == "renewed"

"""The headless path from `certwizard add` to `certwizard export`, through the real entry point, on a real
data folder with the sandbox CA; the exported files are checked the way servers and clients use them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from .cli_flow import (
    APPLICANT_JSON,
    assert_trusted,
    check_pem_key,
    check_pfx,
    make_cli,
    mode_of,
    split_pem,
    toml_file,
)

DOMAINS = ["www.example.com", "example.com"]


@pytest.fixture(scope="module")
def console_script() -> Path:
    """The `certwizard` script installed with the Python that runs the tests (a virtual environment's bin/
    folder, wherever the checkout is), else the one on PATH. Missing, these tests fail: they are the only
    end-to-end runs of the installed entry point, so they must never be skipped unnoticed."""
    beside = Path(sys.executable).parent / "certwizard"     # not resolved: a venv's python is a symlink
    found = beside if beside.is_file() else shutil.which("certwizard")
    if found is None:
        pytest.fail(f"no certwizard console script beside {sys.executable} or on PATH; install the package "
                    "into this environment first: pip install -e '.[test]'")
    return Path(found)


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys):
    return make_cli(tmp_path, monkeypatch, capsys)


def _issued_dv_order(cli, tmp_path, domains=DOMAINS) -> str:
    order_id = cli.add("dv-multi")
    cli.ok("apply", order_id, "--from", str(toml_file(tmp_path / "application.toml", domains)))
    cli.ok("submit", order_id)
    cli.ok("verify", order_id)
    cli.ok("refresh")
    assert cli.status(order_id) == "issued"
    return order_id


# --- the DV path, step by step ----------------------------------------------------------------------------

def test_dv_path_from_a_toml_file_shows_what_to_publish_then_issues(cli, tmp_path):
    order_id = cli.add("dv-multi")
    application = toml_file(tmp_path / "application.toml", DOMAINS,
                            csr='mode = "automatic"\nkey = "rsa-2048"')

    applied = cli("apply", order_id, "--from", str(application))
    assert applied.code == 0 and applied.err == ""
    assert f"certwizard submit {order_id}" in applied.out and "www.example.com, example.com" in applied.out

    submitted = cli("submit", order_id)
    assert submitted.code == 0
    assert "RSA 2048" in submitted.err and "private key" in submitted.err   # progress goes to stderr
    assert "Domain verification" in submitted.out

    shown = cli("show", order_id)
    assert shown.code == 0 and shown.err == ""
    order = cli.ok("show", order_id, "--json").json["order"]
    assert order["status"] == "domain-verification" and order["domains"] == DOMAINS
    assert datetime.fromisoformat(order["expected_issuance_at"]).tzinfo is not None
    assert [v["domain"] for v in order["domain_validations"]] == DOMAINS
    for validation in order["domain_validations"]:
        # What to publish: the JSON has the DNS record and the file, the text only the method chosen (dns).
        assert validation["dns_type"] == "TXT"
        assert validation["dns_name"] == f"_dnsauth.{validation['domain']}"
        assert validation["file_url"] == f"http://{validation['domain']}/.well-known/pki-validation/fileauth.txt"
        assert validation["dns_value"] == validation["file_content"] and len(validation["dns_value"]) >= 20
        assert validation["dns_name"] in shown.out and validation["dns_value"] in shown.out
        assert validation["file_url"] not in shown.out
    assert "validation: DNS TXT record, published by you" in shown.out
    assert f"certwizard verify {order_id}" in shown.out
    assert f"certwizard verify {order_id}" in order["next_step"]
    assert order["key"]["algorithm"] == "rsa-2048" and order["key"]["encrypted"] is False
    assert mode_of(Path(order["key"]["path"])) == 0o600
    assert "PRIVATE KEY" not in shown.out + json.dumps(order)

    verified = cli("verify", order_id)
    assert verified.code == 0
    refreshed = cli.ok("refresh", "--json").json
    assert refreshed["ok"] is True    # already issued by verify at instant speed, or issued by this refresh
    assert cli("refresh").out.strip() == "no status changes"

    issued = cli.ok("show", order_id, "--json").json["order"]
    assert issued["status"] == "issued" and issued["reason"] == ""
    assert issued["certificate"]["dns_names"] == DOMAINS
    assert "Sandbox Intermediate" in issued["certificate"]["issuer"]
    text = cli.ok("show", order_id).out
    assert "Issued" in text and issued["certificate"]["serial"] in text and "certwizard export" in text
    assert "certwizard sandbox-root" in text


def test_dv_path_from_a_json_file_reaches_issued(cli, tmp_path):
    order_id = cli.add("dv-single")
    application = tmp_path / "application.json"
    application.write_text(json.dumps({"domains": "shop.example.com", "applicant": APPLICANT_JSON,
                                       "csr": {"mode": "automatic", "key": "ec-p384"}}))
    applied = cli.ok("apply", order_id, "--from", str(application), "--json").json
    assert applied["ok"] is True and applied["order"]["domains"] == ["shop.example.com"]
    assert applied["order"]["status"] == "draft"

    submitted = cli.ok("submit", order_id, "--json")
    assert submitted.err == "" and submitted.json["order"]["status"] == "domain-verification"
    verified = cli.ok("verify", order_id, "--json").json["order"]
    assert verified["status"] in ("under-review", "issued")
    cli.ok("refresh")
    order = cli.ok("show", order_id, "--json").json["order"]
    assert order["status"] == "issued" and order["key"]["algorithm"] == "ec-p384"
    assert order["certificate"]["dns_names"] == ["shop.example.com"]


def test_refresh_reports_each_status_change_once(cli, tmp_path, monkeypatch):
    # Review after verification takes seconds at "fast" speed, so verify leaves it under review.
    monkeypatch.setenv("CERTWIZARD_SANDBOX_SPEED", "fast")
    order_id = cli.add("dv-single")
    cli.ok("apply", order_id, "--from", str(toml_file(tmp_path / "a.toml", ["www.example.com"])))
    cli.ok("submit", order_id)
    assert cli.ok("verify", order_id, "--json").json["order"]["status"] == "under-review"
    under_review = cli.ok("show", order_id)
    assert "expected issuance:" in under_review.out and "certwizard refresh" in under_review.out
    assert cli.ok("refresh", "--json").json["changes"] == []

    monkeypatch.setenv("CERTWIZARD_SANDBOX_SPEED", "instant")   # the review time is fixed at verify...
    _advance_sandbox_clock(cli, seconds=60)                      # ...so let the sandbox's clock pass it
    changes = cli.ok("refresh", "--json").json["changes"]
    assert changes == [{"order": order_id, "from": "under-review", "to": "issued", "reason": ""}]
    assert cli.ok("refresh", "--json").json["changes"] == []


def _advance_sandbox_clock(cli, seconds: int) -> None:
    """Move the review due time in the sandbox CA's own ledger into the past (the CA is the remote side)."""
    ledger_path = cli.data_dir / "sandbox-ca" / "ledger" / "ledger.json"
    ledger = json.loads(ledger_path.read_text())
    for entry in ledger.values():
        if entry.get("review_due"):
            due = datetime.fromisoformat(entry["review_due"])
            entry["review_due"] = due.replace(year=due.year - 1).isoformat()
    ledger_path.write_text(json.dumps(ledger))


# --- exported files work ------------------------------------------------------------------------------------

def test_exports_for_every_server_verify_to_the_sandbox_root_and_match_the_key(cli, tmp_path):
    order_id = _issued_dv_order(cli, tmp_path)
    root = tmp_path / "root.pem"
    root_out = cli.ok("sandbox-root", "--pem").out
    root.write_text(root_out)
    assert root.read_bytes() == cli.root_pem_path.read_bytes()
    password_file = tmp_path / "pfx-password"
    password_file.write_bytes(b"correct horse battery staple\n")
    password_file.chmod(0o600)
    order = cli.ok("show", order_id, "--json").json["order"]
    spki = order["key"]["spki_sha256"]

    out = tmp_path / "nginx"
    exported = cli.ok("export", order_id, "--server", "nginx", "--out", str(out), "--json").json
    assert {Path(f["path"]).name for f in exported["files"]} == {
        "www.example.com.fullchain.pem", "www.example.com.key", "www.example.com.README.txt"}
    assert {Path(f["path"]).name: f["mode"] for f in exported["files"]}["www.example.com.key"] == "0600"
    assert exported["private_key_file"] == str(out / "www.example.com.key")
    leaf, chain = split_pem((out / "www.example.com.fullchain.pem").read_bytes())
    assert_trusted(root, leaf, chain, DOMAINS, tmp_path / "scratch-nginx")
    key = check_pem_key(out / "www.example.com.key", leaf)
    assert _spki(key) == spki
    assert mode_of(out) == 0o700

    out = tmp_path / "apache"
    text = cli.ok("export", order_id, "--server", "apache", "--out", str(out))
    assert "mode 0600" in text.out and "SSLCertificateFile" in text.out and "PRIVATE KEY" not in text.out
    leaf = (out / "www.example.com.crt").read_bytes()
    assert_trusted(root, leaf, (out / "www.example.com.chain.crt").read_bytes(), DOMAINS,
                   tmp_path / "scratch-apache")
    check_pem_key(out / "www.example.com.key", leaf)

    out = tmp_path / "pem"
    cli.ok("export", order_id, "--server", "pem", "--out", str(out))
    leaf = (out / "www.example.com.crt").read_bytes()
    chain = (out / "www.example.com.chain.pem").read_bytes()
    assert (out / "www.example.com.fullchain.pem").read_bytes() == leaf + chain
    assert_trusted(root, leaf, chain, DOMAINS, tmp_path / "scratch-pem")
    check_pem_key(out / "www.example.com.key", leaf)

    for server, profile in [("tomcat", "modern"), ("iis", "modern"), ("iis", "legacy"), ("tomcat", "legacy")]:
        out = tmp_path / f"{server}-{profile}"
        result = cli.ok("export", order_id, "--server", server, "--out", str(out), "--pkcs12-password-file",
                        str(password_file), "--pkcs12-profile", profile)
        assert "correct horse" not in result.out + result.err
        check_pfx(out / "www.example.com.pfx", b"correct horse battery staple", root, DOMAINS,
                  tmp_path / f"scratch-{server}-{profile}")


def _spki(key) -> str:
    from certwizard.crypto.certinfo import spki_sha256

    return spki_sha256(key.public_key())


def test_export_never_overwrites_and_a_second_export_is_refused(cli, tmp_path):
    order_id = _issued_dv_order(cli, tmp_path, ["www.example.com"])
    out = tmp_path / "out"
    cli.ok("export", order_id, "--server", "nginx", "--out", str(out))
    before = (out / "www.example.com.key").read_bytes()
    again = cli("export", order_id, "--server", "nginx", "--out", str(out), "--json")
    assert again.code == 1 and again.json["ok"] is False
    assert "never overwrites" in again.json["error"] and "www.example.com.key" in again.json["error"]
    assert (out / "www.example.com.key").read_bytes() == before


def test_export_refuses_a_symlinked_out_folder_and_warns_about_a_world_writable_one(cli, tmp_path):
    order_id = _issued_dv_order(cli, tmp_path, ["www.example.com"])
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    linked = cli("export", order_id, "--server", "nginx", "--out", str(tmp_path / "link" / "tls"))
    assert linked.code == 1 and "is a symbolic link" in linked.err
    assert f"Give the real folder instead: {real / 'tls'}" in linked.err and list(real.iterdir()) == []

    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    written = cli("export", order_id, "--server", "nginx", "--out", str(shared), "--json")
    assert written.code == 0
    assert written.err.startswith("certwizard: warning: ") and "can be written by every user" in written.err
    assert written.json["warnings"] and "www.example.com.key was written there" in written.json["warnings"][0]
    assert mode_of(shared / "www.example.com.key") == 0o600


def test_export_before_issuance_is_refused_with_the_status(cli, tmp_path):
    order_id = cli.add("dv-single")
    cli.ok("apply", order_id, "--from", str(toml_file(tmp_path / "a.toml", ["www.example.com"])))
    cli.ok("submit", order_id)
    result = cli("export", order_id, "--server", "pem", "--out", str(tmp_path / "out"))
    assert result.code == 1 and "no certificate yet" in result.err and "domain verification" in result.err
    assert not (tmp_path / "out").exists()


def test_pkcs12_export_without_a_password_file_is_a_usage_error(cli, tmp_path):
    order_id = _issued_dv_order(cli, tmp_path, ["www.example.com"])
    result = cli("export", order_id, "--server", "iis", "--out", str(tmp_path / "out"))
    assert result.code == 2 and "--pkcs12-password-file" in result.err
    empty = tmp_path / "empty"
    empty.write_text("\n")
    result = cli("export", order_id, "--server", "tomcat", "--out", str(tmp_path / "out"),
                 "--pkcs12-password-file", str(empty))
    assert result.code == 2 and "is empty" in result.err
    result = cli("export", order_id, "--server", "tomcat", "--out", str(tmp_path / "out"),
                 "--pkcs12-password-file", str(tmp_path / "missing"))
    assert result.code == 2 and "missing" in result.err and "No such file" in result.err
    assert not (tmp_path / "out").exists()


# --- withdraw and review failure ----------------------------------------------------------------------------

def test_withdraw_before_issuance_returns_to_draft_and_a_changed_application_resubmits(cli, tmp_path):
    order_id = cli.add("dv-multi")
    cli.ok("apply", order_id, "--from", str(toml_file(tmp_path / "a.toml", ["www.example.com"])))
    cli.ok("submit", order_id)
    refused = cli("apply", order_id, "--from", str(toml_file(tmp_path / "b.toml", DOMAINS)))
    assert refused.code == 1 and f"certwizard withdraw {order_id}" in refused.err

    withdrawn = cli.ok("withdraw", order_id, "--json").json["order"]
    assert withdrawn["status"] == "draft" and withdrawn["domain_validations"] == []
    assert withdrawn["expected_issuance_at"] is None

    cli.ok("apply", order_id, "--from", str(toml_file(tmp_path / "b.toml", DOMAINS)))
    resubmitted = cli.ok("submit", order_id, "--json").json["order"]
    assert resubmitted["status"] == "domain-verification" and resubmitted["domains"] == DOMAINS
    assert [v["domain"] for v in resubmitted["domain_validations"]] == DOMAINS
    cli.ok("verify", order_id)
    cli.ok("refresh")
    assert cli.ok("show", order_id, "--json").json["order"]["certificate"]["dns_names"] == DOMAINS


def test_withdraw_after_issuance_is_refused_and_says_why(cli, tmp_path):
    order_id = _issued_dv_order(cli, tmp_path, ["www.example.com"])
    result = cli("withdraw", order_id)
    assert result.code == 1 and result.out == ""
    assert "refused:" in result.err and "already issued" in result.err
    as_json = cli("withdraw", order_id, "--json")
    assert as_json.code == 1 and as_json.json["ok"] is False and "already issued" in as_json.json["error"]
    assert cli.status(order_id) == "issued"
    changed = cli("apply", order_id, "--from", str(toml_file(tmp_path / "b.toml", ["api.example.com"])))
    assert changed.code == 1 and "certificate was issued" in changed.err and "certwizard add" in changed.err
    assert "withdraw it first" not in changed.err


def test_withdraw_of_a_draft_is_refused(cli, tmp_path):
    order_id = cli.add("dv-single")
    result = cli("withdraw", order_id)
    assert result.code == 1 and "nothing has been submitted" in result.err


def test_review_fail_domain_shows_the_reason_and_exit_codes_agree(cli, tmp_path):
    order_id = cli.add("dv-single")
    cli.ok("apply", order_id, "--from", str(toml_file(tmp_path / "a.toml", ["review-fail.example.com"])))
    cli.ok("submit", order_id)

    failed = cli("verify", order_id)        # the instant review fails right after verification
    assert failed.code == 1
    assert "refused: the certificate authority failed the application" in failed.err
    assert "domain verification record" in failed.err and "Review failed" in failed.out
    as_json = cli("verify", order_id, "--json")   # verifying again is refused: no longer waiting for it
    assert as_json.code == 1 and as_json.json["ok"] is False

    shown = cli("show", order_id)           # show reports, so it succeeds whatever the status
    assert shown.code == 0 and "reason: The CA could not find the domain verification record" in shown.out
    assert f"certwizard withdraw {order_id}" in shown.out
    order = cli.ok("show", order_id, "--json").json["order"]
    assert order["status"] == "review-failed" and "could not find" in order["reason"]
    assert cli("export", order_id, "--server", "pem", "--out", str(tmp_path / "out")).code == 1

    assert cli.ok("withdraw", order_id, "--json").json["order"]["status"] == "draft"
    cli.ok("apply", order_id, "--from", str(toml_file(tmp_path / "b.toml", ["www.example.com"])))
    cli.ok("submit", order_id)
    cli.ok("verify", order_id)
    cli.ok("refresh")
    assert cli.status(order_id) == "issued"


# --- exit codes ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("command", [["show"], ["submit"], ["verify"], ["withdraw"],
                                     ["export", "--server", "pem", "--out", "x"]])
def test_an_unknown_order_id_is_refused_with_the_hint(cli, command):
    name, *rest = command
    result = cli(name, "ord-00000000", *rest)
    assert result.code == 1 and result.out == ""
    assert "no order 'ord-00000000'" in result.err and "certwizard list" in result.err
    as_json = cli(name, "ord-00000000", *rest, "--json")
    assert as_json.code == 1 and as_json.json["ok"] is False and "certwizard list" in as_json.json["error"]


def test_an_unknown_order_id_in_apply_is_refused(cli, tmp_path):
    result = cli("apply", "ord-00000000", "--from", str(toml_file(tmp_path / "a.toml", ["www.example.com"])))
    assert result.code == 1 and "certwizard list" in result.err


@pytest.mark.parametrize("argv", [["export", "ORDER", "--out", "x"], ["export", "ORDER", "--server", "pem"],
                                  ["export", "ORDER", "--server", "caddy", "--out", "x"], ["apply", "ORDER"],
                                  ["show"], ["submit"]])
def test_missing_or_wrong_options_are_usage_errors(cli, argv):
    with pytest.raises(SystemExit) as exit_info:
        cli(*argv)
    assert exit_info.value.code == 2


def test_missing_server_names_the_option(cli, capsys):
    with pytest.raises(SystemExit):
        cli("export", "ord-1", "--out", "x")
    assert "--server" in capsys.readouterr().err


def test_a_damaged_database_is_refused_without_a_traceback(cli, tmp_path):
    cli.data_dir.mkdir(mode=0o700)
    (cli.data_dir / "certwizard.json").write_text('{"meta": {"schema": {"version": 99}}}')
    result = cli("show", "ord-1")
    assert result.code == 1 and "newer certwizard" in result.err and "Traceback" not in result.err


# --- the installed console script ---------------------------------------------------------------------------

def test_console_script_runs_add_apply_submit_show(tmp_path, console_script):
    env = {**os.environ, "CERTWIZARD_DATA_DIR": str(tmp_path / "data"), "CERTWIZARD_SANDBOX_SPEED": "instant"}

    def run(*argv: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(console_script), *argv], capture_output=True, text=True, env=env,
                              check=False, timeout=120)

    added = run("add", "--product", "dv-single", "--json")
    assert added.returncode == 0, added.stderr
    (order,) = json.loads(added.stdout)["orders"]
    application = toml_file(tmp_path / "application.toml", ["www.example.com"])
    assert run("apply", order["id"], "--from", str(application)).returncode == 0
    submitted = run("submit", order["id"])
    assert submitted.returncode == 0, submitted.stderr
    shown = run("show", order["id"], "--json")
    assert shown.returncode == 0
    payload = json.loads(shown.stdout)["order"]
    assert payload["status"] == "domain-verification"
    assert payload["domain_validations"][0]["dns_name"] == "_dnsauth.www.example.com"
    key = serialization.load_pem_private_key(Path(payload["key"]["path"]).read_bytes(), None)
    csr = x509.load_pem_x509_csr(_sandbox_csr(tmp_path / "data", payload["id"]).encode())
    assert _same_key(key, csr)


def _sandbox_csr(data_dir: Path, order_id: str) -> str:
    from certwizard.storage import Repository
    from certwizard.system.paths import DataLayout

    with Repository.open(DataLayout(data_dir)) as repository:
        return repository.get_order(order_id).csr_pem


def _same_key(key, csr) -> bool:
    der = serialization.Encoding.DER
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    return key.public_key().public_bytes(der, spki) == csr.public_key().public_bytes(der, spki)


def test_submit_and_verify_at_the_wrong_time_say_what_to_do_instead(cli, tmp_path):
    order_id = cli.add("dv-single")
    early = cli("submit", order_id)
    assert early.code == 1 and "'Pending application'" in early.err
    assert f"certwizard apply {order_id} --from" in early.err
    assert cli("verify", order_id).code == 1

    cli.ok("apply", order_id, "--from", str(toml_file(tmp_path / "a.toml", ["www.example.com"])))
    cli.ok("submit", order_id)
    twice = cli("submit", order_id, "--json")
    assert twice.code == 1 and "'Domain verification'" in twice.json["error"]
    assert f"certwizard verify {order_id}" in twice.json["error"]
    cli.ok("verify", order_id)
    again = cli("verify", order_id)
    assert again.code == 1 and "only an order waiting for domain verification" in again.err
    assert "certwizard export" in again.err or "certwizard refresh" in again.err


@pytest.mark.parametrize("argv", [["refresh"], ["sandbox-root", "--pem"]])
def test_a_reader_that_went_away_ends_the_command_quietly(tmp_path, argv, console_script):
    # `certwizard refresh | head -0`: the pipe is closed before anything is written.
    env = {**os.environ, "CERTWIZARD_DATA_DIR": str(tmp_path / "data")}
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run([str(console_script), *argv], stdout=write_end, stderr=subprocess.PIPE,
                                text=True, env=env, check=False, timeout=120)
    finally:
        os.close(write_end)
    assert result.returncode == 1 and result.stderr == ""


# --- a damaged sandbox ledger -------------------------------------------------------------------------------

def _submitted_dv_order(cli, tmp_path) -> tuple[str, Path]:
    order_id = cli.add("dv-single")
    cli.ok("apply", order_id, "--from", str(toml_file(tmp_path / "a.toml", ["www.example.com"])))
    cli.ok("submit", order_id)
    return order_id, cli.data_dir / "sandbox-ca" / "ledger" / "ledger.json"


@pytest.mark.parametrize("damage", [b"", b"{\"sbx-", b"\xff\xfe garbage", b"[]", b"null",
                                    b"1e999999", b"[" * 100_000])
def test_refresh_and_verify_explain_a_damaged_ledger_without_a_traceback(cli, tmp_path, damage):
    order_id, ledger = _submitted_dv_order(cli, tmp_path)
    ledger.write_bytes(damage)
    for argv in (("refresh",), ("verify", order_id), ("refresh", "--json")):
        result = cli(*argv)
        assert result.code == 1, (argv, result)
        said = result.err if "--json" not in argv else result.json["error"]
        assert "Traceback" not in said and "ledger" in said and str(ledger) in said, said
        assert "backup" in said
    assert ledger.read_bytes() == damage      # nothing was "repaired" behind the user's back


@pytest.mark.parametrize("field, value", [("status", "no-such-status"), ("status", None),
                                          ("review_seconds", "soon"), ("validations", {"a": 1}),
                                          ("domains", "www.example.com"), ("product_id", "no-such-product"),
                                          ("expected_issuance_at", "yesterday"), (None, 3)])
def test_a_wrong_shaped_application_in_the_ledger_is_named(cli, tmp_path, field, value):
    order_id, ledger = _submitted_dv_order(cli, tmp_path)
    data = json.loads(ledger.read_text())
    (ref,) = data
    if field is None:
        data[ref] = value
    else:
        data[ref][field] = value
    ledger.write_text(json.dumps(data))
    for argv in (("refresh",), ("verify", order_id)):
        result = cli(*argv)
        assert result.code == 1 and "Traceback" not in result.err, (argv, result)
        assert ref in result.err and "damaged" in result.err, result.err


def test_a_ledger_that_is_a_symlink_is_refused_and_not_read(cli, tmp_path):
    order_id, ledger = _submitted_dv_order(cli, tmp_path)
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_bytes(ledger.read_bytes())
    ledger.unlink()
    ledger.symlink_to(elsewhere)
    before = elsewhere.read_bytes()
    for argv in (("refresh",), ("verify", order_id)):
        result = cli(*argv)
        assert result.code == 1 and "symbolic link" in result.err and "Traceback" not in result.err, result
    assert ledger.is_symlink() and elsewhere.read_bytes() == before


def test_show_offers_a_wildcard_the_dns_record_only(cli, tmp_path):
    order_id = cli.add("dv-wildcard")
    cli.ok("apply", order_id, "--from", str(toml_file(tmp_path / "w.toml", ["*.example.com"])))
    (validation,) = cli.ok("submit", order_id, "--json").json["order"]["domain_validations"]
    assert validation["domain"] == "example.com" and validation["file_url"] == ""
    shown = cli.ok("show", order_id).out
    assert validation["dns_value"] in shown and "serve" not in shown and "with the content" not in shown


def test_show_says_the_chosen_method_only_and_who_publishes_it(cli, tmp_path):
    webroot = tmp_path / "www"
    webroot.mkdir()
    by_file = cli.add("dv-single")
    http = f'[validation]\nmethod = "http"\nwebroot = "{webroot}"\n'
    cli.ok("apply", by_file, "--from", str(toml_file(tmp_path / "http.toml", ["files.example.com"], extra=http)))
    (validation,) = cli.ok("submit", by_file, "--json").json["order"]["domain_validations"]
    shown = cli.ok("show", by_file).out
    assert f"validation: file over HTTP, written under the webroot {webroot}" in shown
    assert validation["file_url"] in shown and validation["file_content"] in shown
    assert validation["dns_name"] not in shown and "DNS TXT" not in shown

    hook = tmp_path / "hook"
    hook.write_text("#!/bin/sh\nexit 0\n")
    hook.chmod(0o700)
    by_hook = cli.add("dv-single")
    cli.ok("apply", by_hook, "--from", str(toml_file(
        tmp_path / "dns.toml", ["hooked.example.com"], extra=f'[validation]\nmethod = "dns"\nhook = "{hook}"\n')))
    (validation,) = cli.ok("submit", by_hook, "--json").json["order"]["domain_validations"]
    shown = cli.ok("show", by_hook).out
    assert f"validation: DNS TXT record, published by the hook {hook} when you run certwizard verify" in shown
    assert validation["dns_value"] in shown and validation["file_url"] not in shown

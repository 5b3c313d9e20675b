"""`certwizard renew` of an ACME certificate against a real ACME server (Pebble): a new order for the same
account and names, dns-01 through the recorded hook with the self-check, issued, and the old one Renewed."""

from __future__ import annotations

import sys
import time
from datetime import datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from certwizard.crypto.certinfo import verify_chain
from certwizard.services import open_services
from tests.ca.pebble import PebbleOptions, require_pebble, start_pebble
from tests.cli.cli_flow import make_cli

HOOK = """#!{python}
import json, os, urllib.request
name, value = os.environ["CERTWIZARD_RECORD_NAME"], os.environ["CERTWIZARD_RECORD_VALUE"]
with open(os.environ["HOOK_LOG"], "a") as out:
    out.write(os.environ["CERTWIZARD_ACTION"] + " " + name + "\\n")
path, body = (("/set-txt", {{"host": name + ".", "value": value}}) if os.environ["CERTWIZARD_ACTION"] == "publish"
              else ("/clear-txt", {{"host": name + "."}}))
request = urllib.request.Request(os.environ["CHALLTESTSRV"] + path, data=json.dumps(body).encode(), method="POST")
urllib.request.urlopen(request, timeout=10).read()
"""


@pytest.fixture(scope="module")
def short_lived_pebble():
    """Pebble issuing 15-second certificates (its certificateValidityPeriod): renewal is due after 10 s."""
    require_pebble()
    with start_pebble(PebbleOptions(certificate_validity_seconds=15)) as server:
        yield server


def cli_with_account(tmp_path, monkeypatch, capsys, server, name: str):
    """The command line with an ACME account `name` on `server`, the hook's DNS server and its log set."""
    cli = make_cli(tmp_path, monkeypatch, capsys)
    monkeypatch.setenv("HOOK_LOG", str(tmp_path / "hook.log"))
    monkeypatch.setenv("CHALLTESTSRV", server.challtestsrv_url)
    monkeypatch.setenv("CERTWIZARD_DNS_SERVERS", f"127.0.0.1:{server.dns_port}")
    root = tmp_path / f"{name}-root.pem"
    root.write_bytes(server.root_pem())
    cli.ok("acme", "add", name, "--directory", server.directory_url, "--ca-bundle", str(server.ca_bundle),
           "--trust-root", str(root), "--agree-tos")
    return cli


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys, pebble):
    return cli_with_account(tmp_path, monkeypatch, capsys, pebble, "pebble")


def _hook(tmp_path: Path) -> Path:
    hook = tmp_path / "publish-hook"
    hook.write_text(HOOK.format(python=sys.executable))
    hook.chmod(0o700)
    return hook


@pytest.mark.timeout(240)
def test_an_acme_certificate_is_renewed_with_a_new_order_and_the_recorded_hook(cli, pebble, tmp_path):
    order = cli.ok("add", "--product", "acme:pebble:dv-multi", "--json").json["orders"][0]["id"]
    application = tmp_path / "app.toml"
    application.write_text('domains = ["renew.example.com", "www.renew.example.com"]\n[csr]\nmode = "automatic"\n'
                           f'[validation]\nmethod = "dns"\nhook = "{_hook(tmp_path)}"\n')
    cli.ok("apply", order, "--from", str(application))
    cli.ok("submit", order)
    assert cli.ok("verify", order, "--json").json["order"]["status"] == "issued"
    before = cli.ok("show", order, "--json").json["order"]

    run = cli.ok("renew", "--force", order, "--json").json
    (outcome,) = run["renewals"]
    assert outcome["result"] == "renewed", outcome
    renewed = cli.ok("show", outcome["follow_up"], "--json").json["order"]
    assert renewed["product"] == "acme:pebble:dv-multi" and renewed["renewal_of"] == order
    assert renewed["status"] == "issued" and renewed["certificate"]["serial"] != before["certificate"]["serial"]
    assert renewed["key"]["spki_sha256"] != before["key"]["spki_sha256"]
    assert cli.status(order) == "renewed"
    # The hook published for the renewal's own challenges and cleaned them up again.
    calls = (tmp_path / "hook.log").read_text().split("\n")
    assert calls.count("publish _acme-challenge.renew.example.com") == 2
    assert calls.count("cleanup _acme-challenge.renew.example.com") == 2
    # What Pebble issued is a real chain to its root for both names.
    services = open_services(cli.data_dir)
    stored = services.workflow.order(renewed["id"]).certificate
    services.repository.close()
    leaf = x509.load_pem_x509_certificate(stored.certificate_pem.encode())
    assert verify_chain(leaf.public_bytes(serialization.Encoding.PEM), stored.chain_pem.encode(),
                        pebble.root_pem(), ["renew.example.com", "www.renew.example.com"]) == []


@pytest.mark.timeout(240)
def test_a_short_lived_acme_certificate_is_renewed_by_the_timer_once_due(
        tmp_path, monkeypatch, capsys, short_lived_pebble):
    cli = cli_with_account(tmp_path, monkeypatch, capsys, short_lived_pebble, "short")
    order = cli.ok("add", "--product", "acme:short:dv-single", "--json").json["orders"][0]["id"]
    application = tmp_path / "app.toml"
    application.write_text('domains = ["short.example.com"]\n[csr]\nmode = "automatic"\n'
                           f'[validation]\nmethod = "dns"\nhook = "{_hook(tmp_path)}"\n')
    cli.ok("apply", order, "--from", str(application))
    cli.ok("submit", order)
    assert cli.ok("verify", order, "--json").json["order"]["status"] == "issued"
    shown = cli.ok("show", order, "--json").json["order"]
    certificate = shown["certificate"]
    lifetime = datetime.fromisoformat(certificate["not_after"]) - datetime.fromisoformat(certificate["not_before"])
    assert lifetime.total_seconds() <= 16 and shown["renewal"]["source"] == "lifetime"
    assert cli.ok("renew", "--json").json["renewals"] == []          # not due yet: nothing done
    due = datetime.fromisoformat(shown["renewal"]["due_at"])
    while datetime.now(due.tzinfo) < due:
        time.sleep(0.5)
    run = cli.ok("renew", "--json").json["renewals"]
    assert [r["result"] for r in run] == ["renewed"], run
    assert cli.status(order) == "renewed"

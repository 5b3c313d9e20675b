"""An ACME account's certificates end to end on the command line, against a real ACME server (Pebble).

products -> add -> apply -> submit -> verify (hook or webroot, self-check) -> issued -> export, as a user runs
it; nothing is faked between certwizard and Pebble. challtestsrv is the DNS server Pebble asks, and the hook
publishes there the way a real hook would call a DNS provider's API.
"""

from __future__ import annotations

import http.server
import json
import sys
import threading
from functools import partial
from pathlib import Path

import pytest
from cryptography import x509

from certwizard.crypto.certinfo import verify_chain
from tests.ca.pebble import PebbleOptions, require_pebble, start_pebble

HOOK = """#!{python}
import json, os, sys, urllib.request
log = os.environ["HOOK_LOG"]
with open(log, "a") as out:
    out.write(json.dumps({{k: v for k, v in os.environ.items() if k.startswith("CERTWIZARD_")}}) + "\\n")
name, value = os.environ["CERTWIZARD_RECORD_NAME"], os.environ["CERTWIZARD_RECORD_VALUE"]
action = os.environ["CERTWIZARD_ACTION"]
path, body = (("/set-txt", {{"host": name + ".", "value": value}}) if action == "publish"
              else ("/clear-txt", {{"host": name + "."}}))
request = urllib.request.Request(os.environ["CHALLTESTSRV"] + path, data=json.dumps(body).encode(),
                                 method="POST")
urllib.request.urlopen(request, timeout=10).read()
"""


def _account(cli, server, name="pebble") -> None:
    cli.ok("acme", "add", name, "--directory", server.directory_url, "--ca-bundle", str(server.ca_bundle),
           "--trust-root", str(_root_file(cli, server)), "--agree-tos")


def _root_file(cli, server) -> Path:
    root = cli.data_dir.parent / "pebble-root.pem"
    root.write_bytes(server.root_pem())
    return root


def _order(cli, product: str) -> str:
    return cli.ok("add", "--product", product, "--json").json["orders"][0]["id"]


def _apply(cli, order: str, toml: str) -> None:
    application = cli.data_dir.parent / f"{order}.toml"
    application.write_text(toml)
    cli.ok("apply", order, "--from", str(application))


def _hook(tmp_path: Path) -> Path:
    hook = tmp_path / "publish-hook"
    hook.write_text(HOOK.format(python=sys.executable))
    hook.chmod(0o700)
    return hook


def test_products_of_an_account_are_listed_with_its_name_and_refused_without_it(cli, pebble):
    missing = cli("add", "--product", "acme:pebble:dv-single")
    assert missing.code == 1 and "certwizard acme add pebble" in missing.err
    _account(cli, pebble)
    listed = {p["id"]: p for p in cli.ok("products", "--json").json["products"]}
    assert {"dv-single", "acme:pebble:dv-single", "acme:pebble:dv-multi-wildcard"} <= set(listed)
    assert listed["acme:pebble:dv-multi"]["max_domains"] == 100
    assert not listed["acme:pebble:dv-multi"]["needs_applicant"]
    assert "set by the CA" in cli.ok("products").out
    order = _order(cli, "acme:pebble:dv-multi")
    used = cli("acme", "remove", "pebble")
    assert used.code == 1 and order in used.err            # an open order keeps its account


def test_dns01_through_a_hook_issues_a_wildcard_and_its_base_name_after_the_self_check(
        cli, pebble, tmp_path, monkeypatch):
    _account(cli, pebble)
    log = tmp_path / "hook.log"
    monkeypatch.setenv("HOOK_LOG", str(log))
    monkeypatch.setenv("CHALLTESTSRV", pebble.challtestsrv_url)
    monkeypatch.setenv("CERTWIZARD_DNS_SERVERS", f"127.0.0.1:{pebble.dns_port}")
    order = _order(cli, "acme:pebble:dv-multi-wildcard")
    _apply(cli, order, f'domains = ["dnswild.example.com", "*.dnswild.example.com"]\n[csr]\nmode = "automatic"\n'
                       f'[validation]\nmethod = "dns"\nhook = "{_hook(tmp_path)}"\n')
    submitted = cli.ok("submit", order, "--json").json["order"]
    assert submitted["status"] == "domain-verification"
    checks = {v["domain"]: v for v in submitted["domain_validations"]}
    assert set(checks) == {"dnswild.example.com", "*.dnswild.example.com"}
    assert {v["dns_name"] for v in checks.values()} == {"_acme-challenge.dnswild.example.com"}
    assert checks["*.dnswild.example.com"]["file_url"] == ""                  # DNS only for a wildcard

    verified = cli.ok("verify", order, "--json").json
    assert verified["ok"] and verified["order"]["status"] == "issued", verified
    [check] = verified["checks"]                      # one record name holding both values
    assert check["passed"] and check["subject"] == "_acme-challenge.dnswild.example.com"
    runs = [json.loads(line) for line in log.read_text().splitlines()]
    assert [r["CERTWIZARD_ACTION"] for r in runs] == ["publish", "publish", "cleanup", "cleanup"]
    assert {r["CERTWIZARD_RECORD_TYPE"] for r in runs} == {"TXT"}
    assert {r["CERTWIZARD_DOMAIN"] for r in runs} == {"dnswild.example.com", "*.dnswild.example.com"}

    out = tmp_path / "nginx"
    cli.ok("export", order, "--server", "nginx", "--out", str(out))
    [full_chain] = out.glob("*.fullchain.pem")
    leaf, *intermediates = x509.load_pem_x509_certificates(full_chain.read_bytes())
    names = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert sorted(names.get_values_for_type(x509.DNSName)) == ["*.dnswild.example.com", "dnswild.example.com"]
    pem = full_chain.read_bytes()
    split = pem.index(b"-----END CERTIFICATE-----") + len(b"-----END CERTIFICATE-----\n")
    assert verify_chain(pem[:split], pem[split:], pebble.root_pem(),
                        ["dnswild.example.com", "*.dnswild.example.com"]) == []
    assert intermediates
    stored = (cli.data_dir / "certwizard.json").read_text()
    assert "PRIVATE KEY" not in stored


class _Webroot(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:       # quiet: pytest shows stderr of failing tests only
        pass


@pytest.fixture
def web_server(tmp_path):
    """A web server on loopback serving a webroot, as the site's own server would."""
    webroot = tmp_path / "www"
    webroot.mkdir()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(_Webroot, directory=str(webroot)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield webroot, server.server_address[1]
    server.shutdown()
    server.server_close()


def test_http01_with_a_webroot_writes_the_file_checks_it_and_removes_it(cli, tmp_path, monkeypatch, web_server):
    require_pebble()
    webroot, port = web_server
    with start_pebble(PebbleOptions(http01_port=port)) as server:
        _account(cli, server)
        monkeypatch.setenv("CERTWIZARD_HTTP_PORT", str(port))
        monkeypatch.setenv("CERTWIZARD_HTTP_ADDRESS", "127.0.0.1")
        order = _order(cli, "acme:pebble:dv-multi")
        _apply(cli, order, 'domains = ["web1.example.com", "web2.example.com"]\n'
                           f'[validation]\nmethod = "http"\nwebroot = "{webroot}"\n')
        cli.ok("submit", order)
        verified = cli.ok("verify", order, "--json").json
        assert verified["order"]["status"] == "issued", verified
        assert [c["passed"] for c in verified["checks"]] == [True, True]
        assert all(c["subject"].startswith("http://web") for c in verified["checks"])
        challenge_dir = webroot / ".well-known" / "acme-challenge"
        assert not challenge_dir.exists() or not any(challenge_dir.iterdir())     # removed afterwards


def test_a_record_nobody_published_stops_the_verification_before_the_ca_is_asked(cli, pebble, monkeypatch):
    _account(cli, pebble)
    monkeypatch.setenv("CERTWIZARD_DNS_SERVERS", f"127.0.0.1:{pebble.dns_port}")
    order = _order(cli, "acme:pebble:dv-single")
    _apply(cli, order, 'domains = ["unpublished.example.com"]\n')
    cli.ok("submit", order)
    refused = cli("verify", order)
    assert refused.code == 1 and "FAIL _acme-challenge.unpublished.example.com" in refused.out
    assert "CA was not asked" in refused.err and "--skip-self-check" in refused.err
    assert cli.ok("show", order, "--json").json["order"]["status"] == "domain-verification"

    forced = cli("verify", order, "--skip-self-check")       # the CA looks, finds nothing, fails the order
    assert forced.code == 1 and "self-check was skipped" in forced.err
    failed = cli.ok("show", order, "--json").json["order"]
    assert failed["status"] == "review-failed" and "unpublished.example.com" in failed["reason"]


def test_withdraw_gives_up_the_authorizations_and_the_order_can_be_changed_and_submitted_again(cli, pebble):
    _account(cli, pebble)
    order = _order(cli, "acme:pebble:dv-single")
    _apply(cli, order, 'domains = ["withdrawn.example.com"]\n')
    first = cli.ok("submit", order, "--json").json["order"]
    assert cli.ok("withdraw", order, "--json").json["order"]["status"] == "draft"
    _apply(cli, order, 'domains = ["changed.example.com"]\n')
    second = cli.ok("submit", order, "--json").json["order"]
    assert second["status"] == "domain-verification" and second["domains"] == ["changed.example.com"]
    assert second["authority_ref"] != first["authority_ref"]          # a new ACME order


def test_an_issued_acme_certificate_is_revoked_at_the_ca_with_its_reason(cli, pebble, tmp_path, monkeypatch):
    _account(cli, pebble)
    monkeypatch.setenv("HOOK_LOG", str(tmp_path / "hook.log"))
    monkeypatch.setenv("CHALLTESTSRV", pebble.challtestsrv_url)
    monkeypatch.setenv("CERTWIZARD_DNS_SERVERS", f"127.0.0.1:{pebble.dns_port}")
    order = _order(cli, "acme:pebble:dv-single")
    _apply(cli, order, f'domains = ["revoked.example.com"]\n[validation]\nhook = "{_hook(tmp_path)}"\n')
    cli.ok("submit", order)
    assert cli.ok("verify", order, "--json").json["order"]["status"] == "issued"
    serial = int(cli.ok("show", order, "--json").json["order"]["certificate"]["serial"], 16)
    assert pebble.certificate_status(serial)["Status"] == "Valid"
    assert cli.ok("revoke", order, "--reason", "superseded", "--json").json["order"]["status"] == "revoked"
    status = pebble.certificate_status(serial)
    assert status["Status"] == "Revoked" and status["Reason"] == 4            # superseded (RFC 5280)

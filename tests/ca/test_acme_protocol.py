"""The ACME client (certwizard.ca.acme) end to end against Pebble: nothing is faked between them.

Why: certwizard's promise for ACME is a real certificate from a real CA, so these tests register accounts
(ToS, EAB), issue through dns-01 (a wildcard plus its base name) and http-01 with challtestsrv publishing
what the client says to publish, fail a challenge, withdraw, revoke, verify the downloaded chain against the
CA's root with cryptography's verifier, and run with Pebble refusing nonces. The few network failures
(refused, dropped, too slow) use a small local TLS server, as only such a server can misbehave on purpose.
"""

from __future__ import annotations

import dataclasses
import http.server
import json
import logging
import socket
import ssl
import stat
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.verification import DNSName, PolicyBuilder, Store

from certwizard.ca.acme.client import AcmeClient, AcmeUsageError
from certwizard.ca.acme.models import DNS_01, HTTP_01, AcmeOrder, RevocationReason
from certwizard.ca.base import AuthorityError
from certwizard.crypto.csr import build_csr
from certwizard.crypto.keys import generate_private_key, load_private_key, write_private_key
from certwizard.domain.products import KeyAlgorithm
from tests.ca.pebble import (
    PebbleOptions,
    PebbleServer,
    new_eab_hmac_key,
    require_pebble,
    start_pebble,
    write_api_certificate,
)

PLAIN_TYPES = (str, int, bool, float, type(None), datetime, Path)


@pytest.fixture
def client(pebble: PebbleServer, tmp_path: Path) -> Iterator[AcmeClient]:
    """A client with a fresh account (agreed to the ToS) at the module's Pebble."""
    with AcmeClient.open(pebble.directory_url, ca_bundle=pebble.ca_bundle) as opened:
        opened.register(tmp_path / "acme" / "account.key.pem", email="admin@example.com", agree_tos=True)
        yield opened


def _csr(names: list[str]) -> bytes:
    return build_csr(generate_private_key(KeyAlgorithm.EC_P256), names)


def _publish_dns(pebble: PebbleServer, order: AcmeOrder) -> None:
    for authorization in order.authorizations:
        challenge = authorization.challenge(DNS_01)
        assert challenge is not None and challenge.dns is not None
        pebble.set_txt(challenge.dns.name, challenge.dns.value)


def _issue_by_dns(pebble: PebbleServer, client: AcmeClient, names: list[str]) -> tuple[AcmeOrder, list[str]]:
    order = client.create_order(names)
    _publish_dns(pebble, order)
    for authorization in order.authorizations:
        client.answer_challenge(authorization.url, DNS_01)
    assert client.wait_for_order(order.url, timeout=20).status == "ready"
    final = client.finalize(order.url, _csr(names), timeout=20)
    assert final.status == "valid" and final.certificate_url
    chain = client.download_certificate(final.certificate_url)
    return final, list(chain.certificates)


def _verified(pebble: PebbleServer, chain: list[str], name: str) -> list[x509.Certificate]:
    certificates = [x509.load_pem_x509_certificate(pem.encode()) for pem in chain]
    verifier = (PolicyBuilder().store(Store([pebble.root_certificate()])).time(datetime.now(UTC))
                .build_server_verifier(DNSName(name)))
    return verifier.verify(certificates[0], certificates[1:])


def _plain(value: object) -> None:
    """Only dataclasses, tuples, dicts and plain values: no acme/josepy object leaks out of the client."""
    if dataclasses.is_dataclass(value):
        for item in dataclasses.fields(value):
            _plain(getattr(value, item.name))
    elif isinstance(value, (tuple, list)):
        for item in value:
            _plain(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _plain(key)
            _plain(item)
    else:
        assert isinstance(value, PLAIN_TYPES), f"{type(value)!r} leaked out of the ACME client"


# --- directory and accounts ---------------------------------------------------------------------------------

def test_the_directory_meta_gives_the_terms_and_says_eab_is_not_required(pebble):
    with AcmeClient.open(pebble.directory_url, ca_bundle=pebble.ca_bundle) as client:
        meta = client.meta
    assert meta.terms_of_service and meta.terms_of_service.startswith("data:text/plain")
    assert meta.external_account_required is False
    assert meta.profiles == {}           # Pebble 2.4 has no profiles (2.7 brought them)
    _plain(meta)


def test_registering_without_agreeing_to_the_terms_is_refused_with_the_terms_url(pebble, tmp_path):
    key_path = tmp_path / "acme" / "refused.key.pem"
    with AcmeClient.open(pebble.directory_url, ca_bundle=pebble.ca_bundle) as client:
        with pytest.raises(AuthorityError) as refused:
            client.register(key_path, email="admin@example.com")
    message = str(refused.value)
    assert "did not agree to the terms of service" in message and "(agreementRequired)" in message
    assert "--agree-tos" in message and client.meta.terms_of_service in message
    assert refused.value.outcome_unknown is False
    assert not key_path.exists()          # a key the CA refused is not left behind
    assert client.account is None


def test_registering_makes_a_private_key_file_and_a_valid_account(pebble, tmp_path):
    key_path = tmp_path / "acme" / "account.key.pem"
    with AcmeClient.open(pebble.directory_url, ca_bundle=pebble.ca_bundle) as client:
        account = client.register(key_path, email="admin@example.com", agree_tos=True)
    assert account.status == "valid" and account.url.startswith(f"https://127.0.0.1:{pebble.api_port}/")
    assert account.contact == ("mailto:admin@example.com",) and account.key_path == key_path
    assert account.terms_of_service == client.meta.terms_of_service
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_path.parent.stat().st_mode) == 0o700
    assert key_path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert isinstance(load_private_key(key_path), ec.EllipticCurvePrivateKey)
    _plain(account)


def test_registering_never_overwrites_an_existing_key_file(pebble, tmp_path):
    key_path = tmp_path / "acme" / "account.key.pem"
    key_path.parent.mkdir(mode=0o700)
    key_path.write_text("not mine to overwrite")
    with AcmeClient.open(pebble.directory_url, ca_bundle=pebble.ca_bundle) as client:
        with pytest.raises(Exception, match="never overwrites a key file"):
            client.register(key_path, agree_tos=True)
    assert key_path.read_text() == "not mine to overwrite"


def test_an_existing_key_finds_its_account_and_an_unknown_key_is_told_to_register(pebble, tmp_path):
    key_path = tmp_path / "acme" / "account.key.pem"
    with AcmeClient.open(pebble.directory_url, ca_bundle=pebble.ca_bundle) as first:
        registered = first.register(key_path, agree_tos=True)
    with AcmeClient.open(pebble.directory_url, ca_bundle=pebble.ca_bundle) as later:
        found = later.use_account(key_path)
        assert found.url == registered.url and found.status == "valid"
        assert later.create_order(["reuse.example.com"]).status == "pending"    # the account signs again

    stranger = tmp_path / "stranger.key.pem"
    write_private_key(generate_private_key(KeyAlgorithm.EC_P256), stranger)
    with AcmeClient.open(pebble.directory_url, ca_bundle=pebble.ca_bundle) as client:
        with pytest.raises(AuthorityError, match=r"\(accountDoesNotExist\)") as unknown:
            client.use_account(stranger)
        assert "register a new account" in str(unknown.value) and str(stranger) in str(unknown.value)
        with pytest.raises(AcmeUsageError, match="no ACME account is in use"):
            client.create_order(["example.com"])


class TestExternalAccountBinding:
    """A CA that binds accounts (ZeroSSL, Google, step-ca...): missing, wrong and right credentials."""

    KID = "kid-certwizard"

    @pytest.fixture(scope="class")
    def eab(self):
        return {self.KID: new_eab_hmac_key()}

    @pytest.fixture(scope="class")
    def eab_pebble(self, eab):
        require_pebble()
        with start_pebble(PebbleOptions(eab_keys=eab)) as server:
            yield server

    def _register(self, server, path, **eab):
        with AcmeClient.open(server.directory_url, ca_bundle=server.ca_bundle) as client:
            assert client.meta.external_account_required is True
            return client.register(path, agree_tos=True, **eab)

    def test_missing(self, eab_pebble, tmp_path):
        with pytest.raises(AuthorityError, match=r"\(externalAccountRequired\)") as refused:
            self._register(eab_pebble, tmp_path / "k.pem")
        assert "--eab-kid" in str(refused.value) and "HMAC key" in str(refused.value)
        assert not (tmp_path / "k.pem").exists()

    def test_wrong_hmac_key(self, eab_pebble, tmp_path):
        with pytest.raises(AuthorityError, match=r"\(unauthorized\)") as refused:
            self._register(eab_pebble, tmp_path / "k.pem", eab_kid=self.KID, eab_hmac_key=new_eab_hmac_key())
        assert "external account binding" in str(refused.value)
        assert "check the EAB key id and HMAC key" in str(refused.value).replace("Check", "check")

    def test_unknown_key_id(self, eab_pebble, eab, tmp_path):
        with pytest.raises(AuthorityError, match=r"not known to the ACME server \(unauthorized\)"):
            self._register(eab_pebble, tmp_path / "k.pem", eab_kid="kid-unknown", eab_hmac_key=eab[self.KID])

    def test_half_a_binding_is_refused_before_anything_is_sent(self, eab_pebble, tmp_path):
        with pytest.raises(AcmeUsageError, match="needs both"):
            self._register(eab_pebble, tmp_path / "k.pem", eab_kid=self.KID)
        assert not (tmp_path / "k.pem").exists()

    def test_right(self, eab_pebble, eab, tmp_path, caplog):
        caplog.set_level(logging.DEBUG)
        with AcmeClient.open(eab_pebble.directory_url, ca_bundle=eab_pebble.ca_bundle) as client:
            account = client.register(tmp_path / "k.pem", agree_tos=True, eab_kid=self.KID,
                                      eab_hmac_key=eab[self.KID])
            assert account.status == "valid"
            # Used once, kept nowhere: not in the client, the account or any log line.
            kept = repr(vars(client)) + repr(vars(client._net)) + repr(account)
            assert eab[self.KID] not in kept
        assert eab[self.KID] not in caplog.text


# --- issuance ---------------------------------------------------------------------------------------------

def test_dns01_issues_a_wildcard_and_its_base_name_and_the_chain_verifies(pebble, client):
    names = ["*.wild.example.com", "wild.example.com"]
    order = client.create_order(names)
    assert order.status == "pending" and sorted(order.identifiers) == sorted(names)
    assert len(order.authorization_urls) == 2 and order.finalize_url.startswith("https://")
    _plain(order)
    by_identifier = {a.identifier: a for a in order.authorizations}
    wildcard, base = by_identifier["*.wild.example.com"], by_identifier["wild.example.com"]
    assert wildcard.wildcard and wildcard.domain == "wild.example.com"
    assert [c.type for c in wildcard.challenges] == [DNS_01]          # a wildcard offers dns-01 only
    assert {c.type for c in base.challenges} == {DNS_01, HTTP_01}
    records = [a.challenge(DNS_01).dns for a in order.authorizations]
    assert {r.name for r in records} == {"_acme-challenge.wild.example.com"}   # one name, two values
    assert len({r.value for r in records}) == 2 and all(r.type == "TXT" for r in records)

    with pytest.raises(AuthorityError, match=r"no http-01 challenge for \*.wild.example.com.*only .* by DNS"):
        client.answer_challenge(wildcard.url, HTTP_01)
    try:
        _publish_dns(pebble, order)
        answered = [client.answer_challenge(a.url, DNS_01) for a in order.authorizations]
        assert all(a.status in ("pending", "valid") for a in answered)
        ready = client.wait_for_order(order.url, timeout=20)
        assert ready.status == "ready" and all(a.status == "valid" for a in ready.authorizations)
        assert all(a.challenge(DNS_01).status == "valid" for a in ready.authorizations)
        final = client.finalize(order.url, _csr(names), timeout=20)
    finally:
        pebble.clear_txt("_acme-challenge.wild.example.com")
    assert final.status == "valid" and final.certificate_url
    chain = client.download_certificate(final.certificate_url)
    assert len(chain.certificates) == 2 and chain.full_chain_pem.count("BEGIN CERTIFICATE") == 2
    leaf = x509.load_pem_x509_certificate(chain.leaf_pem.encode())
    sans = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert sorted(sans.get_values_for_type(x509.DNSName)) == sorted(names)
    for name in ("wild.example.com", "www.wild.example.com"):
        path = _verified(pebble, list(chain.certificates), name)
        assert path[0] == leaf and path[-1] == pebble.root_certificate()
    assert client.finalize(order.url, _csr(names)).status == "valid"      # again: harmless, same order


def test_http01_issues_with_the_file_the_client_describes(pebble, client):
    order = client.create_order(["www.http.example.com"])
    (authorization,) = order.authorizations
    challenge = authorization.challenge(HTTP_01)
    assert challenge is not None and challenge.http is not None
    file = challenge.http
    assert file.path == f"/.well-known/acme-challenge/{challenge.token}" and file.file_name == challenge.token
    assert file.content.startswith(challenge.token + ".")          # the key authorization
    pebble.add_http01(challenge.token, file.content)
    try:
        client.answer_challenge(authorization.url, HTTP_01)
        assert client.wait_for_authorization(authorization.url, timeout=20).status == "valid"
        again = client.answer_challenge(authorization.url, HTTP_01)   # valid already: not sent again (Pebble
        assert again.status == "valid"                                  # would refuse it as malformed)
        assert [c.type for c in again.challenges] == [HTTP_01]          # Pebble drops the unused dns-01
    finally:
        pebble.del_http01(challenge.token)
    fetched = pebble.http_request_history("www.http.example.com")
    assert fetched and all(entry["URL"] == file.path for entry in fetched)
    final = client.finalize(order.url, _csr(["www.http.example.com"]), timeout=20)
    chain = client.download_certificate(final.certificate_url)
    _verified(pebble, list(chain.certificates), "www.http.example.com")


def test_a_failed_challenge_gives_its_reason_per_identifier(pebble, client):
    order = client.create_order(["bad.example.com", "good.example.com"])
    by_identifier = {a.identifier: a for a in order.authorizations}
    good = by_identifier["good.example.com"].challenge(DNS_01)
    pebble.set_txt(good.dns.name, good.dns.value)
    pebble.set_txt("_acme-challenge.bad.example.com", "not-the-value")
    try:
        client.answer_challenge(by_identifier["good.example.com"].url, DNS_01)
        client.answer_challenge(by_identifier["bad.example.com"].url, DNS_01)
        failed = client.wait_for_order(order.url, timeout=20)
    finally:
        pebble.clear_txt(good.dns.name)
        pebble.clear_txt("_acme-challenge.bad.example.com")
    assert failed.status == "invalid"
    (bad,) = failed.failed_authorizations
    assert bad.identifier == "bad.example.com" and bad.problem is not None
    assert bad.problem.code == "unauthorized" and "Correct value not found" in bad.problem.detail
    with pytest.raises(AuthorityError) as refused:
        client.finalize(order.url, _csr(["bad.example.com", "good.example.com"]))
    message = str(refused.value)
    assert "bad.example.com: Correct value not found for DNS challenge (unauthorized)" in message
    assert "good.example.com" not in message and "submit again to make a new one" in message
    assert refused.value.outcome_unknown is False


def test_a_refused_order_says_which_name_is_wrong_and_how_names_look(client):
    with pytest.raises(AuthorityError, match=r"too many wildcards .*\(malformed\)") as refused:
        client.create_order(["*.*.example.com", "ok.example.com"])
    assert "a wildcard only as the whole first label" in str(refused.value)


def test_subproblems_are_shown_one_line_per_identifier():
    """The shape Let's Encrypt sends for an order with several bad names (Pebble sends no subproblems)."""
    from acme import messages

    from certwizard.ca.acme.problems import authority_error

    error = messages.Error.from_json({
        "type": "urn:ietf:params:acme:error:rejectedIdentifier",
        "detail": "Error creating new order :: Cannot issue for 2 names",
        "subproblems": [
            {"type": "urn:ietf:params:acme:error:rejectedIdentifier", "detail": "Domain name is a TLD",
             "identifier": {"type": "dns", "value": "com"}},
            {"type": "urn:ietf:params:acme:error:caa", "detail": "CAA record forbids issuance",
             "identifier": {"type": "dns", "value": "www.example.org"}}]})
    refusal = authority_error(error, "create the order", "acme.example", changes_state=True)
    lines = str(refusal).splitlines()
    assert lines[0] == ("acme.example refused to create the order: Error creating new order :: Cannot issue "
                        "for 2 names (rejectedIdentifier)")
    assert lines[1:3] == ["  - com: Domain name is a TLD", "  - www.example.org: CAA record forbids issuance"]
    assert lines[3] == "The CA will not issue for this name; remove it from the order."
    assert refusal.outcome_unknown is False


def test_finalizing_before_validation_says_which_names_are_missing(client):
    order = client.create_order(["early.example.com"])
    with pytest.raises(AuthorityError, match="early.example.com is not validated yet"):
        client.finalize(order.url, _csr(["early.example.com"]))


def test_waiting_for_an_unanswered_order_returns_at_its_deadline(client):
    order = client.create_order(["unanswered.example.com"])
    started = time.monotonic()
    assert client.wait_for_order(order.url, timeout=0.6).status == "pending"
    assert time.monotonic() - started < 5


def test_withdraw_deactivates_the_pending_authorizations_only(pebble, client):
    order = client.create_order(["done.example.com", "left.example.com"])
    authorization = next(a for a in order.authorizations if a.identifier == "done.example.com")
    done = authorization.challenge(DNS_01)
    pebble.set_txt(done.dns.name, done.dns.value)
    try:
        client.answer_challenge(authorization.url, DNS_01)
        assert client.wait_for_authorization(authorization.url, timeout=20).status == "valid"
    finally:
        pebble.clear_txt(done.dns.name)
    after = {a.identifier: a.status for a in client.deactivate_pending_authorizations(order.url)}
    assert after == {"done.example.com": "valid", "left.example.com": "deactivated"}
    # RFC 8555 would make it "invalid"; Pebble 2.4 says "deactivated", which is not an order status.
    assert client.order(order.url).status in ("invalid", "deactivated")
    with pytest.raises(AuthorityError, match="cannot be|refused the order"):
        client.finalize(order.url, _csr(["done.example.com", "left.example.com"]))


def test_revocation_with_a_reason_and_a_second_revocation_refused(pebble, client):
    _, chain = _issue_by_dns(pebble, client, ["revoke.example.com"])
    serial = x509.load_pem_x509_certificate(chain[0].encode()).serial_number
    assert pebble.certificate_status(serial)["Status"] == "Valid"
    client.revoke(chain[0], RevocationReason.SUPERSEDED)
    status = pebble.certificate_status(serial)
    assert status["Status"] == "Revoked" and status["Reason"] == RevocationReason.SUPERSEDED
    with pytest.raises(AuthorityError, match=r"\(alreadyRevoked\)"):
        client.revoke(chain[0], RevocationReason.SUPERSEDED)


# --- nonces, logs and the network ---------------------------------------------------------------------------

def test_issuance_holds_with_pebbles_default_nonce_rejection(pebble_with, tmp_path):
    """PEBBLE_WFE_NONCEREJECT left at its default (5 %): badNonce answers are sent again, issuance works."""
    server = pebble_with(nonce_reject_percent=None, certificate_validity_seconds=17_280_000)
    assert "reject 5% of good nonces" in server.logs()
    with AcmeClient.open(server.directory_url, ca_bundle=server.ca_bundle) as client:
        client.register(tmp_path / "k.pem", agree_tos=True)
        for _ in range(3):
            _, chain = _issue_by_dns(server, client, ["nonce.example.com"])
    leaf = x509.load_pem_x509_certificate(chain[0].encode())
    lifetime = leaf.not_valid_after_utc - leaf.not_valid_before_utc
    assert abs(lifetime - timedelta(days=200)) < timedelta(minutes=5)   # certificateValidityPeriod


def test_many_refused_nonces_are_sent_again_and_nothing_secret_is_logged(pebble_with, tmp_path, caplog):
    """A CA refusing 30 % of nonces: the library's single retry is not enough, the client's loop is."""
    caplog.set_level(logging.DEBUG)
    server = pebble_with(nonce_reject_percent=30)
    key_path = tmp_path / "acme" / "k.pem"
    with AcmeClient.open(server.directory_url, ca_bundle=server.ca_bundle) as client:
        client.register(key_path, agree_tos=True)
        _issue_by_dns(server, client, ["busy.example.com", "*.busy.example.com"])
    assert "badNonce" in caplog.text                        # the rejection really happened...
    key_body = b"".join(key_path.read_bytes().splitlines()[1:-1]).decode()
    assert "PRIVATE KEY" not in caplog.text and key_body[:40] not in caplog.text   # ...and no key was logged
    assert sorted(p.name for p in key_path.parent.iterdir()) == ["k.pem"]           # nothing else written


class _MisbehavingCA(http.server.BaseHTTPRequestHandler):
    """Serves a directory and nonces, then drops (or stalls) every POST: what only a broken network does."""

    stall_seconds = 0.0

    def log_message(self, *args):       # quiet
        pass

    def _base(self) -> str:
        return f"https://127.0.0.1:{self.server.server_address[1]}"

    def do_GET(self):
        body = json.dumps({name: f"{self._base()}/{name}" for name in
                           ("newNonce", "newAccount", "newOrder", "revokeCert", "keyChange")}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_HEAD(self):
        self.send_response(200)
        self.send_header("Replay-Nonce", "AAAAAAAAAAAAAAAAAAAAAA")
        self.end_headers()

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.stall_seconds:
            time.sleep(self.stall_seconds)
        self.close_connection = True          # no answer at all: the request arrived, the answer never does


@pytest.fixture
def misbehaving_ca(tmp_path):
    def start(stall_seconds: float = 0.0):
        cert, key = write_api_certificate(tmp_path)
        handler = type("Handler", (_MisbehavingCA,), {"stall_seconds": stall_seconds})
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        started.append(server)
        return f"https://127.0.0.1:{server.server_address[1]}/dir", cert

    started: list[http.server.ThreadingHTTPServer] = []
    yield start
    for server in started:
        server.shutdown()
        server.server_close()


def test_a_dropped_connection_may_have_registered_so_the_key_is_kept(misbehaving_ca, tmp_path):
    url, bundle = misbehaving_ca()
    key_path = tmp_path / "acme" / "k.pem"
    with AcmeClient.open(url, ca_bundle=bundle) as client:
        with pytest.raises(AuthorityError, match="broke before its answer came") as dropped:
            client.register(key_path, agree_tos=True)
    assert dropped.value.outcome_unknown is True and "may have done it" in str(dropped.value)
    assert key_path.exists()                  # use_account can find the account, if the CA made it


def test_a_ca_slower_than_the_timeout_is_an_unknown_outcome_within_the_timeout(misbehaving_ca, tmp_path):
    url, bundle = misbehaving_ca(stall_seconds=5)
    started = time.monotonic()
    with AcmeClient.open(url, ca_bundle=bundle, timeout=1) as client:
        with pytest.raises(AuthorityError, match="did not answer within 1 s") as slow:
            client.register(tmp_path / "k.pem", agree_tos=True)
    assert slow.value.outcome_unknown is True and time.monotonic() - started < 4


def test_an_unreachable_or_untrusted_ca_is_refused_with_what_to_check(pebble, tmp_path):
    with pytest.raises(AuthorityError, match="is not trusted") as untrusted:
        AcmeClient.open(pebble.directory_url)
    assert "--ca-bundle" in str(untrusted.value) and untrusted.value.outcome_unknown is False
    with pytest.raises(AuthorityError, match="gave an answer that is not ACME"):
        AcmeClient.open(pebble.directory_url.replace("/dir", "/nowhere"), ca_bundle=pebble.ca_bundle)
    closed = _closed_port()
    with pytest.raises(AuthorityError, match="could not be reached") as refused:
        AcmeClient.open(f"https://127.0.0.1:{closed}/dir", ca_bundle=pebble.ca_bundle)
    assert refused.value.outcome_unknown is False
    with pytest.raises(AcmeUsageError, match="https://"):
        AcmeClient.open(pebble.directory_url.replace("https://", "http://"))
    with pytest.raises(AcmeUsageError, match="is not a file"):
        AcmeClient.open(pebble.directory_url, ca_bundle=tmp_path / "missing.pem")


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])       # closed again when the block ends: nobody listens


def test_a_missing_pebble_is_a_skip_that_says_how_to_install_it(monkeypatch):
    from tests.ca import pebble as helper

    monkeypatch.setattr(helper, "PEBBLE", "/nonexistent/pebble")
    assert helper.pebble_missing_reason() == "pebble is not installed: apt-get install -y pebble"


def test_retry_after_is_read_as_seconds_or_an_http_date():
    import requests

    from certwizard.ca.acme.client import _retry_after_seconds

    def answer(value):
        response = requests.Response()
        if value is not None:
            response.headers["Retry-After"] = value
        return response

    assert _retry_after_seconds(answer("3")) == 3.0
    assert _retry_after_seconds(answer(None)) is None and _retry_after_seconds(answer("soon")) is None
    later = (datetime.now(UTC) + timedelta(seconds=30)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert 25 <= _retry_after_seconds(answer(later)) <= 31
    assert _retry_after_seconds(answer("Mon, 01 Jan 2001 00:00:00 GMT")) == 0.0

"""The ACME authority's side of renewal: ARI (RFC 9773) windows, `replaces`, and Pebble's short lifetimes.

Why a proxy: Debian's Pebble 2.4 has no renewalInfo, so `tests/ca/ari_proxy.py` stands in front of it, adds
renewalInfo to the directory and answers the windows the test sets; every other request is the real Pebble's.
The certID is checked against a computation of its own here (DER of the serial by hand), not certwizard's.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509

from certwizard.ca.acme import renewal_info
from certwizard.ca.acme.authority import AcmeAuthority
from certwizard.ca.base import AuthorityError, SubmissionRequest
from certwizard.crypto.csr import build_csr
from certwizard.crypto.keys import generate_private_key
from certwizard.domain.expiry import RenewalSource, renewal_due
from certwizard.domain.models import Application, ManualCsr
from certwizard.domain.products import KeyAlgorithm, get_product
from certwizard.domain.status import OrderStatus
from certwizard.services.acme_accounts import add_account
from certwizard.storage.repository import Repository
from certwizard.system.paths import DataLayout
from tests.ca.ari_proxy import Answer, AriProxy, start_ari_proxy, window_answer
from tests.ca.pebble import PebbleServer

NOW = datetime.now(UTC)


@pytest.fixture
def proxy(pebble: PebbleServer) -> Iterator[AriProxy]:
    with start_ari_proxy(pebble) as started:
        yield started


def _authority(tmp_path: Path, directory_url: str, ca_bundle: Path, name: str = "ari") -> AcmeAuthority:
    layout = DataLayout(tmp_path / "data")
    repository = Repository.open(layout)
    record = add_account(repository, layout, name, directory_url, ca_bundle=str(ca_bundle), agree_tos=True)
    authority = AcmeAuthority(record, layout, repository)
    authority.wait_seconds = 20
    return authority


def _request(domains: list[str], order_id: str, replaces: str = "") -> SubmissionRequest:
    csr = build_csr(generate_private_key(KeyAlgorithm.EC_P256), domains).decode()
    application = Application(domains=domains, csr=ManualCsr(csr_pem=csr))
    return SubmissionRequest(order_id, get_product("acme:ari:dv-single"), application, csr,
                             attempt_id=f"att-{order_id}", replaces_certificate_pem=replaces)


def _issue(pebble: PebbleServer, authority: AcmeAuthority, domain: str, replaces: str = "",
           order_id: str = "ord-1") -> str:
    state = authority.submit(_request([domain], order_id, replaces))
    assert state.status is OrderStatus.DOMAIN_VERIFICATION
    for validation in state.domain_validations:
        pebble.clear_txt(validation.dns_name)        # values add up, and every test renews the same name
        pebble.set_txt(validation.dns_name, validation.dns_value)
    state = authority.confirm_domain_validation(state.authority_ref)
    assert state.status is OrderStatus.ISSUED and state.certificate is not None
    return state.certificate.certificate_pem


def _independent_cert_id(pem: str) -> str:
    certificate = x509.load_pem_x509_certificate(pem.encode())
    aki = certificate.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    assert aki.key_identifier
    serial = certificate.serial_number
    der = bytearray()
    while True:                                   # big-endian bytes of the positive integer
        der.insert(0, serial & 0xFF)
        serial >>= 8
        if serial == 0:
            break
    if der[0] & 0x80:
        der.insert(0, 0)                          # DER: a positive INTEGER keeps its sign bit clear

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).decode().rstrip("=")
    return f"{b64(aki.key_identifier)}.{b64(bytes(der))}"


@pytest.fixture
def issued(pebble: PebbleServer, proxy: AriProxy, tmp_path: Path) -> tuple[AcmeAuthority, str]:
    authority = _authority(tmp_path, proxy.directory_url, pebble.ca_bundle)
    return authority, _issue(pebble, authority, "ari.example.com")


# --- certID ------------------------------------------------------------------------------------------------

def test_the_cert_id_of_a_real_certificate_matches_an_independent_computation(issued, proxy):
    authority, pem = issued
    expected = _independent_cert_id(pem)
    assert renewal_info.cert_id(x509.load_pem_x509_certificate(pem.encode())) == expected
    proxy.answers[expected] = window_answer("2030-01-01T00:00:00Z", "2030-01-03T00:00:00Z")
    authority.renewal_hint("ref", pem)
    assert proxy.asked == [expected]               # the GET named exactly that certID


@pytest.mark.parametrize("serial, content", [(0x7F, b"\x7f"), (0x80, b"\x00\x80"), (0x0100, b"\x01\x00"),
                                             (0xFFEE, b"\x00\xff\xee")])
def test_the_serial_keeps_its_der_sign_byte(serial, content):
    assert renewal_info.serial_der_content(serial) == content


# --- the window --------------------------------------------------------------------------------------------

def test_a_window_becomes_a_hint_within_it_and_stays_put_between_checks(issued, proxy):
    authority, pem = issued
    cert_id = _independent_cert_id(pem)
    start, end = NOW + timedelta(days=20), NOW + timedelta(days=22)
    proxy.answers[cert_id] = window_answer(start.isoformat(), end.isoformat(),
                                           explanation="https://ca.example/incident-42", retry_after="7200")
    first = authority.renewal_hint("ref", pem)
    second = authority.renewal_hint("ref", pem)
    assert first is not None and second is not None
    assert first.source is RenewalSource.ARI
    assert start <= first.after <= end and first.until == end
    assert first.after == second.after                        # the same certificate: the same moment
    assert first.detail == "https://ca.example/incident-42"
    assert first.ask_again_at is not None
    assert timedelta(hours=2) - timedelta(seconds=5) <= first.ask_again_at - first.checked_at \
        <= timedelta(hours=2)
    leaf = x509.load_pem_x509_certificate(pem.encode())
    due = renewal_due(leaf.not_valid_before_utc, leaf.not_valid_after_utc, first.after, first.source)
    assert due.at == first.after and due.source is RenewalSource.ARI    # the CA's word wins over 2/3


def test_moments_spread_over_the_window_for_different_certificates():
    start, end = NOW, NOW + timedelta(days=10)
    moments = [renewal_info.RenewalWindow(f"aki.{n:04x}", start, end, "", NOW).moment() for n in range(200)]
    assert all(start <= m <= end for m in moments)
    first_half = sum(m < start + timedelta(days=5) for m in moments)
    assert 60 < first_half < 140                              # uniform-ish, not all at one end


def test_a_window_in_the_past_means_renew_now(issued, proxy):
    authority, pem = issued
    proxy.answers[_independent_cert_id(pem)] = window_answer(
        (NOW - timedelta(days=3)).isoformat(), (NOW - timedelta(days=2)).isoformat())
    hint = authority.renewal_hint("ref", pem)
    assert hint is not None and hint.after <= datetime.now(UTC)


@pytest.mark.parametrize("retry_after, expected", [
    (None, timedelta(hours=6)),                 # none sent: the default
    ("5", timedelta(minutes=1)),                # too soon: at least a minute
    ("999999", timedelta(days=1)),              # too far: at most a day
    ("soon", timedelta(hours=6)),               # unreadable
])
def test_retry_after_is_kept_within_bounds(retry_after, expected):
    window = renewal_info.parse_window(
        b'{"suggestedWindow": {"start": "2030-01-01T00:00:00Z", "end": "2030-01-02T00:00:00Z"}}',
        retry_after, "a.b", NOW, "ca.example")
    assert window.ask_again_at - NOW == expected


def test_retry_after_as_an_http_date():
    later = NOW + timedelta(hours=3)
    stamp = later.strftime("%a, %d %b %Y %H:%M:%S GMT")
    moment = renewal_info.ask_again_at(stamp, NOW)
    assert abs(moment - later) < timedelta(seconds=2)


@pytest.mark.parametrize("body, why", [
    (b"<html>oops</html>", "not JSON"),
    (b"[]", "not a JSON object"),
    (b'{"window": {}}', "no suggestedWindow"),
    (b'{"suggestedWindow": {"start": "2030-01-01T00:00:00Z"}}', "end is missing"),
    (b'{"suggestedWindow": {"start": "yesterday", "end": "2030-01-01T00:00:00Z"}}', "not an RFC 3339"),
    (b'{"suggestedWindow": {"start": "2030-01-01T00:00:00", "end": "2030-01-02T00:00:00Z"}}', "no time zone"),
    (b'{"suggestedWindow": {"start": "2030-01-02T00:00:00Z", "end": "2030-01-01T00:00:00Z"}}', "before it"),
    (b'{"suggestedWindow": {"start": "2030-01-01T00:00:00Z", "end": "2030-01-02T00:00:00Z"}, '
     b'"explanationURL": 7}', "explanationURL is not a string"),
])
def test_malformed_windows_are_refused_with_what_is_wrong(issued, proxy, body, why):
    authority, pem = issued
    proxy.answers[_independent_cert_id(pem)] = Answer(200, body, {"Content-Type": "application/json"})
    with pytest.raises(AuthorityError, match=why) as refused:
        authority.renewal_hint("ref", pem)
    assert "Traceback" not in str(refused.value) and "127.0.0.1" in str(refused.value)


def test_an_unknown_certificate_is_the_cas_refusal(issued, proxy):
    authority, pem = issued                          # no answer set: the proxy says 404 with a problem
    with pytest.raises(AuthorityError, match=r"no such certificate \(malformed\)"):
        authority.renewal_hint("ref", pem)


def test_an_error_page_without_a_problem_is_refused_plainly(issued, proxy):
    authority, pem = issued
    proxy.answers[_independent_cert_id(pem)] = Answer(503, b"<h1>down</h1>", {"Content-Type": "text/html"})
    with pytest.raises(AuthorityError, match="HTTP 503 without an ACME problem document"):
        authority.renewal_hint("ref", pem)


def test_without_renewal_info_there_is_no_hint(pebble, tmp_path):
    authority = _authority(tmp_path, pebble.directory_url, pebble.ca_bundle)
    pem = _issue(pebble, authority, "noari.example.com")
    assert authority.renewal_hint("ref", pem) is None


def test_an_unreadable_certificate_is_refused(issued):
    authority, _ = issued
    with pytest.raises(AuthorityError, match="not a readable PEM certificate"):
        authority.renewal_hint("ref", "not a certificate")


# --- replaces ----------------------------------------------------------------------------------------------

def test_a_renewal_names_the_certificate_it_replaces(issued, pebble, proxy):
    authority, pem = issued
    renewed = _issue(pebble, authority, "ari.example.com", replaces=pem, order_id="ord-2")
    assert renewed != pem
    assert "replaces" not in proxy.new_orders[0]                       # the first order renewed nothing
    assert proxy.new_orders[-1]["replaces"] == _independent_cert_id(pem)


def test_a_refused_replaces_is_ordered_again_without_it_and_said(issued, pebble, proxy):
    authority, pem = issued
    proxy.refuse_replaces = "alreadyReplaced"
    state = authority.submit(_request(["ari.example.com"], "ord-3", replaces=pem))
    assert state.status is OrderStatus.DOMAIN_VERIFICATION
    assert "replaces" in proxy.new_orders[-2] and "replaces" not in proxy.new_orders[-1]
    assert "alreadyReplaced" in state.reason and "without that link" in state.reason


def test_other_refusals_of_a_renewal_are_not_hidden(issued, proxy):
    authority, pem = issued
    proxy.refuse_replaces = "rateLimited"
    sent = len(proxy.new_orders)
    with pytest.raises(AuthorityError, match="rateLimited"):
        authority.submit(_request(["ari.example.com"], "ord-4", replaces=pem))
    assert len(proxy.new_orders) == sent + 1                  # not sent a second time


def test_without_renewal_info_a_renewal_sends_no_replaces(pebble, tmp_path):
    authority = _authority(tmp_path, pebble.directory_url, pebble.ca_bundle)
    pem = _issue(pebble, authority, "plain.example.com")
    assert _issue(pebble, authority, "plain.example.com", replaces=pem, order_id="ord-2")


# --- a short lifetime --------------------------------------------------------------------------------------

def test_a_short_pebble_lifetime_puts_renewal_at_two_thirds(pebble_with, tmp_path):
    server = pebble_with(certificate_validity_seconds=3 * 3600)
    authority = _authority(tmp_path, server.directory_url, server.ca_bundle)
    pem = _issue(server, authority, "short.example.com")
    leaf = x509.load_pem_x509_certificate(pem.encode())
    lifetime = leaf.not_valid_after_utc - leaf.not_valid_before_utc
    assert abs(lifetime - timedelta(hours=3)) < timedelta(minutes=2)
    assert authority.renewal_hint("ref", pem) is None          # no ARI: the lifetime decides
    due = renewal_due(leaf.not_valid_before_utc, leaf.not_valid_after_utc)
    assert due.source is RenewalSource.LIFETIME
    assert abs(due.at - (leaf.not_valid_before_utc + timedelta(hours=2))) < timedelta(minutes=2)

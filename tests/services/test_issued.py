"""Issued certificates: facts, stored-key check and chain verification, on orders the real sandbox issued."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from certwizard.domain.models import CsrMode
from certwizard.services.issued import (
    KeyState,
    check_stored_key,
    issued_orders,
    summarize_issued,
    validity_phrase,
)
from tests.factories import manual_csr
from tests.services.issued_orders import PASSPHRASE, certificate_of, issue, replace_key_file


def test_a_fresh_automatic_order_has_facts_a_matching_key_and_a_verifying_chain(services):
    order = issue(services, "www.example.com, api.example.com", product_id="dv-multi")
    cert = certificate_of(order)
    now = cert.not_valid_before_utc + timedelta(days=10)
    summary = summarize_issued(order, now, root_pem=services.authorities.get("sandbox").trust_anchor_pem())

    assert summary.domains == ("www.example.com", "api.example.com")
    assert int(summary.facts.serial_hex, 16) == cert.serial_number
    assert "certwizard Sandbox Intermediate CA" in summary.facts.issuer
    assert summary.facts.not_after == cert.not_valid_after_utc
    assert summary.facts.days_left == (cert.not_valid_after_utc - now).days
    assert summary.facts.key_description == "ECDSA P-256"
    fingerprint = cert.fingerprint(hashes.SHA256()).hex()
    assert summary.facts.sha256_fingerprint.replace(":", "").lower() == fingerprint
    assert summary.key.state is KeyState.MATCHES and summary.key.usable
    assert "mode 0600" in summary.key.detail
    assert summary.chain_problems == ()
    assert summary.usable


def test_a_replaced_key_file_is_a_mismatch_and_not_usable(services):
    order = issue(services)
    replace_key_file(Path(order.key.path))
    check = check_stored_key(order)
    assert check.state is KeyState.MISMATCH and not check.usable
    assert check.summary == "key mismatch"
    assert "replaced" in check.detail and order.key.path in check.detail


def test_a_deleted_key_file_is_reported_missing_with_what_to_do(services):
    order = issue(services)
    os.unlink(order.key.path)
    check = check_stored_key(order)
    assert check.state is KeyState.MISSING and check.summary == "key file missing"
    assert "Restore it from a backup" in check.detail and not check.usable


def test_a_symlink_at_the_key_path_is_refused_without_reading_through_it(services, tmp_path):
    order = issue(services)
    real = tmp_path / "moved.key"
    os.rename(order.key.path, real)
    os.symlink(real, order.key.path)
    check = check_stored_key(order)
    assert check.state is KeyState.UNSAFE and "symbolic link" in check.detail


def test_a_key_readable_by_others_still_matches_but_says_how_to_fix_it(services):
    order = issue(services)
    os.chmod(order.key.path, 0o644)
    check = check_stored_key(order)
    assert check.state is KeyState.LOOSE_MODE and check.usable
    assert check.summary == "key matches, 0644"
    assert f"chmod 600 {order.key.path}" in check.detail


def test_a_key_file_that_is_not_a_key_is_unreadable(services):
    order = issue(services)
    os.unlink(order.key.path)
    Path(order.key.path).write_text("not a key\n")
    os.chmod(order.key.path, 0o600)
    check = check_stored_key(order)
    assert check.state is KeyState.UNREADABLE and not check.usable


def test_an_encrypted_key_is_compared_by_record_only_and_says_so(services):
    order = issue(services, encrypt_key=True, passphrase=PASSPHRASE)
    check = check_stored_key(order)
    assert check.state is KeyState.RECORD_MATCHES and check.encrypted and check.usable
    assert "without its passphrase only the public key recorded" in check.detail


def test_an_encrypted_key_is_opened_with_its_passphrase_and_a_wrong_one_is_not_echoed(services):
    order = issue(services, encrypt_key=True, passphrase=PASSPHRASE)
    assert check_stored_key(order, passphrase=PASSPHRASE).state is KeyState.MATCHES
    wrong = b"wrong horse 99"
    check = check_stored_key(order, passphrase=wrong)
    assert check.state is KeyState.WRONG_PASSPHRASE and not check.usable
    assert wrong.decode() not in check.detail + check.summary


def test_an_encrypted_key_replaced_by_another_is_caught_once_the_passphrase_is_given(services):
    order = issue(services, encrypt_key=True, passphrase=PASSPHRASE)
    path = Path(order.key.path)
    other = ec.generate_private_key(ec.SECP256R1())
    os.unlink(path)
    path.write_bytes(other.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                         serialization.BestAvailableEncryption(PASSPHRASE)))
    os.chmod(path, 0o600)
    assert check_stored_key(order).state is KeyState.RECORD_MATCHES
    assert check_stored_key(order, passphrase=PASSPHRASE).state is KeyState.MISMATCH


def test_a_manual_csr_order_has_no_key_and_the_view_says_so(services):
    pem = manual_csr(["www.example.org"])[1]
    order = issue(services, "www.example.org", csr_mode=CsrMode.MANUAL.value, csr_pem=pem)
    summary = summarize_issued(order, certificate_of(order).not_valid_before_utc)
    assert summary.key.state is KeyState.NO_KEY and summary.key.summary == "no key: manual CSR"
    assert "no key to export" in summary.key.detail
    assert "public key in the CSR you gave" in summary.key.detail
    assert summary.chain_problems is None          # no root given: not checked
    assert summary.usable


def test_validity_is_phrased_from_the_given_now(services):
    order = issue(services)
    cert = certificate_of(order)
    start, end = cert.not_valid_before_utc, cert.not_valid_after_utc

    def phrase(now):
        return validity_phrase(summarize_issued(order, now).facts, now)

    assert phrase(start - timedelta(hours=1)) == "not valid yet"
    assert phrase(end - timedelta(days=3, hours=1)) == "3 days left"
    assert phrase(end - timedelta(hours=1)) == "expires today"
    assert phrase(end + timedelta(days=1, hours=1)) == "expired 1 day ago"
    root = services.authorities.get("sandbox").trust_anchor_pem()
    expired = summarize_issued(order, end + timedelta(days=2), root_pem=root)
    assert expired.chain_problems and "expired" in expired.chain_problems[0]
    assert not expired.usable


def test_only_orders_with_certificates_are_listed_soonest_expiry_first(services):
    from certwizard.ca.sandbox import ReviewSpeed, SandboxAuthority
    from certwizard.services import Services
    from certwizard.services.workflow import Workflow

    # The CA/B Forum limit drops to 100 days on 2027-03-15: a CA whose clock says April grants less.
    april = [datetime(2027, 4, 1, tzinfo=UTC)]
    sandbox = SandboxAuthority(services.layout.ca_dir, speed=ReviewSpeed.INSTANT, now=lambda: april[0])
    workflow = Workflow(services.repository, services.layout, lambda name: sandbox, now=lambda: april[0])
    clocked = Services(services.layout, services.repository, services.authorities, workflow)
    longer = issue(services, "longer.example.com")
    shorter = issue(clocked, "shorter.example.com")
    services.workflow.add_purchased("dv-single")         # never issued: not listed
    assert certificate_of(shorter).not_valid_after_utc < certificate_of(longer).not_valid_after_utc
    listed = issued_orders(services.workflow.orders())
    assert [order.id for order in listed] == [shorter.id, longer.id]


def test_a_damaged_certificate_is_reported_not_raised(services):
    order = issue(services)
    damaged = order.model_copy(update={"certificate": order.certificate.model_copy(
        update={"certificate_pem": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"})})
    summary = summarize_issued(damaged, certificate_of(order).not_valid_before_utc)
    assert summary.facts is None and summary.certificate_problem and not summary.usable

"""Certificate facts, key matching and chain verification, on certificates issued by a real sandbox CA."""

from __future__ import annotations

import hashlib
import json
import subprocess
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from certwizard.ca.sandbox_pki import SandboxPKI
from certwizard.crypto.certinfo import (
    CertificateError,
    describe_certificate,
    key_matches_certificate,
    load_certificate,
    spki_sha256,
    verify_chain,
)


def make_csr(key) -> bytes:
    return (x509.CertificateSigningRequestBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ignored.example.net")]))
            .sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM))


def pem_of(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


@pytest.fixture(scope="module")
def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def ec_key():
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> SandboxPKI:
    return SandboxPKI(tmp_path_factory.mktemp("ca") / "sandbox-ca").ensure()


@pytest.fixture(scope="module")
def other_pki(tmp_path_factory) -> SandboxPKI:
    return SandboxPKI(tmp_path_factory.mktemp("other") / "sandbox-ca").ensure()


@pytest.fixture(scope="module")
def rsa_bundle(pki, rsa_key):
    return pki.issue(make_csr(rsa_key), ["www.example.com", "example.com", "192.0.2.10"], 90)


@pytest.fixture(scope="module")
def wildcard_bundle(pki, ec_key):
    return pki.issue(make_csr(ec_key), ["*.example.com", "2001:db8::7"], 90)


# --- describe_certificate -----------------------------------------------------------------------------------

def test_facts_of_an_issued_certificate(pki, rsa_bundle):
    now = rsa_bundle.not_before + timedelta(days=10)
    facts = describe_certificate(rsa_bundle.certificate_pem, now=now)

    assert facts.subject == "CN=www.example.com"
    assert facts.issuer == pki.intermediate_certificate.subject.rfc4514_string()
    assert facts.serial_hex == rsa_bundle.serial_hex
    assert facts.not_before == rsa_bundle.not_before
    assert facts.not_after == rsa_bundle.not_after
    assert facts.days_left == 79  # 90 days minus the second the validity ends early, 10 days in
    assert facts.dns_names == ("www.example.com", "example.com")
    assert facts.ip_addresses == ("192.0.2.10",)
    assert facts.key_description == "RSA 2048"
    assert facts.is_ca is False


def test_days_left_goes_negative_after_expiry(rsa_bundle):
    facts = describe_certificate(rsa_bundle.certificate_pem, now=rsa_bundle.not_after + timedelta(days=3))
    assert facts.days_left == -3


@pytest.mark.parametrize("curve, label", [(ec.SECP256R1(), "ECDSA P-256"), (ec.SECP384R1(), "ECDSA P-384")])
def test_key_description_of_ecdsa_certificates(pki, curve, label):
    bundle = pki.issue(make_csr(ec.generate_private_key(curve)), ["www.example.com"], 30)
    assert describe_certificate(bundle.certificate_pem).key_description == label


def test_ca_certificates_are_marked_as_such(pki):
    root = describe_certificate(pem_of(pki.root_certificate))
    assert root.is_ca and root.key_description == "ECDSA P-384"
    assert describe_certificate(pki.intermediate_certificate).is_ca


def openssl_fingerprint(pem: str, digest: str) -> str:
    out = subprocess.run(["openssl", "x509", "-noout", "-fingerprint", f"-{digest}"], input=pem,
                         capture_output=True, text=True, timeout=30, check=True).stdout
    return out.strip().split("=", 1)[1]


def test_fingerprints_match_openssl(rsa_bundle):
    facts = describe_certificate(rsa_bundle.certificate_pem)
    assert facts.sha256_fingerprint == openssl_fingerprint(rsa_bundle.certificate_pem, "sha256")
    assert facts.sha1_fingerprint == openssl_fingerprint(rsa_bundle.certificate_pem, "sha1")


def test_spki_hash_is_the_same_for_the_key_and_the_certificate(rsa_key, rsa_bundle):
    der = rsa_key.public_key().public_bytes(serialization.Encoding.DER,
                                            serialization.PublicFormat.SubjectPublicKeyInfo)
    expected = hashlib.sha256(der).hexdigest()

    assert describe_certificate(rsa_bundle.certificate_pem).spki_sha256 == expected
    assert spki_sha256(rsa_key.public_key()) == expected


def test_to_dict_is_json_ready(rsa_bundle):
    data = describe_certificate(rsa_bundle.certificate_pem).to_dict()

    decoded = json.loads(json.dumps(data))
    assert decoded["dns_names"] == ["www.example.com", "example.com"]
    assert decoded["not_after"] == rsa_bundle.not_after.isoformat()
    assert set(decoded) == {"subject", "issuer", "serial_hex", "not_before", "not_after", "days_left",
                            "dns_names", "ip_addresses", "key_description", "sha256_fingerprint",
                            "sha1_fingerprint", "spki_sha256", "is_ca"}


def test_control_characters_from_a_certificate_are_shown_as_escapes(ec_key):
    hostile = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "evil\x1b]0;owned\x07")])
    now = datetime.now(UTC)
    hostile_san = x509.SubjectAlternativeName([x509.DNSName("a\x1b[2J.example.com")])
    cert = (x509.CertificateBuilder().subject_name(hostile).issuer_name(hostile)
            .public_key(ec_key.public_key()).serial_number(1)
            .not_valid_before(now).not_valid_after(now + timedelta(days=1))
            .add_extension(hostile_san, critical=False).sign(ec_key, hashes.SHA256()))

    facts = describe_certificate(pem_of(cert))

    assert "\x1b" not in facts.subject and "\x07" not in facts.subject
    assert facts.subject == "CN=evil\\x1b]0\\;owned\\x07"  # RFC 4514 escapes the ";" itself
    assert facts.dns_names == ("a\\x1b[2J.example.com",)


def test_the_first_certificate_of_a_fullchain_is_not_silently_taken(rsa_bundle):
    with pytest.raises(CertificateError, match="holds 2 certificates; give exactly one"):
        describe_certificate(rsa_bundle.certificate_pem + rsa_bundle.chain_pem)


def test_a_private_key_is_refused_without_echoing_it(rsa_key):
    key_pem = rsa_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()).decode()
    with pytest.raises(CertificateError) as caught:
        load_certificate(key_pem)
    assert "no -----BEGIN CERTIFICATE----- block" in str(caught.value)
    assert key_pem.splitlines()[1] not in str(caught.value)


def test_a_damaged_certificate_is_refused(rsa_bundle):
    lines = rsa_bundle.certificate_pem.splitlines()
    damaged = "\n".join(lines[:3] + lines[5:])
    with pytest.raises(CertificateError, match="damaged certificate"):
        describe_certificate(damaged)


# --- key_matches_certificate --------------------------------------------------------------------------------

def test_key_matches_only_its_own_certificate(rsa_key, ec_key, rsa_bundle, wildcard_bundle):
    assert key_matches_certificate(rsa_key, rsa_bundle.certificate_pem)
    assert key_matches_certificate(ec_key, load_certificate(wildcard_bundle.certificate_pem))
    assert not key_matches_certificate(ec_key, rsa_bundle.certificate_pem)
    assert not key_matches_certificate(rsa.generate_private_key(public_exponent=65537, key_size=2048),
                                       rsa_bundle.certificate_pem)


# --- verify_chain -------------------------------------------------------------------------------------------

def test_a_good_chain_has_no_problems(rsa_bundle):
    problems = verify_chain(rsa_bundle.certificate_pem, rsa_bundle.chain_pem, rsa_bundle.root_pem,
                            ["www.example.com", "example.com", "192.0.2.10"], now=datetime.now(UTC))
    assert problems == []


def test_wildcard_and_ipv6_names_verify(wildcard_bundle):
    problems = verify_chain(wildcard_bundle.certificate_pem, wildcard_bundle.chain_pem,
                            wildcard_bundle.root_pem, ["*.example.com", "shop.example.com", "2001:db8::7"])
    assert problems == []


@pytest.mark.parametrize("domain", ["example.com", "a.b.example.com", "example.org"])
def test_a_wildcard_does_not_cover_other_levels(wildcard_bundle, domain):
    problems = verify_chain(wildcard_bundle.certificate_pem, wildcard_bundle.chain_pem,
                            wildcard_bundle.root_pem, [domain])
    assert len(problems) == 1
    assert f"does not cover {domain}; it covers *.example.com, 2001:db8::7" in problems[0]


def test_a_wrong_domain_is_a_problem_and_the_others_still_pass(rsa_bundle):
    problems = verify_chain(rsa_bundle.certificate_pem, rsa_bundle.chain_pem, rsa_bundle.root_pem,
                            ["www.example.com", "shop.example.com", "192.0.2.99"])
    assert len(problems) == 2
    assert "does not cover shop.example.com" in problems[0]
    assert "does not cover 192.0.2.99" in problems[1]


def test_a_different_root_is_reported(rsa_bundle, other_pki):
    problems = verify_chain(rsa_bundle.certificate_pem, rsa_bundle.chain_pem,
                            pem_of(other_pki.root_certificate), ["www.example.com", "example.com"])
    assert len(problems) == 1
    assert problems[0].startswith("the chain does not verify for www.example.com, example.com:")


def test_a_missing_intermediate_is_reported(rsa_bundle):
    problems = verify_chain(rsa_bundle.certificate_pem, "", rsa_bundle.root_pem, ["www.example.com"])
    assert len(problems) == 1 and "the chain does not verify" in problems[0]


def test_an_expired_certificate_is_reported_plainly(rsa_bundle):
    later = rsa_bundle.not_after + timedelta(days=1)
    problems = verify_chain(rsa_bundle.certificate_pem, rsa_bundle.chain_pem, rsa_bundle.root_pem,
                            ["www.example.com"], now=later)
    assert problems == [f"the certificate expired at {rsa_bundle.not_after:%Y-%m-%d %H:%M} UTC; "
                        "renew it and install the new certificate"]


def test_a_certificate_not_valid_yet_is_reported(rsa_bundle):
    earlier = rsa_bundle.not_before - timedelta(hours=1)
    problems = verify_chain(rsa_bundle.certificate_pem, rsa_bundle.chain_pem, rsa_bundle.root_pem,
                            ["www.example.com"], now=earlier)
    assert len(problems) == 1 and "not valid yet" in problems[0] and "clock" in problems[0]


@pytest.mark.parametrize("field", ["cert", "chain", "root"])
def test_unreadable_input_is_a_problem_not_a_crash(rsa_bundle, field):
    parts = {"cert": rsa_bundle.certificate_pem, "chain": rsa_bundle.chain_pem, "root": rsa_bundle.root_pem}
    parts[field] = "hello"
    problems = verify_chain(parts["cert"], parts["chain"], parts["root"], ["www.example.com"])
    assert len(problems) == 1 and "no -----BEGIN CERTIFICATE----- block" in problems[0]


def test_no_domains_is_a_problem(rsa_bundle):
    assert verify_chain(rsa_bundle.certificate_pem, rsa_bundle.chain_pem, rsa_bundle.root_pem, []) == [
        "no domains were given to check; give the domains the certificate should serve"]


def test_a_naive_now_is_refused(rsa_bundle):
    with pytest.raises(ValueError, match="time zone"):
        verify_chain(rsa_bundle.certificate_pem, rsa_bundle.chain_pem, rsa_bundle.root_pem,
                     ["www.example.com"], now=datetime(2030, 1, 1))

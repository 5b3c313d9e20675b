"""The sandbox CA: real keys and certificates on disk, checked with cryptography and the openssl command."""

from __future__ import annotations

import ipaddress
import os
import shutil
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, ExtensionOID, NameOID
from cryptography.x509.verification import DNSName, IPAddress, PolicyBuilder, Store, VerificationError

from certwizard.ca.sandbox_pki import (
    INTERMEDIATE_COMMON_NAME,
    ROOT_COMMON_NAME,
    SANDBOX_ORGANIZATION,
    IssuanceError,
    SandboxCAError,
    SandboxPKI,
    SubjectOrganization,
)
from tests.factories import mode_of

DOMAINS = ["www.example.com", "example.com"]


def make_csr(key, common_name: str = "requested.example.net", extensions=()) -> bytes:
    builder = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    algorithm = None if isinstance(key, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    return builder.sign(key, algorithm).public_bytes(serialization.Encoding.PEM)


def load_pem(pem: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate(pem.encode())


def spki(key) -> bytes:
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> SandboxPKI:
    return SandboxPKI(tmp_path_factory.mktemp("data") / "sandbox-ca").ensure()




# --- creation and files -------------------------------------------------------------------------------------

def test_creation_under_umask_zero_gives_private_folders_and_keys(tmp_path, umask_zero):
    pki = SandboxPKI(tmp_path / "data" / "sandbox-ca").ensure()

    assert mode_of(pki.ca_dir) == 0o700
    assert mode_of(pki.pki_dir) == 0o700
    assert mode_of(pki.pki_dir / "root-ca.key") == 0o600
    assert mode_of(pki.pki_dir / "intermediate-ca.key") == 0o600
    assert mode_of(pki.root_pem_path) == 0o644
    assert mode_of(pki.crl_path) == 0o644 and mode_of(pki.ca_issuers_path) == 0o644
    assert sorted(p.name for p in pki.pki_dir.iterdir()) == [
        "intermediate-ca.cer", "intermediate-ca.crl", "intermediate-ca.key", "intermediate-ca.pem",
        "root-ca.key", "root-ca.pem"]
    lock = pki.ca_dir / ".create.lock"
    assert not lock.exists() or mode_of(lock) & 0o077 == 0


def test_root_pem_path_holds_the_root_certificate(pki):
    on_disk = x509.load_pem_x509_certificate(pki.root_pem_path.read_bytes())
    assert on_disk == pki.root_certificate


def test_root_certificate_profile(pki):
    root = pki.root_certificate
    root_key = serialization.load_pem_private_key((pki.pki_dir / "root-ca.key").read_bytes(), None)

    assert root.subject == root.issuer
    root.verify_directly_issued_by(root)
    assert root.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == SANDBOX_ORGANIZATION
    assert root.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value.startswith(ROOT_COMMON_NAME)
    assert isinstance(root.public_key(), ec.EllipticCurvePublicKey)
    assert root.public_key().curve.name == "secp384r1"
    assert isinstance(root.signature_hash_algorithm, hashes.SHA384)
    constraints = root.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical and constraints.value.ca and constraints.value.path_length == 1
    usage = root.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.key_cert_sign and usage.value.crl_sign
    assert not usage.value.digital_signature and not usage.value.key_encipherment
    ski = root.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert ski == x509.SubjectKeyIdentifier.from_public_key(root_key.public_key())
    lifetime = root.not_valid_after_utc - root.not_valid_before_utc
    assert timedelta(days=3650) <= lifetime <= timedelta(days=3653)


def test_intermediate_certificate_profile(pki):
    root, intermediate = pki.root_certificate, pki.intermediate_certificate

    intermediate.verify_directly_issued_by(root)
    assert intermediate.issuer == root.subject
    assert intermediate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value.startswith(
        INTERMEDIATE_COMMON_NAME)
    constraints = intermediate.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical and constraints.value.ca and constraints.value.path_length == 0
    usage = intermediate.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.key_cert_sign and usage.value.crl_sign
    aki = intermediate.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    root_ski = root.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert aki.key_identifier == root_ski.digest
    assert intermediate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    lifetime = intermediate.not_valid_after_utc - intermediate.not_valid_before_utc
    assert timedelta(days=1825) <= lifetime <= timedelta(days=1827)


def test_loading_again_gives_the_same_authority(pki):
    again = SandboxPKI(pki.ca_dir).ensure()
    assert again.root_certificate == pki.root_certificate
    assert again.intermediate_certificate == pki.intermediate_certificate


def test_issue_creates_the_ca_on_first_use(tmp_path, ec_key):
    pki = SandboxPKI(tmp_path / "sandbox-ca")
    bundle = pki.issue(make_csr(ec_key), DOMAINS, 90)
    assert load_pem(bundle.root_pem) == x509.load_pem_x509_certificate(pki.root_pem_path.read_bytes())


def test_abandoned_staging_folder_is_cleaned_up_but_neighbours_temp_files_are_not(tmp_path):
    ca_dir = tmp_path / "sandbox-ca"
    staging = ca_dir / ".tmp-pki-deadbeef0000"
    staging.mkdir(parents=True)
    (staging / "root-ca.key").write_text("left by a process that died")
    neighbour = ca_dir / ".tmp-1234-ledger.json"  # e.g. another module's atomic_replace in flight
    neighbour.write_text("{}")

    SandboxPKI(ca_dir).ensure()

    assert not staging.exists()
    assert neighbour.read_text() == "{}"


# --- issuing ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("key_name", ["rsa_key", "ec_key"])
def test_issued_certificate_has_exactly_the_server_profile(pki, key_name, request):
    key = request.getfixturevalue(key_name)
    before = datetime.now(UTC)
    bundle = pki.issue(make_csr(key), DOMAINS, 90)
    cert = load_pem(bundle.certificate_pem)

    assert cert.subject == x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "www.example.com")])
    assert cert.issuer == pki.intermediate_certificate.subject
    assert spki(cert.public_key()) == spki(key.public_key())
    assert isinstance(cert.signature_hash_algorithm, hashes.SHA384)
    present = {ext.oid: ext.critical for ext in cert.extensions}
    assert present == {
        ExtensionOID.BASIC_CONSTRAINTS: True,
        ExtensionOID.KEY_USAGE: True,
        ExtensionOID.EXTENDED_KEY_USAGE: False,
        ExtensionOID.SUBJECT_ALTERNATIVE_NAME: False,
        ExtensionOID.SUBJECT_KEY_IDENTIFIER: False,
        ExtensionOID.AUTHORITY_KEY_IDENTIFIER: False,
        ExtensionOID.CERTIFICATE_POLICIES: False,
        ExtensionOID.AUTHORITY_INFORMATION_ACCESS: False,
        ExtensionOID.CRL_DISTRIBUTION_POINTS: False,
    }
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value == x509.BasicConstraints(
        ca=False, path_length=None)
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature
    assert usage.key_encipherment is isinstance(key, rsa.RSAPrivateKey)
    assert not (usage.key_cert_sign or usage.crl_sign or usage.content_commitment or usage.data_encipherment
                or usage.key_agreement)
    assert list(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value) == [
        ExtendedKeyUsageOID.SERVER_AUTH]
    assert cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(
        x509.DNSName) == DOMAINS
    assert cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value == \
        x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    intermediate_ski = pki.intermediate_certificate.extensions.get_extension_for_class(
        x509.SubjectKeyIdentifier).value
    assert cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier == \
        intermediate_ski.digest
    # Clock-skew allowance: starts about a minute before issuance.
    assert before - timedelta(minutes=2) < cert.not_valid_before_utc <= before - timedelta(seconds=59)
    assert cert.not_valid_after_utc - cert.not_valid_before_utc == timedelta(days=90) - timedelta(seconds=1)
    assert bundle.not_before == cert.not_valid_before_utc and bundle.not_after == cert.not_valid_after_utc


# --- policies, caIssuers and the CRL (Baseline Requirements 7.1.2.7) -----------------------------------

def _policies(cert: x509.Certificate) -> list[str]:
    value = cert.extensions.get_extension_for_class(x509.CertificatePolicies).value
    return [policy.policy_identifier.dotted_string for policy in value]


ORGANIZATION = SubjectOrganization(name="Example Networks Ltd", country="CN", state="Zhejiang Sheng",
                                   locality="Hangzhou")


@pytest.mark.parametrize("level, organization, oid", [
    ("DV", None, "2.23.140.1.2.1"), ("OV", ORGANIZATION, "2.23.140.1.2.2"),
    ("EV", ORGANIZATION, "2.23.140.1.1"), (None, None, "2.23.140.1.2.1"),
    (None, ORGANIZATION, "2.23.140.1.2.2")])
def test_the_policy_oid_is_the_ca_browser_forum_one_of_the_level(pki, ec_key, level, organization, oid):
    cert = load_pem(pki.issue(make_csr(ec_key), DOMAINS, 30, organization=organization, level=level)
                    .certificate_pem)
    assert _policies(cert) == [oid]


def test_an_ov_or_ev_level_needs_the_organization_and_an_unknown_level_is_refused(pki, ec_key):
    with pytest.raises(IssuanceError, match="organization"):
        pki.issue(make_csr(ec_key), DOMAINS, 30, level="EV")
    with pytest.raises(IssuanceError, match="DV, OV or EV"):
        pki.issue(make_csr(ec_key), DOMAINS, 30, level="QV")


def _uri_path(uri: str) -> Path:
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(uri)
    assert parts.scheme == "file" and parts.netloc == ""
    return Path(unquote(parts.path))


def test_ca_issuers_names_the_published_intermediate_in_der(pki, ec_key):
    cert = load_pem(pki.issue(make_csr(ec_key), DOMAINS, 30).certificate_pem)
    access = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    (description,) = access
    assert description.access_method == x509.oid.AuthorityInformationAccessOID.CA_ISSUERS
    published = _uri_path(description.access_location.value)
    assert published == pki.ca_issuers_path.absolute()
    assert x509.load_der_x509_certificate(published.read_bytes()) == pki.intermediate_certificate


def test_the_crl_distribution_point_names_a_crl_signed_by_the_intermediate(pki, ec_key):
    cert = load_pem(pki.issue(make_csr(ec_key), DOMAINS, 30).certificate_pem)
    (point,) = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    (name,) = point.full_name
    published = _uri_path(name.value)
    assert published == pki.crl_path.absolute()
    crl = x509.load_der_x509_crl(published.read_bytes())        # DER, as RFC 5280 4.2.1.13 asks
    intermediate = pki.intermediate_certificate
    assert crl.issuer == intermediate.subject and crl.is_signature_valid(intermediate.public_key())
    assert timedelta(days=6) < crl.next_update_utc - datetime.now(UTC) <= timedelta(days=10)   # BR 4.9.7
    assert crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number >= 1
    assert crl.get_revoked_certificate_by_serial_number(cert.serial_number) is None


def _openssl_crl_check(tmp_path: Path, pki: SandboxPKI, bundle) -> subprocess.CompletedProcess:
    crl_pem = tmp_path / "crl.pem"
    converted = subprocess.run(
        ["openssl", "crl", "-inform", "DER", "-in", str(pki.crl_path), "-out", str(crl_pem)],
        capture_output=True, text=True, timeout=30)
    assert converted.returncode == 0, converted.stderr
    return openssl_verify(tmp_path, pki, bundle, "-crl_check", "-CRLfile", str(crl_pem))


def test_openssl_checks_the_leaf_against_the_crl_and_sees_a_revocation(tmp_path, ec_key):
    pki = SandboxPKI(tmp_path / "sandbox-ca").ensure()
    bundle = pki.issue(make_csr(ec_key), DOMAINS, 30)
    other = pki.issue(make_csr(ec_key), DOMAINS, 30)
    checked = _openssl_crl_check(tmp_path, pki, bundle)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.strip().endswith(": OK")

    number = x509.load_der_x509_crl(pki.crl_path.read_bytes()).extensions.get_extension_for_class(
        x509.CRLNumber).value.crl_number
    pki.publish_crl([(bundle.serial_hex, datetime.now(UTC))])
    revoked = _openssl_crl_check(tmp_path, pki, bundle)
    assert revoked.returncode != 0 and "revoked" in (revoked.stdout + revoked.stderr).lower()
    assert _openssl_crl_check(tmp_path, pki, other).returncode == 0
    crl = x509.load_der_x509_crl(pki.crl_path.read_bytes())
    assert crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == number + 1


def test_a_crl_past_half_its_life_is_signed_again_keeping_its_entries(tmp_path, ec_key):
    pki = SandboxPKI(tmp_path / "sandbox-ca").ensure()
    serial = load_pem(pki.issue(make_csr(ec_key), DOMAINS, 30).certificate_pem).serial_number
    long_ago = datetime.now(UTC) - timedelta(days=5)
    pki.publish_crl([(serial, long_ago)], now=long_ago)       # 2 days left: past half of its 7
    SandboxPKI(pki.ca_dir).ensure()
    crl = x509.load_der_x509_crl(pki.crl_path.read_bytes())
    assert crl.next_update_utc - datetime.now(UTC) > timedelta(days=6)
    assert crl.get_revoked_certificate_by_serial_number(serial) is not None
    unchanged = pki.crl_path.read_bytes()
    SandboxPKI(pki.ca_dir).ensure()                          # still fresh: not signed again
    assert pki.crl_path.read_bytes() == unchanged


def test_a_ca_made_before_the_crl_existed_publishes_it_on_load(tmp_path, ec_key):
    pki = SandboxPKI(tmp_path / "sandbox-ca").ensure()
    pki.crl_path.unlink()
    pki.ca_issuers_path.unlink()
    again = SandboxPKI(pki.ca_dir).ensure()
    assert x509.load_der_x509_crl(again.crl_path.read_bytes()).is_signature_valid(
        again.intermediate_certificate.public_key())
    published = x509.load_der_x509_certificate(again.ca_issuers_path.read_bytes())
    assert published == again.intermediate_certificate
    assert mode_of(again.crl_path) == 0o644


def test_a_damaged_or_foreign_crl_is_refused_rather_than_emptied(tmp_path):
    mine, other = SandboxPKI(tmp_path / "a").ensure(), SandboxPKI(tmp_path / "b").ensure()
    replace_file(mine.crl_path, other.crl_path)
    with pytest.raises(SandboxCAError, match="intermediate-ca.crl is not a CRL signed by"):
        SandboxPKI(mine.ca_dir).ensure()
    mine.crl_path.write_bytes(b"garbage")
    with pytest.raises(SandboxCAError, match="intermediate-ca.crl"):
        SandboxPKI(mine.ca_dir).ensure()
    assert mine.crl_path.read_bytes() == b"garbage"


def test_bundle_holds_chain_root_and_serial(pki, ec_key):
    bundle = pki.issue(make_csr(ec_key), DOMAINS, 30)
    cert = load_pem(bundle.certificate_pem)

    assert load_pem(bundle.chain_pem) == pki.intermediate_certificate
    assert len(x509.load_pem_x509_certificates(bundle.chain_pem.encode())) == 1
    assert load_pem(bundle.root_pem) == pki.root_certificate
    assert int(bundle.serial_hex, 16) == cert.serial_number
    assert cert.serial_number > 0
    assert len(bundle.serial_hex) == 32  # 16 bytes, so the DER INTEGER is 16 bytes with no sign padding
    assert int(bundle.serial_hex[0], 16) >= 4


def test_serials_differ_between_certificates(pki, ec_key):
    serials = {pki.issue(make_csr(ec_key), DOMAINS, 30).serial_hex for _ in range(5)}
    assert len(serials) == 5


def test_multiple_names_and_ip_addresses_become_exactly_those_sans(pki, ec_key):
    domains = ["shop.example.com", "*.example.org", "203.0.113.9", "2001:db8::1"]
    cert = load_pem(pki.issue(make_csr(ec_key), domains, 30).certificate_pem)

    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert list(san) == [x509.DNSName("shop.example.com"), x509.DNSName("*.example.org"),
                         x509.IPAddress(ipaddress.ip_address("203.0.113.9")),
                         x509.IPAddress(ipaddress.ip_address("2001:db8::1"))]


def test_names_and_extensions_requested_in_the_csr_are_ignored(pki, ec_key):
    csr = make_csr(ec_key, common_name="evil.example.net", extensions=[
        (x509.SubjectAlternativeName([x509.DNSName("evil.example.net")]), False),
        (x509.BasicConstraints(ca=True, path_length=None), True),
    ])
    cert = load_pem(pki.issue(csr, ["www.example.com"], 30).certificate_pem)

    assert cert.subject.rfc4514_string() == "CN=www.example.com"
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["www.example.com"]
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False


def test_a_first_domain_longer_than_64_characters_stays_out_of_the_subject(pki, ec_key):
    long_name = ("a" * 60) + ".example.com"
    cert = load_pem(pki.issue(make_csr(ec_key), [long_name, "example.com"], 30).certificate_pem)

    assert len(cert.subject) == 0
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    assert san.critical  # RFC 5280: an empty subject makes the SAN extension critical
    assert san.value.get_values_for_type(x509.DNSName) == [long_name, "example.com"]


def test_organization_goes_into_the_subject_for_ov(pki, ec_key):
    organization = SubjectOrganization(name="Example Trading Co., Ltd.", country="CN", state="Zhejiang",
                                       locality="Hangzhou")
    cert = load_pem(pki.issue(make_csr(ec_key), DOMAINS, 30, organization=organization).certificate_pem)

    assert cert.subject == x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
        x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, "Zhejiang"),
        x509.NameAttribute(NameOID.LOCALITY_NAME, "Hangzhou"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Example Trading Co., Ltd."),
        x509.NameAttribute(NameOID.COMMON_NAME, "www.example.com"),
    ])


def test_organization_may_be_given_as_a_stored_mapping(pki, ec_key):
    stored = {"organization": "Example Networks Ltd", "locality": "Hangzhou", "state": "Zhejiang",
              "country": "CN"}
    cert = load_pem(pki.issue(make_csr(ec_key), DOMAINS, 30, organization=stored).certificate_pem)

    assert cert.subject.rfc4514_string() == \
        "CN=www.example.com,O=Example Networks Ltd,L=Hangzhou,ST=Zhejiang,C=CN"


def test_explicit_not_before_is_used_as_given(pki, ec_key):
    start = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    bundle = pki.issue(make_csr(ec_key), DOMAINS, 10, not_before=start)
    assert bundle.not_before == start
    assert bundle.not_after == start + timedelta(days=10, seconds=-1)


def test_certificate_never_outlives_the_intermediate(pki, ec_key):
    late_start = pki.intermediate_certificate.not_valid_after_utc - timedelta(days=5)
    bundle = pki.issue(make_csr(ec_key), DOMAINS, 90, not_before=late_start)
    assert bundle.not_after == pki.intermediate_certificate.not_valid_after_utc


def tampered_signature_csr(key) -> bytes:
    der = bytearray(x509.load_pem_x509_csr(make_csr(key)).public_bytes(serialization.Encoding.DER))
    der[-1] ^= 0x01  # the last byte belongs to the RSA signature value
    return x509.load_der_x509_csr(bytes(der)).public_bytes(serialization.Encoding.PEM)


def test_refuses_a_csr_whose_signature_does_not_verify(pki, rsa_key):
    with pytest.raises(IssuanceError, match="signature does not verify"):
        pki.issue(tampered_signature_csr(rsa_key), DOMAINS, 30)


def test_refuses_a_sha1_csr_by_name_not_as_a_bad_signature(pki, rsa_key, tmp_path):
    key_file = tmp_path / "key.pem"
    key_file.write_bytes(rsa_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
    made = subprocess.run(["openssl", "req", "-new", "-sha1", "-key", str(key_file),
                           "-subj", "/CN=www.example.com"], capture_output=True, timeout=30, check=True)

    with pytest.raises(IssuanceError, match="signed with SHA1; sign it with SHA-256"):
        pki.issue(made.stdout, DOMAINS, 30)


@pytest.mark.parametrize(("key_factory", "message"), [
    (lambda: rsa.generate_private_key(public_exponent=65537, key_size=1024), "1024 bits; use at least 2048"),
    (ed25519.Ed25519PrivateKey.generate, "key type is not accepted"),
    (lambda: ec.generate_private_key(ec.SECP256K1()), "key type is not accepted"),
])
def test_refuses_keys_a_server_certificate_may_not_have(pki, key_factory, message):
    with pytest.raises(IssuanceError, match=message):
        pki.issue(make_csr(key_factory()), DOMAINS, 30)


@pytest.mark.parametrize(("csr", "message"), [
    (b"", "exactly one PEM block"),
    (b"-----BEGIN CERTIFICATE REQUEST-----\nnot base64\n-----END CERTIFICATE REQUEST-----\n",
     "cannot be read"),
    (b"x" * 20_000, "a few KB"),
])
def test_refuses_text_that_is_not_one_csr(pki, csr, message):
    with pytest.raises(IssuanceError, match=message):
        pki.issue(csr, DOMAINS, 30)


def test_refuses_two_csrs_pasted_together(pki, ec_key):
    with pytest.raises(IssuanceError, match="exactly one PEM block"):
        pki.issue(make_csr(ec_key) + make_csr(ec_key), DOMAINS, 30)


@pytest.mark.parametrize(("domains", "message"), [
    ([], "no domains"),
    (["www.example.com", "WWW.example.com"], "listed twice"),
    (["exa mple.com"], "not a domain name"),
    (["example.com."], "not a domain name"),
    (["bücher.example"], "not a domain name"),
    (["fe80::1%eth0"], "not a domain name"),
    (["www.\x1b[31mexample.com"], r"\\x1b"),
])
def test_refuses_domains_it_cannot_sign(pki, ec_key, domains, message):
    with pytest.raises(IssuanceError, match=message):
        pki.issue(make_csr(ec_key), domains, 30)


@pytest.mark.parametrize("days", [0, -1, 399, True])
def test_refuses_impossible_validity(pki, ec_key, days):
    with pytest.raises(IssuanceError, match="give 1 to 398"):
        pki.issue(make_csr(ec_key), DOMAINS, days)


def test_refuses_naive_not_before(pki, ec_key):
    with pytest.raises(IssuanceError, match="time zone"):
        pki.issue(make_csr(ec_key), DOMAINS, 30, not_before=datetime(2030, 1, 1))


def test_refuses_an_organization_with_a_bad_country(pki, ec_key):
    with pytest.raises(IssuanceError, match="two-letter ISO 3166"):
        pki.issue(make_csr(ec_key), DOMAINS, 30, organization=SubjectOrganization(name="X", country="China"))


# --- verification -------------------------------------------------------------------------------------------

def verify_with_cryptography(pki: SandboxPKI, cert_pem: str, subject) -> None:
    verifier = (PolicyBuilder().store(Store([pki.root_certificate])).time(datetime.now(UTC))
                .build_server_verifier(subject))
    verifier.verify(load_pem(cert_pem), [pki.intermediate_certificate])


def openssl_verify(tmp_path: Path, pki: SandboxPKI, bundle, *extra: str) -> subprocess.CompletedProcess:
    leaf, chain = tmp_path / "leaf.pem", tmp_path / "chain.pem"
    leaf.write_text(bundle.certificate_pem)
    chain.write_text(bundle.chain_pem)
    return subprocess.run(
        ["openssl", "verify", "-x509_strict", "-purpose", "sslserver", *extra,
         "-CAfile", str(pki.root_pem_path), "-untrusted", str(chain), str(leaf)],
        capture_output=True, text=True, timeout=30)


@pytest.mark.parametrize("key_name", ["rsa_key", "ec_key"])
def test_chain_verifies_with_cryptography_and_openssl(pki, key_name, request, tmp_path):
    bundle = pki.issue(make_csr(request.getfixturevalue(key_name)), DOMAINS + ["192.0.2.10"], 90)

    verify_with_cryptography(pki, bundle.certificate_pem, DNSName("example.com"))
    verify_with_cryptography(pki, bundle.certificate_pem, IPAddress(ipaddress.ip_address("192.0.2.10")))
    result = openssl_verify(tmp_path, pki, bundle, "-verify_hostname", "www.example.com")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith(": OK")


def test_a_domain_not_in_the_certificate_fails_verification(pki, ec_key, tmp_path):
    bundle = pki.issue(make_csr(ec_key), DOMAINS, 90)

    with pytest.raises(VerificationError):
        verify_with_cryptography(pki, bundle.certificate_pem, DNSName("other.example.com"))
    result = openssl_verify(tmp_path, pki, bundle, "-verify_hostname", "other.example.com")
    assert result.returncode != 0
    assert "hostname mismatch" in (result.stdout + result.stderr).lower()


def test_another_sandbox_root_does_not_verify_this_chain(pki, ec_key, tmp_path):
    other = SandboxPKI(tmp_path / "other-ca").ensure()
    bundle = pki.issue(make_csr(ec_key), DOMAINS, 90)

    with pytest.raises(VerificationError):
        verify_with_cryptography(other, bundle.certificate_pem, DNSName("www.example.com"))


# --- damaged or tampered CA folders -------------------------------------------------------------------------

@pytest.fixture
def two_cas(tmp_path) -> tuple[SandboxPKI, SandboxPKI]:
    return SandboxPKI(tmp_path / "a").ensure(), SandboxPKI(tmp_path / "b").ensure()


def replace_file(target: Path, source: Path) -> None:
    mode = mode_of(target)
    target.unlink()
    shutil.copyfile(source, target)
    os.chmod(target, mode)


def test_replaced_intermediate_certificate_is_refused(two_cas):
    mine, other = two_cas
    replace_file(mine.intermediate_pem_path, other.intermediate_pem_path)

    with pytest.raises(SandboxCAError) as caught:
        SandboxPKI(mine.ca_dir).ensure()
    message = str(caught.value)
    assert "intermediate-ca.pem was not issued by root-ca.pem" in message
    assert "Move that folder somewhere else" in message


def test_replaced_intermediate_with_its_own_key_is_still_refused(two_cas):
    mine, other = two_cas
    replace_file(mine.intermediate_pem_path, other.intermediate_pem_path)
    replace_file(mine.pki_dir / "intermediate-ca.key", other.pki_dir / "intermediate-ca.key")

    with pytest.raises(SandboxCAError, match="was not issued by"):
        SandboxPKI(mine.ca_dir).ensure()


def test_a_key_that_does_not_match_its_certificate_is_refused(two_cas):
    mine, other = two_cas
    replace_file(mine.pki_dir / "intermediate-ca.key", other.pki_dir / "intermediate-ca.key")

    with pytest.raises(SandboxCAError, match="intermediate-ca.key does not belong to intermediate-ca.pem"):
        SandboxPKI(mine.ca_dir).ensure()


def test_a_replaced_root_is_refused(two_cas):
    mine, other = two_cas
    replace_file(mine.root_pem_path, other.root_pem_path)

    with pytest.raises(SandboxCAError, match="does not belong|not issued by"):
        SandboxPKI(mine.ca_dir).ensure()


def test_a_missing_file_is_reported_by_name(two_cas):
    mine, _ = two_cas
    (mine.pki_dir / "root-ca.key").unlink()

    with pytest.raises(SandboxCAError, match="root-ca.key is missing"):
        SandboxPKI(mine.ca_dir).ensure()


def test_a_key_readable_by_others_is_refused_with_the_fix(two_cas):
    mine, _ = two_cas
    key = mine.pki_dir / "intermediate-ca.key"
    os.chmod(key, 0o644)

    with pytest.raises(SandboxCAError, match="chmod 600"):
        SandboxPKI(mine.ca_dir).ensure()


def test_a_symlinked_key_is_refused(two_cas):
    mine, other = two_cas
    key = mine.pki_dir / "root-ca.key"
    key.unlink()
    key.symlink_to(other.pki_dir / "root-ca.key")

    with pytest.raises(SandboxCAError, match="root-ca.key cannot be read"):
        SandboxPKI(mine.ca_dir).ensure()


def test_a_pki_folder_replaced_by_a_symlink_is_refused(two_cas):
    mine, other = two_cas
    shutil.rmtree(mine.pki_dir)
    mine.pki_dir.symlink_to(other.pki_dir)

    with pytest.raises(SandboxCAError, match="not a real folder"):
        SandboxPKI(mine.ca_dir).ensure()


def test_error_messages_carry_no_key_material(two_cas):
    mine, other = two_cas
    replace_file(mine.pki_dir / "root-ca.key", other.pki_dir / "root-ca.key")

    with pytest.raises(SandboxCAError) as caught:
        SandboxPKI(mine.ca_dir).ensure()
    assert "PRIVATE KEY" not in str(caught.value)
    assert caught.value.__cause__ is None


# --- two processes at once ----------------------------------------------------------------------------------

RACER = textwrap.dedent("""
    import os, sys, time
    from pathlib import Path
    from cryptography.hazmat.primitives import hashes
    from certwizard.ca.sandbox_pki import SandboxPKI

    ca_dir, go = Path(sys.argv[1]), Path(sys.argv[2])
    deadline = time.monotonic() + 20
    while not go.exists() and time.monotonic() < deadline:   # start together, imports already done
        time.sleep(0.001)
    pki = SandboxPKI(ca_dir).ensure()
    print(pki.root_certificate.fingerprint(hashes.SHA256()).hex(),
          pki.intermediate_certificate.fingerprint(hashes.SHA256()).hex())
""")


@pytest.mark.slow
def test_processes_racing_on_first_use_end_up_with_one_ca(tmp_path):
    ca_dir, go = tmp_path / "sandbox-ca", tmp_path / "go"
    racers = [subprocess.Popen([sys.executable, "-c", RACER, str(ca_dir), str(go)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True) for _ in range(4)]
    go.touch()
    outputs = []
    for racer in racers:
        out, err = racer.communicate(timeout=60)
        assert racer.returncode == 0, err
        outputs.append(out.strip())

    assert len(set(outputs)) == 1
    root_fp, intermediate_fp = outputs[0].split()
    pki = SandboxPKI(ca_dir).ensure()
    assert pki.root_certificate.fingerprint(hashes.SHA256()).hex() == root_fp
    assert pki.intermediate_certificate.fingerprint(hashes.SHA256()).hex() == intermediate_fp
    assert sorted(p.name for p in ca_dir.iterdir()) == [".create.lock", "pki"]

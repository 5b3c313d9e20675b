"""Building the CSR for a generated key: names, subject, signature, and what OpenSSL makes of it."""

from __future__ import annotations

import ipaddress
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.x509.oid import NameOID

from certwizard.crypto.csr import CsrSubject, build_csr
from certwizard.crypto.csr_lint import lint_csr
from certwizard.crypto.keys import generate_private_key
from certwizard.domain.models import Company, CompanyType, Location
from certwizard.domain.products import KeyAlgorithm, get_product


@pytest.fixture(scope="module")
def rsa_key():
    return generate_private_key(KeyAlgorithm.RSA_2048)


@pytest.fixture(scope="module")
def ec_key():
    return generate_private_key(KeyAlgorithm.EC_P256)


def _load(pem: bytes) -> x509.CertificateSigningRequest:
    return x509.load_pem_x509_csr(pem)


def _san(csr: x509.CertificateSigningRequest) -> x509.Extension[x509.SubjectAlternativeName]:
    return csr.extensions.get_extension_for_class(x509.SubjectAlternativeName)


def _common_names(csr: x509.CertificateSigningRequest) -> list[str]:
    return [a.value for a in csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]


def _openssl_text(tmp_path: Path, pem: bytes) -> str:
    path = tmp_path / "request.csr"
    path.write_bytes(pem)
    result = subprocess.run(["openssl", "req", "-in", str(path), "-noout", "-verify", "-text"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "verify OK" in result.stdout + result.stderr
    return result.stdout


@pytest.mark.parametrize("key_name, openssl_algorithm", [("rsa_key", "sha256WithRSAEncryption"),
                                                          ("ec_key", "ecdsa-with-SHA256")])
def test_csr_names_every_domain_and_is_signed_with_sha256(request, tmp_path: Path, key_name: str,
                                                          openssl_algorithm: str) -> None:
    key = request.getfixturevalue(key_name)
    domains = ["www.example.com", "example.com", "xn--bcher-kva.example"]
    pem = build_csr(key, domains)
    csr = _load(pem)
    assert csr.is_signature_valid
    assert csr.signature_hash_algorithm.name == "sha256"
    assert _common_names(csr) == ["www.example.com"]
    assert _san(csr).value.get_values_for_type(x509.DNSName) == domains
    text = _openssl_text(tmp_path, pem)
    assert f"Signature Algorithm: {openssl_algorithm}" in text
    assert "DNS:www.example.com, DNS:example.com, DNS:xn--bcher-kva.example" in text


def test_subject_holds_company_details_for_professional_products(ec_key) -> None:
    subject = CsrSubject(organization="Example Trading Co., Ltd.", locality="Hangzhou", state="Zhejiang",
                         country="CN")
    csr = _load(build_csr(ec_key, ["www.example.com"], subject))
    assert csr.subject.rfc4514_string() == ("CN=www.example.com,O=Example Trading Co.\\, Ltd.,L=Hangzhou,"
                                            "ST=Zhejiang,C=CN")
    assert _san(csr).critical is False


def test_ip_addresses_go_in_san_as_ip_entries_and_never_in_the_cn(ec_key) -> None:
    csr = _load(build_csr(ec_key, ["203.0.113.10", "2001:db8::1"]))
    assert _common_names(csr) == []
    assert _san(csr).value.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("203.0.113.10"),
                                                                    ipaddress.ip_address("2001:db8::1")]
    assert _san(csr).critical is True   # RFC 5280: an empty subject needs a critical SAN
    assert lint_csr(build_csr(ec_key, ["203.0.113.10"]), get_product("dv-single"), ["203.0.113.10"]).ok


def test_a_first_name_longer_than_64_characters_is_left_out_of_the_cn(ec_key) -> None:
    long_name = ("a" * 60) + ".example.com"
    pem = build_csr(ec_key, [long_name, "www.example.com"])
    csr = _load(pem)
    assert _common_names(csr) == []
    assert _san(csr).value.get_values_for_type(x509.DNSName) == [long_name, "www.example.com"]
    assert lint_csr(pem, get_product("dv-multi"), [long_name, "www.example.com"]).ok


def test_wildcards_are_kept_as_given(ec_key) -> None:
    csr = _load(build_csr(ec_key, ["*.example.com"]))
    assert _common_names(csr) == ["*.example.com"]
    assert _san(csr).value.get_values_for_type(x509.DNSName) == ["*.example.com"]


def test_repeated_names_appear_once(ec_key) -> None:
    csr = _load(build_csr(ec_key, ["www.example.com", "WWW.example.com", "example.com"]))
    assert _san(csr).value.get_values_for_type(x509.DNSName) == ["www.example.com", "example.com"]


@pytest.mark.parametrize("bad, message", [
    ([], "at least one domain"),
    (["bücher.example"], "punycode"),
    (["www.exa\x1bmple.com"], "control"),
    (["www example.com"], "spaces"),
    ([""], "empty"),
])
def test_unusable_domain_lists_are_refused(ec_key, bad: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build_csr(ec_key, bad)


def test_only_rsa_and_ecdsa_keys_can_sign() -> None:
    with pytest.raises(TypeError, match="only RSA and ECDSA"):
        build_csr(ed25519.Ed25519PrivateKey.generate(), ["www.example.com"])


@pytest.mark.parametrize("fields, message", [
    ({"country": "China"}, "two-letter ISO 3166 code"),
    ({"country": "cn"}, "two-letter ISO 3166 code"),
    ({"organization": "x" * 65}, "organization is 65 characters; a certificate holds at most 64"),
    ({"locality": "Hang\x1bzhou"}, "locality contains control"),
    ({"state": "Zhe\u202ejiang"}, "U\\+202E"),
])
def test_subject_fields_are_validated(fields: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CsrSubject(**fields)


def test_empty_subject_fields_are_left_out(ec_key) -> None:
    csr = _load(build_csr(ec_key, ["www.example.com"], CsrSubject(organization="", country="DE")))
    assert csr.subject.rfc4514_string() == "CN=www.example.com,C=DE"


def _company(province: str, country: str = "CN") -> Company:
    return Company(name="Example Trading Co., Ltd.", company_type=CompanyType.PRIVATE, phone="+8657188888888",
                   organization_id="91330100MA2XXXXXX1", address="1 West Lake Road", zip_code="310000",
                   location=Location(country=country, province=province, city="Hangzhou"))


def test_subject_from_a_company_names_the_province(ec_key) -> None:
    subject = CsrSubject.from_company(_company("CN-ZJ"))
    assert subject == CsrSubject(organization="Example Trading Co., Ltd.", locality="Hangzhou",
                                 state="Zhejiang Sheng", country="CN")
    csr = _load(build_csr(ec_key, ["www.example.com"], subject))
    assert csr.subject.get_attributes_for_oid(NameOID.STATE_OR_PROVINCE_NAME)[0].value == "Zhejiang Sheng"


def test_a_free_text_province_is_kept_as_typed() -> None:
    assert CsrSubject.from_company(_company("Some Region", country="SG")).state == "Some Region"

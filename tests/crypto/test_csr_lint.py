"""The CSR linter on real CSRs from `cryptography`, from the `openssl` command, and on broken input."""

from __future__ import annotations

import base64
import ipaddress
import json
import random
import subprocess
from pathlib import Path

import pytest
from asn1crypto import csr as asn1_csr
from asn1crypto import keys as asn1_keys
from asn1crypto import pem as asn1_pem
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import AttributeOID, NameOID

from certwizard.crypto.csr_lint import MAX_CSR_BYTES, CsrReport, lint_csr, openssl_commands
from certwizard.crypto.keys import encrypt_pkcs8
from certwizard.domain.csr_names import CsrNameRule
from certwizard.domain.products import DomainType, KeyAlgorithm, Product, ValidationLevel, get_product

WWW = "www.example.com"
APEX = "example.com"
DV_SINGLE = get_product("dv-single")      # allows an IP address
DV_MULTI = get_product("dv-multi")
OV_SINGLE = get_product("ov-single")      # no IP addresses


# --- making CSRs --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def make_csr(key, cn: str | None = WWW, sans: list[x509.GeneralName] | None = None, *,
             extensions: tuple[tuple[x509.ExtensionType, bool], ...] = (),
             attributes: tuple[tuple[x509.ObjectIdentifier, bytes], ...] = (),
             extra_subject: tuple[x509.NameAttribute, ...] = (), with_san: bool = True) -> bytes:
    names = [x509.NameAttribute(NameOID.COMMON_NAME, cn)] if cn is not None else []
    builder = x509.CertificateSigningRequestBuilder().subject_name(x509.Name([*extra_subject, *names]))
    if with_san:
        san = x509.SubjectAlternativeName(sans or [x509.DNSName(WWW)])
        builder = builder.add_extension(san, critical=False)
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    for oid, value in attributes:
        builder = builder.add_attribute(oid, value)
    return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


def crafted_csr(key: ec.EllipticCurvePrivateKey, cn: str, dns_names: list[str], san_copies: int = 1) -> bytes:
    """A CSR built with asn1crypto, for shapes cryptography refuses to build (65-char CN, duplicate SANs)."""
    spki = key.public_key().public_bytes(serialization.Encoding.DER,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)
    san = {"extn_id": "subject_alt_name", "critical": False,
           "extn_value": [asn1_x509.GeneralName(name="dns_name", value=name) for name in dns_names]}
    info = asn1_csr.CertificationRequestInfo({
        "version": "v1",
        "subject": asn1_x509.Name.build({"common_name": cn}),
        "subject_pk_info": asn1_keys.PublicKeyInfo.load(spki),
        "attributes": [{"type": "extension_request", "values": [[san] * san_copies]}],
    })
    signature = key.sign(info.dump(), ec.ECDSA(hashes.SHA256()))
    request = asn1_csr.CertificationRequest({"certification_request_info": info,
                                             "signature_algorithm": {"algorithm": "sha256_ecdsa"},
                                             "signature": signature})
    return asn1_pem.armor("CERTIFICATE REQUEST", request.dump())


def _run_openssl(*args: str, cwd: Path) -> bytes:
    result = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, check=False)
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout


@pytest.fixture(scope="module")
def openssl_csrs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """CSRs made by `openssl req`, as a sysadmin would paste them; one RSA key serves where size is moot."""
    folder = tmp_path_factory.mktemp("openssl")
    _run_openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "rsa.key",
                 cwd=folder)
    _run_openssl("genpkey", "-genparam", "-algorithm", "DSA", "-pkeyopt", "dsa_paramgen_bits:2048",
                 "-out", "dsa.params", cwd=folder)
    both = f"subjectAltName=DNS:{WWW},DNS:{APEX}"
    recipes = {
        "rsa": ["-key", "rsa.key", "-sha256", "-addext", both],
        "sha1": ["-key", "rsa.key", "-sha1", "-addext", both],
        "md5": ["-key", "rsa.key", "-md5", "-addext", both],
        "email_san": ["-key", "rsa.key", "-addext", f"subjectAltName=DNS:{WWW},email:admin@example.com"],
        "cn_only": ["-key", "rsa.key"],
        "p256": ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-addext", both],
        "p521": ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-521", "-addext", both],
        "ed25519": ["-newkey", "ed25519", "-addext", both],
        "dsa": ["-newkey", "dsa:dsa.params", "-sha256", "-addext", both],
        "rsa1024": ["-newkey", "rsa:1024", "-addext", both],
        "rsa2056": ["-newkey", "rsa:2056", "-addext", both],
    }
    made = {}
    for name, extra in recipes.items():
        args = ["req", "-new", "-subj", f"/CN={WWW}", "-out", f"{name}.csr", *extra]
        if "-newkey" in extra:
            args += ["-nodes", "-keyout", f"{name}.key"]
        _run_openssl(*args, cwd=folder)
        made[name] = (folder / f"{name}.csr").read_bytes()
    made["rsa.key"] = (folder / "rsa.key").read_bytes()
    return made


def codes(report: CsrReport) -> list[str]:
    return [problem.code for problem in report.problems]


def everything_shown(report: CsrReport) -> str:
    """All the report could ever print: repr, the JSON form and every message."""
    messages = "".join(p.message for p in report.problems + report.notes)
    return repr(report) + json.dumps(report.to_dict()) + messages


# --- accepted CSRs ------------------------------------------------------------------------------------------

def test_a_good_openssl_rsa_csr_is_accepted_with_its_facts(openssl_csrs) -> None:
    report = lint_csr(openssl_csrs["rsa"], DV_MULTI, [WWW, APEX])
    assert report.ok, report.problems
    assert report.subject == f"CN={WWW}"
    assert report.common_name == WWW
    assert report.dns_names == [WWW, APEX]
    assert report.key_description == "RSA 2048"
    assert report.signature_hash == "SHA-256"
    assert len(report.spki_sha256) == 64
    assert report.to_dict()["csr"]["dns_names"] == [WWW, APEX]


def test_a_good_openssl_p256_csr_is_accepted(openssl_csrs) -> None:
    report = lint_csr(openssl_csrs["p256"], DV_MULTI, [APEX, WWW])
    assert report.ok, report.problems
    assert report.key_description == "ECDSA P-256"


def test_names_are_compared_without_regard_to_case(ec_key) -> None:
    pem = make_csr(ec_key, cn="WWW.Example.COM", sans=[x509.DNSName("WWW.Example.COM")])
    assert lint_csr(pem, DV_SINGLE, [WWW]).ok


@pytest.mark.parametrize("reshape", [
    pytest.param(lambda t: t.replace("\n", "\r\n"), id="crlf"),
    pytest.param(lambda t: "\n\n   " + t + "   \n\t\n", id="surrounding-whitespace"),
    pytest.param(lambda t: "\n".join("    " + line for line in t.splitlines()), id="indented"),
    pytest.param(lambda t: "Here is my CSR:\n" + t + "Thanks!\n", id="text-around"),
    pytest.param(lambda t: t.replace("CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"), id="windows-header"),
    pytest.param(lambda t: t.replace("\n", " "), id="one-line"),
])
def test_harmless_paste_variations_are_accepted(ec_key, reshape) -> None:
    original = make_csr(ec_key)
    report = lint_csr(reshape(original.decode()), DV_SINGLE, [WWW])
    assert report.ok, report.problems
    assert report.pem.encode() == original     # the clean block, ready to store and submit


def test_bytes_and_str_give_the_same_verdict(ec_key) -> None:
    pem = make_csr(ec_key)
    assert lint_csr(pem, DV_SINGLE, [WWW]).to_dict() == lint_csr(pem.decode(), DV_SINGLE, [WWW]).to_dict()


def test_ip_address_only_csr_for_a_product_that_allows_ips(ec_key) -> None:
    pem = make_csr(ec_key, cn=None, sans=[x509.IPAddress(ipaddress.ip_address("203.0.113.10"))])
    report = lint_csr(pem, DV_SINGLE, ["203.0.113.10"])
    assert report.ok, report.problems
    assert report.ip_addresses == ["203.0.113.10"] and report.common_name is None


# --- structure of the paste ---------------------------------------------------------------------------------

def test_empty_and_blank_input(ec_key) -> None:
    for text in ("", b"", "  \n\t "):
        report = lint_csr(text, DV_SINGLE, [WWW])
        assert codes(report) == ["empty"] and not report.ok


def test_garbage_is_not_a_csr() -> None:
    report = lint_csr("hello, this is not a CSR at all", DV_SINGLE, [WWW])
    assert codes(report) == ["no-csr"]
    assert "-----BEGIN CERTIFICATE REQUEST-----" in report.problems[0].message
    assert report.to_dict()["csr"] is None


def test_input_over_the_size_limit_is_refused_before_parsing(ec_key) -> None:
    padded = make_csr(ec_key) + b"#" * MAX_CSR_BYTES
    for text in (padded, padded.decode()):
        report = lint_csr(text, DV_SINGLE, [WWW])
        assert codes(report) == ["too-large"]
        assert str(MAX_CSR_BYTES) in report.problems[0].message


def test_two_csrs_are_refused(ec_key, rsa_key) -> None:
    report = lint_csr(make_csr(ec_key) + make_csr(rsa_key), DV_SINGLE, [WWW])
    assert codes(report) == ["multiple-csrs"]
    assert "2 certificate requests" in report.problems[0].message


def test_non_ascii_is_refused_with_its_position(ec_key) -> None:
    text = make_csr(ec_key).decode().replace("-----BEGIN", "\u2014----BEGIN", 1)
    report = lint_csr(text, DV_SINGLE, [WWW])
    assert codes(report)[0] == "non-ascii"
    assert "U+2014 at line 1, column 1" in report.problems[0].message


def test_non_ascii_inside_the_block_also_breaks_the_base64(ec_key) -> None:
    lines = make_csr(ec_key).decode().splitlines()
    lines[2] = lines[2][:10] + "é" + lines[2][11:]
    report = lint_csr("\n".join(lines).encode("utf-8"), DV_SINGLE, [WWW])
    assert codes(report) == ["non-ascii", "bad-base64"]
    assert "U+00E9 at line 3, column 11" in report.problems[0].message


def test_invalid_utf8_bytes_are_reported_as_non_ascii() -> None:
    report = lint_csr(b"\xff\xfe garbage", DV_SINGLE, [WWW])
    assert codes(report) == ["non-ascii", "no-csr"]


def test_a_missing_end_line_means_truncated(ec_key) -> None:
    text = make_csr(ec_key).decode().split("-----END")[0]
    assert codes(lint_csr(text, DV_SINGLE, [WWW])) == ["truncated"]


def test_base64_cut_mid_line_is_reported(ec_key) -> None:
    lines = make_csr(ec_key).decode().splitlines()
    lines[-2] = lines[-2][:-3]
    assert codes(lint_csr("\n".join(lines), DV_SINGLE, [WWW])) == ["bad-base64"]


def test_a_missing_line_of_base64_leaves_unparseable_der(ec_key) -> None:
    lines = make_csr(ec_key).decode().splitlines()
    del lines[2]
    assert codes(lint_csr("\n".join(lines), DV_SINGLE, [WWW])) == ["unparseable"]


# --- private keys and certificates pasted by mistake --------------------------------------------------------

def _key_pems(ec_key, rsa_key, openssl_key: bytes) -> dict[str, bytes]:
    none = serialization.NoEncryption()
    pem = serialization.Encoding.PEM
    return {
        "pkcs8": ec_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, none),
        "rsa-traditional": rsa_key.private_bytes(pem, serialization.PrivateFormat.TraditionalOpenSSL, none),
        "ec-traditional": ec_key.private_bytes(pem, serialization.PrivateFormat.TraditionalOpenSSL, none),
        "encrypted": ec_key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                          serialization.BestAvailableEncryption(b"pw")),
        "openssh": ec_key.private_bytes(pem, serialization.PrivateFormat.OpenSSH, none),
        "openssl-genpkey": openssl_key,
    }


def _secret_lines(key_pem: bytes) -> list[str]:
    return [line for line in key_pem.decode().splitlines() if line and not line.startswith("-----")]


@pytest.mark.parametrize("flavour", ["pkcs8", "rsa-traditional", "ec-traditional", "encrypted", "openssh",
                                     "openssl-genpkey"])
def test_a_pasted_private_key_is_named_and_not_kept(ec_key, rsa_key, openssl_csrs, flavour: str) -> None:
    key_pem = _key_pems(ec_key, rsa_key, openssl_csrs["rsa.key"])[flavour]
    report = lint_csr(key_pem, DV_SINGLE, [WWW])
    assert codes(report) == ["private-key"]
    assert "you pasted a private key; paste the CSR instead" in report.problems[0].message
    assert "the key was not kept" in report.problems[0].message
    shown = everything_shown(report) + report.pem
    for line in _secret_lines(key_pem):
        assert line[:16] not in shown


def test_our_own_encrypted_key_format_is_recognised_too(ec_key) -> None:
    assert codes(lint_csr(encrypt_pkcs8(ec_key, b"pw"), DV_SINGLE, [WWW])) == ["private-key"]


def test_a_key_pasted_with_its_csr_is_refused_and_only_the_csr_is_kept(openssl_csrs) -> None:
    paste = openssl_csrs["rsa.key"] + openssl_csrs["rsa"]
    report = lint_csr(paste, DV_MULTI, [WWW, APEX])
    assert codes(report) == ["private-key"] and not report.ok
    assert report.pem.startswith("-----BEGIN CERTIFICATE REQUEST-----")
    shown = everything_shown(report) + report.pem
    for line in _secret_lines(openssl_csrs["rsa.key"]):
        assert line[:16] not in shown


def test_half_a_private_key_is_still_recognised(openssl_csrs) -> None:
    tail = openssl_csrs["rsa.key"].decode().splitlines()[-5:]
    assert "private-key" in codes(lint_csr("\n".join(tail), DV_SINGLE, [WWW]))


def test_a_pasted_certificate_is_named(ec_key) -> None:
    from datetime import UTC, datetime, timedelta

    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, WWW)])
    now = datetime.now(UTC)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                   .public_key(ec_key.public_key()).serial_number(x509.random_serial_number()).not_valid_before(now)
                   .not_valid_after(now + timedelta(days=1)).sign(ec_key, hashes.SHA256()))
    report = lint_csr(certificate.public_bytes(serialization.Encoding.PEM), DV_SINGLE, [WWW])
    assert codes(report) == ["certificate"]
    assert "you pasted a certificate, not a certificate signing request" in report.problems[0].message


def test_other_pem_blocks_are_named(ec_key) -> None:
    public = ec_key.public_key().public_bytes(serialization.Encoding.PEM,
                                              serialization.PublicFormat.SubjectPublicKeyInfo)
    report = lint_csr(public, DV_SINGLE, [WWW])
    assert codes(report) == ["not-a-csr"] and "'PUBLIC KEY'" in report.problems[0].message
    report = lint_csr(make_csr(ec_key) + public, DV_SINGLE, [WWW])
    assert codes(report) == ["extra-pem-block"]


# --- signature ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, label", [("sha1", "SHA-1"), ("md5", "MD5")])
def test_weak_hashes_are_named_not_called_bad_signatures(openssl_csrs, name: str, label: str) -> None:
    report = lint_csr(openssl_csrs[name], DV_MULTI, [WWW, APEX])
    assert codes(report) == ["weak-signature-hash"]
    assert f"{label} is not accepted" in report.problems[0].message
    assert report.signature_hash == label


def test_a_tampered_csr_fails_the_signature_check(ec_key) -> None:
    der = bytearray(x509.load_pem_x509_csr(make_csr(ec_key)).public_bytes(serialization.Encoding.DER))
    der[-5] ^= 0x01      # inside the signature value
    tampered = asn1_pem.armor("CERTIFICATE REQUEST", bytes(der))
    assert codes(lint_csr(tampered, DV_SINGLE, [WWW])) == ["bad-signature"]
    der = bytearray(x509.load_pem_x509_csr(make_csr(ec_key)).public_bytes(serialization.Encoding.DER))
    renamed = bytes(der).replace(WWW.encode(), b"xww.example.com")    # change the names after signing
    report = lint_csr(asn1_pem.armor("CERTIFICATE REQUEST", renamed), DV_SINGLE, ["xww.example.com"])
    assert codes(report) == ["bad-signature"]


# --- keys ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, code, words", [
    ("dsa", "key-type", "DSA 2048"),
    ("ed25519", "key-type", "Ed25519"),
    ("p521", "ec-curve", "P-521"),
    ("rsa1024", "rsa-too-small", "1024 bits; at least 2048"),
    ("rsa2056", "rsa-size-not-accepted", "blocklists of known weak keys"),
])
def test_refused_keys_from_openssl(openssl_csrs, name: str, code: str, words: str) -> None:
    report = lint_csr(openssl_csrs[name], DV_MULTI, [WWW, APEX])
    assert codes(report) == [code]
    assert words in report.problems[0].message


def test_a_small_public_exponent_is_refused(ec_key) -> None:
    key = rsa.generate_private_key(public_exponent=3, key_size=2048)
    report = lint_csr(make_csr(key), DV_SINGLE, [WWW])
    assert codes(report) == ["rsa-exponent"]
    assert "exponent is 3; it must be odd and at least 65537" in report.problems[0].message


def test_a_modulus_with_a_small_factor_is_refused(rsa_key) -> None:
    import math

    q = rsa_key.private_numbers().p      # a genuine 1024-bit prime
    p, e = 743, 65537
    d = pow(e, -1, math.lcm(p - 1, q - 1))
    numbers = rsa.RSAPrivateNumbers(p, q, d, d % (p - 1), d % (q - 1), pow(q, -1, p),
                                    rsa.RSAPublicNumbers(e, p * q))
    weak = numbers.private_key(unsafe_skip_rsa_key_validation=True)
    assert "rsa-small-factor" in codes(lint_csr(make_csr(weak), DV_SINGLE, [WWW]))


def test_the_key_must_be_one_the_product_accepts(rsa_key) -> None:
    ec_only = Product(id="ec-only", name="EC Only DV", brand="Test", level=ValidationLevel.DV,
                      domain_type=DomainType.SINGLE, max_domains=1, validity_days=90,
                      key_algorithms=(KeyAlgorithm.EC_P256, KeyAlgorithm.EC_P384))
    report = lint_csr(make_csr(rsa_key), ec_only, [WWW])
    assert codes(report) == ["key-not-allowed"]
    expected = "EC Only DV accepts ECDSA P-256, ECDSA P-384 keys; this CSR's key is RSA 2048"
    assert expected in report.problems[0].message


# --- names --------------------------------------------------------------------------------------------------

def test_missing_and_extra_names_are_both_named(ec_key) -> None:
    pem = make_csr(ec_key, sans=[x509.DNSName(WWW), x509.DNSName("shop.example.com")])
    report = lint_csr(pem, DV_MULTI, [WWW, APEX, "mail.example.com"])
    assert codes(report) == ["names-missing", "names-extra"]
    assert "does not contain example.com, mail.example.com" in report.problems[0].message
    assert "contains shop.example.com, which is not among" in report.problems[1].message


def test_a_cn_missing_from_the_san_is_refused(ec_key) -> None:
    pem = make_csr(ec_key, cn=APEX, sans=[x509.DNSName(WWW)])
    report = lint_csr(pem, DV_MULTI, [WWW, APEX])
    assert codes(report) == ["cn-not-in-san"]


# --- the authority's name rule (CsrNameRule) ----------------------------------------------------------

HOW_TO_SUBJECT = "/C=CN/ST=Zhejiang/L=Hangzhou/O=Example Ltd/CN=www.example.com"


@pytest.fixture(scope="module")
def how_to_csr(tmp_path_factory) -> bytes:
    """The CSR of the standard how-to, made by its very command: a subject, and no subjectAltName at all."""
    folder = tmp_path_factory.mktemp("how-to")
    _run_openssl("req", "-new", "-nodes", "-sha256", "-newkey", "rsa:2048", "-keyout", "server.key",
                 "-out", "server.csr", "-subj", HOW_TO_SUBJECT, cwd=folder)
    return (folder / "server.csr").read_bytes()


@pytest.mark.parametrize("rule", list(CsrNameRule))
def test_the_how_to_csr_with_only_a_common_name_is_accepted_with_a_note(how_to_csr, rule) -> None:
    report = lint_csr(how_to_csr, DV_SINGLE, [WWW], name_rule=rule)
    assert report.ok, report.problems
    assert report.dns_names == [] and report.common_name == WWW
    (note,) = report.notes
    assert note.code == "cn-only" and "puts the domains to bind into the certificate" in note.message


def test_names_the_csr_lacks_are_a_note_for_an_authority_that_takes_names_from_the_order(how_to_csr) -> None:
    report = lint_csr(how_to_csr, DV_MULTI, [WWW, APEX, "mail.example.com"], name_rule=CsrNameRule.FROM_ORDER)
    assert report.ok, report.problems
    assert [n.code for n in report.notes] == ["cn-only", "names-added"]
    assert "example.com, mail.example.com" in report.notes[1].message


def test_acme_needs_exactly_the_bound_domains_and_says_how_with_all_of_them(how_to_csr) -> None:
    bound = [WWW, APEX, "mail.example.com"]
    report = lint_csr(how_to_csr, DV_MULTI, bound, name_rule=CsrNameRule.EXACT)
    assert codes(report) == ["names-missing"]
    message = report.problems[0].message
    assert "exactly the domains to bind" in message
    assert 'subjectAltName=DNS:www.example.com,DNS:example.com,DNS:mail.example.com"' in message
    assert lint_csr(how_to_csr, DV_MULTI, bound).problems == report.problems     # EXACT is the default


@pytest.mark.parametrize("rule", list(CsrNameRule))
def test_a_name_that_is_not_bound_is_refused_by_every_rule(ec_key, how_to_csr, rule) -> None:
    refused = lint_csr(how_to_csr, DV_SINGLE, ["shop.example.com"], name_rule=rule)
    assert codes(refused)[-1] == "names-extra"
    assert not {"cn-only", "names-added"} & {n.code for n in refused.notes}   # no "that is fine" beside it
    extra_san = make_csr(ec_key, sans=[x509.DNSName(WWW), x509.DNSName("shop.example.com")])
    assert codes(lint_csr(extra_san, DV_MULTI, [WWW, APEX], name_rule=rule))[-1] == "names-extra"


def test_a_csr_without_any_name_is_refused_with_a_command_naming_the_bound_domains(ec_key) -> None:
    report = lint_csr(make_csr(ec_key, cn=None, with_san=False), DV_MULTI, [WWW, APEX, "api.example.com"],
                      name_rule=CsrNameRule.FROM_ORDER)
    assert codes(report) == ["no-names"]
    san = '"subjectAltName=DNS:www.example.com,DNS:example.com,DNS:api.example.com"'
    assert san in report.problems[0].message


def test_the_weak_hash_advice_names_the_bound_domains(openssl_csrs) -> None:
    report = lint_csr(openssl_csrs["sha1"], DV_MULTI, [WWW, APEX])
    (message,) = [p.message for p in report.problems if p.code == "weak-signature-hash"]
    assert '-addext "subjectAltName=DNS:www.example.com,DNS:example.com"' in message and "-sha256" in message


# --- the openssl commands certwizard suggests --------------------------------------------------------

COMMAND_CASES = [
    ([WWW], KeyAlgorithm.RSA_2048, DV_SINGLE),
    ([WWW, APEX, "mail.example.com", "xn--fsq.example.com"], KeyAlgorithm.RSA_3072, DV_MULTI),
    (["*.example.com"], KeyAlgorithm.EC_P256, get_product("dv-wildcard")),
    (["www.example.com", "*.example.org", "example.org"], KeyAlgorithm.EC_P384,
     get_product("ov-multi-wildcard")),
    (["192.0.2.7"], KeyAlgorithm.RSA_2048, DV_SINGLE),
]


def _run_shell(script: str, cwd: Path) -> None:
    result = subprocess.run(["sh", "-e", "-c", script], cwd=cwd, capture_output=True, text=True, timeout=120,
                            check=False)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("domains, algorithm, product", COMMAND_CASES)
@pytest.mark.parametrize("form", ["addext", "config"])
def test_each_suggested_command_makes_a_csr_naming_exactly_the_bound_domains(
        tmp_path, domains, algorithm, product, form) -> None:
    commands = openssl_commands(domains, algorithm)
    script = getattr(commands, form)
    _run_shell(script, tmp_path)
    made = (tmp_path / commands.csr_file).read_bytes()
    report = lint_csr(made, product, domains, name_rule=CsrNameRule.EXACT)
    assert report.ok, (script, report.problems)
    assert sorted(report.dns_names + report.ip_addresses) == sorted(domains)
    assert report.notes == []
    assert (tmp_path / commands.key_file).exists()


@pytest.mark.parametrize("domains, algorithm, product", COMMAND_CASES)
def test_the_config_form_uses_only_what_openssl_1_0_2_has(domains, algorithm, product) -> None:
    """OpenSSL 1.0.2 has no -addext, and its req cannot make an EC key with -pkeyopt."""
    config = openssl_commands(domains, algorithm).config
    assert "-addext" not in config and "-pkeyopt" not in config and "-noenc" not in config
    assert "-config " in config and "-reqexts san" in config
    assert all(name in config for name in domains)


def test_the_example_commands_fit_an_80_column_screen() -> None:
    for algorithm in (KeyAlgorithm.RSA_2048, KeyAlgorithm.EC_P256):
        text = openssl_commands(None, algorithm).text()
        assert "www.example.com" in text and "DNS:example.com" in text
        assert max(len(line) for line in text.splitlines()) <= 70


def test_whole_text_pastes_into_a_shell_as_it_is(tmp_path) -> None:
    commands = openssl_commands([WWW, APEX])
    _run_shell(commands.text().replace(commands.csr_file, "first.csr", 1), tmp_path)
    assert (tmp_path / "first.csr").exists() and (tmp_path / commands.csr_file).exists()


def test_a_csr_without_names(ec_key) -> None:
    report = lint_csr(make_csr(ec_key, cn=None, with_san=False), DV_SINGLE, [WWW])
    assert codes(report) == ["no-names", "names-missing"]


def test_a_65_character_cn_is_refused(ec_key) -> None:
    long_name = ("a" * 53) + ".example.com"
    assert len(long_name) == 65
    report = lint_csr(crafted_csr(ec_key, long_name, [long_name]), DV_SINGLE, [long_name])
    assert codes(report) == ["cn-too-long"]
    assert "65 characters; the limit is 64" in report.problems[0].message


def test_an_ip_address_in_the_cn_is_refused(ec_key) -> None:
    ip = "203.0.113.10"
    pem = make_csr(ec_key, cn=ip, sans=[x509.IPAddress(ipaddress.ip_address(ip))])
    assert codes(lint_csr(pem, DV_SINGLE, [ip])) == ["cn-is-ip"]


def test_two_common_names_are_refused(ec_key) -> None:
    pem = make_csr(ec_key, extra_subject=(x509.NameAttribute(NameOID.COMMON_NAME, WWW),))
    assert codes(lint_csr(pem, DV_SINGLE, [WWW])) == ["multiple-common-names"]


def test_an_email_san_from_openssl_is_refused(openssl_csrs) -> None:
    report = lint_csr(openssl_csrs["email_san"], DV_SINGLE, [WWW])
    assert codes(report) == ["san-type"]
    assert "an email address (admin@example.com)" in report.problems[0].message


def test_uri_othername_and_directory_name_sans_are_refused(ec_key) -> None:
    sans = [x509.DNSName(WWW), x509.UniformResourceIdentifier("https://www.example.com/"),
            x509.OtherName(x509.ObjectIdentifier("1.3.6.1.4.1.311.20.2.3"), b"\x0c\x03a@b"),
            x509.DirectoryName(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "x")]))]
    report = lint_csr(make_csr(ec_key, sans=sans), DV_SINGLE, [WWW])
    assert codes(report) == ["san-type"]
    message = report.problems[0].message
    assert "a URI (https://www.example.com/)" in message and "an otherName" in message
    assert "a directory name" in message


def test_ip_sans_only_for_products_that_allow_them(ec_key) -> None:
    pem = make_csr(ec_key, sans=[x509.DNSName(WWW), x509.IPAddress(ipaddress.ip_address("203.0.113.10"))])
    report = lint_csr(pem, OV_SINGLE, [WWW, "203.0.113.10"])
    assert codes(report) == ["ip-not-allowed"]
    assert "Business OV covers domain names only" in report.problems[0].message


def test_control_characters_in_names_are_refused_and_shown_escaped(ec_key) -> None:
    evil_cn = "www.example.com\x1b]0;pwned\x07"
    pem = make_csr(ec_key, cn=evil_cn, sans=[x509.DNSName(evil_cn), x509.DNSName("a\x1b[2J.example.com")])
    report = lint_csr(pem, DV_MULTI, [WWW])
    assert codes(report).count("control-characters") >= 2
    assert "U+001B" in report.problems[0].message
    shown = everything_shown(report) + report.subject + (report.common_name or "") + "".join(report.dns_names)
    assert "\x1b" not in shown and "\x07" not in shown
    assert "\\x1b" in report.common_name


def test_without_domains_the_product_rules_still_apply(ec_key) -> None:
    sans = [x509.DNSName(WWW), x509.DNSName("*.example.com")]
    report = lint_csr(make_csr(ec_key, sans=sans), DV_SINGLE, None)
    assert codes(report) == ["too-many-names", "wildcard-not-allowed"]
    assert lint_csr(make_csr(ec_key), DV_SINGLE, None).ok


# --- extensions and attributes ------------------------------------------------------------------------------

def test_a_ca_request_and_unknown_critical_extensions_are_refused(ec_key) -> None:
    unknown = x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.4.1.99999.1"), b"\x05\x00")
    ca = x509.BasicConstraints(ca=True, path_length=None)
    pem = make_csr(ec_key, extensions=((ca, True), (unknown, True)))
    report = lint_csr(pem, DV_SINGLE, [WWW])
    assert sorted(codes(report)) == ["ca-requested", "unknown-critical-extension"]
    assert "1.3.6.1.4.1.99999.1" in " ".join(p.message for p in report.problems)


def test_known_critical_extensions_are_fine(ec_key) -> None:
    usage = x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                          data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                          encipher_only=False, decipher_only=False)
    not_ca = x509.BasicConstraints(ca=False, path_length=None)
    pem = make_csr(ec_key, extensions=((usage, True), (not_ca, True)))
    assert lint_csr(pem, DV_SINGLE, [WWW]).ok


def test_duplicate_extensions_are_reported(ec_key) -> None:
    report = lint_csr(crafted_csr(ec_key, WWW, [WWW], san_copies=2), DV_SINGLE, [WWW])
    assert codes(report) == ["duplicate-extension"]


def test_a_challenge_password_is_noted_but_never_shown(ec_key) -> None:
    secret = b"Sup3rSecretChallenge"
    pem = make_csr(ec_key, attributes=((AttributeOID.CHALLENGE_PASSWORD, secret),))
    report = lint_csr(pem, DV_SINGLE, [WWW])
    assert report.ok
    assert report.challenge_password_present
    assert [note.code for note in report.notes] == ["challenge-password"]
    assert secret.decode() not in everything_shown(report)


def test_every_problem_is_reported_at_once(openssl_csrs) -> None:
    report = lint_csr(openssl_csrs["rsa1024"], OV_SINGLE, ["shop.example.com"])
    assert codes(report) == ["rsa-too-small", "names-missing", "names-extra"]


# --- never raises -------------------------------------------------------------------------------------------

def test_random_and_mutated_input_never_raises(ec_key, rsa_key) -> None:
    rng = random.Random(20240601)
    valid = [make_csr(ec_key), make_csr(rsa_key, sans=[x509.DNSName(WWW), x509.DNSName(APEX)])]
    ders = [x509.load_pem_x509_csr(pem).public_bytes(serialization.Encoding.DER) for pem in valid]
    samples: list[bytes | str] = []
    for _ in range(150):
        samples.append(rng.randbytes(rng.randrange(0, 600)))
    for _ in range(250):
        der = bytearray(rng.choice(ders))
        for _ in range(rng.randrange(1, 4)):
            der[rng.randrange(len(der))] = rng.randrange(256)
        samples.append(asn1_pem.armor("CERTIFICATE REQUEST", bytes(der)))
    for _ in range(100):
        der = rng.choice(ders)
        samples.append(asn1_pem.armor("CERTIFICATE REQUEST", der[: rng.randrange(len(der))]))
    for _ in range(100):
        text = bytearray(rng.choice(valid))
        text[rng.randrange(len(text))] = rng.choice(b"-=+/\n \x00\x1bA\xff")
        samples.append(bytes(text))
    samples.append("-----BEGIN CERTIFICATE REQUEST-----" * 400)
    samples.append(base64.b64encode(rng.randbytes(3000)).decode())
    seen: set[str] = set()
    for sample in samples:
        report = lint_csr(sample, DV_MULTI, [WWW, APEX])
        assert isinstance(report, CsrReport)
        assert "unreadable" not in codes(report), (sample, report.problems)
        json.dumps(report.to_dict())
        seen.update(codes(report))
    # The mutations reach every stage: text, PEM, base64, DER parsing and the signature check.
    assert {"non-ascii", "no-csr", "bad-base64", "unparseable", "bad-signature"} <= seen, seen

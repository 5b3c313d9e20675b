"""Check a pasted CSR against a product and the bound domains, reporting every problem at once.

`lint_csr` never raises on any text: each problem has a stable `code` and a message that says what is wrong
and how to fix it. The same linter self-checks the CSRs certwizard builds itself. The checks follow the CSR
check list in the safety rules (§3): CA/Browser Forum Baseline Requirements and Let's Encrypt's Boulder.

Nothing of a pasted private key reaches the report: key blocks are recognised by their PEM label only, never
decoded, and every message about them is fixed text.

How the CSR's names must relate to the bound domains is the authority's rule (`ca.base.CsrNameRule`): an
authority that takes the names from the order needs only that the CSR names nothing else; ACME needs exactly
the bound domains. Either way a CSR with only a common name (the common openssl how-to) is fine.

`openssl_commands` writes the commands that make a CSR for the bound domains, every one of them named, in two
forms: one for OpenSSL 1.1.1 and later (`-addext`), and one with a config file (`-config`, `-reqexts`) that
works with every version, OpenSSL 1.0.2 included. The wizard, the Help screen and these messages all use it.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import math
import re
import shlex
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes
from cryptography.x509.oid import AttributeOID, ExtensionOID, NameOID

from certwizard.crypto.key_facts import CURVE_LABELS, key_algorithm_of, key_description, spki_sha256
from certwizard.domain.csr_names import CsrNameRule
from certwizard.domain.products import KeyAlgorithm, Product
from certwizard.domain.text import describe_characters, printable, unprintable_characters

MAX_CSR_BYTES = 16 * 1024           # a CSR is 1-4 KB; anything bigger is not one
MAX_COMMON_NAME = 64                # RFC 5280 ub-common-name
ACCEPTED_RSA_SIZES = (2048, 3072, 4096)
MIN_RSA_EXPONENT = 65537
ACCEPTED_CURVES = ("secp256r1", "secp384r1")
ACCEPTED_HASHES = {"sha256": "SHA-256", "sha384": "SHA-384", "sha512": "SHA-512"}
HASH_LABELS = {"md5": "MD5", "sha1": "SHA-1", "sha224": "SHA-224", "sha3-256": "SHA3-256",
               "sha3-384": "SHA3-384", "sha3-512": "SHA3-512", **ACCEPTED_HASHES}
CSR_LABELS = ("CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST")
CERTIFICATE_LABELS = ("CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE")
# Extensions a CSR may mark critical; any other critical extension would have to be refused by a CA.
KNOWN_EXTENSIONS = (
    ExtensionOID.SUBJECT_ALTERNATIVE_NAME, ExtensionOID.BASIC_CONSTRAINTS, ExtensionOID.KEY_USAGE,
    ExtensionOID.EXTENDED_KEY_USAGE, ExtensionOID.SUBJECT_KEY_IDENTIFIER, ExtensionOID.TLS_FEATURE,
)

_PEM_BEGIN = re.compile(r"-----BEGIN ([A-Z0-9 ]{1,64})-----")
_PEM_MARKER = re.compile(r"-----(BEGIN|END) ([A-Z0-9 ]{1,64})-----")
_ANY_PRIVATE_KEY = re.compile(r"PRIVATE KEY( BLOCK)?-----")
_REDO_HINT = "create the CSR again"
_Extensions = list[x509.Extension[x509.ExtensionType]]
_KEY_HINT = "generate a new key (RSA 2048, 3072 or 4096, or ECDSA P-256 or P-384) and a new CSR from it"


# --- the report ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CsrProblem:
    code: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


@dataclass
class CsrReport:
    """What the linter found. Every string field is already safe to print (`domain.text.printable`).

    `pem` is the single CSR block re-encoded (no surrounding text, no other blocks): what to store and submit.
    It is left out of `repr` and `to_dict` because it is long and may carry a challenge password.
    """

    problems: list[CsrProblem] = field(default_factory=list)
    notes: list[CsrProblem] = field(default_factory=list)
    parsed: bool = False
    subject: str = ""
    common_name: str | None = None
    dns_names: list[str] = field(default_factory=list)
    ip_addresses: list[str] = field(default_factory=list)
    key_description: str = ""
    signature_hash: str = ""
    spki_sha256: str = ""
    challenge_password_present: bool = False
    pem: str = field(default="", repr=False)

    @property
    def ok(self) -> bool:
        return self.parsed and not self.problems

    def add(self, code: str, message: str) -> None:
        self.problems.append(CsrProblem(code, message))

    def note(self, code: str, message: str) -> None:
        self.notes.append(CsrProblem(code, message))

    def facts(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "common_name": self.common_name,
            "dns_names": list(self.dns_names),
            "ip_addresses": list(self.ip_addresses),
            "key_description": self.key_description,
            "signature_hash": self.signature_hash,
            "spki_sha256": self.spki_sha256,
            "challenge_password_present": self.challenge_password_present,
        }

    def to_dict(self) -> dict[str, Any]:
        """`{"ok", "csr": {facts}, "problems": [{"code", "message"}], "notes": [...]}` for --json."""
        return {"ok": self.ok, "csr": self.facts() if self.parsed else None,
                "problems": [p.to_dict() for p in self.problems], "notes": [n.to_dict() for n in self.notes]}


def too_large_report(size: int | None = None) -> CsrReport:
    """The report for input over MAX_CSR_BYTES (also used by callers that refuse a file before reading it)."""
    report = CsrReport()
    how_big = f"{size} bytes" if size is not None else f"more than {MAX_CSR_BYTES} bytes"
    report.add("too-large",
               f"the text is {how_big}; a CSR is a few KB and the limit is {MAX_CSR_BYTES} bytes. "
               "Paste only the block from -----BEGIN CERTIFICATE REQUEST----- to "
               "-----END CERTIFICATE REQUEST-----")
    return report


# --- entry point --------------------------------------------------------------------------------------------

def lint_csr(text: str | bytes, product: Product, domains: list[str] | None = None, *,
             name_rule: CsrNameRule = CsrNameRule.EXACT) -> CsrReport:
    """Check `text` (the pasted CSR) for `product` and, when given, the normalised bound `domains`.

    `name_rule` is the rule of the authority the CSR goes to (`CertificateAuthority.csr_name_rule`); without
    one, the strictest (EXACT), which every authority accepts.
    """
    if isinstance(text, (bytes, bytearray, memoryview)) and len(text) > MAX_CSR_BYTES:
        return too_large_report(len(text))
    if isinstance(text, str) and len(text) > MAX_CSR_BYTES:
        return too_large_report(len(text))
    report = CsrReport()
    try:
        _lint_into(report, text, product, domains, CsrNameRule(name_rule))
    except Exception as exc:  # noqa: BLE001 - last resort: a paste must never crash the wizard
        report.parsed = False
        report.add("unreadable", f"the CSR could not be checked ({type(exc).__name__}); {_REDO_HINT} "
                                 "and paste it again")
    if report.problems:      # "that is fine" beside a refusal reads as a contradiction
        report.notes = [note for note in report.notes if note.code not in _REASSURANCES]
    return report


_REASSURANCES = {"cn-only", "names-added"}      # notes that only say an accepted CSR is fine as it is


def _lint_into(report: CsrReport, text: str | bytes, product: Product, domains: list[str] | None,
               name_rule: CsrNameRule) -> None:
    decoded = _as_text(text)
    if not decoded.strip():
        report.add("empty", "nothing was pasted; paste the CSR, from -----BEGIN CERTIFICATE REQUEST----- "
                            "to -----END CERTIFICATE REQUEST-----")
        return
    _check_ascii(report, decoded)
    body = _select_csr_block(report, decoded.replace("\r\n", "\n").replace("\r", "\n"))
    if body is None:
        return
    der = _decode_base64(report, body)
    if der is None:
        return
    parsed = _parse(report, der)
    if parsed is None:
        return
    _record_facts(report, parsed)
    _check_signature(report, parsed, domains)
    _check_key(report, parsed.public_key, product)
    _check_names(report, parsed, product, domains, name_rule)
    _check_extensions(report, parsed.extensions)
    _check_attributes(report, parsed.attributes)


# --- text and PEM -------------------------------------------------------------------------------------------

def _as_text(text: str | bytes) -> str:
    if isinstance(text, str):
        return text
    data = bytes(text)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")   # one char per byte, so positions stay right for the message


def _check_ascii(report: CsrReport, text: str) -> None:
    for index, ch in enumerate(text):
        if ord(ch) > 127:
            line = text.count("\n", 0, index) + 1
            column = index - (text.rfind("\n", 0, index) + 1) + 1
            report.add("non-ascii",
                       f"the text contains the non-ASCII character U+{ord(ch):04X} at line {line}, "
                       f"column {column} (character {index + 1}); a CSR is plain ASCII. This is often a "
                       "typographic dash or quote added by a word processor or chat program: copy the CSR "
                       "from the .csr file itself")
            return


@dataclass(frozen=True)
class PemBlock:
    label: str
    body: str
    complete: bool


def find_pem_blocks(text: str) -> list[PemBlock]:
    """Every `-----BEGIN X-----` block; a block ends at its END line, or is incomplete at the next marker."""
    blocks: list[PemBlock] = []
    position = 0
    while (begin := _PEM_BEGIN.search(text, position)) is not None:
        label = begin.group(1).strip()
        marker = _PEM_MARKER.search(text, begin.end())
        complete = marker is not None and marker.group(1) == "END" and marker.group(2).strip() == label
        end = marker.start() if marker is not None else len(text)
        blocks.append(PemBlock(label, text[begin.end():end], complete))
        position = marker.end() if complete and marker is not None else end
    return blocks


def _select_csr_block(report: CsrReport, text: str) -> str | None:
    """The body of the one CSR block, after reporting keys, certificates, extra or missing blocks."""
    blocks = find_pem_blocks(text)
    csrs = [b for b in blocks if b.label in CSR_LABELS]
    others = [b for b in blocks if b.label not in CSR_LABELS]
    # Any key flavour (PKCS#8, RSA, EC, ENCRYPTED, OPENSSH, even half a block) is known by its label alone.
    key_pasted = bool(_ANY_PRIVATE_KEY.search(text)) or any("PRIVATE KEY" in b.label for b in blocks)
    if key_pasted:
        report.add("private-key", "you pasted a private key; paste the CSR instead "
                                  "(-----BEGIN CERTIFICATE REQUEST-----); the key was not kept. Keep the key "
                                  "file secret, and if it was pasted anywhere shared, generate a new key")
        others = [b for b in others if "PRIVATE KEY" not in b.label]
    _report_other_blocks(report, others, has_csr=bool(csrs))
    if len(csrs) > 1:
        report.add("multiple-csrs", f"the text holds {len(csrs)} certificate requests; paste exactly one CSR")
        return None
    if not csrs:
        if not blocks and not key_pasted:
            report.add("no-csr", "no CSR found; paste everything from -----BEGIN CERTIFICATE REQUEST----- to "
                                 "-----END CERTIFICATE REQUEST-----, both lines included")
        return None
    if not csrs[0].complete:
        report.add("truncated",
                   "the CSR has no matching -----END CERTIFICATE REQUEST----- line, so it was cut off; "
                   "copy the whole block again")
        return None
    return csrs[0].body


def _report_other_blocks(report: CsrReport, others: list[PemBlock], has_csr: bool) -> None:
    for block in others:
        if block.label in CERTIFICATE_LABELS:
            report.add("certificate",
                       "you pasted a certificate, not a certificate signing request; paste the CSR "
                       "(-----BEGIN CERTIFICATE REQUEST-----) it was requested with")
        elif has_csr:
            report.add("extra-pem-block",
                       f"besides the CSR the text holds a '{block.label}' block; paste only the CSR block")
        else:
            report.add("not-a-csr",
                       f"the text is a '{block.label}' block, not a certificate signing request; paste the "
                       "block that starts with -----BEGIN CERTIFICATE REQUEST-----")


def _decode_base64(report: CsrReport, body: str) -> bytes | None:
    compact = "".join(body.split())     # CRLF, indentation and wrapped lines are all fine
    try:
        der = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        der = b""
    if not der:
        report.add("bad-base64", "the text between the BEGIN and END lines is not valid base64 (it was cut, "
                                 "edited or had characters added); copy the CSR again from its file")
        return None
    return der


# --- parsing ------------------------------------------------------------------------------------------------

@dataclass
class _ParsedCsr:
    csr: x509.CertificateSigningRequest
    subject: str
    subject_values: list[tuple[str, str]]      # (attribute name, value) in order
    common_names: list[str]
    extensions: _Extensions
    attributes: list[x509.Attribute]
    public_key: PublicKeyTypes | None
    hash_name: str | None
    signature_oid: str
    pem: str


def _parse(report: CsrReport, der: bytes) -> _ParsedCsr | None:
    """Load the CSR and touch every field in one place: several errors only surface when a field is read."""
    try:
        csr = x509.load_der_x509_csr(der)
        return _read_fields(csr)
    except x509.InvalidVersion:
        report.add("bad-version", f"the CSR has an unknown version number; {_REDO_HINT} with a standard tool "
                                  "such as openssl req")
    except x509.DuplicateExtension as exc:
        report.add("duplicate-extension", f"the CSR contains the extension {exc.oid.dotted_string} twice; "
                                          f"{_REDO_HINT} with each extension once")
    except (ValueError, TypeError, UnsupportedAlgorithm):
        report.add("unparseable", "the CSR block is damaged or not a valid certificate request (its DER "
                                  "structure could not be read); copy it again from the .csr file, or "
                                  f"{_REDO_HINT}")
    return None


def _read_fields(csr: x509.CertificateSigningRequest) -> _ParsedCsr:
    with warnings.catch_warnings():
        # cryptography warns about an over-long CN while reading it; the linter reports that itself.
        warnings.simplefilter("ignore", UserWarning)
        return _read_fields_quietly(csr)


def _read_fields_quietly(csr: x509.CertificateSigningRequest) -> _ParsedCsr:
    subject_values = [(_attribute_name(a), _attribute_text(a.value)) for a in csr.subject]
    common_names = [_attribute_text(a.value) for a in csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    return _ParsedCsr(
        csr=csr,
        subject=csr.subject.rfc4514_string(),
        subject_values=subject_values,
        common_names=common_names,
        extensions=list(csr.extensions),
        attributes=list(csr.attributes),
        public_key=_public_key_or_none(csr),
        hash_name=_hash_name_or_unknown(csr),
        signature_oid=csr.signature_algorithm_oid.dotted_string,
        pem=csr.public_bytes(serialization.Encoding.PEM).decode("ascii"),
    )


def _attribute_name(attribute: x509.NameAttribute) -> str:
    short = {NameOID.COMMON_NAME: "common name", NameOID.ORGANIZATION_NAME: "organization",
             NameOID.ORGANIZATIONAL_UNIT_NAME: "organizational unit", NameOID.LOCALITY_NAME: "locality",
             NameOID.STATE_OR_PROVINCE_NAME: "state or province", NameOID.COUNTRY_NAME: "country",
             NameOID.EMAIL_ADDRESS: "email address"}
    return short.get(attribute.oid, attribute.oid.dotted_string)


def _attribute_text(value: str | bytes) -> str:
    return value if isinstance(value, str) else value.hex()


def _public_key_or_none(csr: x509.CertificateSigningRequest) -> PublicKeyTypes | None:
    try:
        return csr.public_key()
    except (UnsupportedAlgorithm, ValueError):
        return None


_UNKNOWN_HASH = "unknown"


def _hash_name_or_unknown(csr: x509.CertificateSigningRequest) -> str | None:
    """The signature's hash name ("sha256"), None for EdDSA (no separate hash), or "unknown"."""
    try:
        algorithm = csr.signature_hash_algorithm
    except (UnsupportedAlgorithm, ValueError):
        return _UNKNOWN_HASH
    return None if algorithm is None else algorithm.name


def _record_facts(report: CsrReport, parsed: _ParsedCsr) -> None:
    report.parsed = True
    report.pem = parsed.pem
    report.subject = printable(parsed.subject)
    report.common_name = printable(parsed.common_names[0]) if parsed.common_names else None
    dns, ips, _ = _split_san(parsed.extensions)
    report.dns_names = [printable(name) for name in dns]
    report.ip_addresses = ips
    if parsed.public_key is not None:
        report.key_description = printable(key_description(parsed.public_key))
        report.spki_sha256 = spki_sha256(parsed.public_key)
    else:
        report.key_description = "unsupported key type"
    hash_name = parsed.hash_name
    report.signature_hash = "" if hash_name is None else HASH_LABELS.get(hash_name, printable(hash_name))


# --- signature and key ------------------------------------------------------------------------------------

def _check_signature(report: CsrReport, parsed: _ParsedCsr, domains: list[str] | None) -> None:
    """Judge the hash first: is_signature_valid returns False for SHA-1, which reads as 'bad signature'."""
    name = parsed.hash_name
    if name is None and isinstance(parsed.public_key, (ed25519.Ed25519PublicKey, ed448.Ed448PublicKey)):
        return  # the key check already refuses EdDSA; a second message would say the same thing
    if name not in ACCEPTED_HASHES:
        label = HASH_LABELS.get(name or "", f"the algorithm {parsed.signature_oid}")
        report.add("weak-signature-hash",
                   f"the CSR is signed with {label}; {label} is not accepted (only SHA-256, SHA-384 and "
                   f"SHA-512 are); {_REDO_HINT} with SHA-256, e.g. {_one_line_command(domains)}")
        return
    if not _signature_is_valid(parsed.csr):
        report.add("bad-signature", "the CSR's signature does not match its public key (it was altered or "
                                    f"damaged after signing); {_REDO_HINT} from the private key")


def _signature_is_valid(csr: x509.CertificateSigningRequest) -> bool:
    try:
        return bool(csr.is_signature_valid)
    except Exception:  # noqa: BLE001 - an unverifiable signature is an invalid one
        return False


def _check_key(report: CsrReport, key: PublicKeyTypes | None, product: Product) -> None:
    if isinstance(key, rsa.RSAPublicKey):
        acceptable = _check_rsa(report, key)
    elif isinstance(key, ec.EllipticCurvePublicKey):
        acceptable = _check_curve(report, key)
    else:
        what = key_description(key) if key is not None else "of a type certwizard cannot read"
        report.add("key-type",
                   f"the CSR's key is {what}; publicly trusted TLS certificates accept only RSA and ECDSA "
                   f"keys, so {_KEY_HINT}")
        return
    algorithm = key_algorithm_of(key)
    if acceptable and algorithm is not None and algorithm not in product.key_algorithms:
        allowed = ", ".join(a.label for a in product.key_algorithms)
        report.add("key-not-allowed",
                   f"{product.name} accepts {allowed} keys; this CSR's key is {algorithm.label}, so "
                   "generate a key of an accepted type and a new CSR")


def _check_rsa(report: CsrReport, key: rsa.RSAPublicKey) -> bool:
    bits = key.key_size
    numbers = key.public_numbers()
    problems_before = len(report.problems)
    if bits < 2048:
        report.add("rsa-too-small", f"the RSA key is {bits} bits; at least 2048 are required, so {_KEY_HINT}")
    else:
        if bits % 8:
            report.add("rsa-size-not-byte-multiple",
                       f"the RSA key is {bits} bits, which is not a multiple of 8 as the CA/Browser Forum "
                       f"requires; {_KEY_HINT}")
        if bits not in ACCEPTED_RSA_SIZES:
            report.add("rsa-size-not-accepted",
                       f"RSA {bits} is not an accepted size (2048, 3072 or 4096): the blocklists of known "
                       "weak keys cover only those sizes, so CAs such as Let's Encrypt accept no others; "
                       f"{_KEY_HINT}")
    if numbers.e % 2 == 0 or numbers.e < MIN_RSA_EXPONENT:
        report.add("rsa-exponent", f"the RSA public exponent is {numbers.e}; it must be odd and at least "
                                   f"{MIN_RSA_EXPONENT} (the usual value), so {_KEY_HINT}")
    if math.gcd(numbers.n, _small_primes_product()) != 1:
        report.add("rsa-small-factor", "the RSA modulus has a factor below 752, so the key is broken "
                                       f"(CA/Browser Forum 6.1.6); {_KEY_HINT}")
    return len(report.problems) == problems_before


def _check_curve(report: CsrReport, key: ec.EllipticCurvePublicKey) -> bool:
    name = key.curve.name
    if name in ACCEPTED_CURVES:
        return True
    report.add("ec-curve",
               f"the ECDSA key is on the curve {CURVE_LABELS.get(name, name)} ({name}); only P-256 and "
               f"P-384 are accepted, so {_KEY_HINT}")
    return False


_SMALL_PRIMES_PRODUCT: list[int] = []


def _small_primes_product() -> int:
    """Product of the primes below 752 (BR 6.1.6: no RSA modulus may have such a factor)."""
    if not _SMALL_PRIMES_PRODUCT:
        primes = [p for p in range(2, 752) if all(p % d for d in range(2, math.isqrt(p) + 1))]
        _SMALL_PRIMES_PRODUCT.append(math.prod(primes))
    return _SMALL_PRIMES_PRODUCT[0]


# --- names --------------------------------------------------------------------------------------------------

_OTHER_SAN_KINDS: tuple[tuple[type[x509.GeneralName], str], ...] = (
    (x509.RFC822Name, "an email address"),
    (x509.UniformResourceIdentifier, "a URI"),
    (x509.DirectoryName, "a directory name"),
    (x509.OtherName, "an otherName"),
    (x509.RegisteredID, "a registered ID"),
)


def _split_san(extensions: _Extensions) -> tuple[list[str], list[str], list[str]]:
    """(DNS names, IP addresses, descriptions of any other entry kinds) from the subjectAltName extension."""
    dns: list[str] = []
    ips: list[str] = []
    others: list[str] = []
    for ext in extensions:
        if not isinstance(ext.value, x509.SubjectAlternativeName):
            continue
        for entry in ext.value:
            if isinstance(entry, x509.DNSName):
                dns.append(entry.value)
            elif isinstance(entry, x509.IPAddress):
                ips.append(str(entry.value))
            else:
                others.append(_describe_other_san(entry))
    return dns, ips, others


def _describe_other_san(entry: x509.GeneralName) -> str:
    for kind, label in _OTHER_SAN_KINDS:
        if isinstance(entry, kind):
            if isinstance(entry, (x509.RFC822Name, x509.UniformResourceIdentifier)):
                return f"{label} ({printable(entry.value)[:100]})"
            return label
    return "an unknown kind of name"


def _has_san(extensions: _Extensions) -> bool:
    return any(ext.oid == ExtensionOID.SUBJECT_ALTERNATIVE_NAME for ext in extensions)


def _normalise_name(name: str) -> str:
    cleaned = name.strip().lower()
    try:
        return str(ipaddress.ip_address(cleaned))
    except ValueError:
        return cleaned


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _check_names(report: CsrReport, parsed: _ParsedCsr, product: Product, domains: list[str] | None,
                 name_rule: CsrNameRule) -> None:
    dns, ips, others = _split_san(parsed.extensions)
    common_name = parsed.common_names[0] if parsed.common_names else None
    _check_characters(report, parsed.subject_values, dns)
    _check_common_name(report, parsed, dns + ips, domains)
    if others:
        allowed = "DNS names and IP addresses" if product.allows_ip else "DNS names"
        report.add("san-type",
                   f"the subjectAltName contains {', '.join(others)}; only {allowed} can be in this "
                   f"certificate, so {_REDO_HINT} without them")
    if ips and not product.allows_ip:
        report.add("ip-not-allowed",
                   f"the CSR contains the IP address(es) {', '.join(ips)}, but {product.name} covers "
                   "domain names only; remove them, or use a product that allows IPs")
    csr_names = {_normalise_name(n) for n in dns + ips}
    if common_name is not None:
        csr_names.add(_normalise_name(common_name))
    if domains is None:
        _check_product_names(report, csr_names, product)
    else:
        _compare_with_domains(report, csr_names, domains, name_rule)


def _check_characters(report: CsrReport, subject_values: list[tuple[str, str]], dns: list[str]) -> None:
    """Control or invisible characters would be replayed to every terminal that shows the certificate."""
    fields = [(f"the subject's {name}", value) for name, value in subject_values]
    fields += [(f"the DNS name {printable(name)!r}", name) for name in dns]
    for where, value in fields:
        bad = unprintable_characters(value)
        if bad:
            report.add("control-characters", f"{where} contains control or invisible characters "
                                             f"({describe_characters(bad)}); {_REDO_HINT} without them")
    for name in dns:
        if not name.isascii():
            report.add("non-ascii-name", f"the DNS name {printable(name)!r} is not ASCII; write "
                                         "internationalised names as punycode (xn--...) in the CSR")


def _check_common_name(report: CsrReport, parsed: _ParsedCsr, san_names: list[str],
                       domains: list[str] | None) -> None:
    if len(parsed.common_names) > 1:
        report.add("multiple-common-names", f"the subject has {len(parsed.common_names)} common names; "
                                            f"{_REDO_HINT} with one (or none)")
    common_name = parsed.common_names[0] if parsed.common_names else None
    has_san = _has_san(parsed.extensions)
    if common_name is None:
        if not san_names:
            report.add("no-names",
                       f"the CSR names no domain (no common name, no subjectAltName); {_REDO_HINT} naming "
                       f"the domains, e.g. {_one_line_command(domains)}")
        return
    shown = printable(common_name)
    if len(common_name) > MAX_COMMON_NAME:
        report.add("cn-too-long",
                   f"the common name is {len(common_name)} characters; the limit is {MAX_COMMON_NAME}. "
                   "Leave the common name out (the subjectAltName names are enough) or put a shorter "
                   "name first")
    if _is_ip(common_name.strip()):
        report.add("cn-is-ip", f"the common name {shown} is an IP address; put IP addresses only in "
                               "subjectAltName (IP:...) and use a DNS name, or nothing, as the common name")
    if not has_san:
        # What `openssl req -subj "/.../CN=www.example.com"` makes. The authority puts the names into the
        # certificate's subjectAltName itself (the only names browsers read), so the CSR is fine as it is.
        report.note("cn-only", f"the CSR names {shown} in its common name only (no subjectAltName); that is "
                               "fine: the certificate authority puts the domains to bind into the "
                               "certificate's subjectAltName")
    elif _normalise_name(common_name) not in {_normalise_name(n) for n in san_names}:
        report.add("cn-not-in-san", f"the common name {shown} is not one of the subjectAltName names; "
                                    f"{_REDO_HINT} with the common name also listed in subjectAltName")


def _check_product_names(report: CsrReport, names: set[str], product: Product) -> None:
    """Without bound domains, at least hold the CSR to the product's count and wildcard rules."""
    if len(names) > product.max_domains:
        report.add("too-many-names", f"the CSR names {len(names)} domains; {product.name} covers at most "
                                     f"{product.max_domains}")
    if not product.allows_wildcards and any("*" in name for name in names):
        report.add("wildcard-not-allowed", f"the CSR contains a wildcard name, and {product.name} does not "
                                           "cover wildcards; remove it or use a wildcard product")


def _compare_with_domains(report: CsrReport, csr_names: set[str], domains: list[str],
                          name_rule: CsrNameRule) -> None:
    bound = {_normalise_name(d) for d in domains if d.strip()}
    missing = sorted(bound - csr_names)
    extra = sorted(csr_names - bound)
    if missing and name_rule is CsrNameRule.FROM_ORDER:
        it, verb = ("them", "are") if len(missing) > 1 else ("it", "is")
        report.note("names-added", f"the CSR does not name {_name_list(missing)}; the certificate authority "
                                   "takes the names from Domains to Bind, so the certificate covers "
                                   f"{it} all the same ({_name_list(missing)} {verb} added)")
    elif missing:
        it = "them" if len(missing) > 1 else "it"
        report.add("names-missing", f"the CSR does not contain {_name_list(missing)}, which you entered in "
                                    f"Domains to Bind, and this certificate authority needs the CSR to name "
                                    f"exactly the domains to bind; {_REDO_HINT} including {it}, e.g. "
                                    f"{_one_line_command(domains)}, or change the domains")
    if extra:
        it, verb = ("them", "are") if len(extra) > 1 else ("it", "is")
        report.add("names-extra",
                   f"the CSR contains {_name_list(extra)}, which {verb} not among the domains to bind "
                   f"({_name_list(sorted(bound))}); {_REDO_HINT} without {it}, or add {it} to the domains")


def _name_list(names: list[str]) -> str:
    return ", ".join(printable(n) for n in names) or "none"


# --- commands that make a CSR -------------------------------------------------------------------------------

EXAMPLE_DOMAINS = ("www.example.com", "example.com")
_SHELL_SAFE = re.compile(r"[A-Za-z0-9*.:_=/,@%+-]+")
_FILE_SAFE = re.compile(r"[^A-Za-z0-9.-]+")


@dataclass(frozen=True)
class OpensslCommands:
    """Shell text that makes a key and a CSR naming every domain, in the two forms openssl has for it."""

    key_file: str
    csr_file: str
    addext: str          # OpenSSL 1.1.1 and later: one command, the names in -addext
    config_file: str     # every version: writes the config file naming the domains (a here-document)...
    config_request: str  # ...and the commands that make the key and the CSR with -config and -reqexts

    @property
    def config(self) -> str:
        """The form for every version, OpenSSL 1.0.2 included: the config file, then -config and -reqexts."""
        return f"{self.config_file}\n{self.config_request}"

    def text(self) -> str:
        """Both forms, each under a comment saying which OpenSSL it is for (pastes whole into a shell)."""
        return (f"# OpenSSL 1.1.1 or later:\n{self.addext}\n\n"
                f"# any OpenSSL, 1.0.2 too (-config, -reqexts):\n{self.config}\n")


def _quoted(text: str) -> str:
    """Double quotes around text the shell reads literally in them (validated names); shlex otherwise."""
    return f'"{text}"' if _SHELL_SAFE.fullmatch(text) else shlex.quote(text)


def _word(text: str) -> str:
    """A file name as one shell word: bare when it needs no quoting."""
    return text if re.fullmatch(r"[A-Za-z0-9._/-]+", text) else shlex.quote(text)


def _san_entries(domains: Sequence[str]) -> list[str]:
    return [f"IP:{name}" if _is_ip(name) else f"DNS:{name}" for name in domains]


def _csr_common_name(domains: Sequence[str]) -> str | None:
    """The first DNS name that fits a common name (64 characters); an IP address never goes there."""
    return next((name for name in domains if not _is_ip(name) and len(name) <= MAX_COMMON_NAME), None)


def openssl_commands(domains: Sequence[str] | None, algorithm: KeyAlgorithm | str = KeyAlgorithm.RSA_2048,
                     basename: str | None = None) -> OpensslCommands:
    """The openssl commands that make a new key and a CSR naming all of `domains` (normalised bound names;
    None or empty: the example names www.example.com and example.com).

    Files are named after the first domain (`*.` as `wildcard.`) unless `basename` is given. Lines stay
    short (a name per line in the config file) so they fit an 80-column terminal.
    """
    names = [name for name in (domains or ()) if name.strip()] or list(EXAMPLE_DOMAINS)
    algorithm = KeyAlgorithm(algorithm)
    base = basename or _FILE_SAFE.sub("-", names[0].replace("*", "wildcard")).strip(".-") or "request"
    key_file, csr_file, config_file = f"{base}.key", f"{base}.csr", f"{base}.cnf"
    common_name = _csr_common_name(names)
    subject = f"/CN={common_name}" if common_name else "/"
    files = f"-keyout {_word(key_file)} -out {_word(csr_file)}"
    san = _quoted("subjectAltName=" + ",".join(_san_entries(names)))
    if algorithm.is_rsa:
        new_key = f"-newkey rsa:{algorithm.size}"
        addext = (f"openssl req -new {new_key} -nodes -sha256 \\\n  {files} \\\n"
                  f"  -subj {_quoted(subject)} \\\n  -addext {san}")
        make_key, config_key = "", f"{new_key} -nodes -sha256 \\\n  {files}"
    else:
        curve = "P-256" if algorithm is KeyAlgorithm.EC_P256 else "P-384"
        openssl_curve = "prime256v1" if algorithm is KeyAlgorithm.EC_P256 else "secp384r1"
        addext = (f"openssl req -new -nodes -sha256 \\\n  -newkey ec -pkeyopt ec_paramgen_curve:{curve} \\\n"
                  f"  {files} \\\n  -subj {_quoted(subject)} \\\n  -addext {san}")
        # 1.0.2's req cannot make an EC key itself (-pkeyopt with -newkey ec): ecparam makes it first.
        make_key = f"openssl ecparam -genkey -name {openssl_curve} -noout \\\n  -out {_word(key_file)}\n"
        config_key = f"-key {_word(key_file)} -sha256 \\\n  -out {_word(csr_file)}"
    dn = f"CN = {common_name}" if common_name else "O = IP address certificate request"
    numbered: dict[str, int] = {}
    entries = []
    for entry in _san_entries(names):
        kind, name = entry.split(":", 1)
        numbered[kind] = numbered.get(kind, 0) + 1
        entries.append(f"{kind}.{numbered[kind]} = {name}")
    config_text = "\n".join(["[req]", "prompt = no", "distinguished_name = dn", "[dn]", dn, "[san]",
                             "subjectAltName = @names", "[names]", *entries])
    return OpensslCommands(
        key_file=key_file, csr_file=csr_file, addext=addext,
        config_file=f"cat > {_word(config_file)} <<'EOF'\n{config_text}\nEOF",
        config_request=(f"{make_key}openssl req -new {config_key} \\\n"
                        f"  -config {_word(config_file)} -reqexts san"))


def _one_line_command(domains: Sequence[str] | None) -> str:
    """The -addext command on one line, for a message: `openssl req ... -addext "subjectAltName=..."`."""
    return openssl_commands(domains).addext.replace(" \\\n  ", " ")


# --- extensions and attributes ------------------------------------------------------------------------------

def _check_extensions(report: CsrReport, extensions: _Extensions) -> None:
    unknown = [ext.oid.dotted_string for ext in extensions
               if ext.critical and ext.oid not in KNOWN_EXTENSIONS]
    if unknown:
        report.add("unknown-critical-extension", f"the CSR marks the extension(s) {', '.join(unknown)} as "
                                                 "critical, which a CA cannot honour; "
                                                 f"{_REDO_HINT} without them")
    for ext in extensions:
        if isinstance(ext.value, x509.BasicConstraints) and ext.value.ca:
            report.add("ca-requested",
                       "the CSR asks for a CA certificate (basicConstraints CA:TRUE); a server certificate "
                       f"cannot be a CA, so {_REDO_HINT} without that extension")


def _check_attributes(report: CsrReport, attributes: list[x509.Attribute]) -> None:
    if any(attr.oid == AttributeOID.CHALLENGE_PASSWORD for attr in attributes):
        report.challenge_password_present = True
        report.note("challenge-password", "the CSR carries a challenge password; certwizard ignores it and "
                                          "never shows it. It is not needed for this certificate")


__all__ = ["CsrProblem", "CsrReport", "EXAMPLE_DOMAINS", "MAX_CSR_BYTES", "OpensslCommands", "PemBlock",
           "find_pem_blocks", "lint_csr", "openssl_commands", "too_large_report"]

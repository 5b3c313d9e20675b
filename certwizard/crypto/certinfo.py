"""Facts about a certificate for display, key/certificate matching, and chain verification for given domains.

Every string taken from a certificate goes through `printable`, because subjects and SANs are chosen by
whoever made the CSR and end up on a terminal.
"""

from __future__ import annotations

import ipaddress
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import NameOID
from cryptography.x509.verification import DNSName, IPAddress, PolicyBuilder, Store, VerificationError

from certwizard.crypto.key_facts import key_description as describe_key
from certwizard.crypto.key_facts import spki_sha256
from certwizard.domain.text import printable
from certwizard.errors import CertwizardError

MAX_PEM_BYTES = 256 * 1024
PEM_CERTIFICATE_BEGIN = b"-----BEGIN CERTIFICATE-----"
# The verifier needs a concrete host name; this label stands in for the `*` of a wildcard domain.
WILDCARD_PROBE_LABEL = "certwizard-wildcard-probe"


class CertificateError(CertwizardError, ValueError):
    """PEM text that is not the certificate(s) expected; the message says what to give instead."""


@dataclass(frozen=True)
class CertificateFacts:
    subject: str
    issuer: str
    serial_hex: str
    not_before: datetime
    not_after: datetime
    days_left: int                    # whole days until not_after (negative once expired)
    dns_names: tuple[str, ...]
    ip_addresses: tuple[str, ...]
    key_description: str              # "RSA 2048", "ECDSA P-256"
    sha256_fingerprint: str           # colon-separated upper-case hex, as browsers show it
    sha1_fingerprint: str
    spki_sha256: str                  # hex SHA-256 of the DER SubjectPublicKeyInfo, as in KeyRecord
    is_ca: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: datetimes as ISO 8601, name tuples as lists."""
        data = asdict(self)
        data["not_before"] = self.not_before.isoformat()
        data["not_after"] = self.not_after.isoformat()
        data["dns_names"] = list(self.dns_names)
        data["ip_addresses"] = list(self.ip_addresses)
        return data


# --- loading ------------------------------------------------------------------------------------------------

def _as_bytes(pem: str | bytes, what: str) -> bytes:
    data = pem.encode("utf-8", "replace") if isinstance(pem, str) else bytes(pem)
    if len(data) > MAX_PEM_BYTES:
        raise CertificateError(f"the {what} is {len(data)} bytes; certificates are a few KB each "
                               f"(limit {MAX_PEM_BYTES}). Give only the -----BEGIN CERTIFICATE----- blocks")
    return data


def load_certificates(pem: str | bytes, what: str = "certificate text") -> list[x509.Certificate]:
    """Every certificate in `pem`, in order; an empty text gives an empty list."""
    data = _as_bytes(pem, what)
    if PEM_CERTIFICATE_BEGIN not in data:
        if data.strip():
            raise CertificateError(f"the {what} holds no -----BEGIN CERTIFICATE----- block; give PEM "
                                   "certificates (a private key or a CSR is not accepted here)")
        return []
    try:
        return x509.load_pem_x509_certificates(data)
    except ValueError:
        raise CertificateError(f"the {what} contains a damaged certificate; give complete "
                               "-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE----- blocks") from None


def load_certificate(cert: str | bytes | x509.Certificate, what: str = "certificate") -> x509.Certificate:
    """Exactly one certificate from PEM text (or the object itself)."""
    if isinstance(cert, x509.Certificate):
        return cert
    certificates = load_certificates(cert, what)
    if len(certificates) != 1:
        raise CertificateError(f"the {what} holds {len(certificates)} certificates; give exactly one "
                               "(the server's own certificate; intermediates go in the chain)")
    return certificates[0]


# --- facts --------------------------------------------------------------------------------------------------

def _colon_hex(data: bytes) -> str:
    return ":".join(f"{byte:02X}" for byte in data)


def _serial_hex(serial: int) -> str:
    text = format(serial, "x")
    return text if len(text) % 2 == 0 else "0" + text


def _subject_alternative_names(cert: x509.Certificate) -> tuple[list[str], list[str]]:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return [], []
    return san.get_values_for_type(x509.DNSName), [str(ip) for ip in san.get_values_for_type(x509.IPAddress)]


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        return False


def _aware(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError("`now` has no time zone; pass an aware datetime such as datetime.now(UTC)")
    return now


def describe_certificate(cert_pem: str | bytes | x509.Certificate,
                         now: datetime | None = None) -> CertificateFacts:
    """What a person (or `--json`) needs to know about one certificate."""
    cert = load_certificate(cert_pem)
    dns_names, ip_addresses = _subject_alternative_names(cert)
    not_after = cert.not_valid_after_utc
    return CertificateFacts(
        subject=printable(cert.subject.rfc4514_string()),
        issuer=printable(cert.issuer.rfc4514_string()),
        serial_hex=_serial_hex(cert.serial_number),
        not_before=cert.not_valid_before_utc,
        not_after=not_after,
        days_left=(not_after - _aware(now)).days,
        dns_names=tuple(printable(name) for name in dns_names),
        ip_addresses=tuple(ip_addresses),
        key_description=describe_key(cert.public_key()),
        sha256_fingerprint=_colon_hex(cert.fingerprint(hashes.SHA256())),
        sha1_fingerprint=_colon_hex(cert.fingerprint(hashes.SHA1())),
        spki_sha256=spki_sha256(cert.public_key()),
        is_ca=_is_ca(cert),
    )


def primary_name(cert: x509.Certificate) -> str | None:
    """The name a certificate is known by: its CN, else its first SAN (raw, not yet made printable)."""
    common_names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if common_names and isinstance(common_names[0].value, str):
        return common_names[0].value
    dns_names, ip_addresses = _subject_alternative_names(cert)
    names = dns_names + ip_addresses
    return names[0] if names else None


def key_matches_certificate(private_key: Any, cert: str | bytes | x509.Certificate) -> bool:
    """True when `private_key` is the key whose public half `cert` certifies."""
    certificate = load_certificate(cert)
    return spki_sha256(private_key.public_key()) == spki_sha256(certificate.public_key())


# --- chain verification -------------------------------------------------------------------------------------

def _validity_problem(cert: x509.Certificate, now: datetime) -> str | None:
    if now < cert.not_valid_before_utc:
        return (f"the certificate is not valid yet: it starts at {cert.not_valid_before_utc:%Y-%m-%d %H:%M} "
                "UTC; check this machine's clock or wait until then")
    if now > cert.not_valid_after_utc:
        return (f"the certificate expired at {cert.not_valid_after_utc:%Y-%m-%d %H:%M} UTC; "
                "renew it and install the new certificate")
    return None


def _covers(san_dns: list[str], san_ips: list[str], domain: str) -> bool:
    if _ip_or_none(domain) is not None:
        return str(_ip_or_none(domain)) in san_ips
    wanted = domain.lower()
    names = [name.lower() for name in san_dns]
    if wanted in names:
        return True
    if "." in wanted and not wanted.startswith("*."):
        return "*." + wanted.split(".", 1)[1] in names
    return False


def _ip_or_none(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _verifier_subject(domain: str) -> DNSName | IPAddress:
    ip = _ip_or_none(domain)
    if ip is not None:
        return IPAddress(ip)
    if domain.startswith("*."):
        return DNSName(f"{WILDCARD_PROBE_LABEL}.{domain[2:]}")
    return DNSName(domain)


def _verify_for(domain: str, leaf: x509.Certificate, intermediates: list[x509.Certificate],
                roots: list[x509.Certificate], now: datetime) -> str | None:
    try:
        policy = PolicyBuilder().store(Store(roots)).time(now)
        policy.build_server_verifier(_verifier_subject(domain)).verify(leaf, intermediates)
    except VerificationError as exc:
        return printable(str(exc))
    except ValueError as exc:  # e.g. a domain the verifier cannot even parse as a DNS name
        return printable(str(exc))
    return None


def verify_chain(cert_pem: str | bytes, chain_pem: str | bytes, root_pem: str | bytes, domains: list[str],
                 now: datetime | None = None) -> list[str]:
    """What would stop a client that trusts only `root_pem` from accepting the certificate for `domains`.

    An empty list means every domain verifies through the chain at `now`.
    """
    try:
        leaf = load_certificate(cert_pem)
        intermediates = load_certificates(chain_pem, "chain")
        roots = load_certificates(root_pem, "root certificate")
    except CertificateError as exc:
        return [str(exc)]
    if not roots:
        return ["no root certificate was given; give the root CA certificate the clients trust"]
    if not domains:
        return ["no domains were given to check; give the domains the certificate should serve"]
    when = _aware(now)
    expired = _validity_problem(leaf, when)
    if expired:
        return [expired]
    san_dns, san_ips = _subject_alternative_names(leaf)
    covered_list = ", ".join(printable(name) for name in san_dns + san_ips) or "no names"
    problems: list[str] = []
    failures: dict[str, list[str]] = {}
    for domain in domains:
        if not _covers(san_dns, san_ips, domain):
            problems.append(f"the certificate does not cover {printable(domain)}; it covers {covered_list}. "
                            "Apply for a certificate that includes it")
            continue
        reason = _verify_for(domain, leaf, intermediates, roots, when)
        if reason is not None:
            failures.setdefault(reason, []).append(printable(domain))
    for reason, failed in failures.items():
        problems.append(f"the chain does not verify for {', '.join(failed)}: {reason}. Check that the "
                        "chain holds the intermediate that issued the certificate and that the root is the "
                        "right one")
    return problems


__all__ = ["CertificateFacts", "CertificateError", "describe_certificate", "describe_key",
           "key_matches_certificate", "load_certificate", "load_certificates", "primary_name", "spki_sha256",
           "verify_chain"]

"""Build the certificate signing request for a key certwizard generated (automatic mode)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from certwizard.domain.models import Company
from certwizard.domain.text import require_printable

MAX_COMMON_NAME = 64          # RFC 5280 ub-common-name
_SUBJECT_LIMITS = {           # RFC 5280 upper bounds
    "organization": 64,
    "locality": 128,
    "state": 128,
}


@dataclass(frozen=True)
class CsrSubject:
    """Company details put in the subject for professional (OV/EV) products. Empty values are left out."""

    organization: str | None = None
    locality: str | None = None
    state: str | None = None
    country: str | None = None          # ISO 3166-1 alpha-2, e.g. "CN"

    def __post_init__(self) -> None:
        for field, limit in _SUBJECT_LIMITS.items():
            value = getattr(self, field)
            if value:
                _check_text(field, value, limit)
        if self.country and not (len(self.country) == 2 and self.country.isascii() and self.country.isupper()
                                 and self.country.isalpha()):
            raise ValueError(f"country {self.country!r} is not a two-letter ISO 3166 code; "
                             "use upper-case letters such as CN, US or DE")

    @classmethod
    def from_company(cls, company: Company) -> CsrSubject:
        """O/L/ST/C from validated company details; ST is the province's name, not its ISO 3166-2 code."""
        from certwizard.domain.fields import subdivision_name  # only needed here

        location = company.location
        state = subdivision_name(location.province) if location.province else None
        return cls(organization=company.name, locality=location.city or None, state=state,
                   country=location.country or None)

    def attributes(self) -> list[x509.NameAttribute]:
        """C, ST, L, O in the conventional order (most general first)."""
        pairs = ((NameOID.COUNTRY_NAME, self.country), (NameOID.STATE_OR_PROVINCE_NAME, self.state),
                 (NameOID.LOCALITY_NAME, self.locality), (NameOID.ORGANIZATION_NAME, self.organization))
        return [x509.NameAttribute(oid, value) for oid, value in pairs if value]


def _check_text(field: str, value: str, limit: int) -> None:
    try:
        require_printable(value)
    except ValueError as exc:
        raise ValueError(f"{field} {exc}") from None
    if len(value) > limit:
        raise ValueError(f"{field} is {len(value)} characters; a certificate holds at most {limit}, "
                         "so shorten or abbreviate it")


def _general_name(name: str) -> x509.GeneralName:
    """An iPAddress entry for an IP literal, else a dNSName (which must already be ASCII/punycode)."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"domain {name!r} is empty or not text; give names such as www.example.com")
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        pass
    if not name.isascii() or not name.isprintable() or any(ch.isspace() for ch in name):
        raise ValueError(f"domain {name!r} contains spaces, control or non-ASCII characters; give it in "
                         "ASCII, with internationalised labels as punycode (xn--...)")
    return x509.DNSName(name)


def _unique(domains: list[str]) -> list[str]:
    seen: dict[str, str] = {}
    for name in domains:
        seen.setdefault(name.lower() if isinstance(name, str) else name, name)
    return list(seen.values())


def _common_name(first: x509.GeneralName) -> str | None:
    """The first name as CN, or None: an IP (Boulder refuses IP CNs) or a name over 64 characters lives in SAN
    only, which is all modern clients read."""
    if isinstance(first, x509.DNSName) and len(first.value) <= MAX_COMMON_NAME:
        return first.value
    return None


def build_csr(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, domains: list[str],
              subject: CsrSubject | None = None) -> bytes:
    """PEM CSR signed with SHA-256: CN = first domain (when it fits), every domain in subjectAltName."""
    if not isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
        raise TypeError("only RSA and ECDSA keys can sign a certwizard CSR")
    if not domains:
        raise ValueError("a CSR needs at least one domain; give the names to bind, e.g. www.example.com")
    names = [_general_name(d) for d in _unique(list(domains))]
    attributes = subject.attributes() if subject else []
    common_name = _common_name(names[0])
    if common_name is not None:
        attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    builder = x509.CertificateSigningRequestBuilder().subject_name(x509.Name(attributes))
    # RFC 5280 4.2.1.6: with an empty subject the SAN extension must be critical.
    builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=not attributes)
    csr = builder.sign(key, hashes.SHA256())
    return csr.public_bytes(serialization.Encoding.PEM)


__all__ = ["CsrSubject", "MAX_COMMON_NAME", "build_csr"]

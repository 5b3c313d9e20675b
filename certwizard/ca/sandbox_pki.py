"""The sandbox CA: a real local root and intermediate, created on first use, that issue server certificates.

Nothing it issues is publicly trusted; a user trusts `root_pem_path` on purpose to test a server with it.

Layout under the caller's folder (0700):
    .create.lock                 filelock that serialises first-time creation between processes
    .publish.lock                filelock that serialises re-signing the CRL
    pki/root-ca.pem, root-ca.key, intermediate-ca.pem, intermediate-ca.key   (keys 0600)
    pki/intermediate-ca.cer      the intermediate in DER: what the leaves' caIssuers (AIA) names
    pki/intermediate-ca.crl      the intermediate's CRL in DER: what the leaves' CRL distribution point names

Leaves carry what the Baseline Requirements (7.1.2.7) ask of a subscriber certificate: the CA/Browser Forum
policy OID of their validation level (certificatePolicies), caIssuers, and a CRL distribution point. Both
point at the files above by `file://` URL, since the sandbox has no web server. The CRL lasts 7 days (BR 4.9.7
allows 10) and is re-signed, keeping its entries, whenever the CA is loaded with less than half of that left;
`publish_crl(revoked)` adds revoked certificates to it.

The CA is generated in a private staging folder and published with one `rename` of that folder, so a crash or
a second process can never observe (or leave behind) half a CA: `pki/` holds a complete CA or does not exist.

CA keys are ECDSA P-384, signing with SHA-384: key generation takes ~0.1 ms (RSA 3072 takes ~0.1 s median
with a ~1 s tail, which would stretch the lock that racing processes wait on), certificates and handshakes are
small, every current TLS stack accepts ECDSA CAs, and P-384/SHA-384 is at least as strong as any leaf key we
sign (RSA 2048-4096, P-256, P-384).
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
import shutil
import stat
from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID
from filelock import FileLock, Timeout

from certwizard.domain.text import printable, require_printable
from certwizard.errors import CertwizardError
from certwizard.system.securefs import (
    PRIVATE_DIR_MODE,
    PUBLIC_FILE_MODE,
    TEMP_PREFIX,
    FileTooLargeError,
    UnsafePathError,
    atomic_replace,
    create_new_file,
    create_private_file,
    ensure_private_dir,
    fsync_dir,
    read_regular_file,
)

ROOT_COMMON_NAME = "certwizard Sandbox Root CA"
INTERMEDIATE_COMMON_NAME = "certwizard Sandbox Intermediate CA"
SANDBOX_ORGANIZATION = "certwizard sandbox (NOT TRUSTED)"
ROOT_VALIDITY = timedelta(days=3652)          # 10 years
INTERMEDIATE_VALIDITY = timedelta(days=1826)  # 5 years
CLOCK_SKEW = timedelta(minutes=1)
MAX_VALIDITY_DAYS = 398                        # CA/B Forum ceiling; products ask for less
MAX_CSR_BYTES = 16 * 1024
MAX_CA_FILE_BYTES = 64 * 1024
MIN_RSA_BITS = 2048
ACCEPTED_CURVES = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}
LOCK_TIMEOUT_SECONDS = 60.0

PKI_DIRNAME = "pki"
LOCK_NAME = ".create.lock"
# Only our own staging folders carry this prefix, so cleaning them up never touches a neighbour's temp files.
STAGING_PREFIX = f"{TEMP_PREFIX}pki-"
ROOT_CERT_NAME = "root-ca.pem"
ROOT_KEY_NAME = "root-ca.key"
INTERMEDIATE_CERT_NAME = "intermediate-ca.pem"
INTERMEDIATE_KEY_NAME = "intermediate-ca.key"
CA_ISSUERS_NAME = "intermediate-ca.cer"
CRL_NAME = "intermediate-ca.crl"
PUBLISH_LOCK_NAME = ".publish.lock"
CRL_VALIDITY = timedelta(days=7)               # BR 4.9.7: nextUpdate at most 10 days after thisUpdate
MAX_CRL_BYTES = 16 * 1024 * 1024
# CA/Browser Forum reserved policy identifiers (BR 7.1.6.1): domain-, organization-, extended-validated.
POLICY_OIDS = {"DV": "2.23.140.1.2.1", "OV": "2.23.140.1.2.2", "EV": "2.23.140.1.1"}

RevokedEntry = tuple[int | str, datetime]      # (serial, as an int or in hex as shown; revocation time)

_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_DNS_NAME = re.compile(rf"(\*\.)?({_LABEL}\.)+{_LABEL}", re.IGNORECASE)


class SandboxCAError(CertwizardError):
    """The CA folder cannot be created or loaded (busy, damaged or tampered with)."""


class IssuanceError(CertwizardError, ValueError):
    """A CSR, a domain list or a validity was refused; the message says what would be accepted."""


@dataclass(frozen=True)
class SubjectOrganization:
    """The organisation put in the subject of OV/EV certificates (DV certificates carry only the CN)."""

    name: str
    country: str            # ISO 3166-1 alpha-2, e.g. "CN"
    state: str = ""
    locality: str = ""

    @classmethod
    def from_mapping(cls, values: Mapping[str, str]) -> "SubjectOrganization":
        """From a stored dict: `name` (or `organization`), `country`, optional `state` and `locality`."""
        name = values.get("name") or values.get("organization") or ""
        return cls(name=name, country=values.get("country", ""), state=values.get("state", ""),
                   locality=values.get("locality", ""))


@dataclass(frozen=True)
class IssuedBundle:
    certificate_pem: str
    chain_pem: str          # the intermediate only; servers send it after the leaf, never the root
    root_pem: str
    serial_hex: str
    not_before: datetime
    not_after: datetime


@dataclass(frozen=True)
class _Authority:
    root: x509.Certificate
    intermediate: x509.Certificate
    intermediate_key: ec.EllipticCurvePrivateKey = field(repr=False)


class SandboxPKI:
    """The sandbox CA living in `ca_dir` (e.g. `DataLayout.ca_dir`); created on first use."""

    def __init__(self, ca_dir: str | os.PathLike[str]) -> None:
        self.ca_dir = Path(ca_dir)
        self._authority: _Authority | None = None

    @property
    def pki_dir(self) -> Path:
        return self.ca_dir / PKI_DIRNAME

    @property
    def root_pem_path(self) -> Path:
        """The certificate users add to a trust store (browser, `curl --cacert`) to trust sandbox certs."""
        return self.pki_dir / ROOT_CERT_NAME

    @property
    def intermediate_pem_path(self) -> Path:
        return self.pki_dir / INTERMEDIATE_CERT_NAME

    @property
    def root_certificate(self) -> x509.Certificate:
        return self._loaded().root

    @property
    def intermediate_certificate(self) -> x509.Certificate:
        return self._loaded().intermediate

    def ensure(self) -> "SandboxPKI":
        """Create the CA if this folder has none yet, then load it and check its files belong together.

        A CA made before the CRL and caIssuers files existed gets them now; a CRL past half its life is
        re-signed (entries kept)."""
        ensure_private_dir(self.ca_dir)
        if not os.path.lexists(self.pki_dir):
            with self._creation_lock():
                # Another process may have created it while we waited for the lock.
                if not os.path.lexists(self.pki_dir):
                    _create_authority(self.ca_dir, self.pki_dir)
        authority = _load_authority(self.pki_dir)
        self._authority = authority
        if self._needs_publishing(authority, datetime.now(UTC)):
            self.publish_crl()
        return self

    def publish_crl(self, revoked: Iterable[RevokedEntry] = (), now: datetime | None = None) -> Path:
        """Sign and publish the CRL again: the entries it holds plus `revoked` (serial, revocation time).

        The CRL number goes up by one each time; the caIssuers copy of the intermediate is rewritten too if it
        is missing or wrong. Refuses (SandboxCAError) a CRL that is there but damaged, rather than drop its
        entries."""
        authority = self._loaded()
        moment = now or datetime.now(UTC)
        wanted = [(int(serial, 16) if isinstance(serial, str) else int(serial), when)
                  for serial, when in revoked]
        with self._lock(PUBLISH_LOCK_NAME, "publishing the sandbox CA's CRL"):
            current = _read_crl(self.pki_dir, authority.intermediate)
            entries: dict[int, datetime] = {}
            number = 0
            if current is not None:
                entries = {e.serial_number: e.revocation_date_utc for e in current}
                number = _crl_number(current)
            for serial, when in wanted:
                entries.setdefault(serial, when.astimezone(UTC))
            der = _crl_der(authority.intermediate, authority.intermediate_key, entries, number + 1, moment)
            atomic_replace(self.crl_path, der, PUBLIC_FILE_MODE)
            issuer_der = authority.intermediate.public_bytes(serialization.Encoding.DER)
            if _read_optional(self.ca_issuers_path, MAX_CA_FILE_BYTES) != issuer_der:
                atomic_replace(self.ca_issuers_path, issuer_der, PUBLIC_FILE_MODE)
        return self.crl_path

    def _needs_publishing(self, authority: _Authority, now: datetime) -> bool:
        issuer_der = authority.intermediate.public_bytes(serialization.Encoding.DER)
        if _read_optional(self.ca_issuers_path, MAX_CA_FILE_BYTES) != issuer_der:
            return True
        current = _read_crl(self.pki_dir, authority.intermediate)
        if current is None or current.next_update_utc is None:
            return True
        return current.next_update_utc - now < CRL_VALIDITY / 2

    @property
    def crl_path(self) -> Path:
        """The intermediate's CRL (DER), named by every leaf's CRL distribution point."""
        return self.pki_dir / CRL_NAME

    @property
    def ca_issuers_path(self) -> Path:
        """The intermediate certificate (DER), named by every leaf's caIssuers."""
        return self.pki_dir / CA_ISSUERS_NAME

    def issue(self, csr_pem: bytes | str, domains: list[str], validity_days: int,
              not_before: datetime | None = None,
              organization: SubjectOrganization | Mapping[str, str] | None = None,
              level: str | None = None, lifetime: timedelta | None = None) -> IssuedBundle:
        """Sign a server certificate for exactly `domains` with the public key of `csr_pem`.

        Only the CSR's public key is used (after its signature is checked); the subject and SANs come from
        the arguments, never from what the CSR asks for. `organization` (OV/EV) may also be a stored dict,
        see `SubjectOrganization.from_mapping`. `level` ("DV", "OV" or "EV", e.g. a product's
        ValidationLevel) picks the policy OID; without it, OV when there is an organization, else DV.
        `lifetime` replaces `validity_days` (the sandbox's short lifetimes, to watch renewal happen).
        """
        if isinstance(organization, Mapping):
            organization = SubjectOrganization.from_mapping(organization)
        level = str(level) if level is not None else ("OV" if organization is not None else "DV")
        if level not in POLICY_OIDS:
            raise IssuanceError(f"validation level {printable(level)!r} is not one of DV, OV or EV")
        if level != "DV" and organization is None:
            raise IssuanceError(f"an {level} certificate names the organization; give its details")
        authority = self._loaded()
        public_key = _verified_public_key(_load_csr(csr_pem))
        names = _general_names(domains)
        start, end = _validity(validity_days, not_before, authority.intermediate, lifetime)
        serial = _random_serial()
        subject = _leaf_subject(domains[0], organization)
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(authority.intermediate.subject)
            .public_key(public_key)
            .serial_number(serial)
            .not_valid_before(start)
            .not_valid_after(end)
        )
        published = _Published(ca_issuers=_file_uri(self.ca_issuers_path), crl=_file_uri(self.crl_path),
                               policy=POLICY_OIDS[level])
        for extension, critical in _leaf_extensions(public_key, names, authority.intermediate, published,
                                                    subject_is_empty=len(subject) == 0):
            builder = builder.add_extension(extension, critical=critical)
        certificate = builder.sign(authority.intermediate_key, hashes.SHA384())
        return IssuedBundle(
            certificate_pem=_pem(certificate),
            chain_pem=_pem(authority.intermediate),
            root_pem=_pem(authority.root),
            serial_hex=format_serial(serial),
            not_before=certificate.not_valid_before_utc,
            not_after=certificate.not_valid_after_utc,
        )

    def _loaded(self) -> _Authority:
        if self._authority is None:
            self.ensure()
        assert self._authority is not None
        return self._authority

    def _creation_lock(self) -> AbstractContextManager[None]:
        return self._lock(LOCK_NAME, "creating the sandbox CA")

    @contextmanager
    def _lock(self, name: str, doing: str) -> Iterator[None]:
        lock = FileLock(self.ca_dir / name, timeout=LOCK_TIMEOUT_SECONDS, mode=0o600)
        try:
            lock.acquire()
        except Timeout:
            raise SandboxCAError(
                f"another certwizard process has been {doing} in {self.ca_dir} for over "
                f"{LOCK_TIMEOUT_SECONDS:.0f} s; wait for it to finish and try again") from None
        try:
            yield
        finally:
            lock.release()


def format_serial(serial: int) -> str:
    """Lower-case hex with an even number of digits, the way certificate tools print serials."""
    text = format(serial, "x")
    return text if len(text) % 2 == 0 else "0" + text


# --- creating the CA ----------------------------------------------------------------------------------------

def _create_authority(ca_dir: Path, pki_dir: Path) -> None:
    """Generate root + intermediate into a staging folder and publish it with one rename."""
    _remove_abandoned_staging(ca_dir)
    now = datetime.now(UTC)
    tag = secrets.token_hex(4)  # tells two sandbox CAs apart in a trust store
    root_key = ec.generate_private_key(ec.SECP384R1())
    root = _root_certificate(root_key, now, tag)
    intermediate_key = ec.generate_private_key(ec.SECP384R1())
    intermediate = _intermediate_certificate(intermediate_key, root, root_key, now, tag)
    staging = ca_dir / f"{STAGING_PREFIX}{secrets.token_hex(6)}"
    os.mkdir(staging, PRIVATE_DIR_MODE)
    try:
        os.chmod(staging, PRIVATE_DIR_MODE)
        create_private_file(staging / ROOT_KEY_NAME, _key_pem(root_key))
        create_new_file(staging / ROOT_CERT_NAME, _pem(root).encode(), PUBLIC_FILE_MODE)
        create_private_file(staging / INTERMEDIATE_KEY_NAME, _key_pem(intermediate_key))
        create_new_file(staging / INTERMEDIATE_CERT_NAME, _pem(intermediate).encode(), PUBLIC_FILE_MODE)
        create_new_file(staging / CA_ISSUERS_NAME, intermediate.public_bytes(serialization.Encoding.DER),
                        PUBLIC_FILE_MODE)
        create_new_file(staging / CRL_NAME, _crl_der(intermediate, intermediate_key, {}, 1, now),
                        PUBLIC_FILE_MODE)
        os.rename(staging, pki_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    fsync_dir(ca_dir)


def _remove_abandoned_staging(ca_dir: Path) -> None:
    """Staging folders left by a creator that died; safe because we hold the creation lock."""
    for entry in os.scandir(ca_dir):
        if entry.name.startswith(STAGING_PREFIX) and entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)


def _ca_name(common_name: str, tag: str) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, SANDBOX_ORGANIZATION),
        x509.NameAttribute(NameOID.COMMON_NAME, f"{common_name} {tag}"),
    ])


_CA_KEY_USAGE = x509.KeyUsage(
    digital_signature=False, content_commitment=False, key_encipherment=False, data_encipherment=False,
    key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False)


def _root_certificate(key: ec.EllipticCurvePrivateKey, now: datetime, tag: str) -> x509.Certificate:
    name = _ca_name(ROOT_COMMON_NAME, tag)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(_random_serial())
        .not_valid_before(now - CLOCK_SKEW)
        .not_valid_after(now + ROOT_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
        .add_extension(_CA_KEY_USAGE, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA384())
    )


def _intermediate_certificate(key: ec.EllipticCurvePrivateKey, root: x509.Certificate,
                              root_key: ec.EllipticCurvePrivateKey, now: datetime,
                              tag: str) -> x509.Certificate:
    root_ski = root.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return (
        x509.CertificateBuilder()
        .subject_name(_ca_name(INTERMEDIATE_COMMON_NAME, tag))
        .issuer_name(root.subject)
        .public_key(key.public_key())
        .serial_number(_random_serial())
        .not_valid_before(now - CLOCK_SKEW)
        .not_valid_after(now + INTERMEDIATE_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_CA_KEY_USAGE, critical=True)
        # Limits the intermediate to TLS server certificates, as the CA/B Forum asks of issuing CAs.
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(root_ski),
                       critical=False)
        .sign(root_key, hashes.SHA384())
    )


# --- loading and checking an existing CA --------------------------------------------------------------------

def _damaged(pki_dir: Path, problem: str) -> SandboxCAError:
    return SandboxCAError(
        f"the sandbox CA in {pki_dir} is damaged: {problem}. Move that folder somewhere else (keep it if you "
        f"trusted its root) and run certwizard again to create a new sandbox CA, then trust the new "
        f"{ROOT_CERT_NAME}")


def _read_ca_file(pki_dir: Path, name: str) -> bytes:
    path = pki_dir / name
    try:
        return read_regular_file(path, MAX_CA_FILE_BYTES)
    except FileNotFoundError:
        raise _damaged(pki_dir, f"{name} is missing") from None
    except OSError as exc:
        raise _damaged(pki_dir, f"{name} cannot be read ({exc.strerror or exc})") from None


def _read_ca_key(pki_dir: Path, name: str) -> ec.EllipticCurvePrivateKey:
    data = _read_ca_file(pki_dir, name)
    mode = stat.S_IMODE(os.stat(pki_dir / name, follow_symlinks=False).st_mode)
    if mode & 0o077:
        raise SandboxCAError(f"the sandbox CA key {pki_dir / name} is readable by other users (mode "
                             f"{mode:04o}); restrict it with `chmod 600 {pki_dir / name}` and try again")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise _damaged(pki_dir, f"{name} is not an unencrypted PEM private key") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise _damaged(pki_dir, f"{name} is not an ECDSA key")
    return key


def _read_ca_certificate(pki_dir: Path, name: str) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(_read_ca_file(pki_dir, name))
    except ValueError:
        raise _damaged(pki_dir, f"{name} is not a PEM certificate") from None


def _same_public_key(a: object, b: object) -> bool:
    def der(key: object) -> bytes:
        return key.public_bytes(serialization.Encoding.DER,  # type: ignore[attr-defined]
                                serialization.PublicFormat.SubjectPublicKeyInfo)
    return der(a) == der(b)


def _is_ca(certificate: x509.Certificate) -> bool:
    try:
        return certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        return False


def _issued_by(child: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        child.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _load_authority(pki_dir: Path) -> _Authority:
    st = os.lstat(pki_dir)
    if not stat.S_ISDIR(st.st_mode):
        raise _damaged(pki_dir, "it is not a real folder (a symbolic link or a file)")
    root = _read_ca_certificate(pki_dir, ROOT_CERT_NAME)
    root_key = _read_ca_key(pki_dir, ROOT_KEY_NAME)
    intermediate = _read_ca_certificate(pki_dir, INTERMEDIATE_CERT_NAME)
    intermediate_key = _read_ca_key(pki_dir, INTERMEDIATE_KEY_NAME)
    if not (_is_ca(root) and _issued_by(root, root)):
        raise _damaged(pki_dir, f"{ROOT_CERT_NAME} is not a self-signed CA certificate")
    if not _same_public_key(root_key.public_key(), root.public_key()):
        raise _damaged(pki_dir, f"{ROOT_KEY_NAME} does not belong to {ROOT_CERT_NAME}")
    if not (_is_ca(intermediate) and _issued_by(intermediate, root)):
        raise _damaged(pki_dir, f"{INTERMEDIATE_CERT_NAME} was not issued by {ROOT_CERT_NAME}")
    if not _same_public_key(intermediate_key.public_key(), intermediate.public_key()):
        raise _damaged(pki_dir, f"{INTERMEDIATE_KEY_NAME} does not belong to {INTERMEDIATE_CERT_NAME}")
    return _Authority(root=root, intermediate=intermediate, intermediate_key=intermediate_key)


# --- issuing ------------------------------------------------------------------------------------------------

def _load_csr(csr_pem: bytes | str) -> x509.CertificateSigningRequest:
    data = csr_pem.encode("ascii", "replace") if isinstance(csr_pem, str) else csr_pem
    if len(data) > MAX_CSR_BYTES:
        raise IssuanceError(f"the CSR is {len(data)} bytes; a CSR is a few KB (limit {MAX_CSR_BYTES}). "
                            "Give only the -----BEGIN CERTIFICATE REQUEST----- block")
    if data.count(b"-----BEGIN") != 1:
        raise IssuanceError("give exactly one PEM block, the -----BEGIN CERTIFICATE REQUEST----- one")
    try:
        return x509.load_pem_x509_csr(data)
    except ValueError:
        raise IssuanceError("the CSR cannot be read as a PEM certificate request; give the whole -----BEGIN "
                            "CERTIFICATE REQUEST----- ... -----END CERTIFICATE REQUEST----- block") from None


def _verified_public_key(csr: x509.CertificateSigningRequest) -> rsa.RSAPublicKey | ec.EllipticCurvePublicKey:
    public_key = _accepted_public_key(csr)
    try:
        hash_algorithm = csr.signature_hash_algorithm
    except UnsupportedAlgorithm:
        hash_algorithm = None
    # Checked before the signature: cryptography reports a SHA-1 signature as merely "invalid".
    if not isinstance(hash_algorithm, (hashes.SHA256, hashes.SHA384, hashes.SHA512)):
        name = hash_algorithm.name.upper() if hash_algorithm else "an unsupported algorithm"
        raise IssuanceError(f"the CSR is signed with {name}; sign it with SHA-256, SHA-384 or SHA-512")
    if not csr.is_signature_valid:
        raise IssuanceError("the CSR's signature does not verify, so it does not prove possession of the "
                            "key; generate the CSR again with the matching private key")
    return public_key


def _accepted_public_key(csr: x509.CertificateSigningRequest) -> rsa.RSAPublicKey | ec.EllipticCurvePublicKey:
    try:
        public_key = csr.public_key()
    except (ValueError, UnsupportedAlgorithm):
        public_key = None
    if isinstance(public_key, rsa.RSAPublicKey):
        if public_key.key_size < MIN_RSA_BITS:
            raise IssuanceError(f"the CSR's RSA key has {public_key.key_size} bits; "
                                f"use at least {MIN_RSA_BITS}")
        return public_key
    if isinstance(public_key, ec.EllipticCurvePublicKey) and public_key.curve.name in ACCEPTED_CURVES:
        return public_key
    raise IssuanceError("the CSR's key type is not accepted; use RSA (2048 bits or more) or ECDSA "
                        f"({', '.join(ACCEPTED_CURVES.values())})")


def _general_names(domains: list[str]) -> list[x509.GeneralName]:
    if not domains:
        raise IssuanceError("no domains given; a certificate needs at least one domain or IP address")
    names: list[x509.GeneralName] = []
    seen: set[str] = set()
    for domain in domains:
        shown = printable(domain)
        if domain.lower() in seen:
            raise IssuanceError(f"{shown!r} is listed twice; give each domain once")
        seen.add(domain.lower())
        if _is_ip_literal(domain):
            names.append(x509.IPAddress(ipaddress.ip_address(domain)))
        elif len(domain) <= 253 and _DNS_NAME.fullmatch(domain):
            names.append(x509.DNSName(domain))
        else:
            raise IssuanceError(f"{shown!r} is not a domain name or IP address the CA can sign; give ASCII "
                                "names such as www.example.com, *.example.com or xn--fsq.example.com, "
                                "or an IP literal")
    return names


def _is_ip_literal(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return "%" not in text  # a scoped IPv6 address names an interface, not a host


def _validity(validity_days: int, not_before: datetime | None,
              intermediate: x509.Certificate, lifetime: timedelta | None = None) -> tuple[datetime, datetime]:
    if isinstance(validity_days, bool) or not isinstance(validity_days, int) \
            or not 1 <= validity_days <= MAX_VALIDITY_DAYS:
        raise IssuanceError(f"validity of {validity_days!r} days is not possible; "
                            f"give 1 to {MAX_VALIDITY_DAYS}")
    if not_before is None:
        start = datetime.now(UTC) - CLOCK_SKEW
    elif not_before.tzinfo is None:
        raise IssuanceError("not_before has no time zone; give an aware datetime such as datetime.now(UTC)")
    else:
        start = not_before.astimezone(UTC)
    # Validity counts both ends (RFC 5280), so N days end one second before the N-day mark.
    if lifetime is not None and not_before is None:
        start = datetime.now(UTC).replace(microsecond=0)   # a short lifetime is not shifted by the skew allowance
    end = start + (lifetime if lifetime is not None else timedelta(days=validity_days)) - timedelta(seconds=1)
    # A certificate must not outlive the CA that issued it.
    return start, min(end, intermediate.not_valid_after_utc)


def _random_serial() -> int:
    """A positive 16-byte serial: 127 random bits with the top one set, so the DER length is always 16."""
    return secrets.randbits(127) | (1 << 126)


def _leaf_subject(first_domain: str, organization: SubjectOrganization | None) -> x509.Name:
    attributes: list[x509.NameAttribute] = []
    if organization is not None:
        attributes.extend(_organization_attributes(organization))
    if len(first_domain) <= 64:  # RFC 5280 ub-common-name; a longer first name lives only in the SANs
        attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, first_domain))
    return x509.Name(attributes)


def _organization_attributes(organization: SubjectOrganization) -> list[x509.NameAttribute]:
    country = organization.country
    if not re.fullmatch(r"[A-Z]{2}", country):
        raise IssuanceError(f"country {printable(country)!r} is not a two-letter ISO 3166 code "
                            "such as CN or US")
    fields = [(NameOID.COUNTRY_NAME, "country", country, 2), (NameOID.STATE_OR_PROVINCE_NAME, "state",
              organization.state, 128), (NameOID.LOCALITY_NAME, "locality", organization.locality, 128),
              (NameOID.ORGANIZATION_NAME, "organization name", organization.name, 64)]
    if not organization.name.strip():
        raise IssuanceError("the organization name is empty; give the registered company name")
    attributes = []
    for oid, label, value, limit in fields:
        if not value:
            continue
        try:
            require_printable(value)
        except ValueError as exc:
            raise IssuanceError(f"the {label} {exc}") from None
        if len(value) > limit:
            raise IssuanceError(f"the {label} is {len(value)} characters; "
                                f"a certificate allows at most {limit}")
        attributes.append(x509.NameAttribute(oid, value))
    return attributes


@dataclass(frozen=True)
class _Published:
    """Where a leaf says its issuer and the issuer's CRL are published, and the policy it was issued under."""

    ca_issuers: str
    crl: str
    policy: str


def _file_uri(path: Path) -> str:
    """An absolute file:// URL (percent-encoded, so always ASCII as an IA5String must be)."""
    return Path(os.path.abspath(path)).as_uri()


def _leaf_extensions(public_key: rsa.RSAPublicKey | ec.EllipticCurvePublicKey, names: list[x509.GeneralName],
                     intermediate: x509.Certificate, published: _Published,
                     subject_is_empty: bool) -> list[tuple[x509.ExtensionType, bool]]:
    intermediate_ski = intermediate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    key_usage = x509.KeyUsage(
        digital_signature=True, content_commitment=False,
        # RSA key exchange encrypts to the key; ECDSA keys only sign.
        key_encipherment=isinstance(public_key, rsa.RSAPublicKey),
        data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
        encipher_only=False, decipher_only=False)
    return [
        (x509.BasicConstraints(ca=False, path_length=None), True),
        (key_usage, True),
        (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False),
        # RFC 5280 4.2.1.6: with an empty subject the SAN extension must be critical.
        (x509.SubjectAlternativeName(names), subject_is_empty),
        (x509.SubjectKeyIdentifier.from_public_key(public_key), False),
        (x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(intermediate_ski), False),
        (x509.CertificatePolicies([x509.PolicyInformation(x509.ObjectIdentifier(published.policy), None)]),
         False),
        (x509.AuthorityInformationAccess([x509.AccessDescription(
            AuthorityInformationAccessOID.CA_ISSUERS, x509.UniformResourceIdentifier(published.ca_issuers))]),
         False),
        (x509.CRLDistributionPoints([x509.DistributionPoint(
            full_name=[x509.UniformResourceIdentifier(published.crl)], relative_name=None, reasons=None,
            crl_issuer=None)]), False),
    ]


# --- the CRL ------------------------------------------------------------------------------------------------

def _crl_der(intermediate: x509.Certificate, key: ec.EllipticCurvePrivateKey, entries: Mapping[int, datetime],
             number: int, now: datetime) -> bytes:
    ski = intermediate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(intermediate.subject)
        .last_update(now - CLOCK_SKEW)
        .next_update(now + CRL_VALIDITY)
        .add_extension(x509.CRLNumber(number), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False)
    )
    for serial, when in sorted(entries.items()):
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when).build())
    return builder.sign(key, hashes.SHA384()).public_bytes(serialization.Encoding.DER)


def _read_optional(path: Path, limit: int) -> bytes | None:
    """The file's bytes, or None when it is missing, not a regular file or too big (it is then rewritten)."""
    try:
        return read_regular_file(path, limit)
    except (FileNotFoundError, UnsafePathError, FileTooLargeError):
        return None


def _read_crl(pki_dir: Path, intermediate: x509.Certificate) -> x509.CertificateRevocationList | None:
    """The published CRL; None when there is none yet; SandboxCAError when it is there but not ours."""
    try:
        data = read_regular_file(pki_dir / CRL_NAME, MAX_CRL_BYTES)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise _damaged(pki_dir, f"{CRL_NAME} cannot be read ({exc.strerror or exc})") from None
    try:
        crl = x509.load_der_x509_crl(data)
        public_key = intermediate.public_key()
        assert isinstance(public_key, (rsa.RSAPublicKey, ec.EllipticCurvePublicKey))     # the sandbox's own
        genuine = crl.issuer == intermediate.subject and crl.is_signature_valid(public_key)
        list(crl)      # entries are parsed lazily; a damaged one must fail here
    except (ValueError, TypeError, UnsupportedAlgorithm):
        genuine = False
    if not genuine:
        raise _damaged(pki_dir, f"{CRL_NAME} is not a CRL signed by {INTERMEDIATE_CERT_NAME}")
    return crl


def _crl_number(crl: x509.CertificateRevocationList) -> int:
    try:
        return crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    except x509.ExtensionNotFound:
        return 0


def _pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    # Unencrypted on purpose: a sandbox CA must start without a prompt; 0600 in a 0700 folder protects it.
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


__all__ = ["SandboxPKI", "IssuedBundle", "SubjectOrganization", "SandboxCAError", "IssuanceError",
           "format_serial", "ROOT_COMMON_NAME", "INTERMEDIATE_COMMON_NAME", "SANDBOX_ORGANIZATION",
           "POLICY_OIDS", "RevokedEntry"]

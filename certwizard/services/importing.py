"""`certwizard import CERT.pem`: track a certificate obtained elsewhere (its expiry, its key, its renewal).

The certificate file is read bounded; it may hold the chain after the certificate (or the chain comes in its
own file) and even the private key. The server certificate is the one certificate that is not a CA; a file
with none, or with several, is refused with what would be accepted.

A key, when given, must be the certificate's (their SubjectPublicKeyInfo are compared). It is copied into the
data folder's keys folder as a new 0600 PKCS#8 file (`crypto/keys.py`), encrypted again with its passphrase
when it was encrypted; TinyDB records only its path and fingerprint.

With a product (any product the configured authorities offer) the order carries a valid `Application`: the
certificate's names checked against the product's rules, an automatic CSR with the key's algorithm, the
applicant and company the product asks for (from an application file), and the validation plan. `renew` can
then make a follow-up order through the product's authority. Without one, the order is for the product
`IMPORTED` (domain/products.py), whose authority does not exist: it is listed and its expiry tracked, and
whatever needs an authority says how to give it one: import the same certificate again with a product, which
gives the order already tracked its product (the one case in which a certificate is imported twice).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from certwizard.domain.ids import utcnow
from certwizard.domain.models import (
    Application,
    ApplicationDraft,
    AutomaticCsr,
    HistoryEntry,
    IssuedCertificate,
    KeyRecord,
    Order,
)
from certwizard.domain.products import DEFAULT_KEY_ALGORITHM, IMPORTED, KeyAlgorithm, Product
from certwizard.domain.status import OrderStatus
from certwizard.domain.text import printable
from certwizard.errors import CertwizardError

if TYPE_CHECKING:
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

    from certwizard.services.workflow import Workflow

MAX_CERTIFICATE_FILE = 256 * 1024     # a leaf and a long chain are a few KB each
_KEY_MARKER = b"PRIVATE KEY-----"
_ACCEPTED = ("a PEM certificate file (-----BEGIN CERTIFICATE-----, the server's certificate first or alone, "
             "its chain after it or in --chain), or one DER certificate")
_NOT_RENEWABLE = ("not renewable here: it was imported without a product. To renew it through certwizard, "
                  "import it again with --product ID (see `certwizard products`)")


class ImportRefusedError(CertwizardError, ValueError):
    """The certificate, chain or key cannot be imported; the message says what would be accepted."""


class ImportApplicationError(ImportRefusedError):
    """The certificate fits the product, but its application is incomplete: one message per draft field."""

    def __init__(self, product: Product, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__(f"the certificate cannot be renewed as {product.name} ({product.id}) without a "
                         "complete application: give what the product asks for in an application file with "
                         "--from FILE (the format of `certwizard apply --from`; domains and csr come from the "
                         "certificate)")


@dataclass(frozen=True)
class ImportRequest:
    certificate: Path
    key: Path | None = None
    chain: Path | None = None
    product_id: str = ""              # empty: tracked only (IMPORTED)
    passphrase: bytes | None = None   # opens an encrypted key; the copy is encrypted with it again
    method: str = ""                  # dns or http; empty: http with a webroot, else dns
    webroot: str = ""
    hook: str = ""
    draft: ApplicationDraft = field(default_factory=ApplicationDraft)   # applicant and company, from --from


@dataclass
class ImportResult:
    order: Order
    renewable: bool
    notes: list[str] = field(default_factory=list)
    adopted: bool = False             # an order already tracked without a product was given this one


@dataclass(frozen=True)
class _Read:
    leaf: "x509.Certificate"
    chain: list["x509.Certificate"]
    holds_key: bool                   # the certificate file also holds a private key


# --- reading the certificate ----------------------------------------------------------------------------------

def _read_bounded(path: Path, what: str, limit: int) -> bytes:
    from certwizard.system.securefs import FileTooLargeError, read_regular_file

    shown = printable(str(path))
    try:
        return read_regular_file(path, limit)
    except FileTooLargeError:
        raise ImportRefusedError(f"{what} {shown} is larger than {limit // 1024} KB, so it is not a "
                                 f"certificate file; give {_ACCEPTED}") from None
    except OSError as exc:
        raise ImportRefusedError(f"{what} {shown} cannot be read ({printable(exc.strerror or str(exc))}); "
                                 "give the path of a regular file you can read") from None


def _certificates(data: bytes, what: str, shown: str) -> list["x509.Certificate"]:
    from cryptography import x509

    from certwizard.crypto.certinfo import PEM_CERTIFICATE_BEGIN, CertificateError, load_certificates

    if PEM_CERTIFICATE_BEGIN not in data:
        if b"-----BEGIN" not in data:
            try:
                return [x509.load_der_x509_certificate(data)]
            except ValueError:
                pass
        if b"CERTIFICATE REQUEST-----" in data:
            found = "a certificate request (CSR), which is what a CA signs, not what it issues"
        elif _KEY_MARKER in data:
            found = "a private key only (give it with --key)"
        elif not data.strip():
            found = "nothing (it is empty)"
        else:
            found = "no certificate"
        raise ImportRefusedError(f"{what} {shown} holds {found}; give {_ACCEPTED}")
    try:
        return load_certificates(data, f"{what} {shown}")
    except CertificateError as exc:
        raise ImportRefusedError(f"{exc}; give {_ACCEPTED}") from None


def _is_ca(certificate: "x509.Certificate") -> bool:
    from cryptography import x509

    try:
        return bool(certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def read_certificate(certificate_path: Path, chain_path: Path | None = None) -> _Read:
    """The server certificate and its chain, from one file or two; refusals say what would be accepted."""
    shown = printable(str(certificate_path))
    data = _read_bounded(certificate_path, "the certificate file", MAX_CERTIFICATE_FILE)
    found = _certificates(data, "the certificate file", shown)
    servers = [certificate for certificate in found if not _is_ca(certificate)]
    if not servers:
        raise ImportRefusedError(
            f"{shown} holds only CA certificates ({_subjects(found)}): certwizard imports the certificate of a "
            "server (one without CA:TRUE), whose renewal it tracks; give the server's certificate, and its CA "
            "certificates after it or with --chain")
    if len(servers) > 1:
        raise ImportRefusedError(
            f"{shown} holds {len(servers)} server certificates ({_subjects(servers)}); import one at a time: "
            "a file with one server certificate, then its chain")
    chain = [certificate for certificate in found if certificate is not servers[0]]
    if chain_path is not None:
        chain_shown = printable(str(chain_path))
        extra = _certificates(_read_bounded(chain_path, "the chain file", MAX_CERTIFICATE_FILE),
                              "the chain file", chain_shown)
        not_ca = [certificate for certificate in extra if not _is_ca(certificate)]
        if not_ca:
            raise ImportRefusedError(
                f"the chain file {chain_shown} holds a certificate that is not a CA ({_subjects(not_ca)}); a "
                "chain holds the intermediate CA certificates only: give the server's certificate as CERT")
        chain += [certificate for certificate in extra if certificate not in chain]
    return _Read(servers[0], chain, _KEY_MARKER in data)


def _subjects(certificates: list["x509.Certificate"]) -> str:
    return "; ".join(printable(certificate.subject.rfc4514_string()) or "no subject"
                     for certificate in certificates[:3]) + ("; ..." if len(certificates) > 3 else "")


def _names(certificate: "x509.Certificate") -> list[str]:
    """The names the certificate is for: its SANs (DNS names, then IP addresses), else its CN."""
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    try:
        san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = [*san.get_values_for_type(x509.DNSName),
                 *(str(ip) for ip in san.get_values_for_type(x509.IPAddress))]
    except x509.ExtensionNotFound:
        names = []
    if not names:
        names = [str(attribute.value) for attribute in certificate.subject.get_attributes_for_oid(
            NameOID.COMMON_NAME)]
    return list(dict.fromkeys(names))


# --- the key ----------------------------------------------------------------------------------------------------

def _load_key(path: Path, passphrase: bytes | None) -> "PrivateKeyTypes":
    from certwizard.crypto.keys import KeyFileError, PassphraseError, load_private_key

    shown = printable(str(path))
    try:
        return load_private_key(path, passphrase)
    except PassphraseError as exc:
        if passphrase is None:
            raise ImportRefusedError(
                f"the key {shown} is encrypted: put its passphrase on the first line of a file only you can read "
                "(chmod 600) and add --passphrase-file FILE; the copy certwizard keeps is encrypted with the "
                "same passphrase") from None
        if "not encrypted" in str(exc):
            raise ImportRefusedError(f"the key {shown} is not encrypted: leave --passphrase-file out") from None
        raise ImportRefusedError(f"{exc}") from None
    except KeyFileError as exc:
        raise ImportRefusedError(str(exc)) from None


def _checked_key(path: Path, passphrase: bytes | None, certificate: "x509.Certificate"
                 ) -> tuple["PrivateKeyTypes", KeyAlgorithm, str]:
    from certwizard.crypto.key_facts import key_algorithm_of, key_description, spki_sha256

    key = _load_key(path, passphrase)
    shown = printable(str(path))
    key_spki, certificate_spki = spki_sha256(key.public_key()), spki_sha256(certificate.public_key())
    if key_spki != certificate_spki:
        raise ImportRefusedError(
            f"the key {shown} is not the certificate's key: its public key (SPKI SHA-256 {key_spki[:16]}...) is "
            f"not the certificate's ({certificate_spki[:16]}..., {key_description(certificate.public_key())}); "
            "give the key the certificate was issued for, or leave --key out to track the certificate without "
            "its key")
    algorithm = key_algorithm_of(key.public_key())
    if algorithm is None:
        offered = ", ".join(a.label for a in KeyAlgorithm)
        raise ImportRefusedError(
            f"the key {shown} is {key_description(key.public_key())}, which certwizard does not keep (it keeps "
            f"{offered}); leave --key out to track the certificate without its key")
    return key, algorithm, key_spki


# --- the order --------------------------------------------------------------------------------------------------

def _serial(certificate: "x509.Certificate") -> str:
    text = format(certificate.serial_number, "x")
    return text if len(text) % 2 == 0 else "0" + text


def _pem(certificate: "x509.Certificate") -> str:
    from cryptography.hazmat.primitives.serialization import Encoding

    return certificate.public_bytes(Encoding.PEM).decode("ascii")


def already_imported(workflow: "Workflow", certificate: "x509.Certificate") -> Order | None:
    """The order that holds this certificate (same serial and issuer), if any."""
    from certwizard.crypto.certinfo import CertificateError, load_certificate
    from certwizard.services.issued import CERTIFICATE_STATUSES

    serial = _serial(certificate)
    for order in workflow.orders(CERTIFICATE_STATUSES):
        if order.certificate is None or order.certificate.serial.lower() != serial:
            continue
        try:
            if load_certificate(order.certificate.certificate_pem).issuer == certificate.issuer:
                return order
        except CertificateError:
            continue
    return None


def _application(workflow: "Workflow", product: Product, names: list[str], algorithm: KeyAlgorithm,
                 request: ImportRequest, encrypted: bool) -> tuple[Application, ApplicationDraft, list[str]]:
    """The application a renewal sends: the certificate's names checked against the product's rules."""
    from certwizard.domain.domains import check_domains
    from certwizard.services.validation import validate_draft

    check = check_domains(product, names)
    if not check.ok:
        problems = "; ".join(problem.message for problem in check.problems)
        raise ImportRefusedError(f"the certificate's names ({', '.join(map(printable, names))}) do not fit "
                                 f"{product.name} ({product.id}): {problems} Choose a product that fits them "
                                 "(see `certwizard products`), or import without --product to track it only")
    if algorithm not in product.key_algorithms:
        allowed = ", ".join(a.label for a in product.key_algorithms)
        raise ImportRefusedError(f"{product.name} ({product.id}) does not take {algorithm.label} keys (it takes "
                                 f"{allowed}), so it cannot renew this certificate; choose another product")
    draft = request.draft.model_copy(update={
        "domains": ", ".join(check.names), "csr_mode": "automatic", "key_algorithm": algorithm.value,
        "encrypt_key": encrypted, "csr_pem": "", "documents": [], "step": "verify",
        "validation_method": request.method or request.draft.validation_method,
        "validation_webroot": request.webroot or request.draft.validation_webroot,
        "validation_hook": request.hook or request.draft.validation_hook})
    # A stand-in order, only to ask the workflow which CSR name rule the product's authority uses.
    validation = validate_draft(product, draft, workflow.default_phone_region,
                                name_rule=workflow.csr_name_rule(Order(product_id=product.id,
                                                                       authority=product.authority)))
    if not validation.ok or validation.application is None:
        raise ImportApplicationError(product, validation.errors)
    notes = list(validation.notes)
    if product.is_professional:
        notes.append(f"{product.name} is {product.level.value}: its renewal asks for a qualification document, "
                     "which the renewal order takes like any application")
    return validation.application, draft, notes


def _tracked_application(names: list[str], algorithm: KeyAlgorithm | None, request: ImportRequest
                         ) -> Application:
    """The names as the certificate has them (they need fit no product's rules: nothing is applied for)."""
    from certwizard.services.validation import validation_plan

    errors: dict[str, str] = {}
    plan = validation_plan(ApplicationDraft(validation_method=request.method, validation_webroot=request.webroot,
                                            validation_hook=request.hook), names, errors)
    if plan is None:
        raise ImportRefusedError("; ".join(errors.values()))
    return Application(domains=names, csr=AutomaticCsr(key_algorithm=algorithm or DEFAULT_KEY_ALGORITHM),
                       validation=plan)


def _chosen_product(workflow: "Workflow", product_id: str) -> Product:
    from certwizard.domain.products import UnknownProductError, get_product

    offered = {product.id: product for product in workflow.products()}
    if product_id in offered:
        return offered[product_id]
    try:
        product = get_product(product_id)
    except UnknownProductError as exc:
        raise ImportRefusedError(f"{exc} (see `certwizard products`)") from None
    if product.id == IMPORTED.id:
        raise ImportRefusedError("the product 'imported' is what import uses without --product; leave "
                                 "--product out, or give a product an authority offers (`certwizard products`)")
    raise ImportRefusedError(f"{product.id} is offered by {product.authority}, which is not configured in this "
                             "data folder; add it first (see `certwizard products` for what is offered now)")


def import_certificate(workflow: "Workflow", request: ImportRequest, now: datetime | None = None) -> ImportResult:
    """Check the certificate (and key), build the issued order and store it; ImportRefusedError says why not."""
    from certwizard.crypto.key_facts import key_algorithm_of

    now = now or utcnow()
    read = read_certificate(request.certificate, request.chain)
    leaf = read.leaf
    key_path = request.key or (request.certificate if read.holds_key else None)
    if request.passphrase is not None and key_path is None:
        raise ImportRefusedError("--passphrase-file opens an encrypted key: give the key with --key KEY.pem")
    key = _checked_key(key_path, request.passphrase, leaf) if key_path is not None else None
    algorithm = key[1] if key is not None else key_algorithm_of(leaf.public_key())
    names = _names(leaf)
    if not names:
        raise ImportRefusedError(f"{printable(str(request.certificate))} names no domain (no subject alternative "
                                 "name, no common name), so there is nothing to track it for")
    product = _chosen_product(workflow, request.product_id) if request.product_id else IMPORTED
    notes: list[str] = []
    if product is IMPORTED:
        application, draft = _tracked_application(names, algorithm, request), ApplicationDraft(
            domains=", ".join(names))
    else:
        if algorithm is None:
            from certwizard.crypto.key_facts import key_description

            raise ImportRefusedError(f"the certificate's key is {key_description(leaf.public_key())}, which "
                                     "certwizard cannot renew with; import it without --product to track it")
        application, draft, notes = _application(workflow, product, names, algorithm, request,
                                                 encrypted=request.passphrase is not None)

    existing = already_imported(workflow, leaf)
    if existing is not None and (existing.product_id != IMPORTED.id or product is IMPORTED):
        how = (" To make it renewable, import it again with --product ID." if existing.product_id == IMPORTED.id
               else "")
        raise ImportRefusedError(f"this certificate (serial {_serial(leaf)}) is already tracked as {existing.id} "
                                 f"({existing.product.name}); see it with: certwizard show {existing.id}.{how}")

    order_id = existing.id if existing is not None else Order(product_id=product.id).id
    certificate = IssuedCertificate(certificate_pem=_pem(leaf), chain_pem="".join(_pem(c) for c in read.chain),
                                    serial=_serial(leaf), not_before=leaf.not_valid_before_utc,
                                    not_after=leaf.not_valid_after_utc, fetched_at=now)
    if certificate.not_after <= now:
        notes.append(f"the certificate expired on {certificate.not_after:%Y-%m-%d}; it is tracked as expired")
    if read.chain and read.chain[0].subject != leaf.issuer:
        notes.append("the chain does not start with the certificate's issuer; servers send the issuer first")
    if not read.chain:
        notes.append("no chain was given: a server needs the intermediate CA certificates too (a renewal "
                     "comes with its own)")
    key_record = _stored_key(workflow, order_id, key, request.passphrase) if key is not None else None
    detail = ", ".join(part for part in (
        f"serial {certificate.serial}",
        f"key from {key_path}" if key_path is not None else "no key",
        f"chain of {len(read.chain)}" if read.chain else "",
        f"for {product.id}" if product is not IMPORTED else "no product: not renewable here") if part)
    try:
        if existing is not None:
            order = _adopt(workflow, existing, product, application, draft, certificate, key_record,
                           request.certificate.absolute(), detail, now)
        else:
            order = Order(id=order_id, product_id=product.id, authority=product.authority, purchased_at=now,
                          status=OrderStatus.ISSUED, application=application, draft=draft, key=key_record,
                          certificate=certificate, updated_at=now,
                          status_reason=_NOT_RENEWABLE if product is IMPORTED else "",
                          history=[HistoryEntry(at=now, status=OrderStatus.ISSUED, detail=detail,
                                                event=f"imported from {request.certificate.absolute()}")])
            workflow.repository.insert_orders([order])
    except BaseException:
        if key_record is not None and (existing is None or existing.key is None):
            Path(key_record.path).unlink(missing_ok=True)
        raise
    if key is None:
        notes.append("no key was given, so certwizard cannot export or install this certificate; import it with "
                     "--key KEY.pem to record its key")
    return ImportResult(order, renewable=product is not IMPORTED, notes=notes, adopted=existing is not None)


def _stored_key(workflow: "Workflow", order_id: str, key: tuple["PrivateKeyTypes", KeyAlgorithm, str],
                passphrase: bytes | None) -> KeyRecord:
    """A new 0600 copy of the key in the keys folder (encrypted again with its passphrase, if it had one)."""
    from certwizard.crypto.keys import free_key_path, write_private_key

    private_key, algorithm, spki = key
    path = write_private_key(private_key, free_key_path(workflow.layout.keys_dir, order_id), passphrase)
    return KeyRecord(path=str(path), algorithm=algorithm, spki_sha256=spki, encrypted=passphrase is not None)


def _adopt(workflow: "Workflow", existing: Order, product: Product, application: Application,
           draft: ApplicationDraft, certificate: IssuedCertificate, key_record: KeyRecord | None, source: Path,
           detail: str, now: datetime) -> Order:
    """Give an order tracked without a product the product it can now be renewed through."""
    def adopt(current: Order) -> Order:
        if current.product_id != IMPORTED.id:
            raise ImportRefusedError(f"{current.id} was given the product {current.product_id} meanwhile; see "
                                     f"it with: certwizard show {current.id}")
        current.product_id, current.authority = product.id, product.authority
        current.application, current.draft, current.status_reason = application, draft, ""
        current.key = current.key or key_record
        if not current.certificate or not current.certificate.chain_pem:
            current.certificate = certificate
        current.updated_at = now
        current.history.append(HistoryEntry(at=now, status=current.status, event=f"imported from {source}",
                                            detail=f"given the product {product.id}; {detail}"))
        return current
    order = workflow.repository.update_order(existing.id, adopt)
    if key_record is not None and order.key is not None and order.key.path != key_record.path:
        Path(key_record.path).unlink(missing_ok=True)     # the order already had its key file
    return order


__all__ = ["ImportApplicationError", "ImportRefusedError", "ImportRequest", "ImportResult", "already_imported",
           "import_certificate", "read_certificate"]

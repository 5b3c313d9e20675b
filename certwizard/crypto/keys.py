"""Private keys: generation and safe key files (facts about public keys: key_facts.py).

Key files are PEM PKCS#8 written with `securefs` (0600 in a 0700 folder, never over an existing file or
through a symlink). With a passphrase they are standard `ENCRYPTED PRIVATE KEY` files (PBES2,
PBKDF2-HMAC-SHA256 with 600 000 iterations, AES-256-CBC), because `BestAvailableEncryption` does only 2048
PBKDF2 iterations and cannot be tuned for PKCS#8 (safety rules §0.4).
"""

from __future__ import annotations

import errno
import os
import re
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import algos as asn1_algos
from asn1crypto import core as asn1_core
from asn1crypto import keys as asn1_keys
from asn1crypto import pem as asn1_pem
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from certwizard.crypto.csr import CsrSubject, build_csr
from certwizard.crypto.key_facts import CURVE_LABELS, key_algorithm_of, key_description, spki_sha256
from certwizard.domain.models import Company
from certwizard.domain.products import KeyAlgorithm, Product
from certwizard.errors import CertwizardError
from certwizard.system import securefs

RSA_PUBLIC_EXPONENT = 65537
PBKDF2_ITERATIONS = 600_000        # OWASP 2023 figure for PBKDF2-HMAC-SHA256, as smallstep uses
PBKDF2_SALT_BYTES = 16
AES_KEY_BYTES = 32
MAX_KEY_FILE_BYTES = 64 * 1024     # an RSA-4096 PEM is about 3.3 KB
MAX_KEY_GENERATIONS = 99           # keys per order (each resubmission makes one)
ENCRYPTED_PEM_LABEL = "ENCRYPTED PRIVATE KEY"

GeneratedPrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

_CURVES: dict[KeyAlgorithm, type[ec.EllipticCurve]] = {
    KeyAlgorithm.EC_P256: ec.SECP256R1,
    KeyAlgorithm.EC_P384: ec.SECP384R1,
}
_ORDER_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


class KeyFileError(CertwizardError):
    """A key file could not be written or read. The message never contains key material or a passphrase."""


class KeyFileExistsError(KeyFileError):
    """Something (a file or a symlink) is already at the key path; certwizard never overwrites a key."""


class KeyFileMissingError(KeyFileError):
    """No key file at the given path."""


class NotAKeyError(KeyFileError):
    """The file is not a PEM private key certwizard can read."""


class PassphraseError(KeyFileError):
    """The passphrase is wrong, missing, empty, or given for a key that is not encrypted."""


class CsrSelfCheckError(CertwizardError):
    """The CSR built for a new key did not pass the linter; the key was not kept."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("the generated CSR failed its own check, so the new key was discarded: "
                         + "; ".join(problems))

    def __reduce__(self):        # raised in the key helper process, re-raised here: keep the list a list
        return (type(self), (self.problems,))


# --- generation and facts -----------------------------------------------------------------------------------

def generate_private_key(algorithm: KeyAlgorithm) -> GeneratedPrivateKey:
    """A new RSA (e = 65537) or ECDSA key for one of the supported algorithms."""
    algorithm = KeyAlgorithm(algorithm)
    if algorithm.is_rsa:
        return rsa.generate_private_key(public_exponent=RSA_PUBLIC_EXPONENT, key_size=algorithm.size)
    return ec.generate_private_key(_CURVES[algorithm]())


# --- writing ------------------------------------------------------------------------------------------------

def _check_passphrase(passphrase: bytes) -> None:
    if not isinstance(passphrase, (bytes, bytearray)):
        raise TypeError("the passphrase must be bytes (encode the typed text as UTF-8)")
    if not passphrase:
        raise PassphraseError("the passphrase is empty; type at least one character, "
                              "or choose to keep the key unencrypted")


def encrypt_pkcs8(key: PrivateKeyTypes, passphrase: bytes, iterations: int = PBKDF2_ITERATIONS) -> bytes:
    """PEM `ENCRYPTED PRIVATE KEY` (RFC 5958 EncryptedPrivateKeyInfo, RFC 8018 PBES2) readable by OpenSSL."""
    _check_passphrase(passphrase)
    if iterations < PBKDF2_ITERATIONS:
        raise ValueError(f"{iterations} PBKDF2 iterations is too few; use at least {PBKDF2_ITERATIONS}")
    plain = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption())
    salt = os.urandom(PBKDF2_SALT_BYTES)
    iv = os.urandom(16)
    aes_key = PBKDF2HMAC(algorithm=hashes.SHA256(), length=AES_KEY_BYTES, salt=salt,
                         iterations=iterations).derive(bytes(passphrase))
    padder = padding.PKCS7(algorithms.AES.block_size).padder()
    encryptor = Cipher(algorithms.AES(aes_key), modes.CBC(iv)).encryptor()
    ciphertext = encryptor.update(padder.update(plain) + padder.finalize()) + encryptor.finalize()
    info = asn1_keys.EncryptedPrivateKeyInfo({
        "encryption_algorithm": _pbes2_algorithm(salt, iterations, iv),
        "encrypted_data": ciphertext,
    })
    return asn1_pem.armor(ENCRYPTED_PEM_LABEL, info.dump())


def _pbes2_algorithm(salt: bytes, iterations: int, iv: bytes) -> asn1_algos.EncryptionAlgorithm:
    # Same shape OpenSSL writes: PBKDF2(salt, count, prf=hmacWithSHA256 NULL), aes-256-cbc(iv); no keyLength.
    kdf_params = {
        "salt": asn1_algos.Pbkdf2Salt(name="specified", value=salt),
        "iteration_count": iterations,
        "prf": {"algorithm": "sha256", "parameters": asn1_core.Null()},
    }
    return asn1_algos.EncryptionAlgorithm({
        "algorithm": "pbes2",
        "parameters": {
            "key_derivation_func": {"algorithm": "pbkdf2", "parameters": kdf_params},
            "encryption_scheme": {"algorithm": "aes256_cbc", "parameters": iv},
        },
    })


def private_key_pem(key: PrivateKeyTypes, passphrase: bytes | None = None) -> bytes:
    """PEM PKCS#8, encrypted with `passphrase` when one is given (an empty one is refused)."""
    if passphrase is not None:
        return encrypt_pkcs8(key, passphrase)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def write_private_key(key: PrivateKeyTypes, path: str | os.PathLike[str],
                      passphrase: bytes | None = None) -> Path:
    """Write `key` to a new 0600 file in a 0700 folder; refuses an existing file or symlink at `path`."""
    # Serialised before touching the disk, so an empty passphrase leaves nothing behind.
    return _create_key_file(Path(path), private_key_pem(key, passphrase))


def _create_key_file(target: Path, data: bytes) -> Path:
    try:
        securefs.ensure_private_dir(target.parent)
        return securefs.create_private_file(target, data)
    except FileExistsError:
        kind = "a symbolic link" if target.is_symlink() else "a file"
        raise KeyFileExistsError(f"{target} already exists ({kind}); certwizard never overwrites a key file. "
                                 "Move it away or choose another name") from None
    except securefs.UnsafePathError as exc:
        raise KeyFileError(f"{exc.filename} {exc.strerror}; choose another key folder") from None


def key_path_for(keys_dir: str | os.PathLike[str], order_id: str, generation: int = 1) -> Path:
    """Key file of order `order_id`: `<order_id>.key.pem`, then `<order_id>.2.key.pem`... for later keys
    (a withdrawn and resubmitted application gets a new key; the old file is never overwritten)."""
    if not _ORDER_ID_PATTERN.fullmatch(order_id):
        raise ValueError(f"order id {order_id!r} cannot name a key file; expected letters, digits, '-' or "
                         "'_' (e.g. ord-3f9a1c2b)")
    if not 1 <= generation <= MAX_KEY_GENERATIONS:
        raise ValueError(f"key generation {generation} is out of range; use 1 to {MAX_KEY_GENERATIONS}")
    suffix = "" if generation == 1 else f".{generation}"
    return Path(keys_dir) / f"{order_id}{suffix}.key.pem"


def free_key_path(keys_dir: str | os.PathLike[str], order_id: str) -> Path:
    """The first `key_path_for` name no file takes yet (the name the next key of the order will get)."""
    for generation in range(1, MAX_KEY_GENERATIONS + 1):
        path = key_path_for(keys_dir, order_id, generation)
        if not os.path.lexists(path):
            return path
    raise KeyFileExistsError(f"order {order_id} already has {MAX_KEY_GENERATIONS} key files in {keys_dir}; "
                             "remove the ones no longer needed and try again")


def _write_under_free_name(key: PrivateKeyTypes, keys_dir: str | os.PathLike[str], order_id: str,
                           passphrase: bytes | None) -> Path:
    """Write to the first unused key_path_for name (O_EXCL keeps that true against a racing session)."""
    data = private_key_pem(key, passphrase)   # once: each encryption costs 600 000 PBKDF2 rounds
    for generation in range(1, MAX_KEY_GENERATIONS + 1):
        try:
            return _create_key_file(key_path_for(keys_dir, order_id, generation), data)
        except KeyFileExistsError:
            continue
    raise KeyFileExistsError(f"order {order_id} already has {MAX_KEY_GENERATIONS} key files in {keys_dir}; "
                             "remove the ones no longer needed and try again")


# --- reading ------------------------------------------------------------------------------------------------

def _read_key_file(path: Path) -> bytes:
    try:
        return securefs.read_regular_file(path, MAX_KEY_FILE_BYTES)
    except FileNotFoundError:
        raise KeyFileMissingError(f"no key file at {path}; check the path, or apply again to create a new "
                                  "key") from None
    except securefs.FileTooLargeError:
        raise NotAKeyError(f"{path} is larger than {MAX_KEY_FILE_BYTES} bytes, so it is not a private key "
                           "file; give the path of the .key.pem file") from None
    except securefs.UnsafePathError as exc:
        error = KeyFileError if exc.errno == errno.ELOOP else NotAKeyError
        raise error(f"{path} {exc.strerror}; give the path of the key file itself") from None
    except PermissionError:
        raise KeyFileError(f"{path} cannot be read (permission denied); run certwizard as the key's "
                           "owner") from None


def _looks_encrypted(data: bytes) -> bool:
    return b"ENCRYPTED PRIVATE KEY" in data or b"Proc-Type: 4,ENCRYPTED" in data


def load_private_key(path: str | os.PathLike[str], passphrase: bytes | None = None) -> PrivateKeyTypes:
    """Read a PEM private key; every failure is a KeyFileError whose message says what to do."""
    target = Path(path)
    data = _read_key_file(target)
    if passphrase is not None:
        _check_passphrase(passphrase)
    encrypted = _looks_encrypted(data)
    if encrypted and passphrase is None:
        raise PassphraseError(f"{target} is encrypted; give the passphrase chosen when the key was created")
    if not encrypted and passphrase is not None and b"PRIVATE KEY-----" in data:
        raise PassphraseError(f"{target} is not encrypted; leave the passphrase empty")
    try:
        return serialization.load_pem_private_key(data, password=passphrase)
    except (ValueError, TypeError) as exc:
        # cryptography's messages never contain key bytes, but are not shown: ours say what to do.
        if encrypted:
            raise PassphraseError(f"the passphrase for {target} is wrong (or the file is damaged); "
                                  "type it again, checking the keyboard layout and Caps Lock") from None
        raise NotAKeyError(f"{target} is not a PEM private key (expected a '-----BEGIN PRIVATE KEY-----' "
                           f"block); give the path of the .key.pem file ({type(exc).__name__})") from None
    except UnsupportedAlgorithm:
        raise NotAKeyError(f"{target} holds a key type certwizard cannot use; use an RSA or ECDSA "
                           "key") from None


# --- automatic mode -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class GeneratedKey:
    """What automatic mode produced: the CSR to send and where its key was written. Holds no key material."""

    csr_pem: str
    key_path: Path
    spki_sha256: str
    algorithm: KeyAlgorithm
    encrypted: bool


def generate_key_and_csr(keys_dir: str | os.PathLike[str], order_id: str, algorithm: KeyAlgorithm,
                         product: Product, domains: list[str], subject: CsrSubject | None = None,
                         passphrase: bytes | None = None, company: Company | None = None,
                         key_path: str | os.PathLike[str] | None = None) -> GeneratedKey:
    """Generate a key and its CSR, self-check the CSR with the manual-CSR linter, then write the key file.

    `key_path`: write exactly there (never over an existing file), e.g. the path a submission recorded
    before it began (`free_key_path`), so that a killed submission's key can be found and removed.

    The CSR is checked *before* the key is written, so a failed check never leaves a key behind; if writing
    fails the CSR is simply not returned. The key goes to the first free `key_path_for` name, so an earlier
    key of the same order is kept. Professional products put the company in the subject: pass `company`
    (the validated Company) or an explicit `subject` (O/L/ST/C).
    """
    from certwizard.crypto.csr_lint import lint_csr  # here: it loads the linter's rules only when needed

    algorithm = KeyAlgorithm(algorithm)
    if algorithm not in product.key_algorithms:
        allowed = ", ".join(a.label for a in product.key_algorithms)
        raise ValueError(f"{product.name} does not accept {algorithm.label} keys; choose one of: {allowed}")
    if passphrase is not None:
        _check_passphrase(passphrase)
    if subject is None and company is not None:
        subject = CsrSubject.from_company(company)
    key_path_for(keys_dir, order_id)   # refuse a bad order id before spending time on a key
    key = generate_private_key(algorithm)
    csr_pem = build_csr(key, domains, subject)
    report = lint_csr(csr_pem, product, domains)
    if not report.ok:
        raise CsrSelfCheckError([p.message for p in report.problems])
    if key_path is None:
        key_path = _write_under_free_name(key, keys_dir, order_id, passphrase)
    else:
        key_path = _create_key_file(Path(key_path), private_key_pem(key, passphrase))
    return GeneratedKey(csr_pem=csr_pem.decode("ascii"), key_path=key_path,
                        spki_sha256=spki_sha256(key.public_key()), algorithm=algorithm,
                        encrypted=passphrase is not None)


def csr_for_existing_key(key_path: str | os.PathLike[str], product: Product, domains: list[str],
                         passphrase: bytes | None = None, company: Company | None = None) -> tuple[str, str]:
    """A new CSR signed by the key already in `key_path` (a renewal that keeps its key), checked like a
    generated one; returns the CSR and the key's SPKI SHA-256. The key file is only read."""
    from certwizard.crypto.csr_lint import lint_csr

    key = load_private_key(key_path, passphrase)
    if not isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
        raise NotAKeyError(f"{key_path} holds neither an RSA nor an ECDSA key, so no CSR can be signed with it")
    csr_pem = build_csr(key, domains, CsrSubject.from_company(company) if company is not None else None)
    report = lint_csr(csr_pem, product, domains)
    if not report.ok:
        raise CsrSelfCheckError([p.message for p in report.problems])
    return csr_pem.decode("ascii"), spki_sha256(key.public_key())


__all__ = [
    "CURVE_LABELS", "CsrSelfCheckError", "GeneratedKey", "csr_for_existing_key", "KeyFileError", "KeyFileExistsError",
    "KeyFileMissingError", "NotAKeyError", "PBKDF2_ITERATIONS", "PassphraseError", "encrypt_pkcs8",
    "free_key_path", "generate_key_and_csr", "generate_private_key", "key_algorithm_of", "key_description", "key_path_for",
    "load_private_key", "private_key_pem", "spki_sha256", "write_private_key",
]

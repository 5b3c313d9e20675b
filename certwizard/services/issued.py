"""Issued certificates: their facts, whether the stored key still belongs to them, whether the chain verifies.

Shared by the TUI's Issued Certificates view and the command line. A certificate is only called usable once
its key has been checked: the certificate's public key against the SPKI recorded when the key was made, and
(when the key file is not encrypted, or a passphrase is given) against the key file itself, which must still
exist as a regular 0600 file. An encrypted key cannot be opened without its passphrase, so without one only
the record is compared, and the result says so. Nothing here returns or logs key material or a passphrase.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from certwizard.domain.models import Order
from certwizard.domain.status import OrderStatus
from certwizard.domain.text import printable
from certwizard.system.securefs import PRIVATE_FILE_MODE

if TYPE_CHECKING:
    from certwizard.ca.registry import Authorities
    from certwizard.crypto.certinfo import CertificateFacts

# The statuses in which an order holds a certificate (lists may ask the repository for only these).
CERTIFICATE_STATUSES = tuple(status for status in OrderStatus if status.has_certificate)


class KeyState(StrEnum):
    MATCHES = "matches"                    # the key file's public key is the certificate's
    RECORD_MATCHES = "record-matches"      # encrypted file not opened: only the recorded SPKI was compared
    LOOSE_MODE = "loose-mode"              # matches, but other users may read the file
    NO_KEY = "no-key"                      # manual CSR: certwizard never had the key
    MISMATCH = "mismatch"                  # the certificate is for another key, or the file was replaced
    MISSING = "missing"
    UNSAFE = "unsafe"                      # a symlink or something other than a regular file
    UNREADABLE = "unreadable"              # permission denied, or not a private key
    WRONG_PASSPHRASE = "wrong-passphrase"


# States in which an export can use the stored key (or, for manual CSRs, needs none).
USABLE_STATES = frozenset({KeyState.MATCHES, KeyState.RECORD_MATCHES, KeyState.LOOSE_MODE, KeyState.NO_KEY})


@dataclass(frozen=True)
class KeyCheck:
    state: KeyState
    summary: str          # a few words for a table cell, e.g. "key matches"
    detail: str           # what was checked, what it means and what to do
    path: str | None = None
    encrypted: bool = False

    @property
    def usable(self) -> bool:
        return self.state in USABLE_STATES


@dataclass(frozen=True)
class IssuedSummary:
    """Everything the Issued Certificates view shows about one order."""

    order_id: str
    domains: tuple[str, ...]
    facts: CertificateFacts | None
    certificate_problem: str | None       # the stored certificate cannot be read (then `facts` is None)
    key: KeyCheck
    chain_problems: tuple[str, ...] | None  # None: no trusted root known to check against; () verifies
    trust_note: str = ""                  # what the authority says about trusting what it issued

    @property
    def usable(self) -> bool:
        return self.facts is not None and self.key.usable and not self.chain_problems


def issued_orders(orders: Iterable[Order]) -> list[Order]:
    """Orders that hold a certificate, the one that expires first first."""
    with_certificate = [(order.certificate.not_after, order.id, order) for order in orders
                        if order.certificate is not None]
    return [order for *_, order in sorted(with_certificate, key=lambda row: row[:2])]


# --- the key ------------------------------------------------------------------------------------------------

def check_stored_key(order: Order, passphrase: bytes | None = None,
                     certificate_spki: str | None = None) -> KeyCheck:
    """Does the order's stored key belong to its certificate? Never raises for a bad key file: says why.

    `certificate_spki` is the certificate's SPKI SHA-256 when the caller already has it. With `passphrase`, an
    encrypted key file is opened and compared too (a wrong one gives WRONG_PASSPHRASE).
    """
    if order.key is None:
        return _manual_csr_check(order, certificate_spki)
    if certificate_spki is None:
        certificate_spki = _certificate_spki(order)
    record = order.key
    path = Path(record.path)
    shown = printable(str(path))
    if record.spki_sha256 != certificate_spki:
        return KeyCheck(KeyState.MISMATCH, "key mismatch",
                        f"The certificate was issued for a different key than the one recorded for this "
                        f"order ({shown}). It cannot be installed with that key: apply again to get a "
                        "certificate for a new key.", shown, record.encrypted)
    problem, mode = _file_problem(path, shown, record.encrypted)
    if problem is not None:
        return problem
    return _compare_file(order, path, shown, mode, passphrase, certificate_spki)


def _manual_csr_check(order: Order, certificate_spki: str | None) -> KeyCheck:
    detail = ("This order used a CSR made outside certwizard, so certwizard never had its private key and "
              "there is no key to export. Install the certificate with the key you generated together with "
              "that CSR.")
    if order.csr_pem:
        csr_spki = _csr_spki(order.csr_pem)
        certificate_spki = certificate_spki or _certificate_spki(order)
        if csr_spki is not None and csr_spki == certificate_spki:
            detail += " The certificate is for the public key in the CSR you gave."
        elif csr_spki is not None:
            return KeyCheck(KeyState.MISMATCH, "CSR key mismatch",
                            "The certificate is not for the public key in the CSR you gave, so your key will "
                            "not work with it. Apply again with a CSR made from your key.")
    return KeyCheck(KeyState.NO_KEY, "no key: manual CSR", detail)


def _file_problem(path: Path, shown: str, encrypted: bool) -> tuple[KeyCheck | None, int]:
    """Why the key file cannot be checked (or None), and its permission bits."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return KeyCheck(KeyState.MISSING, "key file missing",
                        f"The key file {shown} no longer exists. Restore it from a backup to the same place "
                        "(mode 0600); without it the certificate cannot be installed, so otherwise apply "
                        "again for a new key.", shown, encrypted), 0
    except OSError as exc:
        return KeyCheck(KeyState.UNREADABLE, "key file unreadable",
                        f"The key file {shown} cannot be examined ({printable(exc.strerror or str(exc))}). "
                        "Run certwizard as the user who owns the data folder.", shown, encrypted), 0
    if stat.S_ISLNK(info.st_mode):
        return KeyCheck(KeyState.UNSAFE, "key file is a symlink",
                        f"{shown} is now a symbolic link; certwizard never reads keys through links. Put the "
                        "real key file back in its place (mode 0600).", shown, encrypted), 0
    if not stat.S_ISREG(info.st_mode):
        return KeyCheck(KeyState.UNSAFE, "key path not a file",
                        f"{shown} is not a regular file any more. Put the key file back in its place "
                        "(mode 0600).", shown, encrypted), 0
    return None, stat.S_IMODE(info.st_mode)


def _compare_file(order: Order, path: Path, shown: str, mode: int, passphrase: bytes | None,
                  certificate_spki: str) -> KeyCheck:
    from certwizard.crypto.keys import KeyFileError, PassphraseError, load_private_key, spki_sha256

    assert order.key is not None           # only orders with a key file get here
    encrypted = _file_looks_encrypted(path, order.key.encrypted)
    if encrypted and passphrase is None:
        return _mode_checked(KeyCheck(
            KeyState.RECORD_MATCHES, "key matches (record)",
            f"The key file {shown} is encrypted, so without its passphrase only the public key recorded when "
            "it was made was compared with the certificate (they match); the file itself is checked when you "
            "export and type the passphrase.", shown, True), mode)
    try:
        key = load_private_key(path, passphrase if encrypted else None)
    except PassphraseError:
        return KeyCheck(KeyState.WRONG_PASSPHRASE, "wrong passphrase",
                        f"The passphrase does not open {shown}. Type it again, checking the keyboard layout "
                        "and Caps Lock.", shown, encrypted)
    except KeyFileError as exc:
        return KeyCheck(KeyState.UNREADABLE, "key file unreadable", printable(str(exc)), shown, encrypted)
    if spki_sha256(key.public_key()) != certificate_spki:
        return KeyCheck(KeyState.MISMATCH, "key mismatch",
                        f"The file {shown} now holds a different key from the one the certificate was issued "
                        "for (it was replaced). Put the original key file back, or apply again for a new "
                        "key.", shown, encrypted)
    return _mode_checked(KeyCheck(KeyState.MATCHES, "key matches",
                                  f"The key file {shown} holds the key this certificate was issued for.",
                                  shown, encrypted), mode)


def _mode_checked(check: KeyCheck, mode: int) -> KeyCheck:
    if mode == PRIVATE_FILE_MODE:
        return KeyCheck(check.state, check.summary, f"{check.detail} The file is mode 0600.", check.path,
                        check.encrypted)
    return KeyCheck(KeyState.LOOSE_MODE, f"key matches, {mode:04o}",
                    f"{check.detail} But the file is mode {mode:04o}, so other users may read it: run "
                    f"chmod 600 {check.path}", check.path, check.encrypted)


def _file_looks_encrypted(path: Path, recorded: bool) -> bool:
    """The file itself decides (it may have been replaced); fall back to the record if it cannot be read."""
    from certwizard.system.securefs import read_regular_file

    try:
        data = read_regular_file(path, 64 * 1024)
    except OSError:
        return recorded
    return b"ENCRYPTED PRIVATE KEY" in data or b"Proc-Type: 4,ENCRYPTED" in data


def _certificate_spki(order: Order) -> str:
    from certwizard.crypto.certinfo import load_certificate, spki_sha256

    assert order.certificate is not None
    return spki_sha256(load_certificate(order.certificate.certificate_pem).public_key())


def _csr_spki(csr_pem: str) -> str | None:
    from cryptography import x509

    from certwizard.crypto.certinfo import spki_sha256

    try:
        return spki_sha256(x509.load_pem_x509_csr(csr_pem.encode("utf-8")).public_key())
    except (ValueError, TypeError):
        return None


# --- the whole picture --------------------------------------------------------------------------------------

def summarize_issued(order: Order, now: datetime, root_pem: str | None = None,
                     passphrase: bytes | None = None) -> IssuedSummary:
    """Facts, key check and (given `root_pem`) chain verification for an order holding a certificate."""
    from certwizard.crypto.certinfo import CertificateError, describe_certificate, verify_chain

    if order.certificate is None:
        raise ValueError(f"order {order.id} has no certificate yet")
    domains = tuple(printable(name) for name in order.bound_domains)
    try:
        facts = describe_certificate(order.certificate.certificate_pem, now=now)
    except CertificateError as exc:
        key = KeyCheck(KeyState.UNREADABLE, "not checked",
                       "The certificate could not be read, so its key was not checked.")
        return IssuedSummary(order.id, domains, None, f"{exc}; refresh the order, or ask the CA to send it "
                             "again", key, None)
    key = check_stored_key(order, passphrase=passphrase, certificate_spki=facts.spki_sha256)
    chain = None
    if root_pem is not None:
        chain = tuple(verify_chain(order.certificate.certificate_pem, order.certificate.chain_pem, root_pem,
                                   list(order.bound_domains) or list(facts.dns_names), now=now))
    return IssuedSummary(order.id, domains or facts.dns_names, facts, None, key, chain)


def validity_phrase(facts: CertificateFacts, now: datetime) -> str:
    """e.g. '89 days left', 'expires today', 'expired 3 days ago', 'not valid yet'."""
    if now < facts.not_before:
        return "not valid yet"
    if now >= facts.not_after:
        days = (now - facts.not_after).days
        return "expired today" if days == 0 else f"expired {days} day{'s' if days != 1 else ''} ago"
    days = facts.days_left
    if days == 0:
        return "expires today"
    return f"{days} day{'s' if days != 1 else ''} left"


def summarize_issued_orders(orders: Iterable[Order], now: datetime,
                            authorities: "Authorities") -> dict[str, IssuedSummary]:
    """`summarize_issued` of each order, its chain verified against the trust anchor of the authority that
    issued it (asked once per authority; none for a publicly trusted CA, or one no longer configured)."""
    from dataclasses import replace

    anchors: dict[str, tuple[str | None, str]] = {}
    summaries = {}
    for order in orders:
        if order.authority not in anchors:
            authority = authorities.find(order.authority)
            anchors[order.authority] = ((authority.trust_anchor_pem(), authority.trust_note) if authority is not None
                                        else (None, ""))
        root, note = anchors[order.authority]
        summaries[order.id] = replace(summarize_issued(order, now, root_pem=root), trust_note=note)
    return summaries


__all__ = ["CERTIFICATE_STATUSES", "KeyState", "KeyCheck", "IssuedSummary", "USABLE_STATES", "issued_orders",
           "check_stored_key", "summarize_issued", "summarize_issued_orders", "validity_phrase"]

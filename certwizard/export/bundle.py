"""Export an issued certificate (and its key) in the layout a web server expects, plus a README on setup.

The inputs are checked here (certificate and chain, key, file name, .pfx options); each server's files and
README come from its record in `servers/`, a .pfx from `pkcs12`, and `writing` puts the files in place
(complete or not at all, never overwriting, never through a link: the rules are in its docstring).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization

from certwizard.crypto.certinfo import (
    CertificateError,
    key_matches_certificate,
    load_certificate,
    load_certificates,
    primary_name,
)
from certwizard.domain.text import printable
from certwizard.export import writing
from certwizard.export.errors import ExportError
from certwizard.export.layout import PUBLIC_FILE_MODE, Material, PlannedFile, ServerLayout
from certwizard.export.pkcs12 import PKCS12_PROFILES, Pkcs12Profile
from certwizard.export.servers import layouts_without_pkcs12, server_layout
from certwizard.export.writing import SAFE_FILE_NAME
from certwizard.system.securefs import read_regular_file

MAX_KEY_FILE_BYTES = 64 * 1024
MAX_BASENAME_LENGTH = 100


@dataclass(frozen=True)
class ExportResult:
    files: list[Path]
    note: str
    warnings: list[str] = field(default_factory=list)   # written all the same, but the user should know


@dataclass(frozen=True)
class BundlePlan:
    """The checked inputs and the files a layout builds from them (no README): what an export writes into a
    new folder, and what an installation writes in place."""

    layout: ServerLayout
    basename: str
    material: Material
    files: list[PlannedFile]


def plan_bundle(server: ServerLayout | str, certificate_pem: str, chain_pem: str, private_key_path: Path | None,
                key_passphrase: bytes | None = None, pkcs12_password: bytes | None = None,
                pkcs12_profile: Pkcs12Profile = "modern", basename: str | None = None) -> BundlePlan:
    """Check the inputs (the key is matched against the certificate) and build the files `server` needs.

    `server` is a record of `servers.SERVERS` or its name. `basename` defaults to the certificate's first
    name with `*` spelled `_wildcard`. Raises ExportError when anything is wrong; writes nothing.
    """
    layout = server_layout(server)
    leaf, chain = _certificates(certificate_pem, chain_pem)
    name = _checked_basename(basename) if basename is not None else default_basename(leaf)
    if layout.pkcs12:
        _check_pkcs12_options(layout, private_key_path, pkcs12_password, pkcs12_profile)
    key = _matching_key(private_key_path, key_passphrase, leaf) if private_key_path is not None else None
    material = Material(leaf=leaf, chain=chain, key=key, friendly_name=printable(primary_name(leaf) or name),
                        pkcs12_password=pkcs12_password, pkcs12_profile=pkcs12_profile)
    return BundlePlan(layout, name, material, layout.files(name, material))


def plan_order(order: Any, server: ServerLayout | str, key_passphrase: bytes | None = None,
               pkcs12_password: bytes | None = None, pkcs12_profile: Pkcs12Profile = "modern",
               basename: str | None = None) -> BundlePlan:
    """`plan_bundle` for an issued `Order`: its certificate and chain, and its key if certwizard made it."""
    if order.certificate is None:
        raise ExportError(f"order {order.id} has no certificate yet (it is {order.status.label.lower()}); "
                          "export or install it once the certificate has been issued")
    key_path = Path(order.key.path) if order.key is not None else None
    return plan_bundle(server, order.certificate.certificate_pem, order.certificate.chain_pem, key_path,
                       key_passphrase=key_passphrase, pkcs12_password=pkcs12_password,
                       pkcs12_profile=pkcs12_profile, basename=basename)


def export_bundle(server: ServerLayout | str, out_dir: str | os.PathLike[str], certificate_pem: str,
                  chain_pem: str, private_key_path: Path | None, key_passphrase: bytes | None = None,
                  pkcs12_password: bytes | None = None, pkcs12_profile: Pkcs12Profile = "modern",
                  basename: str | None = None) -> ExportResult:
    """Write the files `server` needs into `out_dir` and return them with a note on configuring the server.

    The inputs are `plan_bundle`'s. Raises ExportError, having written nothing, when anything is wrong.
    """
    plan = plan_bundle(server, certificate_pem, chain_pem, private_key_path, key_passphrase, pkcs12_password,
                       pkcs12_profile, basename)
    return _write_plan(plan, out_dir)


def export_order(order: Any, server: ServerLayout | str, out_dir: str | os.PathLike[str],
                 key_passphrase: bytes | None = None, pkcs12_password: bytes | None = None,
                 pkcs12_profile: Pkcs12Profile = "modern", basename: str | None = None) -> ExportResult:
    """`export_bundle` for an issued `Order`: its certificate and chain, and its key if certwizard made it."""
    return _write_plan(plan_order(order, server, key_passphrase, pkcs12_password, pkcs12_profile, basename),
                       out_dir)


def _write_plan(plan: BundlePlan, out_dir: str | os.PathLike[str]) -> ExportResult:
    folder = writing.absolute_folder(out_dir)
    writing.refuse_symlinks(folder)
    note = plan.layout.note(folder, plan.basename, plan.material)
    files = [*plan.files, PlannedFile(f"{plan.basename}.README.txt", note.encode("utf-8"), PUBLIC_FILE_MODE)]
    written, warnings = writing.write_export(folder, files)
    return ExportResult(files=written, note=note, warnings=warnings)


def default_basename(leaf: x509.Certificate) -> str:
    """The certificate's first name made safe as a file name: `*.example.com` -> `_wildcard.example.com`."""
    first = primary_name(leaf) or "certificate"
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", first.replace("*", "_wildcard"))
    return safe.lstrip(".")[:MAX_BASENAME_LENGTH] or "certificate"


# --- checking the inputs ------------------------------------------------------------------------------------

def _certificates(certificate_pem: str, chain_pem: str) -> tuple[x509.Certificate, list[x509.Certificate]]:
    try:
        leaf = load_certificate(certificate_pem, "certificate")
        chain = load_certificates(chain_pem, "chain")
    except CertificateError as exc:
        raise ExportError(str(exc)) from None
    if not chain:
        raise ExportError("the chain is empty; give the intermediate certificate(s) the CA sent with the "
                          "certificate, or servers will fail for clients that do not already have them")
    try:
        leaf.verify_directly_issued_by(chain[0])
    except (ValueError, TypeError, InvalidSignature):
        raise ExportError("the first certificate in the chain did not issue this certificate; give the chain "
                          "that came with this certificate (its intermediate first)") from None
    return leaf, chain


def _checked_basename(basename: str) -> str:
    if len(basename) > MAX_BASENAME_LENGTH or not SAFE_FILE_NAME.fullmatch(basename):
        raise ExportError(f"the file name {printable(basename)!r} is not usable; use up to "
                          f"{MAX_BASENAME_LENGTH} letters, digits, '.', '_' or '-', "
                          "not starting with '.' or '-'")
    return basename


def _check_pkcs12_options(server: ServerLayout, private_key_path: Path | None, password: bytes | None,
                          profile: str) -> None:
    if private_key_path is None:
        instead = "/".join(layout.name for layout in layouts_without_pkcs12())
        raise ExportError(f"{server.label} needs a .pfx (PKCS#12) file, which must contain the private key, "
                          "and this order's key was generated outside certwizard (manual CSR). Build the "
                          ".pfx yourself: openssl pkcs12 -export -in cert.crt -certfile chain.crt "
                          f"-inkey your.key -out site.pfx, or export as {instead} instead")
    if not password:
        raise ExportError(f"{server.label} needs a password for the .pfx file and none was given; choose a "
                          "non-empty password (you will type it again when the server imports the file)")
    if profile not in PKCS12_PROFILES:
        raise ExportError(f"unknown PKCS#12 profile {printable(str(profile))!r}; choose 'modern' (AES-256, "
                          "SHA-256) or 'legacy' (3DES, SHA-1) for old Windows Server and Java versions")


def _matching_key(path: Path, passphrase: bytes | None, leaf: x509.Certificate) -> Any:
    key = _load_private_key(Path(path), passphrase)
    if not key_matches_certificate(key, leaf):
        raise ExportError(f"the private key {printable(str(path))} does not belong to this certificate "
                          "(their public keys differ); choose the key file generated for this order")
    return key


def _load_private_key(path: Path, passphrase: bytes | None) -> Any:
    shown = printable(str(path))
    try:
        data = read_regular_file(path, MAX_KEY_FILE_BYTES)
    except FileNotFoundError:
        raise ExportError(f"the private key file {shown} does not exist; "
                          "give the path of the order's key") from None
    except OSError as exc:
        raise ExportError(f"the private key file {shown} cannot be read ({exc.strerror or exc}); "
                          "give the path of a regular file") from None
    encrypted = b"ENCRYPTED" in data  # "BEGIN ENCRYPTED PRIVATE KEY" or a legacy "Proc-Type: 4,ENCRYPTED"
    if encrypted and not passphrase:
        raise ExportError(f"the private key {shown} is encrypted; give its passphrase")
    try:
        return serialization.load_pem_private_key(data, password=passphrase if encrypted else None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        if encrypted:
            raise ExportError(f"the private key {shown} could not be decrypted; "
                              "check the passphrase") from None
        raise ExportError(f"{shown} is not a PEM private key; give the -----BEGIN PRIVATE KEY----- file "
                          "generated for this order") from None


__all__ = ["ExportResult", "BundlePlan", "plan_bundle", "plan_order", "export_bundle", "export_order",
           "default_basename"]

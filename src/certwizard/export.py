"""Write an issued certificate (and its key) in the layout a web server expects, plus a README on setup.

Rules that every export follows:
- nothing is overwritten and nothing is written through a symlink: every target name is checked first, a clash
  is refused with the list of files already there, and each file is created with O_EXCL|O_NOFOLLOW;
- if a write fails midway, the files (and the folder) this export created are removed again;
- keys and .pfx files are 0600, certificates and the README 0644; a folder we create is 0700, an existing
  folder keeps its mode;
- PEM keys are written unencrypted PKCS#8, because the server reads them at start-up without a prompt.
"""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from certwizard.crypto.certinfo import (
    CertificateError,
    key_matches_certificate,
    load_certificate,
    load_certificates,
    primary_name,
)
from certwizard.domain.text import printable
from certwizard.securefs import (
    PRIVATE_DIR_MODE,
    PRIVATE_FILE_MODE,
    PUBLIC_FILE_MODE,
    create_new_file,
    read_regular_file,
)

# 600 000 PBKDF2-SHA256 rounds (OWASP 2023, as smallstep uses) for the key and certificate bags: measured
# ~0.2 s per export on the project's 2-core machine, ~0.15 s for `openssl pkcs12` to read it. cryptography
# fixes the MAC's own iteration count at 2048 (pyca/cryptography#9644), so a password guess can be checked at
# that cost; a long random password is what really protects a .pfx.
MODERN_PKCS12_KDF_ROUNDS = 600_000
# The legacy profile exists for readers that choke on anything modern, so it matches exactly what
# `openssl pkcs12 -export -legacy` writes (3DES, SHA-1 MAC, 2048 rounds).
LEGACY_PKCS12_KDF_ROUNDS = 2048
MAX_KEY_FILE_BYTES = 64 * 1024
MAX_BASENAME_LENGTH = 100
_BASENAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*")

Pkcs12Profile = Literal["modern", "legacy"]
PKCS12_PROFILES: tuple[str, ...] = ("modern", "legacy")


class ServerType(StrEnum):
    NGINX = "nginx"
    APACHE = "apache"
    TOMCAT = "tomcat"
    IIS = "iis"
    PEM = "pem"

    @property
    def label(self) -> str:
        return {
            ServerType.NGINX: "nginx",
            ServerType.APACHE: "Apache httpd",
            ServerType.TOMCAT: "Tomcat",
            ServerType.IIS: "IIS (Windows)",
            ServerType.PEM: "plain PEM files",
        }[self]

    @property
    def needs_private_key(self) -> bool:
        """PKCS#12 bundles the key, so it cannot be built without it."""
        return self in (ServerType.TOMCAT, ServerType.IIS)


class ExportError(Exception):
    """The export was refused or failed; nothing is left behind. The message says how to fix it."""


@dataclass(frozen=True)
class ExportResult:
    files: list[Path]
    note: str


@dataclass(frozen=True)
class _PlannedFile:
    name: str
    data: bytes = field(repr=False)   # may be a private key: keep it out of reprs and tracebacks
    mode: int = PUBLIC_FILE_MODE


@dataclass(frozen=True)
class _Material:
    """Everything an export writes, already checked."""

    leaf: x509.Certificate
    chain: list[x509.Certificate]
    key: Any | None = field(repr=False)   # a private key object, or None for manual-CSR orders
    friendly_name: str
    pkcs12_password: bytes | None = field(default=None, repr=False)
    pkcs12_profile: str = "modern"


def export_bundle(server: ServerType | str, out_dir: str | os.PathLike[str], certificate_pem: str,
                  chain_pem: str, private_key_path: Path | None, key_passphrase: bytes | None = None,
                  pkcs12_password: bytes | None = None, pkcs12_profile: Pkcs12Profile = "modern",
                  basename: str | None = None) -> ExportResult:
    """Write the files `server` needs into `out_dir` and return them with a note on configuring the server.

    `basename` defaults to the certificate's first name with `*` spelled `_wildcard`.
    Raises ExportError, having written nothing, when anything is wrong.
    """
    server_type = _server_type(server)
    leaf, chain = _certificates(certificate_pem, chain_pem)
    name = _checked_basename(basename) if basename is not None else default_basename(leaf)
    if server_type.needs_private_key:
        _check_pkcs12_options(server_type, private_key_path, pkcs12_password, pkcs12_profile)
    key = _matching_key(private_key_path, key_passphrase, leaf) if private_key_path is not None else None
    material = _Material(leaf=leaf, chain=chain, key=key, friendly_name=printable(primary_name(leaf) or name),
                         pkcs12_password=pkcs12_password, pkcs12_profile=pkcs12_profile)
    folder = Path(out_dir).expanduser().resolve()
    files = _LAYOUTS[server_type](name, material)
    note = _NOTES[server_type](folder, name, material)
    files.append(_PlannedFile(f"{name}.README.txt", note.encode("utf-8"), PUBLIC_FILE_MODE))
    _refuse_existing(folder, files)
    return ExportResult(files=_write_files(folder, files), note=note)


def export_order(order: Any, server: ServerType | str, out_dir: str | os.PathLike[str],
                 key_passphrase: bytes | None = None, pkcs12_password: bytes | None = None,
                 pkcs12_profile: Pkcs12Profile = "modern", basename: str | None = None) -> ExportResult:
    """`export_bundle` for an issued `Order`: its certificate and chain, and its key if certwizard made it."""
    if order.certificate is None:
        raise ExportError(f"order {order.id} has no certificate yet (it is {order.status.label.lower()}); "
                          "export it once the certificate has been issued")
    key_path = Path(order.key.path) if order.key is not None else None
    return export_bundle(server, out_dir, order.certificate.certificate_pem, order.certificate.chain_pem,
                         key_path, key_passphrase=key_passphrase, pkcs12_password=pkcs12_password,
                         pkcs12_profile=pkcs12_profile, basename=basename)


def default_basename(leaf: x509.Certificate) -> str:
    """The certificate's first name made safe as a file name: `*.example.com` -> `_wildcard.example.com`."""
    first = primary_name(leaf) or "certificate"
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", first.replace("*", "_wildcard"))
    return safe.lstrip(".")[:MAX_BASENAME_LENGTH] or "certificate"


# --- checking the inputs ------------------------------------------------------------------------------------

def _server_type(server: ServerType | str) -> ServerType:
    try:
        return ServerType(server)
    except ValueError:
        raise ExportError(f"unknown server type {printable(str(server))!r}; choose one of: "
                          f"{', '.join(ServerType)}") from None


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
    if len(basename) > MAX_BASENAME_LENGTH or not _BASENAME.fullmatch(basename):
        raise ExportError(f"the file name {printable(basename)!r} is not usable; use up to "
                          f"{MAX_BASENAME_LENGTH} letters, digits, '.', '_' or '-', "
                          "not starting with '.' or '-'")
    return basename


def _check_pkcs12_options(server: ServerType, private_key_path: Path | None, password: bytes | None,
                          profile: str) -> None:
    if private_key_path is None:
        raise ExportError(f"{server.label} needs a .pfx (PKCS#12) file, which must contain the private key, "
                          "and this order's key was generated outside certwizard (manual CSR). Build the "
                          ".pfx yourself: openssl pkcs12 -export -in cert.crt -certfile chain.crt "
                          "-inkey your.key -out site.pfx, or export as nginx/apache/pem instead")
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


# --- file contents ------------------------------------------------------------------------------------------

def _pem(certificates: list[x509.Certificate]) -> bytes:
    return b"".join(cert.public_bytes(serialization.Encoding.PEM) for cert in certificates)


def _key_pem(key: Any) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _pkcs12_encryption(password: bytes, profile: str) -> serialization.KeySerializationEncryption:
    builder = serialization.PrivateFormat.PKCS12.encryption_builder()
    if profile == "legacy":
        builder = (builder.kdf_rounds(LEGACY_PKCS12_KDF_ROUNDS)
                   .key_cert_algorithm(pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC).hmac_hash(hashes.SHA1()))
    else:
        builder = (builder.kdf_rounds(MODERN_PKCS12_KDF_ROUNDS)
                   .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC).hmac_hash(hashes.SHA256()))
    return builder.build(password)


def _pfx(material: _Material) -> bytes:
    assert material.key is not None and material.pkcs12_password
    return pkcs12.serialize_key_and_certificates(
        material.friendly_name.encode("utf-8"), material.key, material.leaf, material.chain,
        _pkcs12_encryption(material.pkcs12_password, material.pkcs12_profile))


def _key_file(name: str, material: _Material) -> list[_PlannedFile]:
    if material.key is None:
        return []
    return [_PlannedFile(f"{name}.key", _key_pem(material.key), PRIVATE_FILE_MODE)]


def _nginx_files(name: str, m: _Material) -> list[_PlannedFile]:
    return [_PlannedFile(f"{name}.fullchain.pem", _pem([m.leaf, *m.chain]), PUBLIC_FILE_MODE),
            *_key_file(name, m)]


def _apache_files(name: str, m: _Material) -> list[_PlannedFile]:
    return [_PlannedFile(f"{name}.crt", _pem([m.leaf]), PUBLIC_FILE_MODE),
            _PlannedFile(f"{name}.chain.crt", _pem(m.chain), PUBLIC_FILE_MODE),
            *_key_file(name, m)]


def _pfx_files(name: str, m: _Material) -> list[_PlannedFile]:
    return [_PlannedFile(f"{name}.pfx", _pfx(m), PRIVATE_FILE_MODE)]


def _pem_files(name: str, m: _Material) -> list[_PlannedFile]:
    return [_PlannedFile(f"{name}.crt", _pem([m.leaf]), PUBLIC_FILE_MODE),
            _PlannedFile(f"{name}.chain.pem", _pem(m.chain), PUBLIC_FILE_MODE),
            _PlannedFile(f"{name}.fullchain.pem", _pem([m.leaf, *m.chain]), PUBLIC_FILE_MODE),
            *_key_file(name, m)]


_LAYOUTS: dict[ServerType, Callable[[str, _Material], list[_PlannedFile]]] = {
    ServerType.NGINX: _nginx_files,
    ServerType.APACHE: _apache_files,
    ServerType.TOMCAT: _pfx_files,
    ServerType.IIS: _pfx_files,
    ServerType.PEM: _pem_files,
}


# --- notes --------------------------------------------------------------------------------------------------

def _key_paragraph(folder: Path, name: str, m: _Material) -> str:
    if m.key is None:
        return ("The private key is the one you generated yourself together with your CSR; certwizard "
                "never had it. Use that file wherever the key is asked for below, and keep it readable only "
                "by the server.")
    return (f"{folder / (name + '.key')} is the private key, unencrypted PKCS#8 PEM so that the server can "
            "read it at start-up without asking for a passphrase. It is mode 0600: keep it readable only by "
            "the user the server starts as (usually root) and never copy it anywhere public.")


def _nginx_note(folder: Path, name: str, m: _Material) -> str:
    key_path = folder / f"{name}.key" if m.key is not None else Path("/path/to/your.key")
    return "\n".join([
        f"nginx: {m.friendly_name}",
        "",
        f"{folder / (name + '.fullchain.pem')} holds the certificate followed by the intermediate(s).",
        _key_paragraph(folder, name, m),
        "",
        "In the server block:",
        "    listen 443 ssl;",
        f"    server_name {m.friendly_name};",
        f"    ssl_certificate     {folder / (name + '.fullchain.pem')};",
        f"    ssl_certificate_key {key_path};",
        "",
        "Then check and reload: nginx -t && systemctl reload nginx",
        "",
    ])


def _apache_note(folder: Path, name: str, m: _Material) -> str:
    key_path = folder / f"{name}.key" if m.key is not None else Path("/path/to/your.key")
    return "\n".join([
        f"Apache httpd: {m.friendly_name}",
        "",
        f"{folder / (name + '.crt')} is the certificate,",
        f"{folder / (name + '.chain.crt')} the intermediate(s).",
        _key_paragraph(folder, name, m),
        "",
        "In the <VirtualHost *:443> block (mod_ssl enabled):",
        "    SSLEngine on",
        f"    SSLCertificateFile      {folder / (name + '.crt')}",
        f"    SSLCertificateChainFile {folder / (name + '.chain.crt')}",
        f"    SSLCertificateKeyFile   {key_path}",
        "",
        "Apache 2.4.8 and later also accept the chain appended to SSLCertificateFile instead of",
        "SSLCertificateChainFile. Then check and reload: apachectl configtest && apachectl graceful",
        "",
    ])


def _pfx_paragraph(folder: Path, name: str, m: _Material) -> str:
    if m.pkcs12_profile == "legacy":
        crypto = ("legacy profile: 3DES with a SHA-1 MAC, readable by old Windows Server and Java versions; "
                  "prefer the modern profile where the server supports it")
    else:
        crypto = ("modern profile: AES-256-CBC with PBKDF2-SHA256 and a SHA-256 MAC; Windows Server 2016 and "
                  "older and Java before 8u301 cannot read it, export with the legacy profile for those")
    return (f"{folder / (name + '.pfx')} holds the certificate, its private key and the intermediate(s), "
            f"protected by the password you chose ({crypto}). It is mode 0600; keep it private.")


def _tomcat_note(folder: Path, name: str, m: _Material) -> str:
    return "\n".join([
        f"Tomcat: {m.friendly_name}",
        "",
        _pfx_paragraph(folder, name, m),
        "",
        "In conf/server.xml (Tomcat 8.5 and later):",
        '    <Connector port="8443" protocol="org.apache.coyote.http11.Http11NioProtocol"',
        '               SSLEnabled="true" maxThreads="150" scheme="https" secure="true">',
        "        <SSLHostConfig>",
        f'            <Certificate certificateKeystoreFile="{folder / (name + ".pfx")}"',
        '                         certificateKeystoreType="PKCS12"',
        '                         certificateKeystorePassword="(the .pfx password you chose)" />',
        "        </SSLHostConfig>",
        "    </Connector>",
        "",
        "Then restart Tomcat.",
        "",
    ])


def _iis_note(folder: Path, name: str, m: _Material) -> str:
    return "\n".join([
        f"IIS: {m.friendly_name}",
        "",
        _pfx_paragraph(folder, name, m),
        "",
        "Import it into the computer's Personal store, either in IIS Manager (server node > Server",
        "Certificates > Import..., choose the .pfx and type the password) or in PowerShell:",
        f"    Import-PfxCertificate -FilePath '{folder / (name + '.pfx')}'",
        "        -CertStoreLocation Cert:\\LocalMachine\\My -Password (Read-Host -AsSecureString)",
        "Then bind it: select the site > Bindings... > Add (or Edit) https, port 443, host name "
        f"{m.friendly_name}, and pick the certificate named {m.friendly_name}.",
        "",
    ])


def _pem_note(folder: Path, name: str, m: _Material) -> str:
    lines = [
        f"PEM files: {m.friendly_name}",
        "",
        f"{folder / (name + '.crt')}: the certificate alone",
        f"{folder / (name + '.chain.pem')}: the intermediate certificate(s)",
        f"{folder / (name + '.fullchain.pem')}: the certificate followed by the intermediate(s);",
        "    most servers (nginx, HAProxy, Caddy, Node.js) want this one",
        _key_paragraph(folder, name, m),
        "",
        "The root certificate is not included: servers must not send it, clients already have it.",
        "",
    ]
    return "\n".join(lines)


_NOTES: dict[ServerType, Callable[[Path, str, _Material], str]] = {
    ServerType.NGINX: _nginx_note,
    ServerType.APACHE: _apache_note,
    ServerType.TOMCAT: _tomcat_note,
    ServerType.IIS: _iis_note,
    ServerType.PEM: _pem_note,
}


# --- writing ------------------------------------------------------------------------------------------------

def _refuse_existing(folder: Path, files: list[_PlannedFile]) -> None:
    if os.path.lexists(folder) and not folder.is_dir():
        raise ExportError(f"{printable(str(folder))} exists and is not a folder; "
                          "choose a folder to export into")
    clashes = []
    for planned in files:
        target = folder / planned.name
        if os.path.lexists(target):
            clashes.append(planned.name + (" (a symbolic link)" if target.is_symlink() else ""))
    if clashes:
        raise ExportError(f"{printable(str(folder))} already contains {', '.join(clashes)}; certwizard never "
                          "overwrites files. Choose another folder (for example a new, dated one) or move "
                          "those files away first; nothing was written")


def _make_folder(folder: Path) -> list[Path]:
    """Create `folder` (0700) and any missing parents; returns what this export created, outermost first."""
    missing = [path for path in (folder, *folder.parents) if not os.path.lexists(path)]
    created: list[Path] = []
    for path in reversed(missing):
        os.mkdir(path, PRIVATE_DIR_MODE)
        created.append(path)
    if created:
        # The umask may have removed bits; a folder holding keys must end up exactly 0700.
        os.chmod(folder, PRIVATE_DIR_MODE)
    return created


def _write_files(folder: Path, files: list[_PlannedFile]) -> list[Path]:
    created_folders: list[Path] = []
    written: list[Path] = []
    target = folder
    try:
        created_folders = _make_folder(folder)
        for planned in files:
            target = folder / planned.name
            written.append(create_new_file(target, planned.data, planned.mode))
    except OSError as exc:
        _undo(written, created_folders)
        raise ExportError(_write_failure_message(target, exc)) from None
    except BaseException:
        _undo(written, created_folders)
        raise
    return written


def _write_failure_message(target: Path, exc: OSError) -> str:
    where = printable(exc.filename if isinstance(exc.filename, str) else str(target))
    if exc.errno in (errno.EEXIST, errno.ELOOP):
        return (f"{where} appeared while exporting (another program created it); nothing was kept. Choose "
                "another folder or move that file away and try again")
    return (f"writing {where} failed ({exc.strerror or exc}); the files written so far were removed. "
            "Free some space or fix the folder's permissions, or choose another folder")


def _undo(written: list[Path], created_folders: list[Path]) -> None:
    for path in reversed(written):
        path.unlink(missing_ok=True)
    for folder in reversed(created_folders):
        try:
            folder.rmdir()
        except OSError:
            return  # something else was put there meanwhile; leave it and its parents


__all__ = ["ServerType", "ExportResult", "ExportError", "export_bundle", "export_order", "default_basename",
           "MODERN_PKCS12_KDF_ROUNDS", "LEGACY_PKCS12_KDF_ROUNDS", "PKCS12_PROFILES"]

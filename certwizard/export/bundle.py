"""Write an issued certificate (and its key) in the layout a web server expects, plus a README on setup.

Rules that every export follows:
- nothing is overwritten and nothing is written through a symlink: every target name is checked first, a clash
  is refused with the list of files already there, and each file is created with O_EXCL|O_NOFOLLOW;
- the output folder and its parents are real folders: a symbolic link among them is refused (whoever can
  write the folder holding it could point it elsewhere), and every folder is opened with O_NOFOLLOW from /
  down, so a link swapped in meanwhile is refused too;
- the export appears complete or not at all: the files are written and synced into a private staging folder
  (`.certwizard-export-PID-RANDOM`, 0700), then moved into place. A new output folder is that staging folder,
  renamed (one atomic step); into an existing folder the files are moved one by one without replacing
  anything (renameat2 RENAME_NOREPLACE, else link + unlink). A process killed before that leaves only its
  staging folder, which the next export into the same place removes; one killed while moving files into an
  existing folder leaves the list of them (inode and SHA-256) in its staging folder, and the next export
  there takes those files back out before it starts, so a retry is never blocked by a half-written export;
- if a write fails midway, what this export created (staging folder, moved files, folders made) is removed;
- keys and .pfx files are 0600, certificates and the README 0644; a folder we create is 0700, an existing
  folder keeps its mode. A key or .pfx written into a folder every user can write comes with a warning;
- PEM keys are written unencrypted PKCS#8, because the server reads them at start-up without a prompt.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import hashlib
import json
import os
import re
import stat
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
from certwizard.errors import CertwizardError
from certwizard.system.securefs import (
    PRIVATE_DIR_MODE,
    PRIVATE_FILE_MODE,
    PUBLIC_FILE_MODE,
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


class ExportError(CertwizardError):
    """The export was refused or failed; nothing is left behind. The message says how to fix it."""


@dataclass(frozen=True)
class ExportResult:
    files: list[Path]
    note: str
    warnings: list[str] = field(default_factory=list)   # written all the same, but the user should know


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
    folder = _absolute(out_dir)
    _refuse_symlinks(folder)
    files = _LAYOUTS[server_type](name, material)
    note = _NOTES[server_type](folder, name, material)
    files.append(_PlannedFile(f"{name}.README.txt", note.encode("utf-8"), PUBLIC_FILE_MODE))
    _clear_abandoned_exports(folder)      # a killed export's files must not block this one
    _refuse_existing(folder, files)
    warnings = _exposure_warnings(folder, files)
    return ExportResult(files=_write_files(folder, files), note=note, warnings=warnings)


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


IIS_FOLDER = "C:\\certs"    # where the IIS note has the .pfx copied to on the Windows server


def _iis_note(folder: Path, name: str, m: _Material) -> str:
    windows_path = f"{IIS_FOLDER}\\{name}.pfx"
    return "\n".join([
        f"IIS: {m.friendly_name}",
        "",
        _pfx_paragraph(folder, name, m),
        "",
        f"Copy it to the Windows server, for example to {windows_path}, then import it into the computer's",
        "Personal store, either in IIS Manager (server node > Server Certificates > Import..., choose the",
        ".pfx and type the password) or in PowerShell as Administrator (one line; it asks for the password):",
        f"    Import-PfxCertificate -FilePath '{windows_path}' -CertStoreLocation Cert:\\LocalMachine\\My "
        "-Password (Read-Host -AsSecureString)",
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

STAGING_PREFIX = ".certwizard-export-"
_MOVING = "moving.json"     # in a staging folder: the files being moved into an existing folder
_MOVED = "moved.json"       # the same list once every file is in place (the export is complete)
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
_RENAME_NOREPLACE = 1       # linux/fs.h
_NOT_SUPPORTED = {errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EPERM, errno.EMLINK,
                  errno.EXDEV}


class _WriteFailed(Exception):
    """An OSError while writing `target` (the path the user will see, not the staging one)."""

    def __init__(self, target: Path, error: OSError) -> None:
        super().__init__(str(target))
        self.target = target
        self.error = error


def _absolute(out_dir: str | os.PathLike[str]) -> Path:
    """The folder as an absolute path, `~` expanded and `..` folded, without following any link."""
    return Path(os.path.abspath(os.path.expanduser(os.fspath(out_dir))))


def _refuse_symlinks(folder: Path) -> None:
    for path in (folder, *folder.parents):
        if os.path.islink(path):
            what = ("the output folder" if path == folder
                    else f"{printable(str(path))}, a folder on the way to it,")
            raise ExportError(f"{what} is a symbolic link ({printable(str(path))} -> "
                              f"{printable(os.readlink(path))}); certwizard does not export through links, "
                              "which whoever can write the folder holding one can point elsewhere. Give the "
                              f"real folder instead: {printable(os.path.realpath(folder))}")


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


def _exposure_warnings(folder: Path, files: list[_PlannedFile]) -> list[str]:
    """A private key (or .pfx) about to land where every user of the machine can write."""
    private = [planned.name for planned in files if planned.mode == PRIVATE_FILE_MODE]
    existing = next((path for path in (folder, *folder.parents) if os.path.isdir(path)), None)
    if not private or existing is None:
        return []
    mode = os.lstat(existing).st_mode
    if not mode & stat.S_IWOTH:
        return []
    shown, keys = printable(str(existing)), ", ".join(private)
    if existing == folder:
        others = ("create files beside it" if mode & stat.S_ISVTX
                  else "rename, delete or replace it and create files beside it")
        return [f"{shown} can be written by every user of this machine (mode {stat.S_IMODE(mode):04o}); "
                f"{keys} was written there all the same, 0600 so that only you can read it, but others can "
                f"{others}. Keep private keys in a folder only you can write: export into a new folder, "
                "which certwizard creates 0700"]
    if mode & stat.S_ISVTX:
        return []   # like /tmp: the sticky bit keeps others from renaming the new 0700 folder
    return [f"{shown} can be written by every user of this machine (mode {stat.S_IMODE(mode):04o}), so any "
            f"of them can rename or replace the new folder {printable(str(folder))} that holds {keys}. Keep "
            "private keys under a folder only you can write"]


def _write_files(folder: Path, files: list[_PlannedFile]) -> list[Path]:
    created: list[Path] = []      # folders made on the way to `folder`, outermost first
    try:
        parent_fd = _open_folder(folder.parent, created)
        try:
            if _entry(parent_fd, folder.name) is None:
                _write_new_folder(parent_fd, folder, files)
            else:
                folder_fd = _open_child(parent_fd, folder.name, folder)
                try:
                    _write_into_folder(folder_fd, folder, files)
                finally:
                    os.close(folder_fd)
        finally:
            os.close(parent_fd)
    except _WriteFailed as failure:
        _remove_folders(created)
        raise ExportError(_write_failure_message(failure.target, failure.error)) from None
    except OSError as exc:
        _remove_folders(created)
        raise ExportError(_write_failure_message(folder / files[0].name, exc)) from None
    except BaseException:
        _remove_folders(created)
        raise
    return [folder / planned.name for planned in files]


def _write_failure_message(target: Path, exc: OSError) -> str:
    where = printable(exc.filename if isinstance(exc.filename, str) and exc.filename.startswith("/")
                      else str(target))
    if exc.errno in (errno.EEXIST, errno.ELOOP, errno.ENOTEMPTY):
        return (f"{where} appeared while exporting (another program created it); nothing was kept. Choose "
                "another folder or move that file away and try again")
    if exc.errno == errno.ENOTDIR:
        return (f"{where} is not a folder (or became a symbolic link while exporting); nothing was kept. "
                "Choose a real folder and try again")
    return (f"writing {where} failed ({exc.strerror or exc}); the files written so far were removed. "
            "Free some space or fix the folder's permissions, or choose another folder")


# --- folders by descriptor: a link swapped in anywhere on the way is refused, never followed ---------------

def _entry(dir_fd: int, name: str) -> os.stat_result | None:
    try:
        return os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return None


def _open_child(dir_fd: int, name: str, path: Path) -> int:
    try:
        return os.open(name, _DIR_FLAGS, dir_fd=dir_fd)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(path)) from None


def _open_folder(path: Path, created: list[Path] | None) -> int:
    """A descriptor of `path`, opened from / one folder at a time; missing folders are made 0700 and listed
    in `created` (with `created` None, a missing folder is FileNotFoundError)."""
    fd = os.open(path.anchor or "/", _DIR_FLAGS)
    current = Path(path.anchor or "/")
    try:
        for part in path.parts[1:]:
            current = current / part
            if _entry(fd, part) is None:
                if created is None:
                    raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), str(current))
                try:
                    os.mkdir(part, PRIVATE_DIR_MODE, dir_fd=fd)
                except OSError as exc:
                    raise OSError(exc.errno, exc.strerror, str(current)) from None
                created.append(current)
                child = _open_child(fd, part, current)
                os.fchmod(child, PRIVATE_DIR_MODE)      # exactly 0700, whatever the umask
            else:
                child = _open_child(fd, part, current)
            os.close(fd)
            fd = child
        return fd
    except BaseException:
        os.close(fd)
        raise


def _remove_folders(created: list[Path]) -> None:
    for folder in reversed(created):
        try:
            folder.rmdir()
        except OSError:
            return  # something else was put there meanwhile; leave it and its parents


# --- staging ------------------------------------------------------------------------------------------------

def _make_staging(dir_fd: int) -> tuple[str, int]:
    """A new private folder in `dir_fd` named after this process: (its name, a descriptor of it)."""
    name = f"{STAGING_PREFIX}{os.getpid()}-{os.urandom(4).hex()}"
    os.mkdir(name, PRIVATE_DIR_MODE, dir_fd=dir_fd)
    fd = os.open(name, _DIR_FLAGS, dir_fd=dir_fd)
    os.fchmod(fd, PRIVATE_DIR_MODE)
    return name, fd


def _write_planned(staging_fd: int, folder: Path, files: list[_PlannedFile]) -> dict[str, list[Any]]:
    """Write every file into the staging folder and sync it; returns what identifies each file (inode and
    SHA-256: an inode number alone is reused once a file is deleted)."""
    written: dict[str, list[Any]] = {}
    for planned in files:
        try:
            fd = os.open(planned.name, _FILE_FLAGS, planned.mode, dir_fd=staging_fd)
            try:
                os.fchmod(fd, planned.mode)     # the umask may have removed bits
                view = memoryview(planned.data)
                while view:
                    view = view[os.write(fd, view):]
                os.fsync(fd)
                written[planned.name] = [os.fstat(fd).st_ino, hashlib.sha256(planned.data).hexdigest()]
            finally:
                os.close(fd)
        except OSError as exc:
            raise _WriteFailed(folder / planned.name, exc) from None
    os.fsync(staging_fd)
    return written


def _write_new_folder(parent_fd: int, folder: Path, files: list[_PlannedFile]) -> None:
    """Write into a staging folder beside `folder`, then rename it to `folder`: all at once or nothing."""
    staging, staging_fd = _make_staging(parent_fd)
    try:
        try:
            _write_planned(staging_fd, folder, files)
        finally:
            os.close(staging_fd)
        try:
            _move_without_replacing(parent_fd, staging, parent_fd, folder.name)
        except OSError as exc:
            raise _WriteFailed(folder, exc) from None
    except BaseException:
        _remove_staging(parent_fd, staging)
        raise
    _sync(parent_fd)


def _write_into_folder(folder_fd: int, folder: Path, files: list[_PlannedFile]) -> None:
    """Write into a staging folder inside `folder`, then move each file next to it without replacing any.

    The list of files (inode, SHA-256) is written first, so an export killed while moving can be undone.
    """
    staging, staging_fd = _make_staging(folder_fd)
    moved: list[str] = []
    written: dict[str, list[Any]] = {}
    try:
        try:
            written = _write_planned(staging_fd, folder, files)
            _write_list(staging_fd, _MOVING, written)
            for planned in files:
                try:
                    _move_without_replacing(staging_fd, planned.name, folder_fd, planned.name)
                except OSError as exc:
                    raise _WriteFailed(folder / planned.name, exc) from None
                moved.append(planned.name)
            _sync(folder_fd)
            os.rename(_MOVING, _MOVED, src_dir_fd=staging_fd, dst_dir_fd=staging_fd)   # complete
        finally:
            os.close(staging_fd)
    except BaseException:
        for name in reversed(moved):
            _unlink_if_ours(folder_fd, name, written[name])
        _remove_staging(folder_fd, staging)
        raise
    _remove_staging(folder_fd, staging)


def _write_list(staging_fd: int, name: str, written: dict[str, list[Any]]) -> None:
    fd = os.open(name, _FILE_FLAGS, PRIVATE_FILE_MODE, dir_fd=staging_fd)
    try:
        os.write(fd, json.dumps({"files": written}).encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    os.fsync(staging_fd)


def _sync(dir_fd: int) -> None:
    try:
        os.fsync(dir_fd)
    except OSError:
        pass    # the files are in place; only their durability across a power cut is less certain


def _unlink_if_ours(dir_fd: int, name: str, identity: list[Any]) -> None:
    """Remove `name` only if it is still the file this export wrote (never one someone else put there)."""
    inode, digest = identity
    found = _entry(dir_fd, name)
    if found is None or not stat.S_ISREG(found.st_mode) or found.st_ino != inode or found.st_size > 1 << 20:
        return
    fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=dir_fd)
    try:
        same = hashlib.sha256(os.read(fd, found.st_size + 1)).hexdigest() == digest
    finally:
        os.close(fd)
    if same:
        os.unlink(name, dir_fd=dir_fd)


def _remove_staging(dir_fd: int, name: str) -> None:
    try:
        staging_fd = os.open(name, _DIR_FLAGS, dir_fd=dir_fd)
    except FileNotFoundError:
        return
    try:
        for entry in os.listdir(staging_fd):
            os.unlink(entry, dir_fd=staging_fd)
    finally:
        os.close(staging_fd)
    os.rmdir(name, dir_fd=dir_fd)


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True     # another export of this process (the wizard runs exports in threads)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True     # alive, and someone else's
    return True


def _clear_abandoned_exports(folder: Path) -> None:
    """Remove what exports killed before finishing left beside `folder` and in it."""
    for path in (folder.parent, folder):
        try:
            fd = _open_folder(path, None)
        except OSError:
            continue        # not there (yet), or not a real folder: the export itself will say so
        try:
            _remove_abandoned_staging(fd)
        finally:
            os.close(fd)


def _remove_abandoned_staging(dir_fd: int) -> None:
    """Staging folders of exports whose process died (killed, or the machine went down) go: their files
    never appeared. Files one of them had already moved into this folder are taken back out."""
    for entry in os.scandir(dir_fd):
        if not entry.name.startswith(STAGING_PREFIX) or not entry.is_dir(follow_symlinks=False):
            continue
        pid_text = entry.name[len(STAGING_PREFIX):].split("-", 1)[0]
        if not pid_text.isdigit() or _process_alive(int(pid_text)):
            continue
        try:
            _take_back(dir_fd, entry.name)
            _remove_staging(dir_fd, entry.name)
        except (OSError, ValueError):
            continue    # not ours to remove (another user's), or removed meanwhile


def _take_back(dir_fd: int, staging: str) -> None:
    staging_fd = os.open(staging, _DIR_FLAGS, dir_fd=dir_fd)
    try:
        if _entry(staging_fd, _MOVING) is None:
            return      # it never started moving files (or finished: moved.json)
        fd = os.open(_MOVING, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=staging_fd)
        try:
            listed = json.loads(os.read(fd, 64 * 1024))["files"]
        finally:
            os.close(fd)
    finally:
        os.close(staging_fd)
    for name, identity in listed.items():
        if (isinstance(name, str) and _BASENAME.fullmatch(name) and isinstance(identity, list)
                and len(identity) == 2 and isinstance(identity[0], int) and isinstance(identity[1], str)):
            _unlink_if_ours(dir_fd, name, identity)


# --- moving without replacing -------------------------------------------------------------------------------

def _renameat2() -> Any | None:
    try:
        function = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


_RENAMEAT2 = _renameat2()


def _move_without_replacing(src_fd: int, src: str, dst_fd: int, dst: str) -> None:
    """Move `src` to `dst`, failing with FileExistsError if anything is at `dst` already."""
    if _RENAMEAT2 is not None:
        if _RENAMEAT2(src_fd, os.fsencode(src), dst_fd, os.fsencode(dst), _RENAME_NOREPLACE) == 0:
            return
        code = ctypes.get_errno()
        if code not in _NOT_SUPPORTED:
            raise OSError(code, os.strerror(code), dst)
    if stat.S_ISREG(os.stat(src, dir_fd=src_fd, follow_symlinks=False).st_mode):
        try:
            os.link(src, dst, src_dir_fd=src_fd, dst_dir_fd=dst_fd, follow_symlinks=False)
        except OSError as exc:
            if exc.errno not in _NOT_SUPPORTED:
                raise
        else:
            os.unlink(src, dir_fd=src_fd)
            return
    # A file system with neither (some network and FAT mounts): look, then rename.
    if _entry(dst_fd, dst) is not None:
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), dst)
    os.rename(src, dst, src_dir_fd=src_fd, dst_dir_fd=dst_fd)


__all__ = ["ServerType", "ExportResult", "ExportError", "export_bundle", "export_order", "default_basename",
           "MODERN_PKCS12_KDF_ROUNDS", "LEGACY_PKCS12_KDF_ROUNDS", "PKCS12_PROFILES"]

"""What a server layout is made of: the `ServerLayout` record, the checked material it reads, the files it
plans.

Nothing here imports cryptography at import time: the records are read by the CLI's parser and the command
palette, which must not pay for it; the file builders import it when they run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from certwizard.system.securefs import PRIVATE_FILE_MODE, PUBLIC_FILE_MODE

if TYPE_CHECKING:
    from cryptography import x509


@dataclass(frozen=True)
class PlannedFile:
    name: str
    data: bytes = field(repr=False)   # may be a private key: keep it out of reprs and tracebacks
    mode: int = PUBLIC_FILE_MODE


@dataclass(frozen=True)
class Material:
    """Everything an export writes, already checked."""

    leaf: x509.Certificate
    chain: list[x509.Certificate]
    key: Any | None = field(repr=False)   # a private key object, or None for manual-CSR orders
    friendly_name: str
    pkcs12_password: bytes | None = field(default=None, repr=False)
    pkcs12_profile: str = "modern"


FilesBuilder = Callable[[str, Material], list[PlannedFile]]      # (basename, material) -> the files
NoteBuilder = Callable[[Path, str, Material], str]               # (folder, basename, material) -> README


@dataclass(frozen=True)
class ServerLayout:
    """One server type: everything certwizard says and writes for it. A new server is one of these in
    `certwizard/export/servers/` (listed in its registry); the CLI, the export dialog and the palette read
    it."""

    name: str               # the CLI's --server value and the default folder's suffix: "apache"
    label: str              # in sentences: "Exported for Apache httpd into ..."
    short_label: str        # in a list of choices: "choose nginx, Apache or PEM"
    choice: str             # the export dialog's picker line: "Apache httpd (certificate, chain, key)"
    hint: str               # under the picker: what gets written
    files: FilesBuilder
    note: NoteBuilder       # the README: how to configure the server with these files
    pkcs12: bool = False    # one password-protected .pfx, which holds the key: needs the key and a password
    choice_without_key: str | None = None   # the picker line for manual-CSR orders (None: `choice`)
    hint_without_key: str | None = None     # the hint for them (None: only for a .pfx, refused without key)
    palette_label: str | None = None        # in the palette's "for nginx, ... or as PEM" (None: short_label)

    @property
    def needs_private_key(self) -> bool:
        """PKCS#12 bundles the key, so it cannot be built without it."""
        return self.pkcs12

    def choice_for(self, has_key: bool) -> str:
        """The picker line; a manual-CSR order (no key) gets one that does not promise a key."""
        return self.choice if has_key else self.choice_without_key or self.choice


# --- pieces the layouts share -------------------------------------------------------------------------------

def served_names(m: Material) -> str:
    """Every DNS name of the certificate, space separated, as a server_name/ServerAlias line lists them."""
    from cryptography import x509 as x509_module

    from certwizard.domain.text import printable

    try:
        names = m.leaf.extensions.get_extension_for_class(x509_module.SubjectAlternativeName).value \
            .get_values_for_type(x509_module.DNSName)
    except x509_module.ExtensionNotFound:
        names = []
    return " ".join(printable(name) for name in names) or m.friendly_name


def pem(certificates: list[x509.Certificate]) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return b"".join(cert.public_bytes(serialization.Encoding.PEM) for cert in certificates)


def key_pem(key: Any) -> bytes:
    """Unencrypted PKCS#8 PEM: the server reads the key at start-up without a prompt."""
    from cryptography.hazmat.primitives import serialization

    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def key_file(name: str, material: Material) -> list[PlannedFile]:
    if material.key is None:
        return []
    return [PlannedFile(f"{name}.key", key_pem(material.key), PRIVATE_FILE_MODE)]


def key_path_in_note(folder: Path, name: str, m: Material) -> Path:
    return folder / f"{name}.key" if m.key is not None else Path("/path/to/your.key")


def key_paragraph(folder: Path, name: str, m: Material) -> str:
    if m.key is None:
        return ("The private key is the one you generated yourself together with your CSR; certwizard "
                "never had it. Use that file wherever the key is asked for below, and keep it readable only "
                "by the server.")
    return (f"{folder / (name + '.key')} is the private key, unencrypted PKCS#8 PEM so that the server can "
            "read it at start-up without asking for a passphrase. It is mode 0600: keep it readable only by "
            "the user the server starts as (usually root) and never copy it anywhere public.")


__all__ = ["PlannedFile", "Material", "ServerLayout", "FilesBuilder", "NoteBuilder", "pem", "key_pem",
           "key_file", "key_path_in_note", "key_paragraph", "PUBLIC_FILE_MODE", "PRIVATE_FILE_MODE"]

"""Apache httpd: the certificate and the chain as two files, and the key."""

from __future__ import annotations

from pathlib import Path

from certwizard.export.layout import (
    Material,
    PlannedFile,
    ServerLayout,
    key_file,
    key_paragraph,
    key_path_in_note,
    pem,
)


def files(name: str, m: Material) -> list[PlannedFile]:
    return [PlannedFile(f"{name}.crt", pem([m.leaf])),
            PlannedFile(f"{name}.chain.crt", pem(m.chain)),
            *key_file(name, m)]


def note(folder: Path, name: str, m: Material) -> str:
    return "\n".join([
        f"Apache httpd: {m.friendly_name}",
        "",
        f"{folder / (name + '.crt')} is the certificate,",
        f"{folder / (name + '.chain.crt')} the intermediate(s).",
        key_paragraph(folder, name, m),
        "",
        "In the <VirtualHost *:443> block (mod_ssl enabled):",
        "    SSLEngine on",
        f"    SSLCertificateFile      {folder / (name + '.crt')}",
        f"    SSLCertificateChainFile {folder / (name + '.chain.crt')}",
        f"    SSLCertificateKeyFile   {key_path_in_note(folder, name, m)}",
        "",
        "Apache 2.4.8 and later also accept the chain appended to SSLCertificateFile instead of",
        "SSLCertificateChainFile. Then check and reload: apachectl configtest && apachectl graceful",
        "",
    ])


APACHE = ServerLayout(
    name="apache", label="Apache httpd", short_label="Apache",
    choice="Apache httpd (certificate, chain, key)",
    choice_without_key="Apache httpd (certificate, chain; your own key)",
    hint="The certificate, the chain and the private key (0600), as three files.",
    hint_without_key="The certificate and the chain, as two files; use them with your own key.",
    files=files, note=note)

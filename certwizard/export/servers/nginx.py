"""nginx: one file with the certificate followed by its chain, and the key."""

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
    served_names,
)


def files(name: str, m: Material) -> list[PlannedFile]:
    return [PlannedFile(f"{name}.fullchain.pem", pem([m.leaf, *m.chain])), *key_file(name, m)]


def note(folder: Path, name: str, m: Material) -> str:
    return "\n".join([
        f"nginx: {m.friendly_name}",
        "",
        f"{folder / (name + '.fullchain.pem')} holds the certificate followed by the intermediate(s).",
        key_paragraph(folder, name, m),
        "",
        "In the server block:",
        "    listen 443 ssl;",
        f"    server_name {served_names(m)};",
        f"    ssl_certificate     {folder / (name + '.fullchain.pem')};",
        f"    ssl_certificate_key {key_path_in_note(folder, name, m)};",
        "",
        "Then check and reload: nginx -t && systemctl reload nginx",
        "",
    ])


NGINX = ServerLayout(
    name="nginx", label="nginx", short_label="nginx",
    choice="nginx (full chain + key)",
    choice_without_key="nginx (full chain; your own key)",
    hint="One file with the certificate followed by its chain, and the private key (0600).",
    hint_without_key="One file with the certificate followed by its chain; use it with your own key.",
    files=files, note=note)

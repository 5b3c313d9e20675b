"""Plain PEM files: the certificate, the chain and the full chain apart, and the key."""

from __future__ import annotations

from pathlib import Path

from certwizard.export.layout import Material, PlannedFile, ServerLayout, key_file, key_paragraph, pem


def files(name: str, m: Material) -> list[PlannedFile]:
    return [PlannedFile(f"{name}.crt", pem([m.leaf])),
            PlannedFile(f"{name}.chain.pem", pem(m.chain)),
            PlannedFile(f"{name}.fullchain.pem", pem([m.leaf, *m.chain])),
            *key_file(name, m)]


def note(folder: Path, name: str, m: Material) -> str:
    return "\n".join([
        f"PEM files: {m.friendly_name}",
        "",
        f"{folder / (name + '.crt')}: the certificate alone",
        f"{folder / (name + '.chain.pem')}: the intermediate certificate(s)",
        f"{folder / (name + '.fullchain.pem')}: the certificate followed by the intermediate(s);",
        "    most servers (nginx, HAProxy, Caddy, Node.js) want this one",
        key_paragraph(folder, name, m),
        "",
        "The root certificate is not included: servers must not send it, clients already have it.",
        "",
    ])


PEM = ServerLayout(
    name="pem", label="plain PEM files", short_label="PEM", palette_label="as PEM",
    choice="Plain PEM files",
    hint="Certificate, chain, full chain and private key (0600) as separate PEM files.",
    hint_without_key="Certificate, chain and full chain as separate PEM files; use them with your own key.",
    files=files, note=note)

"""The password-protected .pfx (PKCS#12) the Tomcat and IIS layouts write: its two profiles and its README
paragraph. cryptography is imported when a .pfx is built, not with this module (the CLI reads the
profiles)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

from certwizard.export.layout import PRIVATE_FILE_MODE, Material, PlannedFile

if TYPE_CHECKING:
    from cryptography.hazmat.primitives import serialization

# 600 000 PBKDF2-SHA256 rounds (OWASP 2023, as smallstep uses) for the key and certificate bags: measured
# ~0.2 s per export on the project's 2-core machine, ~0.15 s for `openssl pkcs12` to read it. cryptography
# fixes the MAC's own iteration count at 2048 (pyca/cryptography#9644), so a password guess can be checked at
# that cost; a long random password is what really protects a .pfx.
MODERN_PKCS12_KDF_ROUNDS = 600_000
# The legacy profile exists for readers that choke on anything modern, so it matches exactly what
# `openssl pkcs12 -export -legacy` writes (3DES, SHA-1 MAC, 2048 rounds).
LEGACY_PKCS12_KDF_ROUNDS = 2048

Pkcs12Profile = Literal["modern", "legacy"]
PKCS12_PROFILES: tuple[str, ...] = ("modern", "legacy")


def pkcs12_encryption(password: bytes, profile: str) -> serialization.KeySerializationEncryption:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    builder = serialization.PrivateFormat.PKCS12.encryption_builder()
    if profile == "legacy":
        builder = (builder.kdf_rounds(LEGACY_PKCS12_KDF_ROUNDS)
                   .key_cert_algorithm(pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC).hmac_hash(hashes.SHA1()))
    else:
        builder = (builder.kdf_rounds(MODERN_PKCS12_KDF_ROUNDS)
                   .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC).hmac_hash(hashes.SHA256()))
    return builder.build(password)


def pfx(material: Material) -> bytes:
    from cryptography.hazmat.primitives.serialization import pkcs12

    assert material.key is not None and material.pkcs12_password
    return pkcs12.serialize_key_and_certificates(
        material.friendly_name.encode("utf-8"), material.key, material.leaf, material.chain,
        pkcs12_encryption(material.pkcs12_password, material.pkcs12_profile))


def pfx_holds(data: bytes, material: Material) -> bool:
    """Does the .pfx `data` open with the material's password and hold its key, certificate and chain? (A .pfx
    is never the same bytes twice: its salts are random.)"""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    if material.key is None or not material.pkcs12_password:
        return False
    try:
        key, leaf, chain = pkcs12.load_key_and_certificates(data, material.pkcs12_password)
    except ValueError:
        return False     # another password, or not a .pfx

    def public(k: object) -> bytes:
        return k.public_key().public_bytes(  # type: ignore[attr-defined]
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return (key is not None and public(key) == public(material.key) and leaf == material.leaf
            and list(chain) == list(material.chain))


def pfx_files(name: str, m: Material) -> list[PlannedFile]:
    return [PlannedFile(f"{name}.pfx", pfx(m), PRIVATE_FILE_MODE)]


def pfx_paragraph(folder: Path, name: str, m: Material) -> str:
    if m.pkcs12_profile == "legacy":
        crypto = ("legacy profile: 3DES with a SHA-1 MAC, readable by old Windows Server and Java versions; "
                  "prefer the modern profile where the server supports it")
    else:
        crypto = ("modern profile: AES-256-CBC with PBKDF2-SHA256 and a SHA-256 MAC; Windows Server 2016 and "
                  "older and Java before 8u301 cannot read it, export with the legacy profile for those")
    return (f"{folder / (name + '.pfx')} holds the certificate, its private key and the intermediate(s), "
            f"protected by the password you chose ({crypto}). It is mode 0600; keep it private.")


__all__ = ["MODERN_PKCS12_KDF_ROUNDS", "LEGACY_PKCS12_KDF_ROUNDS", "Pkcs12Profile", "PKCS12_PROFILES",
           "pkcs12_encryption", "pfx", "pfx_holds", "pfx_files", "pfx_paragraph"]

"""Facts about a public key: its label ("ECDSA P-256"), the KeyAlgorithm it is, its SPKI fingerprint.

Apart from key making (keys.py) so that the CSR linter, certificate facts and key files share one version,
and importing these costs only `cryptography`.
"""

from __future__ import annotations

import hashlib

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes

from certwizard.domain.products import KeyAlgorithm

# Names a person recognises (NIST names), keyed by the curve names cryptography reports.
CURVE_LABELS = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}


def spki_sha256(public_key: PublicKeyTypes) -> str:
    """Hex SHA-256 of the DER SubjectPublicKeyInfo: finds the key pair of a certificate issued days later."""
    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()


def key_description(public_key: PublicKeyTypes) -> str:
    """Short human label such as "RSA 2048", "ECDSA P-256", "Ed25519" or "DSA 2048"."""
    if isinstance(public_key, rsa.RSAPublicKey):
        return f"RSA {public_key.key_size}"
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        name = public_key.curve.name
        return f"ECDSA {CURVE_LABELS.get(name, name)}"
    if isinstance(public_key, dsa.DSAPublicKey):
        return f"DSA {public_key.key_size}"
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        return "Ed25519"
    if isinstance(public_key, ed448.Ed448PublicKey):
        return "Ed448"
    return type(public_key).__name__


def key_algorithm_of(public_key: PublicKeyTypes) -> KeyAlgorithm | None:
    """The matching KeyAlgorithm, or None for a key certwizard does not offer (other sizes, curves, types)."""
    wanted = key_description(public_key)
    for algorithm in KeyAlgorithm:
        if algorithm.label == wanted:
            return algorithm
    return None

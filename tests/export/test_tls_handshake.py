"""A real TLS handshake on loopback with the nginx-style export, trusting only the sandbox root."""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from certwizard.ca.sandbox_pki import SandboxPKI
from certwizard.export.bundle import export_bundle

DOMAIN = "shop.example.com"
TIMEOUT_SECONDS = 10
GREETING = b"hello over TLS\n"


def make_csr(key) -> bytes:
    return (x509.CertificateSigningRequestBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, DOMAIN)]))
            .sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM))


@dataclass
class ServedFiles:
    fullchain: Path
    key: Path
    root: Path


@dataclass
class ServerOutcome:
    errors: list[BaseException] = field(default_factory=list)
    handshakes: int = 0


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> SandboxPKI:
    return SandboxPKI(tmp_path_factory.mktemp("ca") / "sandbox-ca").ensure()


@pytest.fixture(scope="module", params=["ecdsa", "rsa"])
def served(request, pki, tmp_path_factory) -> ServedFiles:
    key = (ec.generate_private_key(ec.SECP256R1()) if request.param == "ecdsa"
           else rsa.generate_private_key(public_exponent=65537, key_size=2048))
    folder = tmp_path_factory.mktemp(f"tls-{request.param}")
    key_path = folder / "order.key"
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    bundle = pki.issue(make_csr(key), [DOMAIN, "127.0.0.1"], 30)
    result = export_bundle("nginx", folder / "nginx", bundle.certificate_pem, bundle.chain_pem, key_path)
    files = {p.name: p for p in result.files}
    return ServedFiles(fullchain=files[f"{DOMAIN}.fullchain.pem"], key=files[f"{DOMAIN}.key"],
                       root=pki.root_pem_path)


def _serve_one(listener: socket.socket, context: ssl.SSLContext, outcome: ServerOutcome) -> None:
    try:
        connection, _ = listener.accept()
        connection.settimeout(TIMEOUT_SECONDS)
        with context.wrap_socket(connection, server_side=True) as tls:
            outcome.handshakes += 1
            tls.sendall(GREETING)
    except (ssl.SSLError, OSError) as exc:  # a client that rejects us ends the handshake with an alert
        outcome.errors.append(exc)


@contextmanager
def tls_server(files: ServedFiles) -> Iterator[tuple[int, ServerOutcome]]:
    """Serve one connection on 127.0.0.1 (ephemeral port) with the exported fullchain and key."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certfile=files.fullchain, keyfile=files.key)
    outcome = ServerOutcome()
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(TIMEOUT_SECONDS)
        thread = threading.Thread(target=_serve_one, args=(listener, context, outcome), daemon=True)
        thread.start()
        try:
            yield listener.getsockname()[1], outcome
        finally:
            thread.join(TIMEOUT_SECONDS)
    assert not thread.is_alive(), "the TLS server thread did not finish"


def connect(port: int, cafile: Path, server_hostname: str) -> tuple[bytes, dict]:
    context = ssl.create_default_context(cafile=str(cafile))  # trusts only this file, not the system store
    assert context.check_hostname and context.verify_mode == ssl.CERT_REQUIRED
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT_SECONDS) as raw:
        with context.wrap_socket(raw, server_hostname=server_hostname) as tls:
            return tls.recv(len(GREETING)), tls.getpeercert()


@pytest.mark.parametrize("hostname", [DOMAIN, "127.0.0.1"])
def test_a_client_trusting_only_the_sandbox_root_completes_the_handshake(served, hostname):
    with tls_server(served) as (port, outcome):
        greeting, peer = connect(port, served.root, hostname)

    assert greeting == GREETING
    assert ("DNS", DOMAIN) in peer["subjectAltName"]
    assert outcome.handshakes == 1 and outcome.errors == []


def test_a_client_trusting_a_different_root_refuses_the_server(served, tmp_path):
    stranger_root = SandboxPKI(tmp_path / "stranger-ca").ensure().root_pem_path

    with tls_server(served) as (port, outcome):
        with pytest.raises(ssl.SSLCertVerificationError, match="unable to get local issuer certificate"):
            connect(port, stranger_root, DOMAIN)

    assert outcome.handshakes == 0 and len(outcome.errors) == 1


def test_a_client_asking_for_another_name_refuses_the_server(served):
    with tls_server(served) as (port, outcome):
        with pytest.raises(ssl.SSLCertVerificationError, match="Hostname mismatch"):
            connect(port, served.root, "other.example.com")

    assert outcome.handshakes == 0

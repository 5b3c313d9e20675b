"""A real ACME server for tests: Debian's Pebble and pebble-challtestsrv, started on loopback per test module.

Why a helper of our own: nothing is faked between certwizard and the CA, yet the tests run in parallel
(pytest-xdist), so every instance gets free ports, its own fresh API certificate (made with `cryptography`)
and its own temp folder, and goes away with its processes on teardown. challtestsrv is the DNS server Pebble
asks (every A query answers 127.0.0.1) and the web server it fetches http-01 files from; its management API
publishes TXT records and files, and tells what the CA fetched.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

PEBBLE = "/usr/bin/pebble"
CHALLTESTSRV = "/usr/bin/pebble-challtestsrv"
NOT_INSTALLED = "pebble is not installed: apt-get install -y pebble"
START_TIMEOUT = 20.0          # seconds; both start in about one second on an idle machine
START_ATTEMPTS = 3            # a free port taken by a parallel worker in between makes one start fail
STOP_TIMEOUT = 10.0
REQUEST_TIMEOUT = 10.0


def pebble_missing_reason() -> str | None:
    """Why the Pebble tests cannot run here, or None when both programs are installed."""
    if not (os.access(PEBBLE, os.X_OK) and os.access(CHALLTESTSRV, os.X_OK)):
        return NOT_INSTALLED
    return None


def require_pebble() -> None:
    """Skip the calling test, saying how to install Pebble, when it is missing (pytest -rs lists it)."""
    import pytest

    reason = pebble_missing_reason()
    if reason is not None:
        pytest.skip(reason)


class PebbleStartError(RuntimeError):
    """Pebble or challtestsrv did not come up; the message carries the end of their output."""


@dataclass(frozen=True)
class PebbleOptions:
    """What differs between Pebble instances: EAB, nonce rejection, certificate lifetime, http-01 port."""

    eab_keys: Mapping[str, str] | None = None      # kid -> base64url HMAC key; makes EAB required
    nonce_reject_percent: int | None = 0           # None: Pebble's default (5 % of good nonces refused)
    certificate_validity_seconds: int | None = None
    http01_port: int | None = None                 # a web server of the test's own; challtestsrv serves none
    extra_env: Mapping[str, str] = field(default_factory=dict)


def _free_port(udp_too: bool = False) -> int:
    """A loopback port free right now (for TCP, and UDP when asked); a race is handled by starting again."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
            tcp.bind(("127.0.0.1", 0))
            port = int(tcp.getsockname()[1])
            if not udp_too:
                return port
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                try:
                    udp.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port


def write_api_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed P-256 certificate for localhost and 127.0.0.1 (Pebble's API TLS); (cert, key) paths."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Pebble API (test)")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=7))
        .add_extension(x509.SubjectAlternativeName([
            x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, content_commitment=False,
                                     key_encipherment=False, data_encipherment=False, key_agreement=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path = folder / "api-cert.pem"
    key_path = folder / "api-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_path.chmod(0o600)
    return cert_path, key_path


def new_eab_hmac_key() -> str:
    """A random HMAC key in the base64url form CAs hand out (and Pebble's config takes)."""
    return base64.urlsafe_b64encode(os.urandom(32)).rstrip(b"=").decode()


class PebbleServer:
    """One running Pebble + challtestsrv pair. Use `start_pebble()`; every URL is on 127.0.0.1."""

    def __init__(self, folder: Path, options: PebbleOptions) -> None:
        self.folder = folder
        self.options = options
        self.ca_bundle, _ = write_api_certificate(folder)
        self.api_port = _free_port()
        self.management_port = _free_port()
        self.dns_port = _free_port(udp_too=True)
        self.http01_port = options.http01_port or _free_port()
        self.challtestsrv_port = _free_port()
        self._processes: list[subprocess.Popen[bytes]] = []
        self._ssl = ssl.create_default_context(cafile=str(self.ca_bundle))

    # --- addresses ----------------------------------------------------------------------------------------

    @property
    def directory_url(self) -> str:
        return f"https://127.0.0.1:{self.api_port}/dir"

    @property
    def management_url(self) -> str:
        return f"https://127.0.0.1:{self.management_port}"

    @property
    def challtestsrv_url(self) -> str:
        return f"http://127.0.0.1:{self.challtestsrv_port}"

    # --- life cycle ---------------------------------------------------------------------------------------

    def _config(self) -> dict[str, Any]:
        pebble: dict[str, Any] = {
            "listenAddress": f"127.0.0.1:{self.api_port}",
            "managementListenAddress": f"127.0.0.1:{self.management_port}",
            "certificate": str(self.folder / "api-cert.pem"),
            "privateKey": str(self.folder / "api-key.pem"),
            "httpPort": self.http01_port,
            "tlsPort": _free_port(),           # tls-alpn-01 is not used; no fixed port either
            "ocspResponderURL": "",
            "externalAccountBindingRequired": bool(self.options.eab_keys),
        }
        if self.options.eab_keys:
            pebble["externalAccountMACKeys"] = dict(self.options.eab_keys)
        if self.options.certificate_validity_seconds is not None:
            pebble["certificateValidityPeriod"] = self.options.certificate_validity_seconds
        return {"pebble": pebble}

    def start(self) -> None:
        config = self.folder / "pebble-config.json"
        config.write_text(json.dumps(self._config(), indent=2), encoding="utf-8")
        http01 = "" if self.options.http01_port else f"127.0.0.1:{self.http01_port}"
        self._launch("challtestsrv", [
            CHALLTESTSRV, "-defaultIPv6", "", "-defaultIPv4", "127.0.0.1",
            "-dns01", f"127.0.0.1:{self.dns_port}", "-http01", http01, "-https01", "", "-tlsalpn01", "",
            "-management", f"127.0.0.1:{self.challtestsrv_port}"], {})
        env = {"PEBBLE_VA_NOSLEEP": "1", "PEBBLE_AUTHZREUSE": "0", **self.options.extra_env}
        if self.options.nonce_reject_percent is not None:
            env["PEBBLE_WFE_NONCEREJECT"] = str(self.options.nonce_reject_percent)
        self._launch("pebble", [PEBBLE, "-config", str(config), "-dnsserver", f"127.0.0.1:{self.dns_port}",
                                "-strict"], env)
        self._wait_until_ready()

    def _launch(self, name: str, command: list[str], env: Mapping[str, str]) -> None:
        log = open(self.folder / f"{name}.log", "wb")     # noqa: SIM115 - the child keeps writing to it
        try:
            process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, env={**os.environ, **env}, cwd=self.folder)
        finally:
            log.close()
        self._processes.append(process)

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        checks = [lambda: self._get(self.directory_url), lambda: self._get(self.management_url + "/roots/0"),
                  lambda: self.http_request_history("ready.invalid")]
        for check in checks:
            while True:
                if any(p.poll() is not None for p in self._processes):
                    raise PebbleStartError(f"a Pebble process exited at start:\n{self.logs()}")
                try:
                    check()
                    break
                except (OSError, urllib.error.URLError):
                    if time.monotonic() > deadline:
                        raise PebbleStartError(f"Pebble was not ready after {START_TIMEOUT} s:\n"
                                               f"{self.logs()}") from None
                    time.sleep(0.05)

    def logs(self) -> str:
        parts = []
        for log in sorted(self.folder.glob("*.log")):
            parts.append(f"--- {log.name} ---\n" + log.read_text(errors="replace")[-3000:])
        return "\n".join(parts)

    def stop(self) -> None:
        for process in self._processes:
            if process.poll() is None:
                process.terminate()
        for process in self._processes:
            try:
                process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._processes.clear()

    # --- HTTP plumbing ------------------------------------------------------------------------------------

    def _get(self, url: str) -> bytes:
        with urllib.request.urlopen(url, timeout=REQUEST_TIMEOUT, context=self._ssl) as response:
            return bytes(response.read())

    def _challtestsrv(self, path: str, body: Mapping[str, Any]) -> bytes:
        request = urllib.request.Request(self.challtestsrv_url + path, data=json.dumps(body).encode(),
                                         method="POST", headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:
            return bytes(response.read())

    # --- the CA's certificates (new at every start) -------------------------------------------------------

    def root_pem(self, index: int = 0) -> bytes:
        return self._get(f"{self.management_url}/roots/{index}")

    def intermediate_pem(self, index: int = 0) -> bytes:
        return self._get(f"{self.management_url}/intermediates/{index}")

    def root_certificate(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.root_pem())

    def certificate_status(self, serial: int) -> dict[str, Any]:
        """Pebble's view of an issued certificate ("Valid" or "Revoked", with the reason)."""
        answer = self._get(f"{self.management_url}/cert-status-by-serial/{serial:x}")
        data: dict[str, Any] = json.loads(answer)
        return data

    # --- challtestsrv -------------------------------------------------------------------------------------

    def set_txt(self, record_name: str, value: str) -> None:
        """Add a TXT value (values add up: a wildcard and its base name need two on one name)."""
        self._challtestsrv("/set-txt", {"host": _fqdn(record_name), "value": value})

    def clear_txt(self, record_name: str) -> None:
        self._challtestsrv("/clear-txt", {"host": _fqdn(record_name)})

    def add_http01(self, token: str, content: str) -> None:
        self._challtestsrv("/add-http01", {"token": token, "content": content})

    def del_http01(self, token: str) -> None:
        self._challtestsrv("/del-http01", {"token": token})

    def http_request_history(self, host: str) -> list[dict[str, Any]]:
        """What the CA fetched over http-01 for `host` (URL, Host header...)."""
        answer = self._challtestsrv("/http-request-history", {"host": host})
        history: list[dict[str, Any]] = json.loads(answer or b"[]") or []
        return history


def _fqdn(name: str) -> str:
    return name if name.endswith(".") else name + "."


@contextmanager
def start_pebble(options: PebbleOptions | None = None) -> Iterator[PebbleServer]:
    """Start Pebble and challtestsrv in a temp folder; stop both and remove the folder afterwards."""
    options = options or PebbleOptions()
    last_error: PebbleStartError | None = None
    for _attempt in range(START_ATTEMPTS):
        folder = Path(tempfile.mkdtemp(prefix="pebble-"))
        server = PebbleServer(folder, options)
        try:
            server.start()
        except PebbleStartError as exc:     # most likely a port taken in between: new ports, new start
            server.stop()
            shutil.rmtree(folder, ignore_errors=True)
            last_error = exc
            continue
        try:
            yield server
        finally:
            server.stop()
            shutil.rmtree(folder, ignore_errors=True)
        return
    assert last_error is not None
    raise last_error


def main() -> None:
    """`python -m tests.ca.pebble`: a Pebble to try certwizard against by hand, until Ctrl+C."""
    import signal
    import sys

    def interrupted(*_: object) -> None:
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, interrupted)     # `kill` cleans up like Ctrl+C (the temp folder goes)
    reason = pebble_missing_reason()
    if reason:
        sys.exit(reason)
    with start_pebble() as server:
        root = server.folder / "root.pem"
        root.write_bytes(server.root_pem())
        print(f"ACME directory   {server.directory_url}\nCA bundle (API)  {server.ca_bundle}\n"
              f"trust root       {root}\nDNS (challtestsrv) 127.0.0.1:{server.dns_port}, management "
              f"{server.challtestsrv_url}\n\ncertwizard acme add pebble --directory {server.directory_url} "
              f"--ca-bundle {server.ca_bundle} --trust-root {root} --agree-tos\n"
              f"export CERTWIZARD_DNS_SERVERS=127.0.0.1:{server.dns_port}\n\nCtrl+C stops it.", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()

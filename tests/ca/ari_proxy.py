"""A loopback ACME front for Pebble with renewalInfo (RFC 9773), which Debian's Pebble 2.4 does not have.

Why a reverse proxy and not a fake CA: everything but the renewal windows is still the real Pebble. The proxy
serves TLS with Pebble's own API certificate and forwards every request with its Host header kept, so Pebble
builds its URLs (and checks each JWS `url`) for the proxy's address and never notices it. Of its own it:
- adds "renewalInfo" to the directory;
- answers `GET /renewal-info/<certID>` with what the test set (`answers`, default `default_answer`), and
  records the certIDs asked;
- records the payload of every newOrder and, while `refuse_replaces` is set, refuses a newOrder that carries
  `replaces` with that ACME problem type, as a CA that finds the certificate already replaced does.
"""

from __future__ import annotations

import base64
import http.client
import http.server
import json
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from tests.ca.pebble import PebbleServer

RENEWAL_PATH = "/renewal-info"
HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "content-length", "proxy-connection"}


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def window_answer(start: str, end: str, *, explanation: str | None = None, retry_after: str | None = None
                  ) -> Answer:
    body: dict[str, Any] = {"suggestedWindow": {"start": start, "end": end}}
    if explanation is not None:
        body["explanationURL"] = explanation
    return Answer(200, json.dumps(body).encode(), {"Retry-After": retry_after} if retry_after else {})


class AriProxy:
    def __init__(self, pebble: PebbleServer) -> None:
        self.pebble = pebble
        self.answers: dict[str, Answer] = {}
        self.default_answer = Answer(404, json.dumps({"type": "urn:ietf:params:acme:error:malformed",
                                                      "detail": "no such certificate"}).encode(),
                                     {"Content-Type": "application/problem+json"})
        self.asked: list[str] = []
        self.new_orders: list[dict[str, Any]] = []
        self.refuse_replaces: str | None = None      # e.g. "alreadyReplaced"
        self.with_renewal_info = True
        self._lock = threading.Lock()
        self._server: http.server.ThreadingHTTPServer | None = None

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.server_address[1])

    @property
    def directory_url(self) -> str:
        return f"https://127.0.0.1:{self.port}/dir"

    @property
    def renewal_info_url(self) -> str:
        return f"https://127.0.0.1:{self.port}{RENEWAL_PATH}"

    def start(self) -> None:
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                proxy._handle(self)

            def do_POST(self) -> None:
                proxy._handle(self)

            def do_HEAD(self) -> None:
                proxy._handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.pebble.folder / "api-cert.pem", self.pebble.folder / "api-key.pem")
        server.socket = context.wrap_socket(server.socket, server_side=True)
        server.daemon_threads = True
        self._server = server
        threading.Thread(target=server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    # --- requests -------------------------------------------------------------------------------------------

    def _handle(self, handler: http.server.BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        path = handler.path
        if handler.command == "GET" and path.startswith(RENEWAL_PATH + "/"):
            identifier = path[len(RENEWAL_PATH) + 1:]
            with self._lock:
                self.asked.append(identifier)
                answer = self.answers.get(identifier, self.default_answer)
            self._reply(handler, answer.status, answer.headers, answer.body)
            return
        if handler.command == "POST" and path.endswith("/order-plz"):
            payload = _jws_payload(body)
            with self._lock:
                self.new_orders.append(payload)
                refuse = self.refuse_replaces
            if refuse and "replaces" in payload:
                problem = {"type": f"urn:ietf:params:acme:error:{refuse}",
                           "detail": "the certificate named in replaces was replaced already"}
                self._reply(handler, 409, {"Content-Type": "application/problem+json"},
                            json.dumps(problem).encode())
                return
        status, headers, answer = self._forward(handler, body)
        if handler.command == "GET" and path == "/dir" and status == 200 and self.with_renewal_info:
            directory = json.loads(answer)
            directory["renewalInfo"] = self.renewal_info_url
            answer = json.dumps(directory).encode()
        self._reply(handler, status, headers, answer)

    def _forward(self, handler: http.server.BaseHTTPRequestHandler, body: bytes
                 ) -> tuple[int, dict[str, str], bytes]:
        context = ssl.create_default_context(cafile=str(self.pebble.ca_bundle))
        connection = http.client.HTTPSConnection("127.0.0.1", self.pebble.api_port, context=context, timeout=30)
        try:
            headers = {k: v for k, v in handler.headers.items() if k.lower() not in HOP_HEADERS}
            connection.request(handler.command, handler.path, body=body or None, headers=headers)
            response = connection.getresponse()
            data = response.read()
            kept = {k: v for k, v in response.getheaders() if k.lower() not in HOP_HEADERS}
            return response.status, kept, data
        finally:
            connection.close()

    @staticmethod
    def _reply(handler: http.server.BaseHTTPRequestHandler, status: int, headers: dict[str, str],
               body: bytes) -> None:
        handler.send_response(status)
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if handler.command != "HEAD":
            handler.wfile.write(body)


def _jws_payload(body: bytes) -> dict[str, Any]:
    try:
        encoded = json.loads(body)["payload"]
        data = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)) or b"{}")
    except (ValueError, KeyError, TypeError):
        return {}
    return data if isinstance(data, dict) else {}


@contextmanager
def start_ari_proxy(pebble: PebbleServer) -> Iterator[AriProxy]:
    proxy = AriProxy(pebble)
    proxy.start()
    try:
        yield proxy
    finally:
        proxy.stop()

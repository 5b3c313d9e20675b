"""The HTTP self-check against a real web server on 127.0.0.1: content, redirects, limits, time."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from certwizard.dcv.errors import DcvError
from certwizard.dcv.http_check import HttpHop, check_http_file, http_port_from_environment

DOMAIN = "www.example.com"
TOKEN_PATH = "/.well-known/acme-challenge/LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0"
CONTENT = "LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI"


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0              # before the answer
    drip: float = 0.0               # between the bytes of the body
    chunked: bool = False           # no Content-Length


class WebSite:
    """What the server answers per path, and the Host headers it saw."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hosts: list[str] = []
        self.port = 0


def _handler(site: WebSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 (the http.server name)
            site.hosts.append(self.headers.get("Host", ""))
            route = site.routes.get(self.path, Route(404, b"<html>not found</html>"))
            time.sleep(route.delay)
            self.send_response(route.status)
            for name, value in route.headers.items():
                self.send_header(name, value)
            if route.chunked:
                self.send_header("Transfer-Encoding", "chunked")
            else:
                self.send_header("Content-Length", str(len(route.body)))
            self.send_header("Connection", "close")
            self.end_headers()
            try:
                self._send_body(route)
            except OSError:
                pass                # the check hung up first, as it should

        def _send_body(self, route: Route) -> None:
            pieces = [route.body[i:i + 1] for i in range(len(route.body))] if route.drip else [route.body]
            for piece in pieces:
                if route.chunked:
                    piece = f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
                self.wfile.write(piece)
                self.wfile.flush()
                time.sleep(route.drip)
            if route.chunked:
                self.wfile.write(b"0\r\n\r\n")

        def log_message(self, format, *args) -> None:  # noqa: A002 (the http.server signature)
            pass

    return Handler


def start_site(address: str = "127.0.0.1", port: int = 0, tls: ssl.SSLContext | None = None):
    """A web server in a thread; returns (site, stop)."""
    web = WebSite()
    server = ThreadingHTTPServer((address, port), _handler(web))
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    server.daemon_threads = True
    web.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()

    return web, stop


@pytest.fixture
def site() -> Iterator[WebSite]:
    web, stop = start_site()
    yield web
    stop()


def check(site: WebSite, expected: str = CONTENT, path: str = TOKEN_PATH, **options):
    return check_http_file(DOMAIN, path, expected, port=site.port, connect_to={DOMAIN: "127.0.0.1"},
                           **options)


def test_the_right_content_passes_and_the_domain_is_the_host(site):
    site.routes[TOKEN_PATH] = Route(body=CONTENT.encode())

    result = check(site)

    assert result.passed, result.message
    assert result.status == 200 and result.body_start == CONTENT[:80]
    assert result.url == f"http://{DOMAIN}:{site.port}{TOKEN_PATH}"
    assert result.hops == (HttpHop(result.url, 200),)
    assert site.hosts == [f"{DOMAIN}:{site.port}"]
    assert result.message == f"{result.url} serves the expected content."


def test_trailing_whitespace_is_ignored_as_the_ca_ignores_it(site):
    site.routes[TOKEN_PATH] = Route(body=CONTENT.encode() + b" \r\n\t\n")

    assert check(site).passed


def test_leading_whitespace_is_not(site):
    site.routes[TOKEN_PATH] = Route(body=b"\n" + CONTENT.encode())

    assert not check(site).passed


def test_other_content_fails_and_shows_what_was_served(site):
    site.routes[TOKEN_PATH] = Route(body=b"<html>Welcome to nginx!\x1b[31m</html>")

    result = check(site)

    assert not result.passed and result.status == 200
    assert result.body_start == "<html>Welcome to nginx!\\x1b[31m</html>"
    assert result.message.startswith(f"{result.url} answered 200 but with other content (it starts with "
                                     "'<html>Welcome to nginx!\\x1b[31m</html>'): ")


def test_an_empty_file_fails(site):
    site.routes[TOKEN_PATH] = Route(body=b"\n")

    result = check(site)

    assert not result.passed
    assert "answered 200 with an empty body" in result.message


def test_not_found_fails_and_points_at_the_web_root(site):
    result = check(site)

    assert not result.passed and result.status == 404
    assert result.message.startswith(f"{result.url} answered 404 Not Found: the file is not where the web "
                                     "server looks")


def test_a_server_error_fails_with_its_status(site):
    site.routes[TOKEN_PATH] = Route(status=503, body=b"busy")

    result = check(site)

    assert not result.passed and result.status == 503
    assert "answered 503, not 200 with the file" in result.message


def test_a_redirect_is_followed_and_shown(site):
    site.routes[TOKEN_PATH] = Route(301, headers={"Location": "/files/token"})
    site.routes["/files/token"] = Route(body=CONTENT.encode())

    result = check(site)

    assert result.passed, result.message
    final = f"http://{DOMAIN}:{site.port}/files/token"
    assert [(hop.status, hop.location) for hop in result.hops] == [(301, "/files/token"), (200, "")]
    assert result.hops[-1].url == final
    assert result.message.endswith(f"serves the expected content (after 1 redirect, at {final}).")


def test_a_redirect_to_another_host_connects_where_that_host_is_mapped(site):
    site.routes[TOKEN_PATH] = Route(302, headers={"Location": f"http://files.example.net:{site.port}/token"})
    site.routes["/token"] = Route(body=CONTENT.encode())

    result = check_http_file(DOMAIN, TOKEN_PATH, CONTENT, port=site.port,
                             connect_to={DOMAIN: "127.0.0.1", "files.example.net": "127.0.0.1"})

    assert result.passed, result.message
    assert site.hosts == [f"{DOMAIN}:{site.port}", f"files.example.net:{site.port}"]


def test_a_redirect_to_https_is_followed_without_checking_the_certificate(tmp_path):
    """As a CA does: the redirect target's certificate (self-signed here) is not what is being validated.
    The TLS site listens on 127.0.0.2 with the plain site's port number, a port the check follows."""
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(*self_signed_files(tmp_path, "files.example.net"))
    secure, stop_secure = start_site("127.0.0.2", tls=tls)
    try:
        plain, stop_plain = start_site("127.0.0.1", secure.port)
    except OSError:
        stop_secure()
        pytest.skip("the port of the TLS site is taken on 127.0.0.1: rerun")
    try:
        plain.routes[TOKEN_PATH] = Route(302, headers={"Location": f"https://files.example.net:{secure.port}/t"})
        secure.routes["/t"] = Route(body=CONTENT.encode())

        result = check_http_file(DOMAIN, TOKEN_PATH, CONTENT, port=plain.port,
                                 connect_to={DOMAIN: "127.0.0.1", "files.example.net": "127.0.0.2"})
    finally:
        stop_plain()
        stop_secure()

    assert result.passed, result.message
    assert result.hops[-1].url == f"https://files.example.net:{secure.port}/t"
    assert secure.hosts == [f"files.example.net:{secure.port}"]


def self_signed_files(folder, name: str) -> tuple[str, str]:
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
                   .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
                   .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "site.crt", folder / "site.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_path), str(key_path)


def test_a_redirect_loop_stops(site):
    site.routes[TOKEN_PATH] = Route(302, headers={"Location": TOKEN_PATH})

    result = check(site)

    assert not result.passed and len(result.hops) == 11
    assert "redirects more than 10 times" in result.message


def test_a_redirect_to_a_port_the_ca_does_not_follow_fails(site):
    site.routes[TOKEN_PATH] = Route(302, headers={"Location": f"http://{DOMAIN}:8443/token"})

    result = check(site)

    assert not result.passed
    assert "on port 8443: a CA follows redirects only to ports 80 and 443" in result.message


def test_a_redirect_to_another_scheme_fails(site):
    site.routes[TOKEN_PATH] = Route(302, headers={"Location": "ftp://files.example.net/token"})

    assert "only to http and https URLs" in check(site).message


@pytest.mark.parametrize("chunked", [False, True])
def test_a_body_too_large_for_a_challenge_file_fails(site, chunked):
    site.routes[TOKEN_PATH] = Route(body=b"<html>" + b"x" * 5000, chunked=chunked)

    result = check(site)

    assert not result.passed
    expected = "with more than 1024 bytes" if chunked else "with 5006 bytes, more than the 1024"
    assert expected in result.message


def test_a_server_that_does_not_answer_times_out(site):
    site.routes[TOKEN_PATH] = Route(body=CONTENT.encode(), delay=3.0)

    started = time.monotonic()
    result = check(site, timeout=0.3)

    assert time.monotonic() - started < 1.5
    assert not result.passed and result.status is None
    assert result.message.startswith(f"{result.url} did not answer within 0.3 s: check that the web server "
                                     f"is up and that the firewall lets port {site.port} in")


def test_a_body_sent_byte_by_byte_is_stopped_at_the_deadline(site):
    site.routes[TOKEN_PATH] = Route(body=CONTENT.encode(), drip=0.1)

    started = time.monotonic()
    result = check(site, timeout=1.0, deadline=0.5)

    assert time.monotonic() - started < 1.5
    assert not result.passed and "did not answer within" in result.message


def test_nothing_listening_is_a_refused_connection():
    with socket.socket() as unused:         # a port that was free a moment ago, and nobody listens on
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    result = check_http_file(DOMAIN, TOKEN_PATH, CONTENT, port=port, connect_to={DOMAIN: "127.0.0.1"})

    assert not result.passed
    assert "(connection refused)" in result.message and "start the web server" in result.message


def test_the_port_comes_from_the_environment(site):
    site.routes[TOKEN_PATH] = Route(body=CONTENT.encode())

    result = check_http_file(DOMAIN, TOKEN_PATH, CONTENT, connect_to={DOMAIN: "127.0.0.1"},
                             environ={"CERTWIZARD_HTTP_PORT": str(site.port)})

    assert result.passed, result.message


def test_the_port_setting_is_checked():
    assert http_port_from_environment({}) == 80
    assert http_port_from_environment({"CERTWIZARD_HTTP_PORT": " 8080 "}) == 8080
    for bad in ("http", "0", "65536", "-1"):
        with pytest.raises(DcvError, match="CERTWIZARD_HTTP_PORT='.*' is not a port"):
            http_port_from_environment({"CERTWIZARD_HTTP_PORT": bad})


@pytest.mark.parametrize("domain", ["*.example.com", "*.www.example.com"])
def test_a_wildcard_is_refused_because_only_dns_can_validate_it(domain):
    with pytest.raises(DcvError, match="a wildcard can only be validated by DNS"):
        check_http_file(domain, TOKEN_PATH, CONTENT, environ={})


@pytest.mark.parametrize("domain, path, message", [
    ("", TOKEN_PATH, "no domain to check"),
    ("www.exa mple.com", TOKEN_PATH, "is not a domain name that can be put in a URL"),
    (DOMAIN, "/.well-known/acme challenge", "has spaces or control characters"),
])
def test_a_check_that_cannot_start_is_refused(domain, path, message):
    with pytest.raises(DcvError, match=message):
        check_http_file(domain, path, CONTENT, environ={})


def test_an_internationalised_domain_is_asked_by_its_ascii_name(site):
    site.routes[TOKEN_PATH] = Route(body=CONTENT.encode())

    result = check_http_file("bücher.example", TOKEN_PATH, CONTENT, port=site.port,
                             connect_to={"xn--bcher-kva.example": "127.0.0.1"})

    assert result.passed, result.message
    assert site.hosts == [f"xn--bcher-kva.example:{site.port}"]

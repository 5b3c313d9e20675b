"""Does `http://DOMAIN/PATH` serve the expected content, fetched the way the CA will fetch it?

The CA connects to the domain on port 80, sends the domain as Host, follows a few redirects (http or https,
ports 80 and 443, certificates not checked), reads a small body and compares it after stripping trailing
whitespace. A file in the wrong web root, a redirect to a login page or a firewall shows up here as it would
at the CA, with what was found instead.

Wildcard names cannot be validated over HTTP (CA/Browser Forum BR 3.2.2.4): only DNS can prove them, and the
check refuses them saying so. `CERTWIZARD_HTTP_PORT` sets the port (default 80; tests use a free one), and
`connect_to` maps names to the addresses to connect to, so tests stay on loopback without /etc/hosts.
Uses the standard library's http.client: one GET, nothing more is needed.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote, urljoin, urlsplit

from certwizard.dcv.errors import DcvError
from certwizard.domain.text import printable

if TYPE_CHECKING:
    import http.client

HTTP_PORT_VARIABLE = "CERTWIZARD_HTTP_PORT"
REQUEST_TIMEOUT = 5.0        # seconds for each connect and each read
CHECK_DEADLINE = 15.0        # seconds for the whole check, redirects included
MAX_REDIRECTS = 10
MAX_BODY_BYTES = 1024        # a challenge file is under 100 bytes; a bigger answer is a page of the site
_SHOWN_CHARACTERS = 80
_REDIRECTS = {301, 302, 303, 307, 308}
_WHITESPACE = b" \t\r\n"


@dataclass(frozen=True)
class HttpHop:
    """One response on the way: a redirect (with its Location) or the last answer."""

    url: str
    status: int
    location: str = ""


@dataclass(frozen=True)
class HttpCheckResult:
    """The verdict: `passed` when the last answer is 200 with the expected content; `message` says what
    was found and what to do."""

    domain: str
    url: str                        # the first URL asked
    expected: str
    passed: bool
    status: int | None              # of the last answer; None when nothing came back
    body_start: str                 # the first characters of the last body, unprintable ones escaped
    hops: tuple[HttpHop, ...]       # every answer in order: the redirect chain, then the last one
    message: str


class _Failed(Exception):
    """The fetch stopped (refused, timed out, bad redirect...): the message is for the user."""


def http_port_from_environment(environ: Mapping[str, str] | None = None) -> int:
    """CERTWIZARD_HTTP_PORT, or 80 when it is unset or blank."""
    text = (os.environ if environ is None else environ).get(HTTP_PORT_VARIABLE, "").strip()
    if not text:
        return 80
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise DcvError(f"{HTTP_PORT_VARIABLE}='{printable(text)}' is not a port: give a number from 1 to "
                       "65535, or unset it for the CA's port 80")
    return int(text)


def check_http_file(domain: str, path: str, expected: str, *, port: int | None = None,
                    connect_to: Mapping[str, str] | None = None,
                    timeout: float = REQUEST_TIMEOUT, deadline: float = CHECK_DEADLINE,
                    max_bytes: int = MAX_BODY_BYTES,
                    environ: Mapping[str, str] | None = None) -> HttpCheckResult:
    """Fetch `http://domain[:port]/path` as the CA will, and compare the body with `expected`.

    `port` defaults to CERTWIZARD_HTTP_PORT (in `environ`), else 80. `connect_to` maps host names (the
    domain, or a redirect's host) to the address to connect to; others are resolved as usual. Raises
    DcvError for a wildcard, a name that cannot be put in a URL, or a bad CERTWIZARD_HTTP_PORT.
    """
    host = _url_host(domain)
    first_port = http_port_from_environment(environ) if port is None else port
    if not path.startswith("/"):
        path = "/" + path
    if any(not ch.isprintable() or ch.isspace() for ch in path):
        raise DcvError(f"the path '{printable(path)}' has spaces or control characters: it cannot be a URL")
    url = f"http://{host}{'' if first_port == 80 else f':{first_port}'}{quote(path, safe='/%~:@!$&()*+,;=')}"
    addresses = {name.lower(): address for name, address in (connect_to or {}).items()}
    stop_at = time.monotonic() + deadline
    hops: list[HttpHop] = []
    status: int | None = None
    body = b""
    try:
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            status, location, body = _fetch(current, addresses, {80, 443, first_port}, timeout, stop_at,
                                            max_bytes)
            if status in _REDIRECTS and location:
                hops.append(HttpHop(current, status, location))
                current = urljoin(current, location)
                continue
            hops.append(HttpHop(current, status))
            break
        else:
            raise _Failed(f"{url} redirects more than {MAX_REDIRECTS} times (the last to "
                          f"{printable(current)}): a CA gives up there; serve the file without a redirect "
                          "loop")
    except _Failed as failure:
        passed, message = False, str(failure)
    else:
        passed, message = _verdict(url, status, body, expected.strip().encode("utf-8"), hops)
    return HttpCheckResult(printable(domain), url, expected, passed, status, _shown(body), tuple(hops),
                           message)


def _verdict(url: str, status: int | None, body: bytes, want: bytes, hops: list[HttpHop]) -> tuple[bool, str]:
    """Compare as the CA does: a 200, and the body equal to `want` once trailing whitespace is stripped."""
    redirects = len(hops) - 1
    via = f" (after {redirects} redirect{'s' if redirects > 1 else ''}, at {printable(hops[-1].url)})" \
        if redirects else ""
    if status == 404:
        return False, (f"{url} answered 404 Not Found{via}: the file is not where the web server looks; "
                       "check that its web root is the one the file is written to, then verify again")
    if status != 200:
        return False, (f"{url} answered {status}{via}, not 200 with the file: the CA needs a plain 200; fix "
                       "the web server's rule for this path, then verify again")
    if body.rstrip(_WHITESPACE) == want:
        return True, f"{url} serves the expected content{via}."
    if not body.strip():
        return False, f"{url} answered 200 with an empty body{via}: write the file again, then verify again"
    return False, (f"{url} answered 200{via} but with other content (it starts with '{_shown(body)}'): the "
                   "file has another value, or the site answers this path with a page of its own; write the "
                   "file again, then verify again")


def _url_host(domain: str) -> str:
    """The domain as it goes into the URL: A-labels, IPv6 in brackets. Wildcards are refused."""
    name = domain.strip().rstrip(".")
    if name.startswith("*") or "*" in name:
        raise DcvError(f"{printable(name)} is a wildcard, and a wildcard can only be validated by DNS (a TXT "
                       "record), not by a file on a web server: choose DNS validation for it")
    if not name:
        raise DcvError("no domain to check: give the domain name the file is served for")
    try:
        address = ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        pass
    else:
        return f"[{address}]" if address.version == 6 else str(address)
    if not name.isascii():
        import idna

        try:
            name = idna.encode(name, uts46=True).decode("ascii")
        except idna.IDNAError as error:
            raise DcvError(f"{printable(name)} is not a valid domain name ({error})") from None
    if not all(ch.isalnum() or ch in "-._" for ch in name):
        raise DcvError(f"'{printable(name)}' is not a domain name that can be put in a URL")
    return name.lower()


def _fetch(url: str, addresses: Mapping[str, str], ports: set[int], timeout: float, stop_at: float,
           max_bytes: int) -> tuple[int, str, bytes]:
    """One GET: (status, Location, body). Raises _Failed with a sentence for anything but an answer."""
    import http.client

    parts = urlsplit(url)
    shown = printable(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _Failed(f"the site redirects to {shown}: a CA follows redirects only to http and https URLs")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if port not in ports:
        raise _Failed(f"the site redirects to {shown}, on port {port}: a CA follows redirects only to "
                      "ports 80 and 443")
    host = parts.hostname
    address = addresses.get(host.lower(), host)
    seconds = min(timeout, _remaining(stop_at))
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_class(host, port, timeout=seconds)
    try:
        sock = socket.create_connection((address, port), timeout=seconds)
        if parts.scheme == "https":         # the CA does not check the certificate of a redirect target
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            sock = context.wrap_socket(sock, server_hostname=None if _is_address(host) else host)
        connection.sock = sock              # connected to `address`, while Host names `host`
        target = parts.path or "/"
        connection.request("GET", target + (f"?{parts.query}" if parts.query else ""),
                           headers={"User-Agent": "certwizard-self-check", "Accept": "*/*",
                                    "Connection": "close"})
        response = connection.getresponse()
        body = _read_body(response, sock, timeout, stop_at, max_bytes, shown)
        return response.status, response.getheader("Location", "") or "", body
    except socket.gaierror as error:
        raise _Failed(f"{printable(host)} has no address this machine can find ({error.strerror}): the CA "
                      "will not find one either; add an A or AAAA record for it") from None
    except TimeoutError:
        raise _Failed(f"{shown} did not answer within {seconds:.3g} s: check that the web server is up and "
                      f"that the firewall lets port {port} in") from None
    except ConnectionRefusedError:
        raise _Failed(f"nothing answers at {printable(address)} port {port} (connection refused) for "
                      f"{shown}: start the web server, or open port {port}") from None
    except ssl.SSLError as error:
        raise _Failed(f"the TLS handshake with {shown} failed ({error.reason or error})") from None
    except http.client.HTTPException as error:
        raise _Failed(f"{shown} did not answer in HTTP ({type(error).__name__}): check what listens on "
                      f"port {port}") from None
    except OSError as error:
        raise _Failed(f"could not fetch {shown} ({error.strerror or error})") from None
    finally:
        connection.close()


def _read_body(response: http.client.HTTPResponse, sock: socket.socket, timeout: float, stop_at: float,
               max_bytes: int, shown: str) -> bytes:
    length = response.getheader("Content-Length", "")
    if length.isdigit() and int(length) > max_bytes:
        raise _Failed(f"{shown} answered {response.status} with {int(length)} bytes, more than the "
                      f"{max_bytes} a challenge file can be: the site answers this path with a page of "
                      "its own")
    body = b""
    while len(body) <= max_bytes:
        if time.monotonic() >= stop_at:
            raise TimeoutError
        sock.settimeout(min(timeout, _remaining(stop_at)))
        chunk = response.read1(max_bytes + 1 - len(body))
        if not chunk:
            return body
        body += chunk
    raise _Failed(f"{shown} answered {response.status} with more than {max_bytes} bytes, more than a "
                  "challenge file can be: the site answers this path with a page of its own")


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _shown(body: bytes) -> str:
    return printable(body[:_SHOWN_CHARACTERS * 4].decode("utf-8", errors="replace")[:_SHOWN_CHARACTERS])


def _remaining(stop_at: float) -> float:
    return max(0.05, stop_at - time.monotonic())

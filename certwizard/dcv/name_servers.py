"""Which name servers to ask: the authoritative servers of a zone, found in DNS, or the ones set by hand.

Discovery follows the delegation as the CA's resolver does: the zone that holds the name
(`dns.resolver.zone_for_name`), its NS records, and each NS name's A and AAAA addresses. An injected
`dns.resolver.Resolver` makes it testable offline. `CERTWIZARD_DNS_SERVERS=host:port,...` replaces it (tests
and split-horizon DNS); a bad value is refused with the entry and an example.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, NoReturn

from certwizard.dcv.errors import DcvError
from certwizard.domain.text import printable

if TYPE_CHECKING:
    import dns.name
    import dns.resolver

DNS_SERVERS_VARIABLE = "CERTWIZARD_DNS_SERVERS"
DISCOVERY_LIFETIME = 20.0


@dataclass(frozen=True)
class NameServer:
    """One address of one name server: `name` is the NS host name (or the address, when given as one)."""

    name: str
    address: str
    port: int = 53

    @property
    def label(self) -> str:
        """How the server is named in messages: "ns2.example.net (192.0.2.2)"."""
        where = self.address if self.port == 53 else f"{self.address} port {self.port}"
        if not self.address:
            return self.name
        return where if self.name in ("", self.address) else f"{self.name} ({where})"


class DiscoveryFailed(Exception):
    """The zone or its name servers could not be found: the message is for the user."""


def parse_name_servers(text: str, variable: str = DNS_SERVERS_VARIABLE) -> tuple[NameServer, ...]:
    """`host:port,host:port,...` -> servers. A host is an IPv4 address, `[IPv6]` or a bare IPv6 address
    (without a port), or a host name resolved here; the port defaults to 53."""
    servers: list[NameServer] = []
    for position, raw in enumerate(text.split(","), start=1):
        entry = raw.strip()
        if not entry:
            raise DcvError(f"{variable} has an empty entry (number {position}): write host:port pairs "
                           "separated by commas, e.g. 127.0.0.1:5353,127.0.0.2:5353")
        host, port = _split_host_port(entry, variable)
        servers.extend(_addresses(host, port, variable))
    return tuple(servers)


def name_servers_from_environment(environ: Mapping[str, str] | None = None,
                                  ) -> tuple[NameServer, ...] | None:
    """The servers set by CERTWIZARD_DNS_SERVERS, or None when it is unset or blank."""
    text = (os.environ if environ is None else environ).get(DNS_SERVERS_VARIABLE, "")
    return parse_name_servers(text) if text.strip() else None


def find_name_servers(name: str | dns.name.Name, resolver: dns.resolver.Resolver | None = None,
                      port: int = 53, lifetime: float = DISCOVERY_LIFETIME,
                      ) -> tuple[str, tuple[NameServer, ...]]:
    """The zone that holds `name`, and one NameServer per address of each of its NS names (sorted).

    An NS name without an address is kept with address "" so the check can name it.
    """
    import dns.exception
    import dns.name
    import dns.resolver

    stop_at = time.monotonic() + lifetime
    try:
        resolver = resolver or dns.resolver.Resolver()
    except dns.exception.DNSException as error:
        raise DiscoveryFailed(f"this machine has no DNS resolver to find the name servers ({error}): "
                              f"fix /etc/resolv.conf, or set {DNS_SERVERS_VARIABLE}") from None
    where = ", ".join(str(server) for server in resolver.nameservers) or "none"
    if isinstance(name, str):
        name = dns.name.from_text(name)
    try:
        zone = dns.resolver.zone_for_name(name, resolver=resolver, lifetime=remaining(stop_at))
        ns_names = sorted(name_text(record.target)
                          for record in resolver.resolve(zone, "NS", lifetime=remaining(stop_at)))
    except dns.resolver.LifetimeTimeout:
        raise DiscoveryFailed(f"could not find the name servers of {name_text(name)}: the resolver "
                              f"({where}) did not answer in time; check this machine's DNS, then verify again"
                              ) from None
    except dns.resolver.NoRootSOA:
        raise DiscoveryFailed(f"no zone holds {name_text(name)}: the domain is not registered or not "
                              "delegated; check it at the registrar") from None
    except dns.exception.DNSException as error:
        raise DiscoveryFailed(f"could not find the name servers of {name_text(name)} through {where} "
                              f"({error}); check this machine's DNS, then verify again") from None
    servers: list[NameServer] = []
    for ns in ns_names:
        addresses: list[str] = []
        for rdtype in ("A", "AAAA"):
            try:
                addresses.extend(record.address for record in
                                 resolver.resolve(ns, rdtype, lifetime=remaining(stop_at)))
            except (dns.resolver.NoAnswer, dns.resolver.NXDOMAIN):
                continue
            except dns.exception.DNSException as error:
                raise DiscoveryFailed(f"could not find the address of the name server {ns} through "
                                      f"{where} ({error}); check this machine's DNS") from None
        servers.extend(NameServer(ns, address, port) for address in addresses)
        if not addresses:
            servers.append(NameServer(ns, "", port))
    return name_text(zone), tuple(servers)


def name_text(name: object) -> str:
    """A dnspython name (or anything) as shown: no final dot, unprintable characters escaped."""
    to_text = getattr(name, "to_text", None)
    shown = to_text(omit_final_dot=True) if to_text else str(name)
    return printable(shown)


def remaining(stop_at: float) -> float:
    """Seconds left before `stop_at` (time.monotonic), never zero: every wait stays bounded and positive."""
    return max(0.05, stop_at - time.monotonic())


def _split_host_port(entry: str, variable: str) -> tuple[str, int]:
    port_text: str | None = None
    if entry.startswith("["):
        host, bracket, rest = entry[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            raise DcvError(f"{variable}: '{printable(entry)}' is not [IPv6]:port, e.g. [::1]:5353")
        port_text = rest[1:] if rest else None
    elif entry.count(":") == 1:
        host, _, port_text = entry.partition(":")
    else:                                       # a bare IPv6 address or host name: port 53
        host = entry
    if not host:
        raise DcvError(f"{variable}: '{printable(entry)}' has no host before the port, e.g. 127.0.0.1:5353")
    if port_text is None:
        return host, 53
    if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
        _bad_port(entry, variable)
    return host, int(port_text)


def _bad_port(entry: str, variable: str) -> NoReturn:
    raise DcvError(f"{variable}: '{printable(entry)}' has no valid port: give a number from 1 to 65535, "
                   "e.g. 127.0.0.1:5353")


def _addresses(host: str, port: int, variable: str) -> list[NameServer]:
    try:
        return [NameServer(host, str(ipaddress.ip_address(host)), port)]
    except ValueError:
        pass
    labels = host.rstrip(".").split(".")
    if not all(label and all(ch.isalnum() or ch in "-_" for ch in label) for label in labels):
        raise DcvError(f"{variable}: '{printable(host)}' is neither an IP address nor a host name")
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)
    except OSError as error:
        raise DcvError(f"{variable}: cannot find the address of {printable(host)} ({error}): give its IP "
                       "address instead") from None
    addresses = dict.fromkeys(str(info[4][0]) for info in found)
    return [NameServer(host, address, port) for address in addresses]

"""Real DNS servers on loopback for the self-check tests, built with dnslib (no network beyond 127/8).

`Zones` answers like an authoritative server: the records at the name, or a CNAME there, NXDOMAIN for a name
that does not exist (with the zone's SOA, as zone_for_name needs), AA set unless told otherwise. Given every
zone's records it also stands in for a recursive resolver during discovery. Every server of one test listens
on the same free port (UDP and TCP) on its own 127.0.0.x address, since NS records give addresses, not
ports.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Mapping

from dnslib import QTYPE, RCODE, RR, DNSRecord
from dnslib.server import BaseResolver, DNSLogger, DNSServer


class Zones(BaseResolver):
    """Answers from zone-file text; `authoritative=False` clears AA, `truncate_udp` sends TC over UDP."""

    def __init__(self, zone_text: str, *, authoritative: bool = True, truncate_udp: bool = False):
        self.records = RR.fromZone(zone_text)
        self.authoritative = authoritative
        self.truncate_udp = truncate_udp

    def resolve(self, request: DNSRecord, handler) -> DNSRecord:
        reply = request.reply(ra=0, aa=int(self.authoritative))
        if self.truncate_udp and handler.protocol == "udp":
            reply.header.tc = 1
            return reply
        qname, qtype = request.q.qname, request.q.qtype
        at_name = [rr for rr in self.records if rr.rname == qname]
        exact = [rr for rr in at_name if rr.rtype == qtype]
        for rr in exact or [rr for rr in at_name if rr.rtype == QTYPE.CNAME]:
            reply.add_answer(rr)
        if not reply.rr:
            if not any(rr.rname.matchSuffix(qname) for rr in self.records):
                reply.header.rcode = RCODE.NXDOMAIN
            soa = [rr for rr in self.records if rr.rtype == QTYPE.SOA and qname.matchSuffix(rr.rname)]
            if soa:
                reply.add_auth(max(soa, key=lambda rr: len(rr.rname.label)))
        return reply


def soa(zone: str) -> str:
    return f"{zone}. 300 IN SOA ns1.{zone}. hostmaster.{zone}. 1 60 60 600 60\n"


class LoopbackDns:
    """Starts servers on 127.0.0.x addresses sharing one free port; `stop` closes them all."""

    def __init__(self) -> None:
        self.port = 0
        self._servers: list[DNSServer] = []
        self._silent: list[socket.socket] = []

    def serve(self, resolvers: Mapping[str, BaseResolver], silent: tuple[str, ...] = ()) -> int:
        """Start one UDP+TCP server per address (and a socket that never answers per `silent` address)."""
        for _attempt in range(50):
            try:
                self._start(resolvers, silent)
                return self.port
            except OSError:          # the port is taken on one of the addresses: try another
                self.stop()
        raise RuntimeError("no free port shared by all loopback addresses")

    def _start(self, resolvers: Mapping[str, BaseResolver], silent: tuple[str, ...]) -> None:
        self.port = 0
        quiet = DNSLogger(logf=lambda *_: None)
        for address, resolver in resolvers.items():
            for tcp in (False, True):
                server = DNSServer(resolver, address=address, port=self.port, tcp=tcp, logger=quiet)
                self._servers.append(server)
                self.port = server.server.server_address[1]
        for address in silent:
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self._silent.append(sock)
            sock.bind((address, self.port))
            if not self.port:
                self.port = sock.getsockname()[1]
        for server in self._servers:        # a short poll interval: stop() takes milliseconds, not 0.5 s each
            server.thread = threading.Thread(target=server.server.serve_forever,
                                             kwargs={"poll_interval": 0.02}, daemon=True)
            server.thread.start()

    def stop(self) -> None:
        for server in self._servers:
            if getattr(server, "thread", None) is not None:
                server.stop()
            server.server.server_close()
        for sock in self._silent:
            sock.close()
        self._servers, self._silent = [], []

    def resolver(self, address: str = "127.0.0.1"):
        """A dnspython resolver that asks the server at `address` (on this port) and nothing else."""
        import dns.resolver

        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = [address]
        resolver.port = self.port
        resolver.timeout = resolver.lifetime = 2.0
        return resolver

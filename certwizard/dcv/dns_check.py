"""Is the DNS validation record at every authoritative name server, as the CA will look for it?

A recursive resolver can answer from its cache, and one name server of a zone can be behind the others (a
secondary that has not transferred the zone yet): the CA may ask exactly that one. So this check finds the
zone of the record, its NS records and their addresses, and asks each server itself with recursion off. A
server passes only with NOERROR, the authoritative (AA) flag and every expected value; a wildcard plus its
base name puts two values on one name, and both must be there. A CNAME at the record name (delegating
`_acme-challenge` to another zone) is followed, and the target is checked at the target zone's servers.

`CERTWIZARD_DNS_SERVERS=host:port,...` (tests, split-horizon DNS) asks only those servers, with recursion
desired and without requiring the AA flag, since they may be resolvers.

Every query has a bounded time and so has the whole check; UDP answers that are truncated are asked again
over TCP. dnspython is imported when a check runs, never when certwizard starts.
"""

from __future__ import annotations

import errno
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Literal

from certwizard.dcv.errors import DcvError
from certwizard.dcv.name_servers import (
    DNS_SERVERS_VARIABLE,
    DiscoveryFailed,
    NameServer,
    find_name_servers,
    name_servers_from_environment,
    name_text,
    remaining,
)
from certwizard.domain.text import printable

if TYPE_CHECKING:
    import dns.message
    import dns.name
    import dns.resolver

QUERY_TIMEOUT = 3.0          # seconds for one server to answer one question
CHECK_DEADLINE = 20.0        # seconds for the whole check, discovery included
MAX_CNAME_HOPS = 8
_MAX_PARALLEL = 16
_EDNS_PAYLOAD = 1232         # the DNS flag day 2020 size: no fragments, larger answers come by TCP

RecordType = Literal["TXT", "CNAME"]
_NO_ROUTE = {errno.ENETUNREACH, errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT}


class Problem(StrEnum):
    """What is wrong with one server's answer: stable codes for the screen and for tests."""

    NONE = ""
    MISSING = "missing"                  # answered, but without (all) the expected values
    NOT_FOUND = "nxdomain"               # says the name does not exist
    NOT_AUTHORITATIVE = "not-authoritative"
    ERROR_CODE = "rcode"                 # SERVFAIL, REFUSED...
    TIMEOUT = "timeout"
    UNREACHABLE = "unreachable"
    NO_ADDRESS = "no-address"            # an NS name with no A or AAAA record
    CNAME_DIFFERS = "cname-differs"      # the servers of one zone disagree about a CNAME
    NOT_CHECKED = "not-checked"          # an IPv6 address this machine has no route to: not counted


@dataclass(frozen=True)
class ServerAnswer:
    """What one server said about one name. `problem` is a sentence about this server, "" when it is right."""

    server: str                 # the name server's host name
    address: str
    port: int
    zone: str                   # the zone this server was asked as an authority for ("" with the override)
    queried_name: str
    rcode: str                  # NOERROR, NXDOMAIN, SERVFAIL, REFUSED...; "" when nothing came back
    authoritative: bool         # the AA flag
    values: tuple[str, ...]     # found at queried_name (TXT text or CNAME target), control characters escaped
    ttl: int | None
    cname: str = ""             # the target, when queried_name is an alias and is followed
    used_tcp: bool = False
    kind: Problem = Problem.NONE
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.kind is Problem.NONE

    @property
    def label(self) -> str:
        return NameServer(self.server, self.address, self.port).label


@dataclass(frozen=True)
class DnsCheckResult:
    """The verdict: `passed` only when every server asked has every expected value; `message` says what
    is wrong and what to do, or what was confirmed."""

    record_name: str
    record_type: str
    expected: tuple[str, ...]
    checked_name: str               # where the values were looked for in the end (after any CNAMEs)
    zone: str                       # the zone of checked_name ("" when CERTWIZARD_DNS_SERVERS was used)
    cname_chain: tuple[str, ...]    # the targets followed from record_name, in order
    servers: tuple[ServerAnswer, ...]
    authority_required: bool
    passed: bool
    message: str


def challenge_record_name(domain: str, label: str = "_acme-challenge") -> str:
    """The record name the CA looks at for `domain`: `*.example.com` and `example.com` share one."""
    base = domain.strip().rstrip(".").lower()
    return f"{label}.{base.removeprefix('*.')}"


def check_dns_record(record_name: str, expected: str | Iterable[str], record_type: RecordType = "TXT", *,
                     resolver: dns.resolver.Resolver | None = None,
                     servers: Sequence[NameServer] | None = None,
                     authoritative_port: int = 53,
                     query_timeout: float = QUERY_TIMEOUT,
                     deadline: float = CHECK_DEADLINE,
                     environ: Mapping[str, str] | None = None) -> DnsCheckResult:
    """Ask every authoritative server of the record's zone whether it has every expected value.

    `resolver` finds the zone, its NS records and their addresses (default: this machine's resolver);
    the servers found are asked on `authoritative_port`. `servers` (or CERTWIZARD_DNS_SERVERS in
    `environ`) replaces the discovery: only those are asked, and the AA flag is not required.
    Raises DcvError for a bad name, no expected value, or a bad CERTWIZARD_DNS_SERVERS.
    """
    import dns.exception
    import dns.name

    wanted = _expected_values(expected, record_type)
    try:
        name = dns.name.from_text(record_name.strip())
    except dns.exception.DNSException as error:
        raise DcvError(f"'{printable(record_name)}' is not a DNS name ({error}): give the record name, "
                       "e.g. _acme-challenge.www.example.com") from None
    configured = tuple(servers) if servers is not None else name_servers_from_environment(environ)
    if configured == ():
        raise DcvError("no DNS servers to ask: give at least one host:port")
    strict = configured is None
    stop_at = time.monotonic() + deadline
    answers: list[ServerAnswer] = []
    chain: list[str] = []
    seen = {name}
    zone = ""
    for _hop in range(MAX_CNAME_HOPS + 1):
        if configured is None:
            try:
                zone, hop_servers = find_name_servers(name, resolver, authoritative_port,
                                                      lifetime=remaining(stop_at))
            except DiscoveryFailed as failure:
                return _result(record_name, record_type, wanted, name, zone, chain, answers, strict,
                               passed=False, message=str(failure))
        else:
            hop_servers = configured
        hop = _ask_all(hop_servers, name, record_type, zone, strict, query_timeout, stop_at)
        targets = {answer.cname for answer in hop if answer.cname}
        if record_type == "CNAME" or not targets:
            answers.extend(_judge_values(answer, wanted, record_type) for answer in hop)
            break
        if len(targets) > 1:
            answers.extend(_cname_differs(answer, targets) for answer in hop)
            return _finish(record_name, record_type, wanted, name, zone, chain, answers, strict)
        target = targets.pop()
        answers.extend(_cname_missing(answer, target) for answer in hop)
        target_name = dns.name.from_text(target)
        if target_name in seen:
            return _result(record_name, record_type, wanted, name, zone, chain, answers, strict, passed=False,
                           message=f"{name_text(name)} is a CNAME loop (it comes back to {target}): point "
                                   "the CNAME at a name that holds the TXT record")
        seen.add(target_name)
        chain.append(target)
        name = target_name
    else:
        return _result(record_name, record_type, wanted, name, zone, chain, answers, strict, passed=False,
                       message=f"{printable(record_name)} goes through more than {MAX_CNAME_HOPS} CNAMEs: "
                               "point it straight at the name that holds the TXT record")
    return _finish(record_name, record_type, wanted, name, zone, chain, answers, strict)


def _expected_values(expected: str | Iterable[str], record_type: str) -> tuple[str, ...]:
    if record_type not in ("TXT", "CNAME"):
        raise DcvError(f"cannot check {record_type!r} records: only TXT and CNAME")
    values = (expected,) if isinstance(expected, str) else tuple(expected)
    if record_type == "CNAME":
        values = tuple(_canonical_target(value) for value in values)
    values = tuple(dict.fromkeys(values))
    if not values or any(not value for value in values):
        raise DcvError("no expected value to look for: give the record's value")
    return values


def _canonical_target(value: str) -> str:
    return value.strip().rstrip(".").lower()


def _ask_all(servers: Sequence[NameServer], name: dns.name.Name, record_type: str, zone: str, strict: bool,
             timeout: float, stop_at: float) -> list[ServerAnswer]:
    with ThreadPoolExecutor(max_workers=max(1, min(_MAX_PARALLEL, len(servers)))) as pool:
        futures = [pool.submit(_ask, server, name, record_type, zone, strict, timeout, stop_at)
                   for server in servers]
        return [future.result() for future in futures]


def _ask(server: NameServer, name: dns.name.Name, record_type: str, zone: str, strict: bool,
         timeout: float, stop_at: float) -> ServerAnswer:
    """One question to one server; judged for transport, rcode and AA (not yet the values)."""
    import dns.exception
    import dns.flags
    import dns.message
    import dns.query
    import dns.rcode
    import dns.rdataclass
    import dns.rdatatype

    empty = ServerAnswer(server.name, server.address, server.port, zone, name_text(name), "", False, (), None)
    if not server.address:
        return replace(empty, kind=Problem.NO_ADDRESS,
                       problem="has no address (no A or AAAA record), so nobody can ask it: add its address "
                               "or remove it from the zone's NS records")
    seconds = min(timeout, remaining(stop_at))
    query = dns.message.make_query(name, record_type, use_edns=0, payload=_EDNS_PAYLOAD)
    if strict:                      # an authority answers from its zone; servers set by hand may be resolvers
        query.flags &= ~dns.flags.RD
    try:
        response, used_tcp = dns.query.udp_with_fallback(query, server.address, timeout=seconds,
                                                         port=server.port)
    except dns.exception.Timeout:
        return replace(empty, kind=Problem.TIMEOUT,
                       problem=f"did not answer within {seconds:.3g} s; check that it is up and answers on "
                               "UDP and TCP port 53, or remove it from the zone's NS records")
    except OSError as error:
        if ":" in server.address and error.errno in _NO_ROUTE:
            return replace(empty, kind=Problem.NOT_CHECKED,
                           problem="could not be asked: this machine has no IPv6 route (the CA may still "
                                   "ask it)")
        return replace(empty, kind=Problem.UNREACHABLE,
                       problem=f"could not be reached ({error.strerror or error}); check that it is up and "
                               "answers on UDP and TCP port 53")
    except dns.exception.DNSException as error:
        return replace(empty, kind=Problem.ERROR_CODE,
                       problem=f"sent an answer that cannot be read ({error})")
    rcode = dns.rcode.to_text(response.rcode())
    aa = bool(response.flags & dns.flags.AA)
    answer = replace(empty, rcode=rcode, authoritative=aa, used_tcp=used_tcp)
    cname = response.get_rrset(response.answer, name, dns.rdataclass.IN, dns.rdatatype.CNAME)
    rdtype = dns.rdatatype.from_text(record_type)
    found = response.get_rrset(response.answer, name, dns.rdataclass.IN, rdtype)
    if found is not None:
        answer = replace(answer, values=tuple(_value(record) for record in found), ttl=found.ttl)
    elif cname is not None:
        answer = replace(answer, cname=name_text(cname[0].target), ttl=cname.ttl)
    if rcode == "NXDOMAIN" and cname is None:
        return replace(answer, kind=Problem.NOT_FOUND,
                       problem=f"says {name_text(name)} does not exist (NXDOMAIN)")
    if rcode not in ("NOERROR", "NXDOMAIN"):
        return replace(answer, kind=Problem.ERROR_CODE, problem=_rcode_problem(rcode))
    if strict and not aa:
        return replace(answer, kind=Problem.NOT_AUTHORITATIVE,
                       problem="answered without the authoritative (AA) flag: it does not serve this zone "
                               "itself, so its answer is not what the CA will see; fix the zone's NS records")
    return answer


def _rcode_problem(rcode: str) -> str:
    if rcode == "REFUSED":
        return "refused to answer (REFUSED): it does not serve this zone; fix the zone's NS records"
    if rcode == "SERVFAIL":
        return "failed to answer (SERVFAIL): the zone may not be loaded on it, or its DNSSEC is broken"
    return f"answered {rcode}"


def _value(record: object) -> str:
    strings = getattr(record, "strings", None)
    if strings is not None:        # TXT: one value split into strings of at most 255 bytes
        # Escaped as it is received: every string in a result can be shown as it is. An expected value
        # (base64url, or a CA's token) has nothing to escape, so the comparison is unchanged.
        return printable(b"".join(strings).decode("utf-8", errors="replace"))
    return _canonical_target(name_text(getattr(record, "target", record)))


def _quoted(values: Iterable[str]) -> str:
    return ", ".join(f'"{printable(value)}"' for value in values)


def _judge_values(answer: ServerAnswer, wanted: tuple[str, ...], record_type: str) -> ServerAnswer:
    if not answer.ok:
        return answer
    have = set(answer.values)
    missing = [value for value in wanted if value not in have]
    if not missing:
        return answer
    if not answer.values:
        where = f"no {record_type} record at {answer.queried_name}"
        problem = f"has {where} yet" if answer.rcode == "NOERROR" else f"has {where}"
    elif len(missing) == len(wanted):
        noun = "the value" if len(wanted) == 1 else "any of the values"
        problem = f"does not have {noun} yet (it has {_quoted(answer.values)})"
    else:
        problem = (f"has {len(wanted) - len(missing)} of the {len(wanted)} values; missing "
                   f"{_quoted(missing)} (a wildcard and its base name each need their own value)")
    return replace(answer, kind=Problem.MISSING, problem=problem)


def _cname_differs(answer: ServerAnswer, targets: set[str]) -> ServerAnswer:
    if not answer.ok:
        return answer
    return replace(answer, kind=Problem.CNAME_DIFFERS,
                   problem=f"points {answer.queried_name} to {answer.cname or 'nothing'}, while the zone's "
                           f"servers disagree ({', '.join(sorted(targets))}); keep one CNAME")


def _cname_missing(answer: ServerAnswer, target: str) -> ServerAnswer:
    if not answer.ok or answer.cname:
        return answer
    return replace(answer, kind=Problem.MISSING,
                   problem=f"has no CNAME at {answer.queried_name} yet (the other servers point it to "
                           f"{target}): a secondary that has not caught up; wait for the zone's refresh")


def _finish(record_name: str, record_type: str, wanted: tuple[str, ...], name: dns.name.Name, zone: str,
            chain: list[str], answers: list[ServerAnswer], strict: bool) -> DnsCheckResult:
    counted = [answer for answer in answers if answer.kind is not Problem.NOT_CHECKED]
    failing = [answer for answer in counted if not answer.ok]
    passed = bool(counted) and not failing
    if passed:
        message = _success(record_type, wanted, name, zone, chain, answers, strict)
    elif not counted:
        message = "no name server could be asked from this machine: " + "; ".join(
            f"{answer.label} {answer.problem}" for answer in answers)
    else:
        message = _failure(record_type, wanted, name, counted, failing)
    return _result(record_name, record_type, wanted, name, zone, chain, answers, strict, passed, message)


def _success(record_type: str, wanted: tuple[str, ...], name: dns.name.Name, zone: str, chain: list[str],
             answers: list[ServerAnswer], strict: bool) -> str:
    final = [answer for answer in answers if answer.ok and answer.queried_name == name_text(name)]
    ttls = sorted({answer.ttl for answer in final if answer.ttl is not None})
    ttl = f" (TTL {ttls[0]} s)" if len(ttls) == 1 else f" (TTL {ttls[0]}-{ttls[-1]} s)" if ttls else ""
    values = "the value" if len(wanted) == 1 else f"all {len(wanted)} values"
    via = f" (through the CNAME to {chain[-1]})" if chain else ""
    servers = len({(answer.server, answer.address) for answer in final})
    if strict:
        who = (f"All {servers} authoritative name servers of {zone} have" if servers > 1
               else f"The authoritative name server of {zone} has")
    else:
        who = (f"All {servers} servers from {DNS_SERVERS_VARIABLE} have" if servers > 1
               else f"The server from {DNS_SERVERS_VARIABLE} has")
    return f"{who} {values} at {name_text(name)}{via}{ttl}."


def _failure(record_type: str, wanted: tuple[str, ...], name: dns.name.Name, counted: list[ServerAnswer],
             failing: list[ServerAnswer]) -> str:
    details = "; ".join(f"{answer.label} {answer.problem}" for answer in failing)
    head = details if len(failing) == 1 else (
        f"{len(failing)} of the {len(counted)} name servers are not ready: {details}")
    kinds = {answer.kind for answer in failing}
    some_ready = any(answer.ok for answer in counted if answer.queried_name == name_text(name))
    advice: list[str] = []
    if kinds & {Problem.MISSING, Problem.NOT_FOUND}:
        if some_ready:
            advice.append("a secondary that has not caught up; wait for the zone's refresh, "
                          "then verify again")
        else:
            values = "the value" if len(wanted) == 1 else f"all {len(wanted)} values"
            advice.append(f"publish {record_type} {name_text(name)} with {values} at your DNS provider "
                          "(or let the hook do it), wait a minute, then verify again")
    return head + (": " + "; ".join(advice) if advice else "")


def _result(record_name: str, record_type: str, wanted: tuple[str, ...], name: dns.name.Name, zone: str,
            chain: list[str], answers: list[ServerAnswer], strict: bool, passed: bool,
            message: str) -> DnsCheckResult:
    return DnsCheckResult(printable(record_name.strip().rstrip(".")), record_type, wanted, name_text(name),
                          zone, tuple(chain), tuple(answers), strict, passed, message)

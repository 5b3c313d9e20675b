"""The DNS self-check against real DNS servers on loopback: discovery, every authoritative server, CNAMEs.

Layout of every test: a "recursive resolver" on 127.0.0.53 knows every zone (SOA, NS, addresses), as the
machine's resolver would; example.com is served by ns1.example.com (127.0.0.1) and ns2.example.net
(127.0.0.2); acme-dns.example.org, the target of a CNAME, by ns.acme-dns.example.org (127.0.0.3).
"""

from __future__ import annotations

import time

import pytest

from certwizard.dcv.dns_check import Problem, challenge_record_name, check_dns_record
from certwizard.dcv.errors import DcvError
from certwizard.dcv.name_servers import (
    DiscoveryFailed,
    NameServer,
    find_name_servers,
    name_servers_from_environment,
    parse_name_servers,
)
from tests.dcv.dns_servers import Zones, soa

RECORD = "_acme-challenge.www.example.com"
VALUE = "gfj9Xq-Rs1_b4k0tUfRg1wLJ8jDhHW2Tlm3VkfTqyYc"
WILDCARD_VALUE = "Lq3vN6f0wDkP2sZ8yUoR4hJtBxC7mEaI5gYlKdQnWcS"
OLD_VALUE = "previous-order-value-that-was-never-removed"
RECURSIVE = "127.0.0.53"

EXAMPLE_NET = (soa("example.net") + "example.net. 300 IN NS ns2.example.net.\n"
               "ns2.example.net. 300 IN A 127.0.0.2\n")
EXAMPLE_ORG = (soa("acme-dns.example.org") + "acme-dns.example.org. 300 IN NS ns.acme-dns.example.org.\n"
               "ns.acme-dns.example.org. 300 IN A 127.0.0.3\n")


def example_com(*values: str, ttl: int = 60, extra: str = "") -> str:
    records = "".join(f'{RECORD}. {ttl} IN TXT "{value}"\n' for value in values)
    return (soa("example.com") + "example.com. 300 IN NS ns1.example.com.\n"
            "example.com. 300 IN NS ns2.example.net.\n"
            "ns1.example.com. 300 IN A 127.0.0.1\n" + records + extra)


def serve(loopback_dns, ns1: str, ns2: str, org: str = EXAMPLE_ORG, **ns2_options):
    """Start the recursive view and the authoritative servers; the resolver to discover them with."""
    loopback_dns.serve({RECURSIVE: Zones(ns1 + EXAMPLE_NET + org), "127.0.0.1": Zones(ns1),
                        "127.0.0.2": Zones(ns2, **ns2_options), "127.0.0.3": Zones(org)})
    return loopback_dns.resolver(RECURSIVE)


def check(loopback_dns, resolver, expected=VALUE, **options):
    options.setdefault("query_timeout", 1.0)
    return check_dns_record(RECORD, expected, resolver=resolver, authoritative_port=loopback_dns.port,
                            environ={}, **options)


def test_every_authoritative_server_has_the_value_passes_with_each_server_s_ttl(loopback_dns):
    resolver = serve(loopback_dns, example_com(VALUE, ttl=120), example_com(VALUE, ttl=120))

    result = check(loopback_dns, resolver)

    assert result.passed, result.message
    assert result.zone == "example.com" and result.checked_name == RECORD and result.authority_required
    assert [(a.server, a.address, a.rcode, a.authoritative, a.values, a.ttl) for a in result.servers] == [
        ("ns1.example.com", "127.0.0.1", "NOERROR", True, (VALUE,), 120),
        ("ns2.example.net", "127.0.0.2", "NOERROR", True, (VALUE,), 120),
    ]
    assert result.message == (f"All 2 authoritative name servers of example.com have the value at {RECORD} "
                              "(TTL 120 s).")


def test_a_stale_secondary_fails_the_check_and_is_named(loopback_dns):
    resolver = serve(loopback_dns, example_com(VALUE, OLD_VALUE), example_com(OLD_VALUE))

    result = check(loopback_dns, resolver)

    assert not result.passed
    ns1, ns2 = result.servers
    assert ns1.ok and not ns2.ok and ns2.kind is Problem.MISSING
    assert ns2.values == (OLD_VALUE,)
    assert ns2.problem == f'does not have the value yet (it has "{OLD_VALUE}")'
    assert result.message.startswith(f"ns2.example.net (127.0.0.2 port {loopback_dns.port}) does not have "
                                     "the value yet")
    assert result.message.endswith(": a secondary that has not caught up; wait for the zone's refresh, then "
                                   "verify again")


def test_a_value_with_control_characters_is_shown_escaped(loopback_dns):
    from dnslib import QTYPE, RR, TXT

    hostile = Zones(example_com())
    hostile.records.append(RR(f"{RECORD}.", QTYPE.TXT, rdata=TXT(b"old\x1b[2Jvalue"), ttl=60))
    loopback_dns.serve({"127.0.0.4": hostile})

    result = check_dns_record(RECORD, VALUE, servers=[NameServer("ns", "127.0.0.4", loopback_dns.port)],
                              environ={})

    assert result.servers[0].values == ("old\\x1b[2Jvalue",)
    assert "\x1b" not in result.message and '(it has "old\\x1b[2Jvalue")' in result.message


def test_a_record_published_nowhere_says_nxdomain_and_what_to_publish(loopback_dns):
    resolver = serve(loopback_dns, example_com(), example_com())

    result = check(loopback_dns, resolver)

    assert not result.passed
    assert [(a.rcode, a.kind) for a in result.servers] == [("NXDOMAIN", Problem.NOT_FOUND)] * 2
    assert result.servers[0].problem == f"says {RECORD} does not exist (NXDOMAIN)"
    assert result.message.startswith("2 of the 2 name servers are not ready: ")
    assert result.message.endswith(f"publish TXT {RECORD} with the value at your DNS provider (or let the "
                                   "hook do it), wait a minute, then verify again")


def test_a_name_that_exists_without_the_txt_record_is_no_data(loopback_dns):
    other = f'{RECORD}. 60 IN A 192.0.2.1\n'
    resolver = serve(loopback_dns, example_com(extra=other), example_com(extra=other))

    result = check(loopback_dns, resolver)

    assert not result.passed
    assert result.servers[0].rcode == "NOERROR" and result.servers[0].kind is Problem.MISSING
    assert result.servers[0].problem == f"has no TXT record at {RECORD} yet"


def test_a_wildcard_and_its_base_name_need_both_values_at_every_server(loopback_dns):
    both = (VALUE, WILDCARD_VALUE)
    resolver = serve(loopback_dns, example_com(*both), example_com(VALUE))

    result = check(loopback_dns, resolver, expected=both)

    assert not result.passed
    assert result.servers[0].ok
    assert result.servers[1].problem == (f'has 1 of the 2 values; missing "{WILDCARD_VALUE}" (a wildcard and '
                                         "its base name each need their own value)")

    loopback_dns.stop()
    resolver = serve(loopback_dns, example_com(*both), example_com(*reversed(both)))
    result = check(loopback_dns, resolver, expected=both)
    assert result.passed, result.message
    assert "have all 2 values" in result.message


def test_a_cname_at_the_record_name_is_checked_at_the_target_zone_s_servers(loopback_dns):
    target = "www.acme-dns.example.org"
    alias = f"{RECORD}. 300 IN CNAME {target}.\n"
    org = EXAMPLE_ORG + f'{target}. 30 IN TXT "{VALUE}"\n'
    resolver = serve(loopback_dns, example_com(extra=alias), example_com(extra=alias), org=org)

    result = check(loopback_dns, resolver)

    assert result.passed, result.message
    assert result.cname_chain == (target,) and result.checked_name == target
    assert result.zone == "acme-dns.example.org"
    assert [(a.server, a.queried_name, a.cname, a.values) for a in result.servers] == [
        ("ns1.example.com", RECORD, target, ()),
        ("ns2.example.net", RECORD, target, ()),
        ("ns.acme-dns.example.org", target, "", (VALUE,)),
    ]
    assert result.message.endswith(f"through the CNAME to {target}) (TTL 30 s).")


def test_a_cname_whose_target_lacks_the_value_fails_at_the_target(loopback_dns):
    target = "www.acme-dns.example.org"
    alias = f"{RECORD}. 300 IN CNAME {target}.\n"
    resolver = serve(loopback_dns, example_com(extra=alias), example_com(extra=alias))

    result = check(loopback_dns, resolver)

    assert not result.passed
    assert result.servers[-1].server == "ns.acme-dns.example.org"
    assert result.servers[-1].kind is Problem.NOT_FOUND
    assert result.message.startswith(f"ns.acme-dns.example.org (127.0.0.3 port {loopback_dns.port}) says "
                                     f"{target} does not exist")
    assert f"publish TXT {target}" in result.message


def test_a_secondary_without_the_new_cname_yet_is_named(loopback_dns):
    target = "www.acme-dns.example.org"
    alias = f"{RECORD}. 300 IN CNAME {target}.\n"
    org = EXAMPLE_ORG + f'{target}. 30 IN TXT "{VALUE}"\n'
    resolver = serve(loopback_dns, example_com(extra=alias), example_com(OLD_VALUE), org=org)

    result = check(loopback_dns, resolver)

    assert not result.passed
    assert result.servers[1].kind is Problem.MISSING
    assert result.servers[1].problem.startswith(f"has no CNAME at {RECORD} yet (the other servers point it "
                                                f"to {target})")


def test_servers_that_disagree_about_the_cname_fail(loopback_dns):
    ns1 = example_com(extra=f"{RECORD}. 300 IN CNAME a.acme-dns.example.org.\n")
    ns2 = example_com(extra=f"{RECORD}. 300 IN CNAME b.acme-dns.example.org.\n")
    resolver = serve(loopback_dns, ns1, ns2)

    result = check(loopback_dns, resolver)

    assert not result.passed
    assert [a.kind for a in result.servers] == [Problem.CNAME_DIFFERS] * 2
    assert "disagree (a.acme-dns.example.org, b.acme-dns.example.org); keep one CNAME" in result.message


def test_a_cname_loop_is_named(loopback_dns):
    loop = (f"{RECORD}. 300 IN CNAME again.example.com.\n"
            f"again.example.com. 300 IN CNAME {RECORD}.\n")
    resolver = serve(loopback_dns, example_com(extra=loop), example_com(extra=loop))

    result = check(loopback_dns, resolver)

    assert not result.passed and result.cname_chain == ("again.example.com",)
    assert result.message.startswith(f"again.example.com is a CNAME loop (it comes back to {RECORD})")


def test_a_server_answering_without_authority_fails_unless_servers_are_set_by_hand(loopback_dns):
    resolver = serve(loopback_dns, example_com(VALUE), example_com(VALUE), authoritative=False)

    strict = check(loopback_dns, resolver)

    assert not strict.passed
    assert strict.servers[1].kind is Problem.NOT_AUTHORITATIVE and not strict.servers[1].authoritative
    assert "without the authoritative (AA) flag" in strict.message

    environ = {"CERTWIZARD_DNS_SERVERS": f"127.0.0.2:{loopback_dns.port}"}
    relaxed = check_dns_record(RECORD, VALUE, query_timeout=1.0, environ=environ)
    assert relaxed.passed, relaxed.message
    assert not relaxed.authority_required and relaxed.zone == ""
    assert [(a.address, a.authoritative) for a in relaxed.servers] == [("127.0.0.2", False)]
    assert relaxed.message == f"The server from CERTWIZARD_DNS_SERVERS has the value at {RECORD} (TTL 60 s)."


def test_servers_set_by_hand_follow_a_cname_on_the_same_servers(loopback_dns):
    target = "www.acme-dns.example.org"
    view = example_com(extra=f"{RECORD}. 300 IN CNAME {target}.\n") + f'{target}. 30 IN TXT "{VALUE}"\n'
    loopback_dns.serve({"127.0.0.4": Zones(view)})

    result = check_dns_record(RECORD, VALUE, servers=[NameServer("split", "127.0.0.4", loopback_dns.port)],
                              query_timeout=1.0, environ={})

    assert result.passed, result.message
    assert result.cname_chain == (target,)


def test_a_server_that_never_answers_times_out_in_bounded_time_and_is_named(loopback_dns):
    loopback_dns.serve({RECURSIVE: Zones(example_com(VALUE) + EXAMPLE_NET),
                        "127.0.0.1": Zones(example_com(VALUE))}, silent=("127.0.0.2",))
    resolver = loopback_dns.resolver(RECURSIVE)

    started = time.monotonic()
    result = check(loopback_dns, resolver, query_timeout=0.5)
    elapsed = time.monotonic() - started

    assert elapsed < 2.0
    assert not result.passed
    assert result.servers[1].kind is Problem.TIMEOUT and result.servers[1].rcode == ""
    assert result.message == (f"ns2.example.net (127.0.0.2 port {loopback_dns.port}) did not answer within "
                              "0.5 s; check that it is up and answers on UDP and TCP port 53, or remove it "
                              "from the zone's NS records")


def test_the_whole_check_has_a_deadline_too(loopback_dns):
    loopback_dns.serve({}, silent=("127.0.0.5",))
    servers = [NameServer("silent", "127.0.0.5", loopback_dns.port)]

    started = time.monotonic()
    result = check_dns_record(RECORD, VALUE, servers=servers, query_timeout=10.0, deadline=0.5, environ={})

    assert time.monotonic() - started < 2.0
    assert not result.passed and result.servers[0].kind is Problem.TIMEOUT


def test_a_truncated_udp_answer_is_asked_again_over_tcp(loopback_dns):
    resolver = serve(loopback_dns, example_com(VALUE), example_com(VALUE), truncate_udp=True)

    result = check(loopback_dns, resolver)

    assert result.passed, result.message
    assert [a.used_tcp for a in result.servers] == [False, True]


def test_an_ipv6_server_this_machine_cannot_reach_is_not_counted(loopback_dns, monkeypatch):
    """The CA may reach it; this machine cannot say, so it neither passes nor fails the check (the
    unreachable network is simulated: tests send nothing beyond loopback)."""
    import errno

    import dns.query

    real = dns.query.udp_with_fallback

    def no_ipv6_route(query, where, **options):
        if ":" in where:
            raise OSError(errno.ENETUNREACH, "Network is unreachable")
        return real(query, where, **options)

    monkeypatch.setattr(dns.query, "udp_with_fallback", no_ipv6_route)
    loopback_dns.serve({"127.0.0.4": Zones(example_com(VALUE))})
    servers = [NameServer("ns1.example.com", "127.0.0.4", loopback_dns.port),
               NameServer("ns1.example.com", "2001:db8::53", loopback_dns.port)]

    result = check_dns_record(RECORD, VALUE, servers=servers, query_timeout=1.0, environ={})

    assert result.passed, result.message
    assert result.servers[1].kind is Problem.NOT_CHECKED
    assert result.servers[1].problem.startswith("could not be asked: this machine has no IPv6 route")

    only_ipv6 = check_dns_record(RECORD, VALUE, servers=servers[1:], environ={})
    assert not only_ipv6.passed
    assert only_ipv6.message.startswith("no name server could be asked from this machine")


def test_discovery_finds_the_zone_its_name_servers_and_their_addresses(loopback_dns):
    resolver = serve(loopback_dns, example_com(VALUE), example_com(VALUE))

    zone, servers = find_name_servers(RECORD, resolver, port=loopback_dns.port)

    assert zone == "example.com"
    assert servers == (NameServer("ns1.example.com", "127.0.0.1", loopback_dns.port),
                       NameServer("ns2.example.net", "127.0.0.2", loopback_dns.port))


def test_a_name_server_without_an_address_is_named(loopback_dns):
    lame = "example.com. 300 IN NS ns3.example.com.\n"
    resolver = serve(loopback_dns, example_com(VALUE, extra=lame), example_com(VALUE, extra=lame))

    result = check(loopback_dns, resolver)

    assert not result.passed
    failing = [(a.server, a.kind) for a in result.servers if not a.ok]
    assert failing == [("ns3.example.com", Problem.NO_ADDRESS)]
    assert result.message.startswith("ns3.example.com has no address (no A or AAAA record)")


def test_a_resolver_that_never_answers_fails_discovery_in_bounded_time(loopback_dns):
    loopback_dns.serve({}, silent=("127.0.0.6",))
    resolver = loopback_dns.resolver("127.0.0.6")

    started = time.monotonic()
    with pytest.raises(DiscoveryFailed, match="did not answer in time"):
        find_name_servers(RECORD, resolver, lifetime=0.5)
    result = check_dns_record(RECORD, VALUE, resolver=resolver, deadline=0.5, environ={})

    assert time.monotonic() - started < 3.0
    assert not result.passed and result.servers == ()
    assert result.message.startswith(f"could not find the name servers of {RECORD}: the resolver (127.0.0.6)")


def test_a_domain_that_no_zone_holds_fails_discovery(loopback_dns):
    loopback_dns.serve({RECURSIVE: Zones(example_com(VALUE))})

    result = check_dns_record("_acme-challenge.unregistered.test", VALUE, environ={},
                              resolver=loopback_dns.resolver(RECURSIVE))

    assert not result.passed
    assert result.message.startswith("no zone holds _acme-challenge.unregistered.test")


def test_the_check_of_a_cname_record_itself(loopback_dns):
    alias = f"{RECORD}. 300 IN CNAME Www.Acme-Dns.example.org.\n"
    resolver = serve(loopback_dns, example_com(extra=alias), example_com(extra=alias))

    result = check_dns_record(RECORD, "www.acme-dns.example.org.", "CNAME", resolver=resolver,
                              authoritative_port=loopback_dns.port, environ={})

    assert result.passed, result.message
    assert result.servers[0].values == ("www.acme-dns.example.org",) and result.cname_chain == ()


def test_the_record_name_for_a_domain_and_its_wildcard_is_one():
    assert challenge_record_name("*.Example.com") == challenge_record_name("example.com.") \
        == "_acme-challenge.example.com"
    assert challenge_record_name("www.example.com", "_dnsauth") == "_dnsauth.www.example.com"


@pytest.mark.parametrize("text, expected", [
    ("127.0.0.1:5353", [("127.0.0.1", "127.0.0.1", 5353)]),
    (" 127.0.0.1 , 127.0.0.2:54 ", [("127.0.0.1", "127.0.0.1", 53), ("127.0.0.2", "127.0.0.2", 54)]),
    ("[::1]:5353,[::1]", [("::1", "::1", 5353), ("::1", "::1", 53)]),
    ("2001:db8::53", [("2001:db8::53", "2001:db8::53", 53)]),
])
def test_dns_servers_set_by_hand_are_parsed(text, expected):
    assert [(s.name, s.address, s.port) for s in parse_name_servers(text)] == expected


def test_a_dns_server_given_by_host_name_is_resolved_once():
    assert NameServer("localhost", "127.0.0.1", 5353) in parse_name_servers("localhost:5353")


@pytest.mark.parametrize("text, message", [
    ("127.0.0.1:5353,", "has an empty entry (number 2)"),
    ("127.0.0.1:", "'127.0.0.1:' has no valid port"),
    ("127.0.0.1:dns", "'127.0.0.1:dns' has no valid port"),
    ("127.0.0.1:70000", "has no valid port: give a number from 1 to 65535"),
    (":53", "has no host before the port"),
    ("[::1", "is not [IPv6]:port"),
    ("[::1]53", "is not [IPv6]:port"),
    ("ns1.exa mple.com", "is neither an IP address nor a host name"),
    ("bad\x1bname", r"'bad\\x1bname' is neither"),
])
def test_bad_dns_servers_are_refused_with_the_entry_and_an_example(text, message):
    with pytest.raises(DcvError, match=message.replace("[", r"\[").replace("(", r"\(").replace(")", r"\)")):
        parse_name_servers(text)


def test_the_environment_variable_is_read_only_when_set():
    assert name_servers_from_environment({}) is None
    assert name_servers_from_environment({"CERTWIZARD_DNS_SERVERS": "  "}) is None
    assert name_servers_from_environment({"CERTWIZARD_DNS_SERVERS": "127.0.0.9:99"}) == (
        NameServer("127.0.0.9", "127.0.0.9", 99),)
    with pytest.raises(DcvError, match="CERTWIZARD_DNS_SERVERS"):
        check_dns_record(RECORD, VALUE, environ={"CERTWIZARD_DNS_SERVERS": "127.0.0.1:x"})


@pytest.mark.parametrize("name, expected, message", [
    (RECORD, [], "no expected value"),
    (RECORD, [""], "no expected value"),
    ("a..b", VALUE, "is not a DNS name"),
])
def test_a_check_that_cannot_start_is_refused(name, expected, message):
    with pytest.raises(DcvError, match=message):
        check_dns_record(name, expected, environ={"CERTWIZARD_DNS_SERVERS": "127.0.0.1:9"})

"""'Domains to Bind': splitting, per-name rules (syntax, IDN, internal names, wildcards, IPs), products."""

import json
import random

import pytest

from certwizard.domain.domains import (
    DomainCheck,
    DomainEntry,
    DomainProblem,
    check_domain_name,
    check_domains,
    split_domain_list,
)
from certwizard.domain.products import CATALOG, DomainType, Product, ValidationLevel, get_product
from certwizard.domain.text import unprintable_characters

LABEL_63 = "a" * 63
NAME_253 = ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 57]) + ".com"       # 63*3 + 57 + 3 dots + ".com"
NAME_254 = ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 58]) + ".com"

SINGLE = get_product("dv-single")            # allows one public IP
MULTI = get_product("dv-multi")              # 5 names, no wildcards
WILDCARD = get_product("dv-wildcard")
MULTI_WILDCARD = get_product("ov-multi-wildcard")
OV_SINGLE = get_product("ov-single")         # no IP addresses


def _accepted(name: str, allow_ip: bool = False) -> DomainEntry:
    result = check_domain_name(name, allow_ip=allow_ip)
    assert isinstance(result, DomainEntry), result
    return result


def _refused(name: str, allow_ip: bool = False) -> DomainProblem:
    result = check_domain_name(name, allow_ip=allow_ip)
    assert isinstance(result, DomainProblem), result
    return result


def _codes(check: DomainCheck) -> list[str]:
    return [problem.code for problem in check.problems]


# --- splitting ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "a.com,b.com,c.com",
    "a.com, b.com ,c.com",
    "a.com;b.com; c.com",
    "a.com\tb.com\tc.com",
    "a.com\nb.com\r\nc.com\n",
    " ,a.com,,;b.com ;; \n\n c.com, ",
    "a.com\uff0cb.com\uff1bc.com",           # full-width comma and semicolon
    "a.com\u3000b.com\u3001c.com",           # ideographic space and ideographic comma
    "a.com\u00a0b.com c.com",                # no-break space pasted from a web page
])
def test_split_accepts_every_separator_and_drops_empties(text):
    assert split_domain_list(text) == ["a.com", "b.com", "c.com"]


@pytest.mark.parametrize("text", ["", "   ", ",;\n\t,", "\u3000\uff0c"])
def test_split_of_nothing_is_empty(text):
    assert split_domain_list(text) == []


def test_split_keeps_control_characters_inside_names_for_the_checks_to_refuse():
    assert split_domain_list("a.com,\x1b[2Jb.com\x0bc.com") == ["a.com", "\x1b[2Jb.com\x0bc.com"]


def test_split_does_not_break_on_the_ideographic_full_stop():
    assert split_domain_list("例子。中国") == ["例子。中国"]


# --- names that are accepted ------------------------------------------------------------------------------

@pytest.mark.parametrize(("typed", "ascii_name", "unicode_name"), [
    ("example.com", "example.com", "example.com"),
    ("WWW.Example.COM", "www.example.com", "www.example.com"),
    ("  www.example.com  ", "www.example.com", "www.example.com"),
    ("a-b.example.co.uk", "a-b.example.co.uk", "a-b.example.co.uk"),
    ("123.example.com", "123.example.com", "123.example.com"),
    ("bücher.de", "xn--bcher-kva.de", "bücher.de"),
    ("Bücher.DE", "xn--bcher-kva.de", "bücher.de"),
    ("münchen.de", "xn--mnchen-3ya.de", "münchen.de"),
    ("例子.中国", "xn--fsqu00a.xn--fiqs8s", "例子.中国"),
    ("例子。中国", "xn--fsqu00a.xn--fiqs8s", "例子.中国"),          # ideographic full stop
    ("ｗｗｗ．ｅｘａｍｐｌｅ．ｃｏｍ", "www.example.com", "www.example.com"),  # full-width
    ("xn--bcher-kva.de", "xn--bcher-kva.de", "bücher.de"),
    ("XN--BCHER-KVA.DE", "xn--bcher-kva.de", "bücher.de"),
    ("*.example.com", "*.example.com", "*.example.com"),
    ("*.bücher.de", "*.xn--bcher-kva.de", "*.bücher.de"),
    ("＊.example.com", "*.example.com", "*.example.com"),             # full-width asterisk
    ("x.github.io", "x.github.io", "x.github.io"),                   # PSL private section is registrable
    ("www.ck", "www.ck", "www.ck"),                                  # PSL exception rule !www.ck
    pytest.param(f"{LABEL_63}.com", f"{LABEL_63}.com", f"{LABEL_63}.com", id="label-of-63"),
    pytest.param(NAME_253, NAME_253, NAME_253, id="name-of-253"),
])
def test_good_names_are_normalised(typed, ascii_name, unicode_name):
    entry = _accepted(typed)
    assert (entry.typed, entry.ascii, entry.unicode) == (typed, ascii_name, unicode_name)
    assert entry.is_wildcard is ascii_name.startswith("*.")
    assert entry.is_ip is False
    assert entry.notes == ()


def test_display_shows_both_forms_only_for_internationalised_names():
    assert _accepted("bücher.de").display == "bücher.de (xn--bcher-kva.de)"
    assert _accepted("*.例子.中国").display == "*.例子.中国 (*.xn--fsqu00a.xn--fiqs8s)"
    assert _accepted("Example.com").display == "example.com"


def test_a_trailing_dot_is_removed_with_a_note():
    entry = _accepted("www.example.com.")
    assert entry.ascii == "www.example.com"
    assert len(entry.notes) == 1 and "trailing dot" in entry.notes[0] and "www.example.com." in entry.notes[0]


# --- names that are refused -------------------------------------------------------------------------------

@pytest.mark.parametrize(("typed", "code"), [
    ("", "empty"),
    (".", "empty"),
    # pasted addresses instead of host names
    ("http://example.com", "url"),
    ("https://www.example.com/path?q=1", "url"),
    ("example.com/shop", "path"),
    ("user@example.com", "userinfo"),
    ("example.com:443", "port"),
    ("[2001:4860:4860::8888]:443", "port"),
    ("http://[::1", "url"),                               # urlsplit raises on this; we must not
    ("[::1", "invalid-character"),                        # not mistaken for host ':' with port 1
    # syntax
    ("a_b.example.com", "invalid-character"),
    ("exa!mple.com", "invalid-character"),
    ("exa mple.com", "invalid-character"),
    ("a..example.com", "empty-label"),
    (".example.com", "empty-label"),
    ("example.com..", "empty-label"),
    pytest.param("a" * 64 + ".com", "label-too-long", id="label-of-64"),
    pytest.param("ü" * 60 + ".de", "label-too-long", id="idn-label-66-as-punycode"),
    pytest.param(NAME_254, "name-too-long", id="name-of-254"),
    pytest.param("x" * 5000 + ".com", "name-too-long", id="name-of-5004"),
    ("-example.com", "hyphen"),
    ("example-.com", "hyphen"),
    ("www.-a.com", "hyphen"),
    ("ab--cd.com", "reserved-hyphens"),
    ("xn--abc.com", "bad-punycode"),
    ("xn--.com", "bad-punycode"),
    ("xn---bbk.com", "bad-punycode"),                     # non-canonical spelling of xn--bbk
    ("💩.la", "bad-idn"),
    ("1.2.3", "bad-ip"),
    ("999.1.1.1", "bad-ip"),
    # internal, reserved and special names
    ("intranet", "single-label"),
    ("server", "single-label"),
    ("foo", "public-suffix"),                             # .foo is a real gTLD: still not a host name
    ("localhost", "internal-name"),
    ("app.localhost", "internal-name"),
    ("printer.local", "internal-name"),
    ("db.internal", "internal-name"),
    ("mail.corp", "internal-name"),
    ("nas.lan", "internal-name"),
    ("router.home.arpa", "internal-name"),
    ("docs.example", "internal-name"),                    # RFC 2606 reserved, not in the PSL
    ("x.test", "internal-name"),
    ("1.0.0.10.in-addr.arpa", "reverse-dns"),
    ("b.a.9.8.ip6.arpa", "reverse-dns"),
    ("abc.onion", "special-use"),
    ("com", "public-suffix"),
    ("co.uk", "public-suffix"),
    ("x.ck", "public-suffix"),                            # *.ck wildcard rule makes x.ck a public suffix
    # wildcards
    ("*", "wildcard-alone"),
    ("*.", "wildcard-alone"),
    ("*.*.example.com", "wildcard-position"),
    ("a.*.example.com", "wildcard-position"),
    ("example.*", "wildcard-position"),
    ("f*o.example.com", "wildcard-partial"),
    ("*foo.example.com", "wildcard-partial"),
    ("**.example.com", "wildcard-partial"),
    ("*.com", "wildcard-public-suffix"),
    ("*.co.uk", "wildcard-public-suffix"),
    ("*.local", "internal-name"),
    ("*.8.8.8.8", "wildcard-ip"),
    # hostile text
    ("\x1b[31mevil.com", "unprintable"),
    ("evil.com\x07", "unprintable"),
    ("\x9b31mevil.com", "unprintable"),
    ("\u202emoc.live", "unprintable"),
    ("ex\u200bample.com", "unprintable"),                 # zero-width space
    ("evil\x00.com", "unprintable"),
])
def test_bad_names_are_refused_with_a_stable_code(typed, code):
    problem = _refused(typed)
    assert problem.code == code
    assert problem.name == typed
    assert unprintable_characters(problem.message) == [], "messages must be safe to show on a terminal"


@pytest.mark.parametrize(("typed", "code"), [
    ("10.0.0.1", "ip-reserved"),
    ("172.16.5.4", "ip-reserved"),
    ("192.168.1.1", "ip-reserved"),
    ("127.0.0.1", "ip-reserved"),
    ("0.0.0.0", "ip-reserved"),
    ("169.254.10.10", "ip-reserved"),
    ("100.64.0.1", "ip-reserved"),                       # carrier-grade NAT
    ("192.0.2.1", "ip-reserved"),                        # documentation ranges
    ("198.51.100.7", "ip-reserved"),
    ("203.0.113.9", "ip-reserved"),
    ("224.0.0.1", "ip-reserved"),
    ("240.0.0.1", "ip-reserved"),
    ("255.255.255.255", "ip-reserved"),
    ("::1", "ip-reserved"),
    ("::", "ip-reserved"),
    ("fe80::1", "ip-reserved"),
    ("fc00::1", "ip-reserved"),
    ("fec0::1", "ip-reserved"),
    ("ff02::1", "ip-reserved"),
    ("2001:db8::1", "ip-reserved"),
    ("fe80::1%eth0", "bad-ip"),
    ("::ffff:8.8.8.8", "bad-ip"),
])
def test_reserved_and_odd_ip_addresses_are_refused_even_when_ips_are_allowed(typed, code):
    assert _refused(typed, allow_ip=True).code == code
    assert _refused(typed, allow_ip=False).code == code


@pytest.mark.parametrize(("typed", "reason"), [
    ("10.0.0.1", "private"),
    ("127.0.0.1", "loopback"),
    ("::1", "loopback"),
    ("192.0.2.1", "documentation"),
    ("169.254.1.1", "link-local"),
    ("224.0.0.1", "multicast"),
])
def test_reserved_ip_messages_say_why_and_what_is_accepted(typed, reason):
    message = _refused(typed, allow_ip=True).message
    assert typed in message and reason in message and "public IP address or a domain name" in message


@pytest.mark.parametrize(("typed", "ascii_name"), [
    ("8.8.8.8", "8.8.8.8"),
    ("2001:4860:4860::8888", "2001:4860:4860::8888"),
    ("2001:4860:4860:0:0:0:0:8888", "2001:4860:4860::8888"),
    ("[2001:4860:4860::8888]", "2001:4860:4860::8888"),
    ("８.８.８.８", "8.8.8.8"),                              # full-width digits
])
def test_public_ip_addresses_are_accepted_only_when_allowed(typed, ascii_name):
    entry = _accepted(typed, allow_ip=True)
    assert (entry.ascii, entry.unicode) == (ascii_name, ascii_name)
    assert entry.is_ip and not entry.is_wildcard
    assert _refused(typed, allow_ip=False).code == "ip-not-allowed"


@pytest.mark.parametrize(("typed", "expected_hint"), [
    ("https://www.example.com/login", "'www.example.com'"),
    ("http://user:pw@shop.example.com:8443/", "'shop.example.com'"),
    ("example.com/shop", "'example.com'"),
    ("admin@example.com", "'example.com'"),
    ("example.com:443", "'example.com'"),
])
def test_pasted_addresses_get_the_host_name_to_type_instead(typed, expected_hint):
    message = _refused(typed).message
    assert "type just the host name" in message and expected_hint in message


def test_internal_name_message_names_the_tld_and_what_is_accepted():
    message = _refused("printer.local").message
    assert "'.local' is not a public top-level domain" in message and "registered domain" in message


def test_refused_wildcard_messages_show_the_accepted_form():
    for typed in ("*", "a.*.example.com", "f*o.example.com"):
        assert "*.example.com" in _refused(typed).message
    assert "*.example.co.uk" in _refused("*.co.uk").message


def test_control_characters_are_named_and_shown_escaped():
    problem = _refused("\x1b[31mevil.com")
    assert "U+001B" in problem.message and "\\x1b[31mevil.com" in problem.message
    assert problem.to_dict()["name"] == "\\x1b[31mevil.com"


# --- product rules ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("product_id", list(CATALOG))
def test_every_catalog_product_accepts_a_fitting_list(product_id):
    product = get_product(product_id)
    first = "*.example.com" if product.domain_type is DomainType.WILDCARD else "www.example.com"
    extra = ["api.example.com", "shop.example.net"] if product.max_domains > 1 else []
    check = check_domains(product, [first, *extra])
    assert check.ok, check.problems
    assert check.names == [first, *extra]
    assert check.common_name == first


@pytest.mark.parametrize(("product", "names", "code"), [
    (SINGLE, "*.example.com", "wildcard-not-allowed"),
    (MULTI, "www.example.com *.example.com", "wildcard-not-allowed"),
    (WILDCARD, "www.example.com", "wildcard-required"),
    (OV_SINGLE, "8.8.8.8", "ip-not-allowed"),
    (MULTI, "8.8.8.8", "ip-not-allowed"),
])
def test_product_refuses_names_it_cannot_bind(product, names, code):
    check = check_domains(product, names)
    assert _codes(check) == [code]
    assert not check.ok


def test_wildcard_product_suggests_the_wildcard_the_user_probably_meant():
    assert "type *.example.com," in check_domains(WILDCARD, "www.example.com").problems[0].message
    assert "type *.example.co.uk," in check_domains(WILDCARD, "example.co.uk").problems[0].message


def test_single_ip_product_takes_one_public_ip_but_it_is_never_the_cn():
    check = check_domains(SINGLE, "8.8.8.8")
    assert check.ok and check.names == ["8.8.8.8"]
    assert check.common_name is None


def test_a_name_longer_than_64_characters_is_a_san_but_not_the_cn():
    long_name = f"{LABEL_63}.example.com"
    check = check_domains(MULTI, [long_name, "www.example.com"])
    assert check.ok and check.names == [long_name, "www.example.com"]
    assert check.common_name is None
    assert check_domains(MULTI, ["a" * 60 + ".com"]).common_name == "a" * 60 + ".com"   # exactly 64


@pytest.mark.parametrize(("product", "names", "given", "limit_text"), [
    (SINGLE, "a.example.com b.example.com", 2, "exactly one"),
    (WILDCARD, "*.a.example.com *.b.example.com", 2, "exactly one"),
    (MULTI, " ".join(f"h{i}.example.com" for i in range(7)), 7, "at most 5"),
    (MULTI_WILDCARD, " ".join(f"*.h{i}.example.com" for i in range(6)), 6, "at most 5"),
])
def test_too_many_names_says_how_many_and_the_limit(product, names, given, limit_text):
    check = check_domains(product, names)
    assert _codes(check) == ["too-many"]
    message = check.problems[0].message
    assert f"{given} were given" in message and limit_text in message and product.id in message
    assert check.problems[0].name is None


def test_a_full_multi_list_is_accepted():
    names = [f"h{i}.example.com" for i in range(MULTI.max_domains)]
    assert check_domains(MULTI, names).ok


@pytest.mark.parametrize(("product", "example"), [(SINGLE, "www.example.com"), (WILDCARD, "*.example.com"),
                                                  (MULTI, "www.example.com")])
@pytest.mark.parametrize("typed", ["", "  \n ", ",;,", []])
def test_an_empty_list_asks_for_at_least_one_name_with_an_example(product, example, typed):
    check = check_domains(product, typed)
    assert _codes(check) == ["no-domains"]
    assert "at least one" in check.problems[0].message and example in check.problems[0].message


def test_a_list_argument_is_split_like_typed_text():
    check = check_domains(MULTI, ["a.example.com, b.example.com", "c.example.com"])
    assert check.names == ["a.example.com", "b.example.com", "c.example.com"]


def test_every_problem_is_reported_at_once_in_input_order():
    check = check_domains(MULTI, "www.example.com, printer.local, a_b.example.com, 10.0.0.1, *.example.com")
    assert _codes(check) == ["internal-name", "invalid-character", "ip-reserved", "wildcard-not-allowed"]
    assert [problem.name for problem in check.problems] == ["printer.local", "a_b.example.com", "10.0.0.1",
                                                            "*.example.com"]
    assert check.names == ["www.example.com"]


# --- duplicates, order and notes ----------------------------------------------------------------------------

@pytest.mark.parametrize(("first", "second"), [
    ("example.com", "example.com"),
    ("example.com", "Example.COM"),
    ("example.com", "example.com."),
    ("bücher.de", "xn--bcher-kva.de"),
    ("*.example.com", "*.EXAMPLE.com"),
])
def test_duplicates_are_found_after_normalisation_and_named(first, second):
    check = check_domains(MULTI_WILDCARD, [first, "other.example.net", second])
    assert _codes(check) == ["duplicate"]
    problem = check.problems[0]
    assert problem.name == second and second in problem.message and first in problem.message
    assert len(check.entries) == 2


def test_user_order_is_kept_when_there_is_no_wildcard():
    check = check_domains(MULTI, "b.example.com a.example.com c.example.com")
    assert check.names == ["b.example.com", "a.example.com", "c.example.com"]
    assert check.notes == []


def test_first_plain_name_moves_in_front_of_wildcards_with_a_note():
    check = check_domains(MULTI_WILDCARD, "*.example.com, *.example.net, api.example.org, www.example.org")
    assert check.ok
    assert check.names == ["api.example.org", "*.example.com", "*.example.net", "www.example.org"]
    assert check.common_name == "api.example.org"
    moved = [note for note in check.notes if note.startswith("Moved")]
    assert len(moved) == 1 and "api.example.org" in moved[0] and "common name" in moved[0]


def test_an_all_wildcard_list_keeps_its_order_and_the_first_wildcard_is_the_cn():
    check = check_domains(MULTI_WILDCARD, "*.b.example.com *.a.example.com")
    assert check.names == ["*.b.example.com", "*.a.example.com"]
    assert check.common_name == "*.b.example.com"
    assert not any(note.startswith("Moved") for note in check.notes)


def test_a_dns_name_moves_in_front_of_an_ip_address():
    product = Product(id="test-multi-ip", name="Test Multi IP", brand="Test", level=ValidationLevel.DV,
                      domain_type=DomainType.MULTI, max_domains=3, validity_days=90, allows_ip=True)
    check = check_domains(product, "8.8.8.8 www.example.com")
    assert check.ok and check.names == ["www.example.com", "8.8.8.8"]
    assert check.common_name == "www.example.com"


def test_a_name_covered_by_a_listed_wildcard_is_only_a_note():
    check = check_domains(MULTI_WILDCARD, "www.example.com *.example.com")
    assert check.ok
    assert any("www.example.com is also covered by *.example.com" in note for note in check.notes)


def test_a_wildcard_note_says_the_base_name_is_not_covered():
    notes = check_domains(MULTI_WILDCARD, "www.example.net *.example.com").notes
    assert any("not example.com itself; add example.com" in note for note in notes)
    assert check_domains(MULTI_WILDCARD, "example.com *.example.com").notes == []
    # A one-name wildcard product cannot take the base name too, so it is not suggested.
    notes = check_domains(WILDCARD, "*.example.com").notes
    assert any("not example.com itself." in note for note in notes)


def test_a_deeper_name_is_not_reported_as_covered():
    notes = check_domains(MULTI_WILDCARD, "a.b.example.com *.example.com").notes
    assert not any("also covered" in note for note in notes)


def test_entry_notes_reach_the_list_notes():
    check = check_domains(MULTI, "www.example.com.")
    assert check.ok and any("trailing dot" in note for note in check.notes)


# --- JSON shape ---------------------------------------------------------------------------------------------

def test_to_dict_is_json_ready_with_every_field():
    check = check_domains(MULTI_WILDCARD, "*.bücher.de www.bücher.de printer.local")
    data = json.loads(json.dumps(check.to_dict(), ensure_ascii=False))
    assert data["ok"] is False
    assert data["cn"] == "www.xn--bcher-kva.de"
    assert data["domains"][0] == {"input": "www.bücher.de", "ascii": "www.xn--bcher-kva.de",
                                  "unicode": "www.bücher.de", "wildcard": False, "ip": False}
    assert data["domains"][1]["wildcard"] is True
    assert data["problems"] == [{"code": "internal-name", "message": check.problems[0].message,
                                 "name": "printer.local"}]
    assert data["notes"] == check.notes and len(data["notes"]) >= 2


# --- robustness -------------------------------------------------------------------------------------------

_LABELS = ["www", "Bücher", "例子", "xn--bcher-kva", "a-b", "*", "co", "ß", "8", "MÜNCHEN",
           "xn--fsqu00a"]
_TLDS = ["de", "com", "中国", "uk", "local", "arpa", "8"]
_HOSTILE = ["_", "::1", "[", "%", "\x1b", "\u202e", "\u0301", ":443", "/x", "@", "xn--", "-", "..", "。"]


def _random_name(rng: random.Random) -> str:
    labels = [rng.choice(_LABELS) for _ in range(rng.randint(0, 3))] + [rng.choice(_TLDS)]
    name = rng.choice([".", "．", "。"]).join(labels)
    if rng.random() < 0.4:
        at = rng.randint(0, len(name))
        name = name[:at] + rng.choice(_HOSTILE) + name[at:]
    return name


def test_any_generated_name_gives_an_entry_or_a_problem_and_accepted_names_are_stable():
    rng = random.Random(20260515)                     # fixed seed: the same names on every run
    accepted = 0
    for _ in range(3000):
        typed = _random_name(rng)
        result = check_domain_name(typed, allow_ip=True)
        if isinstance(result, DomainProblem):
            assert result.name == typed and unprintable_characters(result.message) == []
            continue
        accepted += 1
        assert result.ascii.isascii() and len(result.ascii) <= 253
        for again in (result.ascii, result.unicode):
            assert check_domain_name(again, allow_ip=True).ascii == result.ascii
    assert accepted > 300, "the generator should produce plenty of valid names too"


@pytest.mark.parametrize("text, line", [
    ("a.example.net\nb.example.net\nc.example.net", "a.example.net, b.example.net, c.example.net"),
    ("a.example.net,\r\n b.example.net;\r\r\nc.example.net\n", "a.example.net, b.example.net, c.example.net"),
    ("www.example.com, api.example.com", "www.example.com, api.example.com"),      # one line: as typed
])
def test_a_list_one_name_per_line_becomes_one_line_of_the_same_names(text, line):
    from certwizard.domain.domains import one_line_domain_list, split_domain_list

    assert one_line_domain_list(text) == line
    assert split_domain_list(one_line_domain_list(text)) == split_domain_list(text)

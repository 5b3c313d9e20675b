"""'Domains to Bind': split what the user typed, check every name, then apply the product's rules.

Sources: CA/Browser Forum Baseline Requirements (name syntax, Internal Names, wildcards, Reserved IPs) and
Let's Encrypt Boulder `policy/pa.go`; see docs safety-rules §3 items 10-17.

Decisions worth knowing:
- Names are normalised, not refused, for case, full-width characters and a single trailing dot (UTS-46
  mapping; the dot is removed with a note, because a certificate must never contain it).
- "Public TLD" means listed in the ICANN section of the bundled Public Suffix List (offline). Everything
  under `.arpa` and `.onion` is refused too: both are listed there but no ordinary product can cover them.
- An IPv6 address may be typed in brackets (`[2001:4860::8888]`); it is stored without them.
- The first name becomes the CSR's common name (CN), so a plain DNS name is moved in front of wildcards
  and IP addresses, with a note.
"""

from __future__ import annotations

import ipaddress
import string
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cache
from urllib.parse import urlsplit

import idna
from publicsuffixlist import PublicSuffixList

from certwizard.domain.products import DomainType, Product
from certwizard.domain.text import describe_characters, printable, unprintable_characters

# Separators people type or paste between names, including those of CJK keyboards and web pages.
SEPARATORS = " \t\r\n,;\u00a0\u3000\uff0c\uff1b\u3001"
_TO_SPACE = {ord(ch): " " for ch in SEPARATORS}

MAX_NAME_LENGTH = 253
MAX_LABEL_LENGTH = 63
MAX_COMMON_NAME_LENGTH = 64
_LDH = frozenset(string.ascii_lowercase + string.digits + "-")
_EXAMPLE = "www.example.com"
_WILDCARD_EXAMPLE = "*.example.com"
# Far beyond any valid name: refuse early so a pasted megabyte costs nothing.
_MAX_INPUT_LENGTH = 1024

_DOCUMENTATION_NETWORKS = tuple(
    ipaddress.ip_network(net)
    for net in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32", "3fff::/20")
)
_IPV6_GLOBAL_UNICAST = ipaddress.ip_network("2000::/3")
_REVERSE_DNS_ZONES = ("in-addr.arpa", "ip6.arpa")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class ProblemCode(StrEnum):
    """Stable codes for scripts and tests; the messages may change, these may not."""

    EMPTY = "empty"
    UNPRINTABLE = "unprintable"
    URL = "url"
    PATH = "path"
    USERINFO = "userinfo"
    PORT = "port"
    INVALID_CHARACTER = "invalid-character"
    EMPTY_LABEL = "empty-label"
    LABEL_TOO_LONG = "label-too-long"
    NAME_TOO_LONG = "name-too-long"
    HYPHEN = "hyphen"
    RESERVED_HYPHENS = "reserved-hyphens"
    BAD_PUNYCODE = "bad-punycode"
    BAD_IDN = "bad-idn"
    SINGLE_LABEL = "single-label"
    INTERNAL_NAME = "internal-name"
    REVERSE_DNS = "reverse-dns"
    SPECIAL_USE = "special-use"
    PUBLIC_SUFFIX = "public-suffix"
    BAD_IP = "bad-ip"
    IP_RESERVED = "ip-reserved"
    IP_NOT_ALLOWED = "ip-not-allowed"
    WILDCARD_ALONE = "wildcard-alone"
    WILDCARD_POSITION = "wildcard-position"
    WILDCARD_PARTIAL = "wildcard-partial"
    WILDCARD_IP = "wildcard-ip"
    WILDCARD_PUBLIC_SUFFIX = "wildcard-public-suffix"
    # Rules of the list as a whole, for a given product.
    NO_DOMAINS = "no-domains"
    TOO_MANY = "too-many"
    DUPLICATE = "duplicate"
    WILDCARD_NOT_ALLOWED = "wildcard-not-allowed"
    WILDCARD_REQUIRED = "wildcard-required"


@dataclass(frozen=True)
class DomainEntry:
    """One accepted name: as typed, as it goes into the CSR (ascii), and as shown to people (unicode)."""

    typed: str
    ascii: str
    unicode: str
    is_wildcard: bool = False
    is_ip: bool = False
    notes: tuple[str, ...] = field(default=(), compare=False)

    @property
    def display(self) -> str:
        """`bücher.de (xn--bcher-kva.de)` for IDNs, otherwise just the name."""
        return self.ascii if self.unicode == self.ascii else f"{self.unicode} ({self.ascii})"

    @property
    def base(self) -> str:
        """The name a wildcard covers the children of (`*.example.com` -> `example.com`)."""
        return self.ascii[2:] if self.is_wildcard else self.ascii

    def to_dict(self) -> dict[str, object]:
        return {"input": printable(self.typed), "ascii": self.ascii, "unicode": self.unicode,
                "wildcard": self.is_wildcard, "ip": self.is_ip}


@dataclass(frozen=True)
class DomainProblem:
    """Why a name, or the list as a whole (`name` is None), cannot be accepted."""

    code: str
    message: str
    name: str | None = None

    def to_dict(self) -> dict[str, object]:
        name = None if self.name is None else printable(self.name)
        return {"code": str(self.code), "message": self.message, "name": name}


@dataclass(frozen=True)
class DomainCheck:
    """The outcome for a whole list: accepted entries (CN first), every problem, and notes."""

    entries: list[DomainEntry]
    problems: list[DomainProblem]
    notes: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def names(self) -> list[str]:
        """ASCII names in certificate order; the first is the CN."""
        return [entry.ascii for entry in self.entries]

    @property
    def common_name(self) -> str | None:
        """The CSR's CN: the first name, or None when it cannot be a CN and the CSR carries SANs only.

        BR 7.1.4.3 and Boulder: no IP address in the CN, and at most 64 characters (RFC 5280 ub-common-name).
        """
        if not self.entries or self.entries[0].is_ip or len(self.entries[0].ascii) > MAX_COMMON_NAME_LENGTH:
            return None
        return self.entries[0].ascii

    def to_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "domains": [entry.to_dict() for entry in self.entries],
            "cn": self.common_name,
            "problems": [problem.to_dict() for problem in self.problems],
            "notes": list(self.notes),
        }


class _Refused(Exception):
    """Internal: stops the checks of one name at its first problem."""

    def __init__(self, code: ProblemCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@cache
def _psl() -> PublicSuffixList:
    # ICANN section only: private entries such as github.io are registrable names for our purpose.
    # accept_unknown=False so a made-up TLD (.local, .corp) is reported as unknown, not as public.
    return PublicSuffixList(only_icann=True, accept_unknown=False)


def _q(text: str) -> str:
    return f"'{printable(text)}'"


# --- splitting --------------------------------------------------------------------------------------------

def split_domain_list(text: str) -> list[str]:
    """Split on commas, semicolons and white space (ASCII, full-width and ideographic); drop empties."""
    return [part for part in text.translate(_TO_SPACE).split(" ") if part]


def one_line_domain_list(text: str) -> str:
    """A list written one name per line (pasted, or loaded from an application file) as one line of names
    joined by ", ", which means the same list. A one-line field cannot hold new lines: dropped, they glued the
    names into one ('a.example.netb.example.net')."""
    if "\n" not in text and "\r" not in text:
        return text
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return ", ".join(name for line in lines if (name := line.strip(" \t,;")))


def _flatten(domains: str | Iterable[str]) -> list[str]:
    if isinstance(domains, str):
        return split_domain_list(domains)
    return [name for item in domains for name in split_domain_list(item)]


# --- one name ---------------------------------------------------------------------------------------------

def check_domain_name(name: str, allow_ip: bool = False) -> DomainEntry | DomainProblem:
    """Check and normalise one name, independent of any product. Returns the entry or its first problem."""
    notes: list[str] = []
    try:
        host = _prepare(name)
        _refuse_url_parts(host)
        if host.endswith(".") and not host.endswith(".."):
            host = host[:-1]
            notes.append(f"Removed the trailing dot from {_q(name.strip())}: certificates never contain it.")
        entry = _ip_or_dns_entry(name, host, allow_ip)
    except _Refused as refused:
        return DomainProblem(code=refused.code, message=refused.message, name=name)
    return replace(entry, notes=tuple(notes))


def _ip_or_dns_entry(typed: str, host: str, allow_ip: bool) -> DomainEntry:
    if not host:
        raise _Refused(ProblemCode.EMPTY,
                       f"{_q(typed)} is not a name; type a domain name such as {_EXAMPLE}.")
    ip = _parse_ip(host)
    if ip is not None:
        return _ip_entry(typed, host, ip, allow_ip)
    _refuse_port(host)
    return _dns_entry(typed, host)


def _prepare(name: str) -> str:
    """Refuse unprintable input, then apply UTS-46 mapping (lower-case, full-width forms, CJK dots)."""
    raw = name.strip(" \t\r\n\u3000")
    if not raw:
        raise _Refused(ProblemCode.EMPTY, f"The name is empty; type a domain name such as {_EXAMPLE}.")
    bad = unprintable_characters(raw)
    if bad:
        raise _Refused(ProblemCode.UNPRINTABLE,
                       f"{_q(raw)} contains control or invisible characters ({describe_characters(bad)}); "
                       f"type the name again without them, e.g. {_EXAMPLE}.")
    if len(raw) > _MAX_INPUT_LENGTH:
        raise _name_too_long(raw)
    try:
        # std3_rules=False keeps '_', '*', ':' and '/' so the checks below can explain them.
        return idna.uts46_remap(raw, std3_rules=False, transitional=False)
    except idna.IDNAError as exc:
        raise _Refused(ProblemCode.BAD_IDN, _bad_idn_message(raw, exc)) from None


def _refuse_url_parts(host: str) -> None:
    if "://" in host:
        raise _Refused(ProblemCode.URL, f"{_q(host)} is a web address, not a domain name; "
                                        f"type just the host name{_hint(_url_host(host))}.")
    if "/" in host:
        raise _Refused(ProblemCode.PATH, f"{_q(host)} contains a path ('/'); "
                                         f"type just the host name{_hint(host.split('/', 1)[0])}.")
    if "@" in host:
        raise _Refused(ProblemCode.USERINFO, f"{_q(host)} contains a user name or e-mail part ('@'); "
                                             f"type just the host name{_hint(host.rpartition('@')[2])}.")


def _url_host(url: str) -> str | None:
    try:
        return urlsplit(url).hostname
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return None


def _refuse_port(host: str) -> None:
    bare, colon, port = host.rpartition(":")
    # 'host:443' or '[v6]:443'; a bare IPv6 typo such as '[::1' is left to the character check.
    host_part = ":" not in bare or (bare.startswith("[") and bare.endswith("]"))
    if colon and host_part and port.isascii() and port.isdigit():
        raise _Refused(ProblemCode.PORT, f"{_q(host)} includes a port number (:{port}); certificates are "
                                         f"not tied to a port, so type just the host name{_hint(bare)}.")


def _hint(host: str | None) -> str:
    host = (host or "").strip("[]")
    return f": {_q(host)}" if host else f", e.g. {_EXAMPLE}"


# --- IP addresses ------------------------------------------------------------------------------------------

def _parse_ip(host: str) -> IPAddress | None:
    candidate = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        return ipaddress.ip_address(candidate)
    except ValueError:
        return None


def _ip_entry(typed: str, host: str, ip: IPAddress, allow_ip: bool) -> DomainEntry:
    _refuse_ip_spelling(host, ip)
    reason = _reserved_reason(ip)
    if reason:
        raise _Refused(ProblemCode.IP_RESERVED, f"{_q(host)} is {reason}; a publicly trusted certificate "
                                                "can only contain a public IP address or a domain name.")
    if not allow_ip:
        raise _Refused(ProblemCode.IP_NOT_ALLOWED,
                       f"{_q(host)} is an IP address, and this product accepts domain names only; type a "
                       f"domain name such as {_EXAMPLE}, or choose a product that accepts IP addresses.")
    return DomainEntry(typed=typed, ascii=str(ip), unicode=str(ip), is_ip=True)


def _refuse_ip_spelling(host: str, ip: IPAddress) -> None:
    if not isinstance(ip, ipaddress.IPv6Address):
        return
    if ip.scope_id:
        bare = host.strip("[]").split("%", 1)[0]
        raise _Refused(ProblemCode.BAD_IP, f"{_q(host)} has a zone index (%{ip.scope_id}), which only means "
                                           f"something on one computer; type the address without it: {bare}.")
    if ip.ipv4_mapped is not None:
        raise _Refused(ProblemCode.BAD_IP, f"{_q(host)} is an IPv4 address written as IPv6; "
                                           f"type the IPv4 address itself: {ip.ipv4_mapped}.")


def _reserved_reason(ip: IPAddress) -> str | None:
    """Why `ip` is a Reserved IP address in the BR sense, or None when it is public."""
    checks = (
        (ip.is_loopback, "a loopback address (it always means this computer)"),
        (ip.is_unspecified, "the unspecified address"),
        (ip.is_link_local, "a link-local address (valid only on one network segment)"),
        (ip.is_multicast, "a multicast address"),
        (any(ip in net for net in _DOCUMENTATION_NETWORKS if net.version == ip.version),
         "an address reserved for documentation examples"),
        (ip.is_private, "a private network address"),
        (ip.version == 6 and (ip.is_site_local or ip not in _IPV6_GLOBAL_UNICAST),
         "not a global unicast IPv6 address"),
        (not ip.is_global or ip.is_reserved,
         "a reserved address that is not reachable on the public internet"),
    )
    return next((reason for hit, reason in checks if hit), None)


# --- DNS names ---------------------------------------------------------------------------------------------

def _dns_entry(typed: str, host: str) -> DomainEntry:
    is_wildcard = _split_wildcard(host)
    base = host[2:] if is_wildcard else host
    ascii_labels, unicode_labels = _convert_labels(base)
    ascii_name = ".".join(ascii_labels)
    prefix = "*." if is_wildcard else ""
    if len(prefix + ascii_name) > MAX_NAME_LENGTH:
        raise _name_too_long(prefix + ascii_name)
    _check_registry(ascii_name, is_wildcard)
    return DomainEntry(typed=typed, ascii=prefix + ascii_name, unicode=prefix + ".".join(unicode_labels),
                       is_wildcard=is_wildcard)


def _split_wildcard(host: str) -> bool:
    """True for `*.rest`; refuses every other use of '*'."""
    labels = host.split(".")
    starred = [index for index, label in enumerate(labels) if "*" in label]
    if not starred:
        return False
    accepted = f"a wildcard is '*' as the whole left-most label, one level only, e.g. {_WILDCARD_EXAMPLE}"
    if any(labels[index] != "*" for index in starred):
        raise _Refused(ProblemCode.WILDCARD_PARTIAL, f"{_q(host)} has '*' inside a label; {accepted}.")
    if starred != [0]:
        raise _Refused(ProblemCode.WILDCARD_POSITION, f"{_q(host)} has '*' in the wrong place or more than "
                                                      f"once; {accepted}.")
    if len(labels) == 1:
        raise _Refused(ProblemCode.WILDCARD_ALONE, f"'*' alone is not a name; {accepted}.")
    return True


def _convert_labels(host: str) -> tuple[list[str], list[str]]:
    """Check each label's syntax and return the ASCII (punycode) and Unicode forms."""
    ascii_labels: list[str] = []
    unicode_labels: list[str] = []
    for label in host.split("."):
        if not label:
            raise _Refused(ProblemCode.EMPTY_LABEL, f"{_q(host)} has an empty label (two dots in a row, or a "
                                                    f"dot at the start); type it like {_EXAMPLE}.")
        ascii_label, unicode_label = _convert_label(host, label)
        ascii_labels.append(ascii_label)
        unicode_labels.append(unicode_label)
    return ascii_labels, unicode_labels


def _convert_label(host: str, label: str) -> tuple[str, str]:
    invalid = sorted({ch for ch in label if ch.isascii() and ch not in _LDH})
    if invalid:
        shown = " ".join(f"'{ch}'" for ch in invalid)
        raise _Refused(ProblemCode.INVALID_CHARACTER,
                       f"{_q(host)} contains characters not allowed in a domain name ({shown}); use letters, "
                       f"digits, hyphens and dots only, e.g. {_EXAMPLE}.")
    if label.isascii():
        _check_ascii_label(host, label)
        return label, _decode_a_label(host, label) if label.startswith("xn--") else label
    # Length first: idna would report an over-long label as a generic IDNA error.
    _check_label_length(host, "xn--" + label.encode("punycode").decode("ascii"))
    try:
        ascii_label = idna.alabel(label).decode("ascii")
    except (idna.IDNAError, UnicodeError) as exc:
        raise _Refused(ProblemCode.BAD_IDN, _bad_idn_message(host, exc)) from None
    return ascii_label, label


def _check_ascii_label(host: str, label: str) -> None:
    _check_label_length(host, label)
    if label.startswith("xn--"):
        return  # an A-label: _decode_a_label checks it, hyphens included
    if label.startswith("-") or label.endswith("-"):
        raise _Refused(ProblemCode.HYPHEN, f"{_q(host)} has a label that starts or ends with a hyphen "
                                           f"({_q(label)}); hyphens may only appear inside a label.")
    if label[2:4] == "--":
        raise _Refused(ProblemCode.RESERVED_HYPHENS,
                       f"{_q(host)} has '--' in the 3rd and 4th position of {_q(label)}, which is reserved "
                       "for punycode labels starting with 'xn--'; move or remove a hyphen.")


def _check_label_length(host: str, label: str) -> None:
    if len(label) > MAX_LABEL_LENGTH:
        raise _Refused(ProblemCode.LABEL_TOO_LONG,
                       f"{_q(host)} has a label of {len(label)} characters; each part between dots may have "
                       f"1 to {MAX_LABEL_LENGTH} characters (after punycode conversion).")


def _decode_a_label(host: str, label: str) -> str:
    try:
        return idna.ulabel(label)
    except (idna.IDNAError, UnicodeError):
        raise _Refused(ProblemCode.BAD_PUNYCODE,
                       f"{_q(host)} has {_q(label)}, which starts with 'xn--' but is not valid punycode; "
                       "type the name in its own script (e.g. bücher.de) or copy the punycode exactly."
                       ) from None


def _bad_idn_message(host: str, exc: Exception) -> str:
    return (f"{_q(host)} is not a valid internationalised domain name ({printable(str(exc))}); use letters, "
            "digits and hyphens of one script, e.g. bücher.de or 例子.中国.")


def _name_too_long(host: str) -> _Refused:
    return _Refused(ProblemCode.NAME_TOO_LONG,
                    f"{_q(host[:40])}... is {len(host)} characters long; a domain name may have at most "
                    f"{MAX_NAME_LENGTH} (after punycode conversion).")


def _check_registry(name: str, is_wildcard: bool) -> None:
    """Refuse names no public CA may issue for: internal, reverse-DNS, special-use and public suffixes."""
    labels = name.split(".")
    shown = f"*.{name}" if is_wildcard else name
    if labels[-1].isdigit():
        _refuse_numeric(shown, is_wildcard)
    if len(labels) == 1 and not is_wildcard:
        _refuse_single_label(name)
    if labels[-1] == "arpa":
        _refuse_arpa(shown, name)
    if labels[-1] == "onion":
        raise _Refused(ProblemCode.SPECIAL_USE, f"{_q(shown)} is a Tor .onion name, which needs a special "
                                                "validation process this product does not offer; use a name "
                                                f"under a public domain such as {_EXAMPLE}.")
    if _psl().publicsuffix(name) is None:
        raise _Refused(ProblemCode.INTERNAL_NAME,
                       f"{_q(shown)} is an internal name: '.{labels[-1]}' is not a public top-level "
                       "domain, so no public CA may issue for it; use a name under a registered domain "
                       f"such as {_EXAMPLE}.")
    if _psl().is_public(name):
        _refuse_public_suffix(name, is_wildcard)


def _refuse_numeric(shown: str, is_wildcard: bool) -> None:
    if is_wildcard:
        raise _Refused(ProblemCode.WILDCARD_IP, f"{_q(shown)} puts a wildcard on an IP address; IP addresses "
                                                "cannot be wildcards, so type the exact public IP address or "
                                                f"a wildcard domain such as {_WILDCARD_EXAMPLE}.")
    raise _Refused(ProblemCode.BAD_IP, f"{_q(shown)} looks like an IP address but is not a valid one, and a "
                                       "domain name cannot end in digits; type a full IPv4 address (four "
                                       f"numbers 0-255) or a domain name such as {_EXAMPLE}.")


def _refuse_single_label(name: str) -> None:
    if name == "localhost":
        raise _Refused(ProblemCode.INTERNAL_NAME,
                       "'localhost' always means the local computer, so no public CA may issue for it; "
                       f"use a public name such as {_EXAMPLE}.")
    if _psl().is_public(name):
        raise _Refused(ProblemCode.PUBLIC_SUFFIX, f"{_q(name)} is a top-level domain, not a host name; "
                                                  f"type a name registered under it, e.g. example.{name}.")
    raise _Refused(ProblemCode.SINGLE_LABEL, f"{_q(name)} is a single label (an internal short name); "
                                             f"type the fully qualified name, e.g. {name}.example.com.")


def _refuse_arpa(shown: str, name: str) -> None:
    if any(name == zone or name.endswith("." + zone) for zone in _REVERSE_DNS_ZONES):
        raise _Refused(ProblemCode.REVERSE_DNS,
                       f"{_q(shown)} is a reverse-DNS name, which CAs may no longer include; use the host's "
                       "domain name, or its public IP address if the product accepts IP addresses.")
    raise _Refused(ProblemCode.INTERNAL_NAME,
                   f"{_q(shown)} is under '.arpa', which holds internet infrastructure and home-network "
                   "names (home.arpa), never public hosts; use a name under a registered domain such as "
                   f"{_EXAMPLE}.")


def _refuse_public_suffix(name: str, is_wildcard: bool) -> None:
    if is_wildcard:
        raise _Refused(ProblemCode.WILDCARD_PUBLIC_SUFFIX,
                       f"'*.{name}' would cover every domain registered under the public suffix {_q(name)}; "
                       f"put the wildcard on your own domain instead, e.g. *.example.{name}.")
    raise _Refused(ProblemCode.PUBLIC_SUFFIX,
                   f"{_q(name)} is a public suffix (names are registered under it, like a top-level domain); "
                   f"type your own name, e.g. example.{name}.")


# --- the whole list, for a product ------------------------------------------------------------------------

def check_domains(product: Product, domains: str | Iterable[str]) -> DomainCheck:
    """Check a 'Domains to Bind' list against `product`, reporting every problem at once."""
    typed = _flatten(domains)
    problems = _count_problems(product, len(typed))
    entries: list[DomainEntry] = []
    seen: dict[str, DomainEntry] = {}
    for name in typed:
        result = check_domain_name(name, allow_ip=product.allows_ip)
        if isinstance(result, DomainEntry):
            result = _duplicate(result, seen.get(result.ascii)) or _wildcard_fit(product, result)
        if isinstance(result, DomainProblem):
            problems.append(result)
            continue
        seen[result.ascii] = result
        entries.append(result)
    notes = [note for entry in entries for note in entry.notes]
    entries, order_note = _common_name_first(entries)
    notes += order_note + _wildcard_notes(entries, can_add=product.max_domains > len(entries))
    return DomainCheck(entries=entries, problems=problems, notes=notes)


def _count_problems(product: Product, count: int) -> list[DomainProblem]:
    who = f"{product.name} ({product.id})"
    if count == 0:
        example = _WILDCARD_EXAMPLE if product.domain_type is DomainType.WILDCARD else _EXAMPLE
        return [DomainProblem(ProblemCode.NO_DOMAINS, f"Enter at least one domain name, e.g. {example}.")]
    if count <= product.max_domains:
        return []
    if product.max_domains == 1:
        message = (f"{who} binds exactly one name, but {count} were given; keep one, or choose a "
                   "multi-domain product for several names.")
    else:
        message = (f"{who} binds at most {product.max_domains} names, but {count} were given; remove "
                   f"{count - product.max_domains}.")
    return [DomainProblem(ProblemCode.TOO_MANY, message)]


def _duplicate(entry: DomainEntry, first: DomainEntry | None) -> DomainProblem | None:
    if first is None:
        return None
    if first.typed == entry.typed:
        message = f"{_q(entry.typed)} is listed more than once; remove the extra copy."
    else:
        message = (f"{_q(entry.typed)} is the same name as {_q(first.typed)} once normalised "
                   f"({entry.ascii}); remove one of them.")
    return DomainProblem(ProblemCode.DUPLICATE, message, entry.typed)


def _wildcard_fit(product: Product, entry: DomainEntry) -> DomainEntry | DomainProblem:
    if entry.is_wildcard and not product.allows_wildcards:
        return DomainProblem(ProblemCode.WILDCARD_NOT_ALLOWED,
                             f"{_q(entry.typed)} is a wildcard, which a {product.domain_type.label} product "
                             f"does not cover; type exact names such as www.{entry.base}, or choose a "
                             "wildcard product.", entry.typed)
    if product.domain_type is DomainType.WILDCARD and not entry.is_wildcard:
        return DomainProblem(ProblemCode.WILDCARD_REQUIRED,
                             f"{_q(entry.typed)} is not a wildcard, and a wildcard product binds one name of "
                             f"the form {_WILDCARD_EXAMPLE}; type {_wildcard_for(entry)}, or choose a "
                             "single-domain product.", entry.typed)
    return entry


def _wildcard_for(entry: DomainEntry) -> str:
    """The wildcard the user probably meant: `example.com` and `www.example.com` -> `*.example.com`."""
    if entry.is_ip:
        return _WILDCARD_EXAMPLE
    if _psl().privatesuffix(entry.ascii) == entry.ascii:
        return f"*.{entry.ascii}"
    return f"*.{_parent(entry.ascii)}"


def _parent(name: str) -> str:
    return name.partition(".")[2]


def _common_name_first(entries: list[DomainEntry]) -> tuple[list[DomainEntry], list[str]]:
    """Put the first plain DNS name in front when the list starts with a wildcard or an IP address."""
    if not entries or _is_plain(entries[0]):
        return entries, []
    plain = next((entry for entry in entries if _is_plain(entry)), None)
    if plain is None:
        return entries, []
    reordered = [plain] + [entry for entry in entries if entry is not plain]
    note = (f"Moved {plain.display} to the front: the first name becomes the certificate's common name (CN), "
            "and it should be a plain name, not a wildcard or an IP address.")
    return reordered, [note]


def _is_plain(entry: DomainEntry) -> bool:
    return not entry.is_wildcard and not entry.is_ip


def _wildcard_notes(entries: list[DomainEntry], can_add: bool) -> list[str]:
    listed = {entry.ascii for entry in entries}
    notes: list[str] = []
    for wildcard in (entry for entry in entries if entry.is_wildcard):
        covered = [entry for entry in entries if _is_plain(entry) and _parent(entry.ascii) == wildcard.base]
        for entry in covered:
            notes.append(f"{entry.display} is also covered by {wildcard.display}; listing both is allowed.")
        if wildcard.base not in listed:
            base = wildcard.unicode[2:]
            advice = f"; add {base} to the list if you need it" if can_add else ""
            notes.append(f"{wildcard.display} covers names one level below {base} (such as www.{base}), "
                         f"not {base} itself{advice}.")
    return notes


def registered_domain(name: str) -> str:
    """The name registered under a public suffix (www.example.co.uk -> example.co.uk); the name itself when
    the suffix is unknown."""
    bare = name.strip().rstrip(".").lower().removeprefix("*.")
    return _psl().privatesuffix(bare) or bare

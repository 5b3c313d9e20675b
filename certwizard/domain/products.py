"""Certificate products: what was purchased decides the domain rules, the information asked and the key choices.

Each certificate authority offers its own products, and each product names the authority that offers it
(`Product.authority`, a name of `ca/registry.py`): an order for the product goes to that authority. The
catalog holds the products of every authority, keyed by id (ids are unique across authorities): orders and the
order index record only the id, and reading them must not load any authority's code. An authority lists its
offer with `products_of(its name)`; a new authority adds its products to the catalog here. Today's catalog is
the built-in sandbox CA's offer (`DEFAULT_AUTHORITY`).

Products are checked when the catalog is built. They are frozen dataclasses rather than pydantic models on
purpose: the home screen needs the catalog, and importing pydantic would add ~60-90 ms to every start-up.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cached_property


class ValidationLevel(StrEnum):
    DV = "DV"
    OV = "OV"
    EV = "EV"

    @property
    def is_professional(self) -> bool:
        """OV and EV need company information and documents; DV needs only the applicant."""
        return self is not ValidationLevel.DV

    @property
    def edition(self) -> str:
        return "professional" if self.is_professional else "standard"


class DomainType(StrEnum):
    SINGLE = "single"
    MULTI = "multi"
    WILDCARD = "wildcard"
    MULTI_WILDCARD = "multi-wildcard"

    @property
    def label(self) -> str:
        return {
            DomainType.SINGLE: "single domain",
            DomainType.MULTI: "multi-domain",
            DomainType.WILDCARD: "wildcard",
            DomainType.MULTI_WILDCARD: "multi-domain wildcard",
        }[self]


class KeyAlgorithm(StrEnum):
    RSA_2048 = "rsa-2048"
    RSA_3072 = "rsa-3072"
    RSA_4096 = "rsa-4096"
    EC_P256 = "ec-p256"
    EC_P384 = "ec-p384"

    @property
    def label(self) -> str:
        return {
            KeyAlgorithm.RSA_2048: "RSA 2048",
            KeyAlgorithm.RSA_3072: "RSA 3072",
            KeyAlgorithm.RSA_4096: "RSA 4096",
            KeyAlgorithm.EC_P256: "ECDSA P-256",
            KeyAlgorithm.EC_P384: "ECDSA P-384",
        }[self]

    @property
    def is_rsa(self) -> bool:
        return self.value.startswith("rsa")

    @property
    def size(self) -> int:
        """RSA modulus bits, or the curve's size for ECDSA."""
        return int(self.value.rsplit("-", 1)[1].lstrip("p"))


# The authority of the built-in products, and of orders stored before an order recorded its authority. A name
# only (the domain imports nothing from ca/): the registry there builds the authority behind it.
DEFAULT_AUTHORITY = "sandbox"

ALL_KEY_ALGORITHMS = tuple(KeyAlgorithm)
DEFAULT_KEY_ALGORITHM = KeyAlgorithm.EC_P256

# CA/Browser Forum Baseline Requirements 6.3.2: maximum validity by date of issuance.
_VALIDITY_SCHEDULE: tuple[tuple[date, int], ...] = (
    (date(2029, 3, 15), 47),
    (date(2027, 3, 15), 100),
    (date(2026, 3, 15), 200),
)


def max_validity_days(issued_on: date) -> int:
    """The longest validity a publicly trusted TLS certificate may have when issued on `issued_on`."""
    for start, days in _VALIDITY_SCHEDULE:
        if issued_on >= start:
            return days
    return 398


_PRODUCT_ID = re.compile(r"[a-z0-9][a-z0-9-]{1,30}")
# The id of a product an authority of a family offers: "FAMILY:ACCOUNT:OFFER", e.g. "acme:letsencrypt:dv-multi".
_OFFERED_ID = re.compile(r"(?P<family>[a-z]+):(?P<account>[a-z0-9][a-z0-9-]{0,31}):(?P<offer>[a-z0-9][a-z0-9-]{1,30})")


class InvalidProductError(ValueError):
    """A catalog entry that contradicts itself (a programming error in the catalog)."""


@dataclass(frozen=True)
class Product:
    """A certificate product from the catalog, offered by `authority`."""

    id: str
    name: str
    brand: str
    level: ValidationLevel
    domain_type: DomainType
    max_domains: int
    validity_days: int
    key_algorithms: tuple[KeyAlgorithm, ...] = ALL_KEY_ALGORITHMS
    allows_ip: bool = False
    review_hours: tuple[int, int] = (0, 48)
    authority: str = DEFAULT_AUTHORITY
    needs_applicant: bool = True        # False: the CA asks for no person (ACME: the account's e-mail is all)
    validity_set_by_authority: bool = False   # True: `validity_days` is the CA's usual, the CA decides
    type_label: str = ""                # shown instead of "LEVEL domain type" (the imported certificates')

    def __post_init__(self) -> None:
        set_field = object.__setattr__       # normalise strings to the enums, as a model would
        set_field(self, "level", ValidationLevel(self.level))
        set_field(self, "domain_type", DomainType(self.domain_type))
        set_field(self, "key_algorithms", tuple(KeyAlgorithm(a) for a in self.key_algorithms))
        problems = []
        if not (_PRODUCT_ID.fullmatch(self.id) or _OFFERED_ID.fullmatch(self.id)):
            problems.append(f"id {self.id!r} must be 2-31 lower-case letters, digits or hyphens")
        if not 1 <= self.max_domains <= 250:
            problems.append(f"max_domains {self.max_domains} must be from 1 to 250")
        if not 1 <= self.validity_days <= 398:
            problems.append(f"validity_days {self.validity_days} must be from 1 to 398")
        single_name = self.domain_type in (DomainType.SINGLE, DomainType.WILDCARD)
        if single_name and self.max_domains != 1:
            problems.append(f"a {self.domain_type.label} product binds exactly one name")
        if not single_name and self.max_domains < 2:
            problems.append(f"a {self.domain_type.label} product binds at least two names")
        if self.level is ValidationLevel.EV and self.allows_wildcards:
            problems.append("EV certificates cannot contain wildcard names")
        if not self.key_algorithms:
            problems.append("a product allows at least one key algorithm")
        if problems:
            raise InvalidProductError(f"product {self.id!r}: " + "; ".join(problems))

    @property
    def is_professional(self) -> bool:
        return self.level.is_professional

    @property
    def allows_wildcards(self) -> bool:
        return self.domain_type in (DomainType.WILDCARD, DomainType.MULTI_WILDCARD)

    @property
    def requires_domain_verification(self) -> bool:
        """Every product proves control of each domain before review (Baseline Requirements 3.2.2.4): DV,
        and OV/EV too, whose company check by the CA's staff comes on top of it, never instead."""
        return True

    @property
    def default_key_algorithm(self) -> KeyAlgorithm:
        if DEFAULT_KEY_ALGORITHM in self.key_algorithms:
            return DEFAULT_KEY_ALGORITHM
        return self.key_algorithms[0]

    @cached_property
    def certificate_type(self) -> str:
        """Short human label, e.g. 'OV wildcard' (kept: tables sort 50,000 orders by it)."""
        return self.type_label or f"{self.level.value} {self.domain_type.label}"

    @property
    def validity_short(self) -> str:
        """'198 days', or '~90 days' where the authority decides (for columns; `validity_label` says more)."""
        return f"~{self.validity_days} days" if self.validity_set_by_authority else f"{self.validity_days} days"

    @property
    def validity_label(self) -> str:
        """'198 days', or '~90 days, set by the CA' where the authority decides."""
        if self.validity_set_by_authority:
            return f"~{self.validity_days} days, set by the CA"
        return f"{self.validity_days} days"

    def validity_on(self, issued_on: date) -> int:
        """Validity actually granted when issued on `issued_on` (never past the CA/B Forum limit)."""
        return min(self.validity_days, max_validity_days(issued_on))

    def domain_rule_tip(self) -> str:
        """The rules for 'Domains to Bind', in a sentence or two."""
        if self.domain_type is DomainType.SINGLE:
            tip = "One fully qualified name, e.g. www.example.com"
            if self.allows_ip:
                tip += ", or one public IP address"
            tip += ". Wildcards are not accepted."
        elif self.domain_type is DomainType.WILDCARD:
            tip = ("One wildcard name such as *.example.com. It covers names one level below "
                   "example.com, not example.com itself.")
        elif self.domain_type is DomainType.MULTI:
            tip = f"Up to {self.max_domains} names, separated by commas, spaces or new lines. No wildcards."
        else:
            tip = (f"Up to {self.max_domains} names, wildcards (*.example.com) allowed. "
                   "The first name becomes the certificate's common name, so a plain name is put first.")
        return tip + " Internationalised names are converted to punycode."


def _product(pid: str, name: str, level: ValidationLevel, dtype: DomainType, max_domains: int = 1,
             allows_ip: bool = False, review_hours: tuple[int, int] = (0, 48)) -> Product:
    """One of the sandbox CA's products."""
    return Product(id=pid, name=name, brand="Sandbox Trust", level=level, domain_type=dtype,
                   max_domains=max_domains, validity_days=198, allows_ip=allows_ip, review_hours=review_hours,
                   authority=DEFAULT_AUTHORITY)


_DV_REVIEW = (0, 48)
_OV_REVIEW = (72, 168)
_EV_REVIEW = (120, 240)

CATALOG: dict[str, Product] = {
    p.id: p
    for p in (
        _product("dv-single", "Basic DV", ValidationLevel.DV, DomainType.SINGLE, allows_ip=True,
                 review_hours=_DV_REVIEW),
        _product("dv-multi", "Basic DV Multi-Domain", ValidationLevel.DV, DomainType.MULTI, 5,
                 review_hours=_DV_REVIEW),
        _product("dv-wildcard", "Basic DV Wildcard", ValidationLevel.DV, DomainType.WILDCARD,
                 review_hours=_DV_REVIEW),
        _product("ov-single", "Business OV", ValidationLevel.OV, DomainType.SINGLE, review_hours=_OV_REVIEW),
        _product("ov-multi", "Business OV Multi-Domain", ValidationLevel.OV, DomainType.MULTI, 5,
                 review_hours=_OV_REVIEW),
        _product("ov-wildcard", "Business OV Wildcard", ValidationLevel.OV, DomainType.WILDCARD,
                 review_hours=_OV_REVIEW),
        _product("ov-multi-wildcard", "Business OV Multi-Wildcard", ValidationLevel.OV,
                 DomainType.MULTI_WILDCARD, 5, review_hours=_OV_REVIEW),
        _product("ev-single", "Extended EV", ValidationLevel.EV, DomainType.SINGLE, review_hours=_EV_REVIEW),
        _product("ev-multi", "Extended EV Multi-Domain", ValidationLevel.EV, DomainType.MULTI, 5,
                 review_hours=_EV_REVIEW),
    )
}


# --- products of an authority family (one authority per account) ----------------------------------------------
#
# An ACME account is an authority of its own ("acme:NAME"), and offers the family's products under ids that name
# it ("acme:NAME:dv-multi"). Such an id resolves here, from the id alone, without loading the authority or
# reading the account: an order and the order index keep only the id. Whether the account is still configured
# is the authority registry's to say when the order is submitted.

def _acme_offer(offer: str, name: str, dtype: DomainType, max_domains: int = 1) -> Product:
    return Product(id=offer, name=name, brand="ACME", level=ValidationLevel.DV, domain_type=dtype,
                   max_domains=max_domains, validity_days=90, review_hours=(0, 1), needs_applicant=False,
                   validity_set_by_authority=True)


ACME_MAX_NAMES = 100       # Let's Encrypt's limit per certificate; the CA refuses an order past its own
FAMILY_OFFERS: dict[str, dict[str, Product]] = {
    "acme": {p.id: p for p in (
        _acme_offer("dv-single", "DV certificate", DomainType.SINGLE),
        _acme_offer("dv-multi", "DV multi-domain certificate", DomainType.MULTI, ACME_MAX_NAMES),
        _acme_offer("dv-wildcard", "DV wildcard certificate", DomainType.WILDCARD),
        _acme_offer("dv-multi-wildcard", "DV certificate with wildcards", DomainType.MULTI_WILDCARD,
                    ACME_MAX_NAMES),
    )},
}
_OFFERED: dict[str, Product] = {}      # resolved family product ids (10,000 index entries look them up)

# Alibaba Cloud: what was bought is imported from the account, so the offer id spells the product's facts,
# BRAND-LEVEL-TYPE[-NAMES], e.g. "digicert-ov-multi-5", "geotrust-dv-wildcard".
_ALIBABA_OFFER = re.compile(r"(?P<brand>[a-z0-9]{2,12})-(?P<level>dv|ov|ev)-(?P<type>single|multi|wildcard|mwild)"
                            r"(?:-(?P<names>[1-9][0-9]{0,2}))?")
BRANDS = {"digicert": "DigiCert", "geotrust": "GeoTrust", "globalsign": "GlobalSign", "vtrus": "vTrus",
          "cfca": "CFCA", "wosign": "WoSign", "rapid": "RapidSSL", "alibaba": "Alibaba", "sectigo": "Sectigo"}
_TYPES = {"single": DomainType.SINGLE, "multi": DomainType.MULTI, "wildcard": DomainType.WILDCARD,
          "mwild": DomainType.MULTI_WILDCARD}
_REVIEW_BY_LEVEL = {ValidationLevel.DV: (0, 48), ValidationLevel.OV: (72, 168), ValidationLevel.EV: (120, 240)}


def alibaba_offer_id(brand: str, level: ValidationLevel, domain_type: DomainType, names: int = 1) -> str:
    """The offer id of an imported Alibaba Cloud product (the inverse of `_alibaba_offer`)."""
    slug = re.sub(r"[^a-z0-9]", "", brand.lower())[:12] or "other"
    if len(slug) < 2:
        slug = "other"
    kind = next(key for key, value in _TYPES.items() if value is domain_type)
    single = domain_type in (DomainType.SINGLE, DomainType.WILDCARD)
    return f"{slug}-{level.value.lower()}-{kind}" + ("" if single else f"-{names}")


def _alibaba_offer(offer: str) -> Product | None:
    match = _ALIBABA_OFFER.fullmatch(offer)
    if not match:
        return None
    domain_type, level = _TYPES[match["type"]], ValidationLevel(match["level"].upper())
    single = domain_type in (DomainType.SINGLE, DomainType.WILDCARD)
    names = 1 if single else int(match["names"] or 0)
    if (single and match["names"]) or (not single and names < 2) or (level is ValidationLevel.EV and
                                                                      domain_type.value.endswith("wildcard")):
        return None
    brand = BRANDS.get(match["brand"], match["brand"].capitalize())
    return Product(id=offer, name=f"{brand} {level.value} {domain_type.label}", brand=brand, level=level,
                   domain_type=domain_type, max_domains=names, validity_days=200,
                   review_hours=_REVIEW_BY_LEVEL[level], validity_set_by_authority=True)


_FAMILY_OFFER: dict[str, Callable[[str], Product | None]] = {
    "acme": FAMILY_OFFERS["acme"].get,
    "alibaba": _alibaba_offer,
}


def offered_product(authority: str, offer: Product) -> Product:
    """`offer` (an entry of FAMILY_OFFERS) as the authority named `authority` ("acme:NAME") offers it."""
    from dataclasses import replace

    account = authority.partition(":")[2]
    # Short, and naming the account: the type is a column of its own wherever products are listed.
    return replace(offer, id=f"{authority}:{offer.id}", name=f"{offer.brand} {offer.level.value} · {account}",
                   brand=f"{offer.brand} ({account})", authority=authority)


def _family_product(product_id: str) -> Product | None:
    found = _OFFERED.get(product_id)
    if found is None:
        match = _OFFERED_ID.fullmatch(product_id)
        parse = _FAMILY_OFFER.get(match["family"]) if match else None
        offer = parse(match["offer"]) if match and parse else None
        if not match or not offer:
            return None
        found = _OFFERED[product_id] = offered_product(f"{match['family']}:{match['account']}", offer)
    return found


# --- certificates imported without a product ------------------------------------------------------------------
#
# `certwizard import CERT` without --product tracks a certificate obtained elsewhere (its expiry, its key) under
# this one product. Its authority is a name no registry entry has, so anything that needs an authority (renew,
# revoke, refresh) is refused with IMPORTED_REFUSAL, which says how to make the certificate renewable.

IMPORTED_AUTHORITY = "imported"
IMPORTED = Product(id="imported", name="Imported certificate", brand="Imported", level=ValidationLevel.DV,
                   domain_type=DomainType.MULTI_WILDCARD, max_domains=250, validity_days=398, allows_ip=True,
                   authority=IMPORTED_AUTHORITY, needs_applicant=False, validity_set_by_authority=True,
                   type_label="imported")
IMPORTED_REFUSAL = ("this certificate was imported without a product, so no certificate authority here can "
                    "renew or revoke it; to renew it through certwizard, import it again with --product ID "
                    "(one of `certwizard products`): certwizard import CERT.pem --product ID")
_TRACKED_ONLY = {IMPORTED.id: IMPORTED}


def is_product(product_id: object) -> bool:
    """Whether `product_id` names a product (of the catalog, offered by an authority of a family, or the
    imported certificates')."""
    return isinstance(product_id, str) and (product_id in CATALOG or product_id in _TRACKED_ONLY
                                            or _family_product(product_id) is not None)


class UnknownProductError(KeyError):
    def __init__(self, product_id: str) -> None:
        self.product_id = product_id
        super().__init__(product_id)

    def __str__(self) -> str:
        offers = "|".join(FAMILY_OFFERS["acme"])
        return (f"unknown product {self.product_id!r}; choose one of: {', '.join(CATALOG)}, "
                f"or an ACME account's: acme:ACCOUNT:{offers}")


def get_product(product_id: str) -> Product:
    found = CATALOG.get(product_id) or _TRACKED_ONLY.get(product_id) or _family_product(product_id)
    if found is None:
        raise UnknownProductError(product_id)
    return found


def products_of(authority: str) -> tuple[Product, ...]:
    """What `authority` offers: its catalog entries, or its family's offer under its own ids."""
    family, separator, _ = authority.partition(":")
    if separator and family in FAMILY_OFFERS:
        return tuple(get_product(f"{authority}:{offer}") for offer in FAMILY_OFFERS[family])
    if separator and family in _FAMILY_OFFER:
        return ()            # imported per account (Alibaba Cloud): the authority lists what it has
    return tuple(product for product in CATALOG.values() if product.authority == authority)

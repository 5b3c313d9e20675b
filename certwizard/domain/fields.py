"""Applicant and company fields, validated with well-kept libraries (email-validator, phonenumbers, pycountry).

Each `normalise_*` returns the canonical form or raises FieldError whose message says what is wrong
and what would be accepted.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from certwizard.domain.models import CompanyType
from certwizard.domain.text import require_printable


class FieldError(ValueError):
    """A field value is not acceptable; str(error) is the message to show at the field."""


def _text(value: str, what: str, *, min_len: int = 1, max_len: int = 128) -> str:
    value = " ".join(value.split())
    if not value:
        raise FieldError(f"{what} is required")
    try:
        require_printable(value)
    except ValueError as exc:
        raise FieldError(f"{what} {exc}") from None
    if len(value) < min_len:
        raise FieldError(f"{what} is too short: at least {min_len} characters")
    if len(value) > max_len:
        raise FieldError(f"{what} is too long: {len(value)} characters, at most {max_len}")
    return value


def normalise_person_name(value: str) -> str:
    return _text(value, "Name", min_len=2, max_len=64)


def normalise_company_name(value: str) -> str:
    # 64: the certificate subject's O field (RFC 5280 ub-organization-name).
    return _text(value, "Company name", min_len=2, max_len=64)


def normalise_address(value: str) -> str:
    return _text(value, "Detailed address", min_len=5, max_len=200)


def normalise_city(value: str) -> str:
    return _text(value, "City", max_len=64)


def _identifier(value: str, what: str, example: str, *, min_len: int, max_len: int, allowed: str) -> str:
    value = _text(value, what, max_len=max_len + 20)
    compact = value.replace(" ", "")
    bad = sorted({ch for ch in compact if not (ch.isascii() and (ch.isalnum() or ch in allowed))})
    if bad:
        raise FieldError(f"{what} may contain only letters, digits and {' '.join(allowed) or 'nothing else'}; "
                         f"remove {' '.join(repr(ch) for ch in bad)} (e.g. {example})")
    if not min_len <= len(compact) <= max_len:
        raise FieldError(f"{what} must be {min_len} to {max_len} characters without spaces "
                         f"(it has {len(compact)}), e.g. {example}")
    return compact.upper()


def normalise_id_number(value: str) -> str:
    return _identifier(value, "ID number", "11010519491231002X or a passport number such as E12345678",
                       min_len=5, max_len=32, allowed="-")


def normalise_organization_id(value: str) -> str:
    return _identifier(value, "Organization ID", "91350100M000100Y43 (unified social credit code) or a "
                       "registration number", min_len=4, max_len=40, allowed="-./")


def normalise_zip_code(value: str) -> str:
    return _identifier(value, "Zip code", "310000 or SW1A 1AA", min_len=3, max_len=10, allowed="-")


def normalise_email(value: str) -> str:
    from email_validator import EmailNotValidError, validate_email

    value = value.strip()
    if not value:
        raise FieldError("E-mail is required: the certificate authority sends its verification e-mail there")
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise FieldError(f"E-mail is not valid: {exc} Use a full address such as admin@example.com") from None


def normalise_phone(value: str, default_region: str | None = None) -> str:
    """E.164 form (+8613800138000). Without a +country code, `default_region` (ISO alpha-2) decides."""
    import phonenumbers

    value = value.strip()
    if not value:
        raise FieldError("Phone is required (the certificate authority may call it); type it with the "
                         "country code, e.g. +86 138 0013 8000")
    try:
        number = phonenumbers.parse(value, (default_region or "").upper() or None)
    except phonenumbers.NumberParseException:
        if not value.startswith("+") and not default_region:
            raise FieldError("Phone needs its country code, e.g. +86 138 0013 8000 or +1 415 555 0100 "
                             "(or choose the company's country first)") from None
        raise FieldError("Phone is not a phone number; type digits with the country code, "
                         "e.g. +86 138 0013 8000") from None
    if not phonenumbers.is_valid_number(number):
        region = phonenumbers.region_code_for_number(number) or default_region or "the country given"
        raise FieldError(f"Phone is not a valid number for {region}; check the digits and the country code, "
                         "e.g. +86 138 0013 8000")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str) -> str:
    """Readable international form for display, e.g. +86 138 0013 8000."""
    import phonenumbers

    try:
        return phonenumbers.format_number(phonenumbers.parse(e164, None),
                                          phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    except phonenumbers.NumberParseException:
        return e164


def normalise_company_type(value: str) -> CompanyType:
    wanted = value.strip().lower()
    for kind in CompanyType:
        if wanted in (kind.value, kind.label.lower()):
            return kind
    choices = ", ".join(kind.value for kind in CompanyType)
    raise FieldError(f"Type of company is required: choose one of {choices}" if not wanted
                     else f"Type of company {value.strip()!r} is not known; choose one of {choices}")


# --- countries and subdivisions (pycountry) -------------------------------------------------------------------

@dataclass(frozen=True)
class Choice:
    code: str
    name: str


@functools.cache
def countries() -> tuple[Choice, ...]:
    import pycountry

    return tuple(sorted((Choice(c.alpha_2, c.name) for c in pycountry.countries), key=lambda c: c.name))


@functools.cache
def subdivisions(country_code: str) -> tuple[Choice, ...]:
    """Top-level subdivisions (provinces, states...) of a country; empty when it has none."""
    import pycountry

    found = pycountry.subdivisions.get(country_code=country_code.upper()) or []
    top = [s for s in found if not s.parent_code] or list(found)
    return tuple(sorted((Choice(s.code, s.name) for s in top), key=lambda c: c.name))


def normalise_country(value: str) -> str:
    import pycountry

    value = value.strip()
    if not value:
        raise FieldError("Country is required: choose it from the list or type its two-letter code, e.g. CN")
    try:
        return pycountry.countries.lookup(value).alpha_2
    except LookupError:
        raise FieldError(f"Country {value!r} is not known; use an ISO code such as CN, US or DE, "
                         "or the English name") from None


def normalise_province(country_code: str, value: str) -> str:
    """An ISO 3166-2 code when the country has subdivisions (accepting the code, its suffix or the name)."""
    import pycountry

    value = " ".join(value.split())
    known = pycountry.subdivisions.get(country_code=country_code) or []
    if not known:
        return _text(value, "Province/state", max_len=64)
    if not value:
        raise FieldError("Province/state is required: choose it from the list")
    wanted = value.lower()
    for sub in known:
        code = sub.code.lower()
        if wanted in (code, code.split("-", 1)[1], sub.name.lower()):
            return sub.code
    prefix = [s for s in known if s.name.lower().startswith(wanted)]
    if len(prefix) == 1:
        return prefix[0].code
    examples = ", ".join(f"{c.code} ({c.name})" for c in subdivisions(country_code)[:3])
    raise FieldError(f"Province/state {value!r} is not one of {country_code}'s subdivisions; "
                     f"choose from the list, e.g. {examples}")


def subdivision_name(code: str) -> str:
    import pycountry

    sub = pycountry.subdivisions.get(code=code)
    return sub.name if sub else code

import pytest

from certwizard.domain import fields as f
from certwizard.domain.models import CompanyType


@pytest.mark.parametrize(("typed", "region", "e164"), [
    ("+86 138 0013 8000", None, "+8613800138000"),
    ("138-0013-8000", "CN", "+8613800138000"),
    ("(415) 555-2671", "US", "+14155552671"),
    ("+49 30 901820", "CN", "+4930901820"),
])
def test_phone_numbers_are_normalised_to_e164(typed, region, e164):
    assert f.normalise_phone(typed, region) == e164


@pytest.mark.parametrize(("typed", "region", "message"), [
    ("", None, "Phone is required"),
    ("138 0013 8000", None, "needs its country code"),
    ("+86 123", None, "not a valid number"),
    ("call me", "CN", "not a phone number"),
])
def test_bad_phone_numbers_say_what_is_accepted(typed, region, message):
    with pytest.raises(f.FieldError, match=message) as info:
        f.normalise_phone(typed, region)
    assert "+86 138 0013 8000" in str(info.value)


def test_email_is_normalised_and_bad_ones_explained():
    assert f.normalise_email("  Admin@Example.COM ") == "Admin@example.com"
    for bad in ("admin", "admin@", "a b@example.com"):
        with pytest.raises(f.FieldError, match="admin@example.com"):
            f.normalise_email(bad)
    with pytest.raises(f.FieldError, match="required"):
        f.normalise_email(" ")


@pytest.mark.parametrize(("typed", "code"), [("CN", "CN"), ("china", "CN"), ("DEU", "DE"), ("Germany", "DE")])
def test_countries_by_code_or_name(typed, code):
    assert f.normalise_country(typed) == code


def test_unknown_country_suggests_codes():
    with pytest.raises(f.FieldError, match="ISO code such as CN"):
        f.normalise_country("Atlantis")


@pytest.mark.parametrize(("country", "typed", "code"), [
    ("CN", "CN-ZJ", "CN-ZJ"), ("CN", "zj", "CN-ZJ"), ("CN", "Zhejiang", "CN-ZJ"), ("US", "California", "US-CA"),
])
def test_provinces_by_code_suffix_or_name(country, typed, code):
    assert f.normalise_province(country, typed) == code


def test_unknown_province_gives_examples_and_countries_without_subdivisions_take_text():
    with pytest.raises(f.FieldError, match="choose from the list, e.g."):
        f.normalise_province("CN", "Bavaria")
    assert f.normalise_province("VA", "Vatican City") == "Vatican City"


def test_subdivision_choices_are_top_level_only():
    gb = f.subdivisions("GB")
    assert {c.code for c in gb} >= {"GB-ENG", "GB-SCT"}
    assert all(c.code.startswith("GB-") for c in gb) and len(gb) < 10
    assert f.subdivisions("VA") == ()
    assert any(c.code == "CN" for c in f.countries())


def test_identifiers_are_compacted_and_checked():
    assert f.normalise_id_number("11010519491231002x") == "11010519491231002X"
    assert f.normalise_organization_id("9135 0100 M000 100Y43") == "91350100M000100Y43"
    assert f.normalise_zip_code("sw1a 1aa") == "SW1A1AA"
    with pytest.raises(f.FieldError, match="letters, digits"):
        f.normalise_id_number("1101;DROP")
    with pytest.raises(f.FieldError, match="5 to 32 characters"):
        f.normalise_id_number("12")


def test_free_text_rejects_control_characters_and_keeps_brackets():
    assert f.normalise_company_name("ACME [Holdings]  Ltd") == "ACME [Holdings] Ltd"
    with pytest.raises(f.FieldError, match="U\\+001B"):
        f.normalise_company_name("Evil\x1b]0;pwned\x07 Corp")
    with pytest.raises(f.FieldError, match="U\\+202E"):
        f.normalise_person_name("Bob\u202egnp.exe")


def test_company_type_by_value_or_label():
    assert f.normalise_company_type("Private enterprise") is CompanyType.PRIVATE
    assert f.normalise_company_type("government") is CompanyType.GOVERNMENT
    with pytest.raises(f.FieldError, match="choose one of private"):
        f.normalise_company_type("")

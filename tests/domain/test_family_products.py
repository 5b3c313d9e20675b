"""Products of an authority family (an ACME account): ids that name the account, resolved from the id alone."""

from __future__ import annotations

import pytest

from certwizard.domain.products import (
    CATALOG,
    FAMILY_OFFERS,
    DomainType,
    UnknownProductError,
    get_product,
    is_product,
    products_of,
)
from certwizard.domain.validation_methods import WILDCARD_NEEDS_DNS, method_problem


def test_an_account_offers_the_family_products_under_ids_naming_it():
    offered = products_of("acme:letsencrypt")
    assert [p.id for p in offered] == [f"acme:letsencrypt:{offer}" for offer in FAMILY_OFFERS["acme"]]
    assert {p.authority for p in offered} == {"acme:letsencrypt"}
    multi = get_product("acme:letsencrypt:dv-multi-wildcard")
    assert multi.domain_type is DomainType.MULTI_WILDCARD and multi.max_domains == 100
    assert not multi.needs_applicant and multi.validity_set_by_authority and multi.brand == "ACME (letsencrypt)"
    assert multi.name == "ACME DV · letsencrypt"      # two accounts' rows differ; the type is its own column
    assert get_product("acme:letsencrypt:dv-multi") is get_product("acme:letsencrypt:dv-multi")   # cached
    assert all(p.needs_applicant and not p.validity_set_by_authority for p in CATALOG.values())


@pytest.mark.parametrize("product_id", ["acme:Bad:dv-multi", "acme:le:ov-multi", "nope:le:dv-multi",
                                        "acme::dv-multi", "acme:le", "acme:le:dv-multi:x", 42, None])
def test_ids_that_name_no_offer_are_unknown(product_id):
    assert not is_product(product_id)
    if isinstance(product_id, str):
        with pytest.raises(UnknownProductError, match="acme:ACCOUNT:dv-single"):
            get_product(product_id)


def test_the_catalog_is_unchanged_and_known():
    assert all(is_product(pid) for pid in CATALOG)
    assert products_of("sandbox") == tuple(CATALOG.values())


def test_a_wildcard_can_be_proven_only_by_dns():
    assert method_problem("http", ["*.example.com", "example.com"]) == WILDCARD_NEEDS_DNS
    assert method_problem("dns", ["*.example.com"]) is None
    assert method_problem("http", ["www.example.com"]) is None
    assert method_problem("http", None) is None
    assert "dns or http" in method_problem("ftp", ["a.example.com"])


def test_an_imported_alibaba_product_is_spelled_out_in_its_id_and_read_back():
    from certwizard.domain.products import ValidationLevel, alibaba_offer_id

    offer = alibaba_offer_id("DigiCert", ValidationLevel.OV, DomainType.MULTI_WILDCARD, 5)
    assert offer == "digicert-ov-mwild-5"
    product = get_product(f"alibaba:main:{offer}")
    assert (product.level, product.domain_type, product.max_domains) == (ValidationLevel.OV,
                                                                          DomainType.MULTI_WILDCARD, 5)
    assert product.brand == "DigiCert (main)" and product.authority == "alibaba:main" and product.needs_applicant
    assert get_product("alibaba:main:geotrust-dv-wildcard").max_domains == 1
    assert products_of("alibaba:main") == ()        # what an account has comes from its import
    for impossible in ("cfca-ev-mwild-3", "vtrus-dv-single-2", "digicert-dv-multi-1", "x-dv-single",
                       "digicert-ov-multi"):
        assert not is_product(f"alibaba:main:{impossible}"), impossible

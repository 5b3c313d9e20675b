"""The product of certificates imported without one: resolvable from its id like any product (the order index
decodes it), offered by no authority, and named as what it is."""

from __future__ import annotations

import pytest

from certwizard.ca.base import AuthorityError
from certwizard.ca.registry import authority_class
from certwizard.domain.products import (
    CATALOG,
    IMPORTED,
    IMPORTED_AUTHORITY,
    get_product,
    is_product,
    products_of,
)


def test_the_imported_product_resolves_but_is_offered_by_no_authority():
    assert get_product("imported") is IMPORTED and is_product("imported")
    assert "imported" not in CATALOG and products_of(IMPORTED_AUTHORITY) == ()
    assert IMPORTED.certificate_type == "imported" and not IMPORTED.needs_applicant
    assert IMPORTED.allows_wildcards and IMPORTED.allows_ip


def test_its_authority_is_refused_with_how_to_make_the_certificate_renewable():
    with pytest.raises(AuthorityError, match="imported without a product.*--product ID"):
        authority_class(IMPORTED_AUTHORITY)


def test_other_products_keep_their_type_words():
    assert get_product("ov-wildcard").certificate_type == "OV wildcard"

"""How a product is worded in the order lists and details (ui/order_words.py)."""

from certwizard.domain.products import get_product
from certwizard.ui.order_words import product_label, product_short


def test_a_product_line_named_after_its_level_is_not_said_twice():
    assert product_label(get_product("acme:pebble:dv-multi-wildcard")) == \
        "ACME DV · multi-domain wildcard · up to 100"
    assert product_label(get_product("acme:pebble:dv-single")) == "ACME DV · single domain"
    assert product_label(get_product("alibaba:main:digicert-dv-single")) == "DigiCert DV · single domain"
    assert product_label(get_product("ov-multi")) == "Business OV · multi-domain · up to 5"


def test_the_short_product_fits_16_characters_without_a_cut_count():
    shorts = {pid: product_short(get_product(pid)) for pid in
              ("ov-multi", "ov-multi-wildcard", "acme:pebble:dv-multi", "acme:pebble:dv-multi-wildcard")}
    assert shorts == {"ov-multi": "OV multi ×5", "ov-multi-wildcard": "OV multi-wild ×5",
                      "acme:pebble:dv-multi": "DV multi ×100", "acme:pebble:dv-multi-wildcard": "DV multi-wild"}
    assert all(len(short) <= 16 for short in shorts.values())

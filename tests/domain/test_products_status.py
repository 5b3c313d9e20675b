from datetime import date

import pytest

from certwizard.domain.products import (
    CATALOG,
    DomainType,
    InvalidProductError,
    KeyAlgorithm,
    Product,
    UnknownProductError,
    ValidationLevel,
    get_product,
    max_validity_days,
)
from certwizard.domain.status import Action, IllegalTransitionError, OrderStatus, allowed_actions, next_status


def test_catalog_covers_every_level_and_domain_type_with_stable_ids():
    combos = {(p.level, p.domain_type) for p in CATALOG.values()}
    for level in ValidationLevel:
        assert any(lv is level for lv, _ in combos), level
    for dtype in DomainType:
        assert any(dt is dtype for _, dt in combos), dtype
    assert all(pid == p.id for pid, p in CATALOG.items())
    assert "dv-single" in CATALOG and "ov-wildcard" in CATALOG


@pytest.mark.parametrize("product", CATALOG.values(), ids=list(CATALOG))
def test_catalog_validity_is_within_todays_cabf_limit(product):
    assert product.validity_days <= max_validity_days(date(2026, 11, 24)) == 200


@pytest.mark.parametrize(("day", "limit"), [
    (date(2026, 3, 14), 398), (date(2026, 3, 15), 200), (date(2027, 3, 15), 100), (date(2029, 3, 15), 47),
])
def test_max_validity_follows_the_baseline_requirements_schedule(day, limit):
    assert max_validity_days(day) == limit


def test_validity_granted_never_exceeds_the_limit_on_the_issuing_day():
    product = get_product("dv-single")
    assert product.validity_on(date(2026, 11, 24)) == product.validity_days
    assert product.validity_on(date(2027, 6, 1)) == 100


def test_professional_means_ov_or_ev():
    assert not get_product("dv-multi").is_professional
    assert get_product("ov-single").is_professional and get_product("ev-single").is_professional


def test_inconsistent_products_are_refused():
    base = dict(id="x-test", name="X", brand="B", level="DV", validity_days=90)
    with pytest.raises(InvalidProductError, match="exactly one name"):
        Product(domain_type="single", max_domains=3, **base)
    with pytest.raises(InvalidProductError, match="at least two"):
        Product(domain_type="multi", max_domains=1, **base)
    with pytest.raises(InvalidProductError, match="EV certificates cannot contain wildcard"):
        Product(**{**base, "level": "EV"}, domain_type="wildcard", max_domains=1)
    with pytest.raises(InvalidProductError, match="id 'X' must be.*validity_days 900 must be from 1 to 398"):
        Product(**{**base, "id": "X", "validity_days": 900}, domain_type="single", max_domains=1)
    assert Product(domain_type="multi", max_domains=2, **base).level is ValidationLevel.DV


def test_unknown_product_lists_valid_ids():
    with pytest.raises(UnknownProductError) as info:
        get_product("gold")
    assert "dv-single" in str(info.value) and "'gold'" in str(info.value)


def test_key_algorithm_sizes():
    assert KeyAlgorithm.RSA_3072.size == 3072 and KeyAlgorithm.EC_P384.size == 384
    assert KeyAlgorithm.RSA_2048.is_rsa and not KeyAlgorithm.EC_P256.is_rsa


def test_happy_path_through_the_lifecycle():
    status = OrderStatus.PENDING_APPLICATION
    for action in (Action.START, Action.SUBMIT_FOR_DOMAIN_VERIFICATION, Action.DOMAIN_VERIFIED, Action.ISSUE,
                   Action.EXPIRE):
        status = next_status(status, action)
    assert status is OrderStatus.EXPIRED


@pytest.mark.parametrize("status", [OrderStatus.DOMAIN_VERIFICATION, OrderStatus.UNDER_REVIEW,
                                    OrderStatus.REVIEW_FAILED])
def test_withdraw_before_issuance_returns_to_draft(status):
    assert next_status(status, Action.WITHDRAW) is OrderStatus.DRAFT


def test_withdraw_after_issuance_is_refused_with_the_reason():
    with pytest.raises(IllegalTransitionError, match="already issued"):
        next_status(OrderStatus.ISSUED, Action.WITHDRAW)


def test_other_illegal_transitions_name_what_is_possible():
    with pytest.raises(IllegalTransitionError, match=r"pending application cannot be issued "
                                                     r"\(possible now: start the application\)"):
        next_status(OrderStatus.PENDING_APPLICATION, Action.ISSUE)
    assert Action.WITHDRAW not in allowed_actions(OrderStatus.ISSUED)


def test_unissued_statuses():
    assert {s for s in OrderStatus if s.is_unissued} == {
        OrderStatus.DOMAIN_VERIFICATION, OrderStatus.UNDER_REVIEW, OrderStatus.REVIEW_FAILED}

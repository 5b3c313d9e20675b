"""When renewal is due and how an issued certificate stands, at pinned clocks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from certwizard.domain.expiry import (
    RenewalSource,
    current_status,
    days_left,
    days_left_words,
    renewal_due,
)
from certwizard.domain.status import Action, IllegalTransitionError, OrderStatus, next_status

START = datetime(2027, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize("lifetime_days, due_after_days", [(90, 60), (47, 47 * 2 / 3), (398, 398 * 2 / 3)])
def test_renewal_is_due_at_two_thirds_of_the_lifetime(lifetime_days: int, due_after_days: float) -> None:
    due = renewal_due(START, START + timedelta(days=lifetime_days))
    assert due.source is RenewalSource.LIFETIME
    assert abs((due.at - START) - timedelta(days=due_after_days)) < timedelta(seconds=1)


def test_the_authoritys_hint_wins_but_never_after_the_end() -> None:
    end = START + timedelta(days=90)
    hinted = renewal_due(START, end, START + timedelta(days=30), RenewalSource.ARI)
    assert hinted == (START + timedelta(days=30), RenewalSource.ARI)
    late = renewal_due(START, end, end + timedelta(days=5), RenewalSource.SERVICE)
    assert late.at == end and late.source is RenewalSource.SERVICE


def test_an_issued_certificate_becomes_expiring_soon_then_expired_with_the_clock() -> None:
    end = START + timedelta(days=90)
    due = renewal_due(START, end).at
    assert current_status(OrderStatus.ISSUED, end, due, due - timedelta(seconds=1)) is OrderStatus.ISSUED
    assert current_status(OrderStatus.ISSUED, end, due, due) is OrderStatus.EXPIRING_SOON
    assert current_status(OrderStatus.ISSUED, end, due, end) is OrderStatus.EXPIRED
    # Other statuses are what they are, whatever the clock says.
    for status in (OrderStatus.REVOKED, OrderStatus.RENEWED, OrderStatus.UNDER_REVIEW):
        assert current_status(status, end, due, end + timedelta(days=1)) is status


def test_days_left_counts_whole_days_and_says_when_it_ended() -> None:
    end = START + timedelta(days=10, hours=5)
    assert days_left(end, START) == 10
    assert days_left_words(end, START) == "10 d left"
    assert days_left_words(end, end - timedelta(hours=1)) == "ends today"
    assert days_left_words(end, end + timedelta(hours=1)) == "expired today"
    assert days_left_words(end, end + timedelta(days=3, hours=1)) == "expired 3 d ago"
    assert days_left_words(end, end + timedelta(days=3)) == "expired 3 d ago"       # exactly three days


def test_a_renewed_certificate_can_still_be_revoked_but_never_withdrawn() -> None:
    assert next_status(OrderStatus.ISSUED, Action.REPLACE) is OrderStatus.RENEWED
    assert next_status(OrderStatus.RENEWED, Action.REVOKE) is OrderStatus.REVOKED
    with pytest.raises(IllegalTransitionError, match="renewed"):
        next_status(OrderStatus.RENEWED, Action.WITHDRAW)
    assert all(status.has_certificate for status in (OrderStatus.EXPIRING_SOON, OrderStatus.RENEWED))

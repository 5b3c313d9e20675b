"""One status vocabulary for every certificate authority, and the only legal ways to move between statuses."""

from __future__ import annotations

from enum import StrEnum

from certwizard.errors import CertwizardError


class OrderStatus(StrEnum):
    PENDING_APPLICATION = "pending-application"
    DRAFT = "draft"
    DOMAIN_VERIFICATION = "domain-verification"
    UNDER_REVIEW = "under-review"
    REVIEW_FAILED = "review-failed"
    ISSUED = "issued"
    EXPIRING_SOON = "expiring-soon"    # issued, renewal due: shown from the clock, never stored
    EXPIRED = "expired"                # shown from the clock; also what an authority may report
    RENEWED = "renewed"                # issued, and replaced by the renewal that followed it
    REVOKED = "revoked"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def is_submitted(self) -> bool:
        """Waiting on the certificate authority."""
        return self in _SUBMITTED

    @property
    def is_unissued(self) -> bool:
        """Shown in the Unissued Certificates table: submitted or failed, not yet issued."""
        return self in _UNISSUED

    @property
    def has_certificate(self) -> bool:
        """Issued at some point: shown with the issued certificates (valid, expiring, expired, renewed, revoked)."""
        return self in _CERTIFIED

    @property
    def is_editable(self) -> bool:
        """The application can be changed only before it is submitted (or after a withdraw)."""
        return self in _EDITABLE


# Sets, not tuples built per call: these are asked once per order whenever a list of 10,000 is filtered.
_SUBMITTED = frozenset({OrderStatus.DOMAIN_VERIFICATION, OrderStatus.UNDER_REVIEW})
_UNISSUED = _SUBMITTED | {OrderStatus.REVIEW_FAILED}
_CERTIFIED = frozenset({OrderStatus.ISSUED, OrderStatus.EXPIRING_SOON, OrderStatus.EXPIRED, OrderStatus.RENEWED,
                        OrderStatus.REVOKED})
_EDITABLE = frozenset({OrderStatus.PENDING_APPLICATION, OrderStatus.DRAFT})

_LABELS = {
    OrderStatus.PENDING_APPLICATION: "Pending application",
    OrderStatus.DRAFT: "Draft",
    OrderStatus.DOMAIN_VERIFICATION: "Domain verification",
    OrderStatus.UNDER_REVIEW: "Under review",
    OrderStatus.REVIEW_FAILED: "Review failed",
    OrderStatus.ISSUED: "Issued",
    OrderStatus.EXPIRING_SOON: "Expiring soon",
    OrderStatus.EXPIRED: "Expired",
    OrderStatus.RENEWED: "Renewed",
    OrderStatus.REVOKED: "Revoked",
}


class Action(StrEnum):
    START = "start"                    # open the application for a purchased certificate
    SUBMIT_FOR_DOMAIN_VERIFICATION = "submit-dv"
    SUBMIT_FOR_REVIEW = "submit-review"
    DOMAIN_VERIFIED = "domain-verified"
    FAIL = "fail"
    ISSUE = "issue"
    WITHDRAW = "withdraw"              # back to draft, everything kept
    EXPIRE = "expire"
    REPLACE = "replace"                # its renewal was issued
    REVOKE = "revoke"

    @property
    def description(self) -> str:
        """What the action does, in the user's words (for refusals such as 'possible now: ...')."""
        return _ACTION_WORDS[self][0]

    @property
    def past_participle(self) -> str:
        return _ACTION_WORDS[self][1]


_ACTION_WORDS = {
    Action.START: ("start the application", "started"),
    Action.SUBMIT_FOR_DOMAIN_VERIFICATION: ("submit the application", "submitted"),
    Action.SUBMIT_FOR_REVIEW: ("submit the application", "submitted"),
    Action.DOMAIN_VERIFIED: ("confirm the domain verification", "confirmed as domain-verified"),
    Action.FAIL: ("fail the review", "failed"),
    Action.ISSUE: ("issue the certificate", "issued"),
    Action.WITHDRAW: ("withdraw the application", "withdrawn"),
    Action.EXPIRE: ("expire the certificate", "expired"),
    Action.REPLACE: ("replace it by its renewal", "replaced by its renewal"),
    Action.REVOKE: ("revoke the certificate", "revoked"),
}


S = OrderStatus
TRANSITIONS: dict[tuple[OrderStatus, Action], OrderStatus] = {
    (S.PENDING_APPLICATION, Action.START): S.DRAFT,
    (S.DRAFT, Action.SUBMIT_FOR_DOMAIN_VERIFICATION): S.DOMAIN_VERIFICATION,
    (S.DRAFT, Action.SUBMIT_FOR_REVIEW): S.UNDER_REVIEW,
    (S.DOMAIN_VERIFICATION, Action.DOMAIN_VERIFIED): S.UNDER_REVIEW,
    (S.DOMAIN_VERIFICATION, Action.FAIL): S.REVIEW_FAILED,
    (S.UNDER_REVIEW, Action.FAIL): S.REVIEW_FAILED,
    (S.UNDER_REVIEW, Action.ISSUE): S.ISSUED,
    (S.DOMAIN_VERIFICATION, Action.WITHDRAW): S.DRAFT,
    (S.UNDER_REVIEW, Action.WITHDRAW): S.DRAFT,
    (S.REVIEW_FAILED, Action.WITHDRAW): S.DRAFT,
    (S.ISSUED, Action.EXPIRE): S.EXPIRED,
    (S.ISSUED, Action.REVOKE): S.REVOKED,
    (S.ISSUED, Action.REPLACE): S.RENEWED,
    (S.EXPIRED, Action.REPLACE): S.RENEWED,      # an authority said expired; renewed all the same
    (S.RENEWED, Action.REVOKE): S.REVOKED,       # e.g. superseded, once the renewal is installed
}

_REFUSALS: dict[tuple[OrderStatus, Action], str] = {
    (S.ISSUED, Action.WITHDRAW): "the certificate is already issued and can no longer be withdrawn; "
                                 "to stop using it, revoke it",
    (S.EXPIRED, Action.WITHDRAW): "the certificate was issued and has expired; there is nothing to withdraw",
    (S.REVOKED, Action.WITHDRAW): "the certificate was issued and then revoked; there is nothing to withdraw",
    (S.RENEWED, Action.WITHDRAW): "the certificate was issued and then renewed; there is nothing to withdraw",
    (S.PENDING_APPLICATION, Action.WITHDRAW): "nothing has been submitted yet, so there is nothing to withdraw",
    (S.DRAFT, Action.WITHDRAW): "the application is a draft that has not been submitted; edit it directly",
}


class IllegalTransitionError(CertwizardError, ValueError):
    def __init__(self, status: OrderStatus, action: Action, reason: str) -> None:
        self.status = status
        self.action = action
        super().__init__(reason)


def allowed_actions(status: OrderStatus) -> list[Action]:
    return [action for (source, action) in TRANSITIONS if source is status]


def next_status(status: OrderStatus, action: Action) -> OrderStatus:
    """The status after `action`, or IllegalTransitionError saying why it is not possible now."""
    try:
        return TRANSITIONS[(status, action)]
    except KeyError:
        pass
    reason = _REFUSALS.get((status, action))
    if reason is None:
        possible = ", ".join(a.description for a in allowed_actions(status)) or "nothing"
        reason = (f"an order that is {status.label.lower()} cannot be {action.past_participle} "
                  f"(possible now: {possible})")
    raise IllegalTransitionError(status, action, reason)

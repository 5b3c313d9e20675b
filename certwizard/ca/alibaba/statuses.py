"""Alibaba Cloud's certificate states in certwizard's statuses (the README has the same table).

V2 instances (ListInstances / GetInstanceDetail `Status`):

| Status     | order status                                   | note                                        |
|------------|------------------------------------------------|---------------------------------------------|
| inactive   | pending application                            | bought, not applied for (or withdrawn)      |
| inactive + PendingResult after a submission | review failed | the CA's reason is PendingResult            |
| pending    | domain verification, then under review         | under review once the record was confirmed  |
| normal     | issued                                         |                                             |
| willExpire | issued                                         | expiring soon (renewal: issue 15)           |
| expired    | expired                                        |                                             |
| refund     | revoked                                        | refunded: the certificate is no longer valid |
| closed     | revoked                                        | closed in the console                       |
"""

from __future__ import annotations

from typing import Any

from certwizard.domain.status import OrderStatus

V2_STATUS: dict[str, OrderStatus] = {
    "inactive": OrderStatus.PENDING_APPLICATION,
    "pending": OrderStatus.DOMAIN_VERIFICATION,
    "normal": OrderStatus.ISSUED,
    "willExpire": OrderStatus.ISSUED,
    "expired": OrderStatus.EXPIRED,
    "refund": OrderStatus.REVOKED,
    "closed": OrderStatus.REVOKED,
}
_NO_NEWS = {"", "issued", "none", "null"}
# Said with the status where the order status alone does not say what Alibaba Cloud means.
STATUS_NOTES = {
    "willExpire": "Alibaba Cloud says it expires soon (willExpire): renew it",
    "refund": "refunded at Alibaba Cloud: the certificate is no longer valid",
    "closed": "closed in the Alibaba Cloud console: the certificate is no longer valid",
}


def instance_status(body: dict[str, Any], *, confirmed: bool = False, submitted: bool = True) -> OrderStatus:
    """The order status an instance's detail means. `confirmed`: the user said the record is published;
    `submitted`: certwizard applied for it (an inactive instance with a reason is then a failed review)."""
    status = str(body.get("Status") or "")
    if str(body.get("CertificateStatus") or "") == "revoked":
        return OrderStatus.REVOKED            # Status may still say normal: the certificate's own state wins
    found = V2_STATUS.get(status)
    if found is None:
        raise ValueError(f"Alibaba Cloud reported the instance status {status!r}, which certwizard does not know")
    if found is OrderStatus.PENDING_APPLICATION and submitted:
        reason = str(body.get("PendingResult") or "").strip()
        return OrderStatus.REVIEW_FAILED if reason.lower() not in _NO_NEWS else OrderStatus.DRAFT
    if found is OrderStatus.DOMAIN_VERIFICATION and (confirmed or not body.get("DomainValidationList")):
        return OrderStatus.UNDER_REVIEW
    return found

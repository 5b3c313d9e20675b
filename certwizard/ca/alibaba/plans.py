"""V1 resource-plan orders (certificates bought as a plan, before SSL Certificate Management 2.0).

A plan is a count of unused certificates per ProductCode, not one record per certificate: an order imported
from it is named `v1plan:CODE#N` until it is applied for, when CreateCertificateForPackageRequest gives the
application's own OrderId (`v1:ORDERID`). Withdrawing (CancelOrderRequest) gives the certificate back to the
plan. DescribeCertificateState follows the application: payed, domain_verify, process, verify_fail,
certificate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from certwizard.domain.status import OrderStatus

if TYPE_CHECKING:
    from certwizard.domain.models import DomainValidation

PLAN_PREFIX = "v1plan:"
ORDER_PREFIX = "v1:"

# DescribeCertificateState `Type` -> order status
STATE_TYPE = {
    "payed": OrderStatus.DRAFT,                     # withdrawn: the certificate is back in the plan
    "domain_verify": OrderStatus.DOMAIN_VERIFICATION,
    "process": OrderStatus.UNDER_REVIEW,
    "verify_fail": OrderStatus.REVIEW_FAILED,
    "certificate": OrderStatus.ISSUED,
}
# ListUserCertificateOrder `Status` of an order applied for outside certwizard -> its status when imported
LISTED_STATUS = {
    "CHECKING": OrderStatus.UNDER_REVIEW,
    "CHECKED_FAIL": OrderStatus.REVIEW_FAILED,
    "ISSUED": OrderStatus.ISSUED,
    "WILLEXPIRED": OrderStatus.ISSUED,
    "EXPIRED": OrderStatus.EXPIRED,
    "REVOKED": OrderStatus.REVOKED,
}


def plan_ref(product_code: str, number: int) -> str:
    return f"{PLAN_PREFIX}{product_code}#{number}"


def plan_code(ref: str) -> str | None:
    return ref[len(PLAN_PREFIX):].rpartition("#")[0] or None if ref.startswith(PLAN_PREFIX) else None


def order_id(ref: str) -> int | None:
    text = ref[len(ORDER_PREFIX):] if ref.startswith(ORDER_PREFIX) else ""
    return int(text) if text.isdigit() else None


def listed_domain_type(row: dict[str, Any]) -> tuple[int, int]:
    """(plain names, wildcard names) a listed plan order covers, as ListInstances' counts are given."""
    kind = str(row.get("DomainType") or "ONE").upper()
    count, wild = int(row.get("DomainCount") or 1), int(row.get("WildDomainCount") or 0)
    return {"ONE": (1, 0), "MULTIPLE": (count, 0), "WILDCARD": (0, 1),
            "M_WILDCARD": (0, max(wild, count, 2)), "MIX": (count, max(wild, 1))}.get(kind, (count, wild))


def validation_of(state: dict[str, Any], domains: list[str]) -> DomainValidation:
    """The one record or file DescribeCertificateState asks for (the first domain's, as the service does)."""
    from certwizard.domain.domains import registered_domain
    from certwizard.domain.models import DomainValidation

    domain = str(state.get("Domain") or (domains[0] if domains else ""))
    if str(state.get("ValidateType") or "").upper() == "FILE":
        path = str(state.get("Uri") or "")
        host = domain.removeprefix("*.")
        return DomainValidation(domain=domain, dns_name="", dns_type="TXT", dns_value="",
                                file_url=f"http://{host}{path}", file_path=path,
                                file_content=str(state.get("Content") or ""))
    record = str(state.get("RecordDomain") or "")
    root = registered_domain(domain) if domain else ""
    name = record if not root or record == root or record.endswith("." + root) else f"{record}.{root}"
    return DomainValidation(domain=domain, dns_name=name, dns_type=str(state.get("RecordType") or "TXT"),
                            dns_value=str(state.get("RecordValue") or ""), file_url="", file_path="",
                            file_content="")

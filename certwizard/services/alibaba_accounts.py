"""Alibaba Cloud accounts of a data folder, and the import of their purchased certificates as orders.

An account record holds a name, a region and at most the name of an aliyun CLI profile: never an AccessKey.
`sync` brings every V2 instance of the account into the order list with the product that was bought (so the
Enter Application form applies its rules). It is safe to run any number of times: an instance already
imported is left as it is (its status is refresh's business), and one that is gone from the account is
flagged on its order, never deleted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from certwizard.ca.alibaba.accounts import (
    DEFAULT_REGION,
    NAME,
    SETTING,
    AlibabaAccountRecord,
    accounts,
    find_account,
)
from certwizard.domain.status import OrderStatus
from certwizard.errors import CertwizardError

if TYPE_CHECKING:
    from certwizard.ca.alibaba.authority import AlibabaAuthority
    from certwizard.storage.repository import Repository

PAGE_SIZE = 50
MAX_PAGES = 2000                # 100,000 instances: a bound on a service that keeps answering
GONE = "no longer in the Alibaba Cloud account"
KEY_ELSEWHERE = "imported: applied for outside certwizard, so its private key is not on this server"


class AlibabaAccountError(CertwizardError):
    """An account could not be added, removed or synced; the message says what to do."""


def add_account(repository: Repository, name: str, *, region: str = DEFAULT_REGION, profile: str | None = None,
                check: Callable[[AlibabaAccountRecord], None] | None = None) -> AlibabaAccountRecord:
    """Record the account; `check(record)` (one read-only call) proves the credentials first."""
    if not NAME.match(name):
        raise AlibabaAccountError(f"{name!r} cannot name an account: use 1-32 lower-case letters, digits and "
                                  "hyphens (e.g. main, prod-cn)")
    if find_account(repository, name) is not None:
        raise AlibabaAccountError(f"an Alibaba Cloud account named {name!r} exists already; remove it first "
                                  f"(certwizard alibaba remove {name}) or choose another name")
    record = AlibabaAccountRecord(name=name, region=region, profile=profile or None,
                                  created_at=datetime.now(UTC).isoformat(timespec="seconds"))
    if check is not None:
        check(record)
    repository.update_setting(SETTING, lambda stored: {**(stored or {}), name: asdict(record)}, {})
    return record


def remove_account(repository: Repository, name: str, open_orders: Callable[[str], list[str]]
                   ) -> AlibabaAccountRecord:
    record = find_account(repository, name)
    if record is None:
        known = ", ".join(r.name for r in accounts(repository)) or "none"
        raise AlibabaAccountError(f"no Alibaba Cloud account is named {name!r} (accounts: {known})")
    using = open_orders(record.authority)
    if using:
        raise AlibabaAccountError(f"{len(using)} open order(s) come from the account {name!r} "
                                  f"({', '.join(using[:5])}); withdraw or finish them first")
    repository.update_setting(SETTING, lambda stored: {k: v for k, v in (stored or {}).items() if k != name}, {})
    return record


@dataclass
class SyncReport:
    account: str
    added: list[str] = field(default_factory=list)        # new order ids
    flagged: list[str] = field(default_factory=list)      # orders whose instance is gone from the account
    unchanged: int = 0
    plans: dict[str, dict[str, int]] = field(default_factory=dict)   # V1 ProductCode -> {total, used, unused}
    request_ids: list[str] = field(default_factory=list)
    dry_run: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def product_for(authority: str, row: dict[str, Any]) -> str:
    """The product id of an instance: its brand, level and domain counts, as the account bought them."""
    from certwizard.domain.products import DomainType, ValidationLevel, alibaba_offer_id

    level_text = str(row.get("CertificateType") or "DV").upper()
    level = ValidationLevel(level_text) if level_text in ValidationLevel.__members__ else ValidationLevel.DV
    full, wild = int(row.get("FullDomainCount") or 0), int(row.get("WildcardDomainCount") or 0)
    if wild and (full or wild > 1):
        domain_type, names = DomainType.MULTI_WILDCARD, full + wild
    elif wild:
        domain_type, names = DomainType.WILDCARD, 1
    elif full > 1:
        domain_type, names = DomainType.MULTI, full
    else:
        domain_type, names = DomainType.SINGLE, 1
    return f"{authority}:{alibaba_offer_id(str(row.get('Brand') or 'other'), level, domain_type, names)}"


def list_instances(authority: AlibabaAuthority, report: SyncReport) -> list[dict[str, Any]]:
    """Every V2 instance of the account, every page."""
    return _every_page(authority, report, "ListInstances", "InstanceList")


def list_plan_orders(authority: AlibabaAuthority, report: SyncReport) -> list[dict[str, Any]]:
    """Every V1 resource-plan order of the account, every page."""
    return _every_page(authority, report, "ListUserCertificateOrder", "CertificateOrderList", OrderType="CPACK")


def _every_page(authority: AlibabaAuthority, report: SyncReport, action: str, rows_field: str,
                **params: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for page in range(1, MAX_PAGES + 1):
        answer = authority.api.call(action, CurrentPage=page, ShowSize=PAGE_SIZE, **params)
        report.request_ids.append(answer.request_id)
        found = answer.body.get(rows_field) or []
        rows.extend(found)
        if not found or len(rows) >= int(answer.body.get("TotalCount") or 0):
            return rows
    raise AlibabaAccountError(f"the account lists more than {MAX_PAGES * PAGE_SIZE} certificates; stopped there")


def plan_product_for(authority: str, row: dict[str, Any]) -> str:
    """The product id of a V1 plan order, from its brand, level and domain counts."""
    from certwizard.ca.alibaba.plans import listed_domain_type

    full, wild = listed_domain_type(row)
    return product_for(authority, {"Brand": row.get("RootBrand"), "CertificateType": row.get("CertType"),
                                   "FullDomainCount": full, "WildcardDomainCount": wild})


def sync(repository: Repository, authority: AlibabaAuthority, *, dry_run: bool = False) -> SyncReport:
    from certwizard.ca.alibaba.statuses import instance_status
    from certwizard.domain.models import Order
    from certwizard.domain.products import is_product

    report = SyncReport(authority.record.name, dry_run=dry_run)
    rows = list_instances(authority, report)
    known = {s.authority_ref: s for s in repository.order_summaries() if s.authority == authority.name}
    seen: set[str] = set()
    new: list[Order] = []
    now = datetime.now(UTC)
    for row in rows:
        instance_id = str(row.get("InstanceId") or "")
        if not instance_id or instance_id in seen:
            continue
        seen.add(instance_id)
        if instance_id in known:
            report.unchanged += 1
            continue
        product_id = product_for(authority.name, row)
        if not is_product(product_id):
            continue            # a product certwizard cannot apply for (e.g. an EV wildcard): not imported
        try:
            status = instance_status(row, submitted=False)
        except ValueError as exc:
            from certwizard.ca.base import AuthorityError

            raise AuthorityError(f"{exc} (instance {instance_id}); upgrade certwizard") from None
        order = Order(product_id=product_id, authority=authority.name, authority_ref=instance_id,
                      purchased_at=_time(row.get("InstanceStartTime") or row.get("OrderStartTime")) or now,
                      status=status, updated_at=now,
                      status_reason="" if status is OrderStatus.PENDING_APPLICATION else KEY_ELSEWHERE)
        if status in (OrderStatus.ISSUED, OrderStatus.EXPIRED) and row.get("CertificateId") and not dry_run:
            order.certificate, request_id = authority.certificate(row["CertificateId"])
            report.request_ids.append(request_id)
        new.append(order)
        report.added.append(order.id)
    seen |= _sync_plans(authority, report, known, new, now, dry_run)
    gone = [s for ref, s in known.items() if ref not in seen and not s.status_reason.startswith(GONE)]
    report.flagged = [s.id for s in gone]
    if dry_run:
        return report
    if new:
        repository.insert_orders(new)
    for summary in gone:
        def flag(order: Order) -> Order:
            order.status_reason = f"{GONE} (seen by sync on {now:%Y-%m-%d})"
            return order
        repository.update_order(summary.id, flag)
    return report


def _sync_plans(authority: AlibabaAuthority, report: SyncReport, known: dict[str, Any], new: list[Any],
                now: datetime, dry_run: bool) -> set[str]:
    """V1 plans: as many unapplied orders here per ProductCode as the plan has unused certificates, and the
    plan's applications made elsewhere; returns the refs still in the account."""
    from certwizard.ca.alibaba import plans
    from certwizard.domain.models import Order
    from certwizard.domain.products import is_product

    rows = list_plan_orders(authority, report)
    still: set[str] = set()
    unused: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        code, status = str(row.get("ProductCode") or ""), str(row.get("Status") or "")
        if status == "PAYED":
            unused.setdefault(code, []).append(row)
            continue
        ref = f"{plans.ORDER_PREFIX}{row.get('OrderId')}"
        still.add(ref)
        listed = plans.LISTED_STATUS.get(status)
        if ref in known or listed is None or not is_product(product_id := plan_product_for(authority.name, row)):
            report.unchanged += ref in known
            continue
        order = Order(product_id=product_id, authority=authority.name, authority_ref=ref, status=listed,
                      purchased_at=_time(row.get("BuyDate")) or now, updated_at=now, status_reason=KEY_ELSEWHERE)
        if listed is OrderStatus.ISSUED and row.get("CertificateId") and not dry_run:
            order.certificate, request_id = authority.certificate(row["CertificateId"])
            report.request_ids.append(request_id)
        new.append(order)
        report.added.append(order.id)
    editable = [(ref, s) for ref, s in known.items() if s.status.is_editable and authority.plan_code_of(ref)]
    for code, rows_unused in unused.items():
        here = [(ref, s) for ref, s in editable if authority.plan_code_of(ref) == code]
        taken = {int(ref.rpartition("#")[2]) for ref, _ in here if ref.startswith(plans.PLAN_PREFIX)
                 and ref.rpartition("#")[2].isdigit()}
        still.update(ref for ref, _ in here[:len(rows_unused)])
        report.unchanged += min(len(here), len(rows_unused))
        numbers = (n for n in range(1, 10**6) if n not in taken)
        for row in rows_unused[len(here):]:
            product_id = plan_product_for(authority.name, row)
            if not is_product(product_id):
                continue
            order = Order(product_id=product_id, authority=authority.name, authority_ref=plans.plan_ref(
                code, next(numbers)), purchased_at=_time(row.get("BuyDate")) or now, updated_at=now)
            new.append(order)
            report.added.append(order.id)
        if not dry_run:
            state = authority.api.call("DescribePackageState", ProductCode=code)
            report.request_ids.append(state.request_id)
            total, used = int(state.body.get("TotalCount") or 0), int(state.body.get("UsedCount") or 0)
            report.plans[code] = {"total": total, "used": used, "unused": total - used}
    return still


def _time(value: Any) -> datetime | None:
    """The service's times are milliseconds since the epoch."""
    try:
        return datetime.fromtimestamp(int(value) / 1000, UTC) if value else None
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def sync_every_account(repository: Repository, authority_for: Callable[[str], Any]
                       ) -> tuple[list[SyncReport], dict[str, str]]:
    """Sync each Alibaba Cloud account (the TUI does at start and on refresh): the reports, and for each
    account that could not be synced, why (the others are still synced)."""
    reports: list[SyncReport] = []
    failures: dict[str, str] = {}
    for record in accounts(repository):
        try:
            reports.append(sync(repository, authority_for(record.authority)))
        except CertwizardError as exc:           # AuthorityError, AlibabaAccountError...
            failures[record.authority] = str(exc)
    return reports, failures

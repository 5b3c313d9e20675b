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
    """Every instance of the account, every page."""
    rows: list[dict[str, Any]] = []
    for page in range(1, MAX_PAGES + 1):
        answer = authority.api.call("ListInstances", CurrentPage=page, ShowSize=PAGE_SIZE)
        report.request_ids.append(answer.request_id)
        found = answer.body.get("InstanceList") or []
        rows.extend(found)
        if not found or len(rows) >= int(answer.body.get("TotalCount") or 0):
            return rows
    raise AlibabaAccountError(f"the account lists more than {MAX_PAGES * PAGE_SIZE} instances; stopped there")


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
        status = instance_status(row, submitted=False)
        order = Order(product_id=product_id, authority=authority.name, authority_ref=instance_id,
                      purchased_at=_time(row.get("InstanceStartTime") or row.get("OrderStartTime")) or now,
                      status=status, updated_at=now,
                      status_reason="" if status is OrderStatus.PENDING_APPLICATION else KEY_ELSEWHERE)
        if status in (OrderStatus.ISSUED, OrderStatus.EXPIRED) and row.get("CertificateId") and not dry_run:
            order.certificate, request_id = authority.certificate(row["CertificateId"])
            report.request_ids.append(request_id)
        new.append(order)
        report.added.append(order.id)
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


def _time(value: Any) -> datetime | None:
    """The service's times are milliseconds since the epoch."""
    try:
        return datetime.fromtimestamp(int(value) / 1000, UTC) if value else None
    except (TypeError, ValueError, OverflowError, OSError):
        return None

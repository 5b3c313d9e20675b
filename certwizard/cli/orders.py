"""`certwizard products`, `add` and `list`: the catalog, registering purchased certificates, the orders."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from certwizard.cli.output import EXIT_OK, EXIT_REJECTED, print_json, print_json_rows, say, usage_error
from certwizard.domain.expiry import days_left
from certwizard.domain.ids import utcnow
from certwizard.domain.names import shown_domains
from certwizard.domain.products import CATALOG, Product, UnknownProductError, get_product
from certwizard.domain.status import OrderStatus
from certwizard.domain.summary import OrderSummary
from certwizard.domain.text import printable

if TYPE_CHECKING:      # the models need pydantic (~0.2 s): only commands that read whole orders import them
    from certwizard.domain.models import Order
    from certwizard.services.workflow import Workflow

MAX_COUNT = 1000     # same limit as storage.MAX_ORDERS_PER_ADD; storage is imported only when a command runs
STATUS_VALUES = tuple(status.value for status in OrderStatus)


def register(subparsers: argparse._SubParsersAction) -> None:
    products = subparsers.add_parser(
        "products", help="list the certificate products (what --product takes)",
        description="List every certificate product: validation level, edition, domain type, how many "
                    "names it binds, validity and key algorithms.")
    products.add_argument("--json", action="store_true", help="print the catalog as JSON")
    products.set_defaults(handler=run_products)

    add = subparsers.add_parser(
        "add", help="register purchased certificates, pending application",
        description="Register purchased certificates of one product. Each gets an order id and waits for its "
                    "application. Exit 0 on success, 1 if the database cannot be used, 2 on a usage error.")
    add.add_argument("--product", required=True, metavar="PRODUCT",
                     help=f"the product purchased: {', '.join(CATALOG)}, or an ACME account's "
                          "acme:ACCOUNT:dv-single|dv-multi|dv-wildcard|dv-multi-wildcard (see `certwizard "
                          "products`)")
    add.add_argument("--count", default="1", metavar="N",
                     help=f"how many certificates, 1 to {MAX_COUNT} (default 1)")
    add.add_argument("--json", action="store_true", help="print the new orders as JSON")
    add.set_defaults(handler=run_add)

    listing = subparsers.add_parser(
        "list", help="list orders and their status",
        description="List orders, oldest purchase first: id, product, type, status, bound domains and "
                    "purchase time.")
    listing.add_argument("--status", action="append", metavar="STATUS",
                         help="only orders with this status (repeat for several): "
                              f"{', '.join(STATUS_VALUES)}")
    listing.add_argument("--json", action="store_true", help="print the orders as JSON")
    listing.set_defaults(handler=run_list)


# --- products ---------------------------------------------------------------------------------------------

def run_products(args: argparse.Namespace) -> int:
    """Every product of the data folder's authorities: the sandbox's, and each ACME account's."""
    return _with_workflow(args, lambda workflow: _products(args, workflow))


def _products(args: argparse.Namespace, workflow: Workflow) -> int:
    products = workflow.products()
    if args.json:
        print_json({"products": [_product_summary(p) for p in products]})
        return EXIT_OK
    headers = ["ID", "BRAND", "LEVEL", "EDITION", "DOMAIN TYPE", "MAX DOMAINS", "VALIDITY", "KEY ALGORITHMS"]
    rows = [[p.id, p.brand, p.level.value, p.level.edition, p.domain_type.value, str(p.max_domains),
             p.validity_label, ", ".join(a.value for a in p.key_algorithms)] for p in products]
    _print_table(headers, rows)
    return EXIT_OK


def _product_summary(product: Product) -> dict[str, Any]:
    return {
        "id": product.id, "name": product.name, "brand": product.brand, "level": product.level.value,
        "edition": product.level.edition, "domain_type": product.domain_type.value,
        "max_domains": product.max_domains, "validity_days": product.validity_days,
        "key_algorithms": [a.value for a in product.key_algorithms],
        "default_key_algorithm": product.default_key_algorithm.value, "allows_ip": product.allows_ip,
        "authority": product.authority, "needs_applicant": product.needs_applicant,
        "validity_set_by_authority": product.validity_set_by_authority,
    }


# --- add --------------------------------------------------------------------------------------------------

def run_add(args: argparse.Namespace) -> int:
    try:
        product = get_product(args.product)
    except UnknownProductError as exc:
        return usage_error(f"{exc} (see `certwizard products`)")
    count = _parse_count(args.count)
    if count is None:
        return usage_error(f"--count must be a whole number from 1 to {MAX_COUNT}, not {args.count!r}")
    return _with_workflow(args, lambda workflow: _add(args, workflow, product, count))


def _parse_count(text: str) -> int | None:
    try:
        count = int(text.strip())
    except ValueError:
        return None
    return count if 1 <= count <= MAX_COUNT else None


def _add(args: argparse.Namespace, workflow: Workflow, product: Product, count: int) -> int:
    if product.id not in {p.id for p in workflow.products()}:
        say(f"certwizard: error: {product.id} is offered by {product.authority}, which is not configured in this "
            f"data folder: add the account first (certwizard acme add {product.authority.partition(':')[2]} "
            "...), see `certwizard acme list`", err=True)
        return EXIT_REJECTED
    orders = workflow.add_purchased(product.id, count)
    if args.json:
        print_json({"product": product.id, "orders": [_order_summary(o, utcnow()) for o in orders]})
        return EXIT_OK
    noun = "certificate" if count == 1 else "certificates"
    say(f"Registered {count} purchased {noun}: {product.name} ({product.certificate_type}), "
        "pending application.")
    for order in orders:
        say(f"  {order.id}")
    say("Next: run `certwizard` to fill in an application, or `certwizard list` to see all orders.")
    return EXIT_OK


# --- list -------------------------------------------------------------------------------------------------

def run_list(args: argparse.Namespace) -> int:
    statuses = _parse_statuses(args.status or [])
    if isinstance(statuses, str):
        return usage_error(statuses)
    return _with_workflow(args, lambda workflow: _list(args, workflow, statuses or None))


def _parse_statuses(values: Sequence[str]) -> list[OrderStatus] | str:
    """The statuses asked for (commas allowed), or the usage error to print."""
    wanted: list[OrderStatus] = []
    for value in (part.strip() for text in values for part in text.split(",")):
        if value not in STATUS_VALUES:
            return f"unknown status {value!r}; use one of: {', '.join(STATUS_VALUES)}"
        wanted.append(OrderStatus(value))
    return wanted


def _list(args: argparse.Namespace, workflow: Workflow, statuses: list[OrderStatus] | None) -> int:
    now = utcnow()
    # Expiring soon and expired are the clock's view of issued ones: ask for those, then filter by the clock.
    stored = None if statuses is None else list({OrderStatus.ISSUED if s in _BY_CLOCK else s for s in statuses}
                                                | ({OrderStatus.EXPIRED} & set(statuses)))
    orders = [o for o in _listed(workflow, stored) if statuses is None or o.status_at(now) in statuses]
    if args.json:
        print_json_rows("orders", (_index_row(o, now) if isinstance(o, OrderSummary) else _order_summary(o, now)
                                   for o in orders))
        return EXIT_OK
    if not orders:
        if statuses:
            say(f"No orders with status {', '.join(s.value for s in statuses)}.")
        else:
            say("No orders yet. Register a purchased certificate with: certwizard add --product PRODUCT "
                "(see `certwizard products`).")
        return EXIT_OK
    rows = [[o.id, o.product_id, _certificate_type(o), o.status_at(now).value, shown_domains(o.listed_domains) or "-",
             f"{_utc(o.purchased_at):%Y-%m-%d %H:%M}"] for o in orders]
    _print_table(["ID", "PRODUCT", "TYPE", "STATUS", "DOMAINS", "PURCHASED (UTC)"], rows)
    say(f"{len(orders)} order{'s' if len(orders) != 1 else ''}")
    return EXIT_OK


_BY_CLOCK = {OrderStatus.EXPIRING_SOON, OrderStatus.EXPIRED}


def _listed(workflow: Workflow, stored: list[OrderStatus] | None) -> list[OrderSummary | Order]:
    """The orders to list, from the order index (no order is read or validated), oldest purchase first.

    An order whose index entry cannot be read (say, a product this certwizard does not know) is read whole,
    as before the index, so it is still listed; only one that cannot be read either stays a notice."""
    summaries: list[OrderSummary | Order] = [s for s in workflow.summaries() if stored is None or s.status in stored]
    repository = workflow.repository
    for order_id in repository.unsummarised:
        try:
            order = workflow.order(order_id)
        except Exception:      # noqa: BLE001 - unreadable: its notice says why
            continue
        if stored is None or order.status in stored:
            summaries.append(order)
        repository.notices[:] = [n for n in repository.notices if f"order {order_id!r}" not in n]
    if repository.unsummarised:
        summaries.sort(key=lambda o: _utc(o.purchased_at))      # stable: ties keep the index's order
    return summaries


def _index_row(summary: OrderSummary, now: datetime) -> dict[str, Any]:
    """`_order_summary` of an order, from its index entry: the same keys and values (a test compares them).

    The bound domains are the application's: an order has one once submitted (or imported past its draft);
    a draft never submitted shows its typed names in the table, but binds none."""
    status = summary.status_at(now)
    bound = list(summary.domains) if summary.submitted is not None or not summary.status.is_editable else []
    not_after = summary.not_after
    return {
        "id": summary.id, "product": summary.product_id, "type": _certificate_type(summary),
        "status": status.value, "status_label": status.label, "domains": bound,
        "purchased_at": summary.purchased_at, "updated_at": summary.updated_at, "revision": summary.revision,
        "not_after": not_after, "days_left": days_left(not_after, now) if not_after else None,
        "renew_after": summary.renew_after, "renew_source": summary.renew_source,
    }


def _order_summary(order: Order, now: datetime) -> dict[str, Any]:
    status = order.status_at(now)
    return {
        "id": order.id, "product": order.product_id, "type": _certificate_type(order),
        "status": status.value, "status_label": status.label, "domains": order.bound_domains,
        "purchased_at": order.purchased_at, "updated_at": order.updated_at, "revision": order.revision,
        "not_after": order.not_after, "days_left": days_left(order.not_after, now) if order.not_after else None,
        "renew_after": order.renew_after, "renew_source": order.renewal.source.value if order.renewal else None,
    }


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo is not None else moment


def _certificate_type(order: Order | OrderSummary) -> str:
    try:
        return order.product.certificate_type
    except UnknownProductError:
        return "unknown product"


# --- shared -----------------------------------------------------------------------------------------------

def _with_workflow(args: argparse.Namespace, action: Callable[[Workflow], int]) -> int:
    """Open the data folder's services, run `action`, print the notices to stderr; storage failures exit 1."""
    from certwizard.services import open_services
    from certwizard.storage import StorageError
    from certwizard.system.paths import DataLayout

    layout = DataLayout.resolve(args.data_dir)
    try:
        services = open_services(args.data_dir)
        try:
            return action(services.workflow)
        finally:
            for notice in services.notices:
                say(f"certwizard: {notice}", err=True)
            services.repository.close()
    except StorageError as exc:
        say(f"certwizard: error: {exc}", err=True)
        return EXIT_REJECTED
    except OSError as exc:
        say(f"certwizard: error: cannot use the data folder {layout.root}: {exc}. Check its permissions, "
            "or choose another folder with --data-dir or CERTWIZARD_DATA_DIR.", err=True)
        return EXIT_REJECTED


def _print_table(headers: list[str], rows: list[list[str]]) -> None:
    # Escape first, so the widths are those of what the terminal will show.
    shown = [[printable(cell) for cell in row] for row in [headers, *rows]]
    widths = [max(len(row[i]) for row in shown) for i in range(len(headers))]
    for row in shown:
        say("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())

"""`certwizard check domains --product PRODUCT DOMAIN...`: check a 'Domains to Bind' list, save nothing."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from certwizard.cli.output import EXIT_OK, EXIT_REJECTED, print_json, say, usage_error
from certwizard.domain.products import CATALOG, Product, UnknownProductError, get_product

if TYPE_CHECKING:      # the domain rules (idna, ~40 ms) load when a check runs, not for --help
    from certwizard.domain.domains import DomainCheck


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "domains", help="check the domain names to bind to a product",
        description="Check domain names against a product's rules: syntax, internationalised names, internal "
                    "names, wildcards, IP addresses and the number of names. Exit 0 when acceptable, 1 when "
                    "rejected, 2 on a usage error.")
    parser.add_argument("--product", required=True, metavar="PRODUCT",
                        help=f"the purchased product: {', '.join(CATALOG)}")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("domains", nargs="+", metavar="DOMAIN",
                        help="a name to bind; one argument may also hold several names separated by commas "
                             "or spaces")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from certwizard.domain.domains import check_domains

    try:
        product = get_product(args.product)
    except UnknownProductError as exc:
        return usage_error(str(exc))
    result = check_domains(product, args.domains)
    if args.json:
        print_json({"product": product.id, **result.to_dict()})
    else:
        _print_report(product, result)
    return EXIT_OK if result.ok else EXIT_REJECTED


def _print_report(product: Product, result: DomainCheck) -> None:
    say(f"{product.name} ({product.id}): {product.domain_rule_tip()}")
    for index, entry in enumerate(result.entries):
        marker = "  <- common name (CN)" if index == 0 and result.common_name else ""
        say(f"  {entry.display}{marker}")
    if result.problems:
        say("Problems:")
        for problem in result.problems:
            say(f"  - {problem.message}")
    if result.notes:
        say("Notes:")
        for note in result.notes:
            say(f"  - {note}")
    say(_verdict(result))


def _verdict(result: DomainCheck) -> str:
    if result.ok:
        count = len(result.entries)
        return f"Acceptable: {count} name{'s' if count != 1 else ''}."
    count = len(result.problems)
    if count == 1:
        return "Rejected: 1 problem; fix it and check again."
    return f"Rejected: {count} problems; fix them and check again."

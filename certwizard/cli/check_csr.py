"""`certwizard check csr FILE --product PRODUCT --domains D1,D2,...`: check a CSR without saving anything."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from certwizard.cli.output import EXIT_OK, EXIT_REJECTED, print_json, say, usage_error
from certwizard.domain.products import CATALOG, Product, UnknownProductError, get_product
from certwizard.system import securefs

if TYPE_CHECKING:
    from certwizard.crypto.csr_lint import CsrReport


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "csr", help="check a certificate signing request against a product and its domains",
        description="Check a CSR (PEM) the way it is checked when pasted in the wizard: format, signature, "
                    "key, names and extensions. Every problem is listed. Exit 0 when acceptable, 1 when "
                    "rejected, 2 on a usage error.")
    parser.add_argument("file", metavar="FILE", help="the CSR file, or - to read it from standard input")
    parser.add_argument("--product", required=True, metavar="PRODUCT",
                        help=f"the purchased product: {', '.join(CATALOG)}")
    parser.add_argument("--domains", required=True, metavar="D1,D2,...",
                        help="the domains to bind, separated by commas; the CSR may name only these (the "
                             "sandbox CA adds any it lacks)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    # cryptography is imported here, not at parser build time, so `certwizard --help` stays quick.
    from certwizard.crypto.csr_lint import lint_csr, too_large_report

    try:
        product = get_product(args.product)
    except UnknownProductError as exc:
        return usage_error(str(exc))
    domains = _bound_domains(product, args.domains)
    if isinstance(domains, str):
        return usage_error(domains)
    data = _read_input(args.file)
    if isinstance(data, str):
        return usage_error(data)
    from certwizard.ca.registry import authority_class  # the product's authority decides the name rule

    report: CsrReport = too_large_report() if data is None else lint_csr(
        data, product, domains, name_rule=authority_class(product.authority).csr_name_rule)
    if args.json:
        print_json({"product": product.id, "domains": domains, **report.to_dict()})
    else:
        _print_report(product, report)
    return EXIT_OK if report.ok else EXIT_REJECTED


def _bound_domains(product: Product, raw: str) -> list[str] | str:
    """The normalised names (punycode, lower case), or a usage-error message naming every problem."""
    from certwizard.domain.domains import check_domains

    result = check_domains(product, raw)
    if not result.ok:
        problems = "; ".join(problem.message for problem in result.problems)
        return f"--domains is not acceptable for {product.name}: {problems}"
    return result.names


def _read_input(path: str) -> bytes | str | None:
    """The bytes to check; None when over the size limit; a str is a usage-error message."""
    from certwizard.crypto.csr_lint import MAX_CSR_BYTES

    if path == "-":
        data = sys.stdin.buffer.read(MAX_CSR_BYTES + 1)
        return None if len(data) > MAX_CSR_BYTES else data
    try:
        return securefs.read_regular_file(path, MAX_CSR_BYTES)
    except securefs.FileTooLargeError:
        return None
    except FileNotFoundError:
        return f"{path}: no such file; give the path of the .csr file, or - to read standard input"
    except securefs.UnsafePathError as exc:
        return f"{path} {exc.strerror}; give the path of the .csr file itself"
    except PermissionError:
        return f"{path}: permission denied; make the file readable, or pipe it in with -"
    except OSError as exc:
        return f"{path}: cannot be read ({exc.strerror}); give the path of the .csr file"


def _print_report(product: Product, report: CsrReport) -> None:
    say(f"CSR check for {product.name} ({product.id})")
    if report.parsed:
        rows = (("Subject", report.subject or "(empty)"), ("Common name", report.common_name or "(none)"),
                ("DNS names", ", ".join(report.dns_names) or "(none)"),
                ("IP addresses", ", ".join(report.ip_addresses) or "(none)"),
                ("Key", report.key_description), ("Signature", report.signature_hash or "(no separate hash)"))
        for label, value in rows:
            say(f"  {label + ':':<14}{value}")
    if report.problems:
        say("Problems:")
        for problem in report.problems:
            say(f"  - {problem.message} [{problem.code}]")
    if report.notes:
        say("Notes:")
        for note in report.notes:
            say(f"  - {note.message}")
    if report.ok:
        say("Acceptable.")
    else:
        count = len(report.problems)
        say(f"Rejected: {count} problem{'s' if count != 1 else ''}; fix {'them' if count != 1 else 'it'} "
            "and check again.")

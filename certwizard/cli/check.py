"""`certwizard check domains|csr|document`: validate input without changing anything."""

from __future__ import annotations

import argparse
import importlib

CHECK_MODULES = ("certwizard.cli.check_domains", "certwizard.cli.check_csr", "certwizard.cli.check_document")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("check", help="check domains, a CSR or a document without changing anything",
                                   description="Check input against a product's rules. Exit 0 when acceptable, "
                                               "1 when rejected, 2 on a usage error.")
    checks = parser.add_subparsers(dest="check", metavar="WHAT", required=True)
    for name in CHECK_MODULES:
        importlib.import_module(name).register(checks)

"""`certwizard acme add|list|remove`: the ACME accounts of this data folder (services/acme_accounts.py).

Registering needs the network (the CA's directory); nothing here is stored but the account's record and its
key file (0600). The EAB HMAC key is read from a file, used for the one registration, and never kept.
"""

from __future__ import annotations

import argparse
import sys

from certwizard.cli.output import EXIT_OK, print_json, say, usage_error
from certwizard.domain.text import printable


def register(subparsers: argparse._SubParsersAction) -> None:
    from certwizard.ca.acme.presets import PRESETS

    parser = subparsers.add_parser("acme", help="add, list or remove ACME accounts (Let's Encrypt, ZeroSSL...)",
                                   description="ACME accounts of this data folder. Exit 0 on success, 1 if "
                                               "refused, 2 on a usage error.")
    commands = parser.add_subparsers(dest="acme_command", metavar="ACTION", required=True)
    add = commands.add_parser(
        "add", help="register a new account at an ACME CA",
        description="Register a new account now (newAccount) and keep it as NAME. Known CAs by name: "
                    + ", ".join(f"{name} ({url})" for name, url in PRESETS.items())
                    + ". The account key is made here, 0600; nothing secret goes into the database.")
    add.add_argument("name", metavar="NAME", help="what to call it here (lower-case, digits, hyphens)")
    where = add.add_mutually_exclusive_group()
    where.add_argument("--directory", metavar="URL", help="the CA's ACME directory URL (https://...)")
    where.add_argument("--preset", choices=sorted(PRESETS), help="a known public CA instead of --directory (a NAME that is a preset needs neither)")
    add.add_argument("--email", metavar="ADDR", help="contact address for expiry and account notices")
    add.add_argument("--eab-kid", metavar="KID", help="External Account Binding key id (ZeroSSL, Google...)")
    add.add_argument("--eab-hmac-key-file", metavar="FILE",
                     help="a file holding the EAB HMAC key on its first line (used once, never stored)")
    add.add_argument("--ca-bundle", metavar="FILE", help="PEM to trust for the CA's API TLS (private CAs)")
    add.add_argument("--trust-root", metavar="FILE", help="root that issued chains are checked against "
                                                          "(private CAs; public ones use the system store)")
    add.add_argument("--profile", metavar="NAME", help="the CA's certificate profile for this account's orders, "
                                                       "where it offers profiles (e.g. Let's Encrypt's shortlived)")
    add.add_argument("--agree-tos", action="store_true", help="agree to the CA's terms of service")
    add.add_argument("--json", action="store_true", help="the account as JSON")
    add.set_defaults(handler=run_add)
    listing = commands.add_parser("list", help="the accounts of this data folder")
    listing.add_argument("--json", action="store_true", help="as JSON")
    listing.set_defaults(handler=run_list)
    remove = commands.add_parser("remove", help="forget an account (refused while orders that are not expired or revoked use it)")
    remove.add_argument("name", metavar="NAME")
    remove.add_argument("--json", action="store_true", help="the outcome as JSON")
    remove.set_defaults(handler=run_remove)


def _ask_terms(terms: str) -> bool:
    if not sys.stdin.isatty():
        return False                        # a script must say --agree-tos
    answer = input(f"Do you agree to the CA's terms of service ({printable(terms)})? [y/N] ")
    return answer.strip().lower() in ("y", "yes")


def _record_view(record) -> dict[str, object]:
    return {"name": record.name, "authority": record.authority, "directory": record.directory_url,
            "account_url": record.account_url, "email": record.email, "terms_of_service": record.terms_of_service,
            "ca_bundle": record.ca_bundle, "trust_root": record.trust_root, "profile": record.profile,
            "created_at": record.created_at, "products": [f"{record.authority}:{offer}" for offer in _offers()]}


def _offers() -> list[str]:
    from certwizard.domain.products import FAMILY_OFFERS

    return list(FAMILY_OFFERS["acme"])


def run_add(args: argparse.Namespace) -> int:
    from certwizard.ca.acme.presets import PRESETS
    from certwizard.cli.runner import read_secret, run_with_services
    from certwizard.services.acme_accounts import acme_dir, add_account

    if (args.eab_kid is None) != (args.eab_hmac_key_file is None):
        return usage_error("External Account Binding needs both --eab-kid and --eab-hmac-key-file")
    directory = args.directory or PRESETS.get(args.preset or args.name)
    if directory is None:
        return usage_error(f"say where the CA is: --directory URL, or --preset one of {', '.join(sorted(PRESETS))} "
                           "(or name the account after a preset)")

    def action(services) -> int:
        secret = read_secret(args.eab_hmac_key_file, "--eab-hmac-key-file")
        record = add_account(services.repository, services.layout, args.name, directory, email=args.email,
                             eab_kid=args.eab_kid, eab_hmac_key=secret.decode("ascii", "replace") if secret else None,
                             ca_bundle=args.ca_bundle, trust_root=args.trust_root, profile=args.profile,
                             agree_tos=args.agree_tos,
                             agree=_ask_terms)
        if args.json:
            print_json({"ok": True, "account": _record_view(record)})
        else:
            say(f"{record.name}: registered at {printable(record.directory_url)}")
            say(f"  account {printable(record.account_url)}")
            if record.terms_of_service:
                say(f"  terms of service: {printable(record.terms_of_service)}")
            say(f"  key {acme_dir(services.layout) / record.key_file} (0600)")
        return EXIT_OK
    return run_with_services(args, action)


def run_list(args: argparse.Namespace) -> int:
    from certwizard.cli.runner import run_with_services
    from certwizard.services.acme_accounts import accounts

    def action(services) -> int:
        found = accounts(services.repository)
        if args.json:
            print_json({"ok": True, "accounts": [_record_view(record) for record in found]})
        elif not found:
            say("no ACME accounts; add one with: certwizard acme add NAME --preset letsencrypt-staging")
        for record in found if not args.json else ():
            email = f" <{printable(record.email)}>" if record.email else ""
            say(f"{record.name}  {printable(record.directory_url)}{email}")
        return EXIT_OK
    return run_with_services(args, action)


def run_remove(args: argparse.Namespace) -> int:
    from certwizard.cli.runner import run_with_services
    from certwizard.services.acme_accounts import remove_account

    def action(services) -> int:
        record = remove_account(services.repository, services.layout, args.name, services.workflow.open_orders)
        if args.json:
            print_json({"ok": True, "removed": record.name})
        else:
            say(f"{record.name}: removed (its key file is deleted; the account still exists at the CA)")
        return EXIT_OK
    return run_with_services(args, action)

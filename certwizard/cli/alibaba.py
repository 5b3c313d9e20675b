"""`certwizard alibaba add|list|remove|sync`: Alibaba Cloud accounts and the import of their certificates.

No AccessKey is ever given to certwizard: the SDK takes credentials from Alibaba's default chain
(ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET, the aliyun CLI's profile, ~/.alibabacloud/credentials, the ECS RAM role).
"""

from __future__ import annotations

import argparse

from certwizard.cli.output import EXIT_OK, print_json, say
from certwizard.domain.text import printable


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "alibaba", help="add, list, remove or sync Alibaba Cloud accounts (SSL Certificates Service)",
        description="Alibaba Cloud accounts of this data folder. Credentials come from Alibaba's default chain; "
                    "certwizard stores no AccessKey. Exit 0 on success, 1 if refused, 2 on a usage error.")
    commands = parser.add_subparsers(dest="alibaba_command", metavar="ACTION", required=True)
    add = commands.add_parser("add", help="add an account (checked with one read-only call)")
    add.add_argument("name", metavar="NAME", help="what to call it here (lower-case, digits, hyphens)")
    add.add_argument("--region", default="cn-hangzhou", help="the account's region (default cn-hangzhou)")
    add.add_argument("--profile", metavar="CLI_PROFILE", help="a profile of the aliyun CLI's configuration")
    add.add_argument("--json", action="store_true", help="the account as JSON")
    add.set_defaults(handler=run_add)
    listing = commands.add_parser("list", help="the accounts of this data folder")
    listing.add_argument("--json", action="store_true", help="as JSON")
    listing.set_defaults(handler=run_list)
    remove = commands.add_parser("remove", help="forget an account (refused while its orders are open)")
    remove.add_argument("name", metavar="NAME")
    remove.add_argument("--json", action="store_true", help="the outcome as JSON")
    remove.set_defaults(handler=run_remove)
    sync = commands.add_parser("sync", help="import the account's purchased certificates as orders",
                               description="Bring every certificate instance of the account(s) into the order "
                                           "list. Running it again changes nothing; an instance gone from the "
                                           "account is flagged, never deleted.")
    sync.add_argument("name", metavar="NAME", nargs="?", help="one account (default: all)")
    sync.add_argument("--dry-run", action="store_true", help="say what would be imported, change nothing")
    sync.add_argument("--json", action="store_true", help="the reports as JSON")
    sync.set_defaults(handler=run_sync)


def _authority(services, record):
    return services.authorities.get(record.authority)


def run_add(args: argparse.Namespace) -> int:
    from certwizard.cli.runner import run_with_services
    from certwizard.services.alibaba_accounts import add_account

    def action(services) -> int:
        def check(record) -> None:
            from certwizard.ca.alibaba.authority import AlibabaAuthority

            AlibabaAuthority(record, services.repository).api.call("ListInstances", CurrentPage=1, ShowSize=1)
        record = add_account(services.repository, args.name, region=args.region, profile=args.profile,
                             check=check)
        if args.json:
            print_json({"ok": True, "account": {"name": record.name, "authority": record.authority,
                                                "region": record.region, "profile": record.profile}})
        else:
            say(f"{record.name}: added (region {record.region}); import its certificates with: "
                f"certwizard alibaba sync {record.name}")
        return EXIT_OK
    return run_with_services(args, action)


def run_list(args: argparse.Namespace) -> int:
    from certwizard.cli.runner import run_with_services
    from certwizard.services.alibaba_accounts import accounts

    def action(services) -> int:
        found = accounts(services.repository)
        if args.json:
            print_json({"ok": True, "accounts": [{"name": r.name, "authority": r.authority, "region": r.region,
                                                  "profile": r.profile} for r in found]})
        elif not found:
            say("no Alibaba Cloud accounts; add one with: certwizard alibaba add NAME")
        for record in found if not args.json else ():
            profile = f" (CLI profile {printable(record.profile)})" if record.profile else ""
            say(f"{record.name}  {record.region}{profile}")
        return EXIT_OK
    return run_with_services(args, action)


def run_remove(args: argparse.Namespace) -> int:
    from certwizard.cli.runner import run_with_services
    from certwizard.services.alibaba_accounts import remove_account

    def action(services) -> int:
        record = remove_account(services.repository, args.name, services.workflow.open_orders)
        if args.json:
            print_json({"ok": True, "removed": record.name})
        else:
            say(f"{record.name}: removed (nothing changes in the Alibaba Cloud account)")
        return EXIT_OK
    return run_with_services(args, action)


def run_sync(args: argparse.Namespace) -> int:
    from certwizard.cli.runner import UsageProblem, run_with_services
    from certwizard.services.alibaba_accounts import accounts, sync

    def action(services) -> int:
        records = [r for r in accounts(services.repository) if args.name in (None, r.name)]
        if args.name and not records:
            raise UsageProblem(f"no Alibaba Cloud account is named {args.name!r}; see certwizard alibaba list")
        reports = [sync(services.repository, _authority(services, r), dry_run=args.dry_run) for r in records]
        if args.json:
            print_json({"ok": True, "reports": [report.to_dict() for report in reports]})
            return EXIT_OK
        if not records:
            say("no Alibaba Cloud accounts; add one with: certwizard alibaba add NAME")
        for report in reports:
            verb = "would import" if report.dry_run else "imported"
            say(f"{report.account}: {verb} {len(report.added)}, already here {report.unchanged}, "
                f"gone from the account {len(report.flagged)}")
            for order_id in report.added:
                say(f"  + {order_id}")
            for order_id in report.flagged:
                say(f"  ! {order_id}: no longer in the account (kept, flagged)")
        return EXIT_OK
    return run_with_services(args, action)

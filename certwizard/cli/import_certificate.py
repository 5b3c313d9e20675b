"""`certwizard import CERT.pem [--key KEY.pem] [--chain CHAIN.pem] [--product ID] ...`: track a certificate
obtained elsewhere (services/importing.py). Exit 0 imported, 1 refused, 2 usage error."""

from __future__ import annotations

import argparse
from pathlib import Path

from certwizard.cli.order_view import order_summary, print_order
from certwizard.cli.output import EXIT_OK, print_json, say, usage_error
from certwizard.cli.runner import UsageProblem, read_secret, refused, run_with_services


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "import", help="track a certificate obtained elsewhere: its expiry, its key, and its renewal",
        description="Import a certificate issued outside certwizard as an issued order: its expiry is tracked, "
                    "its key (with --key) checked and kept 0600 in the data folder, and with --product it is "
                    "renewed through that product's authority. Without --product it is tracked only. Exit 0 "
                    "when imported, 1 when refused (the reason is printed), 2 on a usage error.")
    parser.add_argument("certificate", metavar="CERT", help="the certificate: PEM (with its chain after it, and "
                                                            "even its key) or DER")
    parser.add_argument("--key", metavar="KEY.pem", help="its private key (PEM); must match the certificate")
    parser.add_argument("--passphrase-file", metavar="FILE",
                        help="file holding the passphrase of an encrypted key (the copy is encrypted with it)")
    parser.add_argument("--chain", metavar="CHAIN.pem", help="the intermediate CA certificates (PEM)")
    parser.add_argument("--product", metavar="PRODUCT_ID", default="",
                        help="renew it as this product (see `certwizard products`); without it: tracked only")
    parser.add_argument("--from", dest="application_file", metavar="FILE",
                        help="application file (.toml or .json, as for `certwizard apply`) with the applicant "
                             "and company the product asks for; its domains and csr are the certificate's")
    parser.add_argument("--method", choices=["dns", "http"], default="",
                        help="how a renewal proves the domains (default: http with --webroot, else dns)")
    parser.add_argument("--webroot", metavar="DIR", default="", help="http: the folder the web server serves")
    parser.add_argument("--hook", metavar="PATH", default="", help="an executable that publishes the proof")
    parser.add_argument("--json", action="store_true", help="the order as `show --json` prints it")
    parser.set_defaults(handler=cmd_import)


def cmd_import(args: argparse.Namespace) -> int:
    from certwizard.domain.models import ApplicationDraft
    from certwizard.services.application_file import ApplicationFileError, file_key, read_application_file

    draft, keys = ApplicationDraft(), file_key
    if args.application_file:
        if not args.product:
            return usage_error("--from gives the application a product asks for: add --product ID")
        try:
            content = read_application_file(Path(args.application_file).expanduser())
        except ApplicationFileError as exc:
            return usage_error(str(exc))
        if content.documents:
            return usage_error("import takes no documents: a renewal order takes them like any application; "
                               "remove documents from the file")
        draft, keys = content.apply_to(draft), content.key_for

    def action(services) -> int:
        from certwizard.services.importing import ImportApplicationError, ImportRequest, import_certificate

        if args.passphrase_file and not args.key:
            raise UsageProblem("--passphrase-file opens an encrypted key: give the key with --key KEY.pem")
        request = ImportRequest(
            certificate=Path(args.certificate).expanduser(),
            key=Path(args.key).expanduser() if args.key else None,
            chain=Path(args.chain).expanduser() if args.chain else None,
            product_id=args.product, passphrase=read_secret(args.passphrase_file, "--passphrase-file"),
            method=args.method, webroot=args.webroot, hook=args.hook, draft=draft)
        try:
            result = import_certificate(services.workflow, request)
        except ImportApplicationError as exc:
            return refused(args, str(exc), errors={keys(name): problem for name, problem in exc.errors.items()})
        order = result.order
        if args.json:
            print_json({"ok": True, "order": order_summary(order), "renewable": result.renewable,
                        "adopted": result.adopted, "notes": result.notes})
            return EXIT_OK
        authority = services.authorities.find(order.authority)
        verb = f"given the product {order.product_id}" if result.adopted else "imported"
        say(f"{order.id}: {verb}")
        print_order(order, authority.trust_note if authority is not None else "")
        for note in result.notes:
            say(f"  note: {note}")
        return EXIT_OK
    return run_with_services(args, action)

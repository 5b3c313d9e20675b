"""`certwizard letter ORDER --out FILE`: the verification letter (PDF) for OV/EV, without the wizard."""

from __future__ import annotations

import argparse
from pathlib import Path

from certwizard.cli.output import EXIT_OK, print_json, say
from certwizard.cli.runner import refused
from certwizard.domain.text import printable


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "letter", help="write the verification letter (PDF) to print, sign, stamp and attach",
        description="Write the verification letter for an order, filled in from its application (run "
                    "`certwizard apply` first). Print it, sign it, stamp it with the company seal, "
                    "photograph it and list the picture under documents in the application file. Never "
                    "overwrites a file. Exit 0 on success, 1 when refused, 2 on a usage error.")
    parser.add_argument("order", metavar="ORDER", help="order id, as shown by `certwizard list`")
    parser.add_argument("--out", required=True, metavar="FILE", help="the PDF to create, e.g. letter.pdf")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(handler=run_letter)


def run_letter(args: argparse.Namespace) -> int:
    from certwizard.documents.letter import write_verification_template
    from certwizard.services import open_services
    from certwizard.storage import StorageError

    target = Path(args.out).expanduser()
    try:
        services = open_services(args.data_dir)
        order = services.workflow.order(args.order)
        written = write_verification_template(order, order.draft, target)
    except StorageError as exc:
        return refused(args, str(exc))
    except OSError as exc:
        where = printable(exc.filename if isinstance(exc.filename, str) else str(target))
        return refused(args, f"{where}: {exc.strerror or exc}")
    if args.json:
        print_json({"ok": True, "order": order.id, "file": str(written)})
    else:
        say(f"wrote {written}")
        say("Print it, sign it, stamp it with the company seal, photograph or scan it as PNG or JPEG (at "
            "most 500 KB), add it to the application file's documents list and run: "
            f"certwizard apply {order.id} --from FILE")
    return EXIT_OK


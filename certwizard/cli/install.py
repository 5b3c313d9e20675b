"""`certwizard install` and `certwizard installations`: an issued certificate written into a server's folder
and kept up to date there (renewal installs again), with the server's reload command run when files change.

Exit codes: 0 every file in place and every reload that ran succeeded; 1 refused or failed (one line per
problem on stderr, or {"ok": false, ...} with --json); 2 the command line is wrong.
"""

from __future__ import annotations

import argparse

from certwizard.cli.output import EXIT_OK, EXIT_REJECTED, print_json, say
from certwizard.cli.runner import UsageProblem, read_secret, run_with_services

_ADDING_OPTIONS = ("server", "dir", "reload", "password_file")


def cmd_install(args: argparse.Namespace) -> int:
    def action(services) -> int:
        from certwizard.cli.lifecycle import order_key_passphrase
        from certwizard.services.installations import add_installation, install_order

        _check_usage(args)
        workflow = services.workflow
        order = workflow.order(args.order)
        passphrase = order_key_passphrase(args, order)
        if args.again:
            report = install_order(workflow, order.id, passphrase=passphrase)
        else:
            if args.password_file:
                from certwizard.domain.secret_entry import PFX_PASSWORD

                read_secret(args.password_file, "--password-file", PFX_PASSWORD)   # usable now, read each time
            report = add_installation(workflow, order.id, args.server, args.dir, reload=args.reload or "",
                                      password_file=args.password_file or "", passphrase=passphrase)
        return _print_report(args, workflow.order(order.id), report)
    return run_with_services(args, action)


def _check_usage(args: argparse.Namespace) -> None:
    given = [f"--{name.replace('_', '-')}" for name in _ADDING_OPTIONS if getattr(args, name) is not None]
    if args.again and given:
        raise UsageProblem("--again writes the order's recorded installations as they are; leave out "
                           f"{', '.join(given)} (to add another installation, run install without --again)")
    if not args.again and (args.server is None or args.dir is None):
        raise UsageProblem("give --server and --dir to add an installation, or --again to write the recorded ones")
    if args.reload is not None and not args.reload.strip():
        raise UsageProblem('--reload is empty; give the command that reloads the server, e.g. --reload '
                           '"systemctl reload nginx", or leave it out')


def _print_report(args: argparse.Namespace, order, report) -> int:
    outcome = EXIT_OK if report.ok else EXIT_REJECTED
    if args.json:
        print_json({"ok": report.ok, "order": order.id, "changed": report.changed,
                    "installations": [_installation_json(order.id, i) for i in order.installations],
                    "written": {o.installation.id: o.changed for o in report.outcomes},
                    "reloads": [r.model_dump(mode="json") for r in report.reloads],
                    "lines": report.lines, "problems": report.problems,
                    **({"note": report.note} if report.note else {}),
                    **({"error": "; ".join(report.problems)} if report.problems else {})})
        return outcome
    for line in report.lines:
        say(line)
    if report.note:
        say("")
        say(report.note)
    for problem in report.problems:
        say(f"refused: {problem}", err=True)
    return outcome


def cmd_installations(args: argparse.Namespace) -> int:
    def action(services) -> int:
        workflow = services.workflow
        # The index counts each order's installations: only the orders that have some are read.
        orders = [workflow.order(summary.id) for summary in workflow.summaries() if summary.installations]
        rows = [_installation_json(order.id, installation) for order in orders for installation in order.installations]
        if args.json:
            print_json({"ok": True, "installations": rows})
            return EXIT_OK
        if not rows:
            say("no installations; add one with: certwizard install ORDER --server SERVER --dir DIR")
        for row in rows:
            say(_installation_line(row))
        return EXIT_OK
    return run_with_services(args, action)


def _installation_json(order_id: str, installation) -> dict:
    return {"order": order_id, **installation.model_dump(mode="json")}


def _installation_line(row: dict) -> str:
    when = (row["installed_at"] or "")[:16].replace("T", " ")
    state = f"serial {row['serial'][:16]}, {when} UTC" if row["serial"] else "not written yet"
    line = f"{row['order']} {row['id']}: {row['server']} in {row['directory']} ({state})"
    reload = row["reload_result"]
    if reload is not None:
        status = "timed out or did not start" if reload["exit_status"] is None else f"exit {reload['exit_status']}"
        line += f"; reload {reload['command']!r}: {status}"
    elif row["reload"]:
        line += f"; reload {row['reload']!r}: not run yet"
    if row["problem"]:
        line += f"\n    problem: {row['problem']}"
    return line


def register(subparsers: argparse._SubParsersAction) -> None:
    from certwizard.export.servers import SERVERS

    def command(name: str, handler, help_text: str) -> argparse.ArgumentParser:
        parser = subparsers.add_parser(name, help=help_text, description=help_text + ". Exit 0 on success, "
                                       "1 when refused or failed (one line per problem), 2 on a usage error.")
        parser.add_argument("--json", action="store_true", help="machine-readable output")
        parser.set_defaults(handler=handler)
        return parser

    install = command("install", cmd_install, "install an issued certificate into a server's folder, kept up to "
                      "date there on renewal (files replaced atomically, the old ones kept as NAME.prev), then "
                      "run the server's reload command if a file changed")
    install.add_argument("order", metavar="ORDER", help="order id, as shown by `certwizard list`")
    install.add_argument("--server", choices=tuple(SERVERS), help="the layout of the files")
    install.add_argument("--dir", metavar="DIR", help="the server's folder (created 0700 if missing; never "
                         "through a symbolic link)")
    install.add_argument("--reload", metavar="COMMAND", help='run after files change, e.g. "systemctl reload '
                         'nginx" (split like a shell would, run without one, at most 60 s)')
    install.add_argument("--password-file", metavar="FILE", help="file holding the .pfx password (tomcat, iis); "
                         "read at every install, never stored")
    install.add_argument("--passphrase-file", metavar="FILE", help="passphrase of an encrypted private key")
    install.add_argument("--again", action="store_true", help="write every recorded installation of ORDER again "
                         "(what renewal does)")
    command("installations", cmd_installations, "list every installation: server, folder, certificate serial, "
            "when, reload result")


__all__ = ["cmd_install", "cmd_installations", "register"]

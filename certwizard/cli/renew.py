"""`certwizard renew`: renew what is due, install it, reload the servers. Made for cron and systemd timers.

Exit codes: 0 nothing was due, or everything due was renewed (or is with the CA, and the next run finishes
it); 1 something failed or needs a person, one line per certificate saying what; 2 a usage error.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from certwizard.cli.output import EXIT_OK, EXIT_REJECTED, print_json, say, usage_error
from certwizard.cli.runner import UsageProblem, read_secret, run_with_services

if TYPE_CHECKING:
    from certwizard.services.renewal import RenewalCandidate, RenewalOutcome

UNIT_NAME = "certwizard-renew"
MAX_WAIT = 3600.0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "renew", help="renew every issued certificate that is due, install it and reload the servers",
        description="Renew each issued certificate that is due (at 2/3 of its lifetime, or when its CA says: "
                    "ACME renewalInfo, Alibaba Cloud), with a follow-up order for the same product and "
                    "application; prove the domains with the recorded method and hook; wait a bounded time for "
                    "issuance; install it wherever the old one is installed and run the reload commands when "
                    "something changed. Safe to run from cron or a systemd timer: one run at a time, and what "
                    "needs a person is said and finished by a later run. Exit 0: nothing due, or all renewed "
                    "(or with the CA); 1: something failed or needs you (one line each); 2: usage error.")
    parser.add_argument("--dry-run", action="store_true",
                        help="say what would be renewed and why (and the source of the date); change nothing")
    parser.add_argument("--force", action="extend", nargs="+", default=[], metavar="ORDER",
                        help="renew these issued orders now, due or not")
    parser.add_argument("--reuse-key", action="extend", nargs="+", default=[], metavar="ORDER",
                        help="renew these orders with their current key, now and from now on (default: a new "
                             "key at each renewal)")
    parser.add_argument("--new-key", action="extend", nargs="+", default=[], metavar="ORDER",
                        help="go back to a new key at each renewal for these orders")
    parser.add_argument("--passphrase-file", metavar="FILE",
                        help="file holding the passphrase of encrypted keys (the old one, or the new one)")
    parser.add_argument("--wait", type=float, default=None, metavar="SECONDS",
                        help="how long to wait for issuance in this run (default 300; the next run carries on)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--quiet", action="store_true",
                        help="print only what failed or needs you (for cron mail)")
    parser.add_argument("--print-systemd", nargs="?", const="-", default=None, metavar="DIR",
                        help=f"print a {UNIT_NAME}.service and .timer (twice a day, randomized) instead of "
                             "renewing; with DIR, write them there")
    parser.set_defaults(handler=cmd_renew)


def cmd_renew(args: argparse.Namespace) -> int:
    if args.print_systemd is not None:
        return _print_systemd(args)
    if args.wait is not None and not 0 <= args.wait <= MAX_WAIT:
        return usage_error(f"--wait {args.wait:g} is out of range; give 0 to {MAX_WAIT:g} seconds")
    overlap = set(args.reuse_key) & set(args.new_key)
    if overlap:
        return usage_error(f"{', '.join(sorted(overlap))} is given both --reuse-key and --new-key; choose one")
    return run_with_services(args, lambda services: _renew(args, services))


def _renew(args: argparse.Namespace, services: Any) -> int:
    from certwizard.domain.ids import utcnow
    from certwizard.domain.secret_entry import KEY_PASSPHRASE
    from certwizard.services.renewal import DEFAULT_WAIT, Renewer, RenewResult, candidates, renewal_lock

    passphrase = read_secret(args.passphrase_file, "--passphrase-file", KEY_PASSPHRASE)
    workflow = services.workflow
    quiet = args.quiet or args.json
    progress = (lambda step: None) if quiet else (lambda step: say(f"... {step}", err=True))
    with renewal_lock(services.layout):
        _set_key_policy(workflow, args.reuse_key, args.new_key, dry_run=args.dry_run)
        found = candidates(workflow, utcnow(), args.force, ask_authorities=True, progress=progress)
        due = [candidate for candidate in found if candidate.due]
        if args.dry_run:
            return _print_plan(args, found)
        renewer = Renewer(workflow, passphrase=passphrase, wait=DEFAULT_WAIT if args.wait is None else args.wait,
                          progress=progress)
        outcomes = [renewer.renew(candidate) for candidate in due]
    bad = [o for o in outcomes if o.result in (RenewResult.FAILED, RenewResult.NEEDS_YOU)]
    if args.json:
        print_json({"ok": not bad, "checked": len(found), "renewals": [_outcome_json(o) for o in outcomes]})
    else:
        _print_outcomes(args, found, outcomes)
    return EXIT_REJECTED if bad else EXIT_OK


def _set_key_policy(workflow: Any, reuse: list[str], new: list[str], dry_run: bool) -> None:
    from certwizard.storage.repository import OrderNotFoundError

    for order_id, keep in [*((o, True) for o in reuse), *((o, False) for o in new)]:
        try:
            order = workflow.order(order_id)
        except OrderNotFoundError:
            raise UsageProblem(f"there is no order {order_id} in this data folder; see certwizard list") from None
        if order.key is None:
            raise UsageProblem(f"{order_id} has no key certwizard made or holds, so there is no key to reuse "
                               "or replace: it renews with its own CSR")
        if dry_run or order.reuse_key is keep:
            continue

        def policy(current: Any, keep: bool = keep) -> Any:
            current.reuse_key = keep
            return current
        workflow.repository.update_order(order_id, policy)


def _print_plan(args: argparse.Namespace, found: list["RenewalCandidate"]) -> int:
    if args.json:
        print_json({"ok": True, "dry_run": True, "certificates": [{
            "order": c.order_id, "domains": c.domains, "status": c.status.value, "due": c.due,
            "due_at": c.due_at, "source": c.source.value if c.source else None, "why": c.why,
            "not_after": c.not_after, "forced": c.forced, "follow_up": c.follow_up or None,
            "renewable": c.renewable,
            "note": c.note or None} for c in found]})
        return EXIT_OK
    if not found:
        say("No issued certificates to renew.")
        return EXIT_OK
    for c in found:
        verb = "would renew" if c.due else "not due" if c.renewable else "not renewable here"
        say(f"{c.order_id} {c.domains}: {verb}: {c.why}")
        if c.note:
            say(f"    note: {c.note}")
    due = sum(c.due for c in found)
    say(f"{due} of {len(found)} would be renewed (dry run: nothing was changed)")
    return EXIT_OK


def _print_outcomes(args: argparse.Namespace, found: list["RenewalCandidate"],
                    outcomes: list["RenewalOutcome"]) -> None:
    from certwizard.services.renewal import RenewResult

    for candidate in found:
        if candidate.note and not args.quiet:
            say(f"note: {candidate.note}")
    for outcome in outcomes:
        failed = outcome.result in (RenewResult.FAILED, RenewResult.NEEDS_YOU)
        if args.quiet and not failed:
            continue
        say(outcome.line, err=failed)
        for detail in outcome.details:
            say(f"    {detail}", err=failed)
    if args.quiet:
        return
    if not outcomes:
        upcoming = sorted((c for c in found if c.due_at is not None), key=lambda c: c.due_at)   # type: ignore
        soonest = f"; the next is {upcoming[0].order_id}, {upcoming[0].why}" if upcoming else ""
        say(f"Nothing is due ({len(found)} issued certificate{'s' if len(found) != 1 else ''} checked{soonest}).")


def _outcome_json(outcome: "RenewalOutcome") -> dict[str, Any]:
    return {"order": outcome.order_id, "domains": outcome.domains, "result": outcome.result.value,
            "message": outcome.message, "follow_up": outcome.follow_up or None, "details": outcome.details}


# --- systemd -------------------------------------------------------------------------------------------------

def systemd_units(command: list[str]) -> dict[str, str]:
    """The .service and .timer that run `command` twice a day, at a randomized time."""
    line = " ".join(shlex.quote(part) for part in command)
    service = f"""[Unit]
Description=Renew certificates that are due (certwizard)
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
ExecStart={line}
# Nothing runs in parallel: certwizard renew holds a lock; a second run exits at once.
"""
    timer = f"""[Unit]
Description=Run {UNIT_NAME}.service twice a day

[Timer]
OnCalendar=*-*-* 00,12:00:00
RandomizedDelaySec=43200
Persistent=true

[Install]
WantedBy=timers.target
"""
    return {f"{UNIT_NAME}.service": service, f"{UNIT_NAME}.timer": timer}


def _renew_command(args: argparse.Namespace) -> list[str]:
    from certwizard.system.paths import DataLayout

    program = Path(sys.argv[0]).resolve() if sys.argv and sys.argv[0].endswith("certwizard") else None
    base = [str(program)] if program is not None else [sys.executable, "-m", "certwizard"]
    return [*base, "--data-dir", str(DataLayout.resolve(args.data_dir).root), "renew", "--quiet"]


def _print_systemd(args: argparse.Namespace) -> int:
    units = systemd_units(_renew_command(args))
    if args.print_systemd == "-":
        for name, text in units.items():
            say(f"# --- {name} ---")
            say(text)
        say(f"# Put both in /etc/systemd/system/, then: systemctl daemon-reload && "
            f"systemctl enable --now {UNIT_NAME}.timer")
        return EXIT_OK
    folder = Path(args.print_systemd).expanduser()
    if not folder.is_dir():
        return usage_error(f"{folder} is not a folder; give an existing one, e.g. /etc/systemd/system")
    for name, text in units.items():
        target = folder / name
        if target.is_symlink():
            say(f"refused: {target} is a symbolic link; unit files are never written through one (nothing "
                "written)", err=True)
            return EXIT_REJECTED
        if target.exists() and target.read_text(errors="replace") != text:
            say(f"refused: {target} exists and differs; remove it or choose another folder (nothing written)",
                err=True)
            return EXIT_REJECTED
    for name, text in units.items():
        _write_unit(folder / name, text)
        say(f"wrote {folder / name}")
    say(f"then: systemctl daemon-reload && systemctl enable --now {UNIT_NAME}.timer")
    return EXIT_OK


def _write_unit(target: Path, text: str) -> None:
    """Written whole (a temporary file renamed over the name), 0644, never through a link."""
    import os
    import tempfile

    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(fd, "w") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        os.unlink(temporary)
        raise

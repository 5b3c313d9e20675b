"""Running a command on the data folder's services, the same way for every command: refusals exit 1 with
the reason (or {"ok": false, ...} with --json), usage problems exit 2, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import stat
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from certwizard.cli.output import EXIT_REJECTED, print_json, say, stdout_closed, usage_error
from certwizard.domain.text import printable

if TYPE_CHECKING:
    from certwizard.domain.secret_entry import SecretRule

MAX_SECRET_FILE = 4096


class UsageProblem(Exception):
    """The command line cannot work as given (exit 2); the message says how to fix it."""


def refused(args: argparse.Namespace, message: str, **extra: Any) -> int:
    if getattr(args, "json", False):
        print_json({"ok": False, "error": message, **extra})
    else:
        say(f"refused: {message}", err=True)
        for field_name, problem in extra.get("errors", {}).items():
            say(f"  {field_name}: {problem}", err=True)
    return EXIT_REJECTED


def run_with_services(args: argparse.Namespace, action) -> int:
    """Open the data folder and run `action(services)`; refusals exit 1 with the reason, never a traceback."""
    from certwizard.domain.products import UnknownProductError
    from certwizard.domain.status import IllegalTransitionError
    from certwizard.errors import CertwizardError
    from certwizard.services import open_services
    from certwizard.services.workflow import ApplicationInvalidError
    from certwizard.system.paths import DataLayout

    services = None
    try:
        services = open_services(args.data_dir)
        for notice in services.notices:
            say(f"certwizard: {notice}", err=True)
        return action(services)
    except UsageProblem as exc:
        return usage_error(str(exc))
    except ApplicationInvalidError as exc:
        if "passphrase" in exc.errors:
            return refused(args, "this application encrypts its key (encrypt_key = true), so it needs a "
                                  "passphrase: put it in a file only you can read and add "
                                  "--passphrase-file FILE")
        from certwizard.services.application_file import file_key

        return refused(args, "the application has errors; fix them in the application file, run "
                              "certwizard apply again, then this command",
                        errors={file_key(name): problem for name, problem in exc.errors.items()})
    except _loaded("certwizard.crypto.keys", "CsrSelfCheckError") as exc:   # looked up when raised: see _loaded
        return refused(args, f"the generated CSR failed its own check: {exc}")
    except IllegalTransitionError as exc:
        return refused(args, transition_refusal(services, args, exc))
    except UnknownProductError as exc:
        return refused(args, f"the order is for the product {printable(str(exc.product_id))!r}, which this "
                              "certwizard does not know; upgrade certwizard (see `certwizard products`)")
    except CertwizardError as exc:          # every other refusal: its message says what to do
        return refused(args, str(exc))
    except BrokenPipeError:
        return stdout_closed()
    except OSError as exc:
        where = printable(exc.filename if isinstance(exc.filename, str) else str(
            DataLayout.resolve(args.data_dir).root))
        return refused(args, f"cannot use {where} ({exc.strerror or exc}); check its permissions, or choose "
                              "another data folder with --data-dir or CERTWIZARD_DATA_DIR")


class _NeverRaised(Exception):
    """Stands for an error class whose module was not imported: nothing raised one."""


def _loaded(module: str, name: str) -> type[Exception]:
    """An error class of a module the command may never import (cryptography alone is ~50 ms). `except`
    evaluates this when something was raised: a module not imported by then cannot have raised its error."""
    return getattr(sys.modules.get(module), name, _NeverRaised)


def transition_refusal(services, args: argparse.Namespace, exc) -> str:
    """Say why in the order's own terms, and what to do instead (the status module speaks in actions)."""
    from certwizard.cli.order_view import next_step
    from certwizard.domain.status import Action

    verbs = {Action.SUBMIT_FOR_REVIEW: "submitted now",
             Action.SUBMIT_FOR_DOMAIN_VERIFICATION: "submitted now",
             Action.DOMAIN_VERIFIED: "verified (only an order waiting for domain verification can be)"}
    if exc.action not in verbs:
        return str(exc)     # withdraw refusals already explain themselves
    try:
        order = services.workflow.order(args.order)
    except Exception:       # the order vanished meanwhile: the plain reason is all we have
        return str(exc)
    if "another session" in str(exc):
        return f"{exc}; see its status with: certwizard show {order.id}"
    return (f"{order.id} has the status {order.status.label!r}, so it cannot be {verbs[exc.action]}. "
            f"Next: {next_step(order)}")


def read_secret(path_text: str | None, option: str, rule: "SecretRule | None" = None) -> bytes | None:
    """A passphrase or password from the first line of a file; never echoed anywhere. `rule`: what a new
    secret must be (the TUI's rule for the same secret); None for one that opens something existing."""
    if not path_text:
        return None
    from certwizard.system.securefs import read_secret_line

    path = Path(path_text).expanduser()
    shown = printable(str(path))
    try:
        secret = read_secret_line(path, MAX_SECRET_FILE)
    except OSError as exc:
        raise UsageProblem(f"{option} {shown}: {exc.strerror or exc}; give a regular file that holds the "
                           "secret on its first line") from None
    if not secret:
        raise UsageProblem(f"{option} {shown} is empty; write the secret on its first line")
    if rule is not None:
        from certwizard.domain.secret_entry import secret_problem

        try:
            problem = secret_problem(rule, secret.decode("utf-8"))
        except UnicodeDecodeError:
            problem = f"The {rule.noun} is not UTF-8 text; save the file as UTF-8"
        if problem:
            raise UsageProblem(f"{option} {shown}: {problem[0].lower()}{problem[1:]} on the file's first line")
    if stat.S_IMODE(os.stat(path).st_mode) & 0o077:
        say(f"certwizard: warning: {shown} can be read by other users; restrict it with chmod 600", err=True)
    return secret

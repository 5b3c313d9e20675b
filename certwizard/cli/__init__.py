"""The `certwizard` command: no arguments opens the wizard; sub-commands work headless for scripts and cron."""

from __future__ import annotations

import importlib
import os
import sys
from types import SimpleNamespace
from typing import TYPE_CHECKING

from certwizard import __version__
from certwizard.cli.output import EXIT_USAGE

if TYPE_CHECKING:
    import argparse

# Each module exposes register(subparsers); keeps every command in its own small file.
COMMAND_MODULES = ("certwizard.cli.orders", "certwizard.cli.check", "certwizard.cli.lifecycle",
                   "certwizard.cli.sandbox", "certwizard.cli.letter", "certwizard.cli.acme",
                   "certwizard.cli.alibaba", "certwizard.cli.renew", "certwizard.cli.import_certificate",
                   "certwizard.cli.install")


def build_parser() -> argparse.ArgumentParser:
    # here: plain `certwizard` opens the wizard without argparse
    from certwizard.cli.parser import CommandParser

    parser = CommandParser(
        prog="certwizard",
        description="Apply for SSL/TLS certificates from the terminal. Run without a command to open the wizard.",
    )
    parser.add_argument("--version", action="version", version=f"certwizard {__version__}")
    parser.add_argument("--data-dir", metavar="DIR",
                        help="where orders, keys and documents live (default: $CERTWIZARD_DATA_DIR, "
                             "else the platform's user data folder)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


# ca.sandbox.SPEED_ENV and ReviewSpeed's values (a test keeps them equal): spelled out here so that plain
# `certwizard` checks the variable without importing the CA code before the first screen.
SANDBOX_SPEED_ENV = "CERTWIZARD_SANDBOX_SPEED"
SANDBOX_SPEEDS = ("instant", "fast", "realistic")


def environment_problem() -> str | None:
    """What is wrong with certwizard's environment variables, or None.

    An unknown $CERTWIZARD_SANDBOX_SPEED used to mean `fast`, silently, over the saved setting.
    """
    speed = os.environ.get(SANDBOX_SPEED_ENV)
    if speed and speed not in SANDBOX_SPEEDS:
        from certwizard.domain.text import printable

        choices = f"{', '.join(SANDBOX_SPEEDS[:-1])} or {SANDBOX_SPEEDS[-1]}"
        return (f"${SANDBOX_SPEED_ENV} is {printable(speed)!r}, which is not a sandbox speed; set it to "
                f"{choices}, or unset it to use the speed saved with `certwizard sandbox-speed SPEED`")
    return None


def _wizard_only(argv: list[str]) -> str | None:
    """The data folder ('' for the default) when the arguments only open the wizard, else None."""
    if not argv:
        return ""
    if len(argv) == 2 and argv[0] == "--data-dir" and argv[1] and not argv[1].startswith("-"):
        return argv[1]
    if len(argv) == 1 and argv[0].startswith("--data-dir=") and len(argv[0]) > len("--data-dir="):
        return argv[0].split("=", 1)[1]
    return None


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        # An IDN or a company name must not crash output on a terminal that is not UTF-8.
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    problem = environment_problem()
    if problem is not None:
        from certwizard.cli.output import usage_error

        return usage_error(problem)
    arguments = sys.argv[1:] if argv is None else argv
    if list(arguments) == ["--version"]:       # what argparse prints, without building every command's parser
        print(f"certwizard {__version__}")
        return 0
    wizard_data_dir = _wizard_only(arguments)
    if wizard_data_dir is not None:
        # Plain `certwizard [--data-dir DIR]`: open the wizard without loading every command's code first.
        from certwizard.cli.tui import run_tui

        return run_tui(SimpleNamespace(data_dir=wizard_data_dir or None))
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        from certwizard.cli.tui import run_tui

        return run_tui(args)
    try:
        return int(args.handler(args))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:     # `certwizard list | head`: the reader went away; stop quietly
        from certwizard.cli.output import stdout_closed

        return stdout_closed()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

__all__ = ["main", "build_parser", "EXIT_USAGE"]

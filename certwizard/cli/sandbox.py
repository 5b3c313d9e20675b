"""The built-in sandbox CA: `sandbox-root` (its root certificate, to trust it on a test machine) and
`sandbox-speed` (how long its reviews take) and `sandbox-lifetime` (how long its certificates live)."""

from __future__ import annotations

import argparse
import sys

from certwizard.cli.output import EXIT_OK, print_json, say, stdout_closed
from certwizard.cli.runner import refused
from certwizard.domain.text import printable

TRUST_WARNING = ("Not publicly trusted. Its private key lives in the data folder, so anyone who can read "
                 "that folder can issue certificates this machine would accept: trust it on test machines "
                 "only.")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "sandbox-root", help="show the sandbox CA's root certificate (to trust it on a test machine)",
        description="Print where the built-in sandbox CA's root certificate is and its SHA-256 fingerprint "
                    "(the CA is created first if this data folder has none). Exit 0 on success, 1 if the CA "
                    "folder cannot be used, 2 on a usage error.")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--pem", action="store_true", help="print only the root certificate as PEM")
    output.add_argument("--json", action="store_true",
                        help="path, subject, validity and fingerprints as JSON")
    parser.set_defaults(handler=run_sandbox_root)

    speed = subparsers.add_parser(
        "sandbox-speed", help="show or set how long the sandbox CA's reviews take",
        description="instant: decided at once (scripts, tests); fast: seconds (trying things out, the "
                    "default); realistic: minutes for DV, days for OV/EV (demos). Saved in the data folder; "
                    "$CERTWIZARD_SANDBOX_SPEED, when set, wins over it.")
    speed.add_argument("speed", nargs="?", choices=["instant", "fast", "realistic"],
                       help="the speed to save (without it: show the speed in use)")
    speed.set_defaults(handler=run_sandbox_speed)

    lifetime = subparsers.add_parser(
        "sandbox-lifetime", help="show or set how long the sandbox CA's certificates live",
        description="product: each product's own validity (the default). A duration such as 90s, 10m, 12h or "
                    "3d (6s to 398d) issues certificates that short-lived, to watch renewal happen: renewal is "
                    "due at 2/3 of the lifetime. Saved in the data folder; $CERTWIZARD_SANDBOX_LIFETIME, when "
                    "set, wins over it. Exit 0 on success, 1 if it cannot be saved, 2 on a usage error.")
    lifetime.add_argument("lifetime", nargs="?", metavar="DURATION|product",
                          help="the lifetime to save (without it: show the lifetime in use)")
    lifetime.set_defaults(handler=run_sandbox_lifetime)


def run_sandbox_lifetime(args: argparse.Namespace) -> int:
    import os

    from certwizard.ca.sandbox import LIFETIME_ENV, LIFETIME_SETTING, configured_lifetime, parse_lifetime
    from certwizard.cli.output import usage_error
    from certwizard.services import open_services
    from certwizard.storage import StorageError

    if args.lifetime is not None:
        try:
            wanted = parse_lifetime(args.lifetime)
        except ValueError as exc:
            return usage_error(printable(str(exc)))
    try:
        services = open_services(args.data_dir)
        if args.lifetime is not None:
            services.repository.set_setting(LIFETIME_SETTING,
                                            int(wanted.total_seconds()) if wanted is not None else None)
        in_use = configured_lifetime(services.repository)
    except (StorageError, OSError) as exc:
        return refused(args, f"{printable(str(exc))}; the lifetime was not changed")
    shown = "each product's own validity" if in_use is None else f"{int(in_use.total_seconds())} seconds"
    source = f" (from ${LIFETIME_ENV}, which wins over the saved setting)" if os.environ.get(LIFETIME_ENV) else ""
    say(f"in use: {shown}{source}")
    return EXIT_OK


def run_sandbox_speed(args: argparse.Namespace) -> int:
    import os

    from certwizard.ca.sandbox import SPEED_ENV, SPEED_SETTING, configured_speed
    from certwizard.services import open_services
    from certwizard.storage import StorageError
    from certwizard.system.paths import DataLayout

    try:
        services = open_services(args.data_dir)
        if args.speed is not None:
            services.repository.set_setting(SPEED_SETTING, args.speed)
        in_use = configured_speed(services.repository).value
    except StorageError as exc:
        return refused(args, str(exc))
    except OSError as exc:      # a full disk (ENOSPC), a read-only or unwritable data folder
        where = exc.filename if isinstance(exc.filename, str) else str(DataLayout.resolve(args.data_dir).root)
        saving = "the speed was not saved" if args.speed is not None else "the saved speed cannot be read"
        return refused(args, f"cannot use {printable(where)} ({exc.strerror or exc}); {saving}. Free some "
                              "space or fix the folder's permissions and try again, or choose another data "
                              "folder with --data-dir or CERTWIZARD_DATA_DIR")
    if args.speed is not None:
        say(f"saved: the sandbox CA now reviews at '{args.speed}' speed")
    if os.environ.get(SPEED_ENV):
        say(f"in use: '{in_use}' (from ${SPEED_ENV}, which wins over the saved setting)")
    else:
        say(f"in use: '{in_use}'")
    return EXIT_OK


def run_sandbox_root(args: argparse.Namespace) -> int:
    try:
        return _sandbox_root(args)
    except BrokenPipeError:     # `certwizard sandbox-root --pem | head -1`
        return stdout_closed()


def _sandbox_root(args: argparse.Namespace) -> int:
    from certwizard.ca.sandbox_pki import SandboxCAError, SandboxPKI
    from certwizard.crypto.certinfo import describe_certificate
    from certwizard.system.paths import DataLayout

    layout = DataLayout.resolve(args.data_dir)
    try:
        pki = SandboxPKI(layout.ensure().ca_dir).ensure()
    except SandboxCAError as exc:
        return refused(args, str(exc))
    except OSError as exc:
        return refused(args, f"cannot use the data folder {layout.root} ({exc.strerror or exc}); check its "
                              "permissions, or choose another folder with --data-dir or CERTWIZARD_DATA_DIR")
    root_pem = pki.root_pem_path.read_text(encoding="ascii")
    if args.pem:
        sys.stdout.write(root_pem)
        return EXIT_OK
    facts = describe_certificate(root_pem)
    if args.json:
        print_json({"ok": True, "path": str(pki.root_pem_path), "subject": facts.subject,
                    "not_before": facts.not_before, "not_after": facts.not_after,
                    "sha256_fingerprint": facts.sha256_fingerprint,
                    "sha1_fingerprint": facts.sha1_fingerprint,
                    "ca_folder": str(pki.pki_dir), "warning": TRUST_WARNING})
        return EXIT_OK
    say(f"root certificate: {pki.root_pem_path}")
    say(f"subject:          {facts.subject}")
    say(f"valid until:      {facts.not_after:%Y-%m-%d} UTC")
    say(f"SHA-256:          {facts.sha256_fingerprint}")
    say("")
    say(TRUST_WARNING)
    say("Compare the SHA-256 fingerprint after copying the file to the test machine; the README section "
        "\"Trusting the sandbox CA on a test machine\" shows how to add it and remove it again.")
    return EXIT_OK


"""`certwizard` with no command: open the data folder and run the wizard."""

from __future__ import annotations

import argparse

from certwizard.cli.output import EXIT_OK, EXIT_REJECTED, say


def run_tui(args: argparse.Namespace) -> int:
    from certwizard.services import open_services
    from certwizard.storage.json_storage import StorageError

    try:
        services = open_services(getattr(args, "data_dir", None))
    except (StorageError, OSError) as exc:
        say(f"certwizard: cannot open the data folder: {exc}", err=True)
        say("Choose another folder with --data-dir DIR (or $CERTWIZARD_DATA_DIR), or fix the one named above.",
            err=True)
        return EXIT_REJECTED
    # The wizard takes over the terminal, so say what happened at start-up first (the app repeats it too).
    for notice in services.notices:
        say(f"certwizard: {notice}", err=True)

    from certwizard.ui.app import CertWizardApp

    CertWizardApp(services).run()
    return EXIT_OK

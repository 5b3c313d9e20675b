"""`certwizard` with no command: open the data folder and run the wizard."""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING

from certwizard.cli.output import EXIT_OK, EXIT_REJECTED, say

if TYPE_CHECKING:
    import argparse
    from types import SimpleNamespace


def run_tui(args: argparse.Namespace | SimpleNamespace) -> int:
    # No cyclic garbage collection until the first screen is painted (the app turns it back on then): loading
    # Textual and listing the orders make objects by the hundred thousand, which set off full collections,
    # and these find nothing to free at start-up.
    gc.disable()
    try:
        return _open_and_run(args)
    finally:
        gc.enable()         # however it ended


def _open_and_run(args: argparse.Namespace | SimpleNamespace) -> int:
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

    app = CertWizardApp(services)
    app.run()
    return app.return_code or EXIT_OK       # 128 + the signal after a hang-up or SIGTERM (ui/hangup.py)

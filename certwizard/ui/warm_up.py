"""After the first frame: load what the next screens need, then take it out of the garbage collector's way.

Python's cyclic garbage collector re-scans every long-lived object in a full collection: with Textual,
pydantic and cryptography loaded that took ~170 ms here, at a moment nobody chooses (measured: a 205 ms
freeze of the screen in the middle of a submission). Modules, classes and the home screen live as long as
the app, so once they are loaded `gc.freeze()` moves them to a permanent generation that collections skip.
Objects made later (screens opened and closed) are collected as usual, with full collections made rarer.

Loading the next screens' modules now, while the user reads the home screen, also means opening them later
does not pay for their imports (pydantic alone is ~60-90 ms).
"""

from __future__ import annotations

import gc
import importlib

from certwizard.ca.registry import modules_to_warm
from certwizard.storage.repository import Repository

CORE = (
    "filelock",                 # the first write takes the database lock (opening a healthy one took none)
    "certwizard.domain.models",
    "certwizard.services.validation",
    "certwizard.crypto.csr_lint",
    "certwizard.crypto.certinfo",
)
NEXT_SCREENS = (
    "certwizard.documents.images",
    "certwizard.ui.dialogs.confirm",
    "certwizard.ui.dialogs.pickers",
    "certwizard.ui.dialogs.text_prompt",
    "certwizard.ui.screens.apply",
    "certwizard.ui.screens.unissued",
    "certwizard.ui.screens.issued",
    "certwizard.ui.textual_fixes.screen_ahead",
)


def warm_up(repository: Repository) -> None:
    """Run in a thread worker once the first frame is painted."""
    for name in (*CORE, *modules_to_warm(), *NEXT_SCREENS):      # the authorities: what each one uses
        importlib.import_module(name)
    repository.find_orders()
    gc.freeze()
    # Full collections still scan what later screens leave behind (~60 ms): make them ten times rarer.
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, 100)

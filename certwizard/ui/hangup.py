"""Ending on a hang-up (the SSH connection dropped) or SIGTERM: what was typed is stored first.

The default action of both signals ends the process at once, and a draft change still waiting for its typing
pause (`debounce.SAVE_DELAY`) was lost. Here the app stores it, then exits as on Ctrl+Q. A terminal that is
gone can stall Textual's clean-up (writes to a closed pty), so after `GIVE_UP_AFTER` the process ends anyway:
by then everything is stored.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from typing import Protocol

from textual.app import App

EXIT_SIGNALS = (signal.SIGHUP, signal.SIGTERM)
GIVE_UP_AFTER = 5.0
KEYS_IN_FLIGHT = 0.05      # lets key events already read from the terminal reach their fields first


class SavesBeforeExit(Protocol):
    def save_before_exit(self) -> None:
        """Store what the user typed now, without waiting for a typing pause; never raises."""


def install(app: App) -> None:
    loop = asyncio.get_running_loop()
    for signum in EXIT_SIGNALS:
        loop.add_signal_handler(signum, _on_signal, app, signum)


def uninstall() -> None:
    loop = asyncio.get_running_loop()
    for signum in EXIT_SIGNALS:
        loop.remove_signal_handler(signum)


def _on_signal(app: App, signum: int) -> None:
    asyncio.ensure_future(_save_and_exit(app, signum))


async def _save_and_exit(app: App, signum: int) -> None:
    await asyncio.sleep(KEYS_IN_FLIGHT)
    save_everything(app)
    watchdog = threading.Timer(GIVE_UP_AFTER, os._exit, (128 + signum,))
    watchdog.daemon = True
    watchdog.start()
    app.exit(return_code=128 + signum)


def save_everything(app: App) -> None:
    """Every open screen that holds typed text stores it (the Apply screen may be under a dialog)."""
    for screen in app.screen_stack:
        save = getattr(screen, "save_before_exit", None)
        if save is not None:
            save()

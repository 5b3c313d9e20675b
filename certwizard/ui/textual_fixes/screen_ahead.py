"""Getting an installed screen ready before it is shown: composed, laid out at the terminal's size, rendered.

Textual does all of this when a screen is first pushed. It composes the screen, then lays it out three
times (the screen takes the terminal's size; its widgets take theirs and ask for more passes) and renders
every widget from nothing: four frames, ~100 ms for Unissued Certificates at 10,000 orders. Done here, while
the user reads the screen before it, the first visit costs what a later one does: a restyle and one frame.

This reaches into Textual (pinned below 9; tests/ui/test_unissued.py covers it):
- `App._get_screen`: what push_screen does first (start the screen and mount its widgets);
- `Screen._refresh_layout(size)`: a layout pass, which paints nothing for a screen that is not shown;
- `Screen._layout_required`: the passes widgets ask for, which Textual runs only for the shown screen;
- `Screen._compositor.render_update`: rendering each widget once fills its line cache, which the restyle on
  showing keeps when no style changed.
"""

from __future__ import annotations

import asyncio

from textual.app import App
from textual.screen import Screen

LAYOUT_ROUNDS = 5
SETTLE_SECONDS = 0.02       # for the widgets to handle their Resize events and ask for another pass


async def prepare_unseen(app: App, name: str) -> Screen:
    """Start the installed screen `name` and lay it out and render it without showing it. Stops early, at no
    harm, if the screen is shown meanwhile (showing it then does what is left)."""
    screen, mounted = app._get_screen(name)
    await mounted
    size = app.size
    for _ in range(LAYOUT_ROUNDS):
        if not _unseen(app, screen):
            return screen
        screen._refresh_layout(size)
        screen._layout_required = False
        await asyncio.sleep(SETTLE_SECONDS)
        if not screen._layout_required:
            break
    if _unseen(app, screen) and screen.size == size:
        screen._compositor.render_update(full=True)
    return screen


def _unseen(app: App, screen: Screen) -> bool:
    return screen.is_attached and screen not in app.screen_stack

"""Moving the focus repaints what it restyles, not the whole screen.

Textual's `Screen.focused` is a reactive that repaints the entire screen at every focus change, although the
widget that gains focus, the one that loses it and any `:focus-within` ancestor already restyle and repaint
themselves. That full repaint is a 10-15 ms frame on the Apply screen (a stall when it comes with other
work) and every line of the terminal sent again over SSH, at each Tab. WizardScreen (ui/screens/base.py) and
DialogScreen (ui/dialogs/base.py) mix it in for every screen and dialog.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.reactive import Reactive

if TYPE_CHECKING:
    from textual.widget import Widget


class QuietFocus:
    focused: Reactive[Widget | None] = Reactive(None, repaint=False)

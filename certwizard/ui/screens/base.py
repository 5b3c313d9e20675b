"""The base of certwizard's screens: QuietFocus (ui/textual_fixes/quiet_focus.py) mixed in once, and `app` typed as the
wizard's own app for the type checker (the property exists only under TYPE_CHECKING: at run time `app` is
Textual's, which returns the running CertWizardApp anyway).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.screen import Screen

from certwizard.ui.textual_fixes.quiet_focus import QuietFocus

if TYPE_CHECKING:
    from certwizard.ui.app import CertWizardApp


class WizardScreen(QuietFocus, Screen):
    if TYPE_CHECKING:
        @property
        def app(self) -> CertWizardApp: ...  # type: ignore[override]  # narrows Textual's App to ours

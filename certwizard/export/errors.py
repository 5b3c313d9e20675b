"""The error every export refusal raises (its own module: the writer, the checks and the layouts share it)."""

from __future__ import annotations

from certwizard.errors import CertwizardError


class ExportError(CertwizardError):
    """The export was refused or failed; nothing is left behind. The message says how to fix it."""


__all__ = ["ExportError"]

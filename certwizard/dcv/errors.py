"""Why a domain-validation check cannot even start: a bad setting, or a check that cannot apply to the name.

A check that runs and finds the record missing is not an error: it returns a result that says so.
"""

from __future__ import annotations

from certwizard.errors import CertwizardError


class DcvError(CertwizardError, ValueError):
    """A check that cannot be run as asked; the message says what to change."""

"""The one base of every refusal or failure a user can act on.

str() of a `CertwizardError` says what is wrong and what to do about it, in the user's words, and is shown as
it is (escaped, never read as markup). Each front end catches this one type in one place: the command line
in `cli/lifecycle._run` (exit 1), the wizard where it runs the action. Subclasses keep their older bases
(ValueError, OSError...) so code that caught those still does.
"""

from __future__ import annotations


class CertwizardError(Exception):
    """A refusal or failure with a message for the user (see the module docstring)."""

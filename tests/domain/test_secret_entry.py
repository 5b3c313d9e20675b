"""The rules for a typed passphrase or .pfx password (domain/secret_entry.py), shared by both dialogs."""

from __future__ import annotations

import pytest

from certwizard.domain.secret_entry import KEY_PASSPHRASE, MIN_PASSPHRASE, PFX_PASSWORD, secret_problem


@pytest.mark.parametrize("rule, first, second, expected", [
    (KEY_PASSPHRASE, "", "", "Type a passphrase of at least 8 characters"),
    (KEY_PASSPHRASE, "tiny5", "tiny5", "Too short: 5 characters. Use at least 8"),
    (KEY_PASSPHRASE, "long enough\x1b[2J", "long enough\x1b[2J", "The passphrase contains control characters"),
    (KEY_PASSPHRASE, "correct horse", "correct h0rse", "type the same passphrase in both fields"),
    (PFX_PASSWORD, "", "", "Type a password for the .pfx file"),
    (PFX_PASSWORD, "abc", "abd", "type the same password in both fields"),
    (PFX_PASSWORD, "a\tb", "a\tb", "The password contains control characters"),
])
def test_each_problem_says_what_to_do_and_never_repeats_the_secret(rule, first, second, expected):
    problem = secret_problem(rule, first, second)
    assert problem is not None and expected in problem
    assert not first or first not in problem


def test_acceptable_secrets_pass_and_only_the_passphrase_has_a_minimum():
    assert secret_problem(KEY_PASSPHRASE, "x" * MIN_PASSPHRASE, "x" * MIN_PASSPHRASE) is None
    assert secret_problem(PFX_PASSWORD, "abc", "abc") is None
    assert secret_problem(PFX_PASSWORD, "abc") is None             # no confirmation asked: nothing to compare

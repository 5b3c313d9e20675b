"""mypy is clean on the package (settings in pyproject.toml), so a wrong type fails the suite, not a user."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_mypy_finds_no_errors_in_the_package():
    result = subprocess.run([sys.executable, "-m", "mypy", "--no-error-summary", "--cache-dir", "/dev/null"],
                            cwd=ROOT, capture_output=True, text=True, timeout=280)
    assert result.returncode == 0, "mypy found errors:\n" + result.stdout + result.stderr

"""`.ci/run` must find and run the README's test command, exactly as the README writes it."""

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def readme_test_command() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- test-command -->\s*```[^\n]*\n(.*?)```", text, re.S)
    assert block, "README.md has no fenced block under <!-- test-command -->"
    lines = [line for line in block.group(1).splitlines() if line.strip()]
    assert len(lines) == 1, "the README's test command is one line"
    return lines[0]


def test_ci_runs_the_readme_test_command():
    printed = subprocess.run(
        [str(ROOT / ".ci" / "run"), "--print-command"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    assert printed == readme_test_command()
    assert printed.startswith("python3 -m venv .venv && ")
    assert "pytest" in printed


def test_readme_has_exactly_two_set_up_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert text.count("<!-- run-command -->") + text.count("<!-- test-command -->") == 2

"""`.ci/run` must find and run the README's test command, exactly as the README writes it."""

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

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


def _fake_checkout(tmp_path: Path, command: str) -> Path:
    """A copy of .ci/run beside a README whose test command is `command` (cheap, unlike the real one)."""
    checkout = tmp_path / "checkout"
    (checkout / ".ci").mkdir(parents=True)
    script = checkout / ".ci" / "run"
    script.write_text((ROOT / ".ci" / "run").read_text(encoding="utf-8"), encoding="utf-8")
    script.chmod(0o755)
    (checkout / "README.md").write_text(f"<!-- test-command -->\n```\n{command}\n```\n", encoding="utf-8")
    return script


@pytest.mark.parametrize("outcome, code", [("0", 0), ("3", 3)])
def test_ci_removes_its_virtual_environment_whether_the_tests_pass_or_fail(tmp_path, outcome, code):
    # The venv is really made (without pip, to be quick); the "tests" record where it was, then exit.
    record = tmp_path / "venv-path"
    script = _fake_checkout(tmp_path, "python3 -m venv --without-pip .venv && .venv/bin/python -c "
                                      f"\"import sys; open('{record}', 'w').write(sys.prefix); "
                                      f"sys.exit({outcome})\"")
    temp = tmp_path / "tmp"
    temp.mkdir()
    result = subprocess.run(["bash", str(script)], capture_output=True, text=True, timeout=120,
                            env={**os.environ, "TMPDIR": str(temp)})
    assert result.returncode == code, result.stderr
    venv = Path(record.read_text())
    assert venv.name == "venv" and venv.parent.parent == temp      # it ran in $TMPDIR/<scratch>/venv...
    assert list(temp.iterdir()) == []                               # ...and nothing of it is left


def test_ci_removes_its_virtual_environment_when_killed(tmp_path):
    started = tmp_path / "started"
    script = _fake_checkout(tmp_path, "python3 -m venv --without-pip .venv && .venv/bin/python -c "
                                      f"\"import time; open('{started}', 'w').close(); time.sleep(60)\"")
    temp = tmp_path / "tmp"
    temp.mkdir()
    ci = subprocess.Popen(["bash", str(script)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                          env={**os.environ, "TMPDIR": str(temp)}, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not started.exists():
            assert time.monotonic() < deadline and ci.poll() is None, "the fake test command never started"
            time.sleep(0.05)
        os.killpg(ci.pid, signal.SIGTERM)     # as a CI runner stops a job: the whole process group
        assert ci.wait(timeout=60) != 0
    finally:
        if ci.poll() is None:
            os.killpg(ci.pid, signal.SIGKILL)
            ci.wait()
    assert list(temp.iterdir()) == []

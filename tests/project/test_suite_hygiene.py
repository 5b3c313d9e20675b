"""The test suite itself: it runs the same in any clone, and it never skips a test without saying so."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted(path for folder in ("tests", "benchmarks") for path in (ROOT / folder).rglob("*.py")
                 if path != Path(__file__).resolve())     # this file spells a machine path on purpose
# An absolute path into some machine's checkout or virtual environment, written into a test as a literal.
MACHINE_PATH = re.compile(r"""["'](?:/work|/home|/Users|/root)/[^"']*(?:\.venv|site-packages|/bin/)""")


def test_no_test_depends_on_where_the_checkout_lives():
    found = []
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        for number, line in enumerate(text.splitlines(), 1):
            if MACHINE_PATH.search(line) or str(ROOT) in line:
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == [], "find files from the checkout (Path(__file__)) or sys.executable instead:\n" + \
        "\n".join(found)


def test_the_checker_sees_a_machine_path():
    assert MACHINE_PATH.search('CONSOLE = Path("/work/main/.venv/bin/certwizard")')
    assert not MACHINE_PATH.search('Path(sys.executable).parent / "certwizard"')


def test_every_skip_is_reported_with_its_reason():
    options = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"][
        "ini_options"]
    assert re.search(r"(^|\s)-r\w*s", options["addopts"]), "addopts needs -rs: skip reasons in the summary"
    bare = []
    for path in SOURCES:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"pytest\.(skip|mark\.skipif|mark\.skip)\(\s*\)", line):
                bare.append(f"{path.relative_to(ROOT)}:{number}")
    assert bare == [], f"skips without a reason: {bare}"


def test_each_test_has_a_time_limit():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert int(config["tool"]["pytest"]["ini_options"]["timeout"]) > 0
    assert any(requirement.startswith("pytest-timeout")
               for requirement in config["project"]["optional-dependencies"]["test"])

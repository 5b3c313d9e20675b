"""The core (everything but certwizard.ui) must work without Textual: prove it in a clean interpreter."""

import subprocess
import sys

PROBE = r"""
import importlib, pkgutil, sys
import certwizard
skipped = ("certwizard.ui", "certwizard.cli.tui")
names = []
for info in pkgutil.walk_packages(certwizard.__path__, "certwizard."):
    if info.name.startswith(skipped) or info.name == "certwizard.__main__":
        continue
    importlib.import_module(info.name)
    names.append(info.name)
leaked = sorted(m for m in sys.modules if m.split(".")[0] in ("textual", "rich"))
print(len(names), ",".join(leaked))
"""


def test_core_modules_import_without_textual_or_rich():
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    count, leaked = result.stdout.strip().split(" ", 1) if " " in result.stdout.strip() else (result.stdout, "")
    assert int(count) >= 8, result.stdout
    assert leaked.strip() == "", f"core modules pulled in: {leaked}"


def test_cli_parser_builds_without_textual():
    probe = ("import sys; from certwizard.cli import build_parser; build_parser(); "
             "print(any(m.split('.')[0] in ('textual', 'rich') for m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"

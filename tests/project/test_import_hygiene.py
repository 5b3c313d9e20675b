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


FIRST_SCREEN = r"""
import sys
from certwizard.services import open_services
from certwizard.ui.app import CertWizardApp
summaries = open_services(sys.argv[1]).workflow.summaries()
heavy = ("pydantic", "cryptography", "PIL", "fpdf", "markdown_it", "phonenumbers", "pycountry", "idna",
         "asn1crypto", "email_validator", "filelock")
print(len(summaries), ",".join(sorted({m.split(".")[0] for m in sys.modules if m.split(".")[0] in heavy})))
"""


def test_the_first_screen_loads_no_models_crypto_images_pdf_or_markdown(tmp_path):
    """Start-up pays only for what the home screen paints: the rest is imported when first used (the lock
    library too: opening a healthy database takes no lock)."""
    from certwizard.services import open_services

    open_services(tmp_path / "data").workflow.add_purchased("dv-single")
    result = subprocess.run([sys.executable, "-c", FIRST_SCREEN, str(tmp_path / "data")],
                            capture_output=True, text=True, check=True)
    count, heavy = result.stdout.strip().split(" ", 1) if " " in result.stdout.strip() else (result.stdout, "")
    assert int(count) == 1
    assert heavy.strip() == "", f"imported at start-up: {heavy}"


def test_plain_certwizard_opens_the_wizard_without_parsing_commands():
    from certwizard.cli import _wizard_only

    assert _wizard_only([]) == ""
    assert _wizard_only(["--data-dir", "/srv/cw"]) == "/srv/cw"
    assert _wizard_only(["--data-dir=/srv/cw"]) == "/srv/cw"
    for command in (["list"], ["--data-dir", "/srv/cw", "list"], ["--help"], ["--data-dir"], ["--data-dir", "-x"]):
        assert _wizard_only(command) is None, command


def test_version_and_help_import_no_models_crypto_or_database():
    """`certwizard --version` and `--help` are the first thing a script runs: they build only the parser."""
    heavy = ("pydantic", "cryptography", "tinydb", "filelock", "textual", "rich", "idna", "PIL")
    for argument in ("--version", "--help"):
        probe = (f"import sys; from certwizard.cli import main\ntry:\n    main([{argument!r}])\nexcept SystemExit:\n"
                 f"    pass\nprint(sorted({{m.split('.')[0] for m in sys.modules}} & set({heavy!r})), file=sys.stderr)")
        result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
        assert result.stderr.strip().splitlines()[-1] == "[]", (argument, result.stderr)
        assert "certwizard" in result.stdout

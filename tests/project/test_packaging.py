"""What pyproject.toml promises: every imported library is declared, no bound that a date-versioned release
will break, the licence file exists, and the README says what a first install needs."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def imported_top_level_modules() -> set[str]:
    modules: set[str] = set()
    for path in (ROOT / "certwizard").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module.split(".")[0])
    return {name for name in modules if name not in sys.stdlib_module_names and name != "certwizard"}


def test_every_library_the_code_imports_is_a_declared_dependency():
    """In the dependencies, or in an extra whose modules import it only when used (certwizard[alibaba])."""
    extras = [text for name, texts in PROJECT["optional-dependencies"].items() if name != "test" for text in texts]
    declared = {_normal(Requirement(text).name) for text in [*PROJECT["dependencies"], *extras]}
    distributions = packages_distributions()
    undeclared = {}
    for module in sorted(imported_top_level_modules()):
        names = {_normal(name) for name in distributions.get(module, [module])}
        if not names & declared:
            undeclared[module] = sorted(names)
    assert undeclared == {}, f"imported but not in [project] dependencies: {undeclared}"


def test_the_alibaba_sdk_is_an_extra_imported_only_inside_functions():
    """Without the extra installed, every module still imports (the SDK is imported when an account is used)."""
    extra = {_normal(Requirement(text).name) for text in PROJECT["optional-dependencies"]["alibaba"]}
    assert extra == {"alibabacloud-cas20200407", "alibabacloud-tea-openapi", "alibabacloud-credentials"}
    for path in (ROOT / "certwizard").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:      # module level only: imports inside functions run when used
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(name.startswith("alibabacloud") for name in names), path


def test_the_check_finds_rich_which_the_ui_imports_directly():
    assert "rich" in imported_top_level_modules()


def test_date_versioned_font_package_is_not_capped_at_a_year():
    (requirement,) = [Requirement(text) for text in PROJECT["dependencies"]
                      if Requirement(text).name == "weblate-fonts"]
    assert requirement.specifier.contains("2026.1") and requirement.specifier.contains("2031.1")


def test_the_licence_file_is_the_mit_licence_pyproject_names():
    assert PROJECT["license"] == "MIT"
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License") and "Copyright (c) 2026 certwizard authors" in text
    assert "Permission is hereby granted, free of charge" in text
    assert 'THE SOFTWARE IS PROVIDED "AS IS"' in text


def test_the_readme_says_what_a_first_install_needs():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    set_up = text[text.index("## Set up"):text.index("## Screens")]
    assert "Python 3.11" in set_up and "python3-venv" in set_up
    assert "CERTWIZARD_DATA_DIR=$(mktemp -d)" in set_up         # the try-it command keeps no data around
    assert PROJECT["requires-python"] == ">=3.11"

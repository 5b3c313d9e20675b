"""Fixtures of the snapshot tests: the same picture on every run, machine and xdist worker.

Everything a screen could take from its surroundings is pinned here: the time zone (UTC), the home folder
(suggested paths and their completions), the data folder's name (Help shows it: the same relative name in
every test), colour, cursor blinking, typing-pause delays (zero: no timer left running) and the sandbox's
review speed. Data, clock and theme come from scenes.py.

Tests marked `screenshots` rewrite the curated SVGs in screenshots/; they are skipped unless asked for with
`pytest -m screenshots`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from certwizard.services import Services, open_services
from certwizard.ui.app import CertWizardApp
from tests.snapshots.scenes import SCENES, build_app
from tests.steady import no_blink, utc_timezone  # noqa: F401 - autouse fixtures

DATA_FOLDER = "data"      # relative to the test's own working folder: Help prints it


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    wanted = config.getoption("markexpr", "") or ""
    if "screenshots" in wanted and "not screenshots" not in wanted:
        return
    skip = pytest.mark.skip(reason="rewrites screenshots/: run `pytest -m screenshots` to regenerate them")
    for item in items:
        if item.get_closest_marker("screenshots") is not None:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def steady_surroundings(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(tmp_path)
    for name in ("NO_COLOR", "CERTWIZARD_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CERTWIZARD_SANDBOX_SPEED", "instant")


@pytest.fixture(autouse=True)
def no_debounce(monkeypatch: pytest.MonkeyPatch) -> None:
    """Checks and draft saves run at the next tick, so `settle` sees them finish (no timer still pending)."""
    from certwizard.ui.widgets import debounce

    monkeypatch.setattr(debounce, "CHECK_DELAY", 0)
    monkeypatch.setattr(debounce, "SAVE_DELAY", 0)


@pytest.fixture
def scene_app() -> Iterator[Callable[[str], CertWizardApp]]:
    """`scene_app(name)`: the app on a fresh data folder holding the orders of SCENES[name]."""
    opened: list[Services] = []

    def build(name: str) -> CertWizardApp:
        services = open_services(DATA_FOLDER)
        opened.append(services)
        return build_app(services, SCENES[name].kinds)
    yield build
    for services in opened:        # the database file stays open while the repository lives
        services.repository.close()


@pytest.fixture
def snap_scene(snap_compare, scene_app) -> Callable[[str, tuple[int, int]], bool]:
    """`snap_scene(name, size)`: compares the scene at `size` with its baseline in __snapshots__/."""
    def compare(name: str, size: tuple[int, int]) -> bool:
        return snap_compare(scene_app(name), terminal_size=size, run_before=SCENES[name].run_before)
    return compare

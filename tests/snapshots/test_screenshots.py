"""The curated pictures in screenshots/ (shown in the README), rewritten on demand:

    .venv/bin/python -m pytest -m screenshots

Skipped in the normal run, so testing never changes the repository. Each picture is a scene of scenes.py at
100x30; a file changes only when what the screen shows changes (the SVG's ids are a hash of its content).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.snapshots.scenes import SCENES, settle

SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
SIZE = (100, 30)

# file name (without .svg) -> scene
CURATED = {
    "certificates": "home-orders",
    "apply-enter-application": "apply-dv-filled",
    "apply-manual-csr": "apply-manual-csr",
    "apply-verify-information": "verify-ov-document",
    "unissued-certificates": "unissued-dns-record",
    "issued-certificates": "issued-detail",
    "renewal-due": "issued-due",
    "install": "install-dialog",
    "export": "export-dialog",
    "acme-account": "acme-account-dialog",
    "apply-acme": "apply-acme-dns",
    "self-check": "self-check-failed",
}


@pytest.mark.screenshots
@pytest.mark.parametrize("name", list(CURATED))
async def test_curated_screenshot(name, scene_app):
    scene = CURATED[name]
    app = scene_app(scene)
    SCREENSHOTS.mkdir(exist_ok=True)
    async with app.run_test(size=SIZE) as pilot:
        await SCENES[scene].run_before(pilot)
        await settle(pilot)
        # As App.save_screenshot writes it, but simplified (runs of one style merged): half the size.
        svg = app.export_screenshot(simplify=True)
    written = SCREENSHOTS / f"{name}.svg"
    written.write_text(svg, encoding="utf-8")
    assert "<svg" in written.read_text(encoding="utf-8")

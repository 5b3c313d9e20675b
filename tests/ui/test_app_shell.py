"""The app shell: first start, Help, the command palette, background status checks, errors, restarts, `certwizard`."""

from __future__ import annotations

import argparse
import gc
from datetime import UTC, datetime, timedelta

from textual.command import CommandPalette

from certwizard.ca.sandbox import ReviewSpeed, SandboxAuthority
from certwizard.cli.tui import run_tui
from certwizard.domain.status import OrderStatus
from certwizard.services import Services, open_services
from certwizard.services.workflow import Workflow
from certwizard.ui.commands import CertWizardCommands
from certwizard.ui.screens.certificates import CertificatesScreen
from certwizard.ui.screens.help import HelpScreen, help_markdown
from certwizard.ui.screens.unissued import UnissuedScreen
from certwizard.ui.widgets.order_table import OrderTable
from tests.ui.workers_done import workers_done


async def test_first_start_explains_the_flow_and_offers_add_at_80x24(make_app, screen_text):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        text = screen_text(app)
    assert "certwizard takes a certificate you bought" in text
    assert "Add the purchased certificate (press a)" in text
    assert "Press F1 for help." in text            # the last line of the explanation still fits
    footer = text.splitlines()[-1]
    assert "a Add" in footer and "F1 Help" in footer and "^q Quit" in footer
    assert "Apply" not in footer                    # nothing to apply for yet


async def test_f1_opens_help_and_escape_goes_back(make_app, seeded_services):
    app = make_app(seeded_services)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("f1")                     # already there: no second copy on the stack
        assert len(app.screen_stack) == 2
        await pilot.press("escape")
        assert isinstance(app.screen, CertificatesScreen)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)


def test_help_covers_the_flow_csrs_by_hand_data_paths_and_the_sandbox(services: Services):
    text = help_markdown(services)
    for expected in ("Keep your phone on", "Watch your mailbox", "3 to 7 business days", "about 2 days",
                     "openssl req -new -newkey rsa:2048", "prime256v1", "-addext \"subjectAltName=DNS:",
                     "-config example.cnf -reqexts san", "DNS.2 = example.com",
                     "certwizard never sees it", str(services.layout.keys_dir), str(services.layout.database),
                     "CERTWIZARD_SANDBOX_SPEED", "`instant`", "`realistic`", "review-fail.example.com"):
        assert expected in text, expected


async def test_the_csr_commands_in_help_are_whole_at_80_columns(make_app, services, screen_text):
    """Every command line is on screen in full at 80 columns: nothing is cut off."""
    from textual.widgets._markdown import MarkdownFence

    app = make_app()
    async with app.run_test(size=(80, 60)) as pilot:      # 80 columns; tall enough for the longest block
        await pilot.press("f1")
        fences = [f for f in app.screen.query(MarkdownFence) if "openssl req" in f.code]
        assert len(fences) >= 2
        for fence in fences:
            app.screen.query_one("#help-scroll").scroll_to_widget(fence, animate=False, top=True)
            await pilot.pause()
            shown = screen_text(app)
            for line in fence.code.splitlines():
                assert line.strip() and line in shown, f"cut off at 80 columns: {line!r}"


async def test_on_a_narrower_screen_a_command_block_scrolls_sideways_instead_of_cutting(make_app, services,
                                                                                        screen_text):
    from certwizard.ui.screens.help import CommandBlock

    app = make_app()
    async with app.run_test(size=(56, 30)) as pilot:
        await pilot.press("f1", "tab")
        block = app.focused
        assert isinstance(block, CommandBlock) and "-addext" in block.code
        last = block.code.splitlines()[-1].strip()
        assert last not in screen_text(app)                     # too wide for 56 columns...
        assert block.max_scroll_x > 0 and block.show_horizontal_scrollbar
        await pilot.press("end")
        assert block.scroll_x == block.max_scroll_x
        assert last[-30:] in screen_text(app)                   # ...and its end is reached with the keyboard
        scroll = app.screen.query_one("#help-scroll")
        before = scroll.scroll_y
        await pilot.press("home", "down")                       # ↓ still scrolls the help itself
        assert block.scroll_x == 0 and scroll.scroll_y > before


def test_each_csr_command_block_in_help_pastes_into_a_shell(services, tmp_path):
    import re
    import subprocess

    blocks = re.findall(r"```\n(.*?)```", help_markdown(services), re.S)
    commands = [block for block in blocks if "openssl req" in block]
    assert len(commands) == 4     # RSA and ECDSA, each with -addext and with the config file (1.0.2)
    (config_file,) = {m.group(0) for block in commands for m in re.finditer(r"cat > .*?\nEOF\n", block, re.S)}
    for block in commands:
        if "-config example.cnf" in block and "<<'EOF'" not in block:   # "with the same example.cnf"
            block = config_file + block
        subprocess.run(["sh", "-e", "-c", block], cwd=tmp_path, check=True, capture_output=True, timeout=120)
        assert (tmp_path / "example.csr").exists()
        (tmp_path / "example.csr").unlink()


async def test_c_in_help_copies_the_commands_whole(make_app, services, notes, screen_text):
    from certwizard.ui.screens.help import HelpScreen, csr_commands

    app = make_app()
    async with app.run_test(size=(80, 24), message_hook=notes.hook, notifications=True) as pilot:
        await pilot.press("f1")
        for _ in range(100):        # letters typed before a screen is shown wait (KeyGuard): show Help first
            if isinstance(app.screen, HelpScreen):
                break
            await pilot.pause(0.05)
        await pilot.press("c")
        await pilot.pause()
        copied = app.clipboard
        footer = screen_text(app).splitlines()[-1]
    assert copied == csr_commands().config + "\n"
    assert "-config example.cnf -reqexts san" in copied and "DNS.2 = example.com" in copied
    assert "c Copy CSR commands" in footer
    assert any("Copied the CSR commands" in text for text in notes.texts)


async def test_help_screen_shows_the_real_data_folder(make_app, services, screen_text):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("f1", "end")
        await pilot.pause()
        text = screen_text(app)
    assert str(services.layout.documents_dir) in text
    assert "The sandbox CA" in text


async def test_palette_offers_the_main_actions(make_app, seeded_services):
    app = make_app(seeded_services)
    async with app.run_test(size=(80, 24)) as pilot:
        provider = CertWizardCommands(app.screen)
        names = [hit.display async for hit in provider.discover()]
        assert names[:8] == ["Add purchased certificate", "Add an ACME account",
                             "Apply for the selected certificate",
                             "Unissued certificates", "Issued certificates",
                             "Export the selected certificate",
                             "Refresh status from the certificate authority", "Help"]
        assert {"Add", "Unissued", "Refresh", "Filter", "Quit"} <= set(names[8:])    # then this screen's keys
        await pilot.press("ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        app.screen.query_one("#--input Input").value = "unissued"
        await pilot.pause(0.3)                        # the palette searches in the background
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, UnissuedScreen)


def _clocked_services(services: Services, clock: list[datetime]) -> Services:
    """The same data folder, with a sandbox CA whose clock the test moves (review takes 5 s at 'fast')."""
    sandbox = SandboxAuthority(services.layout.ca_dir, speed=ReviewSpeed.FAST, now=lambda: clock[0])
    workflow = Workflow(services.repository, services.layout, lambda name: sandbox, now=lambda: clock[0])
    return Services(services.layout, services.repository, services.authorities, workflow)


async def test_background_refresh_announces_an_issued_certificate(make_app, services, valid_draft, notes):
    clock = [datetime.now(UTC)]
    clocked = _clocked_services(services, clock)
    [order] = clocked.workflow.add_purchased("dv-single")
    clocked.workflow.save_draft(order, valid_draft)
    clocked.workflow.submit(order.id)
    clocked.workflow.confirm_domain_validation(order.id)      # now under review for 5 s
    assert clocked.workflow.order(order.id).status is OrderStatus.UNDER_REVIEW
    clock[0] += timedelta(seconds=10)

    app = make_app(clocked, refresh_seconds=3600)
    async with app.run_test(size=(80, 24), message_hook=notes.hook) as pilot:
        await workers_done(app)
        await pilot.pause()
        status = app.screen.query_one(OrderTable).row_texts(order.id)["status"]
    assert "Issued: www.example.com" in notes.joined()
    assert status == "Issued"


async def test_a_failing_status_check_is_reported_once_with_what_to_do(make_app, seeded_services, notes):
    # The seeded applications are unknown to the sandbox CA, so asking about them fails.
    app = make_app(seeded_services)
    async with app.run_test(size=(80, 24), message_hook=notes.hook) as pilot:
        for _ in range(2):
            await pilot.press("r")
            await workers_done(app)
            await pilot.pause()
        failures = [text for text in notes.texts if "Could not check the status" in text]
        assert isinstance(app.screen, CertificatesScreen)      # the app carries on
    assert len(failures) == 1
    assert "has no record of 2 submitted applications" in failures[0] and "press r to try now" in failures[0]


async def test_manual_refresh_says_when_nothing_changed(make_app, submit_valid, notes):
    submit_valid()
    app = make_app()
    async with app.run_test(size=(80, 24), message_hook=notes.hook) as pilot:
        await pilot.press("r")
        await workers_done(app)
        await pilot.pause()
    assert "No changes" in notes.joined()


async def test_a_restart_on_the_same_folder_shows_the_same_orders(tmp_path, monkeypatch, make_app, screen_text):
    monkeypatch.setenv("CERTWIZARD_SANDBOX_SPEED", "instant")
    first = make_app(open_services(tmp_path / "shared"))
    async with first.run_test(size=(80, 24)) as pilot:
        await pilot.press("a", "down", "enter")     # Basic DV Multi-Domain
        await pilot.press("enter")                  # one certificate
        await pilot.pause()
        await pilot.press("ctrl+q")

    second = make_app(open_services(tmp_path / "shared"))
    async with second.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        text = screen_text(second)
        assert second.screen.selected is not None
    assert "DV multi ×5" in text and "Pending application" in text
    assert "1 certificate: 1 to apply" in text


def test_certwizard_without_a_command_refuses_an_unusable_data_folder(tmp_path, capsys):
    not_a_folder = tmp_path / "data"
    not_a_folder.write_text("this is a file")
    assert run_tui(argparse.Namespace(data_dir=str(not_a_folder))) == 1
    err = capsys.readouterr().err
    assert "cannot open the data folder" in err and "--data-dir" in err
    assert gc.isenabled()          # paused for start-up only


WARM_UP_PROBE = r"""
import asyncio, gc, sys
from certwizard.services import open_services
from certwizard.ui.app import CertWizardApp

async def main():
    app = CertWizardApp(open_services(sys.argv[1]), refresh_seconds=None)
    async with app.run_test() as pilot:
        before = "certwizard.ui.screens.apply" in sys.modules, gc.get_freeze_count()
        await app.workers.wait_for_complete()
        after = "certwizard.ui.screens.apply" in sys.modules, gc.get_freeze_count()
    print(before, after)

asyncio.run(main())
"""


def test_after_the_first_frame_the_next_screens_are_loaded_and_kept_out_of_the_collectors_way(tmp_path):
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", WARM_UP_PROBE, str(tmp_path / "data")],
                            capture_output=True, text=True, check=True, timeout=60)
    before, after = result.stdout.strip().split(") (")
    assert before.startswith("(False, 0")                      # not loaded for the first frame
    loaded, frozen = after.rstrip(")").split(", ")
    assert loaded == "True" and int(frozen) > 10_000


def test_animations_are_off_unless_the_user_asks_for_them(monkeypatch, services):
    """Over SSH every frame of a smooth scroll is the scrolled area again; TEXTUAL_ANIMATIONS still wins."""
    from certwizard.ui.app import CertWizardApp

    monkeypatch.delenv("TEXTUAL_ANIMATIONS", raising=False)
    assert CertWizardApp(services).animation_level == "none"
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "full")
    assert CertWizardApp(services).animation_level == "full"


async def test_a_tab_that_scrolls_the_form_scrolls_it_at_once(make_app, seeded_services, seeded_order_ids):
    from certwizard.ui.screens.apply import ApplyScreen

    app = make_app(seeded_services)
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_order(seeded_services.workflow.order(seeded_order_ids["pending"]))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ApplyScreen)
        frames: list[object] = []
        display = app._display

        def counting_display(shown_screen, update) -> None:
            if update is not None:
                frames.append(update)
            display(shown_screen, update)
        app._display = counting_display
        form = screen.form
        for _ in range(24):            # the dense form holds a dozen fields at 80x24 before it scrolls
            start = form.scroll_y
            frames.clear()
            await pilot.press("tab")
            await pilot.wait_for_scheduled_animations()
            await pilot.pause(0.3)
            if form.scroll_y != start:
                break
        else:
            raise AssertionError("no Tab scrolled the form: make the terminal smaller or the form longer")
        assert 1 <= len(frames) <= 2, f"{len(frames)} frames for one scroll (an animation repaints every step)"

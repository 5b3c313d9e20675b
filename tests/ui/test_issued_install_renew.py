"""Install (i) and Renew now (n) in Issued Certificates, on certificates the real sandbox issued: files written
in place with a reload that records its calls, a refused field shown under it, and a renewal that installs
where the old one was."""

from __future__ import annotations

from textual.widgets import Input, Label, Select

from certwizard.domain.status import OrderStatus
from certwizard.ui.dialogs.install import InstallDialog
from certwizard.ui.screens.issued import IssuedScreen
from tests.services.issued_orders import calls, recording_script
from tests.ui.conftest import rendered_text
from tests.ui.issued_screen import dialog_text, flat, issue, open_issued, settle


async def test_install_writes_the_files_runs_the_reload_and_the_detail_shows_it(
        make_app, services, valid_draft, tmp_path):
    order = issue(services, valid_draft)
    script = recording_script(tmp_path)
    folder = tmp_path / "etc-nginx"
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_issued(app, pilot)
        await pilot.press("i")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, InstallDialog)
        assert dialog.query_one("#server", Select).value == "nginx"
        dialog.query_one("#folder", Input).value = str(folder)
        dialog.query_one("#reload", Input).value = "no-such-program-here --reload"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        error = dialog.query_one("#reload-error", Label)                 # said under its field
        assert error.has_class("-shown") and "not an executable program" in str(error.render())
        assert "executable program here" in rendered_text(app)          # scrolled into view
        assert not folder.exists() and app.screen is dialog
        assert app.screen.focused is dialog.query_one("#reload")

        dialog.query_one("#reload", Input).value = f"{script} reload nginx"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        text = flat(rendered_text(app))
        assert "Installed" in text and "nginx" in text
        assert (folder / "www.example.com.fullchain.pem").exists()
        assert [c["argv"][1:] for c in calls(tmp_path)] == [["reload", "nginx"]]
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, IssuedScreen)
        await pilot.press("tab", "end")
        await pilot.pause()
        detail = flat(rendered_text(app))
        assert "etc-nginx" in detail and "reload ok" in detail
    [place] = services.workflow.order(order.id).installations
    assert place.directory == str(folder) and place.serial == order.certificate.serial
    assert place.reload_result is not None and place.reload_result.exit_status == 0


async def test_renew_now_renews_installs_where_it_was_and_selects_the_renewal(
        make_app, services, valid_draft, tmp_path, notes):
    hook = tmp_path / "hook"
    hook.write_text("#!/bin/sh\nexit 0\n")
    hook.chmod(0o755)
    order = issue(services, valid_draft, validation_hook=str(hook))
    from certwizard.services.installations import add_installation

    script = recording_script(tmp_path)
    folder = tmp_path / "pem"
    assert add_installation(services.workflow, order.id, "pem", str(folder), reload=str(script)).ok
    app = make_app()
    async with app.run_test(size=(80, 24), message_hook=notes.hook) as pilot:
        screen = await open_issued(app, pilot)
        assert "n Renew" in rendered_text(app)                      # in the footer
        await pilot.press("n")
        await pilot.pause()
        asked = dialog_text(app)
        assert "Renew the certificate for www.example.com now?" in rendered_text(app)    # the box's title
        assert "installed where this one is (1 place)" in asked and "a new key" in asked
        await pilot.press("tab", "enter")                              # Cancel has the focus first
        await settle(app, pilot)
        assert any("renewed as" in text for text in notes.texts), notes.texts
        assert isinstance(app.screen, IssuedScreen)
        renewed = services.workflow.order(order.id)
        assert renewed.status is OrderStatus.RENEWED
        assert screen.selected is not None and screen.selected.id == renewed.renewed_by
        header = rendered_text(app).splitlines()[1]
        assert "2 issued" in header and "1 renewed" in header and "1 ready to export" in header
    follow = services.workflow.order(renewed.renewed_by)
    assert [p.serial for p in follow.installations] == [follow.certificate.serial]
    assert len(calls(tmp_path)) == 2                                 # installed, then renewed: two reloads


async def test_renew_now_says_what_a_person_must_do(make_app, services, valid_draft, notes):
    issue(services, valid_draft)                                     # no hook: nobody can publish the record
    app = make_app()
    async with app.run_test(size=(80, 24), message_hook=notes.hook) as pilot:
        await open_issued(app, pilot)
        await pilot.press("n", "tab", "enter")
        await settle(app, pilot)
        assert any("TXT" in text and "certwizard verify" in text for text in notes.texts), notes.texts

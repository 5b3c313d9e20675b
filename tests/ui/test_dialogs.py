"""The shared dialogs: answers come back through dismiss; user text inside them is literal and escape-free."""

from __future__ import annotations

from textual import events
from textual.widgets import Button, Input

from certwizard.ui.dialogs.confirm import ConfirmDialog
from certwizard.ui.dialogs.passphrase import PassphraseDialog
from certwizard.ui.dialogs.text_prompt import TextPromptDialog

NAMED = {"-": "minus"}


class DialogHost:
    """The real app (its styles give the dialogs their borders and titles) showing one dialog."""

    def __init__(self, make_app, dialog) -> None:
        self.app = make_app()
        self.dialog = dialog
        self.answers: list[object] = []

    async def __aenter__(self):
        self._test = self.app.run_test(size=(80, 24))
        pilot = await self._test.__aenter__()
        await pilot.pause()
        self.app.push_screen(self.dialog, self.answers.append)
        await pilot.pause()
        return pilot

    async def __aexit__(self, *exc):
        return await self._test.__aexit__(*exc)


def _text(app) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def test_a_destructive_confirmation_starts_on_cancel(make_app):
    host = DialogHost(make_app, ConfirmDialog("Remove [b]it[/b]?", "x[/b gone", "Remove"))
    app = host.app
    async with host as pilot:
        assert app.focused is app.screen.query_one("#cancel", Button)
        assert "Remove [b]it[/b]?" in _text(app) and "x[/b gone" in _text(app)
        await pilot.press("enter")
    assert host.answers == [False]


async def test_a_text_prompt_refuses_what_its_check_refuses_then_accepts(make_app):
    host = DialogHost(make_app, TextPromptDialog("Name", "Name this profile:",
                                                 check=lambda v: None if v else "Type a name"))
    app = host.app
    async with host as pilot:
        await pilot.press("enter")
        assert "Type a name" in _text(app) and host.answers == []
        await pilot.press(*"Web team", "enter")
    assert host.answers == ["Web team"]


async def test_a_text_prompt_drops_a_pasted_escape_sequence_and_says_so(make_app):
    host = DialogHost(make_app, TextPromptDialog("Name", "Name this profile:"))
    app = host.app
    async with host as pilot:
        field = app.screen.query_one(Input)
        app.post_message(events.Paste("Web\x1b[2J team"))
        await pilot.pause()
        assert field.value == "Web[2J team"
        assert "U+001B" in _text(app)
        assert all("\x1b" not in segment.text for strip in app.screen._compositor.render_strips()
                   for segment in strip)


async def test_the_passphrase_must_be_typed_twice_the_same_and_is_never_shown(make_app):
    host = DialogHost(make_app, PassphraseDialog())
    app = host.app
    async with host as pilot:
        await pilot.press(*"s3cret words", "enter", *"s3cret w0rds", "enter")
        assert "differ" in _text(app) and "s3cre" not in _text(app)
        app.screen.query_one("#passphrase-again", Input).value = "s3cret words"
        await pilot.press("enter")
    assert host.answers == [b"s3cret words"]


async def test_a_passphrase_shorter_than_8_characters_is_refused_with_the_rule(make_app):
    host = DialogHost(make_app, PassphraseDialog())
    app = host.app
    async with host as pilot:
        for entry in ("s3c", "s3c"):
            await pilot.press(*entry, "enter")
        assert "Too short: 3 characters. Use at least 8" in " ".join(_text(app).split())
        assert "s3c" not in _text(app) and host.answers == []
        for field in ("#passphrase", "#passphrase-again"):
            app.screen.query_one(field, Input).value = "8 chars!"
        await pilot.press("enter")
    assert host.answers == [b"8 chars!"]


async def test_a_passphrase_typed_ahead_with_a_backspace_is_the_one_meant(make_app):
    """The key is encrypted with what the fields hold: a Backspace must not be overtaken by the keys after it."""
    host = DialogHost(make_app, PassphraseDialog())
    app = host.app
    async with host as pilot:
        for _ in ("passphrase", "passphrase-again"):              # both entries typed the same way
            for key, char in [*[(c, c) for c in "s3cret-wordx"], ("backspace", None), ("s", "s"),
                              ("enter", None)]:
                app.post_message(events.Key(NAMED.get(key, key), char))   # all queued before the first
            await pilot.pause()
    assert host.answers == [b"s3cret-words"]


async def test_the_self_check_dialog_says_when_it_checked_and_that_it_scrolls_on_a_narrow_screen(
        make_app, screen_text):
    """Check again opens the same dialog: only the time shows that it looked again. At 60x20 the results are
    below the fold, and the end of the hint line is cut: the scroll key comes first."""
    from datetime import datetime, timezone

    from certwizard.services.domain_proof import ProofCheck
    from certwizard.ui.dialogs.self_check import SelfCheckDialog

    checked_at = datetime(2026, 12, 7, 23, 41, 5, tzinfo=timezone.utc)
    check = ProofCheck("_acme-challenge.small.example.com", False, "ns1 has no TXT record at "
                       "_acme-challenge.small.example.com yet: publish it, wait a minute, then verify again",
                       ("ns1 (192.0.2.53): has no TXT record at _acme-challenge.small.example.com yet",))
    app = make_app()
    async with app.run_test(size=(60, 20)) as pilot:
        await app.push_screen(SelfCheckDialog([check], "small.example.com", checked_at))
        await pilot.pause()
        await pilot.pause()
        shown = " ".join(screen_text(app).replace("│", " ").split())
        assert f"At {checked_at.astimezone():%H:%M:%S}, certwizard looked where the CA will look" in shown
        assert "↑↓ scroll" in shown

"""Qualification documents on the Verify Information tab: upload by path (checked, listed with type, size and
pixels), refusals shown at the list, the smaller copy offered for an oversized picture, removal, and the
verification letter."""

from __future__ import annotations

import os
import threading

import pytest
from PIL import Image
from textual.widgets import Input

from certwizard.services import document_intake
from certwizard.ui.dialogs.confirm import ConfirmDialog
from certwizard.ui.dialogs.path_prompt import PathPromptDialog
from certwizard.ui.screens.apply import ApplyScreen

pytestmark = pytest.mark.usefixtures("no_debounce")


def picture(path, size=(640, 480), kind="PNG"):
    Image.new("RGB", size, (240, 240, 230)).save(path, kind)
    return path


def noisy_png(path, side=700):
    """A valid PNG well over 500 KB (noise does not compress) that can be re-encoded to fit."""
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(path, "PNG")
    assert path.stat().st_size > 500 * 1024
    return path


async def upload(driver, path, wait: bool = True) -> None:
    """F4, the path, Enter; with `wait=False` the check is left running (see `held_check`)."""
    await driver.press("f4")
    assert isinstance(driver.app.screen, PathPromptDialog)
    driver.app.screen.query_one("#path", Input).value = str(path)
    if wait:
        await driver.press("enter")
    else:
        await driver.pilot.press("enter")
        await driver.pilot.pause()


@pytest.fixture
def held_check(monkeypatch) -> threading.Event:
    """The helper process answers a document check only once the test sets the returned event."""
    release = threading.Event()
    check_in_helper = document_intake.run_isolated

    def held(function, *args):
        assert release.wait(10)
        return check_in_helper(function, *args)

    monkeypatch.setattr(document_intake, "run_isolated", held)
    return release


@pytest.fixture
def ov_order(services, draft_for):
    [order] = services.workflow.add_purchased("ov-single")
    return services.workflow.save_draft(order, draft_for("ov-single"))


async def test_valid_png_and_jpeg_are_listed_with_type_size_and_pixels(tmp_path, make_app, services, ov_order,
                                                                     apply_driver):
    png = picture(tmp_path / "letter.png", (800, 600))
    jpeg = picture(tmp_path / "licence.jpg", (1024, 768), "JPEG")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(ov_order.id)
        await driver.press("f8")
        await upload(driver, png)
        await upload(driver, jpeg)
        text = driver.text()
        assert "PNG" in text and "800×600" in text and "letter.png" in text
        assert "JPEG" in text and "1024×768" in text and "licence.jpg" in text
        assert f"{-(-png.stat().st_size // 1024)} KB" in text
        assert app.focused is driver.screen.verify.documents
    stored = services.workflow.order(ov_order.id).draft.documents
    assert [(d.display_name, d.kind, d.width, d.height) for d in stored] == [
        ("letter.png", "PNG", 800, 600), ("licence.jpg", "JPEG", 1024, 768)]


async def test_pictures_are_decoded_only_in_the_helper_process(tmp_path, make_app, services, ov_order,
                                                              apply_driver, monkeypatch):
    """Pillow keeps the GIL while it decodes: both checks (the file, then the bytes stored) run elsewhere."""
    import certwizard.documents.images as documents

    in_helper = []
    real = document_intake.run_isolated

    def recorded(function, *args):
        in_helper.append(function.__name__)
        return real(function, *args)

    def decoded_here(*args):
        raise AssertionError("a picture was decoded in the app's own process")

    monkeypatch.setattr(document_intake, "run_isolated", recorded)
    monkeypatch.setattr(documents, "_inspect_image", decoded_here)   # the helper process has its own module
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(ov_order.id)
        await driver.press("f8")
        await upload(driver, picture(tmp_path / "letter.jpg", (800, 600), "JPEG"))
    assert in_helper == ["inspect_document", "inspect_bytes"]
    [stored] = services.workflow.order(ov_order.id).draft.documents
    assert (stored.display_name, stored.kind, stored.width) == ("letter.jpg", "JPEG", 800)


async def test_a_text_file_named_png_is_refused_at_the_list(tmp_path, make_app, services, ov_order,
                                                           apply_driver, notes):
    fake = tmp_path / "scan.png"
    fake.write_text("this is not a picture\n")
    app = make_app()
    async with app.run_test(size=(80, 24), message_hook=notes.hook) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(ov_order.id)
        await driver.press("f8")
        await upload(driver, fake)
        error = driver.error("documents")
        assert "scan.png was not attached" in error and "text file" in error
        assert "scan.png was not attached" in driver.text()      # scrolled into view, not below the fold
    assert services.workflow.order(ov_order.id).draft.documents == []
    assert "reasons are shown under Documents" in notes.joined()


async def test_a_missing_file_is_refused_with_what_to_check(tmp_path, make_app, services, ov_order,
                                                           apply_driver):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(ov_order.id)
        await driver.press("f8")
        await upload(driver, tmp_path / "nowhere.jpg")
        assert "no file at this path" in driver.error("documents")


async def test_an_oversized_picture_is_offered_a_smaller_copy_listed_as_re_encoded(
        tmp_path, make_app, services, ov_order, apply_driver):
    big = noisy_png(tmp_path / "big scan.png")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(ov_order.id)
        await driver.press("f8")
        await upload(driver, big)
        assert isinstance(app.screen, ConfirmDialog)
        offer = driver.text()
        assert "over the 500 KB limit" in offer and "Your file is not changed" in offer
        await driver.press("enter")                              # "Attach the copy" has the focus
        assert isinstance(app.screen, ApplyScreen)
        assert "big scan.png (re-encoded)" in driver.text()
    [document] = services.workflow.order(ov_order.id).draft.documents
    assert document.reencoded and document.size <= 500 * 1024
    assert big.stat().st_size > 500 * 1024                       # the user's file is untouched


async def test_declining_the_smaller_copy_attaches_nothing(tmp_path, make_app, services, ov_order,
                                                          apply_driver, notes):
    big = noisy_png(tmp_path / "big.png")
    app = make_app()
    async with app.run_test(size=(80, 24), message_hook=notes.hook) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(ov_order.id)
        await driver.press("f8")
        await upload(driver, big)
        await driver.press("escape")
        assert isinstance(app.screen, ApplyScreen)
    assert services.workflow.order(ov_order.id).draft.documents == []
    assert "big.png was not attached" in notes.joined()


async def test_a_document_is_removed_after_confirmation(tmp_path, make_app, services, ov_order, apply_driver):
    first = picture(tmp_path / "first.png")
    second = picture(tmp_path / "second.png")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(ov_order.id)
        await driver.press("f8")
        await upload(driver, first)
        await upload(driver, second)
        stored = services.workflow.order(ov_order.id).draft.documents
        await driver.press("x")                                   # on the list, the last upload highlighted
        assert isinstance(app.screen, ConfirmDialog)
        assert "second.png" in driver.text()
        await driver.press("escape")                              # changed my mind: still there
        assert len(services.workflow.order(ov_order.id).draft.documents) == 2
        await driver.press("delete")
        assert isinstance(app.screen, ConfirmDialog), app.focused
        await driver.press("tab", "enter")                        # Cancel has the focus; Tab to Remove
        assert "second.png" not in driver.text() and "first.png" in driver.text()
    [kept] = services.workflow.order(ov_order.id).draft.documents
    assert kept.display_name == "first.png"
    removed_copy = services.layout.documents_dir / stored[1].stored_name
    assert not removed_copy.exists()


async def test_the_upload_path_completes_with_tab(tmp_path, make_app, services, ov_order, apply_driver):
    picture(tmp_path / "stamped-letter.png")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(ov_order.id)
        await driver.press("f8", "f4")
        path = app.screen.query_one("#path", Input)
        path.value = f"{tmp_path}/stamp"
        path.cursor_position = len(path.value)
        await driver.pilot.pause(0.2)                            # the suggester looks at the folder
        await driver.press("tab")
        assert path.value == f"{tmp_path}/stamped-letter.png"
        await driver.press("enter")
        assert "stamped-letter.png" in driver.text()


async def test_submit_without_documents_points_at_the_list(make_app, services, ov_order, apply_driver, notes):
    app = make_app()
    async with app.run_test(size=(80, 24), message_hook=notes.hook) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(ov_order.id)
        await driver.press("f8", "f9")
        assert isinstance(app.screen, ApplyScreen)
        assert "at least one qualification document" in driver.error("documents")
        shown = driver.text().translate({ord(bar): " " for bar in "▁▂▃▄▅▆▇█"})   # the scrollbar thumb
        assert "at least one qualification document" in " ".join(shown.split())


async def test_submit_typed_while_a_document_is_checked_waits_for_the_result(tmp_path, make_app, ov_order,
                                                                            apply_driver, held_check):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(ov_order.id)
        await driver.press("f8")
        await upload(driver, picture(tmp_path / "letter.png"), wait=False)
        assert driver.screen.busy.startswith("Checking letter.png")
        await pilot.press("f9")              # typed ahead: not lost, not refused for a missing document
        await pilot.pause()
        assert isinstance(app.screen, ApplyScreen) and driver.error("documents") == ""
        held_check.set()
        await driver.settle()
        assert isinstance(app.screen, ConfirmDialog)
        assert "letter.png" in driver.text()


async def test_keys_are_greyed_while_a_document_is_checked(tmp_path, make_app, ov_order, apply_driver, held_check):
    from certwizard.ui.widgets.keys_footer import KeysFooter

    def shown(footer):
        return {key.action: key for key in footer.keys}

    def dimmed(footer, text):
        return [bool(segment.style.dim) for segment in footer.render_line(0) if text in segment.text]

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(ov_order.id)
        await driver.press("f8")
        await upload(driver, picture(tmp_path / "letter.png"), wait=False)
        footer = driver.screen.query_one(KeysFooter)
        await pilot.pause()
        assert driver.screen.busy
        keys = shown(footer)
        assert not keys["back"].enabled and not keys["close"].enabled
        assert keys["submit"].enabled                              # F9 waits for the check instead
        assert dimmed(footer, keys["back"].description) == [True] and dimmed(footer, "Submit") == [False]
        held_check.set()
        await driver.settle()
        assert not driver.screen.busy
        keys = shown(footer)
        assert keys["back"].enabled and keys["close"].enabled
        assert dimmed(footer, keys["back"].description) == [False]


async def test_the_verification_letter_is_saved_where_the_user_says(tmp_path, make_app, services, ov_order,
                                                                   apply_driver, notes):
    target = tmp_path / "letters [2026]" / "acme letter.pdf"
    target.parent.mkdir()
    app = make_app()
    async with app.run_test(size=(80, 24), message_hook=notes.hook) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(ov_order.id)
        await driver.press("f8", "f3")
        app.screen.query_one("#path", Input).value = str(target)
        await driver.press("enter")
        assert isinstance(app.screen, ApplyScreen)
    assert target.read_bytes().startswith(b"%PDF")
    assert f"Saved the letter to {target}" in notes.joined()


async def test_an_existing_file_is_never_overwritten_by_the_letter(tmp_path, make_app, services, ov_order,
                                                                  apply_driver, notes):
    target = tmp_path / "letter.pdf"
    target.write_bytes(b"my own file")
    app = make_app()
    async with app.run_test(size=(80, 24), message_hook=notes.hook) as pilot:
        driver = apply_driver(app, pilot)
        await driver.open_from_home(ov_order.id)
        await driver.press("f8", "f3")
        app.screen.query_one("#path", Input).value = str(target)
        await driver.press("enter")
    assert target.read_bytes() == b"my own file"
    assert "The letter was not saved" in notes.joined()

"""One document-intake policy for the TUI and the CLI (services/document_intake.py), on real pictures."""

from __future__ import annotations

import io
import random

from PIL import Image

from certwizard.documents.images import MAX_DOCUMENT_BYTES, inspect_bytes
from certwizard.services.document_intake import in_place, take_in
from tests.factories import jpeg_bytes


def noisy_png(path):
    """A valid PNG of about 630 KB: over the limit, and noise, so only a smaller copy can fit."""
    image = Image.frombytes("RGB", (460, 460), random.Random(7).randbytes(460 * 460 * 3))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())
    assert path.stat().st_size > MAX_DOCUMENT_BYTES
    return path


def test_a_good_picture_is_taken_as_it_is(tmp_path):
    path = tmp_path / "letter.jpg"
    path.write_bytes(jpeg_bytes())
    intake = take_in(path, run=in_place)
    assert intake.ok and intake.smaller is None and intake.reasons == [] and intake.name == "letter.jpg"


def test_a_picture_only_too_big_gets_a_smaller_copy_and_the_file_is_untouched(tmp_path):
    path = noisy_png(tmp_path / "scan.png")
    before = path.read_bytes()
    steps: list[str] = []
    intake = take_in(path, run=in_place, on_step=steps.append)
    assert not intake.ok and intake.smaller is not None and intake.reasons == []
    assert intake.smaller.size < MAX_DOCUMENT_BYTES and inspect_bytes(intake.smaller.data, "copy").ok
    assert steps == ["Making a smaller copy of scan.png"] and path.read_bytes() == before


def test_without_the_offer_a_too_big_picture_is_refused_with_the_reason(tmp_path):
    intake = take_in(noisy_png(tmp_path / "scan.png"), run=in_place, offer_smaller=False)
    assert intake.smaller is None and len(intake.reasons) == 1 and "the limit is 500 KB" in intake.reasons[0]


def test_a_file_that_is_no_picture_is_refused_with_what_it_is(tmp_path):
    path = tmp_path / "letter.png"
    path.write_text("%PDF-1.7\n")
    intake = take_in(path, run=in_place)
    assert not intake.ok and intake.smaller is None and "PDF" in " ".join(intake.reasons)


def test_by_default_the_file_is_checked_in_the_helper_process(tmp_path, monkeypatch):
    import certwizard.services.document_intake as intake_module

    ran: list[str] = []
    monkeypatch.setattr(intake_module, "run_isolated", lambda function, *args: ran.append(function.__name__)
                        or in_place(function, *args))
    path = tmp_path / "letter.jpg"
    path.write_bytes(jpeg_bytes())
    assert take_in(path).ok and ran == ["inspect_document"]

"""Qualification documents: real images made with Pillow/zlib, real files, FIFOs, symlinks and devices."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import random
import re
import stat
import struct
import threading
import warnings
import zipfile
import zlib
from pathlib import Path

import pytest
from PIL import ExifTags, Image, ImageCms

from certwizard.documents.images import (
    MAX_DOCUMENT_BYTES,
    MAX_PIXELS,
    MAX_SIDE,
    DocumentCheck,
    DocumentError,
    ReencodedImage,
    document_path,
    inspect_bytes,
    inspect_document,
    jpeg_layout,
    reencode_to_fit,
    remove_document,
    store_document,
)
from certwizard.system import securefs

# --- image factories ----------------------------------------------------------------------------------------


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def picture(size: tuple[int, int] = (320, 240), mode: str = "RGB") -> Image.Image:
    """A smooth test picture (gradient), so JPEG and PNG sizes stay small and realistic."""
    gradient = Image.radial_gradient("L").resize(size)
    mirrored = gradient.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    return Image.merge("RGB", (gradient, gradient.rotate(90), mirrored)).convert(mode)


def noise(size: tuple[int, int], mode: str = "RGB", seed: int = 7) -> Image.Image:
    channels = len(mode)
    return Image.frombytes(mode, size, random.Random(seed).randbytes(size[0] * size[1] * channels))


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def raw_png(width: int, height: int, color_type: int, bit_depth: int, idat: bytes,
            interlace: int = 0) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, interlace)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat)
            + png_chunk(b"IEND", b""))


ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))


def interlaced_rgb_png(image: Image.Image) -> bytes:
    """Pillow cannot write Adam7 PNGs, so build one by hand: seven passes of unfiltered scanlines."""
    width, height = image.size
    pixels = image.convert("RGB").tobytes()
    scanlines = bytearray()
    for x0, y0, dx, dy in ADAM7:
        columns = range(x0, width, dx)
        if not columns:
            continue
        for y in range(y0, height, dy):
            scanlines.append(0)
            for x in columns:
                start = (y * width + x) * 3
                scanlines += pixels[start:start + 3]
    return raw_png(width, height, 2, 8, zlib.compress(bytes(scanlines)), interlace=1)


def rgb48_png(width: int, height: int) -> bytes:
    """16 bits per channel RGB, which Pillow reads but does not write."""
    row = b"".join(struct.pack(">HHH", x * 1000, 65535 - x * 1000, 30000) for x in range(width))
    return raw_png(width, height, 2, 16, zlib.compress((b"\x00" + row) * height))


def bomb_png(side: int = 20_000) -> bytes:
    """A complete, valid 1-bit PNG of side x side pixels: a few dozen KB that would decode to gigabytes."""
    compressor = zlib.compressobj(9)
    row = b"\x00" * (1 + (side + 7) // 8)
    idat = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    return raw_png(side, side, 0, 1, idat)


def exif_with_thumbnail(thumbnail: bytes, orientation: int = 1) -> bytes:
    """A big-endian EXIF block: IFD0 (Orientation) then IFD1 pointing at an embedded JPEG thumbnail."""
    ifd0 = struct.pack(">H", 1) + struct.pack(">HHIHH", 0x0112, 3, 1, orientation, 0) + struct.pack(">I", 26)
    ifd1 = (struct.pack(">H", 3) + struct.pack(">HHIHH", 0x0103, 3, 1, 6, 0)
            + struct.pack(">HHII", 0x0201, 4, 1, 68) + struct.pack(">HHII", 0x0202, 4, 1, len(thumbnail))
            + struct.pack(">I", 0))
    return b"Exif\x00\x00" + b"MM\x00\x2a" + struct.pack(">I", 8) + ifd0 + ifd1 + thumbnail


def with_app1(jpeg: bytes, payload: bytes) -> bytes:
    return jpeg[:2] + b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload + jpeg[2:]


def camera_jpeg(orientation: int = 1) -> bytes:
    thumbnail = encode(picture((64, 48)), "JPEG", quality=70)
    return with_app1(encode(picture(), "JPEG", quality=90), exif_with_thumbnail(thumbnail, orientation))


def idat_span(png: bytes) -> tuple[int, int]:
    """(start of IDAT data, its length) in a PNG with a single IDAT chunk."""
    at = png.index(b"IDAT")
    return at + 4, struct.unpack(">I", png[at - 4:at])[0]


def write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def codes(check: DocumentCheck) -> list[str]:
    return [p.code for p in check.problems]


def assert_accepted(check: DocumentCheck, kind: str, size: tuple[int, int]) -> None:
    assert check.problems == (), check.problems
    assert check.ok and check.kind == kind and (check.width, check.height) == size
    assert not check.can_reencode


# --- valid images are accepted ------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["RGB", "RGBA", "P", "L", "1"])
def test_pillow_pngs_in_every_common_mode_are_accepted(tmp_path, mode):
    path = write(tmp_path, "scan.png", encode(picture(mode=mode), "PNG"))
    check = inspect_document(path)
    assert_accepted(check, "PNG", (320, 240))
    assert check.data == path.read_bytes()


def test_16_bit_grey_and_16_bit_rgb_pngs_are_accepted(tmp_path):
    grey = Image.new("I;16", (300, 220), 40000)
    assert_accepted(inspect_document(write(tmp_path, "grey16.png", encode(grey, "PNG"))), "PNG", (300, 220))
    assert_accepted(inspect_document(write(tmp_path, "rgb48.png", rgb48_png(60, 210))), "PNG", (60, 210))


def test_interlaced_png_is_accepted(tmp_path):
    source = picture((257, 203))
    data = interlaced_rgb_png(source)
    with Image.open(io.BytesIO(data)) as opened:          # the hand-made fixture really is a good Adam7 PNG
        assert opened.info.get("interlace") == 1
        assert opened.convert("RGB").tobytes() == source.tobytes()
    assert_accepted(inspect_document(write(tmp_path, "interlaced.png", data)), "PNG", (257, 203))


@pytest.mark.parametrize("options", [{"quality": 90}, {"quality": 85, "progressive": True},
                                     {"quality": 80, "subsampling": 0}])
def test_baseline_and_progressive_jpegs_are_accepted(tmp_path, options):
    check = inspect_document(write(tmp_path, "photo.jpg", encode(picture(), "JPEG", **options)))
    assert_accepted(check, "JPEG", (320, 240))


def test_camera_jpeg_with_an_exif_thumbnail_is_accepted(tmp_path):
    data = camera_jpeg()
    # The fixture must really contain a thumbnail whose own EOI comes long before the end of the file.
    with Image.open(io.BytesIO(data)) as opened:
        thumbnail_ifd = opened.getexif().get_ifd(ExifTags.IFD.IFD1)
    assert thumbnail_ifd[0x0202] > 0
    assert data.find(b"\xff\xd9") < len(data) - 2
    check = inspect_document(write(tmp_path, "IMG_0001.JPG", data))
    assert_accepted(check, "JPEG", (320, 240))
    assert check.warnings == ()


def test_jpeg_layout_walks_past_the_thumbnail_to_the_real_end():
    data = camera_jpeg()
    layout = jpeg_layout(data)
    assert (layout.end, layout.width, layout.height) == (len(data), 320, 240)


def test_a_jpeg_named_png_is_accepted_as_jpeg_with_a_note(tmp_path):
    check = inspect_document(write(tmp_path, "scan.png", encode(picture(), "JPEG")))
    assert_accepted(check, "JPEG", (320, 240))
    assert [w.code for w in check.warnings] == ["name-mismatch"]
    assert ".png" in check.warnings[0].message and "JPEG" in check.warnings[0].message


def test_a_png_without_extension_gets_no_name_warning(tmp_path):
    check = inspect_document(write(tmp_path, "scan", encode(picture(), "PNG")))
    assert check.ok and check.warnings == ()


def test_tiny_image_is_accepted_with_a_readability_warning(tmp_path):
    check = inspect_document(write(tmp_path, "stamp.png", encode(picture((150, 600)), "PNG")))
    assert check.ok
    assert [w.code for w in check.warnings] == ["small-image"]
    assert "150 x 600" in check.warnings[0].message and "reviewer" in check.warnings[0].message


def test_result_reports_size_hash_and_serialises_without_the_bytes(tmp_path):
    data = encode(picture(), "PNG")
    check = inspect_document(write(tmp_path, "scan.png", data))
    payload = check.to_dict()
    assert payload["size"] == len(data) and payload["max_size"] == 512000
    assert payload["sha256"] == hashlib.sha256(data).hexdigest()
    assert payload["ok"] is True and payload["problems"] == [] and "data" not in payload


# --- not PNG or JPEG ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("maker", "expected"), [
    (lambda: encode(picture(), "GIF"), "GIF image"),
    (lambda: encode(picture(), "WEBP"), "WebP image"),
    (lambda: encode(picture(), "PDF"), "PDF document"),
    (lambda: encode(picture(), "BMP"), "BMP image"),
    (lambda: encode(picture(), "TIFF"), "TIFF image"),
    (lambda: b"Company licence no. 12345\nissued 2024\n", "text file"),
    (lambda: b"<svg xmlns='http://www.w3.org/2000/svg'/>", "SVG, HTML or XML"),
    (lambda: bytes(range(256)) * 4, "unrecognised binary data"),
])
def test_other_content_is_refused_naming_what_it_appears_to_be(tmp_path, maker, expected):
    check = inspect_document(write(tmp_path, "licence.png", maker()))
    assert codes(check) == ["not-png-or-jpeg"] and check.kind is None and not check.can_reencode
    assert expected in check.problems[0].message and "PNG or JPEG" in check.problems[0].message


def test_zip_archive_is_refused(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("scan.png", encode(picture(), "PNG"))
    check = inspect_document(write(tmp_path, "scan.jpg", buffer.getvalue()))
    assert codes(check) == ["not-png-or-jpeg"] and "ZIP archive" in check.problems[0].message


def test_empty_file_is_refused(tmp_path):
    check = inspect_document(write(tmp_path, "empty.png", b""))
    assert codes(check) == ["empty"] and "PNG or JPEG" in check.problems[0].message


def test_large_non_image_is_refused_and_not_offered_a_reencode(tmp_path):
    check = inspect_document(write(tmp_path, "notes.png", b"lorem ipsum " * 60_000))
    assert codes(check) == ["not-png-or-jpeg"] and not check.can_reencode
    assert "500 KB" in check.problems[0].message


# --- damaged images -----------------------------------------------------------------------------------------

def test_png_whose_image_data_stops_early_is_refused_by_load(tmp_path):
    rows = b"".join(b"\x00" + bytes(range(256)) * 3 for _ in range(200))
    compressed = zlib.compress(rows)
    data = raw_png(256, 200, 2, 8, compressed[: len(compressed) // 2])   # chunks and CRCs are all intact
    with Image.open(io.BytesIO(data)) as opened:
        opened.verify()                       # the fixture passes verify(); only load() can catch it
    check = inspect_document(write(tmp_path, "cut.png", data))
    assert codes(check) == ["damaged"] and "re-save" in check.problems[0].message


def test_png_cut_off_mid_file_is_refused(tmp_path):
    data = encode(noise((200, 200)), "PNG")
    check = inspect_document(write(tmp_path, "cut.png", data[: len(data) // 2]))
    assert codes(check) == ["damaged"]


def test_png_with_a_bad_idat_crc_is_refused_by_verify(tmp_path):
    data = bytearray(encode(picture(), "PNG"))
    start, length = idat_span(bytes(data))
    data[start + length] ^= 0xFF              # first byte of the IDAT CRC
    with Image.open(io.BytesIO(bytes(data))) as opened:
        opened.load()                         # the fixture passes load(); only verify() can catch it
    check = inspect_document(write(tmp_path, "crc.png", bytes(data)))
    assert codes(check) == ["damaged"] and "checksum" in check.problems[0].message


def test_truncated_jpeg_is_refused(tmp_path):
    data = encode(picture(), "JPEG")
    check = inspect_document(write(tmp_path, "cut.jpg", data[: len(data) * 2 // 3]))
    assert codes(check) == ["damaged"]


def test_jpeg_with_bytes_hidden_between_segments_is_refused(tmp_path):
    data = encode(picture(), "JPEG")
    app0_end = 4 + int.from_bytes(data[4:6], "big")
    smuggled = data[:app0_end] + b"<script>alert(1)</script>" + data[app0_end:]
    with Image.open(io.BytesIO(smuggled)) as opened:
        opened.load()                         # libjpeg tolerates it, so only the structure walk catches it
    check = inspect_document(write(tmp_path, "photo.jpg", smuggled))
    assert codes(check) == ["no-end-marker"]


def test_png_that_says_png_but_has_no_valid_header_is_refused(tmp_path):
    check = inspect_document(write(tmp_path, "x.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40))
    assert codes(check) == ["damaged"] and check.kind == "PNG"


# --- trailing data (polyglots) ------------------------------------------------------------------------------

def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.html", "<html><script>steal()</script></html>")
    return buffer.getvalue()


def test_png_zip_polyglot_is_refused_with_the_extra_byte_count(tmp_path):
    appended = zip_bytes()
    path = write(tmp_path, "scan.png", encode(picture(), "PNG") + appended)
    assert zipfile.is_zipfile(path)           # the fixture really is also a ZIP archive
    check = inspect_document(path)
    assert codes(check) == ["trailing-data"] and not check.can_reencode
    assert f"{len(appended):,} extra bytes after the image" in check.problems[0].message


def test_jpeg_with_html_appended_is_refused(tmp_path):
    html = b"<html><body onload='x()'>hi</body></html>\n"
    check = inspect_document(write(tmp_path, "photo.jpg", camera_jpeg() + html))
    assert codes(check) == ["trailing-data"]
    assert f"{len(html)} extra bytes" in check.problems[0].message


def test_jpeg_with_a_second_picture_appended_names_the_likely_cause(tmp_path):
    check = inspect_document(write(tmp_path, "phone.jpg", camera_jpeg() + encode(picture((40, 30)), "JPEG")))
    assert codes(check) == ["trailing-data"] and "second picture" in check.problems[0].message


def test_multi_picture_jpeg_from_a_phone_is_refused_as_trailing_data(tmp_path):
    buffer = io.BytesIO()
    picture().save(buffer, "MPO", save_all=True, append_images=[picture((160, 120))])
    with Image.open(io.BytesIO(buffer.getvalue())) as opened:
        assert opened.format == "MPO"         # Pillow opens it through its JPEG plugin as MPO
    check = inspect_document(write(tmp_path, "IMG_0002.jpg", buffer.getvalue()))
    assert codes(check) == ["trailing-data"] and "second picture" in check.problems[0].message


# --- pixel caps ---------------------------------------------------------------------------------------------

def test_20000_square_png_bomb_is_small_but_refused_by_the_pixel_cap(tmp_path):
    data = bomb_png()
    assert len(data) < MAX_DOCUMENT_BYTES
    check = inspect_document(write(tmp_path, "bomb.png", data))
    assert codes(check) == ["too-many-pixels"] and (check.width, check.height) == (20_000, 20_000)
    assert "20000 x 20000" in check.problems[0].message and "10,000" in check.problems[0].message


def test_pixel_cap_is_applied_before_anything_is_decompressed(tmp_path):
    # The image data is not even zlib: any attempt to decode would add a "damaged" problem.
    data = raw_png(20_000, 20_000, 2, 8, b"this is not zlib data")
    assert codes(inspect_document(write(tmp_path, "bomb.png", data))) == ["too-many-pixels"]


@pytest.mark.parametrize("size", [(MAX_SIDE + 1, 10), (10, MAX_SIDE + 1), (7000, 7000)])
def test_each_dimension_cap_applies(tmp_path, size):
    assert 7000 * 7000 > MAX_PIXELS
    data = raw_png(*size, 0, 1, b"not decoded")
    assert codes(inspect_document(write(tmp_path, "wide.png", data))) == ["too-many-pixels"]


def test_jpeg_over_the_pixel_cap_is_refused_from_its_header(tmp_path):
    data = bytearray(encode(picture((64, 48)), "JPEG"))
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = struct.pack(">HH", 12_000, 12_000)   # claim 12000 x 12000
    check = inspect_document(write(tmp_path, "huge.jpg", bytes(data)))
    assert codes(check) == ["too-many-pixels"] and (check.width, check.height) == (12_000, 12_000)


def test_pillow_bomb_warning_becomes_a_refusal_without_changing_global_warning_filters(tmp_path, monkeypatch):
    # With Pillow's own threshold lowered below the image size, Pillow warns instead of our header cap firing.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 60_000)     # 320 x 240 = 76,800: a warning, not an error
    filters_before = list(warnings.filters)
    check = inspect_document(write(tmp_path, "scan.png", encode(picture(), "PNG")))
    assert codes(check) == ["too-many-pixels"]
    assert warnings.filters == filters_before


# --- size limit and re-encoding -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def noisy_png() -> bytes:
    data = encode(noise((460, 460)), "PNG")
    assert 600 * 1024 <= len(data) <= 700 * 1024
    return data


def test_oversized_valid_png_is_refused_but_can_be_reencoded(tmp_path, noisy_png):
    check = inspect_document(write(tmp_path, "scan.png", noisy_png))
    assert codes(check) == ["too-large"] and check.can_reencode
    assert f"is {-(-len(noisy_png) // 1024)} KB; the limit is 500 KB" in check.problems[0].message
    assert "re-encode" in check.problems[0].message
    assert check.data == noisy_png


def test_reencoded_result_fits_and_passes_inspection(tmp_path, noisy_png):
    check = inspect_document(write(tmp_path, "scan.png", noisy_png))
    result = reencode_to_fit(check)
    assert isinstance(result, ReencodedImage)
    assert result.size == len(result.data) < MAX_DOCUMENT_BYTES
    verdict = inspect_bytes(result.data, "result")
    assert verdict.ok and (verdict.kind, verdict.width, verdict.height) == (result.kind, result.width,
                                                                             result.height)
    assert verdict.sha256 == result.sha256 and list(tmp_path.iterdir()) == [tmp_path / "scan.png"]


def test_reencode_shrinks_the_picture_when_quality_alone_is_not_enough(noisy_png):
    result = reencode_to_fit(noisy_png, max_bytes=40_000)
    assert result.size <= 40_000 and result.kind == "JPEG" and result.scale < 1
    assert abs(result.width - 460 * result.scale) < 1
    assert inspect_bytes(result.data, "x").ok


def test_oversized_uncompressed_png_is_reencoded_losslessly_as_png(tmp_path):
    source = picture((500, 400))
    data = encode(source, "PNG", compress_level=0)
    assert len(data) > MAX_DOCUMENT_BYTES
    result = reencode_to_fit(inspect_document(write(tmp_path, "scan.png", data)))
    assert (result.kind, result.quality, result.scale) == ("PNG", None, 1.0)
    with Image.open(io.BytesIO(result.data)) as opened:
        assert opened.convert("RGB").tobytes() == source.tobytes()


def test_transparent_png_is_flattened_on_white_when_it_becomes_a_jpeg(tmp_path):
    image = noise((420, 420)).convert("RGBA")
    alpha = Image.new("L", image.size, 255)
    alpha.paste(0, (0, 0, 210, 420))                        # left half fully transparent, noise underneath
    image.putalpha(alpha)
    data = encode(image, "PNG")
    check = inspect_document(write(tmp_path, "stamp.png", data))
    assert check.can_reencode
    result = reencode_to_fit(check)
    assert result.kind == "JPEG"
    with Image.open(io.BytesIO(result.data)) as opened:
        left = opened.convert("RGB").getpixel((50, 200))
    assert all(channel >= 245 for channel in left)


def test_reencode_drops_metadata_and_applies_the_exif_rotation():
    result = reencode_to_fit(camera_jpeg(orientation=6))    # 6 = rotate 90 degrees clockwise to view
    assert (result.width, result.height) == (240, 320)
    with Image.open(io.BytesIO(result.data)) as opened:
        assert "exif" not in opened.info and len(opened.getexif()) == 0
    assert b"Exif" not in result.data


def test_reencoded_png_keeps_no_icc_profile_or_text():
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Comment", "secret note")
    data = encode(picture(), "PNG", icc_profile=profile, pnginfo=info)
    result = reencode_to_fit(data)
    with Image.open(io.BytesIO(result.data)) as opened:
        assert "icc_profile" not in opened.info and "Comment" not in opened.info
    assert b"secret note" not in result.data


def test_16_bit_grey_is_scaled_not_clipped_when_reencoded():
    result = reencode_to_fit(encode(Image.new("I;16", (300, 220), 40000), "PNG"))
    with Image.open(io.BytesIO(result.data)) as opened:
        assert opened.convert("L").getpixel((10, 10)) == 40000 // 256


def test_damaged_or_non_image_input_cannot_be_reencoded(noisy_png):
    with pytest.raises(DocumentError, match="only a valid PNG or JPEG"):
        reencode_to_fit(noisy_png[:-5000])
    with pytest.raises(DocumentError, match="GIF"):
        reencode_to_fit(encode(picture(), "GIF"))
    with pytest.raises(ValueError, match="max_bytes"):
        reencode_to_fit(noisy_png, max_bytes=MAX_DOCUMENT_BYTES + 1)


def test_oversized_damaged_image_is_not_offered_a_reencode(tmp_path, noisy_png):
    check = inspect_document(write(tmp_path, "scan.png", noisy_png[:-3000]))
    assert codes(check) == ["too-large", "damaged"] and not check.can_reencode
    assert "re-encode" not in check.problems[0].message


def test_oversized_image_with_trailing_data_is_not_offered_a_reencode(tmp_path):
    data = encode(picture(), "PNG") + b"\x00" * MAX_DOCUMENT_BYTES
    check = inspect_document(write(tmp_path, "scan.png", data))
    assert codes(check) == ["too-large", "trailing-data"] and not check.can_reencode


def test_files_over_the_hard_cap_are_refused_without_a_reencode_offer(tmp_path):
    path = tmp_path / "huge.png"
    with open(path, "wb") as handle:
        handle.write(b"\x89PNG\r\n\x1a\n")
        handle.truncate(21 * 1024 * 1024)                   # sparse: cheap to make
    check = inspect_document(path)
    assert codes(check) == ["too-large"] and not check.can_reencode and check.size == 21 * 1024 * 1024
    assert "21.0 MB" in check.problems[0].message and "not re-encoded" in check.problems[0].message


# --- unsafe paths -------------------------------------------------------------------------------------------

def test_symlink_is_refused_and_its_target_left_alone(tmp_path):
    target = write(tmp_path, "real.png", encode(picture(), "PNG"))
    before = (target.read_bytes(), target.stat().st_mode, target.stat().st_mtime_ns)
    link = tmp_path / "link.png"
    link.symlink_to(target)
    check = inspect_document(link)
    assert codes(check) == ["symlink"] and "real file's path" in check.problems[0].message
    assert check.data == b"" and check.sha256 is None
    assert (target.read_bytes(), target.stat().st_mode, target.stat().st_mtime_ns) == before


def test_symlink_to_dev_zero_is_refused(tmp_path):
    link = tmp_path / "zero.png"
    link.symlink_to("/dev/zero")
    assert codes(inspect_document(link)) == ["symlink"]


def test_device_is_refused_without_reading():
    check = inspect_document("/dev/zero")
    assert codes(check) == ["not-regular-file"] and "a device" in check.problems[0].message


def test_fifo_is_refused_without_hanging(tmp_path):
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    results: list[DocumentCheck] = []
    worker = threading.Thread(target=lambda: results.append(inspect_document(fifo)), daemon=True)
    worker.start()
    worker.join(timeout=30)                   # a guard against hanging the suite, not a timing assertion
    assert not worker.is_alive(), "inspect_document blocked on a FIFO"
    assert codes(results[0]) == ["not-regular-file"] and "FIFO" in results[0].problems[0].message


def test_directory_is_refused(tmp_path):
    check = inspect_document(tmp_path)
    assert codes(check) == ["not-regular-file"] and "a folder" in check.problems[0].message


def test_missing_file_is_refused(tmp_path):
    check = inspect_document(tmp_path / "nope.png")
    assert codes(check) == ["not-found"] and check.display_name == "nope.png"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files regardless of their mode")
def test_unreadable_file_is_refused(tmp_path):
    path = write(tmp_path, "locked.png", encode(picture(), "PNG"))
    path.chmod(0)
    assert codes(inspect_document(path)) == ["permission-denied"]


def test_path_with_a_nul_byte_is_refused_not_raised(tmp_path):
    assert codes(inspect_document(f"{tmp_path}/a\x00b.png")) == ["unreadable"]


def test_control_characters_in_the_name_are_escaped_and_markup_kept_as_text(tmp_path):
    name = "\x1b]0;pwned\x07[bold]scan\x1b[2J.png"
    check = inspect_document(write(tmp_path, name, encode(picture(), "PNG")))
    assert check.ok
    assert "\x1b" not in check.display_name and "\x07" not in check.display_name
    assert check.display_name == "\\x1b]0;pwned\\x07[bold]scan\\x1b[2J.png"
    assert inspect_bytes(check.data, name).display_name == check.display_name


# --- storing and removing -----------------------------------------------------------------------------------

STORED_NAME = re.compile(r"[0-9a-f]{16}-[0-9a-f]{8}\.(png|jpg)")


@pytest.fixture
def open_umask():
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


def test_stored_document_is_0600_in_a_0700_folder_under_umask_0(tmp_path, open_umask):
    data = encode(picture(), "PNG")
    check = inspect_document(write(tmp_path, "licence.png", data))
    folder = tmp_path / "data" / "documents"
    document = store_document(check, folder, "licence.png")
    stored = folder / document.stored_name
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert stored.read_bytes() == data and STORED_NAME.fullmatch(document.stored_name)
    assert document.stored_name.startswith(check.sha256[:16]) and document.stored_name.endswith(".png")
    assert (document.kind, document.size, document.width, document.height, document.sha256,
            document.reencoded, document.display_name) == ("PNG", len(data), 320, 240, check.sha256, False,
                                                           "licence.png")
    assert document_path(document, folder) == stored


def test_storing_the_same_image_twice_never_overwrites(tmp_path):
    check = inspect_bytes(encode(picture(), "JPEG"), "a.jpg")
    first = store_document(check, tmp_path / "docs", "a.jpg")
    second = store_document(check, tmp_path / "docs", "a.jpg")
    assert first.stored_name != second.stored_name and first.stored_name.endswith(".jpg")
    assert len(list((tmp_path / "docs").iterdir())) == 2


def test_reencoded_image_is_stored_and_marked(tmp_path, noisy_png):
    result = reencode_to_fit(noisy_png)
    document = store_document(result, tmp_path / "docs", "scan.png")
    assert document.reencoded and document.kind == result.kind and document.sha256 == result.sha256
    assert (tmp_path / "docs" / document.stored_name).read_bytes() == result.data


def test_display_name_is_escaped_when_stored(tmp_path):
    check = inspect_bytes(encode(picture(), "PNG"), "x")
    document = store_document(check, tmp_path / "docs", "\x1b[31mred.png")
    assert document.display_name == "\\x1b[31mred.png"


def test_the_bytes_stored_are_the_bytes_the_given_inspect_checked(tmp_path):
    check = inspect_bytes(encode(picture(), "PNG"), "letter.png")
    seen = []

    def elsewhere(data, name):          # as the helper process would: the same check, on the same bytes
        seen.append((data, name))
        return inspect_bytes(data, name)

    document = store_document(check, tmp_path / "docs", "letter.png", inspect=elsewhere)
    assert seen == [(check.data, "letter.png")]
    assert (tmp_path / "docs" / document.stored_name).read_bytes() == check.data

    def refuses(data, name):
        return inspect_bytes(b"not a picture", name)
    with pytest.raises(DocumentError, match="refused"):
        store_document(check, tmp_path / "refused", "letter.png", inspect=refuses)
    assert not (tmp_path / "refused").exists() or not any((tmp_path / "refused").iterdir())


def test_refused_document_is_not_stored(tmp_path, noisy_png):
    folder = tmp_path / "docs"
    with pytest.raises(DocumentError, match="500 KB"):
        store_document(inspect_bytes(noisy_png, "big.png"), folder, "big.png")
    assert not folder.exists()


def test_store_checks_the_bytes_it_writes_not_an_earlier_verdict(tmp_path):
    good = inspect_bytes(encode(picture(), "PNG"), "a.png")
    swapped = dataclasses.replace(good, data=encode(picture(), "GIF"))
    with pytest.raises(DocumentError, match="GIF"):
        store_document(swapped, tmp_path / "docs", "a.png")
    assert not (tmp_path / "docs").exists()


def test_store_refuses_a_symlinked_documents_folder(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "docs").symlink_to(elsewhere)
    with pytest.raises(securefs.UnsafePathError):
        store_document(inspect_bytes(encode(picture(), "PNG"), "a.png"), tmp_path / "docs", "a.png")
    assert list(elsewhere.iterdir()) == []


def test_remove_document_deletes_the_stored_file_once(tmp_path):
    folder = tmp_path / "docs"
    document = store_document(inspect_bytes(encode(picture(), "PNG"), "a.png"), folder, "a.png")
    assert remove_document(document, folder) is True
    assert list(folder.iterdir()) == []
    assert remove_document(document, folder) is False


@pytest.mark.parametrize("stored_name", ["../victim.png", "/etc/passwd", "..", "",
                                         "0123456789abcdef-01234567.png/../../victim.png",
                                         "0123456789abcdef-01234567.exe"])
def test_remove_refuses_names_that_could_escape_the_folder(tmp_path, stored_name):
    folder = tmp_path / "docs"
    document = store_document(inspect_bytes(encode(picture(), "PNG"), "a.png"), folder, "a.png")
    victim = write(tmp_path, "victim.png", b"keep me")
    forged = document.model_copy(update={"stored_name": stored_name})
    with pytest.raises(DocumentError, match="refusing"):
        remove_document(forged, folder)
    with pytest.raises(DocumentError):
        document_path(forged, folder)
    assert victim.read_bytes() == b"keep me" and (folder / document.stored_name).exists()


def test_remove_refuses_a_symlinked_folder(tmp_path):
    real = tmp_path / "real"
    document = store_document(inspect_bytes(encode(picture(), "PNG"), "a.png"), real, "a.png")
    (tmp_path / "docs").symlink_to(real)
    with pytest.raises(securefs.UnsafePathError):
        remove_document(document, tmp_path / "docs")
    assert (real / document.stored_name).exists()

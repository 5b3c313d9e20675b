"""PNG/JPEG qualification documents: safe read, content checks, re-encoding and private storage.

A document is decided by its bytes, never its name (safety rules §4):
- it is read once through `securefs.read_regular_file` (no symlinks, FIFOs, devices or folders; bounded read)
  and only those bytes are used afterwards, so the file cannot change between check and store;
- the type comes from the magic bytes, Pillow may only try the PNG and JPEG plugins, and both must agree;
- the pixel count is capped from our own header parse before Pillow decodes anything (decompression bombs);
- Pillow's `verify()` and a full `load()` both run, because each catches damage the other misses;
- the real end of the image is found by walking its structure, and anything after it is refused (polyglots).

Images smaller than `SMALL_SIDE` pixels on a side are accepted with a warning: the reviewer decides whether
they can read them, and refusing would block users whose only copy is small.

Everything here is a plain blocking function (big images take hundreds of ms); the UI runs them in a worker.
Bad files never raise: they come back as a `DocumentCheck` with problems. Exceptions mean misuse.
"""

from __future__ import annotations

import errno
import hashlib
import io
import math
import os
import re
import secrets
import stat
import struct
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from PIL import Image, ImageOps

from certwizard.domain.models import Document
from certwizard.domain.text import printable
from certwizard.errors import CertwizardError
from certwizard.system import securefs

MAX_DOCUMENT_BYTES = 500 * 1024          # shown to users as "500 KB"
MAX_PIXELS = 40_000_000
MAX_SIDE = 10_000
REENCODE_READ_LIMIT = 20 * 1024 * 1024   # bigger files are refused outright, not offered a re-encode
SMALL_SIDE = 200                         # below this on either side: accepted with a warning
REENCODE_MAX_SIDE = 4000                 # a reviewer never needs more; keeps re-encoding fast

Kind = Literal["PNG", "JPEG"]

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
_EXTENSIONS: dict[str, tuple[str, ...]] = {"PNG": (".png",), "JPEG": (".jpg", ".jpeg", ".jpe", ".jfif")}
_STORED_SUFFIX = {"PNG": ".png", "JPEG": ".jpg"}
_STORED_NAME = re.compile(r"[0-9a-f]{16}-[0-9a-f]{8}\.(?:png|jpg)\Z")
_FIX_RESAVE = "re-save or re-export it from an image editor and try again"


class ProblemCode(StrEnum):
    NOT_FOUND = "not-found"
    PERMISSION_DENIED = "permission-denied"
    SYMLINK = "symlink"
    NOT_REGULAR_FILE = "not-regular-file"
    UNREADABLE = "unreadable"
    EMPTY = "empty"
    TOO_LARGE = "too-large"
    NOT_PNG_OR_JPEG = "not-png-or-jpeg"
    FORMAT_MISMATCH = "format-mismatch"
    TOO_MANY_PIXELS = "too-many-pixels"
    DAMAGED = "damaged"
    NO_END_MARKER = "no-end-marker"
    TRAILING_DATA = "trailing-data"
    # warnings
    SMALL_IMAGE = "small-image"
    NAME_MISMATCH = "name-mismatch"


class DocumentError(CertwizardError, ValueError):
    """A document cannot be re-encoded, stored or removed as asked; the message says why and what to do."""


@dataclass(frozen=True)
class DocumentProblem:
    code: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"code": str(self.code), "message": self.message}


@dataclass(frozen=True)
class DocumentCheck:
    """The verdict on one file. `data` holds the exact bytes that were checked, for storing or re-encoding."""

    display_name: str
    size: int
    sha256: str | None = None
    kind: Kind | None = None
    width: int | None = None
    height: int | None = None
    problems: tuple[DocumentProblem, ...] = ()
    warnings: tuple[DocumentProblem, ...] = ()
    can_reencode: bool = False
    data: bytes = field(default=b"", repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "display_name": self.display_name,
            "kind": self.kind,
            "size": self.size,
            "max_size": MAX_DOCUMENT_BYTES,
            "width": self.width,
            "height": self.height,
            "sha256": self.sha256,
            "can_reencode": self.can_reencode,
            "problems": [p.to_dict() for p in self.problems],
            "warnings": [w.to_dict() for w in self.warnings],
        }


@dataclass(frozen=True)
class ReencodedImage:
    """A fresh encoding of a valid image that fits the limit; shown to the user before it is stored."""

    data: bytes = field(repr=False)
    kind: Kind
    width: int
    height: int
    size: int
    quality: int | None      # JPEG quality, None for PNG
    scale: float             # new width / original width (after EXIF rotation)
    sha256: str

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "width": self.width, "height": self.height, "size": self.size,
                "quality": self.quality, "scale": self.scale, "sha256": self.sha256}


# --- sizes in messages -----------------------------------------------------------------------------------

def format_size(size: int) -> str:
    """'734 KB', '21.0 MB'; rounded up so a file just over the limit never reads as '500 KB'."""
    if size >= 10 * 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{math.ceil(size / 1024)} KB"


# --- reading a path ---------------------------------------------------------------------------------------

def inspect_document(path: str | os.PathLike[str]) -> DocumentCheck:
    """Check the file at `path` without following a final symlink or reading more than the hard cap."""
    display_name = _display_name(path)
    try:
        # One read with the re-encode cap: files up to 20 MB are read so a valid but oversized image can be
        # offered a re-encode; the bytes from this one handle are all that is ever used (no reopen).
        data = securefs.read_regular_file(path, REENCODE_READ_LIMIT)
    except securefs.FileTooLargeError:
        size = _size_on_disk(path)
        return _unread(display_name, _too_large_problem(size, reencodable=False), size=size)
    except securefs.UnsafePathError as exc:
        return _unread(display_name, _unsafe_path_problem(path, exc))
    except FileNotFoundError:
        return _unread(display_name, DocumentProblem(
            ProblemCode.NOT_FOUND, "there is no file at this path; check the spelling and the folder"))
    except PermissionError:
        return _unread(display_name, DocumentProblem(
            ProblemCode.PERMISSION_DENIED,
            "the file cannot be read (permission denied); make it readable for your user or copy it "
            "somewhere you can read"))
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return _unread(display_name, DocumentProblem(
            ProblemCode.UNREADABLE,
            f"the file cannot be read ({printable(reason)}); choose a PNG or JPEG file on a local disk"))
    return inspect_bytes(data, display_name)


def _display_name(path: str | os.PathLike[str]) -> str:
    text = os.fsdecode(path)
    return printable(os.path.basename(text.rstrip("/")) or text)


def _size_on_disk(path: str | os.PathLike[str]) -> int:
    try:
        return os.lstat(path).st_size
    except OSError:
        return 0


def _unread(display_name: str, problem: DocumentProblem, size: int = 0) -> DocumentCheck:
    return DocumentCheck(display_name=display_name, size=size, problems=(problem,))


def _unsafe_path_problem(path: str | os.PathLike[str], exc: securefs.UnsafePathError) -> DocumentProblem:
    if exc.errno == errno.ELOOP:
        return DocumentProblem(ProblemCode.SYMLINK,
                               "the path is a symbolic link; give the real file's path instead")
    return DocumentProblem(ProblemCode.NOT_REGULAR_FILE,
                           f"the path is {_describe_file_type(path)}, not a regular file; choose a PNG or "
                           "JPEG file")


def _describe_file_type(path: str | os.PathLike[str]) -> str:
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return "something other than a file"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "something other than a file"


# --- checking bytes ---------------------------------------------------------------------------------------

def inspect_bytes(data: bytes, display_name: str) -> DocumentCheck:
    """Check `data` as a qualification document; `display_name` is only used for display and hints."""
    name = printable(display_name)
    if not data:
        return _verdict(name, data, problems=(DocumentProblem(
            ProblemCode.EMPTY, "the file is empty; choose a PNG or JPEG scan or photo of the document"),))
    kind = sniff_kind(data)
    if kind is None:
        return _verdict(name, data, problems=(_not_an_image_problem(data, len(data)),))
    if len(data) > REENCODE_READ_LIMIT:
        return _verdict(name, data, kind=kind, problems=(_too_large_problem(len(data), reencodable=False),))
    image = _inspect_image(data, kind)
    problems = list(image.problems)
    too_large = len(data) > MAX_DOCUMENT_BYTES
    can_reencode = too_large and not problems   # "only the byte size is wrong"
    if too_large:
        problems.insert(0, _too_large_problem(len(data), reencodable=can_reencode))
    notes = _warnings(name, kind, image.width, image.height) if not image.problems else ()
    return _verdict(name, data, kind=kind, width=image.width, height=image.height, problems=tuple(problems),
                    warnings=notes, can_reencode=can_reencode)


def _verdict(name: str, data: bytes, **facts: Any) -> DocumentCheck:
    digest = hashlib.sha256(data).hexdigest()
    return DocumentCheck(display_name=name, size=len(data), sha256=digest, data=data, **facts)


def sniff_kind(data: bytes) -> Kind | None:
    """'PNG' or 'JPEG' from the magic bytes, else None. The file name plays no part."""
    if data.startswith(PNG_MAGIC):
        return "PNG"
    if data.startswith(JPEG_MAGIC):
        return "JPEG"
    return None


_LOOKALIKES: tuple[tuple[bytes, int, str], ...] = (
    (b"GIF87a", 0, "a GIF image"), (b"GIF89a", 0, "a GIF image"), (b"WEBP", 8, "a WebP image"),
    (b"%PDF-", 0, "a PDF document"), (b"PK\x03\x04", 0, "a ZIP archive (or an Office document)"),
    (b"PK\x05\x06", 0, "a ZIP archive"), (b"BM", 0, "a BMP image"), (b"II*\x00", 0, "a TIFF image"),
    (b"MM\x00*", 0, "a TIFF image"), (b"ftypheic", 4, "a HEIC photo"), (b"ftypheix", 4, "a HEIC photo"),
    (b"ftypmif1", 4, "a HEIF image"), (b"ftypavif", 4, "an AVIF image"), (b"\x00\x00\x01\x00", 0, "an icon"),
    (b"\x89PNG", 0, "a damaged PNG (its signature is incomplete)"),
)


def describe_content(data: bytes) -> str:
    """What non-PNG/JPEG bytes appear to be, for messages such as 'appears to be a GIF image'."""
    for magic, offset, what in _LOOKALIKES:
        if data[offset:offset + len(magic)] == magic:
            return what
    head = data[:4096].lstrip()
    if head[:1] == b"<":
        return "an SVG, HTML or XML text file"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return "unrecognised binary data"
    return "a text file"


def _not_an_image_problem(data: bytes, size: int) -> DocumentProblem:
    too_big = f" It is also {format_size(size)}; the limit is 500 KB." if size > MAX_DOCUMENT_BYTES else ""
    return DocumentProblem(ProblemCode.NOT_PNG_OR_JPEG,
                           f"the file appears to be {describe_content(data)}, not a PNG or JPEG image; "
                           f"save or export the document as PNG or JPEG and try again.{too_big}")


def _too_large_problem(size: int, reencodable: bool) -> DocumentProblem:
    if reencodable:
        fix = ("The image itself is fine, so the wizard can re-encode it to fit (you see the result before "
               "it is used), or save it smaller yourself (lower JPEG quality or fewer pixels)")
    elif size > REENCODE_READ_LIMIT:
        fix = (f"Files over {format_size(REENCODE_READ_LIMIT)} are not re-encoded; save it smaller (lower "
               "JPEG quality or fewer pixels) and try again")
    else:
        fix = "Save it smaller (lower JPEG quality or fewer pixels) and try again"
    return DocumentProblem(ProblemCode.TOO_LARGE,
                           f"the file is {format_size(size)}; the limit is 500 KB. {fix}")


def _warnings(name: str, kind: Kind, width: int | None, height: int | None) -> tuple[DocumentProblem, ...]:
    notes = []
    if width is not None and height is not None and min(width, height) < SMALL_SIDE:
        notes.append(DocumentProblem(
            ProblemCode.SMALL_IMAGE,
            f"the image is only {width} x {height} pixels and may be unreadable for the reviewer; a scan or "
            "photo at least 1000 pixels wide is safer"))
    suffix = os.path.splitext(name)[1].lower()
    if suffix and suffix not in _EXTENSIONS[kind]:
        notes.append(DocumentProblem(
            ProblemCode.NAME_MISMATCH,
            f"the name ends in {suffix} but the content is a {kind} image; it is checked and stored "
            f"as {kind}"))
    return tuple(notes)


# --- the image itself --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _ImageFacts:
    width: int | None
    height: int | None
    problems: tuple[DocumentProblem, ...]


@dataclass(frozen=True)
class _Layout:
    """What a structure walk found: the header size and the offset just past the image's end marker."""

    width: int | None = None
    height: int | None = None
    end: int | None = None


def _inspect_image(data: bytes, kind: Kind) -> _ImageFacts:
    layout = png_layout(data) if kind == "PNG" else jpeg_layout(data)
    if layout.width is not None and layout.height is not None:
        too_big = _pixel_problem(layout.width, layout.height)
        if too_big:  # refused from the header alone: nothing is decompressed
            return _ImageFacts(layout.width, layout.height, (too_big,))
    size, damage = _decode(data, kind)
    width, height = size if size else (layout.width, layout.height)
    if damage:
        return _ImageFacts(width, height, (damage,))
    end_problem = _end_problem(data, kind, layout.end)
    return _ImageFacts(width, height, (end_problem,) if end_problem else ())


def _pixel_problem(width: int, height: int) -> DocumentProblem | None:
    if width < 1 or height < 1:
        return DocumentProblem(ProblemCode.DAMAGED,
                               f"the image header says {width} x {height} pixels, which is not a real image; "
                               f"{_FIX_RESAVE}")
    if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
        return DocumentProblem(
            ProblemCode.TOO_MANY_PIXELS,
            f"the image is {width} x {height} pixels; the limit is {MAX_SIDE:,} pixels per side and "
            f"{MAX_PIXELS // 1_000_000} megapixels in total; scale it down and try again")
    return None


def _end_problem(data: bytes, kind: Kind, end: int | None) -> DocumentProblem | None:
    if end is None:
        marker = "IEND" if kind == "PNG" else "EOI"
        return DocumentProblem(ProblemCode.NO_END_MARKER,
                               f"the {kind} structure is broken (bytes outside its parts, or no {marker} end "
                               f"marker), so the file is damaged, cut off or hides other data; {_FIX_RESAVE}")
    extra = len(data) - end
    if extra <= 0:
        return None
    why = " (phone cameras add a second picture there)" if data.startswith(JPEG_MAGIC, end) else ""
    return DocumentProblem(ProblemCode.TRAILING_DATA,
                           f"the file has {extra:,} extra bytes after the image{why}; re-save it from an "
                           "image editor and try again")


# Pillow reports broken files through many exception types; all of them mean "this file is damaged".
_PILLOW_FAILURES: tuple[type[BaseException], ...] = (
    OSError, SyntaxError, ValueError, EOFError, struct.error, IndexError, KeyError, MemoryError,
    Image.DecompressionBombError, Image.DecompressionBombWarning,
)


# catch_warnings swaps process-wide filters; two UI workers interleaving enter/exit could leave our filters
# installed for good, so our own uses take turns. (Our header cap is far below Pillow's warning threshold
# anyway; this is the second line of defence.)
_WARNINGS_LOCK = threading.Lock()


@contextmanager
def _bomb_warnings_as_errors() -> Iterator[None]:
    # Undone on exit; other Pillow warnings (odd EXIF...) are swallowed rather than printed.
    with _WARNINGS_LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        yield


def _open(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data), formats=["PNG", "JPEG"])


def _pillow_kind(image_format: str | None) -> str | None:
    # A JPEG with a multi-picture (MPF) header opens as "MPO"; its extra pictures count as trailing data.
    return "JPEG" if image_format == "MPO" else image_format


def _decode(data: bytes, kind: Kind) -> tuple[tuple[int, int] | None, DocumentProblem | None]:
    """Open, verify, reopen and fully load; returns the pixel size or the problem found."""
    with _bomb_warnings_as_errors():
        try:
            with _open(data) as image:
                if _pillow_kind(image.format) != kind:
                    return None, DocumentProblem(
                        ProblemCode.FORMAT_MISMATCH,
                        f"the file starts like a {kind} but decodes as {image.format}; {_FIX_RESAVE}")
                size = image.size
                too_big = _pixel_problem(*size)
                if too_big:
                    return size, too_big
                image.verify()       # PNG: chunk CRCs and order; a no-op for JPEG
            with _open(data) as image:
                image.load()         # decodes every pixel; catches truncated or corrupt image data
        except _PILLOW_FAILURES as exc:
            return None, _damaged_problem(exc)
    return size, None


def _damaged_problem(exc: BaseException) -> DocumentProblem:
    if isinstance(exc, (Image.DecompressionBombError, Image.DecompressionBombWarning)):
        return DocumentProblem(ProblemCode.TOO_MANY_PIXELS,
                               f"the image has too many pixels to open safely; the limit is {MAX_SIDE:,} "
                               f"pixels per side and {MAX_PIXELS // 1_000_000} megapixels; scale it down and "
                               "try again")
    detail = printable(str(exc) or type(exc).__name__)[:120]
    return DocumentProblem(ProblemCode.DAMAGED,
                           f"the image data is damaged or incomplete ({detail}); {_FIX_RESAVE}")


# --- structure walks: where does the image really end? ---------------------------------------------------

def png_layout(data: bytes) -> _Layout:
    """Walk the PNG chunks: size from IHDR, end just past the IEND chunk (None if it is never reached)."""
    width = height = None
    if data[12:16] == b"IHDR" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
    pos = len(PNG_MAGIC)
    while pos + 8 <= len(data):
        length, chunk_type = struct.unpack(">I4s", data[pos:pos + 8])
        chunk_end = pos + 12 + length
        if length > 0x7FFFFFFF or chunk_end > len(data):
            break
        if chunk_type == b"IEND":
            return _Layout(width, height, chunk_end)
        pos = chunk_end
    return _Layout(width, height, None)


_SOF_MARKERS = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})
_STANDALONE_MARKERS = frozenset({0x01, *range(0xD0, 0xD8)})


def jpeg_layout(data: bytes) -> _Layout:
    """Walk the JPEG segments and entropy-coded data to the EOI of the main image.

    Segments are skipped by their length, so an EXIF thumbnail's own EOI inside APP1 is never mistaken for the
    end; this also does not depend on how far Pillow's decoder happened to read.
    """
    width = height = None
    pos = 2
    while pos < len(data):
        if data[pos] != 0xFF:
            return _Layout(width, height, None)   # bytes where a marker must be
        while pos < len(data) and data[pos] == 0xFF:   # fill bytes before a marker
            pos += 1
        if pos >= len(data):
            break
        marker = data[pos]
        pos += 1
        if marker == 0xD9:
            return _Layout(width, height, pos)
        if marker in _STANDALONE_MARKERS:
            continue
        if marker in (0x00, 0xD8) or pos + 2 > len(data):
            break
        segment_end = pos + int.from_bytes(data[pos:pos + 2], "big")
        if segment_end < pos + 2 or segment_end > len(data):
            break
        if marker in _SOF_MARKERS and segment_end - pos >= 7:
            height, width = struct.unpack(">HH", data[pos + 3:pos + 7])
        if marker == 0xDA:
            scan_end = _skip_entropy_coded(data, segment_end)
            if scan_end is None:
                break
            pos = scan_end
        else:
            pos = segment_end
    return _Layout(width, height, None)


def _skip_entropy_coded(data: bytes, pos: int) -> int | None:
    """Offset of the marker that ends a scan: an FF not followed by 00 (stuffing), D0-D7 (restart) or FF."""
    while True:
        pos = data.find(b"\xff", pos)
        if pos < 0 or pos + 1 >= len(data):
            return None
        following = data[pos + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7:
            pos += 2
        elif following == 0xFF:
            pos += 1
        else:
            return pos


# --- re-encoding -------------------------------------------------------------------------------------------

_JPEG_QUALITIES = (90, 80, 70, 60)
_DOWNSCALE_QUALITY = 75
_MIN_LONG_SIDE = 64


def reencode_to_fit(source: DocumentCheck | bytes, max_bytes: int = MAX_DOCUMENT_BYTES) -> ReencodedImage:
    """A metadata-free PNG or JPEG of the same image that is at most `max_bytes`; writes nothing.

    PNGs are first tried as an optimised PNG (lossless, best for scans of text); otherwise JPEG at falling
    quality, then smaller and smaller until it fits. Transparency is flattened onto white for JPEG.
    Raises DocumentError if the source is not a valid image or nothing reasonable fits.
    """
    if not 1 <= max_bytes <= MAX_DOCUMENT_BYTES:
        raise ValueError(f"max_bytes must be between 1 and {MAX_DOCUMENT_BYTES}")
    check = source if isinstance(source, DocumentCheck) else inspect_bytes(source, "")
    if not (check.ok or check.can_reencode) or check.kind is None:
        reasons = "; ".join(p.message for p in check.problems)
        raise DocumentError(f"only a valid PNG or JPEG image can be re-encoded, and this one is not: "
                            f"{reasons}")
    image = _clean_image(check.data)
    original_width = image.width
    image = _cap_side(image, REENCODE_MAX_SIDE)
    for data, kind, quality, encoded in _candidates(image, check.kind, max_bytes):
        if len(data) <= max_bytes:
            return _finished(data, kind, quality, encoded, original_width)
    raise DocumentError(f"the image could not be made smaller than {format_size(max_bytes)} without becoming "
                        f"unreadably small; crop it to the document and try again")


def _clean_image(data: bytes) -> Image.Image:
    """Decoded pixels, upright, 8-bit RGB/RGBA/L, with no metadata left to be written back out."""
    with _bomb_warnings_as_errors():
        try:
            with _open(data) as opened:
                opened.load()
                upright = _upright(opened)
        except _PILLOW_FAILURES as exc:
            raise DocumentError(_damaged_problem(exc).message) from None
    image = _normalise_mode(upright)
    image.info = {}   # Pillow writes info's ICC profile, EXIF, text and transparency back out otherwise
    return image


def _upright(image: Image.Image) -> Image.Image:
    # The EXIF orientation is dropped with the rest of the metadata, so apply it to the pixels first.
    try:
        return ImageOps.exif_transpose(image)
    except _PILLOW_FAILURES:
        return image.copy()


def _normalise_mode(image: Image.Image) -> Image.Image:
    if image.mode.startswith("I"):   # 16-bit grey: scale to 8 bits (a plain convert would clip at 255)
        image = image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    transparent = "transparency" in image.info or image.mode in ("RGBA", "LA", "PA", "La", "RGBa")
    if transparent:
        return image.convert("RGBA")
    if image.mode in ("1", "L"):
        return image.convert("L")
    return image.convert("RGB")


def _cap_side(image: Image.Image, limit: int) -> Image.Image:
    longest = max(image.size)
    if longest <= limit:
        return image
    return _resized(image, limit / longest)


def _resized(image: Image.Image, factor: float) -> Image.Image:
    size = (max(1, round(image.width * factor)), max(1, round(image.height * factor)))
    resized = image.resize(size, Image.Resampling.LANCZOS)
    resized.info = {}
    return resized


def _flattened(image: Image.Image) -> Image.Image:
    if image.mode != "RGBA":
        return image
    background = Image.new("RGB", image.size, "white")
    background.paste(image, mask=image.getchannel("A"))
    return background


def _encode(image: Image.Image, kind: Kind, quality: int | None) -> bytes:
    buffer = io.BytesIO()
    if kind == "PNG":
        image.save(buffer, "PNG", optimize=True)
    else:
        image.save(buffer, "JPEG", quality=quality, optimize=True)
    return buffer.getvalue()


def _candidates(image: Image.Image, source_kind: Kind, max_bytes: int
                ) -> Iterator[tuple[bytes, Kind, int | None, Image.Image]]:
    """Encodings from best to smallest; the caller stops at the first that fits."""
    if source_kind == "PNG":
        yield _encode(image, "PNG", None), "PNG", None, image
    flat = _flattened(image)
    for quality in _JPEG_QUALITIES:
        yield _encode(flat, "JPEG", quality), "JPEG", quality, flat
    current, last_size = flat, None
    while max(current.size) > _MIN_LONG_SIDE:
        # Bytes scale roughly with pixels, so aim for the limit with a margin; always shrink by 10-50 %.
        ratio = math.sqrt(max_bytes / last_size) * 0.95 if last_size else 0.85
        current = _resized(current, min(0.9, max(0.5, ratio)))
        data = _encode(current, "JPEG", _DOWNSCALE_QUALITY)
        last_size = len(data)
        yield data, "JPEG", _DOWNSCALE_QUALITY, current


def _finished(data: bytes, kind: Kind, quality: int | None, image: Image.Image,
              original_width: int) -> ReencodedImage:
    verdict = inspect_bytes(data, "")
    if not verdict.ok:  # our own encoder output must pass our own check; anything else is a bug
        raise RuntimeError(f"re-encoded image failed inspection: {verdict.problems}")
    return ReencodedImage(data=data, kind=kind, width=image.width, height=image.height, size=len(data),
                          quality=quality, scale=round(image.width / original_width, 4),
                          sha256=verdict.sha256 or "")


# --- storage ----------------------------------------------------------------------------------------------

def store_document(item: DocumentCheck | ReencodedImage, documents_dir: str | os.PathLike[str],
                   display_name: str, *, inspect: Callable[[bytes, str], DocumentCheck] | None = None) -> Document:
    """Copy the checked bytes to a new 0600 file with a generated name in the 0700 documents folder.

    The bytes are inspected once more here, so only bytes that pass the check are ever written: by
    `inspect_bytes`, or by `inspect` (the same check elsewhere, e.g. in the helper process, to keep Pillow's
    decoding off this process's GIL).
    """
    verdict = (inspect or inspect_bytes)(item.data, display_name)
    if (not verdict.ok or verdict.kind is None or verdict.sha256 is None or verdict.width is None
            or verdict.height is None):
        reasons = "; ".join(p.message for p in verdict.problems)
        raise DocumentError(f"this document cannot be stored because it was refused: {reasons}")
    folder = securefs.ensure_private_dir(documents_dir)
    stored_name = f"{verdict.sha256[:16]}-{secrets.token_hex(4)}{_STORED_SUFFIX[verdict.kind]}"
    securefs.create_private_file(folder / stored_name, item.data)
    return Document(display_name=verdict.display_name, stored_name=stored_name, kind=verdict.kind,
                    size=verdict.size, width=verdict.width, height=verdict.height, sha256=verdict.sha256,
                    reencoded=isinstance(item, ReencodedImage))


def document_path(document: Document, documents_dir: str | os.PathLike[str]) -> Path:
    """Where a stored document lives; refuses a stored name that could point outside the folder."""
    return Path(documents_dir) / _checked_stored_name(document.stored_name)


def remove_document(document: Document, documents_dir: str | os.PathLike[str]) -> bool:
    """Delete a stored document; True if it was there, False if it was already gone."""
    name = _checked_stored_name(document.stored_name)
    try:
        folder_fd = os.open(documents_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        return False
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            raise securefs.UnsafePathError(
                exc.errno, "is not a real folder; documents are only removed from the real documents folder",
                str(documents_dir)) from None
        raise
    try:
        os.unlink(name, dir_fd=folder_fd)   # relative to the opened folder; never follows a symlink
        os.fsync(folder_fd)
    except FileNotFoundError:
        return False
    finally:
        os.close(folder_fd)
    return True


def _checked_stored_name(stored_name: str) -> str:
    if not _STORED_NAME.match(stored_name):
        raise DocumentError(f"{printable(stored_name)!r} is not a name certwizard generates for a stored "
                            "document; refusing to touch it (expected e.g. 0123456789abcdef-01234567.png)")
    return stored_name

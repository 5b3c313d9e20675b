"""The verification letter OV/EV applicants print, sign, stamp and upload: a pre-filled A4 PDF (fpdf2).

Every value comes from the draft as typed; an empty value becomes a line to fill in by hand. Control and
invisible characters (ESC, bidi overrides...) are dropped: on paper they could only hide or reorder text.

Fonts: fpdf2's core fonts are Latin-1 only and servers rarely have a CJK font, so the letter embeds subsets
of Kurinto Sans SC (Latin, Greek, Cyrillic, Chinese) with Kurinto Sans as fallback for most other scripts,
both shipped by the `weblate-fonts` package (SIL OFL 1.1). Without that package it falls back to Helvetica.
Either way a character no loaded font can draw is printed as a visible escape such as \\uac00, never as an
empty box, so nobody signs a letter whose names silently lost characters.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import TTFFont

from certwizard.domain.domains import check_domains
from certwizard.domain.form_fields import Block, listed_fields
from certwizard.domain.models import ApplicationDraft, Order
from certwizard.domain.products import Product
from certwizard.system import securefs

TITLE = "Certificate Application Verification Letter"
BLANK = "_" * 42
# Priority order: SC covers Latin and Chinese, so mixed text stays in one typeface.
_BUNDLED_FONTS = ("KurintoSansSC-Rg.ttf", "KurintoSans-Rg.ttf")
_CORE_FONT = "helvetica"
_LATIN_1 = frozenset(range(0x20, 0x7F)) | frozenset(range(0xA0, 0x100))
_LABEL_WIDTH = 50
_BOX_HEIGHT = 32
_MAX_BLANK_DOMAIN_LINES = 5

Row = tuple[str, str]


def bundled_fonts() -> tuple[Path, ...]:
    """The Unicode fonts the letter uses, primary first; empty when `weblate-fonts` is not installed."""
    try:
        import weblate_fonts
    except ImportError:
        return ()
    folder = Path(weblate_fonts.__file__).parent / "static" / "weblate_fonts" / "kurinto" / "ttf"
    return tuple(folder / name for name in _BUNDLED_FONTS if (folder / name).is_file())


# --- text --------------------------------------------------------------------------------------------------

def clean(value: str) -> str:
    """User text with control and invisible characters removed (line breaks and tabs become spaces)."""
    return "".join(ch if ch.isprintable() else " " if ch.isspace() else "" for ch in value).strip()


def _fit(value: str, coverage: frozenset[int]) -> str:
    """Replace characters no loaded font can draw with visible escapes."""
    return "".join(ch if ord(ch) in coverage else f"\\u{ord(ch):04x}" for ch in value)


# --- what the letter says ----------------------------------------------------------------------------------

def _product_rows(order: Order, product: Product, day: date) -> list[Row]:
    return [
        ("Order ID", order.id),
        ("Certificate authority", product.brand),
        ("Product", product.name),
        ("Validation level", f"{product.level.value} ({product.level.edition})"),
        ("Domain type", product.domain_type.label),
        ("Validity", f"{product.validity_on(day)} days"),
    ]


def _domain_rows(product: Product, typed: str) -> list[Row]:
    if not clean(typed):
        lines = min(product.max_domains, _MAX_BLANK_DOMAIN_LINES)
        return [(f"Domain {n}", "") for n in range(1, lines + 1)]
    check = check_domains(product, typed)
    if not check.ok:
        return [("Domains (as typed)", typed),
                ("Note", "These names have not passed certwizard's checks yet; correct them in the "
                         "application before you sign.")]
    return [(f"Domain {n}", entry.display) for n, entry in enumerate(check.entries, start=1)]


def _block_rows(draft: ApplicationDraft, block: Block) -> list[Row]:
    # Names instead of codes only where the typed value is recognised (form_fields' `readable`); anything
    # else is printed as typed.
    return [(declared.letter_label, declared.readable(getattr(draft, declared.name), draft))
            for declared in listed_fields(block)]


def _declaration(product: Product) -> str:
    if product.is_professional:
        return ("I, the applicant named above, confirm on behalf of the organization named above that the "
                "organization requested this certificate for the domain names listed in this letter, that I "
                "am authorised to make this request for it, and that all information in this letter is true "
                "and complete.")
    return ("I, the applicant named above, confirm that I requested this certificate for the domain names "
            "listed in this letter, that I am entitled to use them, and that all information in this letter "
            "is true and complete.")


def letter_sections(order: Order, draft: ApplicationDraft, day: date) -> list[tuple[str, list[Row]]]:
    """The letter's headed sections as (label, value) rows, values as typed; `day` decides the validity."""
    product = order.product
    sections = [
        ("Order and product", _product_rows(order, product, day)),
        ("Domains to bind", _domain_rows(product, draft.domains)),
        (Block.APPLICANT.heading, _block_rows(draft, Block.APPLICANT)),
    ]
    if product.is_professional:
        sections.append((Block.COMPANY.heading, _block_rows(draft, Block.COMPANY)))
    return sections


# --- the PDF -----------------------------------------------------------------------------------------------

class _LetterPDF(FPDF):
    def __init__(self, fonts: Sequence[Path], day: date) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.letter_day = day
        self.letter_family = _CORE_FONT
        self.coverage = _LATIN_1
        if fonts:
            self._load_fonts(fonts)
        self.set_margins(20, 20, 20)
        self.set_auto_page_break(auto=True, margin=20)
        self.set_title(TITLE)
        self.set_creator("certwizard")
        self.set_lang("en")
        # No "{nb}" total-pages alias: fpdf2 would also replace it inside user text.
        self.alias_nb_pages(None)  # type: ignore[arg-type]

    def _load_fonts(self, fonts: Sequence[Path]) -> None:
        families = [f"letter{n}" for n in range(len(fonts))]
        coverage: set[int] = set()
        for family, path in zip(families, fonts, strict=True):
            self.add_font(family, "", path)
            font = self.fonts[family]
            assert isinstance(font, TTFFont)              # added from a .ttf file just above
            coverage.update(font.cmap)
        self.set_fallback_fonts(families[1:], exact_match=False)
        self.letter_family = families[0]
        self.coverage = frozenset(coverage)

    def use_size(self, size: float) -> None:
        self.set_font(self.letter_family, size=size)

    def footer(self) -> None:
        self.set_y(-14)
        self.use_size(8)
        stamp = f"Generated by certwizard on {self.letter_day.isoformat()}"
        self.cell(0, 5, f"{stamp} - page {self.page_no()}", align="C")


def _heading(pdf: _LetterPDF, text: str) -> None:
    pdf.ln(3)
    pdf.use_size(12)
    pdf.cell(0, 7, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(1)


def _row(pdf: _LetterPDF, label: str, value: str) -> None:
    shown = _fit(clean(value), pdf.coverage) or BLANK
    pdf.use_size(10)
    pdf.cell(_LABEL_WIDTH, 6, label)
    pdf.multi_cell(0, 6, shown, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _signature_boxes(pdf: _LetterPDF, product: Product) -> None:
    labels = ["Applicant's signature", "Date"]
    if product.is_professional:
        labels.append("Company seal")
    if pdf.will_page_break(_BOX_HEIGHT + 12):
        pdf.add_page()
    pdf.ln(6)
    gap = 5
    width = (pdf.epw - gap * (len(labels) - 1)) / len(labels)
    top = pdf.get_y()
    pdf.use_size(9)
    for n, label in enumerate(labels):
        x = pdf.l_margin + n * (width + gap)
        pdf.rect(x, top, width, _BOX_HEIGHT)
        pdf.set_xy(x + 2, top + 2)
        pdf.cell(width - 4, 5, label)
    pdf.set_xy(pdf.l_margin, top + _BOX_HEIGHT)


def render_verification_template(order: Order, draft: ApplicationDraft, *, generated_on: date | None = None,
                                 fonts: Sequence[Path] | None = None) -> bytes:
    """The letter as PDF bytes, dated `generated_on` (default today).

    `fonts`: TTF files, primary first; None uses `bundled_fonts()`, an empty sequence the core font.
    """
    day = generated_on or date.today()
    product = order.product
    pdf = _LetterPDF(bundled_fonts() if fonts is None else fonts, day)
    pdf.add_page()
    pdf.use_size(16)
    pdf.multi_cell(0, 9, TITLE, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    for heading, rows in letter_sections(order, draft, day):
        _heading(pdf, heading)
        for label, value in rows:
            _row(pdf, label, value)
    _heading(pdf, "Declaration")
    pdf.use_size(10)
    pdf.multi_cell(0, 5.5, _declaration(product), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    _signature_boxes(pdf, product)
    return bytes(pdf.output())


def write_verification_template(order: Order, draft: ApplicationDraft, path: Path, *,
                                generated_on: date | None = None) -> Path:
    """Write the letter to a new 0600 file at `path`; never overwrites and never writes through a symlink.

    0600, not 0644: the letter holds the applicant's ID number, phone and e-mail address."""
    target = Path(path)
    if not target.parent.is_dir():
        raise FileNotFoundError(errno.ENOENT, "folder does not exist; create it first or choose an existing "
                                "folder for the verification letter", str(target.parent))
    if os.path.lexists(target):     # fail before rendering; create_new_file's O_EXCL still covers a race
        raise _already_exists(target)
    data = render_verification_template(order, draft, generated_on=generated_on)
    try:
        return securefs.create_new_file(target, data, securefs.PRIVATE_FILE_MODE)
    except FileExistsError:
        raise _already_exists(target) from None


def _already_exists(target: Path) -> FileExistsError:
    return FileExistsError(errno.EEXIST, "already exists (as a file, folder or link); certwizard never "
                           "overwrites it: choose another file name or move the old file away", str(target))

"""Getting text out of the bytes safely: type sniffing, limits, PDF text layer, page rendering and OCR."""

from __future__ import annotations

import ctypes
import re
import struct
from dataclasses import dataclass, field
from typing import Any, Literal

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image

from clea_intake.documents import imaging, pdf_structure
from clea_intake.documents.ocr import OcrError, OcrProvider
from clea_intake.domain.policy import DocumentLimits

TextSource = Literal["text_layer", "ocr", "none"]

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
OCTET = "application/octet-stream"

# A page whose text layer has fewer letters and digits than this is treated as a scan.
MIN_TEXT_LAYER_CHARS = 25
RENDER_DPI = 200


class Unreadable(Exception):
    """The file cannot be read; carries the finding code and its parameters."""

    def __init__(self, code: str, media_type: str = OCTET, pages: int = 0, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.media_type = media_type
        self.pages = pages
        self.params = params


@dataclass
class PageImage:
    """A page as an image, kept so the identity reader can re-read its machine readable zone."""

    image: Image.Image
    rotation: int = 0
    page_index: int = 0  # 0-based, in the file: a piece of a multi-piece PDF keeps its own pages' images


@dataclass
class Extraction:
    text: str
    pages: int
    text_source: TextSource
    media_type: str
    images: list[PageImage] = field(default_factory=list)
    page_texts: list[str] = field(default_factory=list)


ZIP = "application/zip"
HTML = "text/html"

# Markup a browser would run: looked for in all the bytes, since an HTML/PDF polyglot puts it anywhere.
_HTML_MARKUP = re.compile(
    rb"<(?:!doctype\s+html|html|head|body|script|iframe|object|embed|svg|meta\s+http-equiv)[\s>/]", re.IGNORECASE
)
_BLANKS = b"\xef\xbb\xbf \t\r\n\x0c"


def sniff(data: bytes) -> str:
    """The media type from the magic bytes only: the extension and Content-Type are not trusted.

    Containers come first: a ZIP (an OOXML document is one) whose first entry is a stored PDF has "%PDF-"
    in its first kilobyte, and is still a ZIP."""
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")):
        return ZIP
    if _HTML_MARKUP.match(data[:1024].lstrip(_BLANKS)):
        return HTML
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    # The PDF reference tolerates bytes before the header; readers look in the first kilobyte.
    if b"%PDF-" in data[:1024]:
        return PDF
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return imaging.WEBP
    for magic, media in ((b"GIF8", "image/gif"), (b"II*\x00", "image/tiff"), (b"MM\x00*", "image/tiff"),
                         (b"RIFF", "application/octet-stream"), (b"BM", "image/bmp")):  # fmt: skip
        if data.startswith(magic):
            return media
    if data[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftypheif", b"ftyphevc", b"ftypmsf1"):
        return imaging.HEIC
    return OCTET


def _zip_inside(data: bytes) -> bool:
    """A ZIP archive anywhere in the bytes: its end record in the last 64 KB, or a well-formed local
    file header anywhere (checked field by field, so compressed bytes do not look like one by chance)."""
    tail_start = max(0, len(data) - 65_557)
    position = data.rfind(b"PK\x05\x06", tail_start)
    if position >= 0 and position + 22 <= len(data):
        _disk, _cd_disk, _here, entries, size, offset, comment = struct.unpack("<4xHHHHIIH", data[position : position + 22])
        if position + 22 + comment <= len(data) and offset + size <= position and entries > 0:
            return True
    for match in re.finditer(b"PK\x03\x04", data):
        header = data[match.start() : match.start() + 30]
        if len(header) < 30:
            break
        version, flags, method, _t, _d, _crc, packed, unpacked, name_len, _extra = struct.unpack(
            "<HHHHHIIIHH", header[4:30]
        )
        name = data[match.start() + 30 : match.start() + 30 + name_len]
        if (
            version <= 63 and method in (0, 8, 9, 12, 14) and 0 < name_len <= 1024 and len(name) == name_len
            and all(32 <= b < 127 or b >= 128 for b in name)
            and (method != 0 or flags & 0x8 or packed == unpacked)
        ):
            return True
    return False


def polyglot(data: bytes, media_type: str) -> bool:
    """Whether the bytes are also another kind of file: a ZIP, a web page, or a PDF behind an image."""
    if _HTML_MARKUP.search(data) or _zip_inside(data):
        return True
    return media_type != PDF and b"%PDF-" in data[:1024]


def check_container(data: bytes, limits: DocumentLimits) -> str:
    if not data:
        raise Unreadable("EMPTY_FILE")
    media_type = sniff(data)
    if len(data) > limits.max_file_bytes:
        raise Unreadable("FILE_TOO_LARGE", media_type, max_mb=round(limits.max_file_bytes / 1_000_000))
    if media_type != PDF and media_type not in imaging.IMAGE_TYPES:
        raise Unreadable("UNSUPPORTED_FILE_TYPE", media_type)
    if polyglot(data, media_type):
        raise Unreadable("AMBIGUOUS_FILE_TYPE", media_type)
    return media_type


_LETTER_OR_DIGIT = re.compile(r"[0-9A-Za-zÀ-ÿ]")


def usable(text: str) -> bool:
    # Stops at the 25th letter or digit instead of counting them all.
    for count, _match in enumerate(_LETTER_OR_DIGIT.finditer(text), start=1):
        if count >= MIN_TEXT_LAYER_CHARS:
            return True
    return False


# ---------------------------------------------------------------- PDF


def _open_pdf(data: bytes) -> pdfium.PdfDocument:
    tail = data[-2048:]
    if b"%%EOF" not in tail:
        # An interrupted upload loses the end of the file: pdfium may still open the first pages,
        # but the piece is incomplete, so say so instead of reading half of it.
        raise Unreadable("FILE_TRUNCATED", PDF)
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        message = str(exc).lower()
        if "password" in message or "security" in message:
            raise Unreadable("FILE_ENCRYPTED", PDF) from exc
        raise Unreadable("FILE_CORRUPT", PDF) from exc


def check_structure(data: bytes, limits: DocumentLimits, pages: int) -> None:
    """Active content and structure limits, before any page is drawn (pdf_structure)."""
    try:
        pdf_structure.check(data, limits)
    except pdf_structure.Refused as exc:
        raise Unreadable(exc.code, PDF, pages=exc.params.get("pages", pages), **exc.params) from None


def _has_image(page: pdfium.PdfPage, limits: DocumentLimits) -> bool:
    """Whether the page shows an image; an embedded image bigger than the pixel budget is a bomb that
    rendering would decode in full, so it is refused before."""
    found = False
    try:
        for image in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=64):
            found = True
            width, height = image.get_px_size()
            if width * height > limits.max_image_pixels:
                raise Unreadable("IMAGE_TOO_LARGE", PDF)
    except pdfium.PdfiumError:
        return True  # cannot tell: let OCR look
    return found


# A page's sides, in points: PDF readers bound them to 3-14,400 units (ISO 32000-1, annex C), taken here with a
# margin below; a page beyond is no document's, and a strip of 0.5 by 2,147,483,648 points drew a bitmap of 11 GB
# within the pixel budget.
PAGE_SIDE_POINTS = (1.0, 14_400.0)


def _load_page(pdf: pdfium.PdfDocument, index: int) -> pdfium.PdfPage:
    """Page `index`; a page pdfium counts but cannot load (its tree or dictionary damaged) is a damaged file."""
    try:
        return pdf[index]
    except pdfium.PdfiumError as exc:
        raise Unreadable("FILE_CORRUPT", PDF, pages=len(pdf)) from exc


def _page_text(page: pdfium.PdfPage) -> str:
    """The page's text layer; "" when pdfium cannot give it (its text-range call recurses on some damaged pages,
    and ctypes reports that as an ArgumentError)."""
    try:
        textpage = page.get_textpage()
        text = textpage.get_text_range()
        textpage.close()
    except (pdfium.PdfiumError, ctypes.ArgumentError, RecursionError):
        return ""
    # pdfium ends lines with \r\n and marks soft hyphens and ligatures with control characters.
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x02", "").replace("\ufffe", "")


def _render(page: pdfium.PdfPage, limits: DocumentLimits, dpi: int = RENDER_DPI, grayscale: bool = True) -> Image.Image:
    width, height = page.get_size()
    low, high = PAGE_SIDE_POINTS
    if not (low <= width <= high and low <= height <= high):
        raise Unreadable("FILE_CORRUPT", PDF)
    scale = dpi / 72
    # A page can declare a huge size: keep the bitmap within the policy's pixel budget.
    if width * height * scale * scale > limits.max_image_pixels:
        scale = (limits.max_image_pixels / max(width * height, 1.0)) ** 0.5
    bitmap = page.render(scale=scale, grayscale=grayscale)
    return bitmap.to_pil()


def extract_pdf(data: bytes, limits: DocumentLimits, ocr: OcrProvider | None) -> Extraction:
    pdf = _open_pdf(data)
    try:
        pages = len(pdf)
        if pages == 0:
            raise Unreadable("FILE_CORRUPT", PDF)
        if pages > limits.max_pages:
            raise Unreadable("TOO_MANY_PAGES", PDF, pages=pages, count=pages, max_pages=limits.max_pages)
        check_structure(data, limits, pages)
        texts: list[str] = []
        images: list[PageImage] = []
        used_ocr = False
        for index in range(pages):
            page = _load_page(pdf, index)
            text = _page_text(page)
            # Only a page that shows an image can hold text the layer lacks: a page with a few words of
            # text layer and no image ("Copie conforme", a blank back) is not sent to OCR.
            if not usable(text) and ocr is not None and _has_image(page, limits):
                image = _render(page, limits)
                page_image = prepare_page(image, ocr)
                page_image.page_index = index
                images.append(page_image)
                text = ocr_page(page_image, ocr)
                used_ocr = True
            texts.append(text)
            page.close()
    finally:
        pdf.close()
    joined = "\n\f\n".join(texts)
    if not usable(joined):
        return Extraction(joined, pages, "none", PDF, images, texts)
    return Extraction(joined, pages, "ocr" if used_ocr else "text_layer", PDF, images, texts)


def page_images(data: bytes, media_type: str, limits: DocumentLimits, *, dpi: int, max_pages: int) -> list[Image.Image]:
    """The first `max_pages` pages as images at `dpi` (within the pixel budget), for people to look at."""
    if media_type != PDF:
        return [load_image(data, media_type, limits)]
    pdf = _open_pdf(data)
    try:
        pages = len(pdf)
        if pages == 0:
            raise Unreadable("FILE_CORRUPT", PDF)
        check_structure(data, limits, pages)
        images = []
        for index in range(min(pages, max_pages)):
            page = _load_page(pdf, index)
            images.append(_render(page, limits, dpi=dpi, grayscale=False))
            page.close()
        return images
    finally:
        pdf.close()


# ---------------------------------------------------------------- images


def load_image(data: bytes, media_type: str, limits: DocumentLimits) -> Image.Image:
    try:
        return imaging.decode(data, media_type, limits.max_image_pixels)
    except imaging.ImageRefused as exc:
        raise Unreadable(exc.code, media_type, pages=1) from exc


def extract_image(data: bytes, media_type: str, limits: DocumentLimits, ocr: OcrProvider | None) -> Extraction:
    image = load_image(data, media_type, limits)
    if ocr is None:
        return Extraction("", 1, "none", media_type)
    page_image = prepare_page(image, ocr)
    text = ocr_page(page_image, ocr)
    source: TextSource = "ocr" if usable(text) else "none"
    return Extraction(text, 1, source, media_type, [page_image], [text])


# ---------------------------------------------------------------- OCR orchestration

_COMMON_WORDS = frozenset(
    "DE LA LE LES DU DES ET EN AU AUX POUR PAR SUR NOM DATE NE LE CARTE FACTURE MONTANT TOTAL ADRESSE "
    "REPUBLIQUE FRANCAISE PRENOM PRENOMS NAISSANCE CODE EUR TTC HT ATTESTATION CERTIFICAT ORGANISME "
    "FORMATION CLEA EVALUATION HEURES DEVIS SIRET IBAN BIC COMPTE TITULAIRE MONSIEUR MADAME RUE AVENUE "
    "VALABLE JUSQU DELIVREE SEJOUR PASSEPORT IDENTITE NATIONALITE SEXE LIEU BANQUE".split()
)


def text_quality(text: str) -> int:
    from clea_intake.documents.textutil import fold

    words = re.findall(r"[A-Z]{2,}", fold(text))
    return sum(1 for w in words if w in _COMMON_WORDS) + len([w for w in words if len(w) >= 5]) // 4


def prepare_page(image: Image.Image, ocr: OcrProvider) -> PageImage:
    working = imaging.to_working_image(image)
    rotation = 0
    if imaging.is_sideways(working):
        rotation = _quarter_turn(working, ocr)
        working = working.rotate(rotation, expand=True, fillcolor=255)
    return PageImage(imaging.remove_rules(imaging.deskew(working)), rotation)


def _quarter_turn(image: Image.Image, ocr: OcrProvider) -> int:
    """90 or 270: which quarter turn makes a sideways page readable, tried on a strip to save time."""
    best, best_quality = 90, -1
    for degrees in (90, 270):
        turned = image.rotate(degrees, expand=True, fillcolor=255)
        strip = turned.crop((0, turned.height // 4, turned.width, turned.height // 2))
        try:
            quality = text_quality(ocr.image_text(strip))
        except OcrError:
            quality = 0
        if quality > best_quality:
            best, best_quality = degrees, quality
    return best


def ocr_page(page: PageImage, ocr: OcrProvider) -> str:
    if imaging.is_blank(page.image):
        return ""
    try:
        text = ocr.image_text(page.image)
    except OcrError:
        return ""
    if text_quality(text) >= 6:
        return text
    # Few words recognised: the page may be upside down.
    turned = page.image.rotate(180, fillcolor=255)
    try:
        second = ocr.image_text(turned)
    except OcrError:
        return text
    if text_quality(second) > text_quality(text):
        page.image, page.rotation = turned, (page.rotation + 180) % 360
        return second
    return text


def extract(data: bytes, limits: DocumentLimits, ocr: OcrProvider | None) -> Extraction:
    media_type = check_container(data, limits)
    if media_type == PDF:
        return extract_pdf(data, limits, ocr)
    return extract_image(data, media_type, limits, ocr)

"""Promise: a file mangled at random is a finding on the piece, never an error of the function.

The files under tests/fixtures/fuzzed/ were found by mutating generated pieces and the real specimens
(tests/fixtures/real-specimens/, MIT licence) and photos saved by Pillow at random, byte flips and splices, and reading each in process:
each one raised out of the reader (an error of the classify function, its message retried to a dead letter)
before the change that came with it. Page sizes and narrow images are built here.
"""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pikepdf
import pytest
from fpdf import FPDF
from PIL import Image

from clea_intake.documents import sandbox
from tests.hostile_files import saved
from tests.reliability.test_hostile_files import NoOcr, finding_of, read

FUZZED = Path(__file__).parents[1] / "fixtures" / "fuzzed"


@pytest.mark.parametrize(("name", "code"), [
    ("page_tree_splice.pdf", "FILE_CORRUPT"),      # pdfium counts a page it cannot load (PdfiumError)
    ("page_type_not_a_name.pdf", "FILE_CORRUPT"),  # /Type 1 on the page: the same
    ("page_count_wrong.pdf", "FILE_CORRUPT"),      # qpdf: /Count is wrong after flattening (QpdfRuntimeError)
    ("text_range_recursion.pdf", "UNREADABLE"),    # pypdfium2's text range recursed (ctypes.ArgumentError)
])
def test_fuzzed_pdf_is_a_finding_not_an_error(name, code):
    # Given a PDF damaged at random that made the reader raise
    data = (FUZZED / name).read_bytes()
    # When it is read in the sandbox
    result = read(data, name)
    # Then the piece has its finding, within the sandbox's budget
    assert finding_of(result) == code


@pytest.mark.parametrize("name", [
    "exif_value_not_integer.jpg",   # struct.error in Pillow's EXIF writer
    "exif_string_is_float.jpg",     # AttributeError
    "exif_rational_is_string.jpg",  # TypeError
    "exif_negative_offset.jpg",     # ValueError: negative seek value
    "exif_not_tiff.jpg",            # SyntaxError: not a TIFF file, at the second turn upright
])
def test_photo_with_a_malformed_exif_block_is_read_as_stored(name):
    # Given a photo whose pixels are whole but whose EXIF block Pillow cannot read back
    data = (FUZZED / name).read_bytes()
    Image.open(io.BytesIO(data)).load()
    # When it is read (no OCR text here: the test is about the bytes)
    result = read(data, name, ocr=NoOcr())
    # Then it is decoded, not refused as damaged: only its orientation is lost (the OCR tries the turns itself)
    assert finding_of(result) == "UNREADABLE"
    assert result.value[0].media_type == "image/jpeg"


def _image_page_pdf(media_box: list[float]) -> bytes:
    doc = FPDF()
    doc.add_page()
    photo = io.BytesIO()
    Image.new("L", (60, 40), 200).save(photo, format="PNG")
    doc.image(photo, x=10, y=10, w=120)
    pdf = pikepdf.open(io.BytesIO(bytes(doc.output())))
    pdf.pages[0].obj.MediaBox = pikepdf.Array(media_box)
    return saved(pdf)


@pytest.mark.parametrize("media_box", [
    [0.5, 2147483648, 0, 1000000],  # a strip of half a point by 2 billion: 45 s and 11 GB before an error
    [0, 0, 0.2, 842],               # narrower than a point
    [0, 0, 595, 20000],             # taller than any reader draws (14,400 points)
])
def test_page_of_no_document_size_is_damaged_and_never_drawn(media_box):
    # Given a scanned page whose media box no document has
    data = _image_page_pdf(media_box)
    # When it is read
    result = read(data)
    # Then it is a damaged file, refused before a bitmap is drawn
    assert finding_of(result) == "FILE_CORRUPT"


def test_thinnest_page_a_reader_draws_is_read():
    # Given a scanned page 3 points by 14,400 (the bounds of ISO 32000-1): its bitmap rounded to 0 pixels wide
    data = _image_page_pdf([0, 0, 3, 14400])
    # When it is read
    result = read(data)
    # Then it is drawn and read: blank, so unreadable, not an error
    assert finding_of(result) == "UNREADABLE"


def _png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    rows = b"".join(b"\x00" + b"\xff" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


@pytest.mark.parametrize(("width", "height"), [(2, 700), (1, 5000), (7, 7)])
def test_image_narrower_than_the_rule_strips_is_read(width, height):
    # Given a valid white PNG narrower than the eight strips that rules are looked for in
    data = _png(width, height)
    # When it is read
    result = read(data, "photo.png", ocr=NoOcr())
    # Then it is read, and found blank
    assert finding_of(result) == "UNREADABLE"


def test_heic_whose_coded_image_is_not_its_header_size_is_damaged():
    # Given a HEIC photo one byte of whose header was changed: libheif meets a coded image of another size and
    # refuses it (a RuntimeError from pillow-heif)
    data = (FUZZED / "coded_size_not_header_size.heic").read_bytes()
    # When it is read
    result = read(data, "photo.heic", ocr=NoOcr())
    # Then it is a damaged file
    assert finding_of(result) == "FILE_CORRUPT"


def test_cmyk_photo_is_drawn_for_the_console():
    # Given a CMYK JPEG (as scanners and Photoshop write), which PNG cannot hold
    photo = io.BytesIO()
    Image.new("CMYK", (64, 48), (0, 0, 0, 0)).save(photo, format="JPEG")
    # When its pages are drawn for a person to look at
    pages = sandbox.render_pages(photo.getvalue(), media_type="image/jpeg", dpi=100, max_pages=1)
    # Then it is one PNG, in colour
    (png,) = pages
    assert Image.open(io.BytesIO(png)).mode == "RGB"

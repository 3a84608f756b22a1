"""File safety: magic bytes, encrypted/corrupt/empty/truncated files, limits, decompression bombs."""

from __future__ import annotations

import io
import struct
import zlib
from datetime import date

import documents_samples as s
import pytest
from fpdf import FPDF
from fpdf.enums import EncryptionMethod
from PIL import Image

from clea_intake.documents.pipeline import read_document
from clea_intake.documents.sources import sniff
from clea_intake.domain.findings import DocType
from clea_intake.domain.policy import current_policy

POLICY = current_policy()
AS_OF = date(2026, 3, 10)


class NoOcr:
    def image_text(self, image: Image.Image) -> str:
        return ""


def read(data: bytes, policy=POLICY):
    return read_document(data, filename="piece.pdf", as_of=AS_OF, policy=policy, ocr=NoOcr())


def only_code(reading) -> str:
    assert reading.doc_type == DocType.UNKNOWN
    assert len(reading.findings) == 1 and reading.findings[0].severity == "error"
    return reading.findings[0].code


def test_read_document_empty_file_empty_finding():
    # Given zero bytes
    # When they are read
    reading = read(b"")
    # Then the piece is refused as empty
    assert only_code(reading) == "EMPTY_FILE"


def test_read_document_password_protected_pdf_encrypted_finding():
    # Given a PDF that needs a password to open
    doc = FPDF()
    doc.add_page()
    doc.set_font("helvetica", size=12)
    doc.cell(0, 10, "Facture du 03/03/2026")
    doc.set_encryption(owner_password="owner", user_password="secret", encryption_method=EncryptionMethod.RC4)
    # When it is read
    reading = read(bytes(doc.output()))
    # Then it is refused as encrypted, and the message says what to do
    assert only_code(reading) == "FILE_ENCRYPTED"
    assert "mot de passe" in reading.findings[0].message
    assert reading.media_type == "application/pdf"


def test_read_document_truncated_pdf_truncated_finding():
    # Given a PDF cut in the middle of its upload
    data = s.pdf(s.quote())
    # When only its first 60 % is read
    reading = read(data[: int(len(data) * 0.6)])
    # Then it is refused as truncated
    assert only_code(reading) == "FILE_TRUNCATED"


def test_read_document_corrupt_pdf_corrupt_finding():
    # Given bytes that start like a PDF and end like one but hold garbage
    data = b"%PDF-1.7\n" + bytes(range(256)) * 20 + b"\n%%EOF\n"
    # When they are read
    reading = read(data)
    # Then the file is refused as corrupt
    assert only_code(reading) == "FILE_CORRUPT"


def test_read_document_unsupported_type_refused():
    # Given a GIF image named like a PDF
    buffer = io.BytesIO()
    Image.new("L", (10, 10), 255).save(buffer, format="GIF")
    # When it is read
    reading = read(buffer.getvalue())
    # Then it is refused, with the sniffed media type
    assert only_code(reading) == "UNSUPPORTED_FILE_TYPE"
    assert reading.media_type == "image/gif"


def test_read_document_too_large_file_refused():
    # Given a policy whose size limit is below the file's size
    data = s.pdf(s.quote())
    small = POLICY.model_copy(update={"documents": POLICY.documents.model_copy(update={"max_file_bytes": 1000})})
    # When the file is read
    reading = read(data, small)
    # Then it is refused as too large
    assert only_code(reading) == "FILE_TOO_LARGE"


def test_read_document_too_many_pages_refused():
    # Given a PDF with more pages than the policy allows
    data = s.pages_pdf([["Page"]] * (POLICY.documents.max_pages + 1))
    # When it is read
    reading = read(data)
    # Then it is refused, the message giving both numbers
    assert only_code(reading) == "TOO_MANY_PAGES"
    assert str(POLICY.documents.max_pages + 1) in reading.findings[0].message


def test_read_document_truncated_jpeg_truncated_finding():
    # Given a JPEG photo cut short
    data = s.to_jpeg(s.page_image(["Quittance de loyer"], dpi=100))
    # When its first half is read
    reading = read(data[: len(data) // 2])
    # Then it is refused as truncated
    assert only_code(reading) == "FILE_TRUNCATED"
    assert reading.media_type == "image/jpeg"


def _png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG that declares a huge canvas: what a decompression bomb looks like before inflating."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    compressor = zlib.compressobj(9)
    body = b"".join(compressor.compress(row) for _ in range(64)) + compressor.flush()
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


@pytest.mark.parametrize("side", [7_000, 12_000], ids=["warning_zone", "error_zone"])
def test_read_document_decompression_bomb_refused(side):
    # Given a PNG of a few hundred bytes declaring more pixels than the policy allows
    # (between 1x and 2x the limit Pillow only warns; above 2x it raises)
    data = _png_header_only(side, side)
    assert side * side > POLICY.documents.max_image_pixels and len(data) < 10_000
    # When it is read
    reading = read(data)
    # Then it is refused without being decoded
    assert only_code(reading) == "IMAGE_TOO_LARGE"


def test_read_document_corrupt_png_corrupt_finding():
    # Given a PNG signature followed by garbage
    data = b"\x89PNG\r\n\x1a\n" + b"garbage" * 50
    # When it is read
    reading = read(data)
    # Then it is refused as corrupt
    assert only_code(reading) in {"FILE_CORRUPT", "FILE_TRUNCATED"}


def test_read_document_blank_scan_unreadable():
    # Given a PDF holding only a blank image (no text layer, nothing to OCR)
    data = s.image_only_pdf(Image.new("L", (800, 1100), 255))
    # When it is read with an OCR that finds nothing
    reading = read(data)
    # Then it is unreadable, with its page count
    assert only_code(reading) == "UNREADABLE"
    assert reading.pages == 1


def test_sniff_magic_bytes_decide_not_names():
    # Given the first bytes of each accepted type and of a ZIP (a .docx)
    # When they are sniffed
    # Then only the magic bytes decide
    assert sniff(b"%PDF-1.4\n...") == "application/pdf"
    assert sniff(b"\xff\xd8\xff\xe0\x00\x10JFIF") == "image/jpeg"
    assert sniff(b"\x89PNG\r\n\x1a\n\x00") == "image/png"
    assert sniff(b"PK\x03\x04word/") == "application/zip"
    assert sniff(b"hello") == "application/octet-stream"


def test_read_document_short_text_page_without_image_not_ocred():
    # Given a two-page text PDF whose second page only says "Copie conforme" (no image on it)
    data = s.pages_pdf([s.rib(), ["Copie conforme"]])

    class CountingOcr:
        calls = 0

        def image_text(self, image: Image.Image) -> str:
            CountingOcr.calls += 1
            return ""

    # When it is read
    reading = read_document(data, filename="rib.pdf", as_of=date(2026, 5, 2), policy=POLICY, ocr=CountingOcr())
    # Then no page went to OCR and the text layer was enough
    assert CountingOcr.calls == 0
    assert (reading.text_source, reading.pages, reading.doc_type) == ("text_layer", 2, DocType.BANK_DETAILS)


def test_read_document_pdf_embedding_oversized_image_refused_before_rendering():
    # Given a scanned PDF whose embedded image exceeds the policy's pixel budget
    data = s.image_only_pdf(s.page_image(["Facture"], dpi=60))
    tight = POLICY.model_copy(update={"documents": POLICY.documents.model_copy(update={"max_image_pixels": 10_000})})
    # When it is read
    reading = read(data, tight)
    # Then it is refused as too large, never decoded
    assert only_code(reading) == "IMAGE_TOO_LARGE"

"""Builders of hostile files for the tests, generated on the spot (no binary blobs)."""

from __future__ import annotations

import io
import struct
import zlib

import pikepdf
from fpdf import FPDF

MB = 1024 * 1024
NONE = pikepdf.StreamDecodeLevel.none


def text_pdf(text: str = "Facture du 03/03/2026 EDF Électricité de France, 12 rue des Lilas 33000 Bordeaux") -> bytes:
    doc = FPDF()
    doc.add_page()
    doc.set_font("helvetica", size=12)
    doc.multi_cell(0, 8, text.replace("É", "E"))
    return bytes(doc.output())


def with_catalog(data: bytes, **entries) -> bytes:
    """`data` (a PDF) with `entries` set on its catalog."""
    pdf = pikepdf.open(io.BytesIO(data))
    for key, value in entries.items():
        pdf.Root[f"/{key}"] = value
    return saved(pdf)


def saved(pdf: pikepdf.Pdf) -> bytes:
    out = io.BytesIO()
    # Streams are written as built: the bombs stay compressed in the file.
    pdf.save(out, stream_decode_level=NONE, compress_streams=False)
    return out.getvalue()


def zeros_deflated(size: int) -> bytes:
    """`size` zero bytes in zlib format, built from one compressed megabyte repeated: each block starts
    afresh (full flush), so its compressed form is the same every time."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = packer.compress(bytes(MB)) + packer.flush(zlib.Z_FULL_FLUSH)
    tail = packer.compress(bytes(size % MB)) + packer.flush()
    checksum = 1
    for _ in range(size // MB):
        checksum = zlib.adler32(bytes(MB), checksum)
    checksum = zlib.adler32(bytes(size % MB), checksum)
    return b"\x78\xda" + block * (size // MB) + tail + struct.pack(">I", checksum)


def flate_stream(pdf: pikepdf.Pdf, compressed: bytes, **entries) -> pikepdf.Stream:
    stream = pikepdf.Stream(pdf, b"")
    stream.write(compressed, filter=pikepdf.Name.FlateDecode)
    for key, value in entries.items():
        stream[f"/{key}"] = value
    return pdf.make_indirect(stream)


def flate_bomb_pdf(size: int = 400 * MB) -> bytes:
    """A PDF of one page whose content stream inflates to `size` zero bytes."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.pages[0].obj.Contents = flate_stream(pdf, zeros_deflated(size))
    return saved(pdf)

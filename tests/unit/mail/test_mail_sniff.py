"""Unit tests for content-type sniffing and the archive rule."""

from __future__ import annotations

import io
import zipfile

import pytest

from clea_intake.mail.sniff import is_archive, sniff_content_type


def _zip(entries: dict[str, bytes], *, compression: int = zipfile.ZIP_STORED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"%PDF-1.7\n", "application/pdf"),
        (b"\r\n\x00junk before the header %PDF-1.4\n", "application/pdf"),
        (b"\xff\xd8\xff\xe1\x00\x10Exif", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "image/png"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00", "image/heic"),
        (_zip({"cre.pdf": b"%PDF-1.4 stored uncompressed"}), "application/zip"),
        (_zip({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"}),
         "application/vnd.oasis.opendocument.text"),
        (b"PK\x03\x04 truncated zip", "application/zip"),
        (b"Bonjour, ceci est du texte \xc3\xa9", "text/plain"),
        (b"<!DOCTYPE html><html></html>", "text/html"),
        (b"\x00\x01\x02\x03", "application/octet-stream"),
        (b"", "application/octet-stream"),
    ],
)  # fmt: skip
def test_sniff_content_type_magic_bytes_decide(data, expected):
    # Given some bytes
    # When they are sniffed
    # Then the type follows the magic numbers (a zip holding a stored PDF is still a zip)
    assert sniff_content_type(data) == expected


@pytest.mark.parametrize(
    ("sniffed", "declared", "filename", "expected"),
    [
        ("application/zip", "application/pdf", "cre.pdf", True),
        ("application/pdf", "application/zip", "cre.zip", False),
        ("application/octet-stream", "application/x-rar-compressed", "x.bin", True),
        ("application/octet-stream", "application/octet-stream", "pieces.7z", True),
        ("application/octet-stream", "application/octet-stream", "scan.dat", False),
        ("image/png", "image/png", "rib.png", False),
    ],
)
def test_is_archive_bytes_first_then_declared_type_and_name(sniffed, declared, filename, expected):
    assert is_archive(sniffed, declared, filename) is expected

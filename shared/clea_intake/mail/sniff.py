"""Content-type sniffing by magic bytes, so that a sender's declared type or file name is never trusted."""

from __future__ import annotations

import io
import lzma
import zipfile
import zlib

OCTET_STREAM = "application/octet-stream"

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"

# What the document pipeline can read; everything else is kept but will be classified "unknown".
SUPPORTED_DOCUMENT_TYPES = frozenset({PDF, JPEG, PNG})

ARCHIVE_TYPES = frozenset(
    {
        "application/zip",
        "application/vnd.rar",
        "application/x-7z-compressed",
        "application/gzip",
        "application/x-bzip2",
        "application/x-xz",
        "application/x-tar",
        # Outlook's winmail.dat wraps the real attachments: to the sender it is as opaque as a zip.
        "application/ms-tnef",
    }
)

_DECLARED_ARCHIVE_TYPES = ARCHIVE_TYPES | {
    "application/x-zip-compressed",
    "application/x-zip",
    "application/x-rar-compressed",
    "application/x-rar",
    "application/x-gzip",
    "application/x-gtar",
    "application/x-compressed",
    "application/x-compress",
    "application/vnd.ms-tnef",
}

_ARCHIVE_EXTENSIONS = (
    ".zip", ".zipx", ".rar", ".7z", ".gz", ".tgz", ".tar", ".bz2", ".tbz2", ".xz", ".txz",
    ".cab", ".arj", ".lzh", ".lz", ".z",
)  # fmt: skip

_EXTENSIONS = {
    PDF: ".pdf",
    JPEG: ".jpg",
    PNG: ".png",
    "image/gif": ".gif",
    "image/tiff": ".tif",
    "image/webp": ".webp",
    "image/heic": ".heic",
    "image/bmp": ".bmp",
    "application/zip": ".zip",
    "application/vnd.rar": ".rar",
    "application/x-7z-compressed": ".7z",
    "application/gzip": ".gz",
    "application/x-bzip2": ".bz2",
    "application/x-xz": ".xz",
    "application/x-tar": ".tar",
    "application/ms-tnef": ".dat",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
    "application/vnd.oasis.opendocument.text": ".odt",
    "application/vnd.oasis.opendocument.spreadsheet": ".ods",
    "application/x-ole-storage": ".ole",
    "application/rtf": ".rtf",
    "application/x-msdownload": ".exe",
    "text/html": ".html",
    "text/plain": ".txt",
    OCTET_STREAM: ".bin",
}


def sniff_content_type(data: bytes) -> str:
    """The content type the bytes really have, from their magic numbers; octet-stream when unknown."""
    head = data[:1024]
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "image/tiff"
    if head.startswith(b"BM") and len(head) > 14:
        return "image/bmp"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp" and head[8:12] in {b"heic", b"heix", b"mif1", b"msf1", b"heif"}:
        return "image/heic"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")):
        return _sniff_zip(data)
    if head.startswith(b"Rar!\x1a\x07"):
        return "application/vnd.rar"
    if head.startswith(b"7z\xbc\xaf\x27\x1c"):
        return "application/x-7z-compressed"
    if head.startswith(b"\x1f\x8b"):
        return "application/gzip"
    if head.startswith(b"BZh"):
        return "application/x-bzip2"
    if head.startswith(b"\xfd7zXZ\x00"):
        return "application/x-xz"
    if data[257:262] == b"ustar":
        return "application/x-tar"
    # Readers accept a PDF header anywhere in the first kilobyte, so some producers prepend junk; checked
    # after the containers, whose first member may well be a PDF.
    if b"%PDF-" in head:
        return PDF
    if head.startswith(b"\x78\x9f\x3e\x22"):
        return "application/ms-tnef"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "application/x-ole-storage"
    if head.startswith(b"{\\rtf"):
        return "application/rtf"
    if head.startswith(b"MZ"):
        return "application/x-msdownload"
    return _sniff_text(head)


def _sniff_zip(data: bytes) -> str:
    """Office documents are zip files too: tell them apart from archives by their well-known entries."""
    try:
        # Reading the central directory (and at most the tiny ODF "mimetype" entry) extracts nothing.
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if "mimetype" in names:
                info = archive.getinfo("mimetype")
                if info.file_size <= 100:
                    declared = archive.read("mimetype").decode("ascii", "replace").strip()
                    if declared.startswith("application/vnd.oasis.opendocument."):
                        return declared
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError, EOFError, zlib.error,
            lzma.LZMAError):  # what zipfile's decompressors raise on a damaged entry
        return "application/zip"
    if "[Content_Types].xml" in names:
        if any(n.startswith("word/") for n in names):
            return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        if any(n.startswith("xl/") for n in names):
            return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        if any(n.startswith("ppt/") for n in names):
            return "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    return "application/zip"


def _sniff_text(head: bytes) -> str:
    if not head or b"\x00" in head:
        return OCTET_STREAM
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the 1 KiB window is still text.
        if exc.start < len(head) - 3:
            return OCTET_STREAM
        text = head[: exc.start].decode("utf-8")
    if any(ord(c) < 9 or 13 < ord(c) < 32 for c in text):
        return OCTET_STREAM
    lowered = text.lstrip().lower()
    if lowered.startswith(("<!doctype html", "<html")):
        return "text/html"
    return "text/plain"


def is_archive(sniffed: str, declared: str, filename: str) -> bool:
    """True when the attachment is an archive we refuse to open.

    The bytes decide; the declared type and the name only count when the bytes say nothing
    (a truncated rar still is a rar to the sender, but a real PDF named "x.zip" is a PDF).
    """
    if sniffed in ARCHIVE_TYPES:
        return True
    if sniffed not in (OCTET_STREAM, "text/plain"):
        return False
    name = filename.lower()
    return (
        declared.lower() in _DECLARED_ARCHIVE_TYPES
        or name.endswith(_ARCHIVE_EXTENSIONS)
        or name == "winmail.dat"
    )


def extension_for(content_type: str) -> str:
    """A file extension for generated object names, from the sniffed type."""
    return _EXTENSIONS.get(content_type, ".bin")

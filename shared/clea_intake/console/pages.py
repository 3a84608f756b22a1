"""A piece as page images for the console: PNG pages rendered from the stored file, never its own bytes.

`render_pages` has the signature of `clea_intake.documents.sandbox.render_pages` (the limited child process
of the hostile-input work). Until that module is on main this stands in for it with the same arguments and
the same answer, in this process; once it is there the body below becomes `from clea_intake.documents
.sandbox import render_pages` and nothing else in the console changes.
"""

from __future__ import annotations

import io

PDF = "application/pdf"
# Enough to read a piece on a screen; every page is re-encoded, so nothing of the sender's file survives.
DPI = 110
MAX_PAGES = 12
MAX_PIXELS = 40_000_000
MAX_SIDE = 2400


class PageRenderError(Exception):
    """The stored file could not be turned into page images (the piece is shown without them)."""


def render_pages(data: bytes, *, media_type: str, dpi: int, max_pages: int) -> list[bytes]:
    """The first `max_pages` pages of the file as PNG bytes, rasterised at `dpi` (images re-encoded)."""
    try:
        if media_type == PDF or data[:5] == b"%PDF-":
            return _pdf_pages(data, dpi=dpi, max_pages=max_pages)
        return [_png(_image(data, media_type))][:max_pages]
    except PageRenderError:
        raise
    except Exception as exc:  # noqa: BLE001 - whatever a hostile file makes a decoder raise
        raise PageRenderError(type(exc).__name__) from exc


def _pdf_pages(data: bytes, *, dpi: int, max_pages: int) -> list[bytes]:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)
    try:
        pages = []
        for index in range(min(len(document), max_pages)):
            page = document[index]
            width, height = page.get_size()
            scale = min(dpi / 72, MAX_SIDE / max(width, height, 1))
            image = page.render(scale=scale).to_pil()
            pages.append(_png(image))
            page.close()
        return pages
    finally:
        document.close()


def _image(data: bytes, media_type: str):
    from clea_intake.documents.imaging import decode

    image = decode(data, media_type, MAX_PIXELS)
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    return image


def _png(image) -> bytes:
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()

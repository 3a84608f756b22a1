"""A piece as page images for the console: PNG pages drawn in the sandbox from the stored file, never its
own bytes (clea_intake.documents.sandbox.render_pages, the limited child process that reads pieces)."""

from __future__ import annotations

# Enough to read a piece on a screen; every page is re-encoded, so nothing of the sender's file survives.
DPI = 110
MAX_PAGES = 12


class PageRenderError(Exception):
    """The stored file could not be turned into page images (the piece is shown without them)."""

"""Reading a received file: the bytes go to the sandbox (documents/sandbox.py), whose child runs the reader
(documents/reader.py) under the policy's memory, CPU and time budget."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from clea_intake.documents import sandbox
from clea_intake.documents.result import DocumentReading
from clea_intake.domain.policy import Policy

if TYPE_CHECKING:
    from clea_intake.documents.ocr import OcrProvider

__all__ = ["DocumentReading", "read_document", "read_pieces"]


def read_document(
    data: bytes,
    *,
    filename: str,
    as_of: date,
    policy: Policy,
    ocr: OcrProvider | None = None,
) -> DocumentReading:
    """Classify, read and check one piece received on `as_of`: the first piece of a file that holds
    several (read_pieces has them all).

    `filename` is metadata only: the type comes from the bytes. `ocr` defaults to Tesseract in the
    policy's language; it only runs on pages without a usable text layer.
    """
    return read_pieces(data, filename=filename, as_of=as_of, policy=policy, ocr=ocr)[0]


def read_pieces(
    data: bytes,
    *,
    filename: str,
    as_of: date,
    policy: Policy,
    ocr: OcrProvider | None = None,
) -> list[DocumentReading]:
    """One reading per piece of the file, in page order: a PDF whose pages hold different pieces (an
    identity card, a proof of address and a quote scanned together) is split where a page is confidently
    of another type than the piece before it. Any other file is one piece.

    The bytes are read in the sandbox (policy.sandbox): over its memory, CPU or time budget the one
    reading carries PROCESSING_LIMIT. A SystemFault of the OCR engine is raised as itself."""
    if not policy.sandbox.enabled:
        # The readers are imported here only: with the sandbox, they run in its worker, never in this process.
        from clea_intake.documents.reader import read_pieces_here

        return read_pieces_here(data, filename=filename, as_of=as_of, policy=policy, ocr=ocr)
    return sandbox.read_pieces(data, filename=filename, as_of=as_of, policy=policy, ocr=ocr).value

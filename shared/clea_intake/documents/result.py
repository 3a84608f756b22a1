"""What reading one piece gives: the reading itself, without the readers (documents/reader.py).

A module of its own so that the parent of the sandbox, which only receives readings, imports no reader, no
PDF or image library: those run in the sandbox's worker (documents/sandbox.py)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from clea_intake.domain.findings import DocType, Finding


class DocumentReading(BaseModel):
    """What the pipeline read on one piece; `fields` is JSON-able (dates as YYYY-MM-DD)."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    doc_type: DocType
    confidence: float = Field(ge=0, le=1)
    fields: dict[str, Any]
    findings: list[Finding]
    pages: int
    # The 1-based pages of the file this reading covers: every page of a single-piece file, the piece's
    # own pages when one PDF holds several pieces (read_pieces); empty when the file could not be read.
    # Kept out of the dump: the reading's shape stays the contract's; `classify` shows it as a piece's "pages".
    page_numbers: list[int] = Field(default_factory=list, exclude=True)
    text_source: Literal["text_layer", "ocr", "none"]
    media_type: str
    sha256: str

    @property
    def blocking(self) -> bool:
        return any(f.blocking for f in self.findings)

    @property
    def needs_review(self) -> bool:
        return any(f.code == "LOW_CONFIDENCE" for f in self.findings)

"""The reading of one file in this process: classify, extract, check, one reading per piece.

What the sandbox's child runs (documents/sandbox.py); everything else reads files through
documents/pipeline.py, which sends them to the sandbox.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import time
from datetime import date
from importlib import resources
from typing import Any

from clea_intake.documents import checks, sources
from clea_intake.documents.classify import classify
from clea_intake.documents.finding_codes import DOC_LABELS, make_finding
from clea_intake.documents.machine_zone import MrzReading, find_mrz
from clea_intake.documents.ocr import OcrError, OcrProvider, TesseractOcr
from clea_intake.documents.read.by_type import READERS
from clea_intake.documents.read.identity import read_identity
from clea_intake.documents.reading import Text, compile_seen
from clea_intake.documents.result import DocumentReading
from clea_intake.domain.findings import IDENTITY_TYPES, DocType, Finding
from clea_intake.domain.policy import Policy

__all__ = ["DocumentReading", "default_ocr", "read_pieces_here", "read_text_here", "split_pages", "warm_up"]

logger = logging.getLogger(__name__)


@functools.cache
def default_ocr(language: str) -> OcrProvider:
    """One Tesseract provider per language for the process (a Lambda container keeps it warm)."""
    return TesseractOcr(language)


def _jsonable(fields: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in fields.items():
        if isinstance(value, date):
            value = value.isoformat()
        out[key] = value
    return out


def _retry_mrz(extraction: sources.Extraction, ocr: OcrProvider, as_of: date) -> MrzReading | None:
    """Read the machine readable zone again with an MRZ-only character set (OCR-B trips general OCR)."""
    reader = getattr(ocr, "mrz_text", None)
    if reader is None:
        return None
    best: MrzReading | None = None
    for page in extraction.images:
        image = page.image
        # The zone sits at the bottom of a card; a card scanned on a page can be anywhere: try both.
        bands = [image.crop((0, int(image.height * 0.55), image.width, image.height)), image]
        for band in bands:
            try:
                found = find_mrz(reader(band), as_of=as_of, context=extraction.text)
            except OcrError:
                continue
            if found is not None and (best is None or len(found.failed_checks) < len(best.failed_checks)):
                best = found
            if best is not None and best.valid:
                return best
    return best


def _identity_layout_text(
    text: Text,
    extraction: sources.Extraction,
    ocr: OcrProvider,
    mrz: MrzReading | None,
    doc_type: DocType,
    as_of: date,
    policy: Policy,
) -> Text:
    """Cards are small blocks side by side: when the visual zone could not be read, read the page again
    with automatic layout and put that reading first."""
    reader = getattr(ocr, "layout_text", None)
    fields = read_identity(text, mrz, doc_type, as_of, policy)
    wanted = ("surname", "given_names", "birth_date", "expiry_date", "issue_date")
    if reader is None or all(fields.get(k) for k in wanted):
        return text
    pages = []
    for page in extraction.images:
        try:
            pages.append(reader(page.image))
        except OcrError:
            continue
    if not pages:
        return text
    return Text("\n".join(pages) + "\n\f\n" + text.raw)


def read_pieces_here(
    data: bytes,
    *,
    filename: str,
    as_of: date,
    policy: Policy,
    ocr: OcrProvider | None = None,
) -> list[DocumentReading]:
    """pipeline.read_pieces in this process: what the sandbox's child runs."""
    started = time.perf_counter()
    digest = hashlib.sha256(data).hexdigest()
    limits = policy.documents
    provider = ocr if ocr is not None else default_ocr(limits.ocr_language)
    try:
        extraction = sources.extract(data, limits, provider)
    except sources.Unreadable as exc:
        return [_unread(make_finding(exc.code, **exc.params), exc.pages, exc.media_type, digest, started)]
    if extraction.text_source == "none":
        return [_unread(make_finding("UNREADABLE"), extraction.pages, extraction.media_type, digest, started)]
    ranges = split_pages(extraction, as_of, limits.review_confidence_below)
    if len(ranges) == 1:
        return [_read(extraction, list(range(1, extraction.pages + 1)), provider, as_of, policy, digest, started)]
    pieces = []
    for first, last in ranges:
        part = _part(extraction, first, last)
        pieces.append(_read(part, list(range(first + 1, last + 2)), provider, as_of, policy, digest, started))
        started = time.perf_counter()
    return pieces


def read_text_here(text: str, *, as_of: date, policy: Policy) -> DocumentReading:
    """The reading of one page's text as if a text PDF had held it (no file is opened, no OCR runs)."""
    extraction = sources.Extraction(text, 1, "text_layer", sources.PDF, [], [text])
    provider = default_ocr(policy.documents.ocr_language)
    return _read(extraction, [1], provider, as_of, policy, hashlib.sha256(text.encode()).hexdigest(),
                 time.perf_counter())


def _warm_up_data() -> dict[str, Any]:
    return json.loads(resources.files("clea_intake.documents").joinpath("warm_up.json").read_text("utf-8"))


def warm_up_file() -> bytes:
    """A one-page text PDF (a bill of one line, documents/warm_up.json) for warming the PDF and image code."""
    import base64

    return base64.b64decode(_warm_up_data()["pdf"])


def warm_up(policy: Policy) -> None:
    """Read the text of one generated piece of each type (documents/warm_up.json), so that what the readers
    compile and index on first use (patterns, the word index, stdnum's tables) exists before the sandbox's
    worker forks: otherwise every child, a copy of the worker, does that work again for its one file."""
    stored = _warm_up_data()
    as_of = date.fromisoformat(stored["as_of"])
    for text in stored["texts"].values():
        read_text_here(text, as_of=as_of, policy=policy)
    compile_seen()


def split_pages(extraction: sources.Extraction, as_of: date, min_confidence: float) -> list[tuple[int, int]]:
    """0-based (first, last) page ranges of the pieces of a PDF. Each page is classified alone; a page
    starts a new piece when it is confidently of a type other than the current piece's. A page of unknown or
    doubtful type (the back of a card, a page of conditions) stays with the piece before it."""
    texts = extraction.page_texts
    if extraction.media_type != sources.PDF or len(texts) < 2:
        return [(0, max(extraction.pages, 1) - 1)]
    ranges: list[list[int]] = []
    current: DocType | None = None
    for index, page_text in enumerate(texts):
        page_type = _page_type(page_text, as_of, min_confidence)
        if ranges and page_type is not None and current is not None and page_type != current:
            ranges.append([index, index])
            current = page_type
            continue
        if ranges:
            ranges[-1][1] = index
        else:
            ranges.append([index, index])
        current = current or page_type
    return [(a, b) for a, b in ranges]


def _page_type(page_text: str, as_of: date, min_confidence: float) -> DocType | None:
    """The type of one page read alone, None when it is unknown or doubtful."""
    if not sources.usable(page_text):
        return None
    result = classify(Text(page_text), find_mrz(page_text, as_of=as_of))
    if result.doc_type == DocType.UNKNOWN or result.confidence < min_confidence:
        return None
    return result.doc_type


def _part(extraction: sources.Extraction, first: int, last: int) -> sources.Extraction:
    """The extraction of pages first..last (0-based, inclusive) of a PDF, as if they were a file."""
    texts = extraction.page_texts[first : last + 1]
    images = [page for page in extraction.images if first <= page.page_index <= last]
    joined = "\n\f\n".join(texts)
    source: sources.TextSource = "none" if not sources.usable(joined) else ("ocr" if images else "text_layer")
    return sources.Extraction(joined, last - first + 1, source, extraction.media_type, images, texts)


def _read(
    extraction: sources.Extraction,
    page_numbers: list[int],
    provider: OcrProvider,
    as_of: date,
    policy: Policy,
    digest: str,
    started: float,
) -> DocumentReading:
    """Classify, read and check the text of one piece."""
    limits = policy.documents
    if extraction.text_source == "none":
        return _unread(make_finding("UNREADABLE"), extraction.pages, extraction.media_type, digest, started)
    text = Text(extraction.text)
    mrz = find_mrz(extraction.text, as_of=as_of)
    result = classify(text, mrz)
    doc_type = result.doc_type
    if (
        extraction.images
        and (mrz is None or not mrz.valid)
        and (doc_type in IDENTITY_TYPES or max(result.scores[t] for t in IDENTITY_TYPES) >= 4)
    ):
        retried = _retry_mrz(extraction, provider, as_of)
        if retried is not None and (mrz is None or len(retried.failed_checks) < len(mrz.failed_checks)):
            mrz = retried
            result = classify(text, mrz)
            doc_type = result.doc_type

    if doc_type in IDENTITY_TYPES and extraction.images:
        text = _identity_layout_text(text, extraction, provider, mrz, doc_type, as_of, policy)
        if mrz is None or not mrz.valid:
            # The layout reading keeps the zone's lines apart from the other face's text.
            again = find_mrz(text.raw, as_of=as_of)
            if again is not None and (mrz is None or len(again.failed_checks) < len(mrz.failed_checks)):
                mrz = again

    findings: list[Finding] = []
    if doc_type == DocType.UNKNOWN:
        fields: dict[str, Any] = {}
        findings.append(make_finding("NOT_IDENTITY_DOCUMENT" if mrz is not None and mrz.is_visa else "UNKNOWN_TYPE"))
    else:
        if doc_type in IDENTITY_TYPES:
            fields = read_identity(text, mrz, doc_type, as_of, policy)
        else:
            fields = READERS[doc_type](text, as_of)
        findings.extend(checks.check(doc_type, fields, as_of=as_of, policy=policy, mrz=mrz))
        if result.confidence < limits.review_confidence_below:
            findings.insert(0, make_finding("LOW_CONFIDENCE", doc_label=DOC_LABELS[doc_type].lower()))
    reading = DocumentReading(
        doc_type=doc_type,
        confidence=result.confidence,
        fields=_jsonable(fields),
        findings=findings,
        pages=extraction.pages,
        page_numbers=page_numbers,
        text_source=extraction.text_source,
        media_type=extraction.media_type,
        sha256=digest,
    )
    _log(reading, started)
    return reading


def _unread(finding: Finding, pages: int, media_type: str, digest: str, started: float) -> DocumentReading:
    """The reading of a piece whose text could not be had: no type, no fields, the reason why."""
    reading = DocumentReading(doc_type=DocType.UNKNOWN, confidence=0.0, fields={}, findings=[finding], pages=pages,
                              text_source="none", media_type=media_type, sha256=digest)
    _log(reading, started)
    return reading


def _log(reading: DocumentReading, started: float) -> None:
    # Types, codes and timings only: no names, addresses, IBANs or file names (they carry personal data).
    logger.info(
        "document read",
        extra={
            "doc_type": reading.doc_type.value,
            "confidence": reading.confidence,
            "text_source": reading.text_source,
            "pages": reading.pages,
            "media_type": reading.media_type,
            "finding_codes": [f.code for f in reading.findings],
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
        },
    )

"""A supporting file arrived in S3: read it once, record it, send doubtful ones to review, move the case on."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import unquote

from aws_lambda_powertools import Logger

from clea_intake.adapters.repository import Repository, doc_id_for
from clea_intake.documents.finding_codes import make_finding
from clea_intake.documents.pipeline import DocumentReading, read_pieces
from clea_intake.domain.calendar import local_day
from clea_intake.domain.findings import IDENTITY_TYPES, DocType
from clea_intake.domain.names import person_matches
from clea_intake.domain.policy import Policy, current_policy
from clea_intake.domain.records import DocumentRecord, ReviewItem
from clea_intake.services import metrics
from clea_intake.services.flow import advance
from clea_intake.services.ports import Ports

if TYPE_CHECKING:
    from clea_intake.domain.application import Applicant

logger = Logger(service="clea-intake", child=True)

_APPLICATION_DOC = re.compile(r"^applications/(?P<case>[^/]+)/documents/(?P<name>.+)$")
_CLAIM_DOC = re.compile(r"^claims/(?P<case>[^/]+)/(?P<name>.+)$")


@dataclass
class DocumentOutcome:
    case_id: str | None
    doc_id: str | None
    status: str          # recorded | duplicate | stale | ignored
    doc_type: str | None = None


def locate(key: str) -> tuple[str, str, str] | None:
    """(case id, file name, source) for a document key, None for anything else."""
    for pattern, source in ((_APPLICATION_DOC, "application"), (_CLAIM_DOC, "claim")):
        match = pattern.match(key)
        if match:
            return match["case"], match["name"], source
    return None


# S3 sequencers of one key are hexadecimal strings of varying width: left-padded to one width, text order
# is the order of the versions.
_ORDER_WIDTH = 32


def version_order(sequencer: str | None, last_modified: datetime | None = None) -> str | None:
    """The order of an object version among its key's versions, as text that sorts as the versions do.

    From the event's sequencer; for an event without one, from the object's LastModified (microseconds,
    in the same hexadecimal width). None when neither is known.
    """
    if sequencer:
        return sequencer.strip().upper().rjust(_ORDER_WIDTH, "0")
    if last_modified is not None:
        return f"{int(last_modified.timestamp() * 1_000_000):0{_ORDER_WIDTH}X}"
    return None


def document_received(ports: Ports, *, bucket: str, key: str, etag: str, version_id: str | None,
                      now: datetime, sequencer: str | None = None,
                      last_modified: datetime | None = None, uploaded_at: datetime | None = None) -> DocumentOutcome:
    """Read and record one document, then move its case on (services.flow.advance).

    A delivery of a version already recorded moves the case on too: when the handler died after the
    document's write and before the case's (or its e-mail), the redelivery finishes that work. advance only
    settles what is due, and sends each notice once, so a plain repetition changes nothing.
    """
    outcome = receive(ports, bucket=bucket, key=key, etag=etag, version_id=version_id, now=now,
                      sequencer=sequencer, last_modified=last_modified, uploaded_at=uploaded_at)
    if outcome.status in ("recorded", "duplicate") and outcome.case_id is not None:
        advance(ports, outcome.case_id, now)
    return outcome


def receive(ports: Ports, *, bucket: str, key: str, etag: str, version_id: str | None,
            now: datetime, sequencer: str | None = None, last_modified: datetime | None = None,
            uploaded_at: datetime | None = None) -> DocumentOutcome:
    """Read and record one document version; the newest version's reading wins.

    The piece is dated by its upload (`uploaded_at`, the S3 event's time), not by its reading: a queue
    backlog, an OCR outage or a retry never makes a piece late nor judges its validity on a later day.

    A repeated delivery of the same version does nothing; an event of a version older than the recorded
    reading does nothing ("stale"); a newer version is read and replaces it, under a condition of the
    table, so that two deliveries racing on one key cannot leave the older reading last.
    """
    repo = ports.repository
    place = locate(key)
    if place is None:
        logger.warning("object outside the document folders ignored", key=key)
        return DocumentOutcome(None, None, "ignored")
    case_id, name, source = place
    doc_id = doc_id_for(key)
    order = version_order(sequencer, last_modified)
    recorded = repo.documents(case_id)
    # The current readings of this key: one document, or the pieces of a multi-piece file.
    current = [d for d in recorded if d.key == key and d.status != "superseded"]
    known = next((d for d in current if d.doc_id == doc_id), None) or max(
        current, key=lambda d: d.version_order or "", default=None)
    if known is not None:
        newer = order is not None and (known.version_order is None or order > known.version_order)
        if known.etag == etag:
            # The same content: nothing to read again; a newer version of it only moves the order on.
            if newer:
                repo.put_reading(known.model_copy(update={"version_id": version_id, "version_order": order}))
            return DocumentOutcome(case_id, doc_id, "duplicate", str(known.doc_type))
        if order is not None and known.version_order is not None and order < known.version_order:
            logger.info("older version of a document ignored", case_id=case_id, doc_id=doc_id)
            return DocumentOutcome(case_id, doc_id, "stale", str(known.doc_type))

    policy = current_policy()
    obj = ports.storage.get_object(bucket, key, version_id, max_bytes=policy.documents.max_file_bytes)
    digest = hashlib.sha256(obj.body).hexdigest()
    twins = [d for d in recorded if d.sha256 == digest and d.key != key and d.status != "superseded"]
    if twins:
        logger.info("same content already recorded", case_id=case_id, doc_id=twins[0].doc_id)
        return DocumentOutcome(case_id, twins[0].doc_id, "duplicate", str(twins[0].doc_type))

    order = order or version_order(None, obj.last_modified)
    received = uploaded_at if uploaded_at is not None and uploaded_at <= now else now
    original_name = unquote(obj.metadata.get("original-filename", "")) or name
    if obj.size > policy.documents.max_file_bytes:
        readings = [_too_large(obj.size, policy.documents.max_file_bytes, digest)]
    else:
        readings = read_pieces(obj.body, filename=original_name, as_of=local_day(received, policy), policy=policy,
                               ocr=ports.ocr)
    # One PDF may hold several pieces: each is a document of the case, on its own pages.
    piece_ids = [doc_id] if len(readings) == 1 else [piece_doc_id(doc_id, r.page_numbers) for r in readings]
    for reading, piece_id in zip(readings, piece_ids, strict=True):
        doubts = ocr_doubts(reading) + name_doubts(reading, lambda: _applicant_of(repo, case_id, source))
        in_review = needs_a_person(reading, policy) or bool(doubts)
        record = DocumentRecord(
            case_id=case_id, doc_id=piece_id, bucket=bucket, key=key, etag=etag, sha256=digest,
            version_id=version_id or obj.version_id, version_order=order, original_name=original_name,
            source=source, received_at=received, doc_type=reading.doc_type,
            confidence=reading.confidence, fields=reading.fields, findings=reading.findings,
            status="review" if in_review else "read", pages=reading.pages, page_numbers=reading.page_numbers,
            text_source=reading.text_source, media_type=reading.media_type,
        )
        if not repo.put_reading(record):
            logger.info("a newer version of the document was recorded meanwhile", case_id=case_id, doc_id=piece_id)
            return DocumentOutcome(case_id, piece_id, "stale", str(reading.doc_type))
        metrics.count("DocumentRead", ("DocType", str(reading.doc_type)))
        for finding in reading.findings:
            metrics.count("DocumentFinding", ("Code", finding.code))
        if in_review:
            open_document_review(repo, record, now, doubts)
        logger.info("document recorded", case_id=case_id, doc_id=piece_id, doc_type=str(reading.doc_type),
                    confidence=round(reading.confidence, 2), status=record.status,
                    findings=[f.code for f in reading.findings])
    supersede(repo, [d for d in current if d.doc_id not in piece_ids], now)
    return DocumentOutcome(case_id, piece_ids[0], "recorded", str(readings[0].doc_type))


def supersede(repo: Repository, older: list[DocumentRecord], now: datetime) -> None:
    """Mark the readings a newer version of their file replaced, and close the questions asked about them.

    A multi-piece file read again may split into other page ranges: its earlier pieces no longer count for
    completeness. Each write is conditional on the record still being that version's (put_reading), so a
    reading of a newer version is never marked.
    """
    for old in older:
        if not repo.put_reading(old.model_copy(update={"status": "superseded"})):
            continue
        review = repo.find_review(f"DOC-{old.case_id}-{old.doc_id}-{old.etag[:8]}")
        if review is not None and review.status == "OPEN":
            repo.close_review(review.model_copy(update={
                "status": "CLOSED", "resolution": "superseded", "closed_by": "system", "closed_at": now}))
        logger.info("reading superseded by a newer version of its file", case_id=old.case_id, doc_id=old.doc_id)


def piece_doc_id(doc_id: str, page_numbers: list[int]) -> str:
    """The id of one piece of a multi-piece file: the file's id and the piece's page range."""
    return f"{doc_id}-p{page_numbers[0]}-{page_numbers[-1]}" if page_numbers else doc_id


def _too_large(size: int, limit: int, digest: str) -> DocumentReading:
    # Only the first limit + 1 bytes were fetched, so the reader never sees the file: same finding, from
    # the catalogue.
    return DocumentReading(
        doc_type=DocType.UNKNOWN, confidence=0.0, fields={}, pages=0, text_source="none",
        media_type="application/octet-stream", sha256=digest,
        findings=[make_finding("FILE_TOO_LARGE", max_mb=limit // 1_000_000)],
    )


# On a photo or a scan, these may be the OCR's misreading rather than the document's fault: a person
# reads the piece before the applicant is told it is wrong. On a text PDF they are certain. A check digit
# that fails (MRZ, IBAN, BIC, SIRET, SIREN, NDA), a date read in the future, a field or a mention not found
# are what a misread character or a faint line gives.
OCR_DOUBT_CODES = frozenset({"MRZ_CHECK_DIGIT", "MRZ_NOT_FOUND", "REQUIRED_FIELD_MISSING", "DATES_INCOHERENT",
                             "DATE_IN_FUTURE", "IBAN_INVALID", "BIC_INVALID", "SIRET_INVALID", "SIREN_INVALID",
                             "NDA_INVALID", "QUOTE_MENTION_MISSING"})


def ocr_doubts(reading: DocumentReading) -> list[str]:
    if reading.text_source != "ocr":
        return []
    return sorted({f.code for f in reading.findings if f.code in OCR_DOUBT_CODES})


def _applicant_of(repo: Repository, case_id: str, source: str) -> Applicant | None:
    if source != "application":
        return None
    case = repo.find_case(case_id)
    return case.application.applicant if case is not None else None


def name_doubts(reading: DocumentReading, applicant_of: Callable[[], Applicant | None]) -> list[str]:
    """An identity piece read by OCR whose holder is not the form's applicant: the name fields of a machine
    readable zone have no check digit, and a filler read as a letter ("DA<SILVA<<HERVE" read as surname "DA",
    given names "SILVA K HERVE") splits a name wrongly. A person reads it before the applicant is told the name
    does not match; on a text layer the mismatch is certain and completeness says it. The case is only read
    (`applicant_of`) for such a piece."""
    if reading.text_source != "ocr" or reading.doc_type not in IDENTITY_TYPES:
        return []
    surname, given = reading.fields.get("surname"), reading.fields.get("given_names")
    if not surname and not given:
        return []
    applicant = applicant_of()
    if applicant is None or person_matches(surname, given, applicant.surname, applicant.given_names):
        return []
    return ["NAME_MISMATCH"]


def needs_a_person(reading: DocumentReading, policy: Policy) -> bool:
    """Whether a person reads the piece before anyone is told: its type is uncertain, or its scan may be
    misread. An unreadable file is not a question for a person: its finding already tells the applicant."""
    doubtful_type = reading.confidence < policy.documents.review_confidence_below and reading.text_source != "none"
    return doubtful_type or bool(ocr_doubts(reading))


def open_document_review(repo: Repository, record: DocumentRecord, now: datetime, doubts: list[str]) -> None:
    if doubts:
        code, message = "OCR_UNCERTAIN", (
            f"Lecture automatique incertaine d'une photo ou d'un scan ({record.doc_type} : {', '.join(doubts)}) : "
            "lire la pièce, puis confirmer ou corriger les champs.")
    else:
        code, message = "LOW_CONFIDENCE", (
            f"Type de document incertain ({record.doc_type}, confiance {record.confidence:.0%}) : "
            "confirmer ou corriger le type et les champs.")
    review = ReviewItem(
        review_id=f"DOC-{record.case_id}-{record.doc_id}-{record.etag[:8]}", case_id=record.case_id,
        kind="document", code=code, subject_ref=record.doc_id, opened_at=now, message=message,
        detail={"doc_type": str(record.doc_type), "confidence": record.confidence, "key": record.key,
                "doubts": doubts},
    )
    if repo.open_review(review):
        metrics.count("ReviewOpened")


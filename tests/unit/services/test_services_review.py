"""An agent's correction of a doubtful piece, through services.review.resolve, on in-memory fakes."""

from __future__ import annotations

import hashlib
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from clea_intake.domain.findings import DocType
from clea_intake.domain.records import DocumentRecord, ReviewItem
from clea_intake.services.review import resolve
from tests.conftest import PieceBuilder, make_case
from tests.unit.services.fakes import fake_ports

PARIS = ZoneInfo("Europe/Paris")
RECEIVED = datetime(2026, 3, 2, 10, 0, tzinfo=PARIS)
MORNING = datetime(2026, 3, 4, 8, 30, tzinfo=PARIS)
IDENTITY = PieceBuilder().identity_card().fields


def doubtful(ports, doc_type: DocType, fields: dict) -> tuple[DocumentRecord, ReviewItem]:
    """A case whose phone photo was read with low confidence, and the review item that waits for it."""
    case = make_case()
    assert ports.repository.create_case(case)
    key = f"applications/{case.case_id}/documents/photo.jpg"
    record = DocumentRecord(
        case_id=case.case_id, doc_id=hashlib.sha256(key.encode()).hexdigest()[:20], bucket="bucket", key=key,
        etag="etag", sha256=hashlib.sha256(b"photo").hexdigest(), original_name="photo.jpg", source="application",
        received_at=RECEIVED, doc_type=doc_type, confidence=0.41, fields=fields, findings=[], status="review")
    ports.repository.put_document(record)
    item = ReviewItem(review_id=f"DOC-{record.doc_id}", case_id=case.case_id, kind="document",
                      code="LOW_CONFIDENCE", message="Pièce à vérifier.", subject_ref=record.doc_id, opened_at=RECEIVED)
    assert ports.repository.open_review(item)
    return record, item


@pytest.mark.parametrize("read_as", [DocType.PROOF_OF_ADDRESS, DocType.IDENTITY_CARD])
def test_corrected_piece_keeps_only_the_fields_the_agent_typed(read_as: DocType) -> None:
    # Given an identity card photo the OCR misread: a garbled date in the future and a stray postal code
    ports = fake_ports()
    record, item = doubtful(ports, read_as, {"issue_date": "2029-05-10", "postal_code": "75001",
                                             "surname": "MART1N"})
    typed = {k: v for k, v in IDENTITY.items() if k != "issue_date"}
    # When the agent corrects it to what the card shows, without the issue date it does not print
    outcome = resolve(ports, item.review_id, "correct", MORNING, actor="ops:agent", doc_type="identity_card",
                      fields=typed)
    # Then the piece is read with the typed fields alone: the misread date is not checked as if an agent
    # had vouched for it (kept, it would be a blocking DATE_IN_FUTURE of the card)
    corrected = ports.repository.find_document(record.case_id, record.doc_id)
    assert outcome == "corrected"
    assert (corrected.status, corrected.doc_type, corrected.fields) == ("read", DocType.IDENTITY_CARD, typed)
    assert "DATE_IN_FUTURE" not in {f.code for f in corrected.findings}


def test_correcting_only_the_type_drops_fields_read_for_another_type() -> None:
    # Given an identity card photo misread as a proof of address
    ports = fake_ports()
    record, item = doubtful(ports, DocType.PROOF_OF_ADDRESS, {"issue_date": "2026-02-10", "postal_code": "75001"})
    # When the agent corrects only its type
    resolve(ports, item.review_id, "correct", MORNING, actor="ops:agent", doc_type="identity_card")
    # Then no field of the proof of address is taken for one of the card: the card's own are missing
    corrected = ports.repository.find_document(record.case_id, record.doc_id)
    assert corrected.fields == {}
    assert "FIELD_MISSING" in {f.code for f in corrected.findings}


def test_correcting_only_the_type_to_the_same_type_keeps_the_reading() -> None:
    # Given an identity card read as one, with low confidence
    ports = fake_ports()
    record, item = doubtful(ports, DocType.IDENTITY_CARD, dict(IDENTITY))
    # When the agent "corrects" it to the type it already has, typing nothing
    resolve(ports, item.review_id, "correct", MORNING, actor="ops:agent", doc_type="identity_card")
    # Then the machine's fields stay, checked again
    corrected = ports.repository.find_document(record.case_id, record.doc_id)
    assert corrected.fields == IDENTITY and corrected.status == "read"

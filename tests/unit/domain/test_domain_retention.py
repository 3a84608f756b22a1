"""The timeline rid of personal values, and the case that keeps its decision without the applicant."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from clea_intake.domain.case import TimelineEvent
from clea_intake.domain.errors import InvalidTransition
from clea_intake.domain.findings import DocType
from clea_intake.domain.records import DocumentRecord
from clea_intake.domain.retention import due, expiry_moment, personal_values, scrubbed
from tests.conftest import make_case

PARIS = ZoneInfo("Europe/Paris")
T0 = datetime(2026, 3, 20, 10, 0, tzinfo=PARIS)


def _identity(fields: dict) -> DocumentRecord:
    return DocumentRecord(case_id="NA-CLEA-2026-000123", doc_id="d1", bucket="b", key="applications/x/documents/a.pdf",
                          etag="e", sha256="s", original_name="a.pdf", received_at=T0,
                          doc_type=DocType.IDENTITY_CARD, confidence=0.9, fields=fields)


def _event(message: str | None = None, **detail) -> TimelineEvent:
    return TimelineEvent(at=T0, actor="ops:agent", kind="note", reason="CODE_A,CODE_B", message=message, detail=detail)


@pytest.mark.parametrize("message", [
    "Retrait demandé par Mme MARTIN au téléphone",         # the surname, any case
    "Née le 14/07/1991, à vérifier",                       # the birth date as people write it
    "Pièce d'identité X4RTBPFW4 illisible",                # a document number read on a piece
    "Nouveau RIB FR76 3000 6000 0112 3456 7890 189",       # any IBAN, spaced or not
    "Répondre à lea.martin@example.fr",                    # any e-mail address
])
def test_a_message_carrying_a_personal_value_is_dropped_and_the_codes_stay(message):
    case = make_case()
    values = personal_values(case, [_identity({"document_number": "X4RTBPFW4", "surname": "MARTIN"})])
    clean = scrubbed(_event(message, order_id="PAY-1"), values)
    assert clean.message is None and clean.reason == "CODE_A,CODE_B" and clean.detail == {"order_id": "PAY-1"}


def test_detail_entries_carrying_a_personal_value_go_the_others_stay():
    values = personal_values(make_case(), [])
    event = _event("Document demandé : attestation de domicile", note="appel de Léa", amount_eur="450.00",
                   attachments=["ab" * 32])
    clean = scrubbed(event, values)
    assert clean.message == "Document demandé : attestation de domicile"
    assert clean.detail == {"amount_eur": "450.00", "attachments": ["ab" * 32]}


def test_an_event_without_personal_values_is_returned_as_it_is():
    event = _event("Aide accordée.", amount_eur="450.00", policy_version="clea-na-2024-2028-v1")
    assert scrubbed(event, personal_values(make_case(), [])) is event


def test_a_name_inside_another_word_is_no_evidence():
    # "Martin" is the surname: "Martinique" names nobody
    assert scrubbed(_event("Évaluation prévue en Martinique"), personal_values(make_case(), [])).message


def test_expiry_counts_days_of_24_hours_in_epoch_seconds():
    assert expiry_moment(T0, 90) == int(T0.timestamp()) + 90 * 86400
    assert not due(T0, 90, T0 + timedelta(days=89, hours=23)) and due(T0, 90, T0 + timedelta(days=90, hours=1))


def test_a_final_case_keeps_its_decision_without_the_applicant_block():
    case = make_case()
    case.refuse(["NOT_RESIDENT"], at=T0, actor="system:test", message="Refusé.")
    assert case.final_at == T0 and case.ended_at == T0
    case.expire_personal_data(at=T0 + timedelta(days=90))
    assert case.application.applicant is None and case.reasons == ["NOT_RESIDENT"] and case.decided_at == T0
    assert case.summary().certification == "clea_socle"
    assert "Martin" not in case.model_dump_json()
    assert case.new_events[-1].reason == "PERSONAL_DATA_EXPIRED"


def test_a_case_still_open_keeps_its_personal_data():
    case = make_case(state="AWARDED")
    with pytest.raises(InvalidTransition):
        case.expire_personal_data(at=T0)
    assert case.application.applicant is not None

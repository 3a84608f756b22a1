"""Every outcome of a case, reached through the real ASL on moto from files written to the platform's keys."""

from __future__ import annotations

from datetime import date, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

import pypdfium2 as pdfium
import pytest

from clea_intake.runtime import aws_ports
from clea_intake.samples.persona import application_documents
from clea_intake.services import cases
from tests.e2e.conftest import Applicant, at

pytestmark = pytest.mark.e2e

START = date(2026, 5, 4)


def _pdf_text(data: bytes) -> str:
    document = pdfium.PdfDocument(data)
    return "\n".join(page.get_textpage().get_text_range() for page in document)


def _message(sent: dict) -> EmailMessage:
    raw = sent["raw"] if isinstance(sent["raw"], bytes) else sent["raw"].encode()
    return message_from_bytes(raw, policy=policy.default)


def _letter_attachments(stack, case_id: str) -> list[bytes]:
    found = []
    for sent in stack.sent_emails():
        message = _message(sent)
        if case_id not in str(message["Subject"]):
            continue
        found += [part.get_content() for part in message.iter_attachments()
                  if part.get_content_type() == "application/pdf"]
    return found


def test_application_complete_in_time_is_awarded_with_letters(stack):
    # Given a valid file submitted six weeks before the evaluation
    applicant = Applicant(stack, 9001, start=START)
    # When the form and every piece arrive under the platform's keys
    applicant.submit(START - timedelta(days=42))
    # Then the case is awarded, the aid capped by the quoted price of the hours
    outcome = applicant.outcome()
    assert outcome["state"] == "AWARDED", outcome
    assert outcome["awarded_eur"] == min(float(applicant.app["quote"]["amount_eur"]),
                                         {"clea_socle": {"initial": 450, "final": 250},
                                          "clea_numerique": {"initial": 300, "final": 150}}
                                         [applicant.app["certification"]][applicant.app["evaluation"]])
    assert [t["state"] for t in outcome["timeline"]] == ["RECEIVED", "INCOMPLETE", "COMPLETE", "AWARDED"] or \
        [t["state"] for t in outcome["timeline"]] == ["RECEIVED", "COMPLETE", "AWARDED"]
    subjects = " | ".join(e["subject"] for e in outcome["emails"])
    assert "Accusé de réception" in subjects and "Arrêté attributif" in subjects
    # And the letters are readable PDFs carrying the reference
    letters = _letter_attachments(stack, applicant.case_id)
    assert letters and all(applicant.case_id in _pdf_text(pdf) for pdf in letters)


def test_application_completed_less_than_21_days_before_start_is_refused_late(stack):
    applicant = Applicant(stack, 9002, start=START)
    applicant.submit(START - timedelta(days=15))
    outcome = applicant.outcome()
    assert outcome["state"] == "REFUSED"
    assert outcome["reasons"] == ["LATE_COMPLETION"]
    refusal = [pdf for pdf in _letter_attachments(stack, applicant.case_id)]
    assert refusal and "LATE_COMPLETION" in _pdf_text(refusal[-1])


def test_incomplete_file_left_past_the_deadline_is_refused_by_the_sweeper(stack):
    applicant = Applicant(stack, 9003, start=START)
    applicant.submit(START - timedelta(days=40), variant="missing_proof")
    assert applicant.outcome()["state"] == "INCOMPLETE"
    stack.tick(at(START - timedelta(days=20), 0))
    outcome = applicant.outcome()
    assert outcome["state"] == "REFUSED" and outcome["reasons"] == ["LATE_COMPLETION"]


def test_incomplete_file_completed_in_time_is_awarded(stack):
    applicant = Applicant(stack, 9004, start=START)
    day = START - timedelta(days=40)
    applicant.submit(day, variant="missing_proof")
    assert applicant.outcome()["state"] == "INCOMPLETE"
    full = application_documents(applicant.app, received=day + timedelta(days=5), variant="valid",
                                 seed=applicant.number)
    applicant.upload(day + timedelta(days=5), {f"complement-{n}": d for n, d in full.items()})
    outcome = applicant.outcome()
    assert outcome["state"] == "AWARDED", outcome
    assert [t["state"] for t in outcome["timeline"]][:2] == ["RECEIVED", "INCOMPLETE"]


def test_proof_of_address_outside_the_region_is_refused_not_resident(stack):
    applicant = Applicant(stack, 9005, start=START)
    applicant.submit(START - timedelta(days=42), variant="proof_outside_region")
    outcome = applicant.outcome()
    assert outcome["state"] == "REFUSED" and outcome["reasons"] == ["NOT_RESIDENT"]


def test_application_funded_by_transition_pro_is_refused_funded_elsewhere(stack):
    applicant = Applicant(stack, 9006, start=START, funded_by_transition_pro_or_branch=True)
    applicant.submit(START - timedelta(days=42))
    outcome = applicant.outcome()
    assert outcome["state"] == "REFUSED" and outcome["reasons"] == ["FUNDED_ELSEWHERE"]


def test_habilitation_ending_before_the_evaluation_ends_is_refused_not_habilitated(stack):
    applicant = Applicant(stack, 9007, start=START)
    applicant.submit(START - timedelta(days=42), variant="habilitation_short")
    outcome = applicant.outcome()
    assert outcome["state"] == "REFUSED" and outcome["reasons"] == ["EVALUATOR_NOT_HABILITATED"]


def test_second_application_for_same_person_year_certification_evaluation_is_refused_duplicate(stack):
    first = Applicant(stack, 9008, start=START)
    first.submit(START - timedelta(days=50))
    assert first.outcome()["state"] == "AWARDED"
    second = Applicant(stack, 9009, start=START + timedelta(days=30))
    second.app["applicant"] = dict(first.app["applicant"])
    second.app["certification"], second.app["evaluation"] = first.app["certification"], first.app["evaluation"]
    second.submit(START - timedelta(days=20))
    outcome = second.outcome()
    assert outcome["state"] == "REFUSED" and outcome["reasons"] == ["DUPLICATE_AID"]


def test_withdrawn_case_stops_and_tells_the_applicant(stack):
    applicant = Applicant(stack, 9010, start=START)
    day = START - timedelta(days=40)
    applicant.submit(day, variant="missing_proof")
    cases.withdraw(aws_ports(stack.repo(), stack.cfg()), applicant.case_id, at(day + timedelta(days=1)), actor="ops:test",
                   note="Retrait à la demande du candidat.")
    stack.settle()
    outcome = applicant.outcome()
    assert outcome["state"] == "WITHDRAWN"
    assert any("retir" in e["subject"].lower() for e in outcome["emails"]), outcome["emails"]


def test_same_document_uploaded_twice_leaves_one_record_and_one_transition(stack):
    applicant = Applicant(stack, 9011, start=START)
    docs = applicant.submit(START - timedelta(days=42))
    repo = stack.repo()
    before = (len(repo.documents(applicant.case_id)), len(repo.timeline(applicant.case_id)))
    applicant.upload(START - timedelta(days=41), docs)
    after = (len(repo.documents(applicant.case_id)), len(repo.timeline(applicant.case_id)))
    assert after == before
    assert [t["state"] for t in applicant.outcome()["timeline"]].count("AWARDED") == 1


def test_operations_request_for_another_document_is_in_timeline_and_emailed(stack):
    # Given an incomplete case
    applicant = Applicant(stack, 9012, start=START)
    day = START - timedelta(days=40)
    applicant.submit(day, variant="missing_proof")
    # When operations staff ask for another document, as the scheme allows
    cases.request_document(aws_ports(stack.repo(), stack.cfg()), applicant.case_id, at(day + timedelta(days=1)),
                           actor="ops:test", document="Attestation d'inscription à France Travail")
    stack.settle()
    # Then the timeline keeps who asked what, and the applicant got an e-mail naming the document
    notes = [e for e in stack.repo().timeline(applicant.case_id) if e.kind == "request"]
    assert len(notes) == 1 and notes[0].actor == "ops:test" and "France Travail" in notes[0].message
    mails = [m for m in stack.repo().mails(applicant.case_id) if m.kind == "document_request"]
    assert len(mails) == 1 and mails[0].to == [applicant.app["applicant"]["email"]]
    bodies = [_message(sent).get_body(("plain",)).get_content() for sent in stack.sent_emails()
              if applicant.case_id in str(_message(sent)["Subject"])]
    assert any("France Travail" in body for body in bodies)


def test_decision_without_any_register_imported_says_so_and_does_not_wait(stack):
    # Given a stack where no public register was ever dropped
    assert stack.repo().register_date("organismes-formation") is None
    applicant = Applicant(stack, 9015, start=START)
    # When a valid file is complete
    applicant.submit(START - timedelta(days=42))
    # Then it is decided at once, and the decision says the registers were not read
    assert applicant.outcome()["state"] == "AWARDED"
    (note,) = [e for e in stack.repo().timeline(applicant.case_id) if e.kind == "eligibility"]
    assert "Registres publics non consultés, aucune copie importée" in note.message
    assert note.detail["register_dates"] == {"organismes-formation": None, "sirene": None}
    assert [r for r in stack.repo().reviews("OPEN") if r.case_id == applicant.case_id] == []

"""The local stack end to end: the platform's S3 key → real ASL → INCOMPLETE with e-mails → LATE_COMPLETION."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from email import policy as email_policy
from email.parser import BytesParser
from zoneinfo import ZoneInfo

import pytest

from clea_intake.adapters import clients
from clea_intake.domain.lifecycle import State
from clea_intake.local.stack import LocalStack

PARIS = ZoneInfo("Europe/Paris")
CASE_ID = "NA-CLEA-2026-000123"
APPLICANT = "lea.martin@example.fr"


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with LocalStack() as running:
        yield running


def _mails(stack: LocalStack, case_id: str) -> list[dict]:
    """Sent e-mails of one case, read back from moto's SES backend: to, subject, text."""
    found = []
    for sent in stack.sent_emails():
        message = BytesParser(policy=email_policy.default).parsebytes(sent["raw"].encode()
                                                                      if isinstance(sent["raw"], str) else sent["raw"])
        if case_id not in str(message["Subject"]):
            continue
        text = message.get_body(preferencelist=("plain",)).get_content()
        found.append({"to": str(message["To"]), "subject": str(message["Subject"]), "text": text})
    return found


def _execution_status(stack: LocalStack, case_id: str) -> str:
    arn = stack.names.state_machine_arn.replace(":stateMachine:", ":execution:") + f":{case_id}"
    return clients.client("stepfunctions").describe_execution(executionArn=arn)["status"]


def test_local_stack_application_without_pieces_goes_incomplete_then_refused_late(stack, app_data):
    # Given the platform writes the DESIGN application, and no piece, on 2 March 2026
    stack.set_time(datetime(2026, 3, 2, 10, 0, tzinfo=PARIS))
    stack.put(f"applications/{CASE_ID}/application.json",
              json.dumps(app_data(), ensure_ascii=False).encode(), content_type="application/json")
    # When the events flow through EventBridge, SQS, the handlers and the state machine
    stack.settle()
    # Then the case waits INCOMPLETE, parked on its completeness task token
    assert stack.dead_letters()["intake"] == 0, "the intake handler failed on the application"
    repo = stack.repo()
    case = repo.get_case(CASE_ID)
    assert case.state == State.INCOMPLETE
    assert "completeness" in case.tokens
    assert {m["code"] for m in case.missing} >= {"MISSING_IDENTITY", "MISSING_PROOF_OF_ADDRESS", "MISSING_QUOTE"}
    assert _execution_status(stack, CASE_ID) == "RUNNING"
    # and the applicant got the acknowledgement and the list of missing pieces, in French
    mails = _mails(stack, CASE_ID)
    assert [m["to"] for m in mails] == [APPLICANT, APPLICANT]
    subjects = " | ".join(m["subject"] for m in mails)
    assert "Accusé de réception" in subjects and "incomplet" in subjects
    incomplete = next(m for m in mails if "incomplet" in m["subject"])
    assert "Justificatif de domicile" in incomplete["text"]

    # When the sweeper runs at 23:59 on 23 March, the last allowed day (start 13 April - 21 days)
    stack.tick(datetime(2026, 3, 23, 23, 59, tzinfo=PARIS))
    # Then nothing happens yet
    assert repo.get_case(CASE_ID).state == State.INCOMPLETE

    # When it runs at midnight on 24 March
    report = stack.tick(datetime(2026, 3, 24, 0, 0, tzinfo=PARIS))
    # Then the case is refused LATE_COMPLETION, the execution ends and the refusal is sent
    assert report == {"refused": 1, "lapsed": 0, "personal_data_expired": 0, "unfinished": False}
    case = repo.get_case(CASE_ID)
    assert (case.state, case.reasons) == (State.REFUSED, ["LATE_COMPLETION"])
    assert _execution_status(stack, CASE_ID) == "SUCCEEDED"
    refusal = [m for m in _mails(stack, CASE_ID) if "pas été acceptée" in m["subject"]]
    assert len(refusal) == 1 and "3 semaines" in refusal[0]["text"]
    transitions = [(e.from_state, e.to_state) for e in repo.timeline(CASE_ID) if e.kind == "transition"]
    assert transitions == [(State.RECEIVED, State.INCOMPLETE), (State.INCOMPLETE, State.REFUSED)]
    assert stack.dead_letters() == {"intake": 0, "documents": 0, "inbound": 0, "registers": 0}


def test_local_stack_same_s3_event_delivered_twice_gives_one_case_and_one_of_each_step(stack, app_data):
    # Given an application whose S3 event we keep a copy of before it is handled
    case_id = "NA-CLEA-2026-000124"
    stack.set_time(datetime(2026, 3, 3, 9, 0, tzinfo=PARIS))
    stack.put(f"applications/{case_id}/application.json",
              json.dumps(app_data(case_id=case_id), ensure_ascii=False).encode(), content_type="application/json")
    sqs = clients.client("sqs")
    url = stack.queue_urls["intake"]
    [message] = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)
    stack.settle()
    # When SQS delivers the very same event again
    sqs.send_message(QueueUrl=url, MessageBody=message["Body"])
    stack.settle()
    # Then there is one case, one "received" event, one move to INCOMPLETE, one acknowledgement
    repo = stack.repo()
    timeline = repo.timeline(case_id)
    assert [e.kind for e in timeline].count("received") == 1
    assert [e.to_state for e in timeline if e.kind == "transition"] == [State.INCOMPLETE]
    assert repo.get_case(case_id).state == State.INCOMPLETE
    assert [m.kind for m in repo.mails(case_id)].count("acknowledgement") == 1
    assert sum("Accusé de réception" in m["subject"] for m in _mails(stack, case_id)) == 1


def test_local_stack_corrected_reupload_under_the_same_key_is_read_again(stack, app_data):
    # Given a file whose piece was uploaded and read
    case_id = "NA-CLEA-2026-000125"
    stack.set_time(datetime(2026, 3, 4, 9, 0, tzinfo=PARIS))
    stack.submit(app_data(case_id=case_id))
    stack.settle()
    key = stack.upload_document(case_id, "justificatif.txt", b"premier envoi, illisible")
    stack.settle()
    repo = stack.repo()
    [first] = repo.documents(case_id)
    # When the applicant sends a corrected file under the same name
    stack.set_time(datetime(2026, 3, 5, 9, 0, tzinfo=PARIS))
    stack.upload_document(case_id, "justificatif.txt", b"second envoi, corrige")
    stack.settle()
    # Then the piece is read again from the new version: its record has that version's ETag
    etag = clients.client("s3").head_object(Bucket=stack.names.bucket, Key=key)["ETag"].strip('"')
    [again] = repo.documents(case_id)
    assert first.etag != "" and again.etag == etag != first.etag
    assert stack.dead_letters()["documents"] == 0

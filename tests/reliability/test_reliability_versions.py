"""Promise: the newest version of a piece wins, whatever the order S3's events arrive in."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from clea_intake.adapters import clients
from clea_intake.adapters.repository import doc_id_for
from clea_intake.local.dispatch import sqs_record
from clea_intake.local.stack import LocalStack
from clea_intake.samples.persona import application_documents, sample_application

PARIS = ZoneInfo("Europe/Paris")
START = date(2026, 6, 15)
DAY = START - timedelta(days=42)


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with LocalStack() as running:
        yield running


def _take_documents_events(stack: LocalStack) -> list[dict]:
    """The documents queue's waiting messages, taken off the queue as SQS records (no handler ran)."""
    sqs = clients.client("sqs")
    url = stack.dispatcher.queue_urls["documents"]
    records = []
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"],
                                       WaitTimeSeconds=0).get("Messages", [])
        if not messages:
            return records
        for message in messages:
            records.append(sqs_record(message, url, stack.names.region))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def _submit(stack: LocalStack, number: int) -> tuple[dict, dict[str, bytes], dict[str, bytes]]:
    app = sample_application(number, seed=number, evaluation_start=START.isoformat(),
                             evaluation_end=(START + timedelta(days=4)).isoformat(), nationality="FR",
                             situation="unemployed")
    app["submitted_at"] = datetime.combine(DAY, time(9), tzinfo=PARIS).isoformat()
    stack.set_time(datetime.combine(DAY, time(9), tzinfo=PARIS))
    stack.submit(app)
    stack.settle()
    valid = application_documents(app, received=DAY, variant="valid", seed=number)
    expired = application_documents(app, received=DAY, variant="expired_identity", seed=number)
    return app, valid, expired


def _identity_names(valid: dict[str, bytes], expired: dict[str, bytes]) -> list[str]:
    names = [name for name in valid if name in expired and expired[name] != valid[name]]
    assert names, "the expired variant changes the identity piece under the same name"
    return names


def test_newest_version_wins_when_the_valid_passport_event_arrives_before_the_expired_one(stack):
    # Given a case whose other pieces are read, and its identity piece uploaded expired, then valid under
    # the same key, the two S3 events held back
    app, valid, expired = _submit(stack, 7101)
    case_id = app["case_id"]
    names = _identity_names(valid, expired)
    stack.set_time(datetime.combine(DAY, time(10), tzinfo=PARIS))
    for name, data in valid.items():
        if name not in names:
            stack.upload_document(case_id, name, data)
    stack.settle()
    for name in names:
        stack.upload_document(case_id, name, expired[name])
    older = _take_documents_events(stack)
    for name in names:
        stack.upload_document(case_id, name, valid[name])
    newer = _take_documents_events(stack)
    assert len(older) == len(newer) == len(names)
    # When S3 delivers them newest first, then the oldest
    stack.invoke("classify_document", {"Records": newer})
    stack.invoke("classify_document", {"Records": older})
    stack.settle()
    # Then the valid reading stays, and the case completes (and goes on to its award)
    repo = stack.repo()
    for name in names:
        record = repo.find_document(case_id, doc_id_for(f"applications/{case_id}/documents/{name}"))
        assert record.sha256 == hashlib.sha256(valid[name]).hexdigest()
        assert record.version_id and record.version_order
        assert not any(f.code == "DOCUMENT_EXPIRED" for f in record.findings)
    assert stack.dead_letters()["documents"] == 0
    assert str(repo.get_case(case_id).state) in {"COMPLETE", "AWARDED"}


def test_newest_version_wins_over_the_same_event_three_times_and_an_older_version_last(stack):
    # Given one piece uploaded twice under one key (two versions), the events held back
    app, valid, expired = _submit(stack, 7102)
    case_id = app["case_id"]
    name = _identity_names(valid, expired)[0]
    key = f"applications/{case_id}/documents/{name}"
    stack.upload_document(case_id, name, expired[name])
    older = _take_documents_events(stack)
    stack.upload_document(case_id, name, valid[name])
    newer = _take_documents_events(stack)
    # When the newer event is delivered three times, then the older one
    for _ in range(3):
        stack.invoke("classify_document", {"Records": newer})
    stack.invoke("classify_document", {"Records": older})
    stack.settle()
    # Then one record, of the newest reading
    repo = stack.repo()
    records = [d for d in repo.documents(case_id) if d.key == key]
    assert len(records) == 1
    assert records[0].sha256 == hashlib.sha256(valid[name]).hexdigest()
    assert stack.dead_letters()["documents"] == 0


"""Promise: no piece is lost to its name or to S3's test event, on the local stack as on AWS."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from clea_intake.local.stack import LocalStack
from clea_intake.samples.persona import application_documents, sample_application

PARIS = ZoneInfo("Europe/Paris")
START = date(2026, 6, 15)
DAY = START - timedelta(days=42)


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with LocalStack() as running:
        yield running


def _sqs(body: dict) -> dict:
    return {"Records": [{"messageId": "m-1", "receiptHandle": "r", "body": json.dumps(body), "attributes": {},
                         "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
                         "eventSourceARN": "arn:aws:sqs:eu-west-3:123456789012:q", "awsRegion": "eu-west-3"}]}


@pytest.mark.parametrize("folder", ["intake_application", "classify_document", "ingest_email"])
def test_s3_test_event_is_acknowledged_and_nothing_is_recorded(stack, folder):
    # Given the s3:TestEvent S3 sends when notifications are configured
    event = _sqs({"Service": "Amazon S3", "Event": "s3:TestEvent", "Time": "2026-03-02T10:00:00.000Z",
                  "Bucket": stack.names.bucket, "RequestId": "R", "HostId": "H"})
    # When a handler gets it, then it succeeds without a failed record
    assert stack.invoke(folder, event)["batchItemFailures"] == []


@pytest.mark.parametrize("name", ["passeport+recto.pdf", "carte d'identité (1).pdf", "devis 100%.pdf"])
def test_a_piece_named_with_plus_accents_or_percent_is_found_and_read(stack, name):
    # Given a case, and one of its pieces uploaded under a name S3's events must encode
    number = 7200 + ["passeport+recto.pdf", "carte d'identité (1).pdf", "devis 100%.pdf"].index(name)
    app = sample_application(number, seed=number, evaluation_start=START.isoformat(),
                             evaluation_end=(START + timedelta(days=4)).isoformat(), nationality="FR",
                             situation="unemployed")
    stack.set_time(datetime.combine(DAY, time(9), tzinfo=PARIS))
    stack.submit(app)
    docs = application_documents(app, received=DAY, seed=number)
    first, data = next(iter(docs.items()))
    renamed = name if "." not in first else name.rsplit(".", 1)[0] + "." + first.rsplit(".", 1)[1]
    stack.upload_document(app["case_id"], renamed, data)
    # When its event goes through EventBridge, SQS and the handler
    stack.settle()
    # Then the piece is found under its exact key and read, and nothing reached a dead letter
    records = stack.repo().documents(app["case_id"])
    assert [r.key for r in records] == [f"applications/{app['case_id']}/documents/{renamed}"]
    assert records[0].text_source != "none" and records[0].pages >= 1
    assert stack.dead_letters()["documents"] == 0

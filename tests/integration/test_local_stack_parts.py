"""The local stack's parts behind its facade: moto's patches are taken back, the platform's keys reach S3,
and S3's events carry what AWS's carry: the object's ETag, version id, size and a growing sequencer."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from aws_lambda_powertools.utilities.parser.models import S3EventNotificationEventBridgeModel
from moto.awslambda_simple.models import LambdaSimpleBackend
from moto.core import base_backend, responses
from moto.dynamodb.responses import DynamoHandler
from moto.s3 import notifications
from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl as retrier
from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils

from clea_intake.adapters import clients
from clea_intake.local.stack import LocalStack

CASE_ID = "NA-CLEA-2026-000123"


def _moto_hooks() -> tuple:
    return (LambdaSimpleBackend.invoke, DynamoHandler.call_action, lambda_eval_utils.boto_client_for, retrier.time,
            notifications._send_event_bridge_message, base_backend.BaseBackend.__dict__["urls"],
            responses.method_names_from_class)


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with LocalStack() as running:
        yield running


def test_local_stack_stop_takes_back_every_moto_patch() -> None:
    # Given moto as it is before any stack
    before = _moto_hooks()
    # When a stack starts
    with LocalStack():
        during = _moto_hooks()
    # Then each of moto's hooks was replaced while it ran, and is moto's own again once it stopped
    assert all(patched is not original for patched, original in zip(during, before, strict=True))
    assert _moto_hooks() == before


def test_local_stack_platform_keys_land_in_the_bucket(stack) -> None:
    # Given a running stack
    # When the platform files a piece and an e-mail arrives
    key = stack.upload_document(CASE_ID, "rib.pdf", b"%PDF-1.4 not read")
    mail = stack.deliver_email(b"Subject: test\r\n\r\nbody", message_id="m-1")
    # Then both are objects of the stack's bucket under the platform's keys, readable back
    assert key == f"applications/{CASE_ID}/documents/rib.pdf"
    assert mail == "inbound/m-1"
    assert stack.read_object(key) == b"%PDF-1.4 not read"
    listed = clients.client("s3").list_objects_v2(Bucket=stack.names.bucket)["Contents"]
    assert {key, mail} <= {item["Key"] for item in listed}


def _queued_events(stack: LocalStack, queue: str) -> list[dict]:
    """The events waiting in one of the stack's queues, taken off it before any handler sees them."""
    sqs = clients.client("sqs")
    events = []
    while messages := sqs.receive_message(QueueUrl=stack.queue_urls[queue], MaxNumberOfMessages=10,
                                          WaitTimeSeconds=0).get("Messages", []):
        for message in messages:
            events.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=stack.queue_urls[queue], ReceiptHandle=message["ReceiptHandle"])
    return events


def test_local_stack_object_event_carries_etag_version_size_and_sequencer_of_each_upload(stack) -> None:
    # Given a piece uploaded, then corrected under the same key
    s3 = clients.client("s3")
    key = f"applications/{CASE_ID}/documents/justificatif.pdf"
    _queued_events(stack, "documents")
    first = s3.put_object(Bucket=stack.names.bucket, Key=key, Body=b"%PDF-1.4 first")
    second = s3.put_object(Bucket=stack.names.bucket, Key=key, Body=b"%PDF-1.4 corrected, longer")
    # When the events S3 sent through EventBridge are read off the documents queue
    events = _queued_events(stack, "documents")
    # Then there is one per upload, each with that version's ETag, version id and size, as AWS names them
    assert [e["detail-type"] for e in events] == ["Object Created", "Object Created"]
    objects = [e["detail"]["object"] for e in events]
    assert [o["etag"] for o in objects] == [first["ETag"].strip('"'), second["ETag"].strip('"')]
    assert objects[0]["etag"] != objects[1]["etag"]
    assert [o["version-id"] for o in objects] == [first["VersionId"], second["VersionId"]]
    assert [o["size"] for o in objects] == [len(b"%PDF-1.4 first"), len(b"%PDF-1.4 corrected, longer")]
    assert [e["detail"]["reason"] for e in events] == ["PutObject", "PutObject"]
    # And the later upload has the greater sequencer, and each event its own id
    assert len(objects[0]["sequencer"]) == len(objects[1]["sequencer"])
    assert objects[0]["sequencer"] < objects[1]["sequencer"]
    assert events[0]["id"] != events[1]["id"]


def test_local_stack_object_event_parses_with_its_etag_and_version(stack) -> None:
    # Given a form the platform files
    _queued_events(stack, "intake")
    stack.submit({"case_id": CASE_ID})
    head = clients.client("s3").head_object(Bucket=stack.names.bucket, Key=f"applications/{CASE_ID}/application.json")
    # When its event is parsed as the handlers parse an EventBridge S3 event
    (event,) = _queued_events(stack, "intake")
    parsed = S3EventNotificationEventBridgeModel.model_validate(event)
    # Then the parser finds the object's real ETag and version id, not an empty default
    assert parsed.detail.object.etag == head["ETag"].strip('"') != ""
    assert parsed.detail.object.version_id == head["VersionId"]

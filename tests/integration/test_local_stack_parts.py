"""The local stack's parts behind its facade: moto's patches are taken back, the platform's keys reach S3."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from moto.awslambda_simple.models import LambdaSimpleBackend
from moto.dynamodb.responses import DynamoHandler
from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl as retrier
from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils

from clea_intake.adapters import clients
from clea_intake.local.stack import LocalStack

CASE_ID = "NA-CLEA-2026-000123"


def _moto_hooks() -> tuple:
    return LambdaSimpleBackend.invoke, DynamoHandler.call_action, lambda_eval_utils.boto_client_for, retrier.time


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

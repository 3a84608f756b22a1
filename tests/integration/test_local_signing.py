"""Outside a running in-process stack, botocore signs as it signs for AWS."""

from __future__ import annotations

import boto3
from moto import mock_aws

from clea_intake.local.stack import LocalStack


def _authorizations(client) -> list:
    seen: list = []
    client.meta.events.register("request-created", lambda request, **_: seen.append(request.headers.get("Authorization")),
                                unique_id="test-authorization")
    return seen


def test_requests_are_signed_when_no_stack_runs_in_the_process() -> None:
    # Given no stack running here (a stack started and stopped, then moto's plain mock)
    with LocalStack():
        pass
    with mock_aws():
        client = boto3.client("sqs", region_name="eu-west-3", aws_access_key_id="testing",
                              aws_secret_access_key="testing")
        seen = _authorizations(client)
        # When a request is sent
        client.list_queues()
    # Then botocore signed it, as it signs for AWS
    assert seen and seen[0].startswith("AWS4-HMAC-SHA256") and "Signature=none" not in seen[0]

"""Requests to the in-process stack name their key without a signature (but S3's); outside it, botocore signs."""

from __future__ import annotations

import boto3
from moto import mock_aws

from clea_intake.adapters import clients
from clea_intake.local.stack import LocalStack


def _authorizations(client) -> list:
    seen: list = []
    client.meta.events.register("request-created", lambda request, **_: seen.append(request.headers.get("Authorization")),
                                unique_id="test-authorization")
    return seen


def boto3_session_key() -> str:
    return boto3.DEFAULT_SESSION.get_credentials().access_key


def test_local_stack_in_process_requests_name_their_key_without_a_signature() -> None:
    with LocalStack() as stack:
        # Given the running in-process stack, and a client of its DynamoDB, its SES and its S3
        dynamodb, ses, s3 = clients.client("dynamodb"), clients.client("ses"), clients.client("s3")
        dynamo_seen, ses_seen, s3_seen = _authorizations(dynamodb), _authorizations(ses), _authorizations(s3)
        # When each sends a request
        dynamodb.describe_table(TableName=stack.names.table)
        ses.get_send_quota()
        s3.put_object(Bucket=stack.names.bucket, Key="registers/test/signed.csv", Body=b"a;b\n")
        # Then DynamoDB's and SES's were not signed (moto checks no signature): each names its key and scope
        key = boto3_session_key()
        for seen, service in ((dynamo_seen, "dynamodb"), (ses_seen, "ses")):
            assert seen == [f"AWS4-HMAC-SHA256 Credential={key}/{seen[0].split('/')[1]}/eu-west-3/{service}/aws4_request, "
                            "SignedHeaders=host, Signature=none"]
        # And S3's was signed, its upload framed with its checksum, and stored as sent
        assert "Signature=none" not in s3_seen[0] and "Signature=" in s3_seen[0]
        assert s3.get_object(Bucket=stack.names.bucket, Key="registers/test/signed.csv")["Body"].read() == b"a;b\n"


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

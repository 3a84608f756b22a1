"""The stack's resources on moto, as template.yaml declares them: bucket, table, queues, rules, secret, state machine."""

from __future__ import annotations

import json
from secrets import token_urlsafe

from clea_intake import settings
from clea_intake.adapters import clients, secrets
from clea_intake.local.names import FUNCTIONS, QUEUES, StackNames, asl_path


def create_resources(names: StackNames) -> tuple[dict[str, str], dict[str, str]]:
    """Create every resource; returns the queues' URLs and their dead-letter queues' URLs, by queue."""
    queue_urls: dict[str, str] = {}
    dlq_urls: dict[str, str] = {}
    s3 = clients.client("s3")
    s3.create_bucket(Bucket=names.bucket, CreateBucketConfiguration={"LocationConstraint": names.region})
    s3.put_bucket_versioning(Bucket=names.bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_notification_configuration(
        Bucket=names.bucket, NotificationConfiguration={"EventBridgeConfiguration": {}})
    create_cases_table(names.table)
    sqs = clients.client("sqs")
    events = clients.client("events")
    for queue, (_, patterns) in QUEUES.items():
        dlq_url = sqs.create_queue(QueueName=names.dlq(queue))["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        url = sqs.create_queue(QueueName=names.queue(queue), Attributes={
            "VisibilityTimeout": "900",
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "3"})})["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        queue_urls[queue], dlq_urls[queue] = url, dlq_url
        events.put_rule(Name=f"{names.prefix}-{queue}", EventPattern=json.dumps(event_pattern(names.bucket, patterns)))
        events.put_targets(Rule=f"{names.prefix}-{queue}", Targets=[{"Id": queue, "Arn": arn}])
    clients.client("ses").verify_domain_identity(Domain=settings.settings().mail_from.split("@")[1])
    create_key_secret(names.beneficiary_key_parameter)
    secrets.beneficiary_secret()  # read once now, as a Lambda container would at its first case
    role = clients.client("iam").create_role(
        RoleName=f"{names.prefix}-states", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}))
    definition = substitute(asl_path().read_text(encoding="utf-8"),
                            {f"{prefix}FunctionArn": names.function_arn(folder) for folder, prefix in FUNCTIONS.items()})
    clients.client("stepfunctions").create_state_machine(
        name=names.state_machine, roleArn=role["Role"]["Arn"], type="STANDARD",
        definition=definition)
    return queue_urls, dlq_urls


def create_cases_table(name: str) -> None:
    """The cases table of template.yaml: pk/sk, and gsi1 for cases by state."""
    clients.client("dynamodb").create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk", "gsi1pk", "gsi1sk")],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[{
            "IndexName": "gsi1", "Projection": {"ProjectionType": "ALL"},
            "KeySchema": [{"AttributeName": "gsi1pk", "KeyType": "HASH"},
                          {"AttributeName": "gsi1sk", "KeyType": "RANGE"}]}],
    )
    # As template.yaml: TTL on expires_at (moto records it but deletes nothing: local.expiry does).
    clients.client("dynamodb").update_time_to_live(
        TableName=name, TimeToLiveSpecification={"AttributeName": "expires_at", "Enabled": True})


def create_key_secret(name: str) -> None:
    """A stack of its own, a key of its own: as on AWS, the beneficiary keys' secret is a SecureString."""
    clients.client("ssm").put_parameter(Name=name, Type="SecureString", Value=token_urlsafe(48))


def event_pattern(bucket: str, key_patterns: list[str]) -> dict:
    return {"source": ["aws.s3"], "detail-type": ["Object Created"],
            "detail": {"bucket": {"name": [bucket]}, "object": {"key": [{"wildcard": p} for p in key_patterns]}}}


def substitute(definition: str, values: dict[str, str]) -> str:
    """Fill `${Name}` placeholders as CloudFormation's DefinitionSubstitutions does."""
    for name, value in values.items():
        definition = definition.replace("${" + name + "}", value)
    return definition

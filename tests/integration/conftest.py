"""moto fixtures: the single table on DynamoDB as the stack creates it, one mock per test module."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator
from datetime import datetime

import pytest

from clea_intake import clock, runtime, settings
from clea_intake.adapters import clients, secrets
from clea_intake.adapters.repository import Repository
from clea_intake.adapters.table import DynamoTable
from clea_intake.local.stack import create_cases_table, create_key_secret

REGION = "eu-west-3"
ENVIRONMENT = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
               "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION, "POWERTOOLS_METRICS_DISABLED": "true",
               "POWERTOOLS_TRACE_DISABLED": "true"}
_tables = itertools.count(1)


def reset_caches() -> None:
    clients.reset()
    secrets.reset()
    settings.reset()
    runtime.reset()


@contextlib.contextmanager
def stack_resources(names, now: datetime) -> Iterator[None]:
    """moto with the stack's bucket (versioned) and table, its names in the environment and the clock at
    `now`; the caller adds the services its module needs inside. No event is delivered."""
    from moto import mock_aws

    with pytest.MonkeyPatch.context() as patch:
        for key, value in {**ENVIRONMENT, "TABLE_NAME": names.table, "BUCKET_NAME": names.bucket,
                           "STATE_MACHINE_ARN": names.state_machine_arn, "POWERTOOLS_LOG_LEVEL": "ERROR"}.items():
            patch.setenv(key, value)
        with mock_aws():
            reset_caches()
            s3 = clients.client("s3")
            s3.create_bucket(Bucket=names.bucket, CreateBucketConfiguration={"LocationConstraint": names.region})
            s3.put_bucket_versioning(Bucket=names.bucket, VersioningConfiguration={"Status": "Enabled"})
            create_cases_table(names.table)
            create_key_secret(secrets.DEFAULT_PARAMETER)
            clock.set_now(now)
            try:
                yield
            finally:
                clock.set_now(None)
        reset_caches()


@pytest.fixture(scope="module")
def moto_dynamodb() -> Iterator[None]:
    """moto for the whole module: starting a mock and loading boto3 models per test would cost a second each."""
    from moto import mock_aws

    with pytest.MonkeyPatch.context() as patch:
        for key, value in ENVIRONMENT.items():
            patch.setenv(key, value)
        for key in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
            patch.delenv(key, raising=False)
        with mock_aws():
            clients.reset()
            secrets.reset()
            create_key_secret(secrets.DEFAULT_PARAMETER)
            yield
        clients.reset()
        secrets.reset()


@pytest.fixture
def dynamo_repo(moto_dynamodb: None) -> Repository:
    """A Repository over DynamoTable on a fresh, empty moto table."""
    name = f"clea-intake-cases-{next(_tables)}"
    create_cases_table(name)
    return Repository(DynamoTable(name))

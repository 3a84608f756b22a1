"""Promise: a DynamoDB transaction cancelled for a conflict or throttling is retried, never lost, never doubled."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from clea_intake.adapters.table import ConditionFailed, DynamoTable, Write
from clea_intake.domain.errors import WriteConflict
from clea_intake.services.retry import on_stale_case


def _stubbed_table() -> tuple[DynamoTable, Stubber]:
    resource = boto3.resource("dynamodb", region_name="eu-west-3", aws_access_key_id="x",
                              aws_secret_access_key="x").Table("clea-cases")
    return DynamoTable("clea-cases", table=resource), Stubber(resource.meta.client)


def _cancel(stub: Stubber, *codes: str) -> None:
    stub.add_client_error("transact_write_items", service_error_code="TransactionCanceledException",
                          service_message="Transaction cancelled",
                          response_meta={}, modeled_fields={"CancellationReasons": [{"Code": c} for c in codes]})


WRITES = [Write({"pk": "CASE#A", "sk": "CASE", "version": 2}, ("version", 1)),
          Write({"pk": "CASE#A", "sk": "EVENT#1"}, "absent")]


@pytest.mark.parametrize("code", ["TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"])
def test_transaction_cancelled_for_conflict_or_throttling_is_a_write_conflict(code):
    # Given DynamoDB cancelling a transaction because another one held an item (or throttling)
    table, stub = _stubbed_table()
    _cancel(stub, "None", code)
    # When the transaction is written
    with stub, pytest.raises(WriteConflict):
        table.transact(WRITES)
    # Then it is the domain's retryable error, not a plain ClientError


def test_transaction_cancelled_for_a_condition_is_still_a_condition_failure():
    # Given a cancellation whose reason is a failed condition on the second write
    table, stub = _stubbed_table()
    _cancel(stub, "None", "ConditionalCheckFailed")
    # Then the failed write is named as before
    with stub, pytest.raises(ConditionFailed) as failed:
        table.transact(WRITES)
    assert failed.value.index == 1


def test_transaction_conflict_is_retried_until_the_write_goes_through_once():
    # Given a read-decide-write whose first two transactions are cancelled for a conflict
    table, stub = _stubbed_table()
    _cancel(stub, "TransactionConflict", "None")
    _cancel(stub, "None", "TransactionConflict")
    stub.add_response("transact_write_items", {})
    attempts = []

    @on_stale_case(attempts=4)
    def save() -> str:
        attempts.append(1)
        table.transact(WRITES)
        return "saved"

    # When it runs
    with stub:
        outcome = save()
        stub.assert_no_pending_responses()
    # Then it ran three times and wrote once
    assert outcome == "saved" and len(attempts) == 3


def test_transaction_conflict_that_never_clears_is_raised_after_the_bound():
    table, stub = _stubbed_table()
    for _ in range(3):
        _cancel(stub, "TransactionConflict")

    @on_stale_case(attempts=3)
    def save() -> None:
        table.transact(WRITES)

    with stub, pytest.raises(WriteConflict):
        save()

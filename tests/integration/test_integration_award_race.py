"""One aid per beneficiary, year, certification and evaluation, even when ten awards race on DynamoDB."""

from __future__ import annotations

import threading
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from clea_intake.adapters.repository import Repository
from clea_intake.adapters.table import DynamoTable
from clea_intake.domain.lifecycle import State
from clea_intake.runtime import aws_ports
from clea_intake.services import cases
from clea_intake.services.flow import Ask, advance
from clea_intake.settings import Settings

AWARD_AT = datetime(2026, 3, 25, 9, 0, tzinfo=ZoneInfo("Europe/Paris"))


@pytest.fixture
def isolated_moto(monkeypatch: pytest.MonkeyPatch) -> None:
    """Give moto the isolation DynamoDB guarantees: one request at a time.

    moto applies a transaction by copying whole tables and restoring the copy when a condition
    fails, with no lock: two threads lose each other's writes ("dictionary changed size during
    iteration", awarded cases found COMPLETE again). DynamoDB serialises transactions on the
    items they touch, so serialising moto's requests tests our code, not moto's.
    """
    from moto.dynamodb.responses import DynamoHandler

    lock = threading.RLock()
    original = DynamoHandler.call_action

    def call_action(self):
        with lock:
            return original(self)

    monkeypatch.setattr(DynamoHandler, "call_action", call_action)


def test_award_ten_concurrent_cases_of_one_beneficiary_gives_one_award_nine_duplicate_refusals(
        dynamo_repo, new_case, isolated_moto):
    # Given ten complete, eligible cases of the same person, year, certification and evaluation
    ids = [f"NA-CLEA-2026-{n:06d}" for n in range(501, 511)]
    for case_id in ids:
        case = new_case(case_id, state="COMPLETE")
        case.awarded_eur = Decimal("450.00")
        assert dynamo_repo.create_case(case)
    # When ten threads award them at the same moment, each with a table gateway of its own, as each Lambda
    # container has (boto3's resources are not thread-safe: a shared one's condition builder mixes up two
    # threads' expressions), the resources built here, one at a time
    import boto3

    name = dynamo_repo.table.table_name
    settings = Settings(table_name="unused", bucket_name="unused")
    ports = aws_ports(dynamo_repo, settings)
    own = {case_id: aws_ports(Repository(DynamoTable(name, table=boto3.resource("dynamodb").Table(name))), settings)
           for case_id in ids}
    start = threading.Barrier(len(ids))
    outcomes: dict[str, str] = {}
    errors: list[BaseException] = []

    def run(case_id: str) -> None:
        start.wait()
        try:
            outcomes[case_id] = advance(own[case_id], case_id, AWARD_AT, asked=Ask.AWARD)
        except BaseException as exc:  # noqa: BLE001 - reported below with its case
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(case_id,)) for case_id in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # Then exactly one is AWARDED and nine are REFUSED for duplicate aid, as the table says too
    assert errors == []
    assert sorted(outcomes.values()) == ["AWARDED"] + ["REFUSED"] * 9
    stored = [dynamo_repo.get_case(case_id) for case_id in ids]
    awarded = [c for c in stored if c.state == State.AWARDED]
    refused = [c for c in stored if c.state == State.REFUSED]
    assert len(awarded) == 1 and len(refused) == 9
    assert all(c.reasons == ["DUPLICATE_AID"] and c.awarded_eur is None for c in refused)
    assert dynamo_repo.award_holder(cases.guard_key(ports, awarded[0].application)) == awarded[0].case_id
    # and each case's timeline holds exactly its one decision
    for case in stored:
        assert [e.to_state for e in dynamo_repo.timeline(case.case_id) if e.kind == "transition"] == [case.state]

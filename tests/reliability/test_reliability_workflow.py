"""Promise: a repeated Step Functions start or task-token success changes nothing (one execution, one
transition), whatever Step Functions answers to the repetition."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from botocore.stub import Stubber

from clea_intake.adapters import clients, workflow
from clea_intake.domain.lifecycle import State
from clea_intake.services.flow import advance
from tests.conftest import PieceBuilder, make_case
from tests.unit.services.fakes import fake_ports
from tests.unit.services.test_services_flow import given_pieces

ARN = "arn:aws:states:eu-west-3:123456789012:stateMachine:clea-intake-application"
ON_TIME = datetime(2026, 3, 5, 9, 0, tzinfo=ZoneInfo("Europe/Paris"))


@pytest.fixture
def stepfunctions(monkeypatch: pytest.MonkeyPatch) -> Iterator[Stubber]:
    for name, value in {"AWS_DEFAULT_REGION": "eu-west-3", "AWS_ACCESS_KEY_ID": "x",
                        "AWS_SECRET_ACCESS_KEY": "x"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    clients.reset()
    with Stubber(clients.client("stepfunctions")) as stub:
        yield stub
        stub.assert_no_pending_responses()
    clients.reset()


def test_duplicate_start_execution_is_already_started_not_an_error(stepfunctions: Stubber):
    # Given a first start of the case's execution, and Step Functions refusing the second (same name)
    stepfunctions.add_response("start_execution", {"executionArn": f"{ARN}:NA-CLEA-2026-000123",
                                                   "startDate": ON_TIME})
    stepfunctions.add_client_error("start_execution", service_error_code="ExecutionAlreadyExists")
    # When the form's event is delivered twice
    first = workflow.start_case(ARN, "NA-CLEA-2026-000123")
    second = workflow.start_case(ARN, "NA-CLEA-2026-000123")
    # Then the first started it and the second is told it already runs: no error, no second execution
    assert (first, second) == (True, False)


@pytest.mark.parametrize("answer", ["InvalidToken", "TaskTimedOut", "TaskDoesNotExist"])
def test_duplicate_task_token_success_is_a_no_op(stepfunctions: Stubber, answer: str):
    # Given a waiting step already resumed once, and Step Functions refusing its token the second time
    stepfunctions.add_response("send_task_success", {})
    stepfunctions.add_client_error("send_task_success", service_error_code=answer)
    # When the outcome is sent twice
    sent = [workflow.resume("NA-CLEA-2026-000123", "tok", {"outcome": "COMPLETE"}) for _ in range(2)]
    # Then the second says the token was already used, and raises nothing
    assert sent == [True, False]


def test_repeated_completion_of_a_case_records_one_transition():
    # Given a case whose pieces are all valid, its execution waiting at the completeness step
    ports = fake_ports()
    case = make_case(state="RECEIVED")
    case.tokens["completeness"] = "tok-completeness"
    assert ports.repository.create_case(case)
    given_pieces(ports, case, PieceBuilder().complete_set())
    # When two deliveries (or a redelivery after a crash) advance it
    outcomes = [advance(ports, case.case_id, ON_TIME) for _ in range(2)]
    # Then it completed once: one transition in its timeline, whatever the number of resumptions sent
    assert outcomes == ["COMPLETE", "COMPLETE"]
    transitions = [e for e in ports.repository.timeline(case.case_id) if e.kind == "transition"]
    assert [(e.from_state, e.to_state) for e in transitions] == [(State.RECEIVED, State.COMPLETE)]

"""Step Functions: start one execution per case, resume or fail a waiting step by its task token."""

from __future__ import annotations

import json
from collections.abc import Callable

from botocore.exceptions import ClientError

from clea_intake.adapters.clients import client

# The local stack listens to resumptions to know when an execution is busy again.
resume_listeners: list[Callable[[str], None]] = []


def start_case(state_machine_arn: str, case_id: str) -> bool:
    """Start the case's execution (named by the case id); False if it was already started."""
    try:
        client("stepfunctions").start_execution(
            stateMachineArn=state_machine_arn, name=case_id, input=json.dumps({"case_id": case_id}))
        return True
    except ClientError as exc:
        if exc.response["Error"]["Code"] in ("ExecutionAlreadyExists",):
            return False
        raise


def resume(case_id: str, token: str, output: dict) -> bool:
    """Send the waiting step its outcome; False if the token is no longer valid (already resumed)."""
    for listener in resume_listeners:
        listener(case_id)
    try:
        client("stepfunctions").send_task_success(taskToken=token, output=json.dumps(output))
        return True
    except ClientError as exc:
        if exc.response["Error"]["Code"] in ("TaskTimedOut", "InvalidToken", "TaskDoesNotExist"):
            return False
        raise


class StepFunctionsWorkflow:
    """The workflow port on AWS Step Functions: the functions above, looked up at each call."""

    def start_case(self, state_machine_arn: str, case_id: str) -> bool:
        return start_case(state_machine_arn, case_id)

    def resume(self, case_id: str, token: str, output: dict) -> bool:
        return resume(case_id, token, output)

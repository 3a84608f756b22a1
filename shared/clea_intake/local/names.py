"""Names shared by the template, the local stack and the ops commands: functions, queues, the table."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import clea_intake

# Function folder -> CloudFormation logical id prefix. The ASL names each task `${<Prefix>FunctionArn}`.
FUNCTIONS: dict[str, str] = {
    "intake_application": "IntakeApplication",
    "classify_document": "ClassifyDocument",
    "ingest_email": "IngestEmail",
    "acknowledge_case": "AcknowledgeCase",
    "await_step": "AwaitStep",
    "decide_eligibility": "DecideEligibility",
    "award_case": "AwardCase",
    "send_decision": "SendDecision",
    "order_payment": "OrderPayment",
    "sweep_deadlines": "SweepDeadlines",
    "import_register": "ImportRegister",
    "console_api": "ConsoleApi",
}
# Queue -> the function that consumes it, and the keys routed to it (EventBridge wildcard patterns).
QUEUES: dict[str, tuple[str, list[str]]] = {
    "intake": ("intake_application", ["applications/*/application.json"]),
    "documents": ("classify_document", ["applications/*/documents/*", "claims/*"]),
    "inbound": ("ingest_email", ["inbound/*"]),
    "registers": ("import_register", ["registers/*"]),
}


def repo_root() -> Path:
    """The checkout that holds functions/ and infra/ (the package lives in <root>/shared/clea_intake)."""
    return Path(clea_intake.__file__).resolve().parents[2]


def asl_path() -> Path:
    return repo_root() / "infra" / "statemachine" / "application.asl.json"


@dataclass(frozen=True)
class StackNames:
    """Resource names of one stack; the ops commands read them from the environment or use these."""

    prefix: str = "clea-intake"
    region: str = "eu-west-3"
    account: str = "123456789012"

    @property
    def bucket(self) -> str:
        return os.environ.get("BUCKET_NAME", f"{self.prefix}-documents")

    @property
    def table(self) -> str:
        return os.environ.get("TABLE_NAME", f"{self.prefix}-cases")

    @property
    def beneficiary_key_parameter(self) -> str:
        return os.environ.get("BENEFICIARY_KEY_PARAMETER", f"/{self.prefix}/beneficiary-key")

    @property
    def state_machine(self) -> str:
        return f"{self.prefix}-application"

    @property
    def state_machine_arn(self) -> str:
        return os.environ.get(
            "STATE_MACHINE_ARN", f"arn:aws:states:{self.region}:{self.account}:stateMachine:{self.state_machine}")

    def queue(self, name: str) -> str:
        return f"{self.prefix}-{name}"

    def dlq(self, name: str) -> str:
        return f"{self.prefix}-{name}-dlq"

    def function_arn(self, folder: str) -> str:
        return f"arn:aws:lambda:{self.region}:{self.account}:function:{self.prefix}-{folder.replace('_', '-')}"

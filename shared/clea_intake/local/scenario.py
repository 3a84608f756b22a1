"""Replay a dated scenario (DESIGN §6) on a fresh local stack and report each case's outcome."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from clea_intake.adapters.repository import dynamo_repository
from clea_intake.local.outcome import case_outcome
from clea_intake.local.stack import LocalStack


class ScenarioError(ValueError):
    """The scenario file cannot be replayed as written; the message names the step and the problem."""


Action = Literal["upload", "submit", "email", "tick", "confirm_payment", "withdraw", "request_document", "evaluator"]
ACTIONS: tuple[Action, ...] = ("upload", "submit", "email", "tick", "confirm_payment", "withdraw", "request_document",
                               "evaluator")


class Step(BaseModel):
    model_config = ConfigDict(extra="forbid")

    at: datetime
    case_id: str | None = None
    upload: str | None = None
    submit: str | None = None
    email: str | None = None
    tick: bool | None = None
    confirm_payment: bool | None = None
    withdraw: bool | None = None
    request_document: str | None = None
    evaluator: str | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _one_action(self) -> Step:
        if self.at.tzinfo is None:
            raise ValueError("'at' needs a time zone offset, e.g. 2026-03-02T10:00:00+01:00")
        actions = [a for a in ACTIONS if getattr(self, a) not in (None, False)]
        if len(actions) != 1:
            raise ValueError(f"a step does exactly one thing, found {actions or 'none'}")
        return self

    @property
    def action(self) -> Action:
        for name in ACTIONS:
            if getattr(self, name) not in (None, False):
                return name
        raise AssertionError("validated above")


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid")

    steps: list[Step]


def load(path: Path) -> tuple[Scenario, list[str]]:
    """The scenario and the case ids of its submitted forms, in submission order."""
    try:
        scenario = Scenario.model_validate_json(path.read_bytes())
    except (OSError, ValidationError) as exc:
        raise ScenarioError(f"{path}: {exc}") from exc
    submitted: list[str] = []
    for index, step in enumerate(scenario.steps):
        if step.submit:
            try:
                case_id = step.case_id or json.loads((path.parent / step.submit).read_bytes())["case_id"]
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise ScenarioError(f"step {index}: cannot read case_id from {step.submit}: {exc}") from exc
            if case_id not in submitted:
                submitted.append(case_id)
    return scenario, submitted


def run(path: Path, *, stack: LocalStack | None = None) -> list[dict[str, Any]]:
    scenario, submitted = load(path)
    base = path.parent
    own_stack = stack is None
    stack = stack or LocalStack()
    if own_stack:
        stack.start()
    try:
        for index, step in enumerate(scenario.steps):
            _play(stack, base, index, step, submitted)
        repo = dynamo_repository(stack.names.table)
        return [case_outcome(repo, case_id) for case_id in submitted]
    finally:
        if own_stack:
            stack.stop()


def _case_for(index: int, step: Step, submitted: list[str]) -> str:
    if step.case_id:
        return step.case_id
    if len(submitted) == 1:
        return submitted[0]
    raise ScenarioError(f"step {index}: several applications are submitted, the step needs its own case_id")


def _play(stack: LocalStack, base: Path, index: int, step: Step, submitted: list[str]) -> None:
    from clea_intake.runtime import aws_ports
    from clea_intake.services import cases, payments
    from clea_intake.services.evaluators import InvalidSupplierFile

    stack.set_time(step.at)
    action = step.action
    try:
        if action == "upload":
            stack.upload_document(_case_for(index, step, submitted), Path(step.upload).name,
                                  (base / step.upload).read_bytes())
        elif action == "submit":
            body = (base / step.submit).read_bytes()
            stack.put(f"applications/{step.case_id or json.loads(body)['case_id']}/application.json", body,
                      content_type="application/json")
        elif action == "email":
            stack.deliver_email((base / step.email).read_bytes())
        elif action == "tick":
            stack.tick(step.at)
        elif action == "confirm_payment":
            stack.settle()
            payments.export_and_confirm(aws_ports(stack.repo(), stack.cfg()), step.at, actor="finance")
        elif action == "withdraw":
            cases.withdraw(aws_ports(stack.repo(), stack.cfg()), _case_for(index, step, submitted), step.at,
                           actor="ops:scenario", note=step.note)
        elif action == "request_document":
            cases.request_document(aws_ports(stack.repo(), stack.cfg()), _case_for(index, step, submitted), step.at,
                                   actor="ops:scenario", document=step.request_document)
        elif action == "evaluator":
            # The Région's supplier record: its IBAN counts as confirmed, its addresses as registered.
            stack.record_suppliers((base / step.evaluator).read_bytes(), actor="ops:scenario")
    except InvalidSupplierFile as exc:
        raise ScenarioError(f"step {index} (evaluator): {exc}") from exc
    except OSError as exc:
        raise ScenarioError(f"step {index} ({action}): {exc}") from exc
    stack.settle()

"""The case aggregate: one application's state, the facts decided so far, and its audit trail."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from clea_intake.domain.application import Application
from clea_intake.domain.lifecycle import State, check_transition


class TimelineEvent(BaseModel):
    """One line of the audit trail: who or what, when, from which state to which, why."""

    model_config = ConfigDict(frozen=True)

    at: datetime
    actor: str                      # "system:<function>", "ops:<user>", "applicant", "evaluator"
    kind: str                       # transition, document, review, email, note, request, claim, payment
    from_state: State | None = None
    to_state: State | None = None
    reason: str | None = None       # codes, comma-separated
    message: str | None = None      # French, for people
    detail: dict[str, Any] = Field(default_factory=dict)


class Case(BaseModel):
    """A case, read from the repository at a version; methods change it and record what happened."""

    model_config = ConfigDict(validate_assignment=True)

    case_id: str
    application: Application
    state: State = State.RECEIVED
    version: int = 0
    received_at: datetime
    updated_at: datetime
    completed_at: datetime | None = None
    decided_at: datetime | None = None
    reasons: list[str] = Field(default_factory=list)
    rule_results: list[dict[str, Any]] = Field(default_factory=list)
    missing: list[dict[str, Any]] = Field(default_factory=list)
    policy_version: str | None = None
    beneficiary_key: str
    awarded_eur: Decimal | None = None
    paid_eur: Decimal | None = None
    claim_problems: list[dict[str, Any]] = Field(default_factory=list)
    tokens: dict[str, str] = Field(default_factory=dict)     # waiting step -> Step Functions task token
    approved_iban: str | None = None                          # a changed IBAN a person checked and approved
    last_incomplete_notice_at: datetime | None = None
    deadline_at: datetime | None = None                       # when the sweeper acts on the waiting case
    new_events: list[TimelineEvent] = Field(default_factory=list, exclude=True)

    def record(self, event: TimelineEvent) -> None:
        self.new_events.append(event)

    def transition(self, target: State, *, at: datetime, actor: str, reason: str | None = None,
                   message: str | None = None, **detail: Any) -> None:
        """Move to `target` if the lifecycle table allows it, and record the change."""
        check_transition(self.state, target)
        self.record(TimelineEvent(at=at, actor=actor, kind="transition", from_state=self.state,
                                  to_state=target, reason=reason, message=message, detail=detail))
        self.state = target
        self.updated_at = at

    def note(self, kind: str, *, at: datetime, actor: str, message: str | None = None,
             reason: str | None = None, **detail: Any) -> None:
        self.record(TimelineEvent(at=at, actor=actor, kind=kind, reason=reason, message=message, detail=detail))
        self.updated_at = at

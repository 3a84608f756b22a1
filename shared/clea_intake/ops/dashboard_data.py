"""What the ops dashboard shows (DashboardData) and how it is computed from plain case summaries."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime, tzinfo
from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeFloat,
    NonNegativeInt,
    field_validator,
    model_validator,
)

from clea_intake.domain.findings import DocType
from clea_intake.domain.lifecycle import State
from clea_intake.domain.reasons import Reason
from clea_intake.domain.records import CaseSummary
from clea_intake.domain.registers import RegisterAge

FunnelStage = Literal["received", "complete", "awarded", "claimed", "paid"]
FUNNEL_STAGES: tuple[FunnelStage, ...] = ("received", "complete", "awarded", "claimed", "paid")

# A claim was received in these states (CLOSED_UNPAID: the claim showed 0 hours).
_CLAIMED_STATES = frozenset({State.CLAIM_INCOMPLETE, State.PAYMENT_ORDERED, State.PAID, State.CLOSED_UNPAID})
# The award was made in these states, whatever happened next.
_AWARDED_STATES = _CLAIMED_STATES | {State.AWARDED, State.LAPSED}
_MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
DEFAULT_TIMEZONE = "Europe/Paris"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FunnelStep(_Model):
    """How many cases reached a stage (each stage counts the cases that went at least that far)."""

    stage: FunnelStage
    count: NonNegativeInt


class MonthAmounts(_Model):
    """Euros awarded (by decision month) and paid (by payment month) in one calendar month."""

    month: str = Field(pattern=_MONTH_PATTERN)
    awarded_eur: Decimal = Field(default=Decimal(0), ge=0)
    paid_eur: Decimal = Field(default=Decimal(0), ge=0)


class CaseRow(_Model):
    """One line of the latest-cases table: identifiers and state only."""

    case_id: str = Field(min_length=1, max_length=64)
    state: State
    updated_at: AwareDatetime


class DashboardData(_Model):
    """Everything the ops dashboard shows; every count is present, at zero when nothing happened."""

    generated_at: AwareDatetime
    season: str = Field(min_length=1, max_length=120)
    timezone: str = DEFAULT_TIMEZONE
    counts_by_state: dict[State, NonNegativeInt] = Field(default_factory=dict)
    funnel: list[FunnelStep] = Field(default_factory=list)
    refusals_by_reason: dict[Reason, NonNegativeInt] = Field(default_factory=dict)
    amounts_by_month: list[MonthAmounts] = Field(default_factory=list)
    decision_days: list[NonNegativeFloat] = Field(default_factory=list)
    documents_by_type: dict[DocType, NonNegativeInt] = Field(default_factory=dict)
    open_review_items: NonNegativeInt = 0
    latest_cases: list[CaseRow] = Field(default_factory=list)
    # The public registers' copies the evaluator checks read, and how old each is against the policy.
    registers: list[RegisterAge] = Field(default_factory=list)

    @property
    def stale_registers(self) -> list[RegisterAge]:
        return [r for r in self.registers if r.stale]

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        ZoneInfo(value)
        return value

    @field_validator("counts_by_state")
    @classmethod
    def _every_state(cls, value: dict[State, int]) -> dict[State, int]:
        return {state: value.get(state, 0) for state in State}

    @field_validator("refusals_by_reason")
    @classmethod
    def _every_reason(cls, value: dict[Reason, int]) -> dict[Reason, int]:
        return {reason: value.get(reason, 0) for reason in Reason}

    @field_validator("documents_by_type")
    @classmethod
    def _every_doc_type(cls, value: dict[DocType, int]) -> dict[DocType, int]:
        return {doc_type: value.get(doc_type, 0) for doc_type in DocType}

    @field_validator("funnel")
    @classmethod
    def _every_stage(cls, value: list[FunnelStep]) -> list[FunnelStep]:
        counts = {step.stage: step.count for step in value}
        if len(counts) != len(value):
            raise ValueError("a funnel stage appears twice")
        return [FunnelStep(stage=stage, count=counts.get(stage, 0)) for stage in FUNNEL_STAGES]

    @field_validator("amounts_by_month")
    @classmethod
    def _months_in_order(cls, value: list[MonthAmounts]) -> list[MonthAmounts]:
        months = [row.month for row in value]
        if len(set(months)) != len(months):
            raise ValueError("a month appears twice")
        return sorted(value, key=lambda row: row.month)

    @model_validator(mode="after")
    def _funnel_starts_with_every_case(self) -> DashboardData:
        # The funnel's first stage and the state counts describe the same cases; when both are given
        # and disagree, one of the queries that produced them is wrong.
        received = self.funnel[0].count
        total = self.total_cases
        if received and total and received != total:
            raise ValueError(f"funnel starts at {received} cases but the states count {total}")
        return self

    @property
    def total_cases(self) -> int:
        return sum(self.counts_by_state.values())

    @property
    def awarded_total_eur(self) -> Decimal:
        return sum((row.awarded_eur for row in self.amounts_by_month), Decimal(0))

    @property
    def paid_total_eur(self) -> Decimal:
        return sum((row.paid_eur for row in self.amounts_by_month), Decimal(0))

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def build_dashboard_data(
    cases: Iterable[CaseSummary],
    *,
    season: str,
    generated_at: datetime,
    document_counts: Mapping[DocType | str, int] | None = None,
    open_review_items: int = 0,
    registers: Iterable[RegisterAge] = (),
    latest_limit: int = 15,
    timezone: str = DEFAULT_TIMEZONE,
) -> DashboardData:
    """Compute the dashboard from case summaries; document counts and the review count come from elsewhere.

    `timezone` (the policy's) decides the calendar month an amount falls in and how dates are shown.
    """
    zone = ZoneInfo(timezone)
    cases = list(cases)
    reached = Counter(_stage_reached(case) for case in cases)
    funnel = [
        FunnelStep(stage=stage, count=sum(n for rank, n in reached.items() if rank >= index))
        for index, stage in enumerate(FUNNEL_STAGES)
    ]
    refusals = Counter(reason for case in cases for reason in set(case.reasons))
    latest = sorted(cases, key=lambda case: (case.last_change, case.case_id), reverse=True)[:latest_limit]
    return DashboardData(
        generated_at=generated_at,
        season=season,
        timezone=timezone,
        counts_by_state=Counter(case.state for case in cases),
        funnel=funnel,
        refusals_by_reason=refusals,
        amounts_by_month=_amounts_by_month(cases, zone),
        decision_days=[
            _days_between(case.received_at, case.decided_at) for case in cases if case.decided_at is not None
        ],
        # Validated (and refused when unknown) by DashboardData, like every other input.
        documents_by_type=dict(document_counts or {}),
        open_review_items=open_review_items,
        latest_cases=[
            CaseRow(case_id=case.case_id, state=case.state, updated_at=case.last_change) for case in latest
        ],
        registers=list(registers),
    )


def _stage_reached(case: CaseSummary) -> int:
    """Index in FUNNEL_STAGES of the furthest stage the case reached.

    Each later stage implies the earlier ones, so the funnel never widens even when a summary
    lacks a date (an AWARDED case without `completed_at` still counts as complete).
    """
    if case.state is State.PAID or case.paid_at is not None or case.paid_eur > 0:
        return 4
    if case.state in _CLAIMED_STATES:
        return 3
    if case.state in _AWARDED_STATES or case.awarded_eur > 0:
        return 2
    if case.state is State.COMPLETE or case.completed_at is not None:
        return 1
    return 0


def _days_between(received_at: datetime, decided_at: datetime) -> float:
    seconds = (decided_at - received_at).total_seconds()
    # A decision dated before receipt is a clock or data error; show it as same-day, not negative.
    return round(max(seconds, 0.0) / 86400, 2)


def _month(moment: datetime, zone: tzinfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m")


def _amounts_by_month(cases: list[CaseSummary], zone: tzinfo) -> list[MonthAmounts]:
    awarded: dict[str, Decimal] = defaultdict(Decimal)
    paid: dict[str, Decimal] = defaultdict(Decimal)
    for case in cases:
        if case.awarded_eur > 0:
            awarded[_month(case.decided_at or case.last_change, zone)] += case.awarded_eur
        if case.paid_eur > 0:
            paid[_month(case.paid_at or case.last_change, zone)] += case.paid_eur
    months = sorted(set(awarded) | set(paid))
    if not months:
        return []
    # Every month between the first and the last, so that a quiet month shows as a zero, not a gap.
    return [
        MonthAmounts(
            month=month, awarded_eur=awarded.get(month, Decimal(0)), paid_eur=paid.get(month, Decimal(0))
        )
        for month in _month_range(months[0], months[-1])
    ]


def _month_range(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:])
    months: list[str] = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months

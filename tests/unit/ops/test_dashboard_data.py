"""Unit tests for DashboardData and build_dashboard_data: funnel, months, delays, latest cases, validation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from clea_intake.domain.findings import DocType
from clea_intake.domain.lifecycle import State
from clea_intake.domain.reasons import Reason
from clea_intake.ops.dashboard_data import (
    CaseSummary,
    DashboardData,
    FunnelStep,
    MonthAmounts,
    build_dashboard_data,
)

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 27, 17, 0, tzinfo=PARIS)
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=PARIS)


def case(number: int, state: str, **fields: object) -> CaseSummary:
    values: dict[str, object] = {
        "case_id": f"NA-CLEA-2026-{number:06d}",
        "state": state,
        "received_at": T0,
        "certification": "clea_socle",
        "evaluation": "initial",
    }
    values.update(fields)
    return CaseSummary.model_validate(values)


def build(cases: list[CaseSummary], **kwargs: object) -> DashboardData:
    return build_dashboard_data(cases, season="Campagne 2026", generated_at=NOW, **kwargs)


def funnel_of(data: DashboardData) -> dict[str, int]:
    return {step.stage: step.count for step in data.funnel}


def test_build_dashboard_data_no_cases_gives_zeros_everywhere() -> None:
    # Given an empty season  When the dashboard is computed
    data = build([])
    # Then every state, reason and document type is present at zero and nothing else is invented
    assert data.counts_by_state == dict.fromkeys(State, 0)
    assert data.refusals_by_reason == dict.fromkeys(Reason, 0)
    assert data.documents_by_type == dict.fromkeys(DocType, 0)
    assert funnel_of(data) == {"received": 0, "complete": 0, "awarded": 0, "claimed": 0, "paid": 0}
    assert (data.amounts_by_month, data.decision_days, data.latest_cases) == ([], [], [])
    assert (data.awarded_total_eur, data.paid_total_eur, data.total_cases) == (0, 0, 0)


def test_build_dashboard_data_each_state_counts_in_the_right_funnel_stages() -> None:
    # Given one case in each situation a season produces
    done = T0 + timedelta(days=5)
    cases = [
        case(1, "RECEIVED"),
        case(2, "INCOMPLETE"),
        case(3, "COMPLETE", completed_at=done),
        case(4, "REFUSED", completed_at=done, decided_at=done, reasons=["NOT_RESIDENT"]),
        case(5, "REFUSED", decided_at=done, reasons=["LATE_COMPLETION"]),  # never complete
        case(6, "AWARDED", completed_at=done, decided_at=done, awarded_eur=450),
        case(7, "LAPSED", completed_at=done, decided_at=done, awarded_eur=450),
        case(8, "CLAIM_INCOMPLETE", completed_at=done, decided_at=done, awarded_eur=450),
        case(9, "CLOSED_UNPAID", completed_at=done, decided_at=done, awarded_eur=450),
        case(10, "PAYMENT_ORDERED", completed_at=done, decided_at=done, awarded_eur=450),
        case(11, "PAID", completed_at=done, decided_at=done, awarded_eur=450, paid_eur=450, paid_at=done),
        case(12, "WITHDRAWN"),
    ]
    # When the dashboard is computed
    data = build(cases)
    # Then each stage counts the cases that went at least that far
    assert funnel_of(data) == {"received": 12, "complete": 8, "awarded": 6, "claimed": 4, "paid": 1}
    assert data.counts_by_state[State.REFUSED] == 2
    assert data.total_cases == 12


def test_build_dashboard_data_awarded_case_without_completed_at_still_counts_as_complete() -> None:
    # Given an awarded case whose summary lacks the completion date
    cases = [case(1, "AWARDED", decided_at=T0 + timedelta(days=3), awarded_eur=300)]
    # When the dashboard is computed
    data = build(cases)
    # Then the funnel does not widen after "complete"
    assert funnel_of(data) == {"received": 1, "complete": 1, "awarded": 1, "claimed": 0, "paid": 0}


def test_build_dashboard_data_amounts_fall_in_paris_months_with_gaps_filled() -> None:
    # Given an award decided at 23:30 UTC on 28 February (already 1 March in Paris) and a payment in May
    decided = datetime(2026, 2, 28, 23, 30, tzinfo=UTC)
    paid = datetime(2026, 5, 10, 9, 0, tzinfo=PARIS)
    cases = [
        case(
            1,
            "PAID",
            decided_at=decided,
            awarded_eur=Decimal("420.50"),
            paid_eur=Decimal("420.50"),
            paid_at=paid,
        ),
        case(2, "AWARDED", decided_at=decided + timedelta(days=1), awarded_eur=250),
    ]
    # When the dashboard is computed
    data = build(cases)
    # Then the award is in March, the payment in May, and April shows as an empty month
    assert data.amounts_by_month == [
        MonthAmounts(month="2026-03", awarded_eur=Decimal("670.50"), paid_eur=Decimal(0)),
        MonthAmounts(month="2026-04", awarded_eur=Decimal(0), paid_eur=Decimal(0)),
        MonthAmounts(month="2026-05", awarded_eur=Decimal(0), paid_eur=Decimal("420.50")),
    ]
    assert (data.awarded_total_eur, data.paid_total_eur) == (Decimal("670.50"), Decimal("420.50"))


def test_build_dashboard_data_months_cross_the_year_end() -> None:
    # Given awards in December and February  When the dashboard is computed
    cases = [
        case(1, "AWARDED", decided_at=datetime(2025, 12, 15, tzinfo=PARIS), awarded_eur=150),
        case(2, "AWARDED", decided_at=datetime(2026, 2, 15, tzinfo=PARIS), awarded_eur=150),
    ]
    months = [row.month for row in build(cases).amounts_by_month]
    # Then January is there between them
    assert months == ["2025-12", "2026-01", "2026-02"]


def test_build_dashboard_data_refusals_count_each_reason_once_per_case() -> None:
    # Given a case refused for two reasons, one listed twice, and another for one of them
    decided = T0 + timedelta(days=2)
    cases = [
        case(1, "REFUSED", decided_at=decided, reasons=["NOT_RESIDENT", "FUNDED_ELSEWHERE", "NOT_RESIDENT"]),
        case(2, "REFUSED", decided_at=decided, reasons=["NOT_RESIDENT"]),
    ]
    # When the dashboard is computed
    refusals = build(cases).refusals_by_reason
    # Then each reason counts the cases it refused
    assert refusals[Reason.NOT_RESIDENT] == 2
    assert refusals[Reason.FUNDED_ELSEWHERE] == 1
    assert refusals[Reason.DUPLICATE_AID] == 0


def test_build_dashboard_data_decision_days_measure_receipt_to_decision() -> None:
    # Given a decision 36 hours after receipt, one dated before receipt, and an undecided case
    cases = [
        case(1, "REFUSED", decided_at=T0 + timedelta(hours=36), reasons=["DUPLICATE_AID"]),
        case(2, "REFUSED", decided_at=T0 - timedelta(hours=1), reasons=["DUPLICATE_AID"]),
        case(3, "INCOMPLETE"),
    ]
    # When the dashboard is computed
    days = build(cases).decision_days
    # Then 1.5 days, and the impossible one shows as same day rather than negative
    assert days == [1.5, 0.0]


def test_build_dashboard_data_latest_cases_newest_first_and_limited() -> None:
    # Given three cases changed at different times, one known only by its payment date
    cases = [
        case(1, "RECEIVED", received_at=T0),
        case(2, "PAID", decided_at=T0, paid_at=T0 + timedelta(days=40), awarded_eur=450, paid_eur=450),
        case(3, "INCOMPLETE", updated_at=T0 + timedelta(days=3)),
    ]
    # When the two latest are asked for
    latest = build(cases, latest_limit=2).latest_cases
    # Then they come newest first, dated by their last change
    assert [(row.case_id[-1], row.updated_at) for row in latest] == [
        ("2", T0 + timedelta(days=40)),
        ("3", T0 + timedelta(days=3)),
    ]


def test_build_dashboard_data_document_counts_and_review_are_carried() -> None:
    # Given document counts by type name and an open review count
    counts = {"identity_card": 12, DocType.BANK_DETAILS: 3}
    # When the dashboard is computed
    data = build([], document_counts=counts, open_review_items=4)
    # Then they are kept, typed, with the other types at zero
    assert data.documents_by_type[DocType.IDENTITY_CARD] == 12
    assert data.documents_by_type[DocType.BANK_DETAILS] == 3
    assert data.documents_by_type[DocType.QUOTE] == 0
    assert data.open_review_items == 4


def test_build_dashboard_data_unknown_document_type_is_refused() -> None:
    # Given a document type nobody defined  When the dashboard is computed  Then it is refused
    with pytest.raises(ValidationError, match="documents_by_type"):
        build([], document_counts={"selfie": 1})


def test_case_summary_unknown_state_is_refused() -> None:
    # Given a state outside the lifecycle  When a summary is made  Then validation fails
    with pytest.raises(ValidationError, match="state"):
        case(1, "ARCHIVED")


def test_case_summary_unknown_reason_is_refused() -> None:
    # Given a reason code outside the stable list  When a summary is made  Then validation fails
    with pytest.raises(ValidationError, match="reasons"):
        case(1, "REFUSED", reasons=["TOO_LATE"])


def test_case_summary_naive_datetime_is_refused() -> None:
    # Given a receipt date without offset (its month would be a guess)
    # When a summary is made  Then validation fails
    with pytest.raises(ValidationError, match="received_at"):
        case(1, "RECEIVED", received_at=datetime(2026, 3, 2, 10, 0))


def test_dashboard_data_funnel_disagreeing_with_states_is_refused() -> None:
    # Given state counts for 3 cases and a funnel starting at 5
    # When the data is assembled  Then the inconsistency is reported
    with pytest.raises(ValidationError, match="funnel starts at 5"):
        DashboardData(
            generated_at=NOW,
            season="Campagne 2026",
            counts_by_state={State.RECEIVED: 3},
            funnel=[FunnelStep(stage="received", count=5)],
        )


def test_dashboard_data_duplicate_month_is_refused() -> None:
    # Given the same month twice  When the data is assembled  Then it is refused
    with pytest.raises(ValidationError, match="month appears twice"):
        DashboardData(
            generated_at=NOW,
            season="Campagne 2026",
            amounts_by_month=[MonthAmounts(month="2026-03"), MonthAmounts(month="2026-03")],
        )


def test_dashboard_data_partial_funnel_is_completed_in_order() -> None:
    # Given a funnel listing only two stages, out of order
    data = DashboardData(
        generated_at=NOW,
        season="Campagne 2026",
        funnel=[FunnelStep(stage="paid", count=1), FunnelStep(stage="received", count=2)],
    )
    # When it is read  Then every stage is present, in the contract's order
    assert [(s.stage, s.count) for s in data.funnel] == [
        ("received", 2),
        ("complete", 0),
        ("awarded", 0),
        ("claimed", 0),
        ("paid", 1),
    ]

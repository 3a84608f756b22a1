"""Calendar rules: whole months, the 21-day deadline at midnight in Paris, the 3-month freshness."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from clea_intake.domain.calendar import (
    add_months,
    claim_deadline,
    completeness_deadline,
    is_recent,
    local_day,
)

PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize("day, months, expected", [
    (date(2026, 1, 31), 1, date(2026, 2, 28)),     # clamped to the last day of February
    (date(2024, 1, 31), 1, date(2024, 2, 29)),     # leap year
    (date(2024, 2, 29), 12, date(2025, 2, 28)),    # 29 Feb + 1 year
    (date(2024, 2, 29), 48, date(2028, 2, 29)),
    (date(2026, 5, 31), -3, date(2026, 2, 28)),
    (date(2026, 3, 31), -1, date(2026, 2, 28)),
    (date(2026, 1, 15), -1, date(2025, 12, 15)),   # across the year backwards
    (date(2025, 11, 30), 3, date(2026, 2, 28)),    # across the year forwards
    (date(2026, 4, 13), 0, date(2026, 4, 13)),
])
def test_add_months_edge_cases_clamp_to_month_end(day, months, expected):
    assert add_months(day, months) == expected


def test_completeness_deadline_is_midnight_paris_after_start_minus_21_days(policy):
    # Given an evaluation starting Monday 13 April 2026
    deadline = completeness_deadline(date(2026, 4, 13), policy)
    # Then the first late instant is 24 March 00:00 in Paris (23 March is the last allowed day)
    assert deadline == datetime(2026, 3, 24, 0, 0, tzinfo=PARIS)
    assert deadline.utcoffset().total_seconds() == 3600


def test_completeness_complete_on_start_minus_21_at_2359_paris_is_on_time(policy):
    deadline = completeness_deadline(date(2026, 4, 13), policy)
    assert datetime(2026, 3, 23, 23, 59, 59, tzinfo=PARIS) < deadline


def test_completeness_complete_on_start_minus_20_at_midnight_paris_is_late(policy):
    deadline = completeness_deadline(date(2026, 4, 13), policy)
    assert not datetime(2026, 3, 24, 0, 0, tzinfo=PARIS) < deadline
    # 23:30 UTC on the 23rd is already the 24th in Paris
    assert not datetime(2026, 3, 23, 23, 30, tzinfo=ZoneInfo("UTC")) < deadline


def test_completeness_deadline_after_daylight_saving_uses_summer_offset(policy):
    # 20 April - 21 days = 30 March, after the switch to summer time on 29 March 2026
    deadline = completeness_deadline(date(2026, 4, 20), policy)
    assert deadline == datetime(2026, 3, 31, 0, 0, tzinfo=PARIS)
    assert deadline.utcoffset().total_seconds() == 7200


def test_claim_deadline_is_midnight_after_the_last_claim_day(policy):
    # Given an evaluation ending 24 April 2026 and the policy's claim delay in months
    last_day = add_months(date(2026, 4, 24), policy.deadlines.claim_months_after_evaluation_end)
    # Then a claim is late from midnight (Paris) after that last day
    deadline = claim_deadline(date(2026, 4, 24), policy)
    assert deadline == datetime.combine(last_day + timedelta(days=1), time(0, 0), tzinfo=PARIS)


@pytest.mark.parametrize("issued, received, recent", [
    (date(2025, 12, 3), date(2026, 3, 2), True),    # 2 months 27 days
    (date(2025, 12, 2), date(2026, 3, 2), False),   # exactly 3 calendar months: not "less than"
    (date(2025, 12, 1), date(2026, 3, 2), False),
    (date(2026, 3, 2), date(2026, 3, 2), True),     # issued the day it was received
    (date(2026, 3, 3), date(2026, 3, 2), False),    # issued in the future
    (date(2026, 3, 1), date(2026, 5, 31), True),    # 31 May - 3 months = 28 Feb
    (date(2026, 2, 28), date(2026, 5, 31), False),
    (date(2024, 2, 29), date(2024, 5, 29), False),  # leap day, exactly 3 months
    (date(2024, 3, 1), date(2024, 5, 29), True),
])
def test_is_recent_boundary_of_three_calendar_months(issued, received, recent):
    assert is_recent(issued, received, 3) is recent


def test_local_day_uses_paris_not_utc(policy):
    assert local_day(datetime(2026, 3, 23, 23, 30, tzinfo=ZoneInfo("UTC")), policy) == date(2026, 3, 24)

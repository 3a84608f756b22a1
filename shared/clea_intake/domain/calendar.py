"""Calendar arithmetic of the scheme: months back, end of day in the Région's time zone, deadlines."""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta

from clea_intake.domain.policy import Policy


def add_months(day: date, months: int) -> date:
    """`day` moved by whole calendar months, clamped to the month's last day (31 Jan + 1 = 28/29 Feb)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def local_day(moment: datetime, policy: Policy) -> date:
    return moment.astimezone(policy.tz).date()


def start_of_day(day: date, policy: Policy) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=policy.tz)


def completeness_deadline(evaluation_start: date, policy: Policy) -> datetime:
    """First instant at which a file is too late: the day after the last allowed day, at midnight.

    The file must be complete at least 21 days before the evaluation starts, so the last
    allowed day is start - 21 days, until 23:59:59 in the Région's time zone.
    """
    last_day = evaluation_start - timedelta(days=policy.deadlines.complete_days_before_evaluation)
    return start_of_day(last_day + timedelta(days=1), policy)


def claim_deadline(evaluation_end: date, policy: Policy) -> datetime:
    """First instant at which an evaluator's claim is too late."""
    last_day = add_months(evaluation_end, policy.deadlines.claim_months_after_evaluation_end)
    return start_of_day(last_day + timedelta(days=1), policy)


def is_recent(issue_date: date, received: date, max_age_months: int) -> bool:
    """Issued less than `max_age_months` calendar months before `received` (and not in the future)."""
    return add_months(received, -max_age_months) < issue_date <= received

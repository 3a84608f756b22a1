"""French dates, amounts and month arithmetic used by the readers."""

from __future__ import annotations

from datetime import date

import pytest

from clea_intake.documents.textutil import add_months, find_amounts, find_dates, fold, parse_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("le 3 mars 2026", date(2026, 3, 3)),
        ("03/03/2026", date(2026, 3, 3)),
        ("Date d'émission : 1er mars 2026", date(2026, 3, 1)),
        ("2026-03-03", date(2026, 3, 3)),
        ("3 mars 2026", date(2026, 3, 3)),
        ("Édité le 12.04.26", date(2026, 4, 12)),
        ("né le 14 07 1991", date(1991, 7, 14)),
        ("le 1er février 2026", date(2026, 2, 1)),
        ("le 15 déc. 2025", date(2025, 12, 15)),
        ("DU 1ER AU 31 MARS 2026", None),  # a period, read by period(); its end is found below
    ],
)
def test_parse_date_french_forms(text, expected):
    # Given a date written the way French documents write it
    # When it is parsed
    # Then the calendar date comes out
    if expected is None:
        assert find_dates(fold(text))[-1][2] == date(2026, 3, 31)
    else:
        assert parse_date(text) == expected


def test_find_dates_yearless_day_takes_following_year():
    # Given "du 1er mars au 31 mars 2026"
    # When dates are found
    # Then the first borrows the year of the second
    assert [d for _s, _e, d in find_dates(fold("du 1er mars au 31 mars 2026"))] == [date(2026, 3, 1), date(2026, 3, 31)]


def test_find_dates_impossible_date_ignored():
    # Given 31/02/2026
    # When dates are found
    # Then none is returned
    assert find_dates("31/02/2026") == []


def test_find_amounts_french_forms():
    # Given amounts as French documents print them
    found = [v for _p, v in find_amounts(fold("450,00 € ; 1 234,50 EUR ; 1.234,50 € ; 300 € ; € 12,5"))]
    # When they are parsed
    # Then the values come out, thousands separators understood
    assert found == [450.0, 1234.5, 1234.5, 300.0, 12.5]


def test_add_months_clamps_month_end():
    # Given month ends
    # When months are added or removed
    # Then the day is clamped to the target month
    assert add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)
    assert add_months(date(2026, 5, 31), -3) == date(2026, 2, 28)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)

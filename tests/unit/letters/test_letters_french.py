"""French formatting of dates, amounts, hours and caller text."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from clea_intake.french import amount_fr, date_fr, hours_fr
from clea_intake.letters.french import one_line


def test_date_fr_ordinary_day_spells_month_in_french():
    # Given a day in April
    day = date(2026, 4, 13)
    # When it is formatted
    text = date_fr(day)
    # Then the month is spelt in French, lower case, without a leading zero
    assert text == "13 avril 2026"


def test_date_fr_first_of_month_writes_premier():
    # Given the first day of a month with an accented name
    day = date(2026, 8, 1)
    # When it is formatted
    text = date_fr(day)
    # Then French usage "1er" is used
    assert text == "1er août 2026"


def test_amount_fr_whole_euros_shows_two_decimals_after_comma():
    # Given a whole amount
    # When it is formatted
    text = amount_fr(Decimal("450"))
    # Then it has a decimal comma, two decimals and the euro sign after a space
    assert text == "450,00 €"


def test_amount_fr_thousands_and_cents_grouped_and_rounded():
    # Given an amount above a thousand with a fraction of a cent
    # When it is formatted
    text = amount_fr(Decimal("1234.565"))
    # Then thousands are grouped by a space and cents rounded half up
    assert text == "1 234,57 €"


def test_hours_fr_fraction_uses_decimal_comma_and_plural():
    # Given a fractional number of hours above two
    # When it is formatted
    text = hours_fr(7.5)
    # Then the decimal separator is a comma and the noun is plural
    assert text == "7,5 heures"


def test_hours_fr_zero_stays_singular():
    # Given zero hours (an evaluation that did not take place)
    # When it is formatted
    text = hours_fr(0)
    # Then French keeps the singular
    assert text == "0 heure"


def test_one_line_newlines_and_controls_become_single_spaces():
    # Given caller text that tries to span several lines
    value = "Léa\r\nBcc: victim@example.org\x00  Martin"
    # When it is reduced to one line
    text = one_line(value)
    # Then no line break or control character survives
    assert text == "Léa Bcc: victim@example.org Martin"

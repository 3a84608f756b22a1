"""The one French formatter: letters and dashboards write months and euros the same way, from one module."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import clea_intake
from clea_intake.french import MONTHS, amount_fr, date_fr, moment_fr, month_fr

PACKAGE = Path(clea_intake.__file__).parent


def test_amount_fr_letter_and_web_forms_differ_only_in_spaces_and_whole_cents() -> None:
    # Given one amount with cents and one whole negative amount
    # When each is written for a letter and for a web page
    # Then the letter has plain spaces and always two decimals, the page no-break spaces and no ",00"
    assert amount_fr(Decimal("1234.5")) == "1 234,50 €"
    assert amount_fr(Decimal("1234.5"), typographic=True) == "1\u202f234,50\u00a0€"
    assert amount_fr(Decimal("-1234")) == "-1 234,00 €"
    assert amount_fr(Decimal("-1234"), typographic=True) == "-1\u202f234\u00a0€"


def test_month_fr_and_date_fr_spell_the_same_month() -> None:
    # Given a day of August and its month  When both are written  Then the month is spelt the same
    assert date_fr(date(2026, 8, 13)) == "13 août 2026"
    assert month_fr("2026-08") == "août 2026"
    assert month_fr("2026-12") == f"{MONTHS[11]} 2026" == "décembre 2026"


def test_moment_fr_reads_the_clock_of_the_zone() -> None:
    # Given a moment in UTC  When written for Paris in winter  Then day first, local hour
    assert moment_fr(datetime(2026, 11, 27, 16, 38, tzinfo=UTC), ZoneInfo("Europe/Paris")) == "27/11/2026 17:38"


def test_letters_and_dashboards_spell_no_month_of_their_own() -> None:
    # Given every module of the letters and the dashboards
    sources = [*PACKAGE.glob("letters/**/*.py"), *PACKAGE.glob("ops/*.py")]
    # When their code is searched for a month's name in a string
    spelt = [path.name for path in sources if re.search(r"[\"'](septembre|novembre|décembre)[\"']", path.read_text())]
    # Then none is found: months come from clea_intake.french
    assert sources and spelt == []

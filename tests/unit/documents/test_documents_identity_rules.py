"""The printed expiry of a pre-2021 CNI, from its date of issue, when the printed date was not read."""

from __future__ import annotations

from datetime import date

import pytest

from clea_intake.documents.read.identity import _printed_expiry
from clea_intake.domain.policy import current_policy


@pytest.mark.parametrize("issue, birth, printed", [
    # An adult's card from 2014 on is printed valid 15 years (décret n° 2013-1188): a season's photo of a card
    # issued in March 2016, its printed expiry not read, was told "expired in March 2026".
    (date(2016, 3, 14), date(1977, 4, 24), date(2031, 3, 14)),
    (date(2014, 1, 1), date(1980, 1, 1), date(2029, 1, 1)),
    # A minor's card stays 10 years; so does any card before 2014 (its adult extension is applied apart).
    (date(2016, 3, 14), date(2005, 6, 1), date(2026, 3, 14)),
    (date(2013, 12, 31), date(1970, 1, 1), date(2023, 12, 31)),
    # A birth date not read: the longer validity, never an expiry the card does not print.
    (date(2016, 3, 14), None, date(2031, 3, 14)),
])
def test_printed_expiry_of_an_old_cni(issue, birth, printed):
    assert _printed_expiry(issue, birth, current_policy()) == printed

"""The published specimen travel documents of tests/fixtures/real-specimens, read as applicants' photos."""

from __future__ import annotations

from datetime import date

import pytest

from clea_intake.quality import REAL_CORPUS, evaluate_real

# Every specimen is expired on this day.
AS_OF = date(2026, 11, 20)


@pytest.fixture(scope="module")
def report():
    return evaluate_real(REAL_CORPUS, as_of=AS_OF)


def test_real_specimens_every_identity_document_typed(report):
    # Given the 17 specimen passports and identity cards
    # When they are read
    # Then each gets the identity type it shows
    assert report.identity_total == 17
    assert report.type_accuracy == 1.0, report.misread


def test_real_specimens_visa_refused_as_no_identity_document(report):
    # Given the specimen visa
    # When it is read
    # Then it is refused with NOT_IDENTITY_DOCUMENT
    assert report.refusals_expected == 1 and report.refusals_right == 1, report.misread


def test_real_specimens_fields_at_least_95_percent(report):
    # Given what each specimen shows
    # When its fields are read
    # Then at least 95 % of them are right
    assert report.field_accuracy >= 0.95, report.misread


def test_real_specimens_no_expired_document_accepted(report):
    # Given specimens all expired on 2026-11-20
    # When they are read on that day
    # Then none is accepted without an error
    assert report.false_acceptances == []

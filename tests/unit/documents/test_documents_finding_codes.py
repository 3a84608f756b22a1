"""The finding catalogue: stable codes, severities and French sentences."""

from __future__ import annotations

import re
from datetime import date

import pytest

from clea_intake.documents.finding_codes import CATALOGUE, make_finding
from clea_intake.domain.findings import DocType


def test_catalogue_codes_upper_snake_with_french_sentences():
    # Given the catalogue
    # When every entry is inspected
    # Then codes are UPPER_SNAKE, severities valid, messages French sentences ending with a full stop
    for code, spec in CATALOGUE.items():
        assert re.fullmatch(r"[A-Z][A-Z0-9_]+", code)
        assert spec.severity in ("error", "warning")
        assert spec.template.rstrip().endswith(".")


def test_make_finding_dates_and_labels_in_french():
    # Given an expiry finding with a date and a document type
    finding = make_finding("IDENTITY_EXPIRED", doc_label=DocType.PASSPORT, day=date(2026, 3, 9))
    # When it is built
    # Then the message reads naturally in French with a French date
    assert finding.message == "Le passeport n'est plus valable depuis le 09/03/2026."
    assert finding.severity == "error" and finding.blocking


def test_make_finding_field_name_shown_by_label():
    # Given a missing field finding
    finding = make_finding("REQUIRED_FIELD_MISSING", field="issue_date")
    # When it is built
    # Then the citizen sees "la date d'émission", not the field name
    assert "la date d'émission" in finding.message and "issue_date" not in finding.message


def test_make_finding_unknown_code_refused():
    # Given a code outside the catalogue
    # When a finding is built
    # Then it fails loudly instead of inventing a code
    with pytest.raises(KeyError):
        make_finding("NOT_A_CODE")


def test_mrz_sentence_contracts_the_article_of_each_document():
    # Given the check-digit finding of each identity piece  Then its sentence is good French: "du", "de la"
    from clea_intake.documents.finding_codes import make_finding
    from clea_intake.domain.findings import DocType

    sentences = {t: make_finding("MRZ_CHECK_DIGIT", doc_label=t, part="clé finale").message
                 for t in (DocType.PASSPORT, DocType.IDENTITY_CARD, DocType.RESIDENCE_PERMIT)}
    assert "automatique du passeport contient" in sentences[DocType.PASSPORT]
    assert "automatique de la carte nationale d'identité contient" in sentences[DocType.IDENTITY_CARD]
    assert "automatique du titre de séjour contient" in sentences[DocType.RESIDENCE_PERMIT]
    assert not any(" de le " in s for s in sentences.values())

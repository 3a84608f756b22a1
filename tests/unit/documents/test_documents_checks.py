"""Freshness of proofs and RIBs, identifier checks (IBAN, BIC, SIRET, SIREN, NDA), quote mentions, certificates."""

from __future__ import annotations

from datetime import date

import documents_samples as s
import pypdfium2 as pdfium
import pytest

from clea_intake.documents import identifiers
from clea_intake.documents.pipeline import read_document
from clea_intake.domain.findings import DocType
from clea_intake.domain.policy import current_policy
from clea_intake.samples.generate import make_document

POLICY = current_policy()


def read(lines: list[str], as_of: date):
    return read_document(s.pdf(lines), filename="piece.pdf", as_of=as_of, policy=POLICY)


def codes(reading) -> list[str]:
    return [f.code for f in reading.findings]


@pytest.mark.parametrize(
    ("issued", "as_of", "stale"),
    [
        (date(2026, 2, 20), date(2026, 5, 20), True),  # exactly 3 calendar months: too old
        (date(2026, 2, 21), date(2026, 5, 20), False),  # one day less: accepted
        (date(2025, 11, 30), date(2026, 2, 28), True),  # month-end: 30 Nov + 3 months = 28 Feb
        (date(2025, 12, 1), date(2026, 2, 28), False),
    ],
)
def test_read_document_proof_of_address_age_three_calendar_months(issued, as_of, stale):
    # Given an energy bill issued on `issued`
    lines = s.energy_bill(issued=issued)
    # When it is received on `as_of`
    reading = read(lines, as_of)
    # Then it is stale exactly when issued 3 calendar months or more before
    assert reading.doc_type == DocType.PROOF_OF_ADDRESS
    assert ("PROOF_TOO_OLD" in codes(reading)) is stale


def test_read_document_stale_proof_message_in_french_with_dates():
    # Given a bill from November received in March
    reading = read(s.energy_bill(issued=date(2025, 11, 4)), date(2026, 3, 10))
    # When the finding is looked at
    finding = next(f for f in reading.findings if f.code == "PROOF_TOO_OLD")
    # Then it is an error whose French message gives the dates
    assert finding.severity == "error"
    assert "04/11/2025" in finding.message and "3 mois" in finding.message


def test_read_document_proof_dated_after_receipt_future_error():
    # Given a bill dated after the day it was received
    reading = read(s.energy_bill(issued=date(2026, 4, 1)), date(2026, 3, 10))
    # When it is checked
    # Then the future date is an error
    assert "DATE_IN_FUTURE" in codes(reading)


def test_read_document_proof_outside_region_read_not_refused():
    # Given a fresh bill for an address in Paris (residence is an eligibility fact, decided later)
    reading = read(s.energy_bill(postal="75011 PARIS"), date(2026, 3, 10))
    # When it is read
    # Then the postal code is read and no document error is raised for it
    assert reading.fields["postal_code"] == "75011"
    assert not POLICY.in_region(reading.fields["postal_code"])
    assert [f for f in reading.findings if f.severity == "error"] == []


def test_read_document_rib_bad_iban_error():
    # Given a RIB whose IBAN has one digit wrong
    reading = read(s.rib(iban="FR76 3000 6000 0112 3456 7890 188"), date(2026, 5, 2))
    # When it is checked
    # Then the IBAN is refused
    assert "IBAN_INVALID" in codes(reading)


def test_read_document_rib_older_than_three_months_error():
    # Given a RIB edited in January
    reading = read(s.rib(issued=date(2026, 1, 15)), date(2026, 5, 2))
    # When it is received in May
    # Then it is too old
    assert "RIB_TOO_OLD" in codes(reading)


def test_read_document_quote_bad_siret_error():
    # Given a quote whose SIRET fails the Luhn check
    reading = read(s.quote(siret="73282932000075"), date(2026, 3, 10))
    # When it is checked
    # Then the SIRET is refused
    assert "SIRET_INVALID" in codes(reading)


def test_read_document_quote_malformed_nda_error():
    # Given a quote with a 10-digit NDA
    reading = read(s.quote(nda="7533123453"), date(2026, 3, 10))
    # When it is checked
    # Then the NDA is refused
    assert "NDA_INVALID" in codes(reading)


def test_read_document_quote_without_fees_line_mention_missing():
    # Given a quote that does not show the fees apart
    reading = read(s.quote(fees=False), date(2026, 3, 10))
    # When it is checked
    finding = [f for f in reading.findings if f.code == "QUOTE_MENTION_MISSING"]
    # Then the missing mention is named and the amount is the price of the hours only
    assert len(finding) == 1 and "frais" in finding[0].message
    assert reading.fields["amount_eur"] == 450


def test_read_document_quote_total_above_hours_price_without_fees_line_mention_missing():
    # Given a quote whose total (510 €) is above the price of its hours (450 €) with no fees shown apart
    reading = read(s.quote(fees=False, total="510,00 €"), date(2026, 3, 10))
    # When it is checked
    missing = [f for f in reading.findings if f.code == "QUOTE_MENTION_MISSING"]
    # Then the fees are unknown and their mention is missing, with a French sentence that blocks the piece
    assert reading.fields["fees_eur"] is None
    assert [f.severity for f in missing] == ["error"]
    assert "les frais annexes (inscription, jury...) présentés à part" in missing[0].message


@pytest.mark.parametrize("total", ["450,00 €", None], ids=["total-equals-hours-price", "no-total-line"])
def test_read_document_quote_without_fees_line_total_is_hours_price_no_fees(total):
    # Given a quote without a fees line whose total is the price of the evaluation hours (or shows no total)
    reading = read(s.quote(fees=False, total=total), date(2026, 3, 10))
    # When it is checked
    # Then it has no fees (0), lacks no mention and is not refused
    assert (reading.fields["amount_eur"], reading.fields["fees_eur"]) == (450, 0)
    assert "QUOTE_MENTION_MISSING" not in codes(reading)
    assert not reading.blocking


@pytest.mark.parametrize("medium", ["pdf", "scan_pdf"])
def test_read_document_generated_quote_without_fees_line_accepted(medium):
    # Given the samples' quote layout that shows no fees line when there are no fees (total = hours' price)
    data = make_document(DocType.QUOTE, {"amount_eur": 420, "fees_eur": 0}, layout=1, medium=medium)
    shown = pdfium.PdfDocument(make_document(DocType.QUOTE, {"amount_eur": 420, "fees_eur": 0}, layout=1))
    assert "frais" not in shown[0].get_textpage().get_text_range().lower()
    # When it is read
    reading = read_document(data, filename="devis.pdf", as_of=date(2026, 3, 2), policy=POLICY)
    # Then its fees are 0 and it lacks no mention
    assert (reading.fields["amount_eur"], reading.fields["fees_eur"]) == (420, 0)
    assert "QUOTE_MENTION_MISSING" not in codes(reading) and not reading.blocking


def test_read_document_quote_fees_never_added_to_amount():
    # Given a quote showing 450 € of hours and 60 € of fees, total 510 €
    reading = read(s.quote(), date(2026, 3, 10))
    # When it is read
    # Then the amount is the hours' price and the fees stay apart
    assert (reading.fields["amount_eur"], reading.fields["fees_eur"]) == (450, 60)


def test_read_document_expired_qualiopi_error():
    # Given a Qualiopi certificate that ended before receipt
    reading = read(s.qualiopi(valid_until=date(2026, 1, 31)), date(2026, 3, 10))
    # When it is checked
    # Then it is refused as expired
    assert reading.doc_type == DocType.QUALIOPI_CERTIFICATE
    assert "CERTIFICATE_EXPIRED" in codes(reading)


def test_read_document_habilitation_numerique_only_listed():
    # Given an habilitation that covers CléA Numérique only
    lines = [line.replace("CléA Socle et CléA Numérique", "CléA Numérique") for line in s.habilitation()]
    # When it is read
    reading = read(lines, date(2026, 3, 10))
    # Then only clea_numerique is covered
    assert reading.fields["certifications"] == ["clea_numerique"]


def test_read_document_hours_attestation_zero_hours_read_as_zero():
    # Given an attestation of 0 hours (evaluation not carried out)
    reading = read(s.hours_attestation(hours="0"), date(2026, 5, 2))
    # When it is read
    # Then hours is 0, not missing (the case closes unpaid, not incomplete)
    assert reading.fields["hours"] == 0
    assert "REQUIRED_FIELD_MISSING" not in codes(reading)


@pytest.mark.parametrize(
    ("value", "valid"),
    [("73282932000074", True), ("732 829 320 00074", True), ("73282932000075", False), ("7328293200007", False)],
)
def test_siret_valid_luhn_and_length(value, valid):
    # Given a SIRET as printed
    # When it is checked
    # Then Luhn and length decide
    assert identifiers.siret_valid(value) is valid


def test_iban_bic_nda_siren_checks():
    # Given known good and bad identifiers
    # When they are checked
    # Then each check accepts the good one and refuses the bad one
    assert identifiers.iban_valid("FR76 3000 6000 0112 3456 7890 189")
    assert not identifiers.iban_valid("FR76 3000 6000 0112 3456 7890 188")
    assert identifiers.bic_valid("CEPAFRPP333") and not identifiers.bic_valid("CEPA1RPP")
    assert identifiers.nda_valid("75 33 12345 33") and not identifiers.nda_valid("7533123453")
    assert identifiers.siren_valid("732 829 320") and not identifiers.siren_valid("732829321")

"""Unit tests for the payment CSV and the XSD-validated SEPA pain.001.001.03 export."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from pydantic import ValidationError

from clea_intake.payments import (
    Debtor,
    InvalidPaymentFile,
    PaymentLine,
    sepa_text,
    to_csv,
    to_pain001,
    validate_pain001,
)

NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}
CREATED = datetime(2026, 5, 20, 9, 0, tzinfo=UTC)
DEBTOR = Debtor(name="Région Nouvelle-Aquitaine", iban="FR76 3000 1007 9412 3456 7890 185", bic="BDFEFRPPCCT")


def line(n: int = 123, **overrides) -> PaymentLine:
    fields = {
        "order_id": f"PO-NA-CLEA-2026-{n:06}",
        "case_id": f"NA-CLEA-2026-{n:06}",
        "creditor_name": "Formation Atlantique",
        "creditor_iban": "FR7630006000011234567890189",
        "creditor_bic": "AGRIFRPP",
        "amount": Decimal("450.00"),
        "remittance": f"CLEA NA-CLEA-2026-{n:06} aide evaluation initiale",
        "end_to_end_id": f"NA-CLEA-2026-{n:06}",
    }
    return PaymentLine(**(fields | overrides))


def export(lines: list[PaymentLine]) -> ET.Element:
    return ET.fromstring(to_pain001(lines, DEBTOR, "CLEA-20260520-001", CREATED))


# --- pain.001 --------------------------------------------------------------------------------------


def test_to_pain001_two_lines_group_header_counts_and_sums():
    # Given two payment lines of 450 and 150.50 euros
    lines = [line(1), line(2, amount=Decimal("150.5"), creditor_bic=None)]

    # When the pain.001 is produced
    root = export(lines)

    # Then NbOfTxs and CtrlSum are right in both the group header and the payment information
    assert root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:NbOfTxs", namespaces=NS) == "2"
    assert root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", namespaces=NS) == "600.50"
    assert root.findtext("p:CstmrCdtTrfInitn/p:PmtInf/p:CtrlSum", namespaces=NS) == "600.50"
    transfers = root.findall("p:CstmrCdtTrfInitn/p:PmtInf/p:CdtTrfTxInf", NS)
    assert [t.findtext("p:Amt/p:InstdAmt", namespaces=NS) for t in transfers] == ["450.00", "150.50"]
    assert [t.find("p:Amt/p:InstdAmt", NS).get("Ccy") for t in transfers] == ["EUR", "EUR"]
    # The line without BIC has no creditor agent (IBAN-only SEPA)
    assert [t.find("p:CdtrAgt", NS) is not None for t in transfers] == [True, False]


def test_to_pain001_accented_texts_transliterated_to_sepa_set():
    # Given a creditor name and remittance text with accents, a ligature and symbols
    lines = [
        line(creditor_name="Œuvre d’Éducation & Formation — Pays Basque", remittance="CLEA aide évaluation")
    ]

    # When the pain.001 is produced
    root = export(lines)

    # Then the texts only use the SEPA Latin set
    transfer = root.find("p:CstmrCdtTrfInitn/p:PmtInf/p:CdtTrfTxInf", NS)
    assert transfer.findtext("p:Cdtr/p:Nm", namespaces=NS) == "OEuvre d'Education + Formation - Pays Basque"
    assert transfer.findtext("p:RmtInf/p:Ustrd", namespaces=NS) == "CLEA aide evaluation"
    assert (
        root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:InitgPty/p:Nm", namespaces=NS)
        == "Region Nouvelle-Aquitaine"
    )


def test_to_pain001_document_declares_utf8_and_requested_date():
    # Given one line and an explicit execution date
    document = to_pain001([line()], DEBTOR, "MSG-1", CREATED, requested_execution_date=date(2026, 5, 22))

    # Then the declaration uses double quotes and the date is the one asked
    assert document.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(document)
    assert root.findtext("p:CstmrCdtTrfInitn/p:PmtInf/p:ReqdExctnDt", namespaces=NS) == "2026-05-22"


def test_validate_pain001_negative_amount_rejected_by_xsd():
    # Given a valid document whose amount is edited to a negative value
    document = to_pain001([line()], DEBTOR, "MSG-1", CREATED)
    broken = document.replace(
        b'<InstdAmt Ccy="EUR">450.00</InstdAmt>', b'<InstdAmt Ccy="EUR">-450.00</InstdAmt>'
    )
    assert broken != document

    # When it is validated
    # Then the official XSD rejects it and the error names the element
    with pytest.raises(InvalidPaymentFile, match="InstdAmt"):
        validate_pain001(broken)


def test_validate_pain001_missing_creditor_iban_rejected_by_xsd():
    # Given a valid document whose creditor IBAN element is removed
    document = to_pain001([line()], DEBTOR, "MSG-1", CREATED)
    broken = document.replace(b"<IBAN>FR7630006000011234567890189</IBAN>", b"")
    assert broken != document

    # When it is validated
    # Then the XSD rejects it
    with pytest.raises(InvalidPaymentFile, match="rejected by the XSD"):
        validate_pain001(broken)


def test_validate_pain001_valid_document_accepted():
    # Given a produced document
    document = to_pain001([line(1), line(2)], DEBTOR, "MSG-1", CREATED)

    # When it is validated again
    # Then no error is raised (the export's own validation is not a rubber stamp)
    assert validate_pain001(document) is None


def test_validate_pain001_not_xml_rejected():
    # Given bytes that are not XML
    # Then validation fails with InvalidPaymentFile, not a parser exception
    with pytest.raises(InvalidPaymentFile):
        validate_pain001(b"not xml at all")


def test_to_pain001_line_bypassing_model_validation_caught_by_xsd():
    # Given a line built without validation, carrying a negative amount
    bad = line().model_copy(update={"amount": Decimal("-1.00")})

    # When the pain.001 is produced
    # Then the XSD check before returning refuses it
    with pytest.raises(InvalidPaymentFile, match="XSD"):
        to_pain001([bad], DEBTOR, "MSG-1", CREATED)


def test_to_pain001_no_line_refused():
    with pytest.raises(InvalidPaymentFile, match="at least one"):
        to_pain001([], DEBTOR, "MSG-1", CREATED)


def test_to_pain001_duplicate_order_refused():
    # Given the same order twice (it would be paid twice)
    lines = [line(1), line(1, end_to_end_id="OTHER")]

    # Then the file is refused
    with pytest.raises(InvalidPaymentFile, match="duplicate order_id"):
        to_pain001(lines, DEBTOR, "MSG-1", CREATED)


@pytest.mark.parametrize("message_id", ["", "/MSG", "MSG//1", "x" * 36, "MSG_1"])
def test_to_pain001_invalid_message_id_refused(message_id):
    with pytest.raises(InvalidPaymentFile, match="message_id"):
        to_pain001([line()], DEBTOR, message_id, CREATED)


# --- models ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides",
    [
        {"amount": Decimal("0")},
        {"amount": Decimal("-450")},
        {"amount": Decimal("450.001")},
        {"creditor_iban": "FR7630006000011234567890188"},  # bad mod-97 check
        {"creditor_bic": "NOTABIC"},
        {"end_to_end_id": "x" * 36},
        {"end_to_end_id": "A//B"},
        {"remittance": "x" * 141},
    ],
)
def test_payment_line_invalid_field_rejected(overrides):
    # Given a line with one invalid field
    # When it is built
    # Then validation fails
    with pytest.raises(ValidationError):
        line(**overrides)


def test_payment_line_iban_compacted_and_amount_kept_exact():
    # Given an IBAN with spaces and lower case, and an amount as a string
    payment = line(creditor_iban="fr76 3000 6000 0112 3456 7890 189", amount="450")

    # Then the IBAN is stored compact and upper case, the amount as an exact Decimal
    assert payment.creditor_iban == "FR7630006000011234567890189"
    assert payment.amount == Decimal("450")


def test_sepa_text_non_latin_removed_and_cut():
    # Given text with characters outside the SEPA set and more than the limit
    # Then they are removed or transliterated, spaces collapsed and the length bounded
    assert sepa_text("Crèche «Les Pâquerettes» n°5 ; contact@x.fr", 140) == (
        "Creche 'Les Paquerettes' no5 contact(at)x.fr"
    )
    assert sepa_text("Ä" * 200, 70) == "A" * 70


# --- CSV -------------------------------------------------------------------------------------------


def test_to_csv_bom_semicolons_french_decimals_crlf():
    # Given two lines
    data = to_csv([line(1), line(2, amount=Decimal("1234.5"), creditor_bic=None)])

    # When the bytes are read
    text = data.decode("utf-8")

    # Then it opens with a BOM, uses ; and CRLF, and writes French decimals without thousands separators
    assert data.startswith(b"\xef\xbb\xbf")
    assert text.split("\r\n")[0] == (
        "\ufefforder_id;case_id;creditor_name;creditor_iban;creditor_bic;amount;remittance;end_to_end_id"
    )
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert [r[5] for r in rows[1:]] == ["450,00", "1234,50"]
    assert rows[2][4] == ""
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")


def test_to_csv_accents_kept_and_formula_neutralised():
    # Given a creditor name with accents and one starting like a spreadsheet formula
    data = to_csv([line(1, creditor_name="Éducation Pôle"), line(2, creditor_name="=HYPERLINK(1)")])

    # When it is read back
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))

    # Then accents survive (UTF-8) and the formula is defused
    assert rows[1][2] == "Éducation Pôle"
    assert rows[2][2] == "'=HYPERLINK(1)"


def test_to_csv_text_with_semicolon_quoted():
    # Given a name containing the separator
    data = to_csv([line(creditor_name="Alpha; Beta")])

    # Then the field is quoted and reads back whole
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[1][2] == "Alpha; Beta"

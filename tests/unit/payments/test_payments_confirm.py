"""Unit tests for reading the finance department's confirmation file."""

from __future__ import annotations

from decimal import Decimal

import pytest

from clea_intake.payments import InvalidConfirmationFile, PaymentLine, parse_confirmation, to_csv


def line(n: int) -> PaymentLine:
    return PaymentLine(
        order_id=f"PO-{n:06}",
        case_id=f"NA-CLEA-2026-{n:06}",
        creditor_name="Formation Atlantique",
        creditor_iban="FR7630006000011234567890189",
        amount=Decimal("250.00"),
        remittance="CLEA aide evaluation finale",
        end_to_end_id=f"E2E-{n:06}",
    )


def test_parse_confirmation_exported_csv_round_trips_order_ids():
    # Given the CSV produced by the export
    data = to_csv([line(1), line(2), line(3)])

    # When it is read as a confirmation
    # Then the order ids come back in order
    assert parse_confirmation(data) == ["PO-000001", "PO-000002", "PO-000003"]


def test_parse_confirmation_case_id_only_column_returns_case_ids():
    # Given a file with only a case_id column (no BOM, LF endings)
    data = b"case_id\nNA-CLEA-2026-000123\nNA-CLEA-2026-000124\n"

    # Then the case ids are returned
    assert parse_confirmation(data) == ["NA-CLEA-2026-000123", "NA-CLEA-2026-000124"]


def test_parse_confirmation_excel_resave_cp1252_blank_rows_and_duplicates():
    # Given a French Excel re-save: Windows-1252, a renamed extra column, blank rows, a duplicate
    data = "Dossier;Order ID;Montant\r\nécole;PO-1;450,00\r\n;;\r\n\r\nx;PO-2;1\r\ny;PO-1;450,00\r\n".encode(
        "cp1252"
    )

    # Then distinct order ids are returned in file order
    assert parse_confirmation(data) == ["PO-1", "PO-2"]


@pytest.mark.parametrize(
    ("data", "delimiter"),
    [(b"order_id,amount\r\nPO-1,450\r\n", ","), (b"order_id\tamount\r\nPO-1\t450\r\n", "\t")],
)
def test_parse_confirmation_other_delimiters_read(data, delimiter):
    assert parse_confirmation(data) == ["PO-1"], delimiter


def test_parse_confirmation_utf16_unicode_text_read():
    data = "order_id\tamount\r\nPO-9\t450\r\n".encode("utf-16")
    assert parse_confirmation(data) == ["PO-9"]


def test_parse_confirmation_header_only_returns_empty():
    assert parse_confirmation(b"\xef\xbb\xbforder_id;amount\r\n") == []


@pytest.mark.parametrize(
    ("data", "line_no", "column", "message"),
    [
        (b"", None, None, "empty file"),
        (b"id;amount\r\nPO-1;1\r\n", 1, None, "no order_id or case_id column"),
        (b"amount;order_id\r\n1;PO-1\r\n2\r\n", 3, "order_id", "field 2"),
        (b"order_id;amount\r\nPO-1;1\r\n;450\r\n", 3, "order_id", "empty identifier"),
        (b"case_id\r\nNA-CLEA-2026-000123\r\nNA-CLEA-26-123\r\n", 3, "case_id", "malformed identifier"),
        (b"order_id\r\nPO 1\r\n", 2, "order_id", "malformed identifier"),
    ],
)
def test_parse_confirmation_bad_input_names_line_and_column(data, line_no, column, message):
    # Given a faulty confirmation file
    # When it is read
    with pytest.raises(InvalidConfirmationFile, match=message) as caught:
        parse_confirmation(data)

    # Then the error says where
    assert (caught.value.line, caught.value.column) == (line_no, column)
    if line_no is not None:
        assert f"line {line_no}" in str(caught.value)

"""Payment files for the finance department: a French CSV for people and a SEPA pain.001.001.03 for the bank."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from importlib.resources import files
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban
from stdnum.exceptions import ValidationError as StdnumValidationError

PAIN_001_NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"
XSD_RESOURCE = "pain.001.001.03.xsd"
CSV_COLUMNS = (
    "order_id",
    "case_id",
    "creditor_name",
    "creditor_iban",
    "creditor_bic",
    "amount",
    "remittance",
    "end_to_end_id",
)

# EPC's SEPA character set (EPC217-08): anything else may be rejected by a bank along the chain.
_SEPA_ALLOWED = re.compile(r"[^A-Za-z0-9/\-?:().,'+ ]")
_SEPA_REPLACEMENTS = {
    "œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L",
    "đ": "d", "Đ": "D", "þ": "th", "Þ": "TH", "&": "+", "_": "-", "’": "'", "‘": "'", "«": "'", "»": "'",
    "“": "'", "”": "'", '"': "'", "–": "-", "—": "-", "‐": "-", "‑": "-", "°": "o", "€": "EUR",
    "@": "(at)", "#": "", "*": "", "\t": " ", "\n": " ", "\r": " ",
}  # fmt: skip
# SEPA identifiers: restricted characters, no leading/trailing or double slash (EPC rules on references).
_SEPA_ID = re.compile(r"^(?!/)(?!.*//)[A-Za-z0-9/\-?:().,'+]{1,35}(?<!/)$")
_CENTS = Decimal("0.01")


class InvalidPaymentFile(ValueError):
    """A payment file that the schema or the SEPA rules reject; nothing is handed to finance."""


def sepa_text(value: str, max_length: int) -> str:
    """Transliterate to the SEPA Latin set (accents removed), collapse spaces, cut to max_length."""
    value = "".join(_SEPA_REPLACEMENTS.get(c, c) for c in value)
    decomposed = unicodedata.normalize("NFKD", value)
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c))
    cleaned = re.sub(r" {2,}", " ", _SEPA_ALLOWED.sub(" ", ascii_only)).strip()
    return cleaned[:max_length].rstrip()


def _validate_iban(value: str) -> str:
    try:
        return stdnum_iban.validate(value)
    except StdnumValidationError as exc:
        raise ValueError(f"invalid IBAN ({exc.message})") from None


def _validate_bic(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    try:
        return stdnum_bic.validate(value)
    except StdnumValidationError as exc:
        raise ValueError(f"invalid BIC ({exc.message})") from None


def _validate_sepa_id(value: str) -> str:
    if not _SEPA_ID.match(value):
        raise ValueError(
            "must be 1-35 SEPA characters (A-Z a-z 0-9 / - ? : ( ) . , ' +), no leading, trailing or //"
        )
    return value


Amount = Annotated[Decimal, Field(gt=0, max_digits=11, decimal_places=2)]
Iban = Annotated[str, AfterValidator(_validate_iban)]
Bic = Annotated[str | None, AfterValidator(_validate_bic)]
SepaId = Annotated[str, AfterValidator(_validate_sepa_id)]


class Debtor(BaseModel):
    """The Région's account that pays the aid."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(min_length=1, max_length=140)
    iban: Iban
    bic: Bic = None


class PaymentLine(BaseModel):
    """One aid payment to one evaluator for one case."""

    model_config = ConfigDict(frozen=True)

    order_id: SepaId
    case_id: str = Field(min_length=1, max_length=35)
    creditor_name: str = Field(min_length=1, max_length=140)
    creditor_iban: Iban
    creditor_bic: Bic = None
    amount: Amount
    remittance: str = Field(min_length=1, max_length=140)
    end_to_end_id: SepaId


def _french_amount(amount: Decimal) -> str:
    return f"{amount.quantize(_CENTS)}".replace(".", ",")


def _csv_safe(text: str) -> str:
    # Names come from documents the evaluators send: a leading = + - @ would run as a formula in Excel.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_csv(lines: Sequence[PaymentLine]) -> bytes:
    """Semicolon-separated, UTF-8 with BOM, CRLF, French decimals: opens as-is in a French Excel."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(CSV_COLUMNS)
    for line in lines:
        writer.writerow(
            (
                line.order_id,
                line.case_id,
                _csv_safe(line.creditor_name),
                line.creditor_iban,
                line.creditor_bic or "",
                _french_amount(line.amount),
                _csv_safe(line.remittance),
                line.end_to_end_id,
            )
        )
    return buffer.getvalue().encode("utf-8-sig")


@cache
def _schema():  # type: ignore[no-untyped-def]
    # Imported here: only the export needs xmlschema, and loading the schema once per process is enough.
    import xmlschema

    return xmlschema.XMLSchema(str(files("clea_intake.payments").joinpath(XSD_RESOURCE)))


def validate_pain001(document: bytes) -> None:
    """Validate a pain.001.001.03 document against the official XSD; raise InvalidPaymentFile if it fails."""
    try:
        errors = list(_schema().iter_errors(document.decode("utf-8")))
    except Exception as exc:  # a document that does not even parse is invalid too
        raise InvalidPaymentFile(f"pain.001 document unreadable: {exc}") from exc
    if errors:
        first = errors[0]
        raise InvalidPaymentFile(
            f"pain.001 document rejected by the XSD ({len(errors)} error(s)); first at {first.path}: {first.reason}"
        )


def _el(parent: ET.Element, tag: str, text: str | None = None, **attrib: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrib)
    if text is not None:
        element.text = text
    return element


def _agent(parent: ET.Element, tag: str, bic: str | None) -> None:
    fin = _el(_el(parent, tag), "FinInstnId")
    if bic:
        _el(fin, "BIC", bic)
    else:
        # EPC rule for a debtor agent without BIC (IBAN-only SEPA).
        _el(_el(fin, "Othr"), "Id", "NOTPROVIDED")


def to_pain001(
    lines: Sequence[PaymentLine],
    debtor: Debtor,
    message_id: str,
    created_at: datetime,
    *,
    requested_execution_date: date | None = None,
) -> bytes:
    """A SEPA credit transfer initiation (one PmtInf, one CdtTrfTxInf per line), XSD-validated.

    Texts are transliterated to the SEPA Latin set; names are cut to 70 characters (EPC limit).
    Raises InvalidPaymentFile for no line, duplicate identifiers, or a document the XSD rejects.
    """
    if not lines:
        raise InvalidPaymentFile("no payment line: a pain.001 needs at least one transfer")
    try:
        _validate_sepa_id(message_id)
    except ValueError as exc:
        raise InvalidPaymentFile(f"message_id: {exc}") from None
    for field in ("order_id", "end_to_end_id"):
        seen = [getattr(line, field) for line in lines]
        if len(set(seen)) != len(seen):
            # The same order twice in one file would pay twice.
            raise InvalidPaymentFile(f"duplicate {field} in the payment lines")
    total = sum((line.amount for line in lines), Decimal("0"))
    count = str(len(lines))
    control_sum = f"{total.quantize(_CENTS)}"

    # Plain tags under a default xmlns: ElementTree's default_namespace option rejects the bare Ccy attribute.
    root = ET.Element("Document", xmlns=PAIN_001_NAMESPACE)
    initiation = _el(root, "CstmrCdtTrfInitn")
    header = _el(initiation, "GrpHdr")
    _el(header, "MsgId", message_id)
    _el(header, "CreDtTm", created_at.replace(microsecond=0).isoformat())
    _el(header, "NbOfTxs", count)
    _el(header, "CtrlSum", control_sum)
    _el(_el(header, "InitgPty"), "Nm", sepa_text(debtor.name, 70))

    info = _el(initiation, "PmtInf")
    _el(info, "PmtInfId", message_id)
    _el(info, "PmtMtd", "TRF")
    _el(info, "BtchBookg", "true")
    _el(info, "NbOfTxs", count)
    _el(info, "CtrlSum", control_sum)
    _el(_el(_el(info, "PmtTpInf"), "SvcLvl"), "Cd", "SEPA")
    _el(info, "ReqdExctnDt", (requested_execution_date or created_at.date()).isoformat())
    _el(_el(info, "Dbtr"), "Nm", sepa_text(debtor.name, 70))
    _el(_el(_el(info, "DbtrAcct"), "Id"), "IBAN", debtor.iban)
    _agent(info, "DbtrAgt", debtor.bic)
    _el(info, "ChrgBr", "SLEV")

    for line in lines:
        transfer = _el(info, "CdtTrfTxInf")
        payment_id = _el(transfer, "PmtId")
        _el(payment_id, "InstrId", line.order_id)
        _el(payment_id, "EndToEndId", line.end_to_end_id)
        _el(_el(transfer, "Amt"), "InstdAmt", f"{line.amount.quantize(_CENTS)}", Ccy="EUR")
        if line.creditor_bic:
            _el(_el(_el(transfer, "CdtrAgt"), "FinInstnId"), "BIC", line.creditor_bic)
        _el(_el(transfer, "Cdtr"), "Nm", sepa_text(line.creditor_name, 70))
        _el(_el(_el(transfer, "CdtrAcct"), "Id"), "IBAN", line.creditor_iban)
        _el(_el(transfer, "RmtInf"), "Ustrd", sepa_text(line.remittance, 140))

    ET.indent(root)
    # Written by hand: ElementTree's declaration uses single quotes, which some bank portals refuse.
    document = b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode").encode(
        "utf-8"
    )
    validate_pain001(document)
    return document

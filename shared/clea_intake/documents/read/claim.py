"""The claim's pieces: the execution report, the hours attestation and the evaluator's bank details."""

from __future__ import annotations

from datetime import date

from clea_intake.documents import identifiers
from clea_intake.documents.read import Fields
from clea_intake.documents.read.dates import PERIOD_COLUMNS, start_end
from clea_intake.documents.read.hours import hours_after
from clea_intake.documents.read.options import certification, evaluation
from clea_intake.documents.read.organisations import clean_organisation, organisation_name
from clea_intake.documents.read.persons import CIVILITY, beneficiary
from clea_intake.documents.read.tables import header_table
from clea_intake.documents.reading import Text
from clea_intake.documents.textutil import tidy_number


def read_execution_report(text: Text, as_of: date) -> Fields:
    """The execution report: who was evaluated, on which certification, when, by whom."""
    start, end = start_end(text)
    return {
        "beneficiary_name": beneficiary(text),
        "certification": certification(text),
        "evaluation": evaluation(text),
        "start_date": start,
        "end_date": end,
        "evaluator_name": organisation_name(text),
    }


_DONE_HOURS_LABELS = [
    r"NOMBRE\s+(?:TOTAL\s+)?D'HEURES\s+(?:REALISEES|EFFECTUEES|SUIVIES|DE\s+PRESENCE)", r"HEURES\s+REALISEES",
    r"HEURES\s+EFFECTUEES", r"TOTAL\s+(?:DES\s+)?HEURES", r"DUREE\s+(?:TOTALE\s+)?(?:REALISEE|EFFECTUEE|SUIVIE)",
    r"A\s+(?:BIEN\s+)?(?:SUIVI|EFFECTUE|REALISE)", r"NOMBRE\s+D'HEURES", r"\bDUREE\b", r"\bTOTAL\b",
]  # fmt: skip


def read_hours_attestation(text: Text, as_of: date) -> Fields:
    """The hours attestation: the hours done, by whom, over which period."""
    table = header_table(text, PERIOD_COLUMNS)
    hours = table.get("hours") if isinstance(table.get("hours"), float) else None
    if hours is None:
        hours = hours_after(text, _DONE_HOURS_LABELS, window=60)
    start, end = start_end(text)
    return {
        "beneficiary_name": beneficiary(text),
        "hours": tidy_number(hours) if hours is not None else None,
        "start_date": start,
        "end_date": end,
        "evaluator_name": organisation_name(text),
    }


_RIB_HOLDER_LABELS = [
    r"TITULAIRE\s+DU\s+COMPTE\s*:?", r"INTITULE\s+DU\s+COMPTE\s*:?", r"NOM\s+DU\s+TITULAIRE\s*:?", r"\bTITULAIRE\s*:?",
    r"\bCOMPTE\s+DE\s*:?",
]  # fmt: skip
_RIB_DATE_LABELS = [r"EDITEE?\s+LE", r"DATE\s+D'EDITION", r"DATE\s+D'EMISSION", r"EMISE?\s+LE", r"ETABLIE?\s+LE",
                    r"DELIVREE?\s+LE", r"DATE\s+DE\s+DELIVRANCE", r"FAIT\s+(?:A\s+[^\n,]{1,40}?,?\s+)?LE",
                    r"IMPRIMEE?\s+LE", r"\bDATE\s*:", r"\bLE\s+(?=\d)"]  # fmt: skip


def read_bank_details(text: Text, as_of: date) -> Fields:
    """The bank details (RIB): the account holder, IBAN, BIC and the day it was issued."""
    holder = None
    for match in text.labels(_RIB_HOLDER_LABELS):
        rest = text.raw[match.end() : text.line_end(match.end())]
        holder = clean_organisation(rest)
        if not holder:
            nxt = text.line_end(match.end()) + 1
            holder = clean_organisation(text.raw[nxt : text.line_end(nxt)]) if nxt < len(text.raw) else None
        if holder:
            holder = CIVILITY.sub("", holder).strip()
            break
    iban = None
    for pattern in (r"\bIBAN\b\s*(?:\([^)]*\))?\s*:?", None):
        start = 0
        if pattern:
            match = text.find(pattern)
            if not match:
                continue
            start = match.end()
        found = identifiers.IBAN_RE.search(text.folded, start)
        if found:
            iban = identifiers.compact_iban(found.group(1))
            break
    bic = None
    match = text.find(r"\b(?:BIC|SWIFT|CODE\s+BIC)\b(?:\s*/\s*SWIFT)?\s*(?:\([^)]*\))?\s*:?\s*")
    if match:
        found = identifiers.BIC_RE.search(text.folded[match.end() : match.end() + 40])
        if found:
            bic = found.group(1)
    return {
        "holder_name": holder,
        "iban": iban,
        "bic": bic,
        "issue_date": text.date_after(_RIB_DATE_LABELS, window=50),
    }

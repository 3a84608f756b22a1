"""The DISP liaison form of a person in detention: who, in which facility, issued when."""

from __future__ import annotations

import re
from datetime import date

from clea_intake.documents.read import Fields
from clea_intake.documents.read.organisations import clean_organisation
from clea_intake.documents.read.persons import (
    GIVEN_LABELS,
    SURNAME_LABELS,
    name_field,
    person_after,
    split_full_name,
)
from clea_intake.documents.reading import Text

_FACILITY = re.compile(
    r"(?:CENTRE\s+PENITENTIAIRE|MAISON\s+D'ARRET|CENTRE\s+DE\s+DETENTION|MAISON\s+CENTRALE|"
    r"CENTRE\s+DE\s+SEMI-?\s?LIBERTE|ETABLISSEMENT\s+PENITENTIAIRE\s+POUR\s+MINEURS)"
    r"\s+(?:DE\s+LA\s+|DE\s+L'|DU\s+|DES\s+|DE\s+|D')?[A-Z][A-Z'\- ]{1,40}"
)
_FACILITY_LABELS = [
    r"ETABLISSEMENT(?:\s+PENITENTIAIRE)?(?:\s+D'(?:AFFECTATION|ECROU)|\s+DE\s+DETENTION)?\s*:", r"LIEU\s+DE\s+DETENTION\s*:",
    r"LIEU\s+D'INCARCERATION\s*:", r"ETABLISSEMENT\s+D'ECROU",
]  # fmt: skip
_DISP_DATE_LABELS = [r"DATE\s+D'EMISSION", r"DATE\s+DE\s+LA\s+FICHE", r"DELIVREE?\s+LE", r"ETABLIE?\s+LE",
                     r"DATE\s+DE\s+DELIVRANCE", r"FAIT\s+(?:A\s+[^\n,]{1,40}?,?\s+)?LE", r"\bDATE\s*:"]  # fmt: skip


def read_disp(text: Text, as_of: date) -> Fields:
    """The DISP liaison form: the detained person, the facility and the day it was issued."""
    facility = None
    for match in text.labels(_FACILITY_LABELS):
        rest = text.raw[match.end() : text.line_end(match.end())]
        facility = clean_organisation(rest)
        if facility:
            break
    if facility is None:
        found = _FACILITY.search(text.folded)
        if found:
            end = found.end()
            line_end = text.line_end(found.start())
            facility = text.raw[found.start() : min(end, line_end)].strip(" -,")
    surname = name_field(text, SURNAME_LABELS)
    given = name_field(text, GIVEN_LABELS)
    if surname is None or given is None:
        full = person_after(
            text, [r"NOM\s+ET\s+PRENOMS?\s*:?", r"\bPERSONNE\s+DETENUE\s*:?", r"\bDETENUE?\s*:", r"\bINTERESSEE?\s*:?"]
        )
        if full:
            surname, given = split_full_name(full, surname, given)
    return {
        "surname": surname,
        "given_names": given,
        "facility": facility,
        "issue_date": text.date_after(_DISP_DATE_LABELS, window=60),
    }

"""Dates a piece states about itself: a period "du X au Y", start and end, the day it was signed."""

from __future__ import annotations

import re
from datetime import date

from clea_intake.documents.read.tables import header_table
from clea_intake.documents.reading import Text, compile_anchored
from clea_intake.documents.textutil import MONTHS, _make_date

_RANGE = compile_anchored(
    r"\bDU\s+(?P<d1>[0-3]?\d|1\s?ER)(?:\s+(?P<m1>[A-Z]+))?\s+AU\s+(?P<d2>[0-3]?\d)\s+(?P<m2>[A-Z]+)\s+(?P<y>(?:19|20)\d\d)"
)


def period(text: Text, labels: list[str] | None = None, *, window: int = 160) -> tuple[date | None, date | None]:
    """A period "du X au Y" (after one of `labels` when given), else (None, None)."""
    anchors = text.labels(labels) if labels else []
    starts = [a.end() for a in anchors] or ([0] if labels is None else [])
    for start in starts:
        zone_end = len(text.folded) if labels is None else start + window
        zone = text.folded[start:zone_end]
        # "du 13 au 24 avril 2026": the first day borrows the month and year of the second.
        short = _RANGE.search(zone)
        if short and short.group("m2") in MONTHS:
            month1 = MONTHS.get(short.group("m1") or short.group("m2"))
            if month1:
                y = int(short.group("y"))
                d1 = 1 if "ER" in short.group("d1") else int(short.group("d1"))
                first, second = _make_date(d1, month1, y), _make_date(int(short.group("d2")), MONTHS[short.group("m2")], y)
                if first and second:
                    return first, second
        du = re.search(r"\b(?:DU|DEPUIS\s+LE|A\s+COMPTER\s+DU|DE)\b", zone)
        hits = [(s - start, d) for s, _e, d in text.dates if start <= s < zone_end]
        if du is not None:
            after = [d for offset, d in hits if offset >= du.start()]
            au = re.search(r"\b(?:AU|JUSQU'AU|JUSQU\s?'\s?AU|A)\b", zone[du.end() :])
            if len(after) >= 2 and au is not None:
                return after[0], after[1]
        if labels is not None and len(hits) >= 2 and hits[1][0] - hits[0][0] < 60:
            return hits[0][1], hits[1][1]
    return None, None


_START_LABELS = [
    r"DATE\s+DE\s+DEBUT", r"DEBUT\s+DE\s+L'EVALUATION", r"DATE\s+DE\s+DEMARRAGE", r"DEMARRAGE",
    r"DATE\s+DU\s+DEBUT", r"COMMENCE(?:RA)?\s+LE", r"DEBUT\s*:",
]  # fmt: skip
_END_LABELS = [
    r"DATE\s+DE\s+FIN\b", r"FIN\s+DE\s+L'EVALUATION", r"DATE\s+DE\s+LA\s+FIN", r"TERMINE(?:RA)?\s+LE",
    r"FIN\s*:", r"DATE\s+D'ACHEVEMENT",
]  # fmt: skip
_PERIOD_LABELS = [
    r"PERIODE", r"DATES?\s+(?:DE\s+L'EVALUATION|DE\s+REALISATION|PREVISIONNELLES?|DE\s+L'ACTION|DES\s+SEANCES|D'EVALUATION)",
    r"REALISEE?S?\s+DU\b", r"EVALUATION\s+(?:INITIALE|FINALE|PREALABLE)?\s*(?:\w+\s+){0,4}DU\b", r"SUIVI\b",
    r"\bDU\b",
]  # fmt: skip


PERIOD_COLUMNS = {
    "start": r"\b(?:DATE\s+DE\s+)?DEBUT\b",
    "end": r"\b(?:DATE\s+DE\s+)?FIN\b",
    "hours": r"\b(?:NOMBRE\s+D')?HEURES\b|\bDUREE\b",
}


def start_end(text: Text) -> tuple[date | None, date | None]:
    """The start and end of the evaluation: a dated table row, start and end labels, or a period."""
    table = header_table(text, PERIOD_COLUMNS)
    if isinstance(table.get("start"), date) and isinstance(table.get("end"), date):
        return table["start"], table["end"]  # type: ignore[return-value]
    start = text.date_after(_START_LABELS, window=60)
    end = text.date_after(_END_LABELS, window=60)
    if start is None or end is None:
        p_start, p_end = period(text, _PERIOD_LABELS)
        start = start or p_start
        end = end or p_end
    return start, end


# "Fait à Bordeaux, le ...", "Édité le ...", and a line that opens with the place: "À Châteauroux, le ..." (the
# signature line of a host's attestation, without "Fait"), or with the date alone: "Le 09.01.2026" (a letter's).
_SIGNED = compile_anchored(r"\bFAIT\s+(?:A\s+[^\n,]{1,40}?,?\s+)?LE\b|\b(?:EDITE|EMIS|ETABLI|DELIVRE|SIGNE)E?S?\s+LE\b"
                           r"|(?:^|\n)[ \t]*A\s+[^\n,]{1,40}?,\s*LE\b|(?:^|\n)[ \t]*LE\s+(?=\d)")


def signed_date(text: Text) -> date | None:
    """The date a document was made: "Fait à Bordeaux, le 3 mars 2026", "Édité le ..."."""
    return text.date_after([_SIGNED.pattern], window=40)

"""The evaluator's pieces: the quote, the Qualiopi certificate and the CléA habilitation."""

from __future__ import annotations

import re
from datetime import date

from clea_intake.documents.read import Fields
from clea_intake.documents.read.dates import period, start_end
from clea_intake.documents.read.hours import hours_after
from clea_intake.documents.read.options import certification, certifications, evaluation
from clea_intake.documents.read.organisations import nda, organisation_name, siret
from clea_intake.documents.read.persons import beneficiary
from clea_intake.documents.reading import Text, compile_anchored
from clea_intake.documents.textutil import tidy_number

_HOURS_PRICE_LABELS = [
    r"PRIX\s+DES\s+HEURES", r"COUT\s+DES\s+HEURES", r"MONTANT\s+DES\s+HEURES", r"HEURES\s+D'EVALUATION",
    r"(?:PRIX|COUT|MONTANT|TARIF)\s+(?:TOTAL\s+)?(?:HT\s+)?DE\s+L'EVALUATION", r"COUT\s+PEDAGOGIQUE",
    r"PRESTATION\s+D'EVALUATION", r"EVALUATION\s+CLEA", r"EVALUATION\s+(?:INITIALE|FINALE|PREALABLE)\b[^\n]*\d\s*€",
]  # fmt: skip
_FEE_LINE = compile_anchored(
    r"FRAIS\s+(?:D'INSCRIPTION|DE\s+JURY|ANNEXES|DE\s+DOSSIER|DE\s+CERTIFICATION|DE\s+SESSION|D'EXAMEN|DE\s+PASSAGE)"
    r"|\bDROITS?\s+D'INSCRIPTION|\bINSCRIPTION\s*(?:AU\s+JURY)?\s*:|\bJURY\s*:"
)
_NIL = compile_anchored(r"\b(?:NEANT|AUCUN|SANS\s+OBJET|SANS\s+FRAIS|GRATUIT|NON\s+APPLICABLE|0\s*€)")
_TOTAL_LABELS = [r"\bTOTAL\s+(?:GENERAL\s+)?(?:HT|TTC|NET)?", r"NET\s+A\s+PAYER", r"MONTANT\s+TOTAL"]


def _line_amounts(text: Text, position: int) -> list[float]:
    start = text.folded.rfind("\n", 0, position) + 1
    end = text.line_end(position)
    return [value for pos, value in text.amounts if start <= pos < end]


_FEE_KINDS = {
    "inscription": r"INSCRIPTION", "jury": r"JURY", "dossier": r"DOSSIER", "certification": r"CERTIFICATION",
    "session": r"SESSION", "examen": r"EXAMEN|PASSAGE",
}  # fmt: skip


def amounts_on_line(text: Text, start: int, line_start: int, line_end: int) -> bool:
    """Whether an amount is written on the line, at `start` or after it."""
    return any(line_start <= p < line_end and p >= start for p, _v in text.amounts)


def _fees(text: Text) -> float | None:
    """Registration, jury and other fees shown apart. A fee listed in a table and again in a summary
    ("Frais annexes (inscription, jury) : 45 €") counts once: a line naming every kind, or "annexes",
    covers the lines that name fewer."""
    lines: list[tuple[frozenset[str], float]] = []
    seen = False
    for match in _FEE_LINE.finditer(text.folded):
        line_start = text.folded.rfind("\n", 0, match.start()) + 1
        line_end = text.line_end(match.start())
        line = text.folded[line_start:line_end]
        amounts = [v for p, v in text.amounts if line_start <= p < line_end and p >= match.start()]
        if not amounts and not _NIL.search(line[match.start() - line_start :]):
            below_start = line_end + 1
            amounts = [v for p, v in text.amounts if below_start <= p < text.line_end(below_start)][:1]
        kinds = frozenset(k for k, pattern in _FEE_KINDS.items() if re.search(pattern, line[match.start() - line_start :]))
        if re.search(r"ANNEXES|TOTAL\s+(?:DES\s+)?FRAIS", line):
            kinds = frozenset(_FEE_KINDS)
        if _NIL.search(line[match.start() - line_start :]) and not amounts_on_line(text, match.start(), line_start, line_end):
            seen = True  # "Frais de dossier : néant": shown apart, and nil
        elif amounts:
            lines.append((kinds or frozenset({"other"}), amounts[-1]))
            seen = True
    if not seen:
        return None
    total, covered = 0.0, frozenset()
    for kinds, value in sorted(lines, key=lambda kv: len(kv[0]), reverse=True):
        if kinds & covered:
            continue
        total += value
        covered = covered | kinds
    return tidy_number(total)


def _hours_price(text: Text) -> float | None:
    for match in text.labels(_HOURS_PRICE_LABELS):
        if _FEE_LINE.search(text.folded[match.start() : text.line_end(match.start())]):
            continue
        on_line = [v for p, v in text.amounts if match.start() <= p < text.line_end(match.end())]
        if on_line:
            # A table row "Évaluation CléA | 10 h | 45,00 € | 450,00 €": the line total is last.
            return on_line[-1]
        nxt = text.line_end(match.end()) + 1
        below = [v for p, v in text.amounts if nxt <= p < text.line_end(nxt)]
        if below:
            return below[0]
    return None


_HOURS_LABELS = [
    r"NOMBRE\s+D'HEURES(?:\s+D'EVALUATION)?", r"DUREE(?:\s+(?:TOTALE\s+)?DE\s+L'EVALUATION)?", r"VOLUME\s+HORAIRE",
    r"HEURES\s+D'EVALUATION", r"\bDUREE\s+PREVUE",
]  # fmt: skip


def _total(text: Text) -> float | None:
    """The quote's total: the largest amount on a total line that is not a line of fees."""
    found: list[float] = []
    for match in text.labels(_TOTAL_LABELS):
        line_start = text.folded.rfind("\n", 0, match.start()) + 1
        line_end = text.line_end(match.start())
        if _FEE_LINE.search(text.folded[line_start:line_end]) or re.search(r"TOTAL\s+(?:DES\s+)?FRAIS", text.folded[line_start:line_end]):
            continue
        found += [v for p, v in text.amounts if match.end() - 1 <= p < line_end]
    return max(found) if found else None


def _no_fees(amount: float | None, total: float | None) -> float | None:
    """DESIGN §1: a quote without a fees line whose total is the price of the hours (or that shows no
    total beyond it) has no fees, 0; a total above the hours' price with no fees shown apart leaves the
    fees unknown (None), which the checks report as a missing mention."""
    if amount is not None and total is not None and total > amount + 0.005:
        return None
    return tidy_number(0.0)


def read_quote(text: Text, as_of: date) -> Fields:
    """The quote: evaluator, beneficiary, certification, hours, price of the hours, fees, dates."""
    fees = _fees(text)
    amount = _hours_price(text)
    total = _total(text)
    if amount is None and total is not None:
        # Only a total is shown: what remains once the fees shown apart are taken off.
        amount = total - (fees or 0.0) if total >= (fees or 0.0) else None
    if fees is None:
        fees = _no_fees(amount, total)
    hours = hours_after(text, _HOURS_LABELS)
    if hours is None:
        match = re.search(r"(?<![\d,.])(\d{1,3}(?:[,.]\d{1,2})?)\s*(?:H|HEURES?)\s+D'EVALUATION", text.folded)
        hours = float(match.group(1).replace(",", ".")) if match else None
    start, end = start_end(text)
    return {
        "evaluator_name": organisation_name(text, header=True),
        "siret": siret(text),
        "nda": nda(text),
        "beneficiary_name": beneficiary(text),
        "certification": certification(text),
        "evaluation": evaluation(text),
        "hours": tidy_number(hours) if hours is not None else None,
        "amount_eur": tidy_number(amount) if amount is not None else None,
        "fees_eur": fees,
        "start_date": start,
        "end_date": end,
    }


_VALID_FROM_LABELS = [
    r"(?:DATE\s+DE\s+)?DEBUT\s+(?:DE\s+(?:LA\s+)?|D')(?:VALIDITE|HABILITATION|CERTIFICATION|CYCLE)",
    r"VALABLE\s+A\s+COMPTER\s+DU", r"A\s+COMPTER\s+DU", r"DATE\s+D'EFFET",
    r"DATE\s+DE\s+(?:CERTIFICATION|DELIVRANCE|DECISION|PRISE\s+D'EFFET|L'HABILITATION)", r"EN\s+VIGUEUR\s+DEPUIS\s+LE",
    r"VALIDE?\s+(?:A\s+PARTIR\s+)?DU", r"DEPUIS\s+LE", r"DELIVREE?\s+LE", r"DATE\s+D'HABILITATION", r"DATE\s+DE\s+DEBUT",
    r"\bDEBUT\s*:", r"HABILITEE?\s+DEPUIS\s+LE", r"CERTIFIEE?\s+DEPUIS\s+LE",
]  # fmt: skip
_VALID_UNTIL_LABELS = [
    r"(?:DATE\s+DE\s+)?FIN\s+(?:DE\s+(?:LA\s+)?|D')(?:VALIDITE|HABILITATION|CERTIFICATION|CYCLE)",
    r"VALABLE\s+JUSQU'?\s?AU", r"VALIDE?\s+JUSQU'?\s?AU", r"JUSQU'?\s?AU", r"DATE\s+D'(?:EXPIRATION|ECHEANCE)",
    r"EXPIRE\s+LE", r"DATE\s+DE\s+FIN\b", r"\bFIN\s*:", r"DATE\s+LIMITE\s+DE\s+VALIDITE",
]  # fmt: skip
_VALIDITY_PERIOD = [r"VALIDITE", r"VALABLE", r"VALIDE", r"HABILITEE?", r"PERIODE", r"CERTIFIEE?"]


def _validity(text: Text) -> tuple[date | None, date | None]:
    start = text.date_after(_VALID_FROM_LABELS, window=50)
    end = text.date_after(_VALID_UNTIL_LABELS, window=50)
    if start is None or end is None or (start and end and end <= start):
        p_start, p_end = period(text, _VALIDITY_PERIOD, window=140)
        if not (p_start and p_end):
            # A table row "CléA du 23/01/2026 au 22/01/2029" under no validity label.
            p_start, p_end = period(text, [r"\bDU\b(?=\s+\d|\s+1\s?ER)"], window=60)
        if p_start and p_end:
            start, end = (start if start and start < p_end else p_start), (end if end and end > p_start else p_end)
    return start, end


_CERTIFIED_LABELS = [
    r"DELIVREE?\s+A\s*:?", r"DECERNEE?\s+A\s*:?", r"ATTRIBUEE?\s+A\s*:?", r"ORGANISME\s+CERTIFIE\s*:?",
    r"CERTIFIE\s+QUE\s*(?:L'ORGANISME)?\s*:?", r"NOM\s+DE\s+L'ORGANISME\s*:?", r"RAISON\s+SOCIALE\s*:?",
    r"L'ORGANISME\s*:?", r"ORGANISME\s+(?:EVALUATEUR\s+)?HABILITE\s*:?", r"ATTESTE\s+QUE\s*(?:L'ORGANISME)?\s*:?",
    r"\bTITULAIRE(?:\s+DU\s+CERTIFICAT)?\s*:?", r"\bBENEFICIAIRE\s*:?", r"ORGANISME\s+DE\s+FORMATION\s*:?",
]  # fmt: skip


def read_qualiopi(text: Text, as_of: date) -> Fields:
    """The Qualiopi certificate: its holder, SIRET and validity."""
    valid_from, valid_until = _validity(text)
    return {
        "holder_name": organisation_name(text, _CERTIFIED_LABELS),
        "siret": siret(text),
        "valid_from": valid_from,
        "valid_until": valid_until,
    }


def read_habilitation(text: Text, as_of: date) -> Fields:
    """The CléA habilitation: what a Qualiopi certificate says, and the certifications it covers."""
    return {**read_qualiopi(text, as_of), "certifications": certifications(text)}

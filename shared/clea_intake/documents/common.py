"""Field readers shared by several document types: names, dates, periods, certification, identifiers."""

from __future__ import annotations

import re
from datetime import date

from clea_intake.documents import identifiers
from clea_intake.documents.reading import Text, fold_aligned

# Words that start another label on the same line: a value stops before them.
_NEXT_LABEL = re.compile(
    r"\s(?:PRENOMS?|NOM\b|NE\(?E?\)?\s+LE|NEE?\s+LE|DATE|ADRESSE|N°|NUMERO|SIRET|SIREN|NDA|TEL|TELEPHONE|"
    r"E-?MAIL|COURRIEL|CERTIFICATION|EVALUATION|NE\(E\)|SEXE|NATIONALITE|LIEU|ETABLISSEMENT|"
    r"CODE\s+POSTAL|VILLE|COMMUNE|IBAN|BIC|DOMICILIATION|REFERENCE|REF\b|PERIODE|DU\s+\d|LE\s+\d)"
)
CIVILITY = re.compile(
    r"^(?:(?:M\.?|MR\.?|MME\.?|MLLE\.?|MONSIEUR|MADAME|MADEMOISELLE|M\.?\s+ET\s+MME\.?|MME\.?\s+ET\s+M\.?)\s+)+",
    re.IGNORECASE,
)


def cut_value(raw: str) -> str:
    """A value read after a label, stopped before the next label on the same line."""
    folded = fold_aligned(raw)
    match = _NEXT_LABEL.search(folded)
    if match and match.start() > 0:
        raw = raw[: match.start()]
    # Two or more spaces usually separate table columns in extracted text.
    raw = re.split(r"\s{3,}", raw.strip())[0]
    return raw.strip(" :;,.-–|")


def clean_person(raw: str | None) -> str | None:
    if not raw:
        return None
    value = CIVILITY.sub("", cut_value(re.sub(r"^\s*\(S\)", "", raw, flags=re.IGNORECASE))).strip(" :;,.-")
    value = re.sub(r"\s+", " ", value)
    letters = re.sub(r"[^A-Za-zÀ-ÿ]", "", value)
    if len(letters) < 2 or re.search(r"\d{3,}", value):
        return None
    return value


def clean_organisation(raw: str | None) -> str | None:
    if not raw:
        return None
    value = re.split(r"\s{3,}|\s[-–|]\s(?=\d)", raw.strip())[0]
    folded = fold_aligned(value)
    match = re.search(r"\s(?:SIRET|SIREN|N°|NUMERO|NDA|ADRESSE|TEL|\d{5}\s)", folded)
    if match and match.start() > 2:
        value = value[: match.start()]
    value = value.strip(" :;,.-–|")
    return value if len(re.sub(r"[^A-Za-zÀ-ÿ]", "", value)) >= 2 else None


def person_from_parts(text: Text, anchor: int = 0, window: int = 400) -> str | None:
    """'NOM Prénom' from separate "Nom :" and "Prénom(s) :" labels found after `anchor`."""
    sub = Text(text.raw[anchor : anchor + window])
    surname = sub.value_after([r"\bNOM(?:\s+DE\s+NAISSANCE|\s+D'USAGE|\s+PATRONYMIQUE)?\s*:"])
    given = sub.value_after([r"\bPRENOMS?(?:\(S\))?\s*:"])
    surname = clean_person(surname)
    given = clean_person(given)
    if surname and given:
        return f"{surname} {given}"
    return None


def person_after(text: Text, labels: list[str]) -> str | None:
    """A person named after one of `labels`: on the same line, the next line, or as Nom/Prénom below."""
    for match in text.labels(labels):
        rest = text.raw[match.end() : text.line_end(match.end())]
        direct = clean_person(rest)
        if direct and not re.match(r"(?i)^\s*:?\s*(?:nom|pr[ée]nom)", rest):
            return direct
        parts = person_from_parts(text, match.end())
        if parts:
            return parts
        nxt = text.value_after([re.escape(text.folded[match.start() : match.end()])], max_lines=1)
        nxt = clean_person(nxt)
        if nxt:
            return nxt
    return None


# ---------------------------------------------------------------- dates and periods

_RANGE = re.compile(
    r"\bDU\s+(?P<d1>[0-3]?\d|1\s?ER)(?:\s+(?P<m1>[A-Z]+))?\s+AU\s+(?P<d2>[0-3]?\d)\s+(?P<m2>[A-Z]+)\s+(?P<y>(?:19|20)\d\d)"
)


def period(text: Text, labels: list[str] | None = None, *, window: int = 160) -> tuple[date | None, date | None]:
    """A period "du X au Y" (after one of `labels` when given), else (None, None)."""
    from clea_intake.documents.textutil import MONTHS, _make_date

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


def start_end(text: Text) -> tuple[date | None, date | None]:
    start = text.date_after(_START_LABELS, window=60)
    end = text.date_after(_END_LABELS, window=60)
    if start is None or end is None:
        p_start, p_end = period(text, _PERIOD_LABELS)
        start = start or p_start
        end = end or p_end
    return start, end


_SIGNED = re.compile(r"\bFAIT\s+(?:A\s+[^\n,]{1,40}?,?\s+)?LE\b|\b(?:EDITE|EMIS|ETABLI|DELIVRE|SIGNE)E?S?\s+LE\b")


def signed_date(text: Text) -> date | None:
    """The date a document was made: "Fait à Bordeaux, le 3 mars 2026", "Édité le ..."."""
    return text.date_after([_SIGNED.pattern], window=40)


# ---------------------------------------------------------------- certification and evaluation

_CHECKED = r"(?:☒|☑|✔|✓|✗|✘|■|\[\s?X\s?\]|\(\s?X\s?\)|\bX\b)"
_UNCHECKED = r"(?:☐|□|\[\s?\]|\(\s?\))"


def _option(text: Text, patterns: dict[str, str]) -> str | None:
    """Which of several options the document states; with check boxes, the one ticked."""
    folded = text.folded
    mentioned: dict[str, list[int]] = {}
    for key, pattern in patterns.items():
        for match in re.finditer(pattern, folded):
            mentioned.setdefault(key, []).append(match.start())
    if not mentioned:
        return None
    if len(mentioned) == 1:
        return next(iter(mentioned))
    # Several options printed: a form with check boxes. Look at the mark just before each option.
    ticked = set()
    for key, positions in mentioned.items():
        for position in positions:
            before = folded[max(0, position - 6) : position]
            if re.search(_CHECKED + r"\s*$", before) and not re.search(_UNCHECKED + r"\s*$", before):
                ticked.add(key)
    if len(ticked) == 1:
        return ticked.pop()
    return None


CERTIFICATION_PATTERNS = {
    "clea_numerique": r"\bCLEA\s*-?\s*NUMERIQUE\b",
    "clea_socle": r"\bCLEA\s*-?\s*(?:SOCLE\b|\(?\s*SOCLE|DE\s+BASE\b)|\bSOCLE\s+DE\s+CONNAISSANCES\b",
}
EVALUATION_PATTERNS = {
    "initial": r"\bEVALUATION\s+(?:INITIALE|PREALABLE)\b|\bPOSITIONNEMENT\s+INITIAL\b",
    "final": r"\bEVALUATION\s+FINALE\b|\bEVALUATION\s+(?:COMPLEMENTAIRE|POST-?FORMATION)\b",
}


def certification(text: Text) -> str | None:
    found = _option(text, CERTIFICATION_PATTERNS)
    if found is None and re.search(r"\bCLEA\b", text.folded) and not re.search(
        r"\bCLEA\s*-?\s*(?:NUMERIQUE|MANAGEMENT)\b", text.folded
    ):
        # "Certificat CléA" alone is the historical name of CléA Socle.
        return "clea_socle"
    return found


def certifications(text: Text) -> list[str]:
    """Every CléA certification a habilitation covers (both when both are ticked or listed)."""
    folded = text.folded
    found: list[str] = []
    has_boxes = re.search(_UNCHECKED, folded) is not None
    for key, pattern in CERTIFICATION_PATTERNS.items():
        for match in re.finditer(pattern, folded):
            before = folded[max(0, match.start() - 6) : match.start()]
            if has_boxes and re.search(_UNCHECKED + r"\s*$", before):
                continue
            found.append(key)
            break
    if not found and re.search(r"\bCLEA\b(?!\s*-?\s*MANAGEMENT)", folded):
        found.append("clea_socle")
    return sorted(set(found), key=["clea_socle", "clea_numerique"].index)


def evaluation(text: Text) -> str | None:
    return _option(text, EVALUATION_PATTERNS)


# ---------------------------------------------------------------- identifiers near labels

_SIRET_LABELS = [r"\bSIRET\b", r"\bN°\s*SIRET", r"NUMERO\s+SIRET"]


def siret(text: Text) -> str | None:
    for match in text.labels(_SIRET_LABELS):
        zone = text.folded[match.end() : match.end() + 60]
        found = re.search(r"(?<!\d)(\d(?:[ .\u00a0]?\d){12,14})(?!\d)", zone)
        if found:
            return identifiers.compact_digits(found.group(1))
    found = identifiers.SIRET_RE.search(text.folded)
    return identifiers.compact_digits(found.group(1)) if found else None


_NDA_LABELS = [
    r"DECLARATION\s+D'ACTIVITE", r"\bNDA\b", r"N°\s*D'ACTIVITE", r"NUMERO\s+D'ACTIVITE",
    r"ENREGISTREE?\s+SOUS\s+LE\s+(?:N°|NUMERO)",
]  # fmt: skip


def nda(text: Text) -> str | None:
    for match in text.labels(_NDA_LABELS):
        zone = text.folded[match.end() : match.end() + 90]
        found = re.search(r"(?<![\dA-Z])(\d[\d .]{6,18}\d)(?!\d)", zone)
        if found:
            return identifiers.compact_digits(found.group(1))
    return None


def hours_after(text: Text, labels: list[str], *, window: int = 80) -> float | None:
    from clea_intake.documents.textutil import HOURS_RE, parse_number

    for match in text.labels(labels):
        zone = text.folded[match.end() : match.end() + window]
        found = HOURS_RE.search(zone)
        if found is None:
            # "Nombre d'heures : 10" with no unit: a bare number right after the label.
            found = re.match(r"[\s:.\-]*(?P<num>\d{1,3}(?:[,.]\d{1,2})?)(?![\d/.,]\d)(?!\s*(?:€|EUR|%))", zone)
        if found:
            value = parse_number(found.group("num"))
            if value is not None:
                return value
    return None

"""Field readers shared by several document types: names, dates, periods, certification, identifiers."""

from __future__ import annotations

import re
from datetime import date

from clea_intake.documents import identifiers
from clea_intake.documents.reading import Text, compile_anchored, fold_aligned

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
    return raw.strip(" :;,.-–|[]_")


# A value that itself starts with "Some label :" was read from a line below a section title.
_NESTED_LABEL = re.compile(r"^[^:\d]{2,40}?\s:\s*(?=\S)")
# "Nom et prénom du bénéficiaire Léa Martin": words that continue the label, not the value.
_LABEL_TAIL = re.compile(
    r"^\s*(?:\(S\)|\(E\))?\s*(?:(?:DU|DE\s+LA|DE\s+L'|DES|DE)\s+(?:BENEFICIAIRE|CANDIDAT\(?E?\)?|STAGIAIRE|TITULAIRE|"
    r"PERSONNE(?:\s+\w+)?|APPRENANTE?|DEMANDEUR|DEMANDEUSE|CLIENT|LOCATAIRE|ASSURE|DETENUE?|COMPTE|ORGANISME)\b)?\s*:?\s*"
)
_UPPER = "A-ZÀ-ÖØ-ÞŒŸ"
_NAME_WORD = rf"[{_UPPER}][A-Za-zÀ-ÖØ-öø-ÿŒœŸ'’\-]*\.?"
_PARTICLE = r"(?:de|du|des|d'|le|la|van|von|der|di|da|dos|ben|el|al)"
NAME_RUN = re.compile(rf"{_NAME_WORD}(?:[ \t]+(?:{_PARTICLE}[ \t]+)?{_NAME_WORD}){{0,5}}")


def _strip_label_tail(raw: str) -> str:
    # A table cell border read as "[" or "|" a few characters in: what precedes it is the label's debris.
    border = re.match(r"^[^\[|]{0,8}[\[|]", raw)
    if border:
        raw = raw[border.end() :]
    raw = re.sub(r"^[\s|\[\]_]+", " ", raw)
    folded = fold_aligned(raw)
    tail = _LABEL_TAIL.match(folded)
    if tail and tail.end() > 0:
        raw = raw[tail.end() :]
    nested = _NESTED_LABEL.match(raw)
    if nested and not re.search(r"[A-ZÀ-Ý]{2,}\s+[A-ZÀ-Ý]", raw[: nested.start() + 1]):
        raw = raw[nested.end() :]
    return raw


def clean_person(raw: str | None) -> str | None:
    """A person's name from the text after a label; None when it does not look like a name."""
    if not raw:
        return None
    raw = _strip_label_tail(raw)
    value = CIVILITY.sub("", cut_value(raw)).strip(" :;,.-")
    value = CIVILITY.sub("", value)
    value = re.sub(r"\s+", " ", value)
    match = NAME_RUN.match(value)
    # Names start with a capital: "ou d'un autre financeur" after "bénéficiaire" is prose, not a name.
    if match is None:
        return None
    value = match.group(0).strip(" .'-")
    words = value.split()
    # "À Gradignan", "Fait à": capitalised words that are not names.
    while words and fold_aligned(words[0]) in _LEADING_NOT_NAMES:
        # "À Gradignan Agnès Leroy": after "à", "au", "en" comes a place, not the person.
        words = words[2:] if fold_aligned(words[0]) in ("A", "AU", "EN") else words[1:]
    # OCR turns table rules and stamps into stray one-letter words after the name ("Aïcha Haddad À").
    while len(words) > 1 and (len(words[-1].strip(".")) == 1 or re.fullmatch(r"(.)\1+", words[-1])):
        words = words[:-1]
    value = " ".join(words)
    letters = re.sub(r"[^A-Za-zÀ-ÿ]", "", value)
    words = fold_aligned(value).split()
    if len(letters) < 2 or not words or words[0] in _NOT_NAMES:
        return None
    # OCR noise in capitals ("RTE RON TNT") passes for a name; real name words carry a vowel.
    if any(len(w) > 2 and not re.search(r"[AEIOUY]", w) for w in words):
        return None
    return value


_LEADING_NOT_NAMES = frozenset({"A", "AU", "AUX", "EN", "PAR", "POUR", "DEPUIS", "CHEZ", "MON", "MA", "SON", "SA", "JE",
                                "NOUS", "IL", "ELLE", "FAIT", "SIGNE", "SIGNATURE", "LE", "LA", "LES", "DE", "DU",
                                "DES", "ET", "OU", "SUR", "DANS"})  # fmt: skip
_NOT_NAMES = frozenset({"NOM", "PRENOM", "PRENOMS", "DATE", "ADRESSE", "SIGNATURE", "CACHET", "LE", "LA", "ET",
                        "BENEFICIAIRE", "CANDIDAT", "CANDIDATE", "ORGANISME", "CERTIFICATION", "EVALUATION",
                        "LOCATAIRE", "TITULAIRE", "CLIENT", "ASSURE", "ASSUREE", "SOUSCRIPTEUR", "PROPRIETAIRE",
                        "BAILLEUR", "HEBERGEANT", "HEBERGE", "HEBERGEE", "STAGIAIRE", "DESTINATAIRE", "MONTANT",
                        "TOTAL", "REFERENCE", "NUMERO", "SEXE", "NATIONALITE", "LIEU", "TAILLE", "AUTORITE"})  # fmt: skip


def clean_organisation(raw: str | None) -> str | None:
    if not raw:
        return None
    raw = _strip_label_tail(raw)
    value = re.split(r"\s{3,}|\s[-–|]\s|,\s|\s(?:est|a\s+été|situé|située|sis|dont|domicilié|domiciliée)\b", raw.strip())[0]
    folded = fold_aligned(value)
    match = re.search(r"[\s,(](?:SIRET|SIREN|N°|NUMERO|NDA|ADRESSE|TEL|\d{1,4}\s|\d{5}\s|\(\s*SIRET)", folded)
    if match and match.start() > 2:
        value = value[: match.start()]
    value = value.strip(" :;,.-–|(")
    words = value.split()
    while len(words) > 1 and len(words[-1]) == 1 and not words[-1].isalnum():
        words = words[:-1]
    while len(words) > 2 and len(words[-1]) == 1 and words[-1] not in "&":
        words = words[:-1]
    value = " ".join(words)
    if not value or not re.match(r"[A-Za-zÀ-ÿ0-9&«\"]", value) or value[0].islower():
        return None
    return value if len(re.sub(r"[^A-Za-zÀ-ÿ]", "", value)) >= 2 else None


def labelled(text: Text, patterns: list[str]) -> list[tuple[int, str]]:
    """Candidate values after labels, best first: "Label : value" on one line, then a label opening its
    line with the value after it ("Titulaire Formation Atlantique"), then a label alone with the value
    on the next line. Returns (position of the value, raw value)."""
    colon: list[tuple[int, str]] = []
    bare: list[tuple[int, str]] = []
    below: list[tuple[int, str]] = []
    inline: list[tuple[int, str]] = []
    for match in text.labels(patterns):
        line_start = text.folded.rfind("\n", 0, match.start()) + 1
        # A label pattern ending in \s* may swallow the line break: the value starts where the label ends.
        label_end = match.start() + len(match.group(0).rstrip())
        end = text.line_end(label_end)
        rest = text.raw[label_end:end]
        if rest.strip(" :;.-–|\t"):
            folded_rest = text.folded[label_end:end]
            after_tail = _LABEL_TAIL.match(folded_rest)
            offset = after_tail.end() if after_tail else 0
            label_colon = text.folded[match.start() : match.end()].rstrip().endswith(":")
            if label_colon or folded_rest.lstrip().startswith(":") or ":" in folded_rest[:offset]:
                colon.append((match.end(), rest))
            elif not text.folded[line_start : match.start()].strip(" -–.|•0123456789)"):
                bare.append((label_end, rest))
            else:
                inline.append((label_end, rest))
        else:
            nxt = end + 1
            if nxt < len(text.raw):
                below.append((nxt, text.raw[nxt : text.line_end(nxt)]))
    return colon + bare + below + inline


def person_from_parts(text: Text, anchor: int = 0, window: int = 400) -> str | None:
    """'NOM Prénom' from separate "Nom" and "Prénom(s)" labels found after `anchor`."""
    sub = Text(text.raw[anchor : anchor + window])
    surname = next(
        (v for _p, raw in labelled(sub, [r"\bNOM(?:\s+DE\s+NAISSANCE|\s+D'USAGE|\s+PATRONYMIQUE|\s+DE\s+FAMILLE)?\b(?!\s+(?:ET|DU|DE\s+L))"])
         if (v := clean_person(raw))),
        None,
    )
    given = next((v for _p, raw in labelled(sub, [r"\bPRENOMS?(?:\s*\(S\))?"]) if (v := clean_person(raw))), None)
    if surname and given:
        return f"{surname} {given}"
    return None


_IN_PROSE = [
    r"\b(?:ATTESTE|ATTESTONS|CERTIFIE|CERTIFIONS|DECLARE|DECLARONS)\s+(?:SUR\s+L'HONNEUR\s+)?QUE\s+",
    r"\bAU\s+(?:BENEFICE|PROFIT|NOM)\s+DE\s+", r"\bETABLIE?\s+POUR\s*:?\s*", r"\bEN\s+FAVEUR\s+DE\s+",
]  # fmt: skip


def person_in_prose(text: Text, patterns: list[str] | None = None) -> tuple[str | None, int]:
    """A person named in a sentence: "atteste que Madame BENALI Agnès, née le ...", "au bénéfice de Léa Martin"."""
    for match in text.labels(patterns or _IN_PROSE):
        rest = text.raw[match.end() : match.end() + 120].replace("\n", " ")
        rest = CIVILITY.sub("", rest.lstrip())
        if re.match(r"(?i)l'organisme|la\s+soci|le\s+centre|l'association|nous|je\b", rest):
            continue
        run = NAME_RUN.match(rest)
        if run:
            name = clean_person(run.group(0))
            if name and len(name.split()) >= 2:
                return name, match.end()
    return None, 0


def first_person_in(sentence: str) -> str | None:
    """The first full name (two words or more) in a piece of prose, skipping dates and lowercase words."""
    sentence = re.split(r"[.;](?:\s|$)", sentence)[0]
    for run in NAME_RUN.finditer(sentence):
        name = clean_person(run.group(0))
        if name and len(name.split()) >= 2:
            return name
    return None


def person_after(text: Text, labels: list[str]) -> str | None:
    """A person named after one of `labels` (same line, next line, or Nom/Prénom below), else in prose."""
    for position, raw in labelled(text, labels):
        if re.match(r"(?i)^\s*:?\s*(?:nom|pr[ée]nom)", raw):
            parts = person_from_parts(text, position)
            if parts:
                return parts
            continue
        direct = clean_person(raw)
        # A full name has two words at least; one word after "bénéficiaire" is prose ("Pour", "Le"),
        # unless a "Prénom" line follows: "Nom du candidat : MARTIN" / "Prénom : Léa".
        if direct and len(direct.split()) >= 2:
            return direct
        if direct:
            below = Text(text.raw[position : position + 200])
            given = next((v for _p, r in labelled(below, [r"\bPRENOMS?(?:\s*\(S\))?"]) if (v := clean_person(r))), None)
            if given:
                return f"{direct} {given}"
    for match in text.labels(labels):
        parts = person_from_parts(text, match.end())
        if parts:
            return parts
    return person_in_prose(text)[0]


# ---------------------------------------------------------------- dates and periods

_RANGE = compile_anchored(
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


TABLE_COLUMNS = {
    "start": r"\b(?:DATE\s+DE\s+)?DEBUT\b",
    "end": r"\b(?:DATE\s+DE\s+)?FIN\b",
    "hours": r"\b(?:NOMBRE\s+D')?HEURES\b|\bDUREE\b",
}


def start_end(text: Text) -> tuple[date | None, date | None]:
    table = header_table(text, TABLE_COLUMNS)
    if isinstance(table.get("start"), date) and isinstance(table.get("end"), date):
        return table["start"], table["end"]  # type: ignore[return-value]
    start = text.date_after(_START_LABELS, window=60)
    end = text.date_after(_END_LABELS, window=60)
    if start is None or end is None:
        p_start, p_end = period(text, _PERIOD_LABELS)
        start = start or p_start
        end = end or p_end
    return start, end


_SIGNED = compile_anchored(r"\bFAIT\s+(?:A\s+[^\n,]{1,40}?,?\s+)?LE\b|\b(?:EDITE|EMIS|ETABLI|DELIVRE|SIGNE)E?S?\s+LE\b")


def signed_date(text: Text) -> date | None:
    """The date a document was made: "Fait à Bordeaux, le 3 mars 2026", "Édité le ..."."""
    return text.date_after([_SIGNED.pattern], window=40)


# ---------------------------------------------------------------- certification and evaluation

_CHECKED = r"(?:☒|☑|✔|✓|✗|✘|■|\[\s?X\s?\]|\(\s?X\s?\))"
_UNCHECKED = r"(?:☐|□|\[\s?\]|\(\s?\))"


_ANY_BOX = re.compile(_CHECKED[:-1] + "|" + _UNCHECKED[3:])


def _option(text: Text, patterns: dict[str, str], boxed: dict[str, str] | None = None) -> str | None:
    """Which of several options the document states; with check boxes, the one ticked. `boxed` patterns
    (an option word right behind a box) only run when the text has boxes at all: they are slow to scan."""
    folded = text.folded
    mentioned: dict[str, list[int]] = {}
    active = dict(patterns)
    if boxed and _ANY_BOX.search(folded):
        active = {key: active[key] + "|" + boxed[key] if key in boxed else active[key] for key in active}
    for key, pattern in active.items():
        for match in text.finditer(pattern):
            mentioned.setdefault(key, []).append(match.start())
    if not mentioned:
        return None
    # A form with check boxes: the mark just before an option (or opening its match) says if it is ticked.
    ticked, unticked = set(), set()
    for key, positions in mentioned.items():
        for position in positions:
            around = folded[max(0, position - 6) : position + 3]
            if re.search(_UNCHECKED, around):
                unticked.add(key)
            elif re.search(_CHECKED, around):
                ticked.add(key)
    if len(ticked) == 1:
        return ticked.pop()
    candidates = [key for key in mentioned if key not in unticked or key in ticked]
    if len(mentioned) == 1 and candidates:
        return candidates[0]
    return None


# OCR reads the "l" of CléA as I, 1 or |, and drops the accent of Numérique or misreads one letter.
_CLEA = r"\bC[LI1|]\s?EA\b"
_NUMERIQUE = r"N[UV]M[EC]R[I1l]Q[UV]E"
CERTIFICATION_PATTERNS = {
    "clea_numerique": _CLEA + r"\s*[-–:]?\s*" + _NUMERIQUE,
    "clea_socle": _CLEA + r"\s*[-–:]?\s*(?:SOCLE\b|\(?\s*SOCLE|DE\s+BASE\b)|\bSOCLE\s+DE\s+CONNAISSANCES\b",
}
_BOX = r"(?:" + _CHECKED + "|" + _UNCHECKED + r")\s*"
# "☒ CléA  ☐ CléA Numérique": a bare CléA behind a box is the Socle option of the form.
CERTIFICATION_BOXED = {"clea_socle": _BOX + _CLEA + r"(?!\s*[-–:]?\s*(?:" + _NUMERIQUE + r"|MANAGEMENT))"}
EVALUATION_PATTERNS = {
    "initial": r"\bEVALUATION\s+(?:INITIALE|PREALABLE)\b|\bPOSITIONNEMENT\s+INITIAL\b",
    "final": r"\bEVALUATION\s+FINALE\b|\bEVALUATION\s+(?:COMPLEMENTAIRE|POST-?FORMATION)\b",
}
EVALUATION_BOXED = {"initial": _BOX + r"(?:INITIALE|PREALABLE)\b", "final": _BOX + r"FINALE\b"}


def certification(text: Text) -> str | None:
    found = _option(text, CERTIFICATION_PATTERNS, CERTIFICATION_BOXED)
    # A bare "CléA" is CléA Socle's historical name, unless "numérique" shows anywhere: then a misread
    # "CléA Numérique" is as likely, and no answer beats a wrong one.
    if found is None and text.find(_CLEA) and not text.find(_NUMERIQUE + r"|MANAGEMENT"):
        # "Certificat CléA" alone is the historical name of CléA Socle.
        return "clea_socle"
    return found


def certifications(text: Text) -> list[str]:
    """Every CléA certification a habilitation covers (both when both are ticked or listed)."""
    folded = text.folded
    found: list[str] = []
    has_boxes = re.search(_UNCHECKED, folded) is not None
    for key, pattern in CERTIFICATION_PATTERNS.items():
        for match in text.finditer(pattern):
            before = folded[max(0, match.start() - 6) : match.start()]
            if has_boxes and re.search(_UNCHECKED + r"\s*$", before):
                continue
            found.append(key)
            break
    # A list or table row that opens with a bare "CléA" ("CléA du 23/01/2026 au ...", "☒ CléA") is CléA Socle,
    # the certification's historical name; a bare "CléA" in a title or a sentence says nothing.
    for match in re.finditer(
        r"(?m)^[ \t•\-–*]*(" + _CHECKED + r"|" + _UNCHECKED + r")?[ \t]*" + _CLEA + r"(?!\s*[-–:]?\s*(?:" + _NUMERIQUE + r"|MANAGEMENT))",
        folded,
    ):
        box = match.group(1) or ""
        if not re.fullmatch(_UNCHECKED, box.strip() or "-"):
            found.append("clea_socle")
            break
    if not found and text.find(_CLEA + r"(?!\s*-?\s*MANAGEMENT)") and not text.find(_NUMERIQUE):
        found.append("clea_socle")
    return sorted(set(found), key=["clea_socle", "clea_numerique"].index)


def evaluation(text: Text) -> str | None:
    return _option(text, EVALUATION_PATTERNS, EVALUATION_BOXED)


# ---------------------------------------------------------------- identifiers near labels

_SIRET_LABELS = [r"\bSIRET\b", r"\bN°\s*SIRET", r"NUMERO\s+SIRET"]


def siret(text: Text) -> str | None:
    for match in text.labels(_SIRET_LABELS):
        zone = text.folded[match.end() : match.end() + 60]
        found = re.search(r"(?<!\d)(\d(?:[ .\u00a0]?\d){12,15})(?!\d)", zone)
        if found:
            return _fourteen(identifiers.compact_digits(found.group(1)))
    found = identifiers.SIRET_RE.search(text.folded)
    return identifiers.compact_digits(found.group(1)) if found else None


def _fourteen(digits: str) -> str:
    """OCR reads a table rule next to a number as "1" or "|": a 15-digit run whose first or last 14 digits
    pass Luhn is that SIRET. Otherwise the run is returned as read (and refused later)."""
    # Only a rule's digit at either end is dropped: inner windows could pass Luhn by chance.
    if len(digits) == 15:
        for window in (digits[1:], digits[:14]):
            if identifiers.siret_valid(window):
                return window
    return digits


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


def header_table(text: Text, columns: dict[str, str]) -> dict[str, object]:
    """Values from a table whose header row names the columns and whose next row holds dates and numbers:
    "Date de début  Date de fin  Heures réalisées" / "27/01/2026 28/01/2026 7,5"."""
    from clea_intake.documents.textutil import find_dates, parse_number

    lines = text.folded_lines
    # Only lines where two column names meet can be a header: find them without testing every line.
    hits: dict[int, int] = {}
    for pattern in columns.values():
        for match in text.finditer(pattern):
            line_number = text.folded.count("\n", 0, match.start())
            hits[line_number] = hits.get(line_number, 0) + 1
    for index in sorted(n for n, count in hits.items() if count >= 2 and n < len(lines) - 1):
        line = lines[index]
        found = sorted((m.start(), key) for key, p in columns.items() if (m := re.search(p, line)))
        if len(found) < 2:
            continue
        row = next((x for x in lines[index + 1 : index + 3] if x.strip()), "")
        cells: list[tuple[int, object]] = []
        spans = []
        for start, end, day in find_dates(row):
            cells.append((start, day))
            spans.append((start, end))
        for number in re.finditer(r"(?<![\d/.,])\d{1,4}(?:[,.]\d{1,2})?(?![\d/.,]*\d)", row):
            if not any(a <= number.start() < b for a, b in spans):
                value = parse_number(number.group(0))
                if value is not None:
                    cells.append((number.start(), value))
        cells.sort(key=lambda c: c[0])
        if len(cells) == len(found):
            return {key: cells[i][1] for i, (_pos, key) in enumerate(found)}
    return {}

"""A person's name read on a piece: after a label, from separate Nom and Prénom fields, or in a sentence."""

from __future__ import annotations

import re

from clea_intake.documents.read.labels import cut_value, labelled, strip_label_tail
from clea_intake.documents.reading import Text, fold_aligned
from clea_intake.domain.names import CIVILITIES

_CIVILITY_WORD = r"(?:" + "|".join(sorted(CIVILITIES, key=lambda w: (-len(w), w))) + r")\.?"
# How a person is addressed, before the name: "M.", "Mme", "M. et Mme", "Madame ou Monsieur".
CIVILITY = re.compile(rf"^(?:{_CIVILITY_WORD}(?:\s+(?:ET|OU)\s+{_CIVILITY_WORD})?\s+)+", re.IGNORECASE)
_UPPER = "A-ZÀ-ÖØ-ÞŒŸ"
_NAME_WORD = rf"[{_UPPER}][A-Za-zÀ-ÖØ-öø-ÿŒœŸ'’\-]*\.?"
_PARTICLE = r"(?:de|du|des|d'|le|la|van|von|der|di|da|dos|ben|el|al)"
NAME_RUN = re.compile(rf"{_NAME_WORD}(?:[ \t]+(?:{_PARTICLE}[ \t]+)?{_NAME_WORD}){{0,5}}")


def clean_person(raw: str | None, *, name_field: bool = False) -> str | None:
    """A person's name from the text after a label; None when it does not look like a name.

    `name_field`: the text follows a name's own label ("Nom : LE GALL"), where a leading article or
    preposition followed by a capitalised word is the name's particle (Le Gall, De La Tour, Du Pont), not
    the prose ("Le directeur", "de Bordeaux") it is elsewhere."""
    if not raw:
        return None
    raw = strip_label_tail(raw)
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
        if name_field and _has_particle(words):
            break
        # "À Gradignan Agnès Leroy": after "à", "au", "en" comes a place, not the person.
        words = words[2:] if fold_aligned(words[0]) in ("A", "AU", "EN") else words[1:]
    # OCR turns table rules and stamps into stray one-letter words after the name ("Aïcha Haddad À").
    while len(words) > 1 and (len(words[-1].strip(".")) == 1 or re.fullmatch(r"(.)\1+", words[-1])):
        words = words[:-1]
    value = " ".join(words)
    letters = re.sub(r"[^A-Za-zÀ-ÿ]", "", value)
    words = fold_aligned(value).split()
    if len(letters) < 2 or not words or (words[0] in _NOT_NAMES and not (name_field and _has_particle(words))):
        return None
    # OCR noise in capitals ("RTE RON TNT") passes for a name; real name words carry a vowel.
    if any(len(w) > 2 and not re.search(r"[AEIOUY]", w) for w in words):
        return None
    return value


_LEADING_NOT_NAMES = frozenset({"A", "AU", "AUX", "EN", "PAR", "POUR", "DEPUIS", "CHEZ", "MON", "MA", "SON", "SA", "JE",
                                "NOUS", "IL", "ELLE", "FAIT", "SIGNE", "SIGNATURE", "LE", "LA", "LES", "DE", "DU",
                                "DES", "ET", "OU", "SUR", "DANS"})  # fmt: skip
_PARTICLE_WORD = re.compile(_PARTICLE, re.IGNORECASE)


def _has_particle(words: list[str]) -> bool:
    """A name's particle opens the words (Le Gall, La Fontaine, De La Tour, Du Pont, Des Roches)."""
    return len(words) > 1 and _PARTICLE_WORD.fullmatch(words[0]) is not None and words[1][:1].isupper()


_NOT_NAMES = frozenset({"NOM", "PRENOM", "PRENOMS", "DATE", "ADRESSE", "SIGNATURE", "CACHET", "LE", "LA", "ET",
                        "BENEFICIAIRE", "CANDIDAT", "CANDIDATE", "ORGANISME", "CERTIFICATION", "EVALUATION",
                        "LOCATAIRE", "TITULAIRE", "CLIENT", "ASSURE", "ASSUREE", "SOUSCRIPTEUR", "PROPRIETAIRE",
                        "BAILLEUR", "HEBERGEANT", "HEBERGE", "HEBERGEE", "STAGIAIRE", "DESTINATAIRE", "MONTANT",
                        "TOTAL", "REFERENCE", "NUMERO", "SEXE", "NATIONALITE", "LIEU", "TAILLE", "AUTORITE"})  # fmt: skip


SURNAME_LABELS = [
    r"\bNOM(?:\s+DE\s+NAISSANCE|\s+D'USAGE|\s+PATRONYMIQUE|\s+DE\s+FAMILLE)?(?:\s*/\s*SURNAME)?\b(?!\s*(?:ET\b|DU\b|DE\s+L|,|/\s*PRENOM))",
    r"\bSURNAME\b",
]  # fmt: skip
GIVEN_LABELS = [r"\bPRENOMS?(?:\s*\(S\))?(?:\s*/\s*GIVEN\s+NAMES?\b)?", r"\bGIVEN\s+NAMES?\b"]


def name_field(text: Text, labels: list[str]) -> str | None:
    """A surname or given-names field after one of `labels`."""
    for _position, raw in labelled(text, labels):
        value = cut_value(raw)
        if "/" in value and not re.search(r"\d", value):
            value = value.split("/")[0]  # "MARTIN / Surname": bilingual labels printed after the value
        name = clean_person(value.replace(",", " "), name_field=True)
        if name:
            return name
    return None


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


_BENEFICIARY_LABELS = [
    r"\bBENEFICIAIRE\b(?:\s+DE\s+L'EVALUATION)?", r"\bCANDIDAT(?:E)?\b", r"\bSTAGIAIRE\b", r"\bAPPRENANTE?\b",
    r"\bPERSONNE\s+EVALUEE\b", r"\bDEMANDEUR\b", r"\bNOM\s+DU\s+(?:BENEFICIAIRE|CANDIDAT|STAGIAIRE)\b",
    r"\bNOM\s+ET\s+PRENOMS?\b", r"\bNOM\s*,\s*PRENOMS?\b", r"\bCLIENTE?\s*:",
]  # fmt: skip


def beneficiary(text: Text) -> str | None:
    """The person the piece is made out to (beneficiary, candidate, trainee…)."""
    return person_after(text, _BENEFICIARY_LABELS)


def split_full_name(full: str, surname: str | None, given: str | None) -> tuple[str | None, str | None]:
    """"BENALI Agnès" or "Agnès BENALI": the word in capitals is the surname. Unsplittable: all in surname."""
    parts = full.split()
    upper = [p for p in parts if p.isupper() and len(p) > 1]
    if upper and len(upper) < len(parts):
        return surname or " ".join(upper), given or " ".join(p for p in parts if p not in upper)
    if surname is None and given is None:
        return full, None
    return surname, given

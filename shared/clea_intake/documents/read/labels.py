"""Values written after a label: "Label : value", a label opening its line, or the line below."""

from __future__ import annotations

import re

from clea_intake.documents.reading import Text, fold_aligned

# Words that start another label on the same line: a value stops before them.
_NEXT_LABEL = re.compile(
    r"\s(?:PRENOMS?|NOM\b|NE\(?E?\)?\s+LE|NEE?\s+LE|DATE|ADRESSE|N°|NUMERO|SIRET|SIREN|NDA|TEL|TELEPHONE|"
    r"E-?MAIL|COURRIEL|CERTIFICATION|EVALUATION|NE\(E\)|SEXE|NATIONALITE|LIEU|ETABLISSEMENT|"
    r"CODE\s+POSTAL|VILLE|COMMUNE|IBAN|BIC|DOMICILIATION|REFERENCE|REF\b|PERIODE|DU\s+\d|LE\s+\d)"
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


def strip_label_tail(raw: str) -> str:
    """The value without what is left of its label (a table border, "du bénéficiaire", "Nom :")."""
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

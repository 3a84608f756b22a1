"""An organisation read on a piece: its name after a label or on the letterhead, its SIRET and NDA."""

from __future__ import annotations

import re

from clea_intake.documents import identifiers
from clea_intake.documents.read.labels import labelled, strip_label_tail
from clea_intake.documents.reading import Text, fold_aligned


def clean_organisation(raw: str | None) -> str | None:
    """An organisation's name from the text after a label; None when it does not look like one."""
    if not raw:
        return None
    raw = strip_label_tail(raw)
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


_ORG_LABELS = [
    r"ORGANISME\s+(?:EVALUATEUR|DE\s+FORMATION|PRESTATAIRE|CERTIFIE|HABILITE)\b\s*:?", r"RAISON\s+SOCIALE\s*:?",
    r"\bPRESTATAIRE\s*:?", r"\bETABLI\s+PAR\s*:?", r"\bEMETTEUR\s*:?", r"\bORGANISME\b(?!\s+(?:CERTIFICATEUR|NON\b))\s*:?",
    r"NOM\s+DE\s+L'ORGANISME\s*:?", r"DENOMINATION(?:\s+SOCIALE)?\s*:?",
]  # fmt: skip


def organisation_name(text: Text, extra_labels: list[str] | None = None, *, header: bool = False) -> str | None:
    """The organisation's name after a label, else (with `header`) before the SIRET on the letterhead."""
    for _position, raw in labelled(text, (extra_labels or []) + _ORG_LABELS):
        value = clean_organisation(raw)
        if value:
            return value
    if header:
        # A letterhead "FORMATION ATLANTIQUE - SIRET 732 829 320 00074": the name before the SIRET.
        match = text.find(r"(?m)^([^\n]{3,80}?)[\s,–-]+(?:N°\s*)?SIRET\b")
        if match:
            value = clean_organisation(text.raw[match.start(1) : match.end(1)])
            if value and not re.search(r"\d", value):
                return value
    return None


_SIRET_LABELS = [r"\bSIRET\b", r"\bN°\s*SIRET", r"NUMERO\s+SIRET"]


def siret(text: Text) -> str | None:
    """The SIRET after its label, else the first SIRET-shaped number."""
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
    """The declaration of activity number (NDA) after its label."""
    for match in text.labels(_NDA_LABELS):
        zone = text.folded[match.end() : match.end() + 90]
        found = re.search(r"(?<![\dA-Z])(\d[\d .]{6,18}\d)(?!\d)", zone)
        if found:
            return identifiers.compact_digits(found.group(1))
    return None

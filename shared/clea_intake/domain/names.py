"""Name normalisation shared by matching and the beneficiary key."""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from datetime import date

# Letters Unicode does not decompose into a base letter and an accent, spelt as the MRZ spells them.
_UNDECOMPOSED = str.maketrans({"Œ": "OE", "œ": "oe", "Æ": "AE", "æ": "ae", "ß": "ss", "Ø": "O", "ø": "o",
                               "Ł": "L", "ł": "l", "Đ": "D", "đ": "d"})


def normalise(text: str | None) -> str:
    """Upper case, accents removed, punctuation turned into spaces, single spaces."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c))
    ascii_only = ascii_only.translate(_UNDECOMPOSED)
    cleaned = re.sub(r"[^A-Za-z0-9]+", " ", ascii_only)
    return " ".join(cleaned.upper().split())


def beneficiary_key(surname: str, given_names: str, birth_date: date, *, secret: bytes) -> str:
    """Stable pseudonymous key of a person: an HMAC-SHA256, under the Région's secret, of the normalised
    surname, given names and birth date. Without the secret, nobody holding the table can find a person's
    key from a list of names and birth dates."""
    material = f"{normalise(surname)}|{normalise(given_names)}|{birth_date.isoformat()}"
    return hmac.new(secret, material.encode("ascii"), hashlib.sha256).hexdigest()[:32]


_CIVILITIES = {"M", "MR", "MME", "MLLE", "MONSIEUR", "MADAME", "MADEMOISELLE", "EPOUSE", "EP", "NEE", "NE", "VEUVE"}
_LEGAL_FORMS = {"SAS", "SASU", "SARL", "EURL", "SA", "SCOP", "SCIC", "EI", "ASSOCIATION", "ASSO", "GIP", "GRETA", "SNC"}


def _tokens(text: str | None, drop: set[str]) -> list[str]:
    return [t for t in normalise(text).split() if t not in drop]


def person_matches(doc_surname: str | None, doc_given_names: str | None, surname: str, given_names: str) -> bool:
    """A document's surname and given names designate the applicant.

    The surname must match exactly once normalised (hyphens and accents do not count); the
    document's first given name must be one of the applicant's: cards print all given names,
    forms often only the usual one, and the order may differ.
    """
    if normalise(doc_surname).replace(" ", "") != normalise(surname).replace(" ", ""):
        return False
    doc_given = _tokens(doc_given_names, set())
    form_given = _tokens(given_names, set())
    if not doc_given or not form_given:
        return False
    return doc_given[0] in form_given or form_given[0] in doc_given


def holder_matches(doc_holder: str | None, surname: str, given_names: str) -> bool:
    """A holder written as one string ("M. MARTIN Léa", "Mme Léa MARTIN") designates the applicant."""
    holder = _tokens(doc_holder, _CIVILITIES)
    if not holder:
        return False
    surname_tokens = _tokens(surname, set())
    given = set(_tokens(given_names, set()))
    # Whole words only: "MARTINEZ" is not "MARTIN".
    for start in _occurrences(holder, surname_tokens):
        rest = holder[:start] + holder[start + len(surname_tokens):]
        # A joint holder ("M. ET MME MARTIN LEA") still names the applicant if one given name is theirs.
        if given & set(rest) or not rest:
            return True
    return False


def organisation_matches(doc_holder: str | None, name: str) -> bool:
    """An organisation's name on a document designates the evaluator (legal forms and case aside)."""
    ours = _tokens(name, _LEGAL_FORMS)
    theirs = _tokens(doc_holder, _LEGAL_FORMS)
    if not ours or not theirs:
        return False
    return bool(_occurrences(theirs, ours) or _occurrences(ours, theirs))


def _occurrences(words: list[str], part: list[str]) -> list[int]:
    """Where `part` appears in `words` as consecutive whole words."""
    return [i for i in range(len(words) - len(part) + 1) if words[i:i + len(part)] == part]

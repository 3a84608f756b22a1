"""Who a name designates: one rule for "the same person", one for "the same organisation", and the
beneficiary key (DESIGN §3)."""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

# Letters Unicode does not decompose into a base letter and an accent, spelt as the MRZ spells them.
_UNDECOMPOSED = str.maketrans({"Œ": "OE", "œ": "oe", "Æ": "AE", "æ": "ae", "ß": "ss", "Ø": "O", "ø": "o",
                               "Ł": "L", "ł": "l", "Đ": "D", "đ": "d"})

# How a person is addressed, never part of a name ("M. MARTIN Léa", "Maître Durand"), normalised.
CIVILITIES = frozenset({
    "M", "MR", "MME", "MLLE", "MM", "MMES", "MONSIEUR", "MADAME", "MADEMOISELLE", "MESSIEURS", "MESDAMES",
    "DR", "DOCTEUR", "ME", "MAITRE",
})  # fmt: skip
# Words that join people or a person's names in one holder string ("M. OU MME", "MARTIN épouse DURAND").
_JOINERS = frozenset({"ET", "OU", "EPOUSE", "EP", "VEUVE", "VVE", "NEE", "NE", "DIT", "DITE"})
# An organisation's legal form, written before or after its name: not part of the name.
LEGAL_FORMS = frozenset({
    "SAS", "SASU", "SARL", "EURL", "SA", "SCOP", "SCIC", "SCS", "SNC", "SCA", "SEM", "SPL", "GIE", "GIP", "EI",
    "EIRL", "ASSOCIATION", "ASSO", "LOI", "1901", "SOCIETE", "STE", "CIE",
})  # fmt: skip
# Small words an organisation's name is written with or without ("Les Ateliers du Savoir"); "&" is "ET".
_ARTICLES = frozenset({"LE", "LA", "LES", "L", "DE", "DU", "DES", "D", "AU", "AUX", "A", "ET", "THE", "OF", "AND"})


def normalise(text: str | None) -> str:
    """Upper case, accents removed, punctuation turned into spaces, single spaces."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c))
    ascii_only = ascii_only.translate(_UNDECOMPOSED)
    cleaned = re.sub(r"[^A-Za-z0-9]+", " ", ascii_only)
    return " ".join(cleaned.upper().split())


def compact(text: str | None) -> str:
    """The normalised letters and digits without spaces: "Le Goff", "LE-GOFF" and "LEGOFF" are one name."""
    return normalise(text).replace(" ", "")


def beneficiary_key(surname: str, birth_date: date, *, secret: bytes) -> str:
    """Pseudonymous key of a person's family (DESIGN §3): an HMAC-SHA256, under the Région's secret, of the
    normalised surname and birth date. Given names are not in it: "Léa Marie" and "Léa" are one person,
    and twins share the key, told apart by `same_person` on what the one-aid guard holds. Without the
    secret, nobody holding the table can find a key from a list of names and birth dates."""
    material = f"{compact(surname)}|{birth_date.isoformat()}"
    return hmac.new(secret, material.encode("ascii"), hashlib.sha256).hexdigest()[:32]


# ---------------------------------------------------------------- persons


@dataclass(frozen=True)
class Identity:
    """What says who a person is: on a form, a piece, or an award already made."""

    surname: str
    given_names: str
    birth_date: date | None = None
    document_number: str | None = None


def same_person(a: Identity, b: Identity) -> bool:
    """DESIGN §3: the same identity document number, or the same normalised surname, the same birth date
    where both are known, and at least one given name in common in any order. Twins (same surname and
    birth date, no given name in common) are two people."""
    if compact(a.document_number) and compact(a.document_number) == compact(b.document_number):
        return True
    if not compact(a.surname) or compact(a.surname) != compact(b.surname):
        return False
    if a.birth_date is not None and b.birth_date is not None and a.birth_date != b.birth_date:
        return False
    return share_given_name(a.given_names, b.given_names)


def share_given_name(a: str | None, b: str | None) -> bool:
    """At least one given name in common, in any order: "Léa Marie", "Léa" and "Marie Léa" share one.

    A composed given name is one name: "Jean-Pierre" is not "Jean-Marc", nor "Jean". Written with a space
    where the other has a hyphen (an MRZ holds no hyphen), "JEAN PIERRE" still contains "Jean-Pierre".
    """
    return forms_share_a_name(given_name_forms(a), given_name_forms(b))


def given_name_forms(text: str | None) -> tuple[frozenset[str], frozenset[str]]:
    """What two lists of given names are compared on: each name whole ("JEANPIERRE", "LEA") and the runs of
    consecutive names ("JEANPIERRELEA"). The one-aid guard keeps these, hashed, instead of the names."""
    names = _given_names(text)
    return frozenset("".join(name) for name in names), frozenset(_runs(names))


def forms_share_a_name(a: tuple[frozenset[str], frozenset[str]], b: tuple[frozenset[str], frozenset[str]]) -> bool:
    """`share_given_name` on the forms of `given_name_forms` (or on their hashes)."""
    (a_whole, a_runs), (b_whole, b_runs) = a, b
    return bool(a_whole & b_whole or a_whole & b_runs or b_whole & a_runs)


def _given_names(text: str | None) -> list[list[str]]:
    """Each given name as its words: "Jean-Pierre, Léa" -> [["JEAN", "PIERRE"], ["LEA"]]."""
    names = []
    for name in re.split(r"[\s,;/]+", text or ""):
        words = normalise(name).split()
        if words:
            names.append(words)
    return names


def _runs(names: list[list[str]]) -> set[str]:
    """Two or more consecutive given names run together: the spelling of a composed name without its hyphen."""
    return {"".join(w for name in names[i:j] for w in name)
            for i in range(len(names)) for j in range(i + 2, len(names) + 1)}


def person_matches(doc_surname: str | None, doc_given_names: str | None, surname: str, given_names: str) -> bool:
    """A person read on a piece (surname and given names in their fields) is the applicant of the form,
    by `same_person`. Swapped fields (the surname read as a given name) are not the applicant. A piece
    that gives the whole name in one field ("MARTIN Léa Marie") is read as a holder string, and then needs
    a given name too."""
    if not normalise(doc_given_names):
        return _names_in_holder(_person_words(doc_surname), surname, given_names, bill=False)
    return same_person(Identity(doc_surname or "", doc_given_names or ""), Identity(surname, given_names))


def holder_matches(doc_holder: str | None, surname: str, given_names: str) -> bool:
    """A holder written as one string designates the applicant: "M. MARTIN Léa", "Mme Léa MARTIN",
    "MADAME MARTIN L" (an initial), "M. ou Mme MARTIN Paul ou Léa" (joint holders), or "MARTIN" alone
    (a household bill). The surname must be there as whole words: "MARTINEZ" is not "MARTIN"."""
    return _names_in_holder(_person_words(doc_holder), surname, given_names, bill=True)


def _person_words(text: str | None) -> list[str]:
    return [w for w in normalise(text).split() if w not in CIVILITIES and w not in _JOINERS]


def _names_in_holder(words: list[str], surname: str, given_names: str, *, bill: bool) -> bool:
    """The surname as whole words, and a given name among the other words; a bill's conventions (`bill`)
    also take the surname alone or an initial."""
    target = compact(surname)
    given = _given_names(given_names)
    if not words or not target:
        return False
    for start in range(len(words)):
        for end in range(start + 1, len(words) + 1):
            if "".join(words[start:end]) != target:
                continue
            rest = words[:start] + words[end:]
            if not rest:
                if bill:
                    return True
                continue
            if share_given_name(" ".join(rest), given_names):
                return True
            # "MME L MARTIN": an initial is how bills often print the given name.
            if bill and any(len(w) == 1 and any(name[0][0] == w for name in given) for w in rest):
                return True
    return False


# ---------------------------------------------------------------- organisations


def organisation_matches(doc_holder: str | None, name: str) -> bool:
    """An organisation's name on a piece designates the evaluator when the two names are the same whole
    name, legal form (SAS, SARL, association…), civilities, small words, accents and case aside:
    "SARL Formation Atlantique" is "FORMATION ATLANTIQUE", "Atlantique" is not "Formation Atlantique",
    nor is "Formation Atlantique Bordeaux" (a longer name may be another organisation)."""
    ours, theirs = _organisation_words(name), _organisation_words(doc_holder)
    if not ours or not theirs:
        return False
    return ours == theirs or "".join(ours) == "".join(theirs)


def _organisation_words(text: str | None) -> list[str]:
    # "S.A.R.L." is "SARL": initials with dots are one word.
    text = re.sub(r"\b(?:[A-Za-z]\.){2,}", lambda m: m.group(0).replace(".", ""), text or "")
    return [w for w in normalise(text).split() if w not in LEGAL_FORMS and w not in CIVILITIES and w not in _ARTICLES]

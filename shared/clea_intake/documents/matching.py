"""Name matching between a document and the form: persons, account holders and organisations."""

from __future__ import annotations

import re
import unicodedata

_CIVILITIES = frozenset(
    {"M", "MR", "MME", "MLLE", "MM", "MMES", "MONSIEUR", "MADAME", "MADEMOISELLE", "MESSIEURS", "MESDAMES",
     "DR", "DOCTEUR", "ME", "MAITRE"}  # fmt: skip
)
_JOINERS = frozenset({"ET", "OU", "EPOUSE", "EP", "VEUVE", "VVE", "NEE", "NE", "DIT", "DITE"})
_LEGAL_FORMS = frozenset(
    {"SAS", "SASU", "SARL", "EURL", "SA", "SCOP", "SCIC", "SCS", "SNC", "SCA", "SEM", "SPL", "GIE", "GIP", "EI",
     "EIRL", "ASSOCIATION", "ASSO", "ASS", "SOCIETE", "STE", "CIE", "ET", "LOI", "1901", "ARL", "ENTREPRISE"}  # fmt: skip
)
_ARTICLES = frozenset({"LE", "LA", "LES", "L", "DE", "DU", "DES", "D", "AU", "AUX", "A", "THE", "OF"})


def normalise_name(text: str) -> str:
    """Upper case, accents and punctuation removed, single spaces: "  Lé-a  d'Arc " -> "LE A D ARC"."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = plain.replace("ß", "SS").replace("Œ", "OE").replace("œ", "OE").replace("Æ", "AE").replace("æ", "AE")
    plain = re.sub(r"[^0-9A-Za-z]+", " ", plain).upper()
    return re.sub(r"\s+", " ", plain).strip()


def _tokens(text: str | None) -> list[str]:
    return [t for t in normalise_name(text or "").split(" ") if t]


def _person_tokens(text: str | None) -> list[str]:
    return [t for t in _tokens(text) if t not in _CIVILITIES and t not in _JOINERS]


def _surname_in(surname_tokens: list[str], tokens: list[str]) -> bool:
    """Every part of the surname is there, or the surname written without its spaces ("LE GOFF" = "LEGOFF")."""
    if not surname_tokens:
        return False
    if all(t in tokens for t in surname_tokens):
        return True
    joined = "".join(surname_tokens)
    return any("".join(tokens[i : i + n]) == joined for n in range(1, 4) for i in range(len(tokens)))


def _given_in(given_tokens: list[str], tokens: list[str]) -> bool:
    """The first given name is there (documents often print one given name, or all of them)."""
    if not given_tokens:
        return False
    first = given_tokens[0]
    if first in tokens:
        return True
    # A hyphenated given name "Jean-Pierre" may be printed "JEANPIERRE".
    if len(given_tokens) > 1 and "".join(given_tokens[:2]) in tokens:
        return True
    return False


def person_matches(
    doc_surname: str | None, doc_given_names: str | None, surname: str, given_names: str
) -> bool:
    """A person on a document is the applicant: accents, hyphens, several given names, either order,
    or "NOM Prénom" given in one string (doc_given_names empty)."""
    form_surname = _person_tokens(surname)
    form_given = _person_tokens(given_names)
    if not form_surname:
        return False
    doc_s = _person_tokens(doc_surname)
    doc_g = _person_tokens(doc_given_names)
    if not doc_g:
        # "MARTIN Léa Marie" in one field: the same test as for an account holder.
        return _holder_tokens_match(doc_s, form_surname, form_given)
    if _surname_in(form_surname, doc_s) or _surname_in(doc_s, form_surname):
        return _given_in(form_given, doc_g) or _given_in(doc_g, form_given)
    # Surname and given names swapped on the document.
    if _surname_in(form_surname, doc_g) or _surname_in(doc_g, form_surname):
        return _given_in(form_given, doc_s) or _given_in(doc_s, form_given)
    return False


def _holder_tokens_match(tokens: list[str], form_surname: list[str], form_given: list[str]) -> bool:
    if not tokens or not _surname_in(form_surname, tokens):
        return False
    rest = [t for t in tokens if t not in form_surname]
    if not form_given:
        return False
    if _given_in(form_given, rest) or any(g in rest for g in form_given):
        return True
    # "MME L MARTIN": an initial is how bills often print the given name.
    return any(len(t) == 1 and t == form_given[0][0] for t in rest)


def holder_matches(doc_holder: str | None, surname: str, given_names: str) -> bool:
    """The holder printed on a bill or attestation is the applicant: "M. MARTIN Léa", "Mme Léa MARTIN",
    "MARTIN LEA MARIE", "M. ou Mme MARTIN Paul ou Léa"."""
    return _holder_tokens_match(_person_tokens(doc_holder), _person_tokens(surname), _person_tokens(given_names))


def _organisation_tokens(text: str | None) -> list[str]:
    return [t for t in _tokens(text) if t not in _LEGAL_FORMS and t not in _ARTICLES]


def organisation_matches(doc_holder: str | None, name: str) -> bool:
    """The organisation on a document is the evaluator: legal forms (SAS, SARL, association...), accents,
    case and articles do not count."""
    doc = _organisation_tokens(doc_holder)
    form = _organisation_tokens(name)
    if not doc or not form:
        return False
    if doc == form or "".join(doc) == "".join(form):
        return True
    smaller, larger = (doc, form) if len(doc) <= len(form) else (form, doc)
    # One side may add a city or a descriptor ("Formation Atlantique Bordeaux"), not the other way round
    # with a single generic word.
    return len(smaller) >= 2 and all(t in larger for t in smaller)

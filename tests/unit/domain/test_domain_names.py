"""Names: normalisation, the beneficiary key, and whether a document designates the applicant or evaluator."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest

from clea_intake.domain.names import (
    beneficiary_key,
    holder_matches,
    normalise,
    organisation_matches,
    person_matches,
)

BORN = date(1991, 7, 14)


@pytest.mark.parametrize("raw, expected", [
    ("Léa-Marie", "LEA MARIE"),
    ("  léa   marie ", "LEA MARIE"),
    ("D'Artagnan", "D ARTAGNAN"),
    ("Œillet-Lætitia", "OEILLET LAETITIA"),
    ("Françoise Hélène Noëlle", "FRANCOISE HELENE NOELLE"),
    ("ÉLODIE", "ELODIE"),
    ("Łukasz", "LUKASZ"),           # Polish stroke L: not decomposed by Unicode
    ("Weiß", "WEISS"),              # German sharp s, as the MRZ writes it
    ("Søren Østergaard", "SOREN OSTERGAARD"),
    ("", ""),
    (None, ""),
])
def test_normalise_accents_hyphens_ligatures_give_plain_upper_case(raw, expected):
    assert normalise(raw) == expected


SECRET = b"a test secret of the Region, 32 bytes or more"


def test_beneficiary_key_same_person_written_differently_is_equal():
    # Given the same person typed on two forms
    first = beneficiary_key("Martin", "Léa-Marie", BORN, secret=SECRET)
    second = beneficiary_key("MARTIN", "LEA MARIE", BORN, secret=SECRET)
    # Then the key is the same, and it does not carry the name in clear
    assert first == second
    assert "MARTIN" not in first.upper()


@pytest.mark.parametrize("surname, given, born", [
    ("Martin", "Léa Marie", date(1991, 7, 15)),
    ("Martins", "Léa Marie", BORN),
    ("Martin", "Marie Léa", BORN),
])
def test_beneficiary_key_another_person_differs(surname, given, born):
    assert beneficiary_key(surname, given, born, secret=SECRET) != beneficiary_key("Martin", "Léa Marie", BORN,
                                                                                   secret=SECRET)


def test_beneficiary_key_cannot_be_found_from_names_without_the_secret():
    # Given the key of a person under the Région's secret
    key = beneficiary_key("Martin", "Léa Marie", BORN, secret=SECRET)
    # When someone holding the table hashes a list of names and birth dates, or uses another secret
    plain = hashlib.sha256(f"MARTIN|LEA MARIE|{BORN.isoformat()}".encode()).hexdigest()[:32]
    other = beneficiary_key("Martin", "Léa Marie", BORN, secret=b"another secret, 32 bytes or more!!")
    # Then neither gives the key
    assert key not in (plain, other)


@pytest.mark.parametrize("doc_surname, doc_given, matches", [
    ("MARTIN", "LEA MARIE", True),
    ("MARTIN", "LEA", True),                 # forms and cards may carry only the usual first name
    ("Martin", "Marie", True),               # the usual name may be the second one
    ("MARTIN", "MARIE LEA", True),
    ("MARTIN", "PAUL", False),
    ("MARTINEZ", "LEA MARIE", False),
    ("", "LEA", False),
    ("MARTIN", None, False),
])
def test_person_matches_document_names_against_the_form(doc_surname, doc_given, matches):
    assert person_matches(doc_surname, doc_given, "Martin", "Léa Marie") is matches


def test_person_matches_compound_surname_with_or_without_hyphen():
    assert person_matches("LE-GOFF", "YANN", "Le Goff", "Yann")
    assert person_matches("LEGOFF", "YANN", "Le Goff", "Yann")


@pytest.mark.parametrize("holder, matches", [
    ("Mme Léa MARTIN", True),
    ("M. MARTIN Léa", True),
    ("MADAME MARTIN MARIE", True),
    ("M. ET MME MARTIN LEA", True),
    ("MARTIN", True),                        # a household bill with the surname only
    ("Mme Léa MARTINEZ", False),             # another surname that merely starts the same way
    ("Mme Léa DUMARTIN", False),
    ("Mme Jeanne MARTIN", False),
    ("M. Paul DURAND", False),
    ("", False),
    (None, False),
])
def test_holder_matches_holder_string_against_the_applicant(holder, matches):
    assert holder_matches(holder, "Martin", "Léa Marie") is matches


@pytest.mark.parametrize("holder, matches", [
    ("FORMATION ATLANTIQUE", True),
    ("SAS Formation Atlantique", True),      # legal forms do not count
    ("Formation Atlantique Bordeaux", True), # an establishment's longer name
    ("Formation Pacifique", False),
    ("", False),
])
def test_organisation_matches_evaluator_name(holder, matches):
    assert organisation_matches(holder, "Formation Atlantique") is matches


def test_organisation_matches_needs_whole_words():
    # "ACE" is not in "GRACE CONSEIL" as a word: another organisation
    assert not organisation_matches("GRACE Conseil", "ACE")
    assert organisation_matches("ACE Formation", "ACE")

"""matching.py: persons, account holders and organisations against the form."""

from __future__ import annotations

import pytest

from clea_intake.documents.matching import (
    holder_matches,
    normalise_name,
    organisation_matches,
    person_matches,
)


def test_normalise_name_accents_punctuation_spaces_removed():
    # Given a name with accents, hyphen, apostrophe and odd spaces
    # When it is normalised
    # Then it is upper case, plain letters, single spaces
    assert normalise_name("  Lé-a  d'Arc ") == "LE A D ARC"
    assert normalise_name("Œdipe Müller") == "OEDIPE MULLER"


@pytest.mark.parametrize(
    ("doc_surname", "doc_given", "surname", "given", "expected"),
    [
        ("MARTIN", "LEA MARIE", "Martin", "Léa", True),  # several given names on the document
        ("MARTIN", "Léa", "Martin", "Léa Marie", True),  # several on the form
        ("LE GOFF", "Anne-Sophie", "Le Goff", "Anne Sophie", True),  # hyphens and spaces
        ("LEGOFF", "ANNE SOPHIE", "Le Goff", "Anne-Sophie", True),  # spaces dropped by an MRZ
        ("Léa", "MARTIN", "Martin", "Léa", True),  # fields swapped
        ("MARTIN Léa Marie", None, "Martin", "Léa", True),  # "NOM Prénom" in one string
        ("MARTIN", "PAUL", "Martin", "Léa", False),  # another member of the family
        ("MARTINEZ", "LEA", "Martin", "Léa", False),  # a longer surname is another name
        (None, None, "Martin", "Léa", False),
    ],
)
def test_person_matches_cases(doc_surname, doc_given, surname, given, expected):
    # Given a person read on a document and the applicant on the form
    # When they are compared
    # Then accents, hyphens, order and several given names do not matter, other people do
    assert person_matches(doc_surname, doc_given, surname, given) is expected


@pytest.mark.parametrize(
    ("holder", "expected"),
    [
        ("M. MARTIN Léa", True),
        ("Mme Léa MARTIN", True),
        ("MARTIN LEA MARIE", True),
        ("MADAME MARTIN L", True),  # initial
        ("M. ou Mme MARTIN Paul ou Léa", True),  # joint holders
        ("M. MARTIN Paul", False),
        ("Mme Léa MARTINEAU", False),
        ("", False),
    ],
)
def test_holder_matches_cases(holder, expected):
    # Given the holder printed on a bill
    # When it is compared with Léa Marie Martin
    # Then civilities, order, initials and joint holders are handled
    assert holder_matches(holder, "Martin", "Léa Marie") is expected


@pytest.mark.parametrize(
    ("doc", "name", "expected"),
    [
        ("FORMATION ATLANTIQUE SAS", "Formation Atlantique", True),
        ("Association Formation Atlantique", "FORMATION-ATLANTIQUE", True),
        ("Sarl Les Ateliers du Savoir", "Ateliers du Savoir", True),
        ("Éducation & Compétences", "EDUCATION COMPETENCES SARL", True),
        ("FORMATION OCEANE", "Formation Atlantique", False),
        ("Atlantique", "Formation Atlantique Bordeaux", False),
    ],
)
def test_organisation_matches_cases(doc, name, expected):
    # Given an organisation name on a certificate or RIB and the evaluator's name
    # When they are compared
    # Then legal forms, articles, accents and case are ignored, other names are not
    assert organisation_matches(doc, name) is expected

"""Names: normalisation, the beneficiary key, and whether a document designates the applicant or evaluator."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest

from clea_intake.domain.names import (
    Identity,
    beneficiary_key,
    compact,
    holder_matches,
    normalise,
    organisation_matches,
    person_matches,
    same_person,
    share_given_name,
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
    # Given the same surname and birth date typed on two forms
    first = beneficiary_key("Le Goff", BORN, secret=SECRET)
    second = beneficiary_key("LE-GOFF", BORN, secret=SECRET)
    # Then the key is the same, and it does not carry the name in clear
    assert first == second
    assert "GOFF" not in first.upper()


@pytest.mark.parametrize("surname, born", [
    ("Martin", date(1991, 7, 15)),
    ("Martins", BORN),
])
def test_beneficiary_key_another_surname_or_birth_date_differs(surname, born):
    assert beneficiary_key(surname, born, secret=SECRET) != beneficiary_key("Martin", BORN, secret=SECRET)


def test_beneficiary_key_cannot_be_found_from_names_without_the_secret():
    # Given the key of a person under the Région's secret
    key = beneficiary_key("Martin", BORN, secret=SECRET)
    # When someone holding the table hashes a list of names and birth dates, or uses another secret
    plain = hashlib.sha256(f"MARTIN|{BORN.isoformat()}".encode()).hexdigest()[:32]
    other = beneficiary_key("Martin", BORN, secret=b"another secret, 32 bytes or more!!")
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
    ("Formation Atlantique Bordeaux", False),  # a longer name may be another organisation: matched whole
    ("Formation Pacifique", False),
    ("", False),
])
def test_organisation_matches_evaluator_name(holder, matches):
    assert organisation_matches(holder, "Formation Atlantique") is matches


def test_organisation_matches_needs_the_whole_name():
    # "ACE" is not in "GRACE CONSEIL" as a word, and "ACE Formation" is a longer name: other organisations
    assert not organisation_matches("GRACE Conseil", "ACE")
    assert not organisation_matches("ACE Formation", "ACE")
    assert organisation_matches("A.C.E.", "ACE")


# ---------------------------------------------------------------- cases once held by the reading pipeline's matcher


def test_normalise_name_accents_punctuation_spaces_removed():
    # Given a name with accents, hyphen, apostrophe and odd spaces
    # When it is normalised
    # Then it is upper case, plain letters, single spaces
    assert normalise("  Lé-a  d'Arc ") == "LE A D ARC"
    assert normalise("Œdipe Müller") == "OEDIPE MULLER"


@pytest.mark.parametrize(
    ("doc_surname", "doc_given", "surname", "given", "expected"),
    [
        ("MARTIN", "LEA MARIE", "Martin", "Léa", True),  # several given names on the document
        ("MARTIN", "Léa", "Martin", "Léa Marie", True),  # several on the form
        ("LE GOFF", "Anne-Sophie", "Le Goff", "Anne Sophie", True),  # hyphens and spaces
        ("LEGOFF", "ANNE SOPHIE", "Le Goff", "Anne-Sophie", True),  # spaces dropped by an MRZ
        ("Léa", "MARTIN", "Martin", "Léa", False),  # fields swapped: not the applicant
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


# ---------------------------------------------------------------- the organisation rule: the whole name


def test_organisation_matches_part_of_the_name_is_another_organisation():
    # Given the evaluator "Formation Atlantique"
    # When a RIB is in the name of "Atlantique" only
    # Then it does not designate the evaluator
    assert not organisation_matches("Atlantique", "Formation Atlantique")
    assert not organisation_matches("Formation Atlantique", "Atlantique")


@pytest.mark.parametrize("written", [
    "SARL Formation Atlantique", "FORMATION ATLANTIQUE", "Formation Atlantique S.A.R.L.", "M. FORMATION ATLANTIQUE",
    "Formation-Atlantique, association loi 1901", "FORMATIONATLANTIQUE",
])
def test_organisation_matches_legal_form_civilities_and_spelling_aside(written):
    # Given the same name with a legal form, a civility, dots, hyphens or no spaces
    # When it is compared with the evaluator's name
    # Then it designates the evaluator
    assert organisation_matches(written, "SAS Formation Atlantique")


def test_organisation_matches_same_words_in_another_order_is_another_name():
    assert not organisation_matches("Atlantique Formation", "Formation Atlantique")


def test_organisation_matches_legal_form_alone_designates_nobody():
    assert not organisation_matches("SARL", "SARL")


# ---------------------------------------------------------------- the person rule (DESIGN §3)

LEA = Identity("Martin", "Léa Marie", BORN, "X4RTBPFW4")


@pytest.mark.parametrize("given", ["Léa Marie", "Léa", "Marie Léa", "MARIE", "léa, marie"])
def test_same_person_one_given_name_in_common_in_any_order_is_one_person(given):
    # Given the applicant Léa Marie Martin, and another application with the same surname and birth date
    other = Identity("MARTIN", given, BORN)
    # When they are compared
    # Then they are one person, whichever side is compared with which
    assert same_person(LEA, other)
    assert same_person(other, LEA)


def test_same_person_twins_without_a_given_name_in_common_are_two_people():
    # Given twins: same surname and birth date, no given name in common
    lea, paul = Identity("Martin", "Léa Marie", BORN), Identity("Martin", "Paul André", BORN)
    # Then they are two people
    assert not same_person(lea, paul)


def test_same_person_swapped_surname_and_given_name_is_not_the_person():
    # Given Léa Martin, and someone whose surname is Léa and given name Martin
    swapped = Identity("Léa", "Martin", BORN)
    # Then it is not the same person
    assert not same_person(Identity("Martin", "Léa", BORN), swapped)


def test_same_person_another_birth_date_is_another_person():
    assert not same_person(LEA, Identity("Martin", "Léa", date(1991, 7, 15)))


def test_same_person_unknown_birth_date_on_one_side_decides_on_names():
    assert same_person(LEA, Identity("MARTIN", "LEA"))


def test_same_person_surname_compared_whole_accents_hyphens_and_spaces_aside():
    assert same_person(Identity("Le Goff", "Yann", BORN), Identity("LEGOFF", "YANN", BORN))
    assert same_person(Identity("Lefèvre-Durand", "Zoé", BORN), Identity("LEFEVRE DURAND", "ZOE", BORN))
    assert not same_person(Identity("Martin", "Léa", BORN), Identity("Martinez", "Léa", BORN))


def test_same_person_same_identity_document_number_under_another_spelling_is_one_person():
    # Given a second application whose names are spelt otherwise but which gives the same document number
    other = Identity("Martyn", "Lea", date(1991, 7, 14), "x4rt bpfw4")
    # Then it is the same person
    assert same_person(LEA, other)


def test_same_person_different_document_numbers_still_compare_the_names():
    # A person may hold a passport and an identity card: another number says nothing by itself
    assert same_person(LEA, Identity("Martin", "Léa", BORN, "18AB12345"))
    assert not same_person(LEA, Identity("Martin", "Paul", BORN, "18AB12345"))


def test_same_person_no_names_is_nobody():
    assert not same_person(Identity("", "", BORN), Identity("", "", BORN))
    assert not same_person(Identity("Martin", "", BORN), Identity("Martin", "", BORN))


@pytest.mark.parametrize("a, b, shared", [
    ("Jean-Pierre", "Jean-Marc", False),     # a composed given name is one name
    ("Jean-Pierre", "Jean", False),
    ("Jean-Pierre", "JEAN PIERRE", True),    # an MRZ holds no hyphen
    ("Anne Sophie", "Anne-Sophie Claire", True),
    ("Léa Marie", "Marie", True),
    ("Léa", "", False),
])
def test_share_given_name_composed_names_are_one_name(a, b, shared):
    assert share_given_name(a, b) is shared
    assert share_given_name(b, a) is shared


def test_person_matches_swapped_fields_are_not_the_applicant():
    # Given an identity piece read with the surname in the given-name field and the other way round
    # When it is compared with Léa Martin
    # Then it does not designate her
    assert not person_matches("LEA", "MARTIN", "Martin", "Léa")


def test_holder_matches_initial_is_not_enough_for_a_person_read_in_one_field():
    # A bill may print an initial; an identity piece read as "MARTIN L" names nobody for sure
    assert holder_matches("MARTIN L", "Martin", "Léa")
    assert not person_matches("MARTIN L", None, "Martin", "Léa")


def test_compact_drops_spaces_and_punctuation():
    assert compact("Le Goff") == compact("LE-GOFF") == "LEGOFF"

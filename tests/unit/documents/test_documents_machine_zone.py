"""Machine readable zones of every ICAO format, their check digits, OCR misreads and dates' centuries."""

from __future__ import annotations

from datetime import date

import documents_samples as s
import pytest

from clea_intake.documents.countries import alpha2
from clea_intake.documents.machine_zone import birth_date, expiry_date, find_mrz
from clea_intake.documents.pipeline import read_document
from clea_intake.domain.policy import current_policy

AS_OF = date(2026, 11, 20)
# ICAO 9303 specimens (Part 4 to 7): the same holder on every format.
TD3 = ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"]
TD2 = ["I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "D231458907UTO7408122F1204159<<<<<<<6"]
TD1 = ["I<UTOD231458907<<<<<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<6", "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"]
MRVA = ["V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L8988901C4XXX4009078F96121096ZE184226B<<<<<<"]
MRVB = ["V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "L8988901C4XXX4009078F9612109<<<<<<<<"]


@pytest.mark.parametrize(("lines", "kind", "number"), [(TD3, "TD3", "L898902C3"), (TD2, "TD2", "D23145890"),
                                                       (TD1, "TD1", "D23145890")])  # fmt: skip
def test_find_mrz_icao_specimens_every_format_checked(lines, kind, number):
    # Given the ICAO specimen zone of a format
    # When it is read
    mrz = find_mrz("\n".join(lines), as_of=AS_OF)
    # Then its format, fields and every check digit come out
    assert mrz is not None and mrz.kind == kind and mrz.failed_checks == []
    assert (mrz.surname, mrz.given_names, mrz.document_number) == ("ERIKSSON", "ANNA MARIA", number)
    assert (mrz.birth_date, mrz.expiry_date) == (date(1974, 8, 12), date(2012, 4, 15))
    assert not mrz.is_visa


@pytest.mark.parametrize(("lines", "kind"), [(MRVA, "MRVA"), (MRVB, "MRVB")])
def test_find_mrz_visas_read_as_visas(lines, kind):
    # Given the ICAO specimen of a machine readable visa
    # When it is read
    mrz = find_mrz("\n".join(lines), as_of=AS_OF)
    # Then it is a visa, its check digits hold and its 1996 expiry is in its century
    assert mrz is not None and mrz.kind == kind and mrz.is_visa and mrz.failed_checks == []
    assert mrz.expiry_date == date(1996, 12, 10)


def test_find_mrz_text_starting_with_v_glued_to_a_permit_zone_not_a_visa():
    # Given a permit's TD1 zone whose first line OCR glued to the printed "VALABLE JUSQU'AU"
    text = "\n".join(["VALABLEJUSQUAUIRFRA2G05255069<<<K<<<<KK<", "260525506310820269411162M2608318BRA<<<<<<<<<<<6",
                      "LSOUZA<K<KERIC<<<<KKKKKKKKKKKKKKK"])  # fmt: skip
    # When it is read
    mrz = find_mrz(text, as_of=AS_OF)
    # Then no visa is made of it
    assert mrz is None or not mrz.is_visa


def test_find_mrz_td3_composite_check_digit_catches_changed_optional_data():
    # Given the TD3 specimen whose personal number was altered (its own check digit left alone)
    text = "\n".join([TD3[0], TD3[1].replace("ZE184226B", "ZE184226C")])
    # When it is read
    mrz = find_mrz(text, as_of=AS_OF)
    # Then the optional-data and composite checks fail, the field checks hold
    assert mrz is not None and mrz.failed_checks == ["données complémentaires", "clé finale"]


def test_find_mrz_td2_composite_check_digit_fails_on_changed_expiry_check():
    # Given the TD2 specimen with its composite digit changed
    text = "\n".join([TD2[0], TD2[1][:-1] + "7"])
    # When it is read
    mrz = find_mrz(text, as_of=AS_OF)
    # Then only the composite check fails
    assert mrz is not None and mrz.kind == "TD2" and mrz.failed_checks == ["clé finale"]


def test_find_mrz_filler_misread_as_k_freed_where_visual_zone_shows_the_names():
    # Given a TD3 zone whose separating and trailing '<' came out as K, and the printed names above it
    text = "\n".join(["Surname ERIKSSON", "Given names ANNA MARIA",
                      "P<UTOERIKSSON<<ANNAKMARIAK<<<<<<<<<<<<<<<<<<", TD3[1]])  # fmt: skip
    # When it is read
    mrz = find_mrz(text, as_of=AS_OF)
    # Then the names are freed of the filler letters
    assert mrz is not None and (mrz.surname, mrz.given_names) == ("ERIKSSON", "ANNA MARIA")


def test_find_mrz_surname_separator_misread_as_kk_put_back_by_visual_zone():
    # Given a TD2 zone whose "<<" after the surname came out "KK"
    text = "\n".join(["ERIKSSON ANNA MARIA", "I<UTOERIKSSONKKANNA<MARIA<<<<<<<<<<<", TD2[1]])
    # When it is read
    mrz = find_mrz(text, as_of=AS_OF)
    # Then surname and given names are apart again
    assert mrz is not None and (mrz.surname, mrz.given_names) == ("ERIKSSON", "ANNA MARIA")


def test_find_mrz_filler_letter_before_a_given_name_freed():
    # Given a zone whose "<<" between given names came out "<K" ("AURELIEN<KNOE" for AURELIEN NOE)
    lines = s.mrz_td3("19AB12345", date(1990, 1, 1), date(2030, 1, 1), "MARTIN", "AURELIEN NOE")
    text = "\n".join(["Prénoms : Aurélien Noé", lines[0].replace("AURELIEN<NOE<", "AURELIEN<KNOE"), lines[1]])
    # When it is read
    mrz = find_mrz(text, as_of=AS_OF)
    # Then the given names are the printed ones
    assert mrz is not None and mrz.given_names == "AURELIEN NOE"


def test_find_mrz_name_ending_in_k_kept_when_printed_so():
    # Given a zone whose given name really ends in K, as the visual zone prints it
    lines = s.mrz_td3("19AB12345", date(1990, 1, 1), date(2030, 1, 1), "MARTIN", "MALEK")
    # When it is read
    mrz = find_mrz("\n".join(["Prénoms MALEK", *lines]), as_of=AS_OF)
    # Then the K stays
    assert mrz is not None and mrz.given_names == "MALEK"


def test_find_mrz_o_for_zero_in_document_number_read_as_digit():
    # Given a German passport zone whose number CA000000 was read with O for 0
    lines = ["P<D<<MUSTERMANN<<ERIKA<<<<<<<<<<<<<<<<<<<<<<", "CA0OO000<4D<<6408125F1802212<<<<<<<<<<<<<<<6"]
    # When it is read
    mrz = find_mrz("\n".join(lines), as_of=AS_OF)
    # Then the number holds digits, every check digit holds and "D" is Germany
    assert mrz is not None and mrz.document_number == "CA000000" and mrz.failed_checks == []
    assert mrz.nationality == "DE" and mrz.nationality_alpha3 == "D"


def test_find_mrz_td1_first_letter_read_as_one_still_a_card():
    # Given the TD1 specimen whose "I<" came out "1<"
    text = "\n".join(["1" + TD1[0][1:], *TD1[1:]])
    # When it is read
    mrz = find_mrz(text, as_of=AS_OF)
    # Then it is read as the card it is
    assert mrz is not None and mrz.kind == "TD1" and mrz.doc_code == "I" and mrz.failed_checks == []


def test_alpha2_iso_and_icao_codes():
    # Given alpha-3 codes, ICAO extras and unknown codes
    # When they are mapped
    # Then ISO's and ICAO's codes give the form's alpha-2, others nothing
    assert [alpha2(c) for c in ("FRA", "DZA", "D<<", "GBD", "UTO", "XXX", None)] == ["FR", "DZ", "DE", "GB", None,
                                                                                       None, None]


def test_dates_two_digit_years_resolved_by_rules_not_a_pivot():
    # Given two-digit years read on 2026-11-20
    # When they are resolved
    # Then a birth is never in the future; an expiry lies after the birth and at most 15 years ahead
    assert birth_date("250101", as_of=AS_OF) == date(2025, 1, 1)
    assert birth_date("261201", as_of=AS_OF) == date(1926, 12, 1)
    assert expiry_date("980315", as_of=AS_OF, birth=date(1960, 1, 1)) == date(1998, 3, 15)
    assert expiry_date("350315", as_of=AS_OF, birth=date(1960, 1, 1)) == date(2035, 3, 15)
    assert expiry_date("450315", as_of=AS_OF, birth=date(1960, 1, 1)) is None
    assert expiry_date("120415", as_of=AS_OF, issued=date(2007, 4, 16)) == date(2012, 4, 15)


@pytest.mark.parametrize(("expiry", "expired"), [(date(1998, 3, 15), True), (date(2033, 6, 30), False)])
def test_read_document_passport_expiry_in_1990s_refused_2030s_accepted(expiry, expired):
    # Given a passport whose expiry is only in its machine readable zone
    lines = ["PASSEPORT / PASSPORT", "", *s.mrz_td3("19AB12345", date(1961, 3, 2), expiry, "DUPONT", "KARIM")]
    # When it is read on 2026-03-10
    reading = read_document(s.pdf(lines, mono_tail=2), filename="p.pdf", as_of=date(2026, 3, 10),
                            policy=current_policy())
    # Then the expiry is in its own century, and the 1998 one is refused as expired
    assert reading.fields["expiry_date"] == expiry.isoformat()
    assert ("IDENTITY_EXPIRED" in [f.code for f in reading.findings]) is expired


def test_read_document_visa_refused_as_no_identity_document():
    # Given a PDF of a machine readable visa
    lines = ["VISA", "UNITED STATES OF AMERICA", "", *MRVA]
    # When it is read
    reading = read_document(s.pdf(lines, mono_tail=2), filename="v.pdf", as_of=AS_OF, policy=current_policy())
    # Then it gets no identity type and the NOT_IDENTITY_DOCUMENT error
    assert str(reading.doc_type) == "unknown"
    assert [(f.code, f.severity) for f in reading.findings] == [("NOT_IDENTITY_DOCUMENT", "error")]

"""Identity documents: MRZ check digits (TD1, TD3, pre-2021 CNI), expiry on receipt, the 2004-2013 CNI extension."""

from __future__ import annotations

from datetime import date

import documents_samples as s

from clea_intake.documents.machine_zone import find_mrz
from clea_intake.documents.pipeline import read_document
from clea_intake.domain.findings import DocType
from clea_intake.domain.policy import current_policy

POLICY = current_policy()
SPECIMEN = ["IDFRADOUEL<<<<<<<<<<<<<<<<<<<<932013", "0506932020438CHRISTIANE<<NI2906209F3"]


def codes(reading) -> list[str]:
    return [f.code for f in reading.findings]


def read(lines: list[str], as_of: date, mono_tail: int):
    return read_document(s.pdf(lines, mono_tail=mono_tail), filename="cni.pdf", as_of=as_of, policy=POLICY)


def test_find_mrz_published_cni_specimen_check_digits_verified():
    # Given the published specimen of the pre-2021 French CNI
    text = "\n".join(SPECIMEN)
    # When its MRZ is read
    mrz = find_mrz(text, as_of=date(2026, 1, 1))
    # Then every check digit holds and the fields come out
    assert mrz is not None and mrz.kind == "CNI_2X36"
    assert mrz.failed_checks == []
    assert (mrz.surname, mrz.given_names, mrz.birth_date) == ("DOUEL", "CHRISTIANE NI", date(1929, 6, 20))
    assert mrz.document_number == "050693202043"
    assert mrz.issue_month == (2005, 6)


def test_find_mrz_specimen_one_digit_changed_check_fails():
    # Given the specimen with one digit of the birth date altered
    text = "\n".join([SPECIMEN[0], SPECIMEN[1].replace("290620", "290621")])
    # When its MRZ is read
    mrz = find_mrz(text, as_of=date(2026, 1, 1))
    # Then the birth-date and final check digits fail
    assert mrz is not None
    assert "date de naissance" in mrz.failed_checks and "clé finale" in mrz.failed_checks


def test_read_document_td1_bad_check_digit_error():
    # Given a new CNI whose MRZ document number was altered after the check digit was computed
    lines = s.cni_new()
    lines[-3] = lines[-3].replace("X4RTBPFW4", "X4RTBPFW5")
    # When it is read
    reading = read(lines, date(2026, 3, 10), 3)
    # Then an MRZ check digit error is reported
    assert reading.doc_type == DocType.IDENTITY_CARD
    assert "MRZ_CHECK_DIGIT" in codes(reading)


def test_read_document_td3_bad_check_digit_error():
    # Given a passport whose MRZ expiry was changed (e.g. a forged extension)
    lines = s.passport()
    lines[-1] = lines[-1].replace("300630", "350630")
    # When it is read
    reading = read(lines, date(2026, 3, 10), 2)
    # Then an MRZ check digit error is reported
    assert reading.doc_type == DocType.PASSPORT
    assert "MRZ_CHECK_DIGIT" in codes(reading)


def test_read_document_expired_passport_refused():
    # Given a passport that expired the day before receipt
    lines = s.passport(expiry=date(2026, 3, 9))
    # When it is read on 10 March 2026
    reading = read(lines, date(2026, 3, 10), 2)
    # Then it is refused as expired
    assert "IDENTITY_EXPIRED" in codes(reading)
    assert next(f for f in reading.findings if f.code == "IDENTITY_EXPIRED").severity == "error"


def test_read_document_passport_expiring_on_receipt_day_accepted():
    # Given a passport whose last valid day is the day of receipt
    lines = s.passport(expiry=date(2026, 3, 10))
    # When it is read that day
    reading = read(lines, date(2026, 3, 10), 2)
    # Then it is not expired
    assert "IDENTITY_EXPIRED" not in codes(reading)


def test_read_document_adult_cni_issued_2012_extension_accepted():
    # Given a CNI issued in 2012 to an adult, printed expiry 2022, received in 2026
    lines = s.cni_old(birth=date(1991, 7, 14), issued=date(2012, 5, 10))
    # When it is read
    reading = read(lines, date(2026, 3, 10), 2)
    # Then the 5-year extension makes it valid until 2027 and no expiry is reported
    assert reading.fields["expiry_date"] == "2027-05-10"  # DESIGN §5: 15 years for this card
    assert reading.fields["valid_until"] == "2027-05-10"
    assert "IDENTITY_EXPIRED" not in codes(reading)
    assert [f.code for f in reading.findings if f.severity == "error"] == []


def test_read_document_adult_cni_extended_past_extension_refused():
    # Given a CNI issued in 2005 to an adult: printed expiry 2015, extended to 2020
    lines = s.cni_old(birth=date(1970, 2, 1), issued=date(2005, 6, 1))
    # When it is read in 2026
    reading = read(lines, date(2026, 3, 10), 2)
    # Then it is expired since 2020
    assert reading.fields["valid_until"] == "2020-06-01"
    assert "IDENTITY_EXPIRED" in codes(reading)


def test_read_document_cni_issued_to_minor_no_extension_refused():
    # Given a CNI issued in 2012 to a 15-year-old (no extension for minors)
    lines = s.cni_old(birth=date(1997, 1, 5), issued=date(2012, 5, 10))
    # When it is read in 2026
    reading = read(lines, date(2026, 3, 10), 2)
    # Then its validity ends with the printed date and it is refused
    assert reading.fields["valid_until"] == "2022-05-10"
    assert "IDENTITY_EXPIRED" in codes(reading)


def test_read_document_cni_issued_2014_no_extension_refused():
    # Given an adult's CNI issued in 2014, after the extension window
    lines = s.cni_old(birth=date(1980, 1, 5), issued=date(2014, 2, 10))
    # When it is read in 2026
    reading = read(lines, date(2026, 3, 10), 2)
    # Then it expired in 2024
    assert reading.fields["valid_until"] == "2024-02-10"
    assert "IDENTITY_EXPIRED" in codes(reading)


def test_read_document_residence_permit_fields_and_kind():
    # Given a "carte de séjour temporaire" of an Algerian national
    lines = s.residence_permit(expiry=date(2026, 12, 31))
    # When it is read
    reading = read(lines, date(2026, 3, 10), 3)
    # Then it is a residence permit with its kind, nationality and validity
    assert reading.doc_type == DocType.RESIDENCE_PERMIT
    assert reading.fields["permit_kind"] == "carte de séjour temporaire"
    assert reading.fields["nationality"] == "DZ"
    assert reading.fields["expiry_date"] == "2026-12-31"


RENEWAL_RECEIPT = [
    "RÉPUBLIQUE FRANÇAISE", "PRÉFECTURE DE LA GIRONDE",
    "RÉCÉPISSÉ DE DEMANDE DE RENOUVELLEMENT DE TITRE DE SÉJOUR",
    "Nom : BENALI", "Prénoms : Yasmine", "Nationalité : Algérienne",
    "Date de naissance : 20/01/1990", "N° du titre : 3301234567",
    "Délivré le : 02/02/2026", "Valable jusqu'au : 01/05/2026",
    "Ce récépissé autorise son titulaire à travailler",
]


def test_read_document_renewal_receipt_kind_and_validity():
    # Given a prefecture's receipt for a permit renewal, valid until 1 May 2026 (no machine readable zone)
    # When it is read on 10 March 2026
    reading = read(RENEWAL_RECEIPT, date(2026, 3, 10), 0)
    # Then it is a residence permit of the receipt kind, with its holder and validity, and no error
    assert reading.doc_type == DocType.RESIDENCE_PERMIT
    assert reading.fields["permit_kind"] == "récépissé de demande de renouvellement"
    assert (reading.fields["nationality"], reading.fields["expiry_date"]) == ("DZ", "2026-05-01")
    assert [f.code for f in reading.findings if f.severity == "error"] == []


def test_read_document_expired_renewal_receipt_is_refused():
    # Given the same receipt, received after its validity
    reading = read(RENEWAL_RECEIPT, date(2026, 6, 10), 0)
    # Then it is expired, like any identity piece
    assert "IDENTITY_EXPIRED" in codes(reading)


def test_read_document_cni_without_mrz_warning_not_error():
    # Given the front of a new CNI (its MRZ is on the back)
    lines = s.cni_new()[:-4]
    # When it is read
    reading = read(lines, date(2026, 3, 10), 0)
    # Then it is still an identity card, fields from the visual zone, with a warning only
    assert reading.doc_type == DocType.IDENTITY_CARD
    assert reading.fields["expiry_date"] == "2032-02-01"
    assert reading.fields["birth_date"] == "1991-07-14"
    assert "MRZ_NOT_FOUND" in codes(reading)
    assert [f.code for f in reading.findings if f.severity == "error"] == []


def test_read_document_birth_date_in_future_error():
    # Given a passport whose visual zone and MRZ say the holder is born after receipt
    lines = s.passport(birth=date(2027, 1, 1))
    # When it is read in 2026 (two-digit MRZ years resolve to the past, the visual date does not)
    reading = read(lines[:-3], date(2026, 3, 10), 0)
    # Then a future date is reported
    assert "DATE_IN_FUTURE" in codes(reading)

"""Check digits of the generated identifiers: MRZ (ICAO and pre-2021 CNI), SIRET, IBAN."""

import random
from datetime import date

from mrz.checker.td1 import TD1CodeChecker
from mrz.checker.td3 import TD3CodeChecker
from stdnum import iban as stdnum_iban
from stdnum.fr import siret as stdnum_siret

from clea_intake.samples.ids import legacy_cni, make_french_iban, make_siret, mrz_check, mrz_text, td1, td3

SPECIMEN = ["IDFRADOUEL<<<<<<<<<<<<<<<<<<<<932013", "0506932020438CHRISTIANE<<NI2906209F3"]


def test_legacy_cni_design_specimen_reproduced_exactly():
    # Given the facts printed on the published specimen
    # When its MRZ is built
    lines = legacy_cni(surname="Douël", given_names="Christiane Nicole", number="050693202043", office="932013",
                       birth=date(1929, 6, 20), sex="F")
    # Then both lines are those of the specimen, check digits included
    assert lines == SPECIMEN


def test_legacy_cni_corrupt_flag_breaks_only_the_number_check_digit():
    # Given the specimen facts, asked with a wrong check digit
    lines = legacy_cni(surname="Douël", given_names="Christiane Nicole", number="050693202043", office="932013",
                       birth=date(1929, 6, 20), sex="F", corrupt=True)
    # Then the card-number check digit no longer matches, and the lengths are unchanged
    assert lines[1][12] != mrz_check("050693202043")
    assert [len(line) for line in lines] == [36, 36]


def test_td1_new_cni_passes_independent_checker():
    # Given a 2021 French card
    lines = td1(doc_code="ID", issuer="FRA", number="X4RTBPFW4", birth=date(1991, 7, 14), sex="F",
                expiry=date(2031, 7, 13), nationality="FRA", surname="Martin", given_names="Léa Marie")
    # When the mrz package checks it
    checker = TD1CodeChecker("\n".join(lines))
    # Then every check digit is right and the names are transliterated
    assert bool(checker)
    assert lines[2] == "MARTIN<<LEA<MARIE<<<<<<<<<<<<<"


def test_td3_passport_passes_independent_checker_and_corrupt_fails():
    # Given a French passport, once right and once with a corrupted number check digit
    args = dict(issuer="FRA", number="18AB12345", birth=date(1985, 2, 3), sex="M", expiry=date(2030, 5, 6),
                nationality="FRA", surname="Saint-Martin", given_names="Jean-Pierre Loïc")
    good, bad = td3(**args), td3(**args, corrupt=True)
    # Then the checker accepts the first and refuses the second
    assert bool(TD3CodeChecker("\n".join(good)))
    assert not bool(TD3CodeChecker("\n".join(bad)))
    assert good[0].startswith("P<FRASAINT<MARTIN<<JEAN<PIERRE<LOIC<")


def test_mrz_text_accents_and_ligatures_transliterated():
    # Given names with accents, a ligature and an apostrophe
    # Then they come out as ICAO letters
    assert mrz_text("Œuvrard-N'Diaye Hélène") == "OEUVRARD<NDIAYE<HELENE"


def test_make_siret_many_seeds_all_valid_and_corrupt_invalid():
    # Given many seeds
    rng = random.Random(5)
    sirets = [make_siret(rng) for _ in range(200)]
    # Then python-stdnum accepts all of them, and refuses a corrupted one
    assert all(stdnum_siret.is_valid(s) for s in sirets)
    assert not stdnum_siret.is_valid(make_siret(random.Random(1), corrupt=True))


def test_make_french_iban_many_seeds_all_valid_and_corrupt_invalid():
    # Given many seeds
    rng = random.Random(6)
    ibans = [make_french_iban(rng) for _ in range(200)]
    # Then python-stdnum accepts every IBAN (mod 97, French BBAN format), and refuses a corrupted one
    assert all(stdnum_iban.is_valid(i) for i in ibans)
    assert all(len(i) == 27 for i in ibans)
    assert not stdnum_iban.is_valid(make_french_iban(random.Random(2), corrupt=True))


def test_make_french_iban_rib_key_right():
    # Given a generated French IBAN
    iban = make_french_iban(random.Random(9))
    bank, branch, account, key = iban[4:9], iban[9:14], iban[14:25], iban[25:27]
    # Then its embedded RIB key is the one French banks compute
    assert int(key) == 97 - (89 * int(bank) + 15 * int(branch) + 3 * int(account)) % 97

"""Identifiers with their check digits: MRZ (ICAO 9303 and the pre-2021 French CNI), SIRET, NDA, IBAN, BIC."""

from __future__ import annotations

import random
import unicodedata
from datetime import date

_MRZ_WEIGHTS = (7, 3, 1)


def mrz_value(char: str) -> int:
    if char.isdigit():
        return int(char)
    if "A" <= char <= "Z":
        return ord(char) - ord("A") + 10
    return 0  # the filler '<'


def mrz_check(field: str) -> str:
    """ICAO 9303 check digit (weights 7-3-1)."""
    return str(sum(mrz_value(c) * _MRZ_WEIGHTS[i % 3] for i, c in enumerate(field)) % 10)


def wrong_digit(digit: str) -> str:
    """A different digit, for documents whose check digit must fail."""
    return str((int(digit) + 5) % 10) if digit.isdigit() else "5"


def mrz_text(text: str) -> str:
    """Upper-case ASCII letters and '<' as ICAO transliterates a French name (accents dropped, hyphen -> '<')."""
    text = text.upper().replace("Œ", "OE").replace("Æ", "AE").replace("ß", "SS").replace("'", "").replace("’", "")
    text = unicodedata.normalize("NFKD", text)
    out = []
    for char in text:
        if unicodedata.combining(char):
            continue
        out.append(char if ("A" <= char <= "Z" or char.isdigit()) else "<")
    return "".join(out)


def pad(text: str, width: int) -> str:
    return (text + "<" * width)[:width]


def yymmdd(day: date) -> str:
    return day.strftime("%y%m%d")


def mrz_names(surname: str, given_names: str, width: int) -> str:
    given = "<".join(mrz_text(g) for g in given_names.split())
    return pad(f"{mrz_text(surname)}<<{given}", width)


def td1(
    *, doc_code: str, issuer: str, number: str, birth: date, sex: str, expiry: date, nationality: str,
    surname: str, given_names: str, optional1: str = "", optional2: str = "", corrupt: bool = False,
) -> list[str]:
    """A 3x30 MRZ (new French CNI, residence permits). `corrupt` breaks the document-number check digit."""
    number_field = pad(number, 9)
    number_cd = mrz_check(number_field)
    if corrupt:
        number_cd = wrong_digit(number_cd)
    line1 = pad(f"{pad(doc_code, 2)}{issuer}{number_field}{number_cd}{optional1}", 30)
    birth_field, expiry_field = yymmdd(birth), yymmdd(expiry)
    head = f"{birth_field}{mrz_check(birth_field)}{sex}{expiry_field}{mrz_check(expiry_field)}{nationality}"
    line2 = pad(head + optional2, 29)
    composite = mrz_check(line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29])
    return [line1, line2 + composite, mrz_names(surname, given_names, 30)]


def td3(
    *, issuer: str, number: str, birth: date, sex: str, expiry: date, nationality: str,
    surname: str, given_names: str, personal: str = "", corrupt: bool = False,
) -> list[str]:
    """A 2x44 passport MRZ. `corrupt` breaks the document-number check digit."""
    line1 = pad(f"P<{issuer}{mrz_names(surname, given_names, 39)}", 44)
    number_field = pad(number, 9)
    number_cd = mrz_check(number_field)
    if corrupt:
        number_cd = wrong_digit(number_cd)
    birth_field, expiry_field = yymmdd(birth), yymmdd(expiry)
    personal_field = pad(personal, 14)
    # An empty personal number gets the filler as its check digit, as French passports print it.
    personal_cd = mrz_check(personal_field) if personal else "<"
    body = (
        f"{number_field}{number_cd}{nationality}{birth_field}{mrz_check(birth_field)}{sex}"
        f"{expiry_field}{mrz_check(expiry_field)}{personal_field}{personal_cd}"
    )
    composite = mrz_check(body[0:10] + body[13:20] + body[21:43])
    return [line1, body + composite]


def legacy_cni(
    *, surname: str, given_names: str, number: str, office: str, birth: date, sex: str, corrupt: bool = False,
) -> list[str]:
    """The 2x36 MRZ of the French CNI issued before 2021 (not ICAO: see DESIGN §5)."""
    line1 = f"IDFRA{pad(mrz_text(surname), 25)}{pad(office, 6)}"
    number_cd = mrz_check(number)
    if corrupt:
        number_cd = wrong_digit(number_cd)
    given = pad("<<".join(mrz_text(g) for g in given_names.split()), 14)
    birth_field = yymmdd(birth)
    body = f"{number}{number_cd}{given}{birth_field}{mrz_check(birth_field)}{sex}"
    return [line1, body + mrz_check(line1 + body)]


def luhn_complete(digits: str) -> str:
    """`digits` followed by the digit that makes the whole number pass the Luhn check."""
    total = 0
    for i, char in enumerate(reversed(digits)):
        value = int(char)
        if i % 2 == 0:  # these positions are doubled once the check digit is appended
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return digits + str((10 - total % 10) % 10)


def luhn_valid(number: str) -> bool:
    return number.isdigit() and luhn_complete(number[:-1]) == number


def make_siret(rng: random.Random, *, corrupt: bool = False) -> str:
    siren = luhn_complete(str(rng.randint(1, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(7)))
    siret = luhn_complete(siren + "0" + "".join(str(rng.randint(0, 9)) for _ in range(3)))
    if corrupt:
        siret = siret[:-1] + wrong_digit(siret[-1])
    return siret


def make_nda(rng: random.Random, department: str) -> str:
    """Déclaration d'activité number: region code 75 (Nouvelle-Aquitaine), department, sequence, department."""
    return f"75{department}{rng.randint(0, 99999):05d}{department}"


def _iban_check(country: str, bban: str) -> str:
    numeric = "".join(str(int(c, 36)) for c in bban + country + "00")
    return f"{98 - int(numeric) % 97:02d}"


def make_french_iban(rng: random.Random, *, bank_code: str | None = None, corrupt: bool = False) -> str:
    """A French IBAN with a correct RIB key and a correct mod-97 check (unless `corrupt`)."""
    bank = bank_code or f"{rng.randint(10000, 30099):05d}"
    branch = f"{rng.randint(0, 99999):05d}"
    account = f"{rng.randint(0, 10**11 - 1):011d}"
    rib_key = 97 - (89 * int(bank) + 15 * int(branch) + 3 * int(account)) % 97
    bban = f"{bank}{branch}{account}{rib_key:02d}"
    check = _iban_check("FR", bban)
    if corrupt:
        check = f"{(int(check) + 11) % 97 or 2:02d}"
    return f"FR{check}{bban}"


def group_iban(iban: str) -> str:
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))

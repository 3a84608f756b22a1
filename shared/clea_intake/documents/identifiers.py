"""Identifier checks: SIRET/SIREN (Luhn), IBAN (mod 97), BIC, NDA; finding and validating them in text."""

from __future__ import annotations

import re

from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban
from stdnum.exceptions import ValidationError
from stdnum.fr import siren as stdnum_siren
from stdnum.fr import siret as stdnum_siret

# La Poste's SIRET (SIREN 356000000) does not follow Luhn; stdnum knows the exception.


def compact_digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def siret_valid(value: str) -> bool:
    return stdnum_siret.is_valid(compact_digits(value)) and len(compact_digits(value)) == 14


def siren_valid(value: str) -> bool:
    return stdnum_siren.is_valid(compact_digits(value)) and len(compact_digits(value)) == 9


def compact_iban(value: str) -> str:
    return re.sub(r"[^0-9A-Z]", "", value.upper())


def iban_valid(value: str) -> bool:
    try:
        stdnum_iban.validate(compact_iban(value))
    except ValidationError:
        return False
    return True


def bic_valid(value: str) -> bool:
    try:
        stdnum_bic.validate(value)
    except ValidationError:
        return False
    return True


def nda_valid(value: str) -> bool:
    """A Déclaration d'activité number is 11 digits (region code, department, sequence, key)."""
    return re.fullmatch(r"\d{11}", compact_digits(value)) is not None and len(re.sub(r"[\s.]", "", value)) == 11


# In folded text. Spaces or dots may group the digits: "732 829 320 00074".
SIRET_RE = re.compile(r"(?<![\dA-Z])(\d{3}[ .\u00a0]?\d{3}[ .\u00a0]?\d{3}[ .\u00a0]?\d{5})(?!\d)")
# IBAN: country code, 2 check digits, then 11 to 30 alphanumerics, often grouped by four.
IBAN_RE = re.compile(r"\b([A-Z]{2} ?\d{2}(?: ?[0-9A-Z]{4}){2,7}(?: ?[0-9A-Z]{1,4})?)\b")
BIC_RE = re.compile(r"\b([A-Z]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?)\b")

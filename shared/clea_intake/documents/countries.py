"""Nationalities: the ISO 3166-1 alpha-3 code of a machine readable zone mapped to the form's alpha-2, in
one place.

The mapping comes from pycountry (the ISO 3166 database, kept up to date by its maintainers), plus the
codes ICAO 9303 uses that are not ISO 3166-1. Whether a nationality moves freely (EU, EEA, Switzerland)
is a rule of the scheme: the policy file holds that list, with its source.
"""

from __future__ import annotations

import functools

import pycountry

# ICAO 9303 Part 3 codes that are not ISO 3166-1: Germany's "D", the British nationality classes,
# Kosovo (EU usage), the United Nations and its agencies' travel documents have no nationality.
ICAO_EXTRA: dict[str, str] = {"D": "DE", "GBD": "GB", "GBN": "GB", "GBO": "GB", "GBS": "GB", "GBP": "GB",
                              "RKS": "XK"}  # fmt: skip


@functools.cache
def _alpha2_of(key: str) -> str | None:
    if key in ICAO_EXTRA:
        return ICAO_EXTRA[key]
    if len(key) == 3:
        country = pycountry.countries.get(alpha_3=key)
    elif len(key) == 2:
        country = pycountry.countries.get(alpha_2=key)
    else:
        return None
    return country.alpha_2 if country is not None else None


def alpha2(code: str | None) -> str | None:
    """The ISO alpha-2 code for an MRZ nationality (``FRA`` -> ``FR``), None when unknown or stateless."""
    if not code:
        return None
    key = code.replace("<", "").strip().upper()
    if not key.isalpha():
        return None
    return _alpha2_of(key)


def alpha3(code: str) -> str | None:
    """The alpha-3 code for a form's alpha-2 nationality (``FR`` -> ``FRA``)."""
    country = pycountry.countries.get(alpha_2=code.upper())
    return country.alpha_3 if country is not None else None


def free_movement(alpha2_code: str | None, members: frozenset[str]) -> bool:
    """Whether a national of `alpha2_code` needs no residence permit, `members` being the policy's list."""
    return alpha2_code is not None and alpha2_code.upper() in members

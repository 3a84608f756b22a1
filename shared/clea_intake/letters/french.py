"""The scheme's codes in the letters' words, and caller text made safe to print (formats: clea_intake.french)."""

from __future__ import annotations

import re

CERTIFICATIONS = {"clea_socle": "CléA Socle", "clea_numerique": "CléA Numérique"}
EVALUATIONS = {"initial": "évaluation initiale", "final": "évaluation finale"}

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def certification_fr(code: str) -> str:
    return CERTIFICATIONS[code]


def evaluation_fr(code: str) -> str:
    return EVALUATIONS[code]


def one_line(value: str) -> str:
    """Caller text reduced to one line: a newline in a name must never open a new header or line."""
    return " ".join(_CONTROL.sub(" ", value).split())

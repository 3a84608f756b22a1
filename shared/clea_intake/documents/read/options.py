"""Which option a piece states, ticked or written: the CléA certification and the evaluation."""

from __future__ import annotations

import re

from clea_intake.documents.reading import Text

_CHECKED = r"(?:☒|☑|✔|✓|✗|✘|■|\[\s?X\s?\]|\(\s?X\s?\))"
_UNCHECKED = r"(?:☐|□|\[\s?\]|\(\s?\))"


_ANY_BOX = re.compile(_CHECKED[:-1] + "|" + _UNCHECKED[3:])


def _option(text: Text, patterns: dict[str, str], boxed: dict[str, str] | None = None) -> str | None:
    """Which of several options the document states; with check boxes, the one ticked. `boxed` patterns
    (an option word right behind a box) only run when the text has boxes at all: they are slow to scan."""
    folded = text.folded
    mentioned: dict[str, list[int]] = {}
    active = dict(patterns)
    if boxed and _ANY_BOX.search(folded):
        active = {key: active[key] + "|" + boxed[key] if key in boxed else active[key] for key in active}
    for key, pattern in active.items():
        for match in text.finditer(pattern):
            mentioned.setdefault(key, []).append(match.start())
    if not mentioned:
        return None
    # A form with check boxes: the mark just before an option (or opening its match) says if it is ticked.
    ticked, unticked = set(), set()
    for key, positions in mentioned.items():
        for position in positions:
            around = folded[max(0, position - 6) : position + 3]
            if re.search(_UNCHECKED, around):
                unticked.add(key)
            elif re.search(_CHECKED, around):
                ticked.add(key)
    if len(ticked) == 1:
        return ticked.pop()
    candidates = [key for key in mentioned if key not in unticked or key in ticked]
    if len(mentioned) == 1 and candidates:
        return candidates[0]
    return None


# OCR reads the "l" of CléA as I, 1 or |, and drops the accent of Numérique or misreads one letter.
_CLEA = r"\bC[LI1|]\s?EA\b"
_NUMERIQUE = r"N[UV]M[EC]R[I1l]Q[UV]E"
CERTIFICATION_PATTERNS = {
    "clea_numerique": _CLEA + r"\s*[-–:]?\s*" + _NUMERIQUE,
    "clea_socle": _CLEA + r"\s*[-–:]?\s*(?:SOCLE\b|\(?\s*SOCLE|DE\s+BASE\b)|\bSOCLE\s+DE\s+CONNAISSANCES\b",
}
_BOX = r"(?:" + _CHECKED + "|" + _UNCHECKED + r")\s*"
# "☒ CléA  ☐ CléA Numérique": a bare CléA behind a box is the Socle option of the form.
CERTIFICATION_BOXED = {"clea_socle": _BOX + _CLEA + r"(?!\s*[-–:]?\s*(?:" + _NUMERIQUE + r"|MANAGEMENT))"}
EVALUATION_PATTERNS = {
    "initial": r"\bEVALUATION\s+(?:INITIALE|PREALABLE)\b|\bPOSITIONNEMENT\s+INITIAL\b",
    "final": r"\bEVALUATION\s+FINALE\b|\bEVALUATION\s+(?:COMPLEMENTAIRE|POST-?FORMATION)\b",
}
EVALUATION_BOXED = {"initial": _BOX + r"(?:INITIALE|PREALABLE)\b", "final": _BOX + r"FINALE\b"}


def certification(text: Text) -> str | None:
    """The CléA certification a piece is about, or None when it does not say for sure."""
    found = _option(text, CERTIFICATION_PATTERNS, CERTIFICATION_BOXED)
    # A bare "CléA" is CléA Socle's historical name, unless "numérique" shows anywhere: then a misread
    # "CléA Numérique" is as likely, and no answer beats a wrong one.
    if found is None and text.find(_CLEA) and not text.find(_NUMERIQUE + r"|MANAGEMENT"):
        # "Certificat CléA" alone is the historical name of CléA Socle.
        return "clea_socle"
    return found


def certifications(text: Text) -> list[str]:
    """Every CléA certification a habilitation covers (both when both are ticked or listed)."""
    folded = text.folded
    found: list[str] = []
    has_boxes = re.search(_UNCHECKED, folded) is not None
    for key, pattern in CERTIFICATION_PATTERNS.items():
        for match in text.finditer(pattern):
            before = folded[max(0, match.start() - 6) : match.start()]
            if has_boxes and re.search(_UNCHECKED + r"\s*$", before):
                continue
            found.append(key)
            break
    # A list or table row that opens with a bare "CléA" ("CléA du 23/01/2026 au ...", "☒ CléA") is CléA Socle,
    # the certification's historical name; a bare "CléA" in a title or a sentence says nothing.
    for match in re.finditer(
        r"(?m)^[ \t•\-–*]*(" + _CHECKED + r"|" + _UNCHECKED + r")?[ \t]*" + _CLEA + r"(?!\s*[-–:]?\s*(?:" + _NUMERIQUE + r"|MANAGEMENT))",
        folded,
    ):
        box = match.group(1) or ""
        if not re.fullmatch(_UNCHECKED, box.strip() or "-"):
            found.append("clea_socle")
            break
    if not found and text.find(_CLEA + r"(?!\s*-?\s*MANAGEMENT)") and not text.find(_NUMERIQUE):
        found.append("clea_socle")
    return sorted(set(found), key=["clea_socle", "clea_numerique"].index)


def evaluation(text: Text) -> str | None:
    """The evaluation a piece is about (initial or final), or None."""
    return _option(text, EVALUATION_PATTERNS, EVALUATION_BOXED)

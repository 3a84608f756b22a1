"""Helpers shared by the templates: layout themes, name display, recipient blocks."""

from __future__ import annotations

import random
from dataclasses import dataclass

from clea_intake.samples.sheet import Sheet


@dataclass(frozen=True)
class Theme:
    family: str
    date_style: str
    accent: tuple[int, int, int]
    producer: str


# Each layout index has its own typographic voice; templates may still vary inside a layout.
THEMES = (
    Theme("helvetica", "slash", (0, 84, 150), "Microsoft® Word pour Microsoft 365"),
    Theme("dejavu-serif", "long", (120, 30, 40), "LibreOffice 7.4"),
    Theme("dejavu", "iso", (30, 110, 60), "iText® 7.2.5 ©2000-2023 iText Group NV"),
    Theme("times", "long0", (60, 60, 60), "Acrobat PDFMaker 23 pour Word"),
    Theme("dejavu-condensed", "slash", (150, 80, 0), "Qt 5.15.8"),
    Theme("courier", "dots", (0, 0, 0), "PDF-XChange 9"),
)


def theme(layout: int, offset: int = 0) -> Theme:
    return THEMES[(layout + offset) % len(THEMES)]


def sheet_for(layout: int, created, *, offset: int = 0, **kwargs) -> Sheet:
    t = theme(layout, offset)
    return Sheet(family=t.family, date_style=t.date_style, accent=t.accent, created=created, producer=t.producer, **kwargs)


def split_name(full: str) -> tuple[str, str]:
    """(given, surname) of "Given Surname" (the surname may have several words)."""
    parts = full.split(" ", 1)
    return (parts[0], parts[1]) if len(parts) == 2 else ("", parts[0])


def name_as(full: str, style: int) -> str:
    given, surname = split_name(full)
    if style == 1:
        return f"{surname.upper()} {given}".strip()
    if style == 2:
        return f"{given} {surname.upper()}".strip()
    return full


def civility(sex: str | None) -> str:
    return {"F": "Madame", "M": "Monsieur"}.get(sex or "", "Madame, Monsieur")


def recipient_block(sh: Sheet, x: float, y: float, lines: list[str], *, size: float = 10.5, box: bool = False) -> None:
    """The address block placed where an envelope window shows it."""
    if box:
        sh.box(x - 3, y - 3, 90, 6 + len(lines) * size * 0.5, draw=(180, 180, 180))
    for i, line in enumerate(lines):
        sh.at(x, y + i * size * 0.48, line, size=size, bold=i == 0)


def maybe(rng: random.Random, p: float) -> bool:
    return rng.random() < p

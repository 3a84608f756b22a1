"""Identity documents: French CNI (2021 TD1 card and pre-2021 card), passport data page, residence permit."""

from __future__ import annotations

import random
from collections.abc import Callable

from clea_intake.samples import fake
from clea_intake.samples.ids import legacy_cni, td1, td3
from clea_intake.samples.sheet import Sheet, french_date

CARD_W, CARD_H = 85.6, 54.0  # ID-1
PASSPORT_W, PASSPORT_H = 125.0, 88.0  # ID-3 data page
Face = Callable[[Sheet, float, float, float, dict, random.Random], None]


def _d(day, style: str = "spaced") -> str:
    return french_date(day, style)


def identity_mrz(f: dict, kind: str) -> list[str]:
    """The MRZ lines printed on the document, from its facts (`corrupt_check_digit` breaks one digit)."""
    corrupt = bool(f.get("corrupt_check_digit"))
    alpha3 = fake.alpha3(f["nationality"])
    if kind == "legacy":
        return legacy_cni(surname=f["surname"], given_names=f["given_names"], number=f["document_number"],
                          office=f["office_code"], birth=f["birth_date"], sex=f["sex"], corrupt=corrupt)
    if kind == "cni":
        return td1(doc_code="ID", issuer="FRA", number=f["document_number"], birth=f["birth_date"], sex=f["sex"],
                   expiry=f["expiry_date"], nationality="FRA", surname=f["surname"], given_names=f["given_names"],
                   corrupt=corrupt)
    if kind == "permit":
        return td1(doc_code="IR", issuer="FRA", number=f["document_number"], birth=f["birth_date"], sex=f["sex"],
                   expiry=f["expiry_date"], nationality=alpha3, surname=f["surname"], given_names=f["given_names"],
                   corrupt=corrupt)
    issuer = "FRA" if f["nationality"] == "FR" else alpha3
    return td3(issuer=issuer, number=f["document_number"], birth=f["birth_date"], sex=f["sex"],
               expiry=f["expiry_date"], nationality=alpha3, surname=f["surname"], given_names=f["given_names"],
               corrupt=corrupt)


def _photo(sh: Sheet, x: float, y: float, w: float, h: float, tint: tuple[int, int, int] = (205, 205, 210)) -> None:
    sh.box(x, y, w, h, fill=(236, 236, 238), draw=None)
    sh.pdf.set_fill_color(*tint)
    with sh.pdf.rect_clip(x, y, w, h):
        sh.pdf.ellipse(x + w * 0.3, y + h * 0.14, w * 0.4, h * 0.42, style="F")
        sh.pdf.ellipse(x + w * 0.08, y + h * 0.6, w * 0.84, h * 0.7, style="F")


def _label_value(sh: Sheet, x: float, y: float, s: float, label: str, value: str, *, value_size: float = 7.2) -> None:
    sh.at(x, y, label, size=4.3 * s, color=(70, 70, 90), family="helvetica")
    sh.at(x, y + 2.1 * s, value, size=value_size * s, bold=True, family="helvetica")


def _mrz_block(sh: Sheet, x: float, y: float, s: float, lines: list[str], *, width: float, pitch: float = 4.1) -> None:
    """The MRZ in OCR-B, sized so that its lines span `width` (unscaled mm), as on the printed document."""
    sh.font(10, family="ocrb")
    size = 10 * width * s / sh.pdf.get_string_width(lines[0])
    for i, line in enumerate(lines):
        sh.at(x, y + i * pitch * s, line, size=size, family="ocrb")


def _card_frame(sh: Sheet, x: float, y: float, s: float, fill: tuple[int, int, int], band: tuple[int, int, int] | None) -> None:
    sh.box(x, y, CARD_W * s, CARD_H * s, fill=fill, draw=(150, 150, 160), radius=3.2 * s, width=0.25)
    if band:
        sh.pdf.set_fill_color(*band)
        sh.pdf.rect(x + 0.5 * s, y + 8.5 * s, CARD_W * s - 1 * s, 0.8 * s, style="F")


def cni2021_front(sh: Sheet, x: float, y: float, s: float, f: dict, rng: random.Random) -> None:
    _card_frame(sh, x, y, s, (236, 232, 246), (200, 150, 190))
    sh.at(x + 4 * s, y + 2 * s, "RÉPUBLIQUE FRANÇAISE", size=6.5 * s, bold=True, family="helvetica", color=(20, 40, 120))
    sh.at(x + 4 * s, y + 5 * s, "CARTE NATIONALE D'IDENTITÉ / IDENTITY CARD", size=4.8 * s, family="helvetica", color=(20, 40, 120))
    sh.at(x + 71 * s, y + 2 * s, "FR", size=9 * s, bold=True, family="helvetica", color=(20, 40, 120))
    _photo(sh, x + 3 * s, y + 11 * s, 23 * s, 30 * s)
    col = x + 29 * s
    _label_value(sh, col, y + 10.5 * s, s, "NOM / Surname", f["surname"].upper())
    _label_value(sh, col, y + 16.5 * s, s, "Prénoms / Given names", ", ".join(f["given_names"].split()), value_size=6.4)
    _label_value(sh, col, y + 22.5 * s, s, "SEXE / Sex", f["sex"])
    _label_value(sh, col + 13 * s, y + 22.5 * s, s, "NATIONALITÉ / Nationality", "FRA")
    _label_value(sh, col + 34 * s, y + 22.5 * s, s, "DATE DE NAISS. / Date of birth", _d(f["birth_date"]), value_size=6.4)
    _label_value(sh, col, y + 28.5 * s, s, "LIEU DE NAISSANCE / Place of birth", f["birth_place"], value_size=6.2)
    _label_value(sh, col, y + 34.5 * s, s, "N° DU DOCUMENT / Document No", f["document_number"], value_size=6.6)
    _label_value(sh, col + 30 * s, y + 34.5 * s, s, "DATE D'EXPIR. / Expiry date", _d(f["printed_expiry_date"]), value_size=6.4)
    sh.at(x + 4 * s, y + 44 * s, f"{rng.randint(100000, 999999)}", size=6 * s, family="ocrb")  # the CAN
    sh.signature(x + 30 * s, y + 41 * s, rng, width=26 * s, color=(30, 30, 60))


def cni2021_back(sh: Sheet, x: float, y: float, s: float, f: dict, rng: random.Random) -> None:
    _card_frame(sh, x, y, s, (232, 238, 246), None)
    _label_value(sh, x + 4 * s, y + 3 * s, s, "DATE DE DÉLIVRANCE / Date of issue", _d(f["issue_date"]), value_size=6.4)
    _label_value(sh, x + 4 * s, y + 9 * s, s, "AUTORITÉ / Authority", f["issuing_authority"], value_size=6.0)
    _label_value(sh, x + 4 * s, y + 15 * s, s, "ADRESSE / Address", f"{f['address_line']}, {f['postal_code']} {f['city']}".upper(), value_size=5.2)
    sh.box(x + 66 * s, y + 3 * s, 15 * s, 15 * s, fill=(210, 210, 220), draw=None, radius=1.5 * s)
    sh.box(x + 1.5 * s, y + 34 * s, CARD_W * s - 3 * s, 18 * s, fill=(250, 250, 252), draw=None)
    _mrz_block(sh, x + 4 * s, y + 35.3 * s, s, identity_mrz(f, "cni"), width=77)


def legacy_front(sh: Sheet, x: float, y: float, s: float, f: dict, rng: random.Random) -> None:
    _card_frame(sh, x, y, s, (226, 238, 236), None)
    sh.pdf.set_fill_color(240, 220, 226)
    sh.pdf.rect(x + 0.4 * s, y + 0.4 * s, CARD_W * s - 0.8 * s, 9.5 * s, style="F")
    sh.at(x + 4 * s, y + 1.6 * s, "RÉPUBLIQUE FRANÇAISE", size=6.6 * s, bold=True, family="times", color=(20, 40, 110))
    sh.at(x + 4 * s, y + 5.2 * s, f"CARTE NATIONALE D'IDENTITÉ N° : {f['document_number']}", size=5.6 * s, bold=True, family="times")
    sh.at(x + 58 * s, y + 10.6 * s, "Nationalité Française", size=4.8 * s, family="times")
    _photo(sh, x + 3 * s, y + 11 * s, 22 * s, 27 * s, tint=(190, 196, 200))
    col = x + 28 * s
    lines = [
        ("Nom :", f["surname"].upper()),
        ("Prénom(s) :", ", ".join(f["given_names"].split())),
        ("Sexe :", f"{f['sex']}        Né(e) le : {_d(f['birth_date'], 'dots')}"),
        ("à :", f["birth_place"]),
        ("Taille :", f"{f['height_cm'] / 100:.2f} m".replace(".", ",")),
    ]
    for i, (label, value) in enumerate(lines):
        sh.at(col, y + (14 + i * 4.4) * s, label, size=5 * s, family="times")
        sh.at(col + 13 * s, y + (13.7 + i * 4.4) * s, value, size=6.2 * s, bold=True, family="times")
    sh.at(col, y + 36 * s, "Signature du titulaire :", size=4.5 * s, family="times")
    sh.signature(col + 22 * s, y + 32 * s, rng, width=22 * s, color=(30, 30, 60))
    sh.box(x + 1.2 * s, y + 42 * s, CARD_W * s - 2.4 * s, 11 * s, fill=(248, 250, 250), draw=None)
    _mrz_block(sh, x + 3 * s, y + 43.2 * s, s, identity_mrz(f, "legacy"), width=79, pitch=4.3)


def legacy_back(sh: Sheet, x: float, y: float, s: float, f: dict, rng: random.Random) -> None:
    _card_frame(sh, x, y, s, (236, 240, 232), None)
    rows = [
        ("Adresse :", f"{f['address_line']}"),
        ("", f"{f['postal_code']} {f['city'].upper()}"),
        ("Carte valable jusqu'au :", _d(f["printed_expiry_date"], "dots")),
        ("délivrée le :", _d(f["issue_date"], "dots")),
        ("par :", f["issuing_authority"].upper()),
    ]
    for i, (label, value) in enumerate(rows):
        sh.at(x + 4 * s, y + (4 + i * 5) * s, label, size=5 * s, family="times")
        sh.at(x + 30 * s, y + (3.7 + i * 5) * s, value, size=6 * s, bold=True, family="times")
    sh.at(x + 4 * s, y + 31 * s, "Signature de l'autorité :", size=4.6 * s, family="times")
    sh.signature(x + 30 * s, y + 30 * s, rng, width=24 * s)
    sh.pdf.set_draw_color(120, 60, 140)
    sh.pdf.ellipse(x + 60 * s, y + 28 * s, 18 * s, 18 * s)
    sh.pdf.set_draw_color(0, 0, 0)


def permit_front(sh: Sheet, x: float, y: float, s: float, f: dict, rng: random.Random) -> None:
    _card_frame(sh, x, y, s, (232, 244, 236), (110, 170, 130))
    sh.at(x + 4 * s, y + 2 * s, "RÉPUBLIQUE FRANÇAISE", size=6.3 * s, bold=True, family="helvetica", color=(20, 80, 50))
    sh.at(x + 4 * s, y + 5 * s, "TITRE DE SÉJOUR / RESIDENCE PERMIT", size=5 * s, bold=True, family="helvetica", color=(20, 80, 50))
    _photo(sh, x + 3 * s, y + 11 * s, 22 * s, 29 * s)
    col = x + 28 * s
    alpha3 = fake.alpha3(f["nationality"])
    _label_value(sh, col, y + 10.5 * s, s, "NOM / Surname", f["surname"].upper())
    _label_value(sh, col, y + 16 * s, s, "Prénoms / Given names", ", ".join(f["given_names"].split()), value_size=6.2)
    _label_value(sh, col, y + 21.5 * s, s, "SEXE", f["sex"])
    _label_value(sh, col + 10 * s, y + 21.5 * s, s, "NATIONALITÉ", alpha3)
    _label_value(sh, col + 28 * s, y + 21.5 * s, s, "DATE DE NAISSANCE", _d(f["birth_date"]), value_size=6.2)
    _label_value(sh, col, y + 27 * s, s, "TYPE DE TITRE / Permit type", f["permit_kind"].upper(), value_size=5.0)
    _label_value(sh, col, y + 32.5 * s, s, "MENTION / Remarks", f.get("permit_mention", "").upper(), value_size=5.0)
    _label_value(sh, col, y + 38 * s, s, "N° DU TITRE", f["document_number"], value_size=6.2)
    _label_value(sh, col + 28 * s, y + 38 * s, s, "VALABLE JUSQU'AU", _d(f["expiry_date"]), value_size=6.2)
    sh.signature(x + 4 * s, y + 41 * s, rng, width=20 * s, color=(30, 30, 60))


def permit_back(sh: Sheet, x: float, y: float, s: float, f: dict, rng: random.Random) -> None:
    _card_frame(sh, x, y, s, (236, 244, 240), None)
    _label_value(sh, x + 4 * s, y + 3 * s, s, "LIEU DE DÉLIVRANCE / Place of issue", f["issuing_authority"], value_size=5.6)
    _label_value(sh, x + 4 * s, y + 9 * s, s, "DATE DE DÉLIVRANCE / Date of issue", _d(f["issue_date"]), value_size=6.0)
    _label_value(sh, x + 4 * s, y + 15 * s, s, "ADRESSE", f"{f['address_line']}, {f['postal_code']} {f['city']}".upper(), value_size=5.0)
    sh.at(x + 4 * s, y + 23 * s, "Autorise son titulaire à travailler en France", size=5 * s, family="helvetica", italic=True)
    sh.box(x + 1.5 * s, y + 34 * s, CARD_W * s - 3 * s, 18 * s, fill=(250, 252, 250), draw=None)
    _mrz_block(sh, x + 4 * s, y + 35.3 * s, s, identity_mrz(f, "permit"), width=77)


def passport_page(sh: Sheet, x: float, y: float, s: float, f: dict, rng: random.Random) -> None:
    sh.box(x, y, PASSPORT_W * s, PASSPORT_H * s, fill=(240, 236, 248), draw=(150, 150, 160), radius=2.5 * s, width=0.25)
    french = f["nationality"] == "FR"
    country = "RÉPUBLIQUE FRANÇAISE" if french else fake.COUNTRIES.get(f["nationality"], ("", f["nationality"]))[1].upper()
    adjective = fake.COUNTRIES.get(f["nationality"], ("", "", f["nationality"]))[2]
    alpha3 = fake.alpha3(f["nationality"])
    sh.at(x + 5 * s, y + 3 * s, country, size=7.5 * s, bold=True, family="helvetica", color=(60, 30, 100))
    sh.at(x + 62 * s, y + 3 * s, "PASSEPORT / PASSPORT", size=7.5 * s, bold=True, family="helvetica", color=(60, 30, 100))
    _photo(sh, x + 5 * s, y + 12 * s, 30 * s, 38 * s)
    col = x + 40 * s
    _label_value(sh, col, y + 10 * s, s, "Type / Type", "P", value_size=7)
    _label_value(sh, col + 18 * s, y + 10 * s, s, "Code du pays / Country code", alpha3 if not french else "FRA", value_size=7)
    _label_value(sh, col + 52 * s, y + 10 * s, s, "Passeport n° / Passport No.", f["document_number"], value_size=7)
    _label_value(sh, col, y + 16.5 * s, s, "Nom / Surname", f["surname"].upper(), value_size=7.6)
    _label_value(sh, col, y + 23 * s, s, "Prénoms / Given names", ", ".join(f["given_names"].split()), value_size=7)
    _label_value(sh, col, y + 29.5 * s, s, "Nationalité / Nationality", adjective.capitalize(), value_size=7)
    _label_value(sh, col + 42 * s, y + 29.5 * s, s, "Date de naissance / Date of birth", _d(f["birth_date"]), value_size=7)
    _label_value(sh, col, y + 36 * s, s, "Sexe / Sex", f["sex"], value_size=7)
    _label_value(sh, col + 18 * s, y + 36 * s, s, "Lieu de naissance / Place of birth", f["birth_place"], value_size=6.6)
    _label_value(sh, col, y + 42.5 * s, s, "Date de délivrance / Date of issue", _d(f["issue_date"]), value_size=7)
    _label_value(sh, col + 42 * s, y + 42.5 * s, s, "Date d'expiration / Date of expiry", _d(f["expiry_date"]), value_size=7)
    _label_value(sh, col, y + 49 * s, s, "Autorité / Authority", f["issuing_authority"], value_size=6.4)
    sh.signature(x + 6 * s, y + 52 * s, rng, width=26 * s, color=(30, 30, 60))
    sh.box(x + 1 * s, y + 67 * s, PASSPORT_W * s - 2 * s, 19 * s, fill=(250, 250, 252), draw=None)
    _mrz_block(sh, x + 5 * s, y + 69.5 * s, s, identity_mrz(f, "passport"), width=114, pitch=5.2)


def _faces(f: dict, kind: str) -> tuple[Face, Face | None, float, float]:
    if kind == "passport":
        return passport_page, None, PASSPORT_W, PASSPORT_H
    if kind == "permit":
        return permit_front, permit_back, CARD_W, CARD_H
    if f.get("cni_format") == "legacy":
        return legacy_front, legacy_back, CARD_W, CARD_H
    return cni2021_front, cni2021_back, CARD_W, CARD_H


def render_identity(f: dict, layout: int, rng: random.Random, kind: str, *, family: str = "helvetica") -> Sheet:
    """Layout 0: A4 photocopy, faces stacked. 1: A4 landscape, side by side. 2: cropped to the document (phone scan app)."""
    front, back, w, h = _faces(f, kind)
    faces = [front] + ([back] if back else [])
    created = f["as_of"]
    if layout == 2:
        s = 1.6
        page_w = w * s + 16
        page_h = (h * s + 8) * len(faces) + 8
        sh = Sheet(family=family, page_format=(page_w, page_h), created=created, producer="CamScanner",
                   margins=(0, 0, 0))
        for i, face in enumerate(faces):
            face(sh, 8, 8 + i * (h * s + 8), s, f, rng)
        return sh
    if layout == 1:
        sh = Sheet(family=family, orientation="L", created=created, producer="HP Scan")
        s = 1.45 if back else min(1.9, 250 / w, 150 / h)
        total = len(faces) * w * s + (len(faces) - 1) * 12
        x0, y0 = (297 - total) / 2, (210 - h * s) / 2
        for i, face in enumerate(faces):
            face(sh, x0 + i * (w * s + 12), y0, s, f, rng)
        sh.at(15, 198, "Copie conforme à l'original", size=8, color=(120, 120, 120), italic=True)
        return sh
    sh = Sheet(family=family, created=created, producer="Canon iR-ADV C3520 PDF")
    s = 1.5 if back else 1.3
    x0 = (210 - w * s) / 2
    for i, face in enumerate(faces):
        face(sh, x0, 25 + i * (h * s + 20), s, f, rng)
    return sh

"""Builders of real test documents (fpdf2 PDFs, Pillow scans) for the document pipeline tests."""

from __future__ import annotations

import io
import random
from datetime import date

from fpdf import FPDF
from mrz.base.functions import hash_string
from mrz.generator.td1 import TD1CodeGenerator
from mrz.generator.td3 import TD3CodeGenerator
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_DIR = "/usr/share/fonts/truetype"
SANS = f"{FONT_DIR}/dejavu/DejaVuSans.ttf"
SERIF = f"{FONT_DIR}/liberation/LiberationSerif-Regular.ttf"
MONO = f"{FONT_DIR}/dejavu/DejaVuSansMono.ttf"


# ---------------------------------------------------------------- containers


def pdf(lines: list[str], *, font: str = SANS, size: float = 11, mono_tail: int = 0) -> bytes:
    """A text PDF, one line per entry; the last `mono_tail` lines in a monospace font (an MRZ)."""
    doc = FPDF(format="A4")
    doc.set_compression(False)
    doc.add_font("body", fname=font)
    doc.add_font("mono", fname=MONO)
    doc.add_page()
    doc.set_font("body", size=size)
    for index, line in enumerate(lines):
        if mono_tail and index >= len(lines) - mono_tail:
            doc.set_font("mono", size=10)
        doc.cell(0, size * 0.55, line or " ", new_x="LMARGIN", new_y="NEXT")
    return bytes(doc.output())


def pages_pdf(pages: list[list[str]]) -> bytes:
    doc = FPDF(format="A4")
    doc.add_font("body", fname=SANS)
    for lines in pages:
        doc.add_page()
        doc.set_font("body", size=11)
        for line in lines:
            doc.cell(0, 6, line or " ", new_x="LMARGIN", new_y="NEXT")
    return bytes(doc.output())


def page_image(
    lines: list[str],
    *,
    dpi: int = 200,
    font: str = SANS,
    size_pt: float = 11,
    mono_tail: int = 0,
    width_mm: float = 210,
    height_mm: float = 297,
    colour: bool = False,
) -> Image.Image:
    px = dpi / 25.4
    width, height = int(width_mm * px), int(height_mm * px)
    image = Image.new("RGB" if colour else "L", (width, height), (250, 248, 240) if colour else 255)
    draw = ImageDraw.Draw(image)
    body = ImageFont.truetype(font, int(size_pt * dpi / 72))
    mono = ImageFont.truetype(MONO, int(10 * dpi / 72))
    y = int(20 * px)
    for index, line in enumerate(lines):
        use = mono if mono_tail and index >= len(lines) - mono_tail else body
        draw.text((int(18 * px), y), line, font=use, fill=(20, 20, 60) if colour else 0)
        y += int(use.size * 1.45)
    return image


def scan(
    image: Image.Image, *, angle: float = 0.0, noise: int = 0, blur: float = 0.0, seed: int = 7
) -> Image.Image:
    """What a scanner or phone does to a page: a slight rotation, sensor noise, a little blur."""
    fill = 255 if image.mode == "L" else (255, 255, 255)
    out = image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=fill) if angle else image
    if blur:
        out = out.filter(ImageFilter.GaussianBlur(blur))
    if noise:
        rng = random.Random(seed)
        grain = Image.effect_noise(out.size, noise).convert(out.mode) if out.mode == "L" else None
        if grain is not None:
            out = Image.blend(out, grain, 0.12)
        else:
            draw = ImageDraw.Draw(out)
            for _ in range(out.width * out.height // 400):
                draw.point((rng.randrange(out.width), rng.randrange(out.height)), fill=(120, 120, 120))
    return out


def to_jpeg(image: Image.Image, quality: int = 70, dpi: int = 200) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB" if image.mode not in ("L", "RGB") else image.mode).save(
        buffer, format="JPEG", quality=quality, dpi=(dpi, dpi)
    )
    return buffer.getvalue()


def to_png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def image_only_pdf(image: Image.Image) -> bytes:
    """A PDF with no text layer: a scanned page embedded as an image."""
    doc = FPDF(format="A4")
    doc.add_page()
    doc.image(image.convert("L"), x=0, y=0, w=210, h=297)
    return bytes(doc.output())


# ---------------------------------------------------------------- machine readable zones


def mrz_cni_2x36(surname: str, given: str, birth: date, issued: date, dept: str = "331", seq: str = "01234", sex: str = "F") -> list[str]:
    line1 = ("IDFRA" + surname.upper().replace(" ", "<").ljust(25, "<"))[:30] + (dept + "012")[:6]
    number = issued.strftime("%y%m") + dept + seq[:5]
    birth_s = birth.strftime("%y%m%d")
    names = given.upper().replace(" ", "<<").ljust(14, "<")[:14]
    body = number + hash_string(number) + names + birth_s + hash_string(birth_s) + sex
    return [line1, body + hash_string(line1 + body)]


def mrz_td1(code: str, number: str, birth: date, expiry: date, surname: str, given: str, nationality: str = "FRA") -> list[str]:
    text = str(
        TD1CodeGenerator(code, "FRA", number, birth.strftime("%y%m%d"), "F", expiry.strftime("%y%m%d"),
                         nationality, surname, given)  # fmt: skip
    )
    return text.splitlines()


def mrz_td3(number: str, birth: date, expiry: date, surname: str, given: str, nationality: str = "FRA") -> list[str]:
    text = str(TD3CodeGenerator("P", "FRA", surname, given, number, nationality, birth.strftime("%y%m%d"), "F",
                                expiry.strftime("%y%m%d")))  # fmt: skip
    return text.splitlines()


# ---------------------------------------------------------------- document wordings


def cni_old(birth: date = date(1991, 7, 14), issued: date = date(2012, 5, 10), surname: str = "MARTIN",
            given: str = "LEA MARIE") -> list[str]:  # fmt: skip
    return [
        "RÉPUBLIQUE FRANÇAISE",
        "CARTE NATIONALE D'IDENTITÉ N° : " + issued.strftime("%y%m") + "33101234",
        "Nom : " + surname,
        "Prénom(s) : " + given.title().replace(" ", ", "),
        "Sexe : F     Né(e) le : " + birth.strftime("%d.%m.%Y"),
        "à : BORDEAUX (33)",
        "Taille : 1,65 m",
        "Carte valable jusqu'au : " + issued.replace(year=issued.year + 10).strftime("%d.%m.%Y"),
        "délivrée le : " + issued.strftime("%d.%m.%Y"),
        "par : PRÉFECTURE DE LA GIRONDE (33)",
        "",
        *mrz_cni_2x36(surname, given.split()[0] + " " + given.split()[1] if " " in given else given, birth, issued),
    ]


def cni_new(birth: date = date(1991, 7, 14), expiry: date = date(2032, 2, 1), number: str = "X4RTBPFW4") -> list[str]:
    issued = expiry.replace(year=expiry.year - 10)
    return [
        "RÉPUBLIQUE FRANÇAISE",
        "CARTE NATIONALE D'IDENTITÉ / IDENTITY CARD",
        "NOM / Surname",
        "MARTIN",
        "Prénoms / Given names",
        "Léa, Marie",
        "SEXE  NATIONALITÉ  DATE DE NAISS.",
        "F  FRA  " + birth.strftime("%d %m %Y"),
        "N° DU DOCUMENT  " + number,
        "DATE D'EXPIRATION  " + expiry.strftime("%d %m %Y"),
        "DATE DE DÉLIVRANCE  " + issued.strftime("%d %m %Y"),
        "",
        *mrz_td1("ID", number, birth, expiry, "MARTIN", "LEA MARIE"),
    ]


def passport(birth: date = date(1988, 3, 2), expiry: date = date(2030, 6, 30)) -> list[str]:
    return [
        "RÉPUBLIQUE FRANÇAISE",
        "PASSEPORT / PASSPORT",
        "Type/Type P   Code du pays/Country code FRA   Passeport N°/Passport No 19AB12345",
        "Nom/Surname : DUPONT",
        "Prénoms/Given names : Karim, Paul",
        "Nationalité/Nationality : Française",
        "Date de naissance/Date of birth : " + birth.strftime("%d %m %Y"),
        "Date de délivrance/Date of issue : " + expiry.replace(year=expiry.year - 10).strftime("%d %m %Y"),
        "Date d'expiration/Date of expiry : " + expiry.strftime("%d %m %Y"),
        "Autorité/Authority : Préfecture de la Gironde",
        "",
        *mrz_td3("19AB12345", birth, expiry, "DUPONT", "KARIM PAUL"),
    ]


def residence_permit(birth: date = date(1990, 1, 20), expiry: date = date(2027, 9, 14)) -> list[str]:
    return [
        "RÉPUBLIQUE FRANÇAISE",
        "TITRE DE SÉJOUR",
        "CARTE DE SÉJOUR TEMPORAIRE - SALARIÉ",
        "Nom : BENALI",
        "Prénoms : Yasmine",
        "Nationalité : DZA",
        "Date de naissance : " + birth.strftime("%d/%m/%Y"),
        "Valable jusqu'au : " + expiry.strftime("%d/%m/%Y"),
        "Autorise son titulaire à travailler",
        "",
        *mrz_td1("IR", "AB1234567", birth, expiry, "BENALI", "YASMINE", nationality="DZA"),
    ]


def energy_bill(issued: date = date(2026, 2, 20), postal: str = "33000 BORDEAUX") -> list[str]:
    return [
        "EDF - Service Clients",
        "TSA 20021 - 41975 BLOIS CEDEX 9",
        "Votre facture d'électricité",
        "Facture n° 1002 3345 6789 du " + issued.strftime("%d/%m/%Y"),
        "",
        "M. MARTIN Léa",
        "12 rue des Vignes",
        postal,
        "",
        "Période de consommation du 01/12/2025 au 31/01/2026",
        "Consommation : 412 kWh",
        "Montant TTC : 98,45 €",
    ]


def quote(siret: str = "73282932000074", nda: str = "75331234533", fees: bool = True,
          total: str | None = "510,00 €") -> list[str]:
    lines = [
        "Formation Atlantique SAS",
        "SIRET : " + siret + "   NDA : " + nda,
        "33700 Mérignac",
        "DEVIS TYPE RÉGIONAL - AIDE INDIVIDUELLE CléA",
        "Devis n° 2026-041 établi le 02/03/2026",
        "Organisme évaluateur : Formation Atlantique",
        "Bénéficiaire : Léa MARTIN",
        "Certification visée : CléA Socle",
        "Type d'évaluation : évaluation initiale",
        "Nombre d'heures d'évaluation : 10 h",
        "Dates : du 13/04/2026 au 24/04/2026",
        "Prix des heures d'évaluation : 450,00 €",
    ]
    if fees:
        lines.append("Frais d'inscription (hors aide) : 60,00 €")
    if total is not None:
        lines.append("Total : " + total)
    return lines


def qualiopi(valid_until: date = date(2027, 12, 31)) -> list[str]:
    return [
        "CERTIFICAT QUALIOPI",
        "Certification qualité des prestataires d'actions concourant au développement des compétences",
        "Référentiel national qualité mentionné à l'article L.6316-1 du code du travail",
        "Délivré à : Formation Atlantique SAS",
        "SIRET : 732 829 320 00074",
        "Catégorie d'actions : actions de formation",
        "Date de début de validité : 01/01/2025",
        "Date de fin de validité : " + valid_until.strftime("%d/%m/%Y"),
        "Organisme certificateur : AFNOR Certification",
    ]


def habilitation(valid_until: date = date(2027, 6, 30)) -> list[str]:
    return [
        "ATTESTATION D'HABILITATION",
        "Certif Pro atteste que l'organisme :",
        "Formation Atlantique",
        "SIRET : 73282932000074",
        "est habilité à évaluer les certifications CléA Socle et CléA Numérique",
        "Période d'habilitation : du 01/07/2024 au " + valid_until.strftime("%d/%m/%Y"),
    ]


def disp() -> list[str]:
    return [
        "Direction interrégionale des services pénitentiaires de Bordeaux",
        "FICHE DE LIAISON - CERTIFICATION CléA",
        "Nom : DURAND",
        "Prénom(s) : Kevin",
        "Établissement : Centre pénitentiaire de Bordeaux-Gradignan",
        "Fait à Bordeaux, le 5 mars 2026",
    ]


def execution_report() -> list[str]:
    return [
        "COMPTE RENDU D'EXÉCUTION (CRE)",
        "Organisme évaluateur : Formation Atlantique",
        "Candidat : MARTIN Léa",
        "Certification : CléA Socle - évaluation initiale",
        "Date de début : 13/04/2026",
        "Date de fin : 24/04/2026",
        "Résultats de l'évaluation : domaines acquis 5/7",
    ]


def hours_attestation(hours: str = "10") -> list[str]:
    return [
        "ATTESTATION DES HEURES RÉALISÉES",
        "Formation Atlantique atteste que",
        "Bénéficiaire : Léa MARTIN",
        "a réalisé son évaluation CléA du 13/04/2026 au 24/04/2026",
        "Nombre d'heures réalisées : " + hours + " heures",
        "Fait à Mérignac, le 27 avril 2026",
    ]


def rib(iban: str = "FR76 3000 6000 0112 3456 7890 189", issued: date = date(2026, 4, 20)) -> list[str]:
    return [
        "RELEVÉ D'IDENTITÉ BANCAIRE",
        "Titulaire du compte : FORMATION ATLANTIQUE SAS",
        "Domiciliation : CAISSE D'ÉPARGNE BORDEAUX",
        "IBAN : " + iban,
        "BIC : CEPAFRPP333",
        "Édité le " + issued.strftime("%d/%m/%Y"),
    ]

"""The evaluator's pieces: the Région's quote template (devis type), Qualiopi certificate, CléA habilitation."""

from __future__ import annotations

import random

from clea_intake.samples.facts import CERTIFICATION_LABELS, CERTIFICATION_LONG, EVALUATION_LABELS
from clea_intake.samples.sheet import Sheet, euros, hours_text
from clea_intake.samples.templates.common import sheet_for

QUALIOPI_CATEGORIES = {
    "formation": "Actions de formation",
    "bilan": "Bilans de compétences",
    "vae": "Actions permettant de faire valider les acquis de l'expérience",
    "apprentissage": "Actions de formation par apprentissage",
}


def _siret_text(siret: str, spaced: bool) -> str:
    return f"{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}" if spaced else siret


def _org_address(f: dict) -> str:
    return f"{f['address_line']}, {f['postal_code']} {f['city']}"


def quote(f: dict, layout: int, rng: random.Random) -> Sheet:
    """The Région's devis type: every mandatory mention, fees shown apart from the evaluation hours."""
    sh = sheet_for(layout, f["issue_date"])
    v = layout % 3
    cert = CERTIFICATION_LABELS[f["certification"]]
    evaluation = EVALUATION_LABELS[f["evaluation"]]
    hours = hours_text(f["hours"])
    amount, fees = float(f["amount_eur"]), float(f["fees_eur"])
    rate = euros(f["hourly_rate_eur"])
    dates = f"du {sh.date(f['start_date'])} au {sh.date(f['end_date'])}"
    org = [("Organisme évaluateur", f"{f['evaluator_name']} ({f['legal_form']})"), ("Adresse", _org_address(f)),
           ("N° SIRET", _siret_text(f["siret"], v == 1)), ("N° de déclaration d'activité (NDA)", f["nda"])]
    beneficiary = [("Bénéficiaire", f["beneficiary_name"])]
    if f.get("beneficiary_birth_date") and v != 2:
        beneficiary.append(("Date de naissance", sh.date(f["beneficiary_birth_date"])))
    if v == 0:
        sh.text("Région Nouvelle-Aquitaine – Aide individuelle à la certification CléA", size=9, color=sh.accent, bold=True)
        sh.title("DEVIS TYPE", size=18, align="C")
        sh.text(f"Devis n° {f['quote_number']} – établi le {sh.date(f['issue_date'])}", size=9.5, align="C")
        sh.space(3)
        sh.band("1. Organisme évaluateur")
        sh.kv(org, label_w=72, size=9.5)
        sh.band("2. Bénéficiaire")
        sh.kv(beneficiary, label_w=72, size=9.5)
        sh.band("3. Évaluation")
        sh.kv([("Certification", CERTIFICATION_LONG[f["certification"]]), ("Type d'évaluation", evaluation),
               ("Dates de réalisation", dates), ("Nombre d'heures d'évaluation", f"{hours} h")], label_w=72, size=9.5)
        sh.band("4. Prix")
        sh.table(["Désignation", "Quantité", "Prix unitaire", "Montant"],
                 [[f"Heures d'évaluation {cert}", f"{hours} h", rate, euros(amount)],
                  ["Frais d'inscription et de jury (non pris en charge par la Région)", "1", euros(fees), euros(fees)]],
                 [94, 22, 28, 30], aligns=["L", "C", "R", "R"], size=8.5)
        sh.kv([("Prix des heures d'évaluation", euros(amount)), ("Frais annexes (inscription, jury)", euros(fees)),
               ("TOTAL", euros(amount + fees))], label_w=120, size=10, bold_values=True)
        sh.text("Organisme non assujetti à la TVA (article 261-4-4° du CGI).", size=8.5, italic=True)
    elif v == 1:
        sh.logo(18, 12, f["evaluator_name"], rng, size=11)
        sh.pdf.set_y(30)
        sh.text(f"{_org_address(f)} – Tél. {f['phone']}", size=8.5)
        sh.text(f"SIRET {_siret_text(f['siret'], True)} – Déclaration d'activité enregistrée sous le numéro {f['nda']} "
                "auprès du préfet de région Nouvelle-Aquitaine", size=8.5)
        sh.space(4)
        sh.title(f"Devis – {cert} – {evaluation}", size=14)
        sh.text(f"Référence : {f['quote_number']}    Date : {sh.date(f['issue_date'])}", size=9.5)
        sh.space(2)
        sh.text(f"Établi pour : {f['beneficiary_name']}, dans le cadre de l'aide individuelle régionale à la "
                f"certification CléA de la Région Nouvelle-Aquitaine.", size=10, h=5.5)
        sh.space(2)
        sh.text(f"Prestation : {evaluation.lower()} {CERTIFICATION_LONG[f['certification']]}, d'une durée de "
                f"{hours} heures, réalisée {dates}.", size=10, h=5.5)
        sh.space(3)
        # Without fees, this layout shows no fees line at all: its total is the price of the hours (DESIGN §1).
        fee_rows = [["Frais d'inscription / jury (affichés à part, non éligibles)", euros(fees)]] if fees else []
        sh.table(["Poste", "Montant"], [[f"Heures d'évaluation ({hours} h x {rate})", euros(amount)], *fee_rows,
                 ["Total", euros(amount + fees)]], [130, 44], aligns=["L", "R"], zebra=(240, 244, 250))
        sh.text("Conditions : devis valable 3 mois. Règlement par la Région Nouvelle-Aquitaine pour la part "
                "éligible ; les frais annexes restent à la charge du bénéficiaire ou d'un autre financeur."
                if fees else "Conditions : devis valable 3 mois. Règlement par la Région Nouvelle-Aquitaine.", size=8.5)
    else:
        sh.text("DEVIS TYPE RÉGIONAL – CERTIFICATION CléA", size=13, bold=True, align="C")
        sh.text(f"N° {f['quote_number']} du {sh.date(f['issue_date'])}", size=9.5, align="C")
        sh.space(4)
        sh.table(["Mention obligatoire", "Renseignement"],
                 [["Raison sociale", f["evaluator_name"]], ["Adresse", _org_address(f)], ["SIRET", f["siret"]],
                  ["NDA", f["nda"]], ["Nom et prénom du bénéficiaire", f["beneficiary_name"]],
                  ["Certification", cert], ["Type d'évaluation", evaluation],
                  ["Date de début", sh.date(f["start_date"])], ["Date de fin", sh.date(f["end_date"])],
                  ["Nombre d'heures", hours], ["Prix des heures d'évaluation", euros(amount)],
                  ["Frais d'inscription / jury", euros(fees)], ["Montant total", euros(amount + fees)]],
                 [70, 104], size=9)
    sh.space(4)
    y = sh.y
    sh.at(18, y, "Bon pour accord, le bénéficiaire", size=9)
    sh.at(115, y, f"Pour l'organisme, {f['signatory']}, {f['signatory_role']}", size=9, w=80)
    sh.signature(125, y + 8, rng)
    sh.stamp(122, y + 22, [f["evaluator_name"].upper(), _org_address(f)[:40], f"SIRET {f['siret']}"])
    return sh


def qualiopi(f: dict, layout: int, rng: random.Random) -> Sheet:
    sh = sheet_for(layout, f["issue_date"], offset=1)
    v = layout % 3
    body = f["certifying_body"]
    categories = [QUALIOPI_CATEGORIES[c] for c in f["categories"] if c in QUALIOPI_CATEGORIES]
    sh.logo(18, 12, body, rng, size=11)
    sh.box(150, 12, 42, 16, draw=(0, 0, 120))
    sh.at(152, 14, "Qualiopi", size=13, bold=True, color=(0, 0, 130))
    sh.at(152, 21, "processus certifié", size=7, color=(0, 0, 130))
    sh.at(152, 24.5, "RÉPUBLIQUE FRANÇAISE", size=5.5, bold=True, color=(200, 0, 40))
    sh.pdf.set_y(36)
    if v == 0:
        sh.title("CERTIFICAT", size=24, align="C")
        sh.text(f"N° {f['certificate_number']}", size=10, align="C")
        sh.space(6)
        sh.text(f"{body} atteste que l'organisme", size=11, align="C")
        sh.text(f["holder_name"].upper(), size=15, bold=True, align="C")
        sh.text(f"{_org_address(f)} – SIRET : {f['siret']}", size=10, align="C")
        sh.space(4)
        sh.text("a été évalué et jugé conforme aux exigences du référentiel national qualité mentionné à "
                "l'article L. 6316-3 du Code du travail, pour les actions concourant au développement des "
                "compétences au titre de la ou des catégories suivantes :", size=10.5, align="C", h=6)
        sh.space(2)
        for c in categories:
            sh.text(c.upper(), size=11, bold=True, align="C")
        sh.space(6)
        sh.text(f"Date de début de validité : {sh.date(f['valid_from'])}", size=10.5, align="C")
        sh.text(f"Date de fin de validité : {sh.date(f['valid_until'])}", size=10.5, align="C")
    elif v == 1:
        sh.title("Certificat de conformité – Certification Qualiopi", size=15)
        sh.kv([("Organisme certifié", f["holder_name"]), ("SIRET", f["siret"]), ("Adresse", _org_address(f)),
               ("Numéro de certificat", f["certificate_number"]),
               ("Référentiel", "Référentiel national qualité (décret n° 2019-564 du 6 juin 2019)"),
               ("Périmètre", "Actions concourant au développement des compétences"),
               ("Catégories d'actions", " ; ".join(categories)),
               ("Valable du", f"{sh.date(f['valid_from'])} au {sh.date(f['valid_until'])}")],
              label_w=55, size=10, border=True)
        sh.space(4)
        sh.text(f"Délivré le {sh.date(f['issue_date'])} à {f['certifying_body_city']}.", size=10)
    else:
        sh.title("CERTIFICATION QUALITÉ DES ORGANISMES PRESTATAIRES", size=13, align="C")
        sh.text("d'actions concourant au développement des compétences", size=11, align="C")
        sh.space(6)
        sh.table(["Rubrique", "Information"],
                 [["Titulaire", f["holder_name"]], ["N° SIRET", f["siret"]], ["Certificat", f["certificate_number"]],
                  ["Début de validité", sh.date(f["valid_from"])], ["Fin de validité", sh.date(f["valid_until"])]]
                 + [["Catégorie", c] for c in categories], [60, 114])
        sh.text("Ce certificat peut être suspendu ou retiré ; sa validité peut être vérifiée sur la liste "
                "publique des organismes certifiés.", size=9)
    sh.space(8)
    sh.text(f"Pour {body}, le Directeur de la certification", size=9.5, align="R")
    sh.signature(140, sh.y + 2, rng)
    sh.footer(f"{body} – organisme certificateur accrédité par le COFRAC (accréditation n° 5-{rng.randint(1000, 9999)}, portée disponible sur www.cofrac.fr)")
    return sh


def habilitation(f: dict, layout: int, rng: random.Random) -> Sheet:
    sh = sheet_for(layout, f["issue_date"], offset=2)
    v = layout % 3
    certs = [CERTIFICATION_LONG[c] for c in f["certifications"] if c in CERTIFICATION_LONG]
    period = f"du {sh.date(f['valid_from'])} au {sh.date(f['valid_until'])}"
    sh.logo(18, 12, "Certif Pro", rng, size=12, color=(0, 100, 160))
    sh.pdf.set_y(30)
    sh.text("Association nationale pour la certification paritaire interprofessionnelle et l'évolution professionnelle",
            size=8, color=(90, 90, 90))
    sh.space(6)
    if v == 0:
        sh.title("ATTESTATION D'HABILITATION", size=18, align="C")
        sh.space(4)
        sh.text(f"Certif Pro atteste que l'organisme {f['holder_name']}, SIRET {f['siret']}, situé {_org_address(f)}, "
                f"est habilité à réaliser les évaluations préalables et finales des certifications suivantes :",
                size=10.5, h=6)
        sh.space(2)
        for c in certs:
            sh.text(f"– {c}", size=10.5, bold=True)
        sh.space(3)
        sh.text(f"Période d'habilitation : {period}.", size=10.5, bold=True)
        sh.text(f"Numéro d'habilitation : {f['habilitation_number']}", size=10)
    elif v == 1:
        sh.title("Habilitation CléA – Organisme évaluateur", size=15)
        sh.kv([("Organisme habilité", f["holder_name"]), ("SIRET", f["siret"]), ("Adresse", _org_address(f)),
               ("N° d'habilitation", f["habilitation_number"]), ("Certification(s)", "\n".join(certs)),
               ("Date de début d'habilitation", sh.date(f["valid_from"])),
               ("Date de fin d'habilitation", sh.date(f["valid_until"]))], label_w=62, size=10, border=True)
        sh.space(3)
        sh.text("Cette habilitation est délivrée par le comité de pilotage de Certif Pro. Elle peut être retirée en "
                "cas de manquement au cahier des charges.", size=9)
    else:
        sh.title("ATTESTATION", size=16, align="C")
        sh.text("Habilitation des organismes évaluateurs CléA", size=11, align="C")
        sh.space(5)
        sh.table(["Certification", "Habilitation"], [[c.split(" – ")[0], period] for c in certs], [80, 94])
        sh.text(f"Organisme : {f['holder_name']} – SIRET {f['siret']}", size=10.5)
        sh.text(f"Adresse : {_org_address(f)}", size=10)
    sh.space(8)
    sh.text(f"Fait à Paris, le {sh.date(f['issue_date'])}", size=10)
    sh.text(f"{f.get('certif_pro_signatory', 'La Déléguée générale')}, pour Certif Pro", size=9.5)
    sh.signature(30, sh.y + 2, rng)
    sh.footer("Certif Pro – association paritaire – Paris")
    return sh

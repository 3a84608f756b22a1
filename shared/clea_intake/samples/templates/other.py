"""The DISP liaison form for detainees, and documents of no expected type (letters, payslips, blank pages)."""

from __future__ import annotations

import random

from clea_intake.samples.sheet import Sheet, euros
from clea_intake.samples.templates.common import civility, recipient_block, sheet_for


def disp_liaison(f: dict, layout: int, rng: random.Random) -> Sheet:
    sh = sheet_for(layout, f["issue_date"], offset=1)
    v = layout % 3
    sh.text("MINISTÈRE DE LA JUSTICE", size=9, bold=True)
    sh.text("Direction interrégionale des services pénitentiaires de Bordeaux", size=9)
    sh.text(f"Service pénitentiaire d'insertion et de probation – {f['facility']}", size=8.5, color=(80, 80, 80))
    sh.space(6)
    names = f"{f['surname'].upper()} {f['given_names']}"
    if v == 0:
        sh.title("FICHE DE LIAISON", size=17, align="C")
        sh.text("Aide individuelle régionale à la certification CléA – personnes détenues", size=10.5, align="C")
        sh.space(5)
        sh.kv([("Nom", f["surname"].upper()), ("Prénom(s)", f["given_names"]),
               ("Date de naissance", sh.date(f["birth_date"])), ("N° d'écrou", f["prison_number"]),
               ("Établissement", f["facility"]), ("Conseiller(ère) SPIP", f["counsellor"])], label_w=55, border=True)
        sh.space(4)
        sh.text(f"La DISP de Bordeaux atteste que la personne désignée ci-dessus est détenue au sein de "
                f"l'établissement pénitentiaire « {f['facility']} » ({f['facility_postal_code']}), situé en "
                "Nouvelle-Aquitaine, à la date de la présente fiche.", size=10.5, h=6)
    elif v == 1:
        sh.title("Fiche de liaison DISP – Région Nouvelle-Aquitaine", size=14)
        sh.text(f"Je soussigné(e) {f['counsellor']}, conseiller(ère) pénitentiaire d'insertion et de probation, "
                f"atteste que {civility(f.get('sex'))} {names}, né(e) le {sh.date(f['birth_date'])}, écrou n° "
                f"{f['prison_number']}, est actuellement détenu(e) à : {f['facility']}.", size=10.5, h=6)
        sh.space(3)
        sh.text("La personne souhaite présenter la certification CléA dans le cadre du dispositif d'aide "
                "individuelle régional ; la présente fiche tient lieu de justificatif de résidence.", size=10.5, h=6)
    else:
        sh.text("DISP DE BORDEAUX – FICHE DE LIAISON CLÉA", size=13, bold=True, align="C")
        sh.space(4)
        sh.table(["Champ", "Valeur"], [["Nom d'usage", f["surname"].upper()], ["Prénoms", f["given_names"]],
                 ["Né(e) le", sh.date(f["birth_date"])], ["Établissement pénitentiaire", f["facility"]],
                 ["Code postal", f["facility_postal_code"]], ["Fin de peine prévisionnelle", sh.date(f["release_date"])]],
                 [70, 104])
    sh.space(8)
    sh.text(f"Fait à Bordeaux, le {sh.date(f['issue_date'])}", size=10)
    sh.text("Le directeur interrégional, par délégation", size=9.5)
    sh.signature(30, sh.y + 2, rng)
    sh.stamp(120, sh.y + 2, ["DISP DE BORDEAUX", "Service de l'insertion", "et de la probation"])
    return sh


def unknown(f: dict, layout: int, rng: random.Random) -> Sheet:
    kind = f["kind"]
    sh = sheet_for(layout, f["issue_date"], offset=2)
    if kind == "blank":
        if layout % 2:
            sh.at(100, 285, "1", size=8, color=(160, 160, 160))
        return sh
    if kind == "payslip":
        sh.title("BULLETIN DE PAIE", size=14)
        sh.text(f"Employeur : {f['employer']} – {f['city']}", size=9.5)
        sh.text(f"Salarié : {f['person_name']} – {f['address_line']}, {f['postal_code']} {f['city']}", size=9.5)
        sh.text(f"Période : {sh.date(f['issue_date'], 'long').split(' ', 1)[1]}", size=9.5)
        sh.space(3)
        gross = float(f["gross_eur"])
        sh.table(["Rubrique", "Base", "Taux", "Montant"],
                 [["Salaire de base", "151,67", euros(gross / 151.67, symbol=False), euros(gross)],
                  ["Sécurité sociale – plafonnée", euros(gross, symbol=False), "6,90", euros(gross * -0.069)],
                  ["CSG déductible", euros(gross * 0.9825, symbol=False), "6,80", euros(gross * -0.0668)],
                  ["Net à payer avant impôt", "", "", euros(gross * 0.78)]], [80, 32, 28, 34], aligns=["L", "R", "R", "R"])
        sh.text("Dans votre intérêt et pour faire valoir vos droits, conservez ce bulletin de paie sans limitation de durée.",
                size=8)
        return sh
    if kind == "gym_contract":
        sh.title("CONTRAT D'ABONNEMENT – SALLE DE SPORT", size=14)
        sh.text(f"Adhérent : {f['person_name']}, {f['address_line']}, {f['postal_code']} {f['city']}", size=10)
        sh.text(f"Date d'adhésion : {sh.date(f['issue_date'])} – engagement 12 mois – 29,90 € par mois", size=10)
        sh.text("Accès illimité aux espaces cardio et musculation, cours collectifs inclus.", size=10)
        return sh
    if kind == "school_certificate":
        sh.title("CERTIFICAT DE SCOLARITÉ", size=15, align="C")
        sh.text(f"Le chef d'établissement du collège Jean-Moulin de {f['city']} certifie que l'élève "
                f"{f['person_name']} est inscrit(e) en classe de 4e pour l'année scolaire.", size=10.5, h=6)
        sh.text(f"Fait le {sh.date(f['issue_date'])}", size=10.5)
        return sh
    sh.text(f["sender"], size=10.5)
    sh.text(f"{f['address_line']}\n{f['postal_code']} {f['city']}", size=10.5)
    recipient_block(sh, 115, 50, ["Service clients", "Abonnements", "CS 70001", "33000 BORDEAUX"], size=10)
    sh.pdf.set_y(85)
    sh.text(f"{f['city']}, le {sh.date(f['issue_date'])}", size=10.5, align="R")
    sh.space(4)
    sh.text(rng.choice(("Objet : résiliation de mon abonnement", "Objet : demande de remboursement",
                        "Objet : changement de coordonnées")), size=10.5, bold=True)
    sh.space(3)
    sh.text("Madame, Monsieur,\n\nPar la présente, je vous informe de ma décision de mettre fin à mon contrat à "
            "compter de la réception de ce courrier. Je vous remercie de bien vouloir m'adresser une confirmation "
            "écrite.\n\nJe vous prie d'agréer, Madame, Monsieur, mes salutations distinguées.", size=10.5, h=6)
    sh.signature(120, sh.y + 5, rng)
    return sh

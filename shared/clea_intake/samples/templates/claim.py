"""The evaluator's payment claim: execution report (CRE), attestation of hours, bank details (RIB)."""

from __future__ import annotations

import random

from clea_intake.samples.facts import CERTIFICATION_LABELS, CERTIFICATION_LONG, EVALUATION_LABELS, RESULTS
from clea_intake.samples.ids import group_iban
from clea_intake.samples.sheet import Sheet, hours_text
from clea_intake.samples.templates.common import sheet_for


def _org_header(sh: Sheet, f: dict, rng: random.Random) -> None:
    sh.logo(18, 12, f["evaluator_name"], rng, size=10)
    sh.pdf.set_y(27)
    sh.text(f"{f['address_line']}, {f['postal_code']} {f['city']} – SIRET {f['siret']} – NDA {f['nda']}", size=8)
    sh.space(5)


def execution_report(f: dict, layout: int, rng: random.Random) -> Sheet:
    sh = sheet_for(layout, f["issue_date"], offset=3)
    v = layout % 3
    result = RESULTS.get(f["result"], f["result"])
    dates = f"du {sh.date(f['start_date'])} au {sh.date(f['end_date'])}"
    if v == 0:
        sh.text("RÉGION NOUVELLE-AQUITAINE – Annexe à l'arrêté attributif", size=9, bold=True, color=sh.accent)
        sh.title("COMPTE RENDU D'EXÉCUTION (CRE)", size=16, align="C")
        sh.text("Aide individuelle régionale à la certification CléA", size=10.5, align="C")
        sh.space(5)
        sh.band("Organisme évaluateur")
        sh.kv([("Raison sociale", f["evaluator_name"]), ("SIRET", f["siret"]), ("N° de dossier", f["case_id"])], label_w=60)
        sh.band("Bénéficiaire et évaluation")
        sh.kv([("Bénéficiaire", f["beneficiary_name"]), ("Certification", CERTIFICATION_LONG[f["certification"]]),
               ("Type d'évaluation", EVALUATION_LABELS[f["evaluation"]]), ("Période de réalisation", dates),
               ("Résultat", result)], label_w=60)
    elif v == 1:
        _org_header(sh, f, rng)
        sh.title(f"Compte rendu d'exécution – {CERTIFICATION_LABELS[f['certification']]}", size=14)
        sh.text(f"Dossier {f['case_id']}", size=10)
        sh.space(3)
        sh.text(f"L'organisme {f['evaluator_name']} certifie avoir réalisé l'{EVALUATION_LABELS[f['evaluation']].lower()} "
                f"de la certification {CERTIFICATION_LONG[f['certification']]} au bénéfice de {f['beneficiary_name']}, "
                f"{dates}.", size=10.5, h=6)
        sh.space(2)
        sh.text(f"Résultat de l'évaluation : {result}.", size=10.5, bold=True)
        sh.text(f"Évaluateur : {f['evaluator_assessor']}", size=10)
    else:
        sh.text("CRE – COMPTE RENDU D'EXÉCUTION", size=13, bold=True)
        sh.space(3)
        sh.table(["Rubrique", "Renseignement"],
                 [["N° de dossier Région", f["case_id"]], ["Organisme", f["evaluator_name"]], ["SIRET", f["siret"]],
                  ["Nom du bénéficiaire", f["beneficiary_name"]], ["Certification", CERTIFICATION_LABELS[f["certification"]]],
                  ["Évaluation", EVALUATION_LABELS[f["evaluation"]]], ["Date de début", sh.date(f["start_date"])],
                  ["Date de fin", sh.date(f["end_date"])], ["Résultat", result]], [60, 114], size=9.5)
    sh.space(6)
    sh.text(f"Fait à {f['city']}, le {sh.date(f['issue_date'])}", size=10)
    sh.text(f"{f['signatory']}, {f['signatory_role']}", size=10)
    sh.signature(30, sh.y + 2, rng)
    sh.stamp(120, sh.y + 2, [f["evaluator_name"].upper(), f"SIRET {f['siret']}"])
    return sh


def hours_attestation(f: dict, layout: int, rng: random.Random) -> Sheet:
    sh = sheet_for(layout, f["issue_date"], offset=4)
    v = layout % 3
    hours = hours_text(f["hours"])
    dates = f"du {sh.date(f['start_date'])} au {sh.date(f['end_date'])}"
    if v == 0:
        _org_header(sh, f, rng)
        sh.title("ATTESTATION DES HEURES RÉALISÉES EN CENTRE", size=15, align="C")
        sh.space(6)
        signed = {"F": "Je soussignée", "M": "Je soussigné"}.get(f.get("signatory_sex", ""), "Je soussigné(e)")
        sh.text(f"{signed} {f['signatory']}, {f['signatory_role'].lower()} de {f['evaluator_name']}, atteste que "
                f"{f['beneficiary_name']} a réalisé {hours} heures d'évaluation en centre, {dates}, dans le cadre de "
                f"la certification {CERTIFICATION_LABELS[f['certification']]} (dossier {f['case_id']}).", size=11, h=6.5)
    elif v == 1:
        sh.text("Région Nouvelle-Aquitaine – Aide individuelle CléA – Annexe 2", size=9, color=sh.accent, bold=True)
        sh.title("Attestation d'heures réalisées", size=15)
        sh.kv([("Organisme", f"{f['evaluator_name']} – SIRET {f['siret']}"), ("Bénéficiaire", f["beneficiary_name"]),
               ("N° de dossier", f["case_id"]), ("Période", dates), ("Heures réalisées", f"{hours} h")],
              label_w=66, size=10, border=True)
    else:
        _org_header(sh, f, rng)
        sh.text("ATTESTATION DE PRÉSENCE / HEURES D'ÉVALUATION", size=12, bold=True)
        sh.space(3)
        sh.table(["Date de début", "Date de fin", "Heures réalisées"],
                 [[sh.date(f["start_date"]), sh.date(f["end_date"]), hours]], [58, 58, 58], aligns=["C", "C", "C"])
        sh.text(f"Stagiaire : {f['beneficiary_name']}", size=10.5)
        sh.text(f"Action : évaluation {CERTIFICATION_LABELS[f['certification']]}", size=10.5)
    sh.space(8)
    sh.text(f"Fait pour servir et valoir ce que de droit, à {f['city']}, le {sh.date(f['issue_date'])}.", size=10)
    sh.signature(120, sh.y + 3, rng)
    return sh


def bank_details(f: dict, layout: int, rng: random.Random) -> Sheet:
    sh = sheet_for(layout, f["issue_date"], offset=5)
    v = layout % 3
    iban = f["iban"]
    bank, branch, account, key = iban[4:9], iban[9:14], iban[14:25], iban[25:27]
    sh.logo(18, 12, f["bank_name"], rng, size=10)
    sh.pdf.set_y(30)
    if v == 0:
        sh.title("RELEVÉ D'IDENTITÉ BANCAIRE", size=15, align="C")
        sh.space(3)
        sh.kv([("Titulaire du compte", f["holder_name"]), ("Adresse", f"{f['address_line']}, {f['postal_code']} {f['city']}"),
               ("Domiciliation", f"{f['bank_name']} – {f['branch_name']}")], label_w=50)
        sh.space(2)
        sh.table(["Code banque", "Code guichet", "N° de compte", "Clé RIB"], [[bank, branch, account, key]],
                 [38, 38, 60, 38], aligns=["C", "C", "C", "C"])
        sh.kv([("IBAN", group_iban(iban)), ("BIC", f["bic"])], label_w=50, bold_values=True)
        sh.space(3)
        sh.text(f"Édité le {sh.date(f['issue_date'])}", size=9)
    elif v == 1:
        sh.band("Relevé d'identité bancaire (RIB)")
        sh.text(f"Document édité le {sh.date(f['issue_date'])} depuis votre espace client", size=8.5)
        sh.space(2)
        sh.kv([("Titulaire", f["holder_name"]), ("IBAN (International Bank Account Number)", group_iban(iban)),
               ("BIC (Bank Identifier Code)", f["bic"]), ("Agence", f["branch_name"])], label_w=78, border=True)
        sh.space(3)
        sh.text("Remettez ce relevé à vos créanciers ou débiteurs pour vos virements et prélèvements.", size=8.5, italic=True)
    else:
        sh.text(f"{f['bank_name']} – {f['branch_name']}", size=9)
        sh.space(3)
        sh.text("RIB / IBAN", size=13, bold=True)
        sh.text(f"Date d'édition : {sh.date(f['issue_date'])}", size=9.5)
        sh.space(3)
        sh.text(f"Titulaire : {f['holder_name'].upper()}", size=10.5)
        sh.text(f"{f['address_line']} {f['postal_code']} {f['city']}", size=9.5)
        sh.space(3)
        sh.text(f"IBAN : {iban}", size=11, family="courier")
        sh.text(f"BIC : {f['bic']}", size=11, family="courier")
        sh.text(f"Banque {bank}  Guichet {branch}  Compte {account}  Clé {key}", size=9.5, family="courier")
    return sh

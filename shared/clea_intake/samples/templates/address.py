"""Proofs of address: energy, water and telecom bills, rent receipt, tax notice, home insurance, host's attestation."""

from __future__ import annotations

import random
from datetime import timedelta

from clea_intake.samples.sheet import Sheet, euros
from clea_intake.samples.templates.common import maybe, name_as, recipient_block, sheet_for, split_name


def _addr(f: dict) -> list[str]:
    return [f["address_line"], f"{f['postal_code']} {f['city'].upper()}"]


def _holder(f: dict, layout: int) -> str:
    return name_as(f["holder_name"], layout % 3)


def _invoice(f: dict, layout: int, rng: random.Random, *, provider: str, title: str, date_label: str,
             refs: list[tuple[str, str]], lines: list[tuple[str, str]], site_label: str, extra: str) -> Sheet:
    """The common bones of a utility bill; each layout places them differently."""
    sh = sheet_for(layout, f["issue_date"])
    issue = sh.date(f["issue_date"])
    total = euros(f["amount_eur"])
    holder = _holder(f, layout)
    v = layout % 3
    if v == 0:
        sh.logo(18, 14, provider, rng, size=12)
        recipient_block(sh, 112, 46, [holder, *_addr(f)])
        sh.pdf.set_y(30)
        sh.text(f"{date_label} : {issue}", size=9.5)
        for label, value in refs:
            sh.text(f"{label} : {value}", size=9)
        sh.pdf.set_y(78)
        sh.title(title, size=16)
        sh.text(f"{site_label} : {f['address_line']}, {f['postal_code']} {f['city']}", size=9.5)
        sh.space(3)
        sh.table(["Détail", "Montant TTC"], [[a, b] for a, b in lines] + [["Total à payer", total]], [130, 44],
                 aligns=["L", "R"])
        sh.text(extra, size=9)
        sh.space(4)
        sh.text(f"Montant prélevé le {sh.date(f['due_date'])} sur votre compte bancaire.", size=9)
        _payment_stub(sh, f, provider, holder, total, rng)
        sh.footer(f"{provider} – SA au capital de 1 000 000 € – Service clients 09 70 00 00 00 (appel non surtaxé)")
    elif v == 1:
        sh.band(f"{provider.upper()}  —  {title}", size=12)
        sh.space(2)
        y0 = sh.y
        sh.at(18, y0, "Vos références", size=10, bold=True, color=sh.accent)
        for i, (label, value) in enumerate([(date_label, issue), *refs]):
            sh.at(18, y0 + 6 + i * 5, f"{label} : {value}", size=9)
        sh.at(112, y0, "Titulaire du contrat", size=10, bold=True, color=sh.accent)
        recipient_block(sh, 112, y0 + 6, [holder, *_addr(f)], size=10)
        sh.pdf.set_y(y0 + 40)
        sh.rule()
        sh.text(f"Montant de votre facture : {total} TTC", size=13, bold=True)
        sh.text(f"À payer avant le {sh.date(f['due_date'])}", size=9.5)
        sh.space(3)
        sh.text(f"{site_label} : {f['address_line']} – {f['postal_code']} {f['city']}", size=9.5)
        sh.space(2)
        sh.kv(lines, label_w=120, size=9.5, sep="")
        sh.space(3)
        sh.text(extra, size=8.5, italic=True)
        sh.datamatrix(20, 245, 18, rng)
        sh.footer(f"{provider} · Document à conserver 5 ans · Page 1/2")
        _conditions_page(sh, provider)
    else:
        sh.text(provider.upper(), size=14, bold=True)
        sh.text(f"{title.upper()} N° {f['invoice_number']}", size=11, bold=True)
        sh.text(f"{date_label} {issue}", size=10)
        sh.space(4)
        sh.text("Destinataire :", size=9, bold=True)
        for line in [holder, *_addr(f)]:
            sh.text(line, size=10)
        sh.space(4)
        sh.kv(refs + [(site_label, f"{f['address_line']}, {f['postal_code']} {f['city']}")], label_w=62, size=9.5)
        sh.space(2)
        sh.table(["Libellé", "Montant"], [[a, b] for a, b in lines] + [["TOTAL TTC", total]], [120, 54],
                 aligns=["L", "R"], header_fill=(235, 235, 235))
        sh.text(extra, size=9)
    return sh


def _payment_stub(sh: Sheet, f: dict, provider: str, holder: str, total: str, rng: random.Random) -> None:
    """The detachable payment slip at the foot of a bill."""
    y = 222
    sh.pdf.set_draw_color(120, 120, 120)
    sh.pdf.set_dash_pattern(dash=1.5, gap=1.2)
    sh.pdf.line(10, y, 200, y)
    sh.pdf.set_dash_pattern()
    sh.at(12, y + 1, "À détacher et à joindre à votre règlement", size=7, color=(110, 110, 110))
    sh.at(18, y + 8, "TITRE INTERBANCAIRE DE PAIEMENT SEPA", size=8.5, bold=True)
    sh.at(18, y + 14, f"Référence : {f['customer_number']} {f['invoice_number']}", size=8.5)
    sh.at(18, y + 19, f"Montant : {total}", size=8.5, bold=True)
    sh.at(18, y + 24, holder, size=8.5)
    sh.at(18, y + 29, f"{f['address_line']} {f['postal_code']} {f['city'].upper()}", size=8.5)
    sh.at(110, y + 8, provider.upper(), size=8.5, bold=True)
    sh.at(110, y + 13, "TSA 21000 – 33000 BORDEAUX CEDEX", size=8)
    sh.datamatrix(172, y + 18, 18, rng)
    sh.at(18, y + 40, f"<{f['customer_number']}{f['invoice_number']}< {int(float(f['amount_eur']) * 100):010d} <", size=9,
          family="ocrb")


def _conditions_page(sh: Sheet, provider: str) -> None:
    sh.pdf.add_page()
    sh.title("Informations importantes", size=12)
    for heading, body in (
        ("Vos moyens de paiement", "Prélèvement automatique, mensualisation, carte bancaire sur votre espace client, "
         "chèque à l'ordre de " + provider + " accompagné du talon, ou espèces dans un bureau de poste."),
        ("En cas de difficultés de paiement", "Contactez-nous sans attendre : des solutions (échéancier, chèque énergie, "
         "fonds de solidarité pour le logement) peuvent vous être proposées."),
        ("Réclamations", "Adressez votre réclamation au service clients par courrier ou depuis votre espace. Sans réponse "
         "satisfaisante sous deux mois, vous pouvez saisir gratuitement le médiateur compétent."),
        ("Données personnelles", "Vos données sont traitées pour la gestion de votre contrat. Vous disposez d'un droit "
         "d'accès, de rectification et d'opposition auprès de notre délégué à la protection des données."),
    ):
        sh.text(heading, size=10, bold=True)
        sh.text(body, size=9, h=4.8)
        sh.space(3)
    sh.footer(f"{provider} · Page 2/2")


def _period(sh: Sheet, f: dict) -> str:
    return f"du {sh.date(f['period_start'])} au {sh.date(f['period_end'])}"


def energy(f: dict, layout: int, rng: random.Random) -> Sheet:
    kind = f.get("energy", "electricity")
    title = {"electricity": "Facture d'électricité", "gas": "Facture de gaz naturel", "dual": "Votre facture électricité et gaz"}[kind]
    date_label = ("Date de facture", "Facture du", "Date d'émission")[layout % 3]
    amount = float(f["amount_eur"])
    lines = [
        (f"Abonnement {rng.choice((6, 9, 12))} kVA – option Base", euros(round(amount * 0.22, 2))),
        (f"Consommation : {f['consumption']} kWh", euros(round(amount * 0.58, 2))),
        ("Taxes et contributions (accise, CTA)", euros(round(amount * 0.09, 2))),
        ("TVA", euros(round(amount - round(amount * 0.22, 2) - round(amount * 0.58, 2) - round(amount * 0.09, 2), 2))),
    ]
    refs = [("N° client", f["customer_number"]), ("N° de facture", f["invoice_number"]),
            ("Référence PDL" if kind != "gas" else "Référence PCE", f"{int(f['customer_number']) * 7 % 10**14:014d}")]
    extra = ("Période de consommation : relevé réel. "
             "En cas de réclamation, contactez le médiateur national de l'énergie (www.energie-mediateur.fr).")
    sh = _invoice(f, layout, rng, provider=f["energy_provider"], title=title, date_label=date_label, refs=refs,
                  lines=lines, site_label="Adresse du point de livraison", extra=extra)
    return sh


def water(f: dict, layout: int, rng: random.Random) -> Sheet:
    amount = float(f["amount_eur"])
    m3 = max(8, f["consumption"] // 20)
    lines = [
        ("Abonnement eau potable", euros(round(amount * 0.18, 2))),
        (f"Consommation d'eau potable : {m3} m³", euros(round(amount * 0.42, 2))),
        ("Assainissement collectif", euros(round(amount * 0.28, 2))),
        ("Redevances Agence de l'eau Adour-Garonne", euros(round(amount * 0.07, 2))),
        ("TVA (5,5 % et 10 %)", euros(round(amount * 0.05, 2))),
    ]
    refs = [("Référence abonné", f["customer_number"]), ("N° de compteur", f"A{f['invoice_number'][:8]}"),
            ("Relevé", f"index {rng.randint(100, 2000)} m³")]
    date_label = ("Date d'émission", "Facture établie le", "Date de facture")[layout % 3]
    return _invoice(f, layout, rng, provider=f["water_provider"], title="Facture d'eau et d'assainissement",
                    date_label=date_label, refs=refs, lines=lines, site_label="Adresse de desserte",
                    extra="Eau distribuée conforme aux limites de qualité. Résultats d'analyses en mairie.")


def telecom(f: dict, layout: int, rng: random.Random) -> Sheet:
    amount = float(f["amount_eur"])
    lines = [
        (f"Forfait Box Fibre {rng.choice(('500 Mb/s', '1 Gb/s', '2 Gb/s'))}", euros(round(amount * 0.7, 2))),
        ("Option TV / décodeur", euros(round(amount * 0.15, 2))),
        ("Communications hors forfait", euros(round(amount * 0.15, 2))),
    ]
    refs = [("Compte client", f["customer_number"]), ("Numéro de ligne", f["phone_line"]),
            ("N° de facture", f["invoice_number"])]
    title = ("Votre facture Internet", "Facture Box Fibre et mobile", "Facture télécom")[layout % 3]
    date_label = ("Facture du", "Date de facture", "Émise le")[layout % 3]
    return _invoice(f, layout, rng, provider=f["telecom_provider"], title=title, date_label=date_label, refs=refs,
                    lines=lines, site_label="Adresse d'installation",
                    extra="Vos services sont fournis à l'adresse d'installation ci-dessus.")


def rent(f: dict, layout: int, rng: random.Random) -> Sheet:
    sh = sheet_for(layout, f["issue_date"], offset=1)
    total = euros(float(f["rent_eur"]) + float(f["charges_eur"]))
    holder = _holder(f, layout)
    month_name = sh.date(f["period_end"], "long").split(" ", 1)[1]
    # A rent receipt covers one month: the one before the receipt's date.
    f = {**f, "period_start": f["period_end"].replace(day=1)}
    landlord = f["landlord"]
    v = layout % 3
    if v == 0:
        sh.title("QUITTANCE DE LOYER", size=17, align="C")
        sh.text(f"Quittance de loyer du mois de {month_name}", size=11, align="C")
        sh.space(8)
        sh.kv([("Bailleur", landlord), ("Locataire", holder),
               ("Adresse du logement", f"{f['address_line']}, {f['postal_code']} {f['city']}")], label_w=55)
        sh.space(5)
        sh.text(
            f"Je soussigné(e) {landlord}, propriétaire du logement désigné ci-dessus, déclare avoir reçu de "
            f"{holder} la somme de {total} au titre du paiement du loyer et des charges pour la période "
            f"{_period(sh, f)} et lui en donne quittance, sous réserve de tous mes droits.", size=10.5, h=6)
        sh.space(4)
        sh.table(["Détail du règlement", "Montant"], [["Loyer", euros(f["rent_eur"])],
                 ["Provision pour charges", euros(f["charges_eur"])], ["Total", total]], [120, 40], aligns=["L", "R"])
        sh.text(f"Fait à {f['city']}, le {sh.date(f['issue_date'])}", size=10.5)
        sh.signature(130, sh.y + 4, rng)
    elif v == 1:
        sh.logo(18, 14, landlord, rng, size=11)
        sh.pdf.set_y(34)
        sh.text("Gestion locative – Administration de biens", size=8.5, color=(90, 90, 90))
        recipient_block(sh, 115, 48, [holder, *_addr(f)])
        sh.pdf.set_y(80)
        sh.text(f"{f['city']}, le {sh.date(f['issue_date'])}", size=10, align="R")
        sh.space(4)
        sh.title(f"Avis d'échéance et quittance – {month_name}", size=13)
        sh.table(["Période", "Loyer", "Charges", "Total réglé"],
                 [[_period(sh, f), euros(f["rent_eur"]), euros(f["charges_eur"]), total]], [70, 34, 34, 36],
                 aligns=["L", "R", "R", "R"])
        sh.text(f"Lot : logement situé {f['address_line']}, {f['postal_code']} {f['city']}. "
                "Le paiement de la présente quittance ne présume pas du règlement des termes antérieurs.", size=9)
        sh.footer(f"{landlord} – carte professionnelle CPI 3301 2019 000 0{rng.randint(10000, 99999)} délivrée par la CCI Bordeaux Gironde")
    else:
        sh.text(landlord, size=10.5, bold=True)
        sh.text("Bailleur", size=9)
        sh.space(6)
        recipient_block(sh, 110, sh.y, [holder, *_addr(f)], size=10)
        sh.pdf.set_y(sh.y + 22)
        sh.text(f"Objet : quittance de loyer – {month_name}", size=10.5, bold=True)
        sh.space(3)
        sh.text(f"Reçu de {holder}, locataire du logement situé {f['address_line']} à {f['city']} "
                f"({f['postal_code']}), la somme de {total} (loyer : {euros(f['rent_eur'])} ; charges : "
                f"{euros(f['charges_eur'])}) pour la période {_period(sh, f)}.", size=10.5, h=6)
        sh.space(3)
        sh.text(f"Date : {sh.date(f['issue_date'])}", size=10.5)
        sh.text("Signature du bailleur :", size=10.5)
        sh.signature(40, sh.y, rng)
    return sh


def tax(f: dict, layout: int, rng: random.Random) -> Sheet:
    sh = sheet_for(layout, f["issue_date"], offset=2)
    holder = _holder(f, layout)
    year = f["tax_year"]
    v = layout % 3
    sh.text("DIRECTION GÉNÉRALE DES FINANCES PUBLIQUES", size=9, bold=True)
    sh.text(f"Centre des Finances publiques de {f['city']}", size=8.5)
    sh.space(2)
    if v in (0, 2):
        title = f"AVIS D'IMPÔT {year + 1} SUR LES REVENUS DE L'ANNÉE {year}"
    else:
        title = f"AVIS DE SITUATION DÉCLARATIVE À L'IMPÔT SUR LE REVENU {year + 1}"
    recipient_block(sh, 115, 40, [holder, *_addr(f)], size=10)
    sh.pdf.set_y(70)
    sh.title(title, size=12.5, color=(0, 0, 0))
    refs = [("Numéro fiscal", f["fiscal_number"]), ("N° d'accès en ligne", f"{rng.randint(10**6, 10**7 - 1)}"),
            ("Référence de l'avis", f"{year % 100 + 1:02d} 33 A{rng.randint(10**9, 10**10 - 1)}"),
            ("Date d'établissement", sh.date(f["issue_date"])),
            ("Date de mise en recouvrement", sh.date(f["issue_date"] + timedelta(days=2)))]
    if v == 1:
        sh.table(["Vos références", ""], [[a, b] for a, b in refs], [80, 94])
    else:
        sh.kv(refs, label_w=70, size=9.5, border=v == 2)
    sh.space(3)
    sh.text(f"Adresse d'imposition au 1er janvier {year + 1} : {f['address_line']}, {f['postal_code']} {f['city']}",
            size=9.5)
    sh.space(3)
    rows = [["Revenu fiscal de référence", euros(rng.randint(6000, 21000), symbol=False)],
            ["Nombre de parts", rng.choice(("1", "1,5", "2", "2,5"))],
            ["Impôt sur le revenu net", euros(f["tax_eur"])]]
    sh.table(["Éléments de calcul", "Montant"], rows, [120, 54], aligns=["L", "R"])
    if float(f["tax_eur"]) == 0:
        sh.text("Vous n'êtes pas imposable. Ce document peut être utilisé comme justificatif de domicile.", size=9)
    sh.datamatrix(168, 245, 22, rng)
    sh.footer("impots.gouv.fr – Pour toute question, utilisez votre messagerie sécurisée dans votre espace particulier.")
    return sh


def insurance(f: dict, layout: int, rng: random.Random) -> Sheet:
    sh = sheet_for(layout, f["issue_date"], offset=3)
    holder = _holder(f, layout)
    insurer = f["insurer"]
    start = f["issue_date"].replace(month=1, day=1) if maybe(rng, 0.5) else f["since"]
    end = start.replace(year=start.year + 1) - timedelta(days=1)
    if end < f["issue_date"]:
        start, end = f["issue_date"] - timedelta(days=30), f["issue_date"] + timedelta(days=334)
    contract = f"HAB-{f['customer_number'][:7]}"
    v = layout % 3
    sh.logo(18, 14, insurer, rng, size=11)
    sh.pdf.set_y(34)
    if v == 0:
        sh.title("ATTESTATION D'ASSURANCE HABITATION", size=15, align="C")
        sh.space(4)
        sh.text(f"Nous soussignés, {insurer}, certifions que {holder}, demeurant {f['address_line']}, "
                f"{f['postal_code']} {f['city']}, est titulaire du contrat multirisque habitation n° {contract} "
                f"garantissant notamment les risques locatifs (incendie, explosion, dégâts des eaux) pour le "
                f"logement situé à l'adresse ci-dessus.", size=10.5, h=6)
        sh.space(3)
        sh.text(f"La présente attestation est valable du {sh.date(start)} au {sh.date(end)}, sous réserve du "
                "paiement des cotisations.", size=10.5, h=6)
        sh.space(6)
        sh.text(f"Fait à {f['city']}, le {sh.date(f['issue_date'])}", size=10.5)
        sh.text("Pour la société, le service Gestion des contrats", size=9.5)
    elif v == 1:
        sh.band("Attestation d'assurance – Multirisque habitation")
        sh.kv([("Assuré", holder), ("Adresse du risque", f"{f['address_line']}, {f['postal_code']} {f['city']}"),
               ("N° de contrat", contract), ("Qualité de l'assuré", rng.choice(("Locataire", "Propriétaire occupant"))),
               ("Période de garantie", f"du {sh.date(start)} au {sh.date(end)}"),
               ("Garanties", "Responsabilité civile vie privée, risques locatifs, dégâts des eaux, incendie")],
              label_w=52, size=9.5, border=True)
        sh.space(4)
        sh.text(f"Attestation délivrée le {sh.date(f['issue_date'])} pour servir et valoir ce que de droit.", size=9.5)
    else:
        recipient_block(sh, 115, 40, [holder, *_addr(f)], size=10)
        sh.pdf.set_y(72)
        sh.text(f"Le {sh.date(f['issue_date'])}", size=10, align="R")
        sh.text("Objet : votre attestation d'assurance habitation", size=10.5, bold=True)
        sh.space(3)
        sh.text(f"Madame, Monsieur,\n\nVous trouverez ci-dessous votre attestation d'assurance pour le logement "
                f"situé {f['address_line']} à {f['city']} ({f['postal_code']}). Votre contrat n° {contract} est "
                f"en vigueur du {sh.date(start)} au {sh.date(end)}.\n\nNous vous prions d'agréer, Madame, "
                "Monsieur, nos salutations distinguées.", size=10.5, h=6)
    sh.stamp(125, 235, [insurer.upper(), "Service Contrats", "Cachet"])
    sh.footer(f"{insurer} – Entreprise régie par le Code des assurances – RCS Bordeaux {rng.randint(100, 999)} {rng.randint(100, 999)} {rng.randint(100, 999)}")
    return sh


def host_attestation(f: dict, layout: int, rng: random.Random) -> Sheet:
    sh = sheet_for(layout, f["issue_date"], offset=4)
    host = f["host_name"]
    holder = f["holder_name"]
    self_title = "Je soussigné(e)" if f.get("host_sex") not in ("F", "M") else ("Je soussignée" if f["host_sex"] == "F" else "Je soussigné")
    address = f"{f['address_line']}, {f['postal_code']} {f['city']}"
    id_mention = (f"Je joins à la présente une copie de ma carte nationale d'identité n° {f['host_id_number']} "
                  "ainsi qu'un justificatif de domicile à mon nom de moins de 3 mois.")
    v = layout % 3
    if v == 0:
        sh.title("ATTESTATION D'HÉBERGEMENT", size=16, align="C")
        sh.space(8)
        sh.text(f"{self_title} {host}, né(e) le {sh.date(f['host_birth_date'])}, demeurant {address},", size=11, h=6.5)
        sh.space(2)
        sh.text(f"atteste sur l'honneur héberger à mon domicile, depuis le {sh.date(f['since'])}, {holder}, "
                f"né(e) le {sh.date(f['holder_birth_date'])}." if f.get("holder_birth_date") else
                f"atteste sur l'honneur héberger à mon domicile, depuis le {sh.date(f['since'])}, {holder}.",
                size=11, h=6.5)
        sh.space(2)
        sh.text(id_mention, size=11, h=6.5)
        sh.space(2)
        sh.text("Fait pour servir et valoir ce que de droit.", size=11)
        sh.space(6)
        sh.text(f"Fait à {f['city']}, le {sh.date(f['issue_date'])}", size=11)
        sh.space(2)
        sh.text("Signature de l'hébergeant :", size=11)
        sh.signature(60, sh.y + 2, rng)
        sh.space(22)
        sh.text("Article 441-7 du Code pénal : est puni d'un an d'emprisonnement et de 15 000 € d'amende le fait "
                "d'établir une attestation faisant état de faits matériellement inexacts.", size=8, italic=True)
    elif v == 1:
        sh.band("Attestation d'hébergement sur l'honneur")
        sh.text("L'HÉBERGEANT", size=10, bold=True)
        sh.kv([("Nom et prénom", host), ("Date de naissance", sh.date(f["host_birth_date"])), ("Adresse", address),
               ("Pièce d'identité", f"CNI n° {f['host_id_number']}")], label_w=50, size=10)
        sh.space(2)
        sh.text("LA PERSONNE HÉBERGÉE", size=10, bold=True)
        sh.kv([("Nom et prénom", holder), ("Hébergée depuis le", sh.date(f["since"]))], label_w=50, size=10)
        sh.space(3)
        sh.text("☒ J'atteste sur l'honneur que la personne désignée ci-dessus réside à mon domicile à titre gratuit.",
                size=10)
        sh.text("☒ Je joins une copie de ma pièce d'identité et un justificatif de domicile à mon nom.", size=10)
        sh.space(4)
        sh.text(f"À {f['city']}, le {sh.date(f['issue_date'])}", size=10)
        sh.signature(120, sh.y, rng)
    else:
        sh.text(host, size=10.5)
        sh.text(f["address_line"], size=10.5)
        sh.text(f"{f['postal_code']} {f['city']}", size=10.5)
        sh.space(10)
        sh.text(f"{f['city']}, le {sh.date(f['issue_date'])}", size=10.5, align="R")
        sh.space(6)
        sh.text("Objet : attestation d'hébergement", size=11, bold=True)
        sh.space(3)
        given, surname = split_name(holder)
        sh.text(f"Madame, Monsieur,\n\n{self_title} {host}, certifie héberger gratuitement {given} {surname.upper()} "
                f"à mon domicile, {address}, depuis le {sh.date(f['since'])}.\n\n{id_mention}\n\n"
                "Je vous prie d'agréer, Madame, Monsieur, l'expression de mes salutations distinguées.",
                size=10.5, h=6)
        sh.signature(120, sh.y + 4, rng)
    return sh


PROOF_RENDERERS = {
    "energy": energy, "water": water, "telecom": telecom, "rent": rent, "tax": tax, "insurance": insurance,
    "host_attestation": host_attestation,
}


def render_proof(f: dict, layout: int, rng: random.Random) -> Sheet:
    return PROOF_RENDERERS[f["proof_kind"]](f, layout, rng)

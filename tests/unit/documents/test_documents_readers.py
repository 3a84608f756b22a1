"""Field readers on plain text: wordings and layouts that real documents use (no PDF, no OCR)."""

from __future__ import annotations

from datetime import date

from PIL import Image, ImageDraw

from clea_intake.documents import imaging
from clea_intake.documents.classify import classify
from clea_intake.documents.machine_zone import find_mrz
from clea_intake.documents.read import address, claim, detention, evaluator, identity, organisations
from clea_intake.documents.reading import Text
from clea_intake.domain.findings import DocType

AS_OF = date(2026, 3, 10)


def test_read_proof_of_address_insurance_holder_named_in_prose():
    # Given an insurance attestation that names the insured in a sentence
    text = Text(
        "Mutuelle Atlantique Assurances\nATTESTATION D'ASSURANCE HABITATION\n"
        "Nous soussignés, Mutuelle Atlantique Assurances, certifions que Zoé Muller, demeurant 172 rue des Lilas, 47300\n"
        "Villeneuve-sur-Lot, est titulaire du contrat multirisque habitation n° HAB-6988748.\n"
        "Fait à Villeneuve-sur-Lot, le 30 décembre 2025\n"
    )
    # When it is read
    fields = address.read_proof_of_address(text, AS_OF)
    # Then the insured person, the date it was made and the place come out
    assert fields["holder_name"] == "Zoé Muller"
    assert fields["issue_date"] == date(2025, 12, 30)
    assert fields["proof_kind"] == "insurance"


def test_read_proof_of_address_tax_notice_addressee_block():
    # Given a tax notice whose addressee block carries no civility nor label
    text = Text(
        "DIRECTION GÉNÉRALE DES FINANCES PUBLIQUES\nCentre des Finances publiques de Mont-de-Marsan\n"
        "Hervé BENALI\n91 impasse Victor-Hugo\n40000 MONT-DE-MARSAN\nAVIS D'IMPÔT 2025 SUR LES REVENUS DE L'ANNÉE 2024\n"
        "Date d'établissement : 12/02/2026\n"
    )
    # When it is read
    fields = address.read_proof_of_address(text, AS_OF)
    # Then the addressee block gives the holder and the place, the labelled date the issue date
    assert (fields["holder_name"], fields["postal_code"]) == ("Hervé BENALI", "40000")
    assert fields["issue_date"] == date(2026, 2, 12)
    assert fields["proof_kind"] == "tax"


def test_read_proof_of_address_host_attestation_hosted_person_not_host():
    # Given a host's attestation: the host signs, the applicant is hosted
    text = Text(
        "ATTESTATION D'HÉBERGEMENT\nJe soussigné Mamadou André, né(e) le 07/06/1955, demeurant 82 rue Pasteur, 33170 Gradignan,\n"
        "atteste sur l'honneur héberger à mon domicile, depuis le 14/04/2022, Agnès Leroy.\n"
        "Fait à Gradignan, le 18/01/2026\n"
    )
    # When it is read
    fields = address.read_proof_of_address(text, AS_OF)
    # Then the holder is the hosted person, at the host's address
    assert fields["holder_name"] == "Agnès Leroy"
    assert (fields["postal_code"], fields["city"]) == ("33170", "Gradignan")
    assert fields["proof_kind"] == "host_attestation"


def test_read_quote_two_column_table_without_colons():
    # Given the regional template as a two-column table (labels left, values right, no colons)
    text = Text(
        "DEVIS TYPE RÉGIONAL – CERTIFICATION CléA\nRaison sociale Landes Formation Emploi\nSIRET 54150547505204\n"
        "NDA 75330837633\nNom et prénom du bénéficiaire Khadija François\nCertification CléA Numérique\n"
        "Type d'évaluation Évaluation initiale\nDate de début 2026-04-11\nDate de fin 2026-04-13\nNombre d'heures 4\n"
        "Prix des heures d'évaluation 240,00 €\nFrais d'inscription / jury 45,00 €\nMontant total 285,00 €\n"
    )
    # When it is read
    fields = evaluator.read_quote(text, AS_OF)
    # Then every mention is read from its row
    assert fields["beneficiary_name"] == "Khadija François"
    assert fields["evaluator_name"] == "Landes Formation Emploi"
    assert (fields["certification"], fields["evaluation"], fields["hours"]) == ("clea_numerique", "initial", 4)
    assert (fields["amount_eur"], fields["fees_eur"]) == (240, 45)
    assert (fields["start_date"], fields["end_date"]) == (date(2026, 4, 11), date(2026, 4, 13))


def test_read_quote_fee_in_table_and_summary_counted_once():
    # Given fees listed in the price table and again in the summary
    text = Text(
        "DEVIS\nHeures d'évaluation CléA 3 h 75,00 € 225,00 €\n"
        "Frais d'inscription et de jury (non pris en charge par la Région) 1 45,00 € 45,00 €\n"
        "Prix des heures d'évaluation : 225,00 €\nFrais annexes (inscription, jury) : 45,00 €\nTOTAL : 270,00 €\n"
    )
    # When the fees are read
    fields = evaluator.read_quote(text, AS_OF)
    # Then they count once and the hours' price stays apart
    assert (fields["amount_eur"], fields["fees_eur"]) == (225, 45)


def test_read_quote_separate_fees_added_together():
    # Given a registration fee and a jury fee on two lines
    text = Text("DEVIS\nPrix des heures d'évaluation : 450,00 €\nFrais d'inscription : 30,00 €\nFrais de jury : 15,00 €\n")
    # When the fees are read
    fields = evaluator.read_quote(text, AS_OF)
    # Then both count
    assert fields["fees_eur"] == 45


def test_read_hours_attestation_header_row_table():
    # Given dates and hours in a table under a header row
    text = Text(
        "ATTESTATION DE PRÉSENCE / HEURES D'ÉVALUATION\nDate de début Date de fin Heures réalisées\n"
        "27/01/2026 28/01/2026 7,5\nStagiaire : Marie Désiré\n"
    )
    # When it is read
    fields = claim.read_hours_attestation(text, AS_OF)
    # Then each value goes to its column
    assert (fields["start_date"], fields["end_date"], fields["hours"]) == (date(2026, 1, 27), date(2026, 1, 28), 7.5)
    assert fields["beneficiary_name"] == "Marie Désiré"


def test_read_execution_report_beneficiary_in_prose_section_title_ignored():
    # Given a report with a section title containing "Bénéficiaire" and the person named in a sentence
    text = Text(
        "Compte rendu d'exécution – CléA Numérique\n Bénéficiaire et évaluation\n"
        "L'organisme X certifie avoir réalisé l'évaluation finale de la certification CléA Numérique au bénéfice\n"
        "de Mohamed Haddad, du 30/01/2026 au 31/01/2026.\n"
    )
    # When it is read
    fields = claim.read_execution_report(text, AS_OF)
    # Then the section title is not taken for a name and the period is read
    assert fields["beneficiary_name"] == "Mohamed Haddad"
    assert (fields["start_date"], fields["end_date"]) == (date(2026, 1, 30), date(2026, 1, 31))
    assert (fields["certification"], fields["evaluation"]) == ("clea_numerique", "final")


def test_read_habilitation_table_rows_per_certification():
    # Given an habilitation listing each certification with its period
    text = Text(
        "ATTESTATION\nHabilitation des organismes évaluateurs CléA\nCertification Habilitation\n"
        "CléA du 23/01/2026 au 22/01/2029\nCléA Numérique du 23/01/2026 au 22/01/2029\n"
        "Organisme : Centre de Formation du Périgord – SIRET 46905540403538\n"
    )
    # When it is read
    fields = evaluator.read_habilitation(text, AS_OF)
    # Then both certifications, the period and the holder come out
    assert fields["certifications"] == ["clea_socle", "clea_numerique"]
    assert (fields["valid_from"], fields["valid_until"]) == (date(2026, 1, 23), date(2029, 1, 22))
    assert fields["holder_name"] == "Centre de Formation du Périgord"
    assert fields["siret"] == "46905540403538"


def test_read_disp_detainee_named_in_prose_split_surname_given():
    # Given a DISP form that names the detainee in a sentence, surname in capitals
    text = Text(
        "Fiche de liaison DISP\natteste que Madame BENALI Agnès, né(e) le 1984-07-03, écrou n° 370021, est\n"
        "actuellement détenu(e) à : Maison d'arrêt d'Angoulême.\nFait à Bordeaux, le 2026-02-18\n"
    )
    # When it is read
    fields = detention.read_disp(text, AS_OF)
    # Then surname and given names are split, the facility and the date read
    assert (fields["surname"], fields["given_names"]) == ("BENALI", "Agnès")
    assert fields["facility"].startswith("Maison d'arrêt d'Angoulême")
    assert fields["issue_date"] == date(2026, 2, 18)


def test_siret_rule_read_as_one_luhn_window_kept():
    # Given a SIRET preceded by a table rule that OCR read as "1"
    text = Text("SIRET 133013203605252 |")
    # When it is read
    # Then the 14-digit window whose key holds is the SIRET
    assert organisations.siret(text) == "33013203605252"


def test_find_mrz_merged_chevrons_restretched():
    # Given a pre-2021 CNI MRZ whose first line lost ten chevrons to OCR
    text = "IDFRAMARTIN<<<<<<<<<331012\n1205331012345LEA<<MARIE<<<<9107142F9"
    # When it is read
    mrz = find_mrz(text, as_of=AS_OF)
    # Then the filler is stretched back and every check digit holds
    assert mrz is not None and mrz.failed_checks == []
    assert (mrz.surname, mrz.given_names) == ("MARTIN", "LEA MARIE")


def test_find_mrz_chevrons_misread_as_letters_not_in_names():
    # Given a passport MRZ where OCR read the trailing filler as K and E
    text = "P<FRAMARTIN<<OCEANE<<<<<KKKKKEEKK<<<<<<<<<<<<\n18AB123451FRA9107142F3103016<<<<<<<<<<<<<<04"
    # When it is read
    mrz = find_mrz(text, as_of=AS_OF)
    # Then the given names stop at the filler
    assert mrz is not None and mrz.given_names == "OCEANE"


def test_classify_unrelated_certificate_unknown():
    # Given a school certificate (a "certificat", but not Qualiopi)
    text = Text("CERTIFICAT DE SCOLARITÉ\nLe chef d'établissement certifie que l'élève Pierre Labat est inscrit.")
    # When it is classified
    result = classify(text, None)
    # Then no type wins on supporting words alone
    assert result.doc_type == DocType.UNKNOWN


def test_remove_rules_table_rule_erased_text_kept():
    # Given a page with a thin table rule and a bold text line
    image = Image.new("L", (800, 200), 255)
    draw = ImageDraw.Draw(image)
    draw.line([(20, 50), (780, 50)], fill=0, width=3)
    for x in range(20, 780, 14):  # a dense, tall "bold" text line: 10 px wide strokes, 30 px high
        draw.rectangle([(x, 120), (x + 9, 150)], fill=0)
    # When rules are removed
    cleaned = imaging.remove_rules(image)
    # Then the rule is white and the text still black
    assert cleaned.getpixel((400, 50)) == 255
    assert cleaned.getpixel((25, 135)) == 0


def test_find_mrz_letter_digit_lookalike_in_number_settled_by_check_digit():
    # Given a passport MRZ where OCR read the 0 of the document number as O, and filler as S and K
    text = "P<FRARICHARD<<OCEANE<<<<<<<<<<<<<K<<K<KKK<<<<<\n11KKO57956FRA9609288F2901226<<<<<<S<<K<KKKK<2"
    # When it is read
    mrz = find_mrz(text, as_of=AS_OF)
    # Then the variant whose check digit holds is kept and the zone is valid
    assert mrz is not None and mrz.failed_checks == []
    assert mrz.document_number == "11KK05795"


def test_read_identity_dates_in_columns_under_header_row():
    # Given a passport visual zone with issue and expiry dates side by side under their labels
    text = Text(
        "PASSEPORT\nNom / Surname\nRICHARD\nPrénoms / Given names\nOcéane\n"
        "Date de délivrance / Date of issue Date d'expiration / Date of expiry\n22 01 2019 22 01 2029\n"
    )
    # When it is read (no MRZ)
    from clea_intake.domain.policy import current_policy

    fields = identity.read_identity(text, None, DocType.PASSPORT, AS_OF, current_policy())
    # Then each date goes to its column
    assert (fields["issue_date"], fields["expiry_date"]) == (date(2019, 1, 22), date(2029, 1, 22))
    assert (fields["surname"], fields["given_names"]) == ("RICHARD", "Océane")


def test_read_proof_of_address_rent_receipt_tenant_in_prose():
    # Given a rent receipt where the landlord declares having received the rent from the tenant
    text = Text(
        "QUITTANCE DE LOYER\nPériode : mars 2026\nJe soussigné Jean Dupuis, propriétaire du logement situé 12 rue des "
        "Vignes, 33000 Bordeaux, déclare avoir reçu de Mme Léa Martin, locataire, la somme de 650,00 €.\n"
        "Fait à Bordeaux le 1er avril 2026\n"
    )
    # When it is read
    fields = address.read_proof_of_address(text, AS_OF)
    # Then the tenant (not the landlord) is the holder, and the receipt's date is its issue date
    assert fields["holder_name"] == "Léa Martin"
    assert (fields["issue_date"], fields["postal_code"], fields["proof_kind"]) == (date(2026, 4, 1), "33000", "rent")


def test_read_execution_report_check_boxes_decide_options():
    # Given a form with check boxes for the certification and the evaluation type
    text = Text(
        "Compte rendu d'exécution\nNom du candidat : MARTIN\nPrénom : Léa\n"
        "Certification visée : ☒ CléA  ☐ CléA Numérique\nÉvaluation : ☐ initiale ☒ finale\n"
        "Dates de l'évaluation : du 13 au 24 avril 2026\n"
    )
    # When it is read
    fields = claim.read_execution_report(text, AS_OF)
    # Then the ticked boxes win, the name is rebuilt from its two lines and the short period is read
    assert (fields["certification"], fields["evaluation"]) == ("clea_socle", "final")
    assert fields["beneficiary_name"] == "MARTIN Léa"
    assert (fields["start_date"], fields["end_date"]) == (date(2026, 4, 13), date(2026, 4, 24))


def test_read_quote_nil_fees_and_letterhead_organisation():
    # Given a quote with a letterhead, a "Client" line and fees marked "néant"
    text = Text(
        "FORMATION ATLANTIQUE - SIRET 732 829 320 00074 - N° déclaration d'activité 75 33 12345 33\nDEVIS N° 2026-12\n"
        "Client : Madame Léa MARTIN\nObjet : Évaluation préalable CléA Numérique\n"
        "Durée : 7 heures, du 04/05/2026 au 07/05/2026\nCoût de l'évaluation (7 h x 40 €) : 280,00 €\n"
        "Frais de dossier : néant\nTotal : 280,00 €\n"
    )
    # When it is read
    fields = evaluator.read_quote(text, AS_OF)
    # Then fees are shown apart and nil, never the total, and every mention is found
    assert (fields["amount_eur"], fields["fees_eur"]) == (280, 0)
    assert (fields["evaluator_name"], fields["beneficiary_name"]) == ("FORMATION ATLANTIQUE", "Léa MARTIN")
    assert (fields["nda"], fields["evaluation"], fields["certification"]) == ("75331234533", "initial", "clea_numerique")

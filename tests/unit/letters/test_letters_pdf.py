"""The PDFs: they open, carry the heading, reference, amount, codes and annexes, embed their fonts."""

from __future__ import annotations

import pypdfium2 as pdfium
import pytest

from clea_intake.letters.content import NoticeContextError
from clea_intake.letters.models import Reason
from clea_intake.letters.pdf import (
    arrete_attributif_pdf,
    cre_form_pdf,
    decision_letter_pdf,
    hours_attestation_pdf,
)

REFERENCE = "NA-CLEA-2026-000123"
HEADING = "Région Nouvelle-Aquitaine — Direction de la formation professionnelle"


def test_decision_letter_award_carries_heading_reference_amount_and_policy(context, extract_text):
    # Given an award of 450 € decided under a known policy version
    # When the award letter is produced
    text = extract_text(decision_letter_pdf(context(), kind="award"))
    # Then its text has the accented heading, the reference, the French amount, date and policy
    assert HEADING in text
    assert REFERENCE in text
    assert "450,00 €" in text
    assert "Bordeaux, le 2 mars 2026" in text
    assert "Objet : Attribution d'une aide individuelle à la certification CléA Socle" in text
    assert "clea-na-2024-2028-v1" in text


def test_decision_letter_award_fits_on_one_page(context, count_pages):
    # Given an ordinary award
    # When the award letter is produced
    data = decision_letter_pdf(context(), kind="award")
    # Then it is a one-page letter, appeal routes included
    assert count_pages(data) == 1


def test_decision_letter_refusal_lists_codes_and_how_to_contest(context, extract_text):
    # Given a refusal for two reasons
    # When the refusal letter is produced
    text = extract_text(decision_letter_pdf(context(), kind="refusal"))
    # Then both codes and sentences appear, with the appeal routes and their delay
    assert "NOT_RESIDENT" in text and "LATE_COMPLETION" in text
    assert "Votre adresse est située hors de la région (Paris)." in text
    assert "recours gracieux" in text
    assert "deux mois" in text
    assert "tribunal administratif de Bordeaux" in text


def test_decision_letter_refusal_without_reasons_raises(context):
    # Given a refusal with no reason
    ctx = context(reasons=[])
    # When its letter is produced
    # Then it is refused: a refusal must be motivated
    with pytest.raises(NoticeContextError):
        decision_letter_pdf(ctx, kind="refusal")


def test_decision_letter_award_without_amount_raises(context):
    # Given an award without an amount
    ctx = context(amount_eur=None)
    # When its letter is produced
    # Then it is refused
    with pytest.raises(NoticeContextError):
        decision_letter_pdf(ctx, kind="award")


def test_arrete_carries_articles_amount_deadline_and_both_annexes(context, extract_text):
    # Given an awarded case with a claim deadline
    # When the arrêté is produced
    text = extract_text(arrete_attributif_pdf(context()))
    # Then the decree, its amount and deadline, and both annex forms are there
    assert "ARRÊTÉ ATTRIBUTIF" in text
    assert f"Arrêté n° {REFERENCE} du 2 mars 2026" in text
    assert "450,00 €" in text
    assert "24 octobre 2026" in text
    assert "Annexe 1 — Compte rendu d'exécution (CRE)" in text
    assert "Annexe 2 — Attestation des heures réalisées en centre" in text
    assert "moins de 3 mois" in text


def test_arrete_socle_form_lists_the_seven_socle_domains(context, extract_text):
    # Given a CléA Socle award
    # When the arrêté is produced
    text = extract_text(arrete_attributif_pdf(context()))
    # Then the execution report lists the Socle's domains, not the Numérique's
    assert "S'exprimer en français" in text
    assert "Apprendre à apprendre tout au long de la vie" in text
    assert "Interagir en mode collaboratif" not in text


def test_arrete_numerique_final_form_lists_the_numerique_domains(context, extract_text):
    # Given a CléA Numérique final evaluation
    ctx = context(certification="clea_numerique", evaluation="final", amount_eur=150)
    # When the arrêté is produced
    text = extract_text(arrete_attributif_pdf(ctx))
    # Then the labels, the amount and the Numérique domains are there
    assert "CléA Numérique — évaluation finale" in text
    assert "150,00 €" in text
    assert "Interagir en mode collaboratif" in text
    assert "S'exprimer en français" not in text


def test_arrete_without_amount_raises(context):
    # Given an award without an amount
    ctx = context(amount_eur=None)
    # When the arrêté is produced
    # Then it is refused
    with pytest.raises(NoticeContextError):
        arrete_attributif_pdf(ctx)


def test_cre_and_hours_forms_standalone_carry_reference_and_title(context, extract_text):
    # Given an awarded case
    # When the two forms are produced alone
    cre, hours = extract_text(cre_form_pdf(context())), extract_text(hours_attestation_pdf(context()))
    # Then each has its title and the reference
    assert "Compte rendu d'exécution (CRE)" in cre and REFERENCE in cre
    assert "Attestation des heures réalisées en centre" in hours and REFERENCE in hours
    assert "Total des heures réalisées" in hours


@pytest.mark.parametrize(
    "produce",
    [
        lambda ctx: decision_letter_pdf(ctx, kind="award"),
        lambda ctx: decision_letter_pdf(ctx, kind="refusal"),
        arrete_attributif_pdf,
    ],
)
def test_pdf_embeds_its_fonts(context, produce):
    # Given any letter
    # When it is produced
    data = produce(context())
    # Then it embeds TrueType fonts and names none of the 14 standard ones, which lack accents on
    # some readers: a fresh machine shows the same letter
    assert b"/FontFile2" in data
    assert b"/Helvetica" not in data and b"/Times" not in data


def test_pdf_same_context_gives_same_bytes(context):
    # Given one context
    ctx = context()
    # When the arrêté is produced twice
    first, second = arrete_attributif_pdf(ctx), arrete_attributif_pdf(ctx)
    # Then the bytes are the same: the date comes from sent_on, not the clock
    assert first == second


def test_pdf_first_page_renders_ink_in_the_heading(context):
    # Given an award letter
    document = pdfium.PdfDocument(decision_letter_pdf(context(), kind="award"))
    # When its first page is rendered
    image = document[0].render(scale=1).to_pil().convert("L")
    document.close()
    # Then the heading area (top left) is not blank: the embedded font drew the glyphs
    heading = image.crop((60, 35, 330, 100))
    assert heading.getextrema()[0] < 128


def test_pdf_hostile_or_exotic_names_still_render(context, extract_text):
    # Given names with markup, line breaks, a very long word and non-Latin letters
    ctx = context(
        applicant_name="Ελένη Łukasz-Nguyễn Thị <b>" + "X" * 200,
        evaluator_name="Atlantique\r\nFormation",
        reasons=[Reason(code="NOT_RESIDENT", message="Ligne un\nligne deux")],
    )
    # When the letters are produced
    refusal = extract_text(decision_letter_pdf(ctx, kind="refusal"))
    arrete = extract_text(arrete_attributif_pdf(ctx))
    # Then they render, with the line breaks flattened and the letters kept
    assert "Ελένη Łukasz-Nguyễn Thị" in refusal and "<b>XXXX" in refusal
    assert "Atlantique Formation" in arrete
    assert "Ligne un ligne deux" in refusal


def test_decision_letter_refusal_every_design_code_extracts_unbroken(context, extract_text):
    # Given a refusal on all eight codes of the design, with long sentences, names and evaluator
    codes = [
        "LATE_COMPLETION", "NOT_RESIDENT", "INELIGIBLE_SITUATION", "FUNDED_ELSEWHERE",
        "EVALUATOR_NOT_IN_REGION", "EVALUATOR_NOT_QUALIOPI", "EVALUATOR_NOT_HABILITATED", "DUPLICATE_AID",
    ]  # fmt: skip
    ctx = context(
        reasons=[Reason(code=code, message="Une phrase de motif assez longue pour passer à la ligne. " * 3)
                 for code in codes],
        applicant_name="Marie-Françoise Éloïse de La Rochefoucauld-Montbazon",
        evaluator_name="Institut Régional de Formation et d'Évaluation des Compétences Professionnelles",
    )  # fmt: skip
    # When the refusal letter is produced
    text = extract_text(decision_letter_pdf(ctx, kind="refusal"))
    # Then each code reads back whole (scripts and staff search for it), and the appeal routes follow
    for code in codes:
        assert code in text
    assert "tribunal administratif de Bordeaux" in text

"""The Région's page and its blocks, without any letter: letterhead, footer, facts grid, signature boxes."""

from __future__ import annotations

from clea_intake.letters.pdf.layout import Grid, RegionPdf

HEADING = "Région Nouvelle-Aquitaine — Direction de la formation professionnelle"


def test_region_pdf_blocks_carry_letterhead_footer_grid_and_boxes(context, extract_text, count_pages):
    # Given a page of the Région with a paragraph, a facts grid and two signature boxes
    pdf = RegionPdf(context(), "Essai de mise en page")
    pdf.add_page()
    pdf.paragraph("Un paragraphe d'essai.")
    pdf.facts(Grid(((("Référence", "NA-CLEA-2026-000123"), ("Certification", "CléA Socle")),),
                   highlight=("Montant", "450,00 €")))
    pdf.signature_boxes(("L'organisme évaluateur", "Date et cachet"), ("Le candidat", "Date et signature"))
    # When it is written
    data = pdf.output_bytes()
    text = extract_text(data)
    # Then it is one page with the letterhead, the footer's reference and page count, the grid and the boxes
    assert count_pages(data) == 1
    assert "Région Nouvelle-Aquitaine" in text and HEADING in text
    assert "Page 1/1" in text
    assert "Dossier NA-CLEA-2026-000123 — règles appliquées : clea-na-2024-2028-v1" in text
    assert "CléA Socle" in text and "450,00 €" in text
    assert "Le candidat" in text and "Date et signature" in text


def test_region_pdf_second_page_has_running_heading_and_reference(context, extract_text):
    # Given a page of the Région that runs onto a second page
    pdf = RegionPdf(context(), "Essai de mise en page")
    pdf.add_page()
    pdf.add_page()
    pdf.paragraph("Suite.")
    # When it is written
    text = extract_text(pdf.output_bytes())
    # Then the second page carries the running heading and the footer counts two pages
    assert "Page 2/2" in text
    assert text.count("NA-CLEA-2026-000123") >= 3

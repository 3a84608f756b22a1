"""The speed-ups of fpdf2 (fonts parsed once per process, incremental line widths) change no byte of any letter:
each PDF is built with them and with fpdf2's own code, and the bytes compared."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from fpdf import line_break

from clea_intake.letters.compose import compose
from clea_intake.letters.models import NoticeContext, Reason
from clea_intake.letters.pdf import cre_form_pdf, hours_attestation_pdf
from clea_intake.letters.pdf.fpdf_speedups import font_cloning_active, line_width_active, plain_fpdf2
from clea_intake.letters.pdf.layout import FAMILY, RegionPdf

LONG_NAME = "Marie-Éléonore Françoise Анна Ελένη Łukasz-Wiśniewska de La Tour d'Auvergne-Châteaubriand-Nguyễn"
LONG_EVALUATOR = "Association régionale pour l'évaluation des compétences clés — Centre Sud-Gironde et Landes"
LONG_ADDRESS = (
    "Bâtiment C, 3e étage, porte 12 — Résidence « Les Hauts de Garonne »\n"
    "124 bis avenue du Maréchal de Lattre de Tassigny prolongée, zone d'activités économiques\n"
    "BP 40123\n33310 Lormont Cedex"
)


def _many_reasons(count: int) -> list[Reason]:
    return [
        Reason(code=f"RULE_{index:02d}_{'TRÈS_' * (index % 4)}LONG",
               message=f"Motif n° {index} : la pièce fournie ne permet pas d'établir la condition exigée par "
                       f"le règlement d'intervention (article {index}), même après la relance du {index} mars.")
        for index in range(1, count + 1)
    ]  # fmt: skip


# Overrides of conftest's make_context().
CASES: dict[str, dict[str, Any]] = {
    "ordinary": {},
    "long names and address": dict(
        applicant_name=LONG_NAME, evaluator_name=LONG_EVALUATOR, evaluator_address=LONG_ADDRESS,
        certification="clea_numerique", evaluation="final", amount_eur=Decimal("1234.56"), hours=37.5,
    ),
    "many reasons, several pages": dict(
        applicant_name="Ştefan Dănuț Țîrlea", reasons=_many_reasons(40), claim_deadline=None, hours=None,
    ),
    "no address, a glyph the fonts lack": dict(
        case_id="NA-CLEA-2026-999999", applicant_name="Zoë 李 Ødegård", evaluator_address=None,
        evaluation_start=date(2026, 12, 28), evaluation_end=date(2027, 1, 8), sent_on=date(2026, 12, 1),
        policy_version=None,
    ),
}  # fmt: skip
KINDS = ("award_beneficiary", "refusal", "arrete_evaluator")


def _every_pdf(context: Callable[..., NoticeContext]) -> list[tuple[str, bytes]]:
    pdfs = []
    for context_name, overrides in CASES.items():
        ctx = context(**overrides)
        for kind in KINDS:
            (attachment,) = compose(kind, ctx).attachments
            pdfs.append((f"{kind} / {context_name}", attachment.data))
        pdfs.append((f"cre / {context_name}", cre_form_pdf(ctx)))
        pdfs.append((f"hours / {context_name}", hours_attestation_pdf(ctx)))
    return pdfs


def test_the_speed_ups_are_in_use_on_the_installed_fpdf2():
    # Given the fpdf2 the project runs on; when the module checked its internals; then both speed-ups apply
    # (if this fails after an upgrade, fpdf2 runs its own code: re-check fpdf_speedups against the new version)
    assert font_cloning_active()
    assert line_width_active()
    with plain_fpdf2():
        assert not font_cloning_active()


def test_every_letter_has_the_same_bytes_with_and_without_the_speed_ups(context):
    # Given every PDF of every kind, built by fpdf2's own code for several cases
    with plain_fpdf2():
        reference = _every_pdf(context)
    # When they are built again with the speed-ups, twice, the second time after all the others
    first, second = _every_pdf(context), _every_pdf(context)
    # Then each is byte for byte the one fpdf2 builds: nothing of one document leaks into the next
    assert [name for name, _ in first] == [name for name, _ in reference]
    for (name, expected), (_, fast), (_, again) in zip(reference, first, second, strict=True):
        assert fast == expected, name
        assert again == expected, name


def test_the_refusal_with_many_reasons_runs_over_several_pages(context, count_pages):
    # Given the many-reasons case of the comparison above; then it does exercise page breaks
    (attachment,) = compose("refusal", context(**CASES["many reasons, several pages"])).attachments
    assert count_pages(attachment.data) >= 3


def _styled_page(ctx: NoticeContext) -> bytes:
    """Lines the letters do not draw: several fragments a line (markdown), spacing and stretching (fpdf2's own
    width then), a core font (not shared), justified and soft-hyphenated text."""
    pdf = RegionPdf(ctx, "Essai de styles")
    pdf.add_page()
    text = ("Un **paragraphe** où __l'italique__ et le **gras** alternent au fil d'une phrase assez longue "
            "pour occuper plusieurs lignes, avec des mots compo\u00adsés, des espaces\u00a0insécables et un "
            "retour\nà la ligne. ") * 4  # fmt: skip
    for spacing, stretching in ((0, 100), (0.4, 100), (0, 85)):
        pdf.set_font(FAMILY, "", 10)
        pdf.set_char_spacing(spacing)
        pdf.set_stretching(stretching)
        pdf.multi_cell(0, 5, text, markdown=True, align="J", new_x="LMARGIN", new_y="NEXT")
    pdf.set_char_spacing(0)
    pdf.set_stretching(100)
    pdf.set_font("helvetica", "", 10)
    pdf.multi_cell(0, 5, "Police standard, hors des polices partagées. " * 6, new_x="LMARGIN", new_y="NEXT")
    return pdf.output_bytes()


def test_styled_lines_have_the_same_bytes_with_and_without_the_speed_ups(context):
    # Given a page of lines made of several fragments, spaced, stretched or in a core font
    with plain_fpdf2():
        expected = _styled_page(context())
    # When it is built with the speed-ups; then the bytes are fpdf2's
    assert _styled_page(context()) == expected


@pytest.mark.parametrize("text", ["", "a", "Léa " * 80, "Mot" * 200])
def test_a_line_measures_as_fpdf2_measures_it(context, text):
    # Given the same text measured and wrapped in a document with the speed-ups and one without
    def lines() -> list[str]:
        pdf = RegionPdf(context(), "Mesure")
        pdf.add_page()
        pdf.set_font(FAMILY, "B", 9.5)
        return pdf.multi_cell(60, 5, text, dry_run=True, output="LINES") + [repr(pdf.get_string_width(text))]

    with plain_fpdf2():
        expected = lines()
    # Then the lines break at the same characters and the widths are the same floats
    assert lines() == expected


def test_the_width_of_a_growing_line_is_fpdf2s_float_at_every_character(context):
    """Through fpdf2's internals, as the speed-up itself: a width one ulp off would rarely move a line break,
    so the bytes alone could miss it."""
    # Given fragments in the shared fonts (bold, italic, regular), added one character at a time as get_line()
    pdf = RegionPdf(context(), "Mesure")
    pdf.add_page()
    pdf.set_font(FAMILY, "", 9.5)
    fragments = pdf._preload_font_styles("Léa **Marie-Éléonore** __Martin__, née à Saint-Étienne " * 5, True)
    fpdf2_width = line_break.CurrentLine.width.fget.fpdf2_width
    line = line_break.CurrentLine(max_width=10_000)
    for fragment_index, fragment in enumerate(fragments):
        for character_index, character in enumerate(fragment.characters):
            line.add_character(character, 0.0, fragment, fragment_index, character_index, 5)
            # Then after every character the width is the very float fpdf2 computes
            assert repr(line.width) == repr(fpdf2_width(line))
    # And after a trim, as a line break makes
    line.trim_trailing_spaces()
    line.fragments[-1].trim(3)
    assert repr(line.width) == repr(fpdf2_width(line))

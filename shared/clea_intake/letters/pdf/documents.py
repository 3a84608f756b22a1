"""The letters as PDFs: the decision letter to the applicant and the arrêté attributif with its two annexes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from fpdf.enums import TableBordersLayout
from fpdf.fonts import FontFace

from clea_intake.french import amount_fr, date_fr, hours_fr
from clea_intake.letters.content import NoticeContextError, policy_of
from clea_intake.letters.french import certification_fr, evaluation_fr, one_line
from clea_intake.letters.models import NoticeContext
from clea_intake.letters.pdf.layout import ACCENT, CHECKBOX, FAMILY, GREY, HEADINGS, INK, Grid, RegionPdf
from clea_intake.letters.region import (
    APPEAL_MONTHS_TEXT,
    AUTHORITY,
    COURT,
    COURT_ADDRESS,
    DOMAINS,
    PLACE,
    SIGNATURE,
    TELERECOURS,
    appeal_paragraphs,
)

__all__ = ["arrete_attributif_pdf", "cre_form_pdf", "decision_letter_pdf", "hours_attestation_pdf"]

BLANK_DATE = "____ / ____ / ________"
CRE_TITLE = "Compte rendu d'exécution (CRE)"
HOURS_TITLE = "Attestation des heures réalisées en centre"


class _Case:
    """The case's values, formatted once for every page."""

    def __init__(self, ctx: NoticeContext):
        self.ctx = ctx
        self.ref = one_line(ctx.case_id)
        self.applicant = one_line(ctx.applicant_name)
        self.applicant_email = one_line(ctx.applicant_email)
        self.evaluator = one_line(ctx.evaluator_name)
        self.evaluator_email = one_line(ctx.evaluator_email)
        self.evaluator_address = tuple(
            one_line(line) for line in (ctx.evaluator_address or "").splitlines() if one_line(line)
        )
        self.cert = certification_fr(ctx.certification)
        self.evaluation = evaluation_fr(ctx.evaluation)
        self.period = f"du {date_fr(ctx.evaluation_start)} au {date_fr(ctx.evaluation_end)}"
        self.amount = amount_fr(ctx.amount_eur) if ctx.amount_eur is not None else None
        self.sent_on = date_fr(ctx.sent_on)
        self.claim_deadline = date_fr(ctx.claim_deadline) if ctx.claim_deadline else None
        self.hours = hours_fr(ctx.hours) if ctx.hours is not None else None
        policy = policy_of(ctx)
        self.rib_months = policy.deadlines.rib_max_age_months
        self.complete_days = policy.deadlines.complete_days_before_evaluation

    def grid(self, *, amount_label: str | None = None) -> Grid:
        pairs = (
            (("Référence", self.ref), ("Certification", self.cert)),
            (("Candidat", self.applicant), ("Évaluation", self.evaluation.capitalize())),
            (("Organisme évaluateur", self.evaluator), ("Durée prévue", self.hours) if self.hours else None),
        )
        highlight = (amount_label, self.amount) if amount_label and self.amount else None
        return Grid(pairs, (("Dates de l'évaluation", self.period),), highlight)


def _letter_top(pdf: RegionPdf, case: _Case, *, subject: str, addressee: Sequence[str]) -> None:
    """References on the left, addressee on the right (the window of a DL envelope), then date and subject."""
    top = pdf.get_y() + 2
    pdf.set_xy(110, top)
    pdf.set_font(FAMILY, "B", 10.5)
    pdf.multi_cell(80, 5.2, addressee[0], align="L", new_x="LEFT", new_y="NEXT")
    pdf.set_font(FAMILY, "", 10)
    for line in addressee[1:]:
        pdf.multi_cell(80, 5.2, line, align="L", new_x="LEFT", new_y="NEXT")
    bottom = pdf.get_y()
    pdf.set_xy(pdf.l_margin, top)
    pdf.set_font(FAMILY, "", 8.5)
    pdf.set_text_color(*GREY)
    for label, value in (
        ("Nos références", case.ref),
        ("Affaire suivie par", "Aides individuelles CléA"),
        ("Règles appliquées", pdf.policy_version),
    ):
        pdf.multi_cell(85, 4.3, f"{label} : {value}", align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK)
    pdf.set_y(max(bottom, pdf.get_y()) + 7)
    pdf.set_font(FAMILY, "", 10)
    pdf.set_x(110)
    pdf.cell(0, 5, f"{PLACE}, le {case.sent_on}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font(FAMILY, "B", 10)
    label_width = pdf.get_string_width("Objet : ") + 0.5
    pdf.cell(label_width, 5, "Objet : ")
    pdf.multi_cell(0, 5, subject, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(5)


def _appeal_box(pdf: RegionPdf) -> None:
    # The appeal routes are read as one notice: never split them across two pages.
    pdf.set_font(FAMILY, "", 8.5)
    needed = 11 + sum(
        pdf.multi_cell(0, 4.25, text, dry_run=True, output="HEIGHT") + 1.6 for text in appeal_paragraphs()
    )
    if pdf.will_page_break(needed):
        pdf.add_page()
    pdf.section("Voies et délais de recours", size=9.5)
    for text in appeal_paragraphs():
        pdf.paragraph(text, size=8.5, gap=1.6, color=GREY)


def decision_letter_pdf(ctx: NoticeContext, *, kind: Literal["award", "refusal"]) -> bytes:
    """The decision letter to the applicant: award (with the amount) or refusal (with coded reasons)."""
    case = _Case(ctx)
    if kind == "award" and case.amount is None:
        raise NoticeContextError(f"award letter for {ctx.case_id} needs amount_eur")
    if kind == "refusal" and not ctx.reasons:
        raise NoticeContextError(f"refusal letter for {ctx.case_id} needs reasons")
    if kind not in ("award", "refusal"):
        raise NoticeContextError(f"unknown decision letter kind {kind!r}")
    title = "Décision d'attribution" if kind == "award" else "Décision de refus"
    pdf = RegionPdf(ctx, f"{title} — aide individuelle à la certification CléA")
    pdf.add_page()
    subject = (
        f"{'Attribution' if kind == 'award' else 'Refus'} d'une aide individuelle à la certification "
        f"{case.cert} — {case.evaluation}"
    )
    _letter_top(
        pdf, case, subject=subject, addressee=(case.applicant, f"Par courriel : {case.applicant_email}")
    )
    pdf.paragraph("Madame, Monsieur,", align="L", gap=3)
    if kind == "award":
        _award_body(pdf, case)
    else:
        _refusal_body(pdf, case)
    pdf.paragraph(
        "Je vous prie d'agréer, Madame, Monsieur, l'expression de mes salutations distinguées.", gap=2
    )
    pdf.signature(SIGNATURE)
    _appeal_box(pdf)
    return pdf.output_bytes()


def _award_body(pdf: RegionPdf, case: _Case) -> None:
    pdf.paragraph(
        f"J'ai le plaisir de vous informer que la Région Nouvelle-Aquitaine vous attribue une aide "
        f"individuelle forfaitaire pour l'{case.evaluation} de la certification {case.cert}, réalisée par "
        f"l'organisme {case.evaluator} {case.period}."
    )
    pdf.facts(case.grid(amount_label="Montant de l'aide"))
    pdf.paragraph(
        "Conformément au dispositif régional, cette aide est versée directement par la Région à l'organisme "
        "évaluateur, à l'issue de l'évaluation, sur présentation du compte rendu d'exécution, de "
        "l'attestation des heures réalisées en centre et d'un relevé d'identité bancaire, que vous obteniez "
        "ou non le certificat."
    )
    pdf.paragraph(
        "Elle couvre uniquement les heures d'évaluation : les frais annexes (inscription, jury…) ne sont pas "
        "éligibles. L'arrêté attributif correspondant est notifié à l'organisme évaluateur ; vous n'avez "
        "aucune autre démarche à accomplir auprès de la Région."
    )


def _refusal_body(pdf: RegionPdf, case: _Case) -> None:
    pdf.paragraph(
        f"Vous avez sollicité une aide individuelle de la Région Nouvelle-Aquitaine pour l'{case.evaluation} "
        f"de la certification {case.cert}. Votre demande est rappelée ci-dessous."
    )
    pdf.facts(case.grid(amount_label="Aide sollicitée"))
    count = len(case.ctx.reasons)
    pdf.paragraph(
        "Après examen de votre dossier au regard des conditions du dispositif régional d'aide à la "
        "certification CléA, j'ai le regret de vous informer que cette aide ne peut pas vous être accordée, "
        + ("pour le motif suivant :" if count == 1 else "pour les motifs suivants :")
    )
    codes = [one_line(reason.code) for reason in case.ctx.reasons]
    # A code is matched by people and scripts: its column is as wide as the longest, never split.
    pdf.set_font(FAMILY, "B", 9)
    code_width = min(max(40.0, *(pdf.get_string_width(code) + 6 for code in codes)), 90.0)
    pdf.set_font(FAMILY, "", 9.5)
    pdf.set_draw_color(*ACCENT)
    with pdf.table(
        col_widths=(code_width, pdf.epw - code_width),
        text_align=("LEFT", "LEFT"),
        v_align="TOP",
        headings_style=HEADINGS,
        borders_layout=TableBordersLayout.HORIZONTAL_LINES,
        line_height=4.8,
        padding=(1.4, 2.5),
        width=pdf.epw,
    ) as table:
        heading = table.row()
        heading.cell("Code du motif")
        heading.cell("Motif de refus")
        for code, reason in zip(codes, case.ctx.reasons, strict=True):
            row = table.row()
            row.cell(code, style=FontFace(emphasis="B", size_pt=9, color=ACCENT))
            row.cell(one_line(reason.message))
    pdf.ln(5)


def _arrete_page(pdf: RegionPdf, case: _Case) -> None:
    pdf.add_page()
    pdf.ln(4)
    pdf.set_font(FAMILY, "B", 16)
    pdf.set_text_color(*ACCENT)
    pdf.cell(0, 8, "ARRÊTÉ ATTRIBUTIF", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "B", 11)
    pdf.set_text_color(*INK)
    pdf.cell(0, 6, f"Aide individuelle à la certification {case.cert} — {case.evaluation}", align="C",
             new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    pdf.set_font(FAMILY, "", 10)
    pdf.cell(0, 6, f"Arrêté n° {case.ref} du {case.sent_on}", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.paragraph(f"{AUTHORITY},", style="B", align="L", gap=3)
    visas = [
        "Vu le code général des collectivités territoriales ;",
        "Vu la stratégie régionale de formation professionnelle 2024-2028 et le dispositif régional d'aide "
        "individuelle à la certification CléA (CléA Socle et CléA Numérique) ;",
        f"Vu les règles d'instruction du dispositif, dans leur version {pdf.policy_version} ;",
        f"Vu la demande d'aide n° {case.ref} présentée par {case.applicant} ;",
    ]
    for visa in visas:
        pdf.paragraph(visa, size=9.5, gap=1.2)
    pdf.ln(1)
    pdf.paragraph(
        f"Considérant que le dossier était complet au moins {case.complete_days} jours avant le début de "
        f"l'évaluation et que la demande satisfait aux conditions d'éligibilité du dispositif ;",
        size=9.5,
    )
    pdf.set_font(FAMILY, "B", 12)
    pdf.cell(0, 8, "ARRÊTE", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    articles = [
        ("Objet et montant",
         f"Une aide individuelle forfaitaire d'un montant de {case.amount} est attribuée au titre de "
         f"l'{case.evaluation} de la certification {case.cert} de {case.applicant}, réalisée par "
         f"l'organisme évaluateur {case.evaluator} {case.period}."),
        ("Bénéficiaire du versement",
         f"L'aide est versée directement par la Région à l'organisme évaluateur {case.evaluator}, "
         f"indépendamment de l'obtention du certificat par le candidat."),
        ("Dépenses couvertes",
         "L'aide couvre uniquement les heures d'évaluation réalisées en centre"
         + (f", soit {case.hours} prévues au devis" if case.hours else "")
         + ". Les frais annexes (inscription, jury…) ne sont pas éligibles."),
        ("Modalités de versement",
         f"À l'issue de l'évaluation, l'organisme évaluateur transmet à la Région, par courriel en réponse à "
         f"la notification du présent arrêté, en rappelant la référence [{case.ref}] dans l'objet du message : "
         f"le compte rendu d'exécution (annexe 1) et l'attestation des heures réalisées en centre (annexe 2), "
         f"complétés et signés, accompagnés d'un RIB de l'organisme de moins de {case.rib_months} mois. Une "
         f"attestation faisant état de 0 heure signifie que l'évaluation n'a pas été réalisée : le dossier est "
         f"alors clos sans versement."),
        ("Caducité",
         "À défaut de réception de ces pièces "
         + (f"au plus tard le {case.claim_deadline}" if case.claim_deadline
            else "dans le délai fixé par la Région")
         + ", la présente aide est caduque et le dossier est clos sans versement."),
        ("Voies et délais de recours",
         f"Le présent arrêté peut faire l'objet, dans un délai de {APPEAL_MONTHS_TEXT} à compter de sa "
         f"notification, d'un recours gracieux auprès du Président du Conseil régional, puis d'un recours "
         f"contentieux devant le {COURT} ({COURT_ADDRESS}), y compris par l'application Télérecours "
         f"citoyens ({TELERECOURS}). Le recours gracieux prolonge le délai du recours contentieux."),
        ("Exécution",
         "Le directeur général des services de la Région est chargé de l'exécution du présent arrêté, "
         "qui sera notifié à l'organisme évaluateur."),
    ]  # fmt: skip
    for number, (title, text) in enumerate(articles, start=1):
        if pdf.will_page_break(18):
            pdf.add_page()
        pdf.set_font(FAMILY, "B", 10)
        pdf.cell(0, 6, f"Article {number} — {title}", new_x="LMARGIN", new_y="NEXT")
        pdf.paragraph(text, size=9.5, gap=2.2)
    pdf.ln(2)
    pdf.signature((f"Fait à {PLACE}, le {case.sent_on}", *SIGNATURE))
    pdf.section("Notification", size=9.5)
    recipient = ", ".join((case.evaluator, *case.evaluator_address, f"par courriel : {case.evaluator_email}"))
    pdf.paragraph(f"Organisme évaluateur : {recipient}.", size=9, gap=1.5)
    pdf.paragraph(
        f"Annexe 1 : {CRE_TITLE}. Annexe 2 : {HOURS_TITLE}. Formulaires à compléter et à retourner avec un "
        f"RIB de moins de {case.rib_months} mois.",
        size=9,
    )


def _annex_title(pdf: RegionPdf, case: _Case, number: int | None, title: str) -> None:
    pdf.add_page()
    pdf.set_font(FAMILY, "B", 9)
    pdf.set_text_color(*GREY)
    label = f"Arrêté attributif n° {case.ref}" if number else f"Dossier {case.ref}"
    pdf.cell(0, 5, label, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "B", 15)
    pdf.set_text_color(*ACCENT)
    heading = f"Annexe {number} — {title}" if number else title
    pdf.multi_cell(0, 8, heading, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK)
    pdf.paragraph(
        f"À retourner complété et signé, avec l'autre formulaire et un RIB de moins de {case.rib_months} mois, "
        f"en réponse au courriel de notification de l'arrêté, en gardant la référence [{case.ref}] dans l'objet.",
        size=8.5, color=GREY, align="L",
    )  # fmt: skip


def _cre_pages(pdf: RegionPdf, case: _Case, number: int | None) -> None:
    _annex_title(pdf, case, number, CRE_TITLE)
    pdf.facts(case.grid(amount_label="Montant attribué"))
    pdf.section("Réalisation de l'évaluation")
    pdf.paragraph(
        f"Début de l'évaluation : {BLANK_DATE}          Fin de l'évaluation : {BLANK_DATE}",
        size=9.5, align="L", gap=1.5,
    )  # fmt: skip
    pdf.checkboxes("Évaluation réalisée :", ("oui", "non (abandon, absence…)"))
    pdf.checkboxes("Modalité :", ("en présentiel", "à distance", "mixte"))
    pdf.section(f"Résultats par domaine — {case.cert}")
    pdf.set_font(FAMILY, "", 9)
    with pdf.table(
        col_widths=(10, 116, 22, 22),
        text_align=("CENTER", "LEFT", "CENTER", "CENTER"),
        headings_style=HEADINGS,
        line_height=4.4,
        padding=(0.9, 2),
        width=pdf.epw,
    ) as table:
        heading = table.row()
        for text in ("N°", "Domaine", "Acquis", "Non acquis"):
            heading.cell(text)
        for index, domain in enumerate(DOMAINS[case.ctx.certification], start=1):
            row = table.row()
            row.cell(str(index))
            row.cell(domain)
            row.cell(CHECKBOX)
            row.cell(CHECKBOX)
    pdf.ln(3)
    if case.ctx.evaluation == "initial":
        outcomes = ("tous les domaines sont acquis", "formation préconisée sur les domaines non acquis")
    else:
        outcomes = ("tous les domaines sont acquis", "des domaines restent à acquérir")
    pdf.checkboxes("Issue :", outcomes)
    pdf.blank_line("Observations de l'évaluateur :")
    pdf.blank_line("")
    pdf.signature_boxes(("L'organisme évaluateur", "Nom et qualité du signataire, date, signature et cachet"),
                     ("Le candidat", "Date et signature"))  # fmt: skip


def _hours_pages(pdf: RegionPdf, case: _Case, number: int | None) -> None:
    _annex_title(pdf, case, number, HOURS_TITLE)
    pdf.facts(case.grid(amount_label="Montant attribué"))
    pdf.section("Attestation")
    pdf.blank_line("Je soussigné(e) :")
    pdf.blank_line("agissant en qualité de :")
    pdf.paragraph(
        f"de l'organisme évaluateur {case.evaluator}, atteste que {case.applicant} a réalisé dans nos locaux, "
        f"au titre de l'{case.evaluation} de la certification {case.cert}, les heures d'évaluation suivantes :",
        size=9.5,
    )
    pdf.set_font(FAMILY, "", 9)
    with pdf.table(
        col_widths=(32, 48, 32, 58),
        text_align="CENTER",
        headings_style=HEADINGS,
        line_height=4.6,
        padding=(0.8, 2),
        min_row_height=7,
        width=pdf.epw,
    ) as table:
        heading = table.row()
        for text in ("Date", "Horaires (début – fin)", "Nombre d'heures", "Émargement du candidat"):
            heading.cell(text)
        for _ in range(7):
            row = table.row()
            for _ in range(4):
                row.cell("")
    pdf.ln(3)
    pdf.blank_line("Total des heures réalisées : ", width=30)
    pdf.paragraph(
        "Seules les heures d'évaluation sont prises en charge ; les frais annexes (inscription, jury…) ne sont "
        "pas éligibles. Une attestation de 0 heure signifie que l'évaluation n'a pas eu lieu : le dossier est "
        "alors clos sans versement. L'établissement d'une attestation faisant état de faits matériellement "
        "inexacts est puni par l'article 441-7 du code pénal.",
        size=8.5, color=GREY,
    )  # fmt: skip
    pdf.signature_boxes(("L'organisme évaluateur", "Fait à ……………, le …………… — signature et cachet"),
                     ("Le candidat", "Date et signature"))  # fmt: skip


def arrete_attributif_pdf(ctx: NoticeContext) -> bytes:
    """The award decree for the evaluator, followed by its two annexes to fill in: the CRE and the hours."""
    case = _Case(ctx)
    if case.amount is None:
        raise NoticeContextError(f"arrêté attributif for {ctx.case_id} needs amount_eur")
    pdf = RegionPdf(ctx, "Arrêté attributif — aide individuelle à la certification CléA")
    _arrete_page(pdf, case)
    _cre_pages(pdf, case, 1)
    _hours_pages(pdf, case, 2)
    return pdf.output_bytes()


def cre_form_pdf(ctx: NoticeContext) -> bytes:
    """The execution report form alone, pre-filled: for an evaluator who lost the arrêté's annex."""
    case = _Case(ctx)
    pdf = RegionPdf(ctx, CRE_TITLE)
    _cre_pages(pdf, case, None)
    return pdf.output_bytes()


def hours_attestation_pdf(ctx: NoticeContext) -> bytes:
    """The attestation of hours form alone, pre-filled."""
    case = _Case(ctx)
    pdf = RegionPdf(ctx, HOURS_TITLE)
    _hours_pages(pdf, case, None)
    return pdf.output_bytes()

"""What each e-mail says, as plain blocks that its text part and its HTML part both render."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

from clea_intake.domain.policy import Policy, PolicyNotFound, all_policies, current_policy, policy_for
from clea_intake.french import amount_fr, date_fr, hours_fr
from clea_intake.letters.french import certification_fr, evaluation_fr, one_line
from clea_intake.letters.models import NoticeContext
from clea_intake.letters.region import DIRECTION, REGION_NAME, appeal_paragraphs

NoticeKind = Literal[
    "acknowledgement",
    "incomplete",
    "award_beneficiary",
    "arrete_evaluator",
    "refusal",
    "withdrawal",
    "document_request",
    "claim_received",
    "claim_incomplete",
    "payment_ordered",
    "closed_unpaid",
    "lapsed",
]
Audience = Literal["applicant", "evaluator"]


class NoticeContextError(ValueError):
    """The context lacks what this notice needs (e.g. a refusal without reasons): a caller bug."""


@dataclass(frozen=True)
class Paragraph:
    text: str
    strong: bool = False


@dataclass(frozen=True)
class Item:
    text: str
    label: str | None = None
    code: str | None = None
    # " : " for "piece : why"; ", " when the text continues the label's sentence.
    joiner: str = " : "


@dataclass(frozen=True)
class Items:
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Facts:
    rows: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Heading:
    text: str


Block = Paragraph | Items | Facts | Heading


@dataclass(frozen=True)
class Notice:
    audience: Audience
    subject: str
    greeting: str
    blocks: tuple[Block, ...]
    closing: tuple[str, ...] = ("Cordialement,", DIRECTION, REGION_NAME)
    footer: tuple[str, ...] = field(default_factory=tuple)


def policy_of(ctx: NoticeContext) -> Policy:
    """The policy that decided the case: by its version when given, else the one in force then."""
    if ctx.policy_version:
        for policy in all_policies():
            if policy.version == ctx.policy_version:
                return policy
    try:
        return policy_for(ctx.evaluation_start)
    except PolicyNotFound:
        return current_policy()


def completeness_deadline(ctx: NoticeContext) -> date:
    days = policy_of(ctx).deadlines.complete_days_before_evaluation
    return ctx.evaluation_start - timedelta(days=days)


def _require(ctx: NoticeContext, kind: str, **values: object) -> None:
    empty = [name for name, value in values.items() if value in (None, "", [])]
    if empty:
        raise NoticeContextError(f"{kind} notice for {ctx.case_id} needs {', '.join(empty)}")


class _Words:
    """The case's values already formatted in French, cleaned of control characters."""

    def __init__(self, ctx: NoticeContext):
        self.ref = one_line(ctx.case_id)
        self.applicant = one_line(ctx.applicant_name)
        self.evaluator = one_line(ctx.evaluator_name)
        self.cert = certification_fr(ctx.certification)
        self.evaluation = evaluation_fr(ctx.evaluation)
        self.period = f"du {date_fr(ctx.evaluation_start)} au {date_fr(ctx.evaluation_end)}"
        self.amount = amount_fr(ctx.amount_eur) if ctx.amount_eur is not None else None
        self.claim_deadline = date_fr(ctx.claim_deadline) if ctx.claim_deadline else None
        self.sent_on = date_fr(ctx.sent_on)
        self.rib_months = policy_of(ctx).deadlines.rib_max_age_months
        # "l'évaluation initiale CléA Socle de Léa Marie Martin": the object of most evaluator mails.
        self.subject_matter = f"l'{self.evaluation} {self.cert} de {self.applicant}"


def case_facts(ctx: NoticeContext, *, amount: bool, claim_deadline: bool = False) -> Facts:
    w = _Words(ctx)
    rows = [
        ("Référence du dossier", w.ref),
        ("Candidat", w.applicant),
        ("Certification", w.cert),
        ("Évaluation", w.evaluation.capitalize()),
        ("Organisme évaluateur", w.evaluator),
        ("Dates de l'évaluation", w.period),
    ]
    if amount and w.amount:
        rows.append(("Montant de l'aide", w.amount))
    if claim_deadline and w.claim_deadline:
        rows.append(("Date limite de demande de versement", w.claim_deadline))
    return Facts(tuple(rows))


def claim_pieces(ctx: NoticeContext) -> Items:
    """The three pieces that trigger the payment, worded the same in every evaluator notice."""
    months = _Words(ctx).rib_months
    return Items(
        (
            Item("complété et signé par l'organisme et le candidat (annexe 1 de l'arrêté) ;",
                 label="le compte rendu d'exécution (CRE)", joiner=", "),
            Item("indiquant le nombre d'heures d'évaluation réalisées, signée (annexe 2 de l'arrêté) ;",
                 label="l'attestation des heures réalisées en centre", joiner=", "),
            Item(f"au nom de l'organisme, datant de moins de {months} mois.", label="un RIB", joiner=", "),
        )
    )  # fmt: skip


def _reply_with_reference(w: _Words) -> str:
    # The inbound matcher finds the case by this reference: the instruction must be explicit.
    return (
        f"Répondez à ce courriel sans modifier son objet, qui contient la référence [{w.ref}], "
        f"ou écrivez-nous en indiquant cette référence dans l'objet de votre message."
    )


def _deadline_paragraph(ctx: NoticeContext) -> Paragraph:
    deadline = completeness_deadline(ctx)
    days = (ctx.evaluation_start - deadline).days
    text = (
        f"Important : votre dossier doit être complet au plus tard le {date_fr(deadline)}, soit {days} jours "
        f"avant le début de l'évaluation. À défaut, la demande fera l'objet d'un refus."
    )
    if deadline < ctx.sent_on:
        text += " Cette date est déjà passée."
    return Paragraph(text, strong=True)


def _footer(ctx: NoticeContext) -> tuple[str, ...]:
    lines = [f"Référence du dossier : {one_line(ctx.case_id)} — à rappeler dans l'objet de toute réponse."]
    if ctx.policy_version:
        lines.append(f"Règles appliquées : {one_line(ctx.policy_version)}.")
    return tuple(lines)


def _acknowledgement(ctx: NoticeContext, w: _Words) -> Notice:
    return Notice(
        "applicant",
        "Accusé de réception de votre demande d'aide CléA",
        f"Bonjour {w.applicant},",
        (
            Paragraph(
                f"La Région Nouvelle-Aquitaine a bien reçu votre demande d'aide individuelle à la certification "
                f"{w.cert} ({w.evaluation}). Elle est enregistrée sous la référence {w.ref}."
            ),
            case_facts(ctx, amount=False),
            Paragraph(
                "Nous vérifions maintenant vos pièces justificatives. Si l'une d'elles manque ou ne peut pas "
                "être acceptée, nous vous écrirons pour vous dire laquelle et pourquoi."
            ),
            _deadline_paragraph(ctx),
            Paragraph("Vous recevrez la décision de la Région par courriel."),
        ),
    )


def _incomplete(ctx: NoticeContext, w: _Words) -> Notice:
    _require(ctx, "incomplete", missing=ctx.missing)
    return Notice(
        "applicant",
        "Votre dossier CléA est incomplet : pièces à fournir",
        f"Bonjour {w.applicant},",
        (
            Paragraph(
                f"Votre demande d'aide à la certification {w.cert} ({w.evaluation}), référence {w.ref}, "
                f"ne peut pas encore être examinée : {_missing_sentence(ctx)}"
            ),
            _missing_items(ctx),
            Paragraph(
                f"Déposez les pièces demandées sur la plateforme de la Région, dans votre dossier {w.ref}. "
                f"Les pièces déjà acceptées n'ont pas à être envoyées de nouveau."
            ),
            _deadline_paragraph(ctx),
        ),
    )  # fmt: skip


def _award_beneficiary(ctx: NoticeContext, w: _Words) -> Notice:
    _require(ctx, "award_beneficiary", amount_eur=ctx.amount_eur)
    return Notice(
        "applicant",
        "Votre demande d'aide CléA a été acceptée",
        f"Bonjour {w.applicant},",
        (
            Paragraph(
                f"Nous avons le plaisir de vous informer que la Région Nouvelle-Aquitaine vous accorde une aide "
                f"individuelle de {w.amount} pour la certification {w.cert} ({w.evaluation})."
            ),
            case_facts(ctx, amount=True),
            Paragraph(
                f"Cette aide est versée directement par la Région à l'organisme évaluateur, {w.evaluator}, "
                f"à l'issue de l'évaluation, que vous obteniez ou non le certificat. Elle couvre uniquement "
                f"les heures d'évaluation : les frais annexes (inscription, jury…) ne sont pas pris en charge."
            ),
            Paragraph(
                "Vous n'avez aucune autre démarche à faire auprès de la Région : l'arrêté attributif est "
                "transmis à l'organisme évaluateur."
            ),
            Paragraph("La lettre de décision est jointe à ce courriel (PDF) ; conservez-la."),
        ),
    )


def _arrete_evaluator(ctx: NoticeContext, w: _Words) -> Notice:
    _require(ctx, "arrete_evaluator", amount_eur=ctx.amount_eur)
    blocks: list[Block] = [
        Paragraph(
            f"La Région Nouvelle-Aquitaine a attribué une aide individuelle forfaitaire de {w.amount} pour "
            f"{w.subject_matter}, que vous réalisez {w.period}."
        ),
        Paragraph(
            f"Vous trouverez ci-joint l'arrêté attributif n° {w.ref} et ses deux annexes à compléter : "
            f"le compte rendu d'exécution (CRE) et l'attestation des heures réalisées en centre."
        ),
        case_facts(ctx, amount=True, claim_deadline=True),
        Heading("Pour obtenir le versement"),
        Paragraph(
            f"À l'issue de l'évaluation, répondez à ce courriel sans modifier son objet, qui contient la "
            f"référence [{w.ref}], en joignant :"
        ),
        claim_pieces(ctx),
    ]
    if w.claim_deadline:
        blocks.append(
            Paragraph(
                f"Date limite : {w.claim_deadline}. Sans demande de versement complète à cette date, "
                f"l'aide devient caduque.",
                strong=True,
            )
        )
    blocks.append(
        Paragraph(
            "L'aide est versée que le candidat obtienne ou non le certificat. Elle couvre uniquement les "
            "heures d'évaluation réalisées, hors frais annexes (inscription, jury…). Une attestation faisant "
            "état de 0 heure signifie que l'évaluation n'a pas eu lieu : le dossier est alors clos sans "
            "versement."
        )
    )
    return Notice(
        "evaluator",
        f"Arrêté attributif — aide {w.cert}, {w.evaluation}",
        "Madame, Monsieur,",
        tuple(blocks),
    )


def _refusal(ctx: NoticeContext, w: _Words) -> Notice:
    _require(ctx, "refusal", reasons=ctx.reasons)
    motive = "pour le motif suivant :" if len(ctx.reasons) == 1 else "pour les motifs suivants :"
    return Notice(
        "applicant",
        "Votre demande d'aide CléA n'a pas été acceptée",
        f"Bonjour {w.applicant},",
        (
            Paragraph(
                f"Après examen de votre demande d'aide à la certification {w.cert} ({w.evaluation}), "
                f"référence {w.ref}, la Région Nouvelle-Aquitaine ne peut pas vous accorder cette aide, {motive}"
            ),
            Items(tuple(Item(one_line(r.message), code=one_line(r.code)) for r in ctx.reasons)),
            Paragraph("La lettre de décision, jointe à ce courriel (PDF), reprend ces motifs."),
            Heading("Voies et délais de recours"),
            *(Paragraph(text) for text in appeal_paragraphs()),
        ),
    )


def _withdrawal(ctx: NoticeContext, w: _Words) -> Notice:
    blocks: list[Block] = [
        Paragraph(
            f"Votre demande d'aide à la certification {w.cert} ({w.evaluation}), référence {w.ref}, a été "
            f"retirée le {w.sent_on}. Le dossier est clos : aucune aide ne sera versée à ce titre."
        )
    ]
    if ctx.note:
        blocks.append(Facts((("Motif du retrait", one_line(ctx.note)),)))
    blocks.append(
        Paragraph(
            "Si vous n'êtes pas à l'origine de ce retrait, ou s'il s'agit d'une erreur, signalez-le-nous. "
            + _reply_with_reference(w)
        )
    )
    return Notice(
        "applicant", "Votre demande d'aide CléA a été retirée", f"Bonjour {w.applicant},", tuple(blocks)
    )


def _document_request(ctx: NoticeContext, w: _Words) -> Notice:
    _require(ctx, "document_request", requested_document=ctx.requested_document)
    blocks: list[Block] = [
        Paragraph(
            f"Pour instruire votre demande d'aide à la certification {w.cert} ({w.evaluation}), référence "
            f"{w.ref}, la Région Nouvelle-Aquitaine a besoin du document suivant :"
        ),
        Items((Item(one_line(ctx.requested_document or "")),)),
    ]
    if ctx.note:
        blocks.append(Facts((("Précision", one_line(ctx.note)),)))
    blocks.append(
        Paragraph(f"Déposez ce document sur la plateforme de la Région, dans votre dossier {w.ref}.")
    )
    return Notice(
        "applicant",
        "Document complémentaire demandé pour votre dossier CléA",
        f"Bonjour {w.applicant},",
        tuple(blocks),
    )


def _claim_received(ctx: NoticeContext, w: _Words) -> Notice:
    return Notice(
        "evaluator",
        "Demande de versement reçue — aide CléA",
        "Madame, Monsieur,",
        (
            Paragraph(
                f"Nous avons bien reçu votre demande de versement de l'aide attribuée pour {w.subject_matter} "
                f"(dossier {w.ref})."
            ),
            Paragraph("Nous vérifions les pièces jointes. Une demande de versement complète comprend :"),
            claim_pieces(ctx),
            Paragraph(
                "Si une pièce manque ou ne peut pas être acceptée, nous vous dirons laquelle et pourquoi. "
                + _reply_with_reference(w)
            ),
            case_facts(ctx, amount=True, claim_deadline=True),
        ),
    )


def _missing_sentence(ctx: NoticeContext) -> str:
    if len(ctx.missing) == 1:
        return "la pièce suivante manque ou ne peut pas être acceptée."
    return "les pièces suivantes manquent ou ne peuvent pas être acceptées."


def _missing_items(ctx: NoticeContext) -> Items:
    """The missing pieces, one per line: the piece, then what is wrong with it."""
    return Items(tuple(Item(one_line(m.message), label=one_line(m.piece)) for m in ctx.missing))


def _claim_incomplete(ctx: NoticeContext, w: _Words) -> Notice:
    _require(ctx, "claim_incomplete", missing=ctx.missing)
    blocks: list[Block] = [
        Paragraph(
            f"Votre demande de versement pour le dossier {w.ref} ({w.subject_matter}) ne peut pas encore "
            f"être payée : {_missing_sentence(ctx)}"
        ),
        _missing_items(ctx),
        Paragraph(
            f"Envoyez les pièces corrigées en répondant à ce courriel sans modifier son objet, qui contient "
            f"la référence [{w.ref}]. Pour rappel, une demande de versement complète comprend :"
        ),
        claim_pieces(ctx),
    ]  # fmt: skip
    if w.claim_deadline:
        blocks.append(
            Paragraph(
                f"Date limite : {w.claim_deadline}. Sans demande de versement complète à cette date, "
                f"l'aide devient caduque.",
                strong=True,
            )
        )
    return Notice(
        "evaluator", "Demande de versement incomplète : pièces à fournir", "Madame, Monsieur,", tuple(blocks)
    )


def _payment_ordered(ctx: NoticeContext, w: _Words) -> Notice:
    _require(ctx, "payment_ordered", amount_eur=ctx.amount_eur)
    rows = [("Montant versé", w.amount or ""), ("Bénéficiaire du versement", w.evaluator)]
    if ctx.hours is not None:
        rows.append(("Heures d'évaluation attestées", hours_fr(ctx.hours)))
    return Notice(
        "evaluator",
        f"Versement de l'aide CléA ordonné : {w.amount}",
        "Madame, Monsieur,",
        (
            Paragraph(
                f"Votre demande de versement pour le dossier {w.ref} est complète. La Région Nouvelle-Aquitaine "
                f"a ordonné le versement de {w.amount} au titre de {w.subject_matter}."
            ),
            Facts(tuple(rows)),
            Paragraph(
                "Le virement sera effectué sur le compte du RIB joint à votre demande, dans les délais de "
                "traitement du comptable public. Vous n'avez plus rien à transmettre pour ce dossier."
            ),
        ),
    )


def _closed_unpaid(ctx: NoticeContext, w: _Words) -> Notice:
    return Notice(
        "evaluator",
        "Dossier clos sans versement — évaluation non réalisée",
        "Madame, Monsieur,",
        (
            Paragraph(
                f"L'attestation des heures transmise pour le dossier {w.ref} ({w.subject_matter}) fait état "
                f"de 0 heure réalisée. L'aide ne couvrant que les heures d'évaluation réalisées, aucun "
                f"versement ne peut être effectué : le dossier est clos sans versement."
            ),
            case_facts(ctx, amount=True),
            Heading("Voies et délais de recours"),
            *(Paragraph(text) for text in appeal_paragraphs()),
        ),
    )


def _lapsed(ctx: NoticeContext, w: _Words) -> Notice:
    aid = f"L'aide de {w.amount}" if w.amount else "L'aide"
    before = (
        f"avant le {w.claim_deadline}" if w.claim_deadline else "dans le délai fixé par l'arrêté attributif"
    )
    return Notice(
        "evaluator",
        "Aide CléA caduque — aucune demande de versement reçue",
        "Madame, Monsieur,",
        (
            Paragraph(
                f"{aid} attribuée pour {w.subject_matter} (dossier {w.ref}) est caduque : aucune demande de "
                f"versement complète n'a été reçue {before}. Le dossier est clos sans versement."
            ),
            Paragraph("Une demande de versement complète devait comprendre :"),
            claim_pieces(ctx),
            case_facts(ctx, amount=True, claim_deadline=True),
            Heading("Voies et délais de recours"),
            *(Paragraph(text) for text in appeal_paragraphs()),
        ),
    )


_WRITERS = {
    "acknowledgement": _acknowledgement,
    "incomplete": _incomplete,
    "award_beneficiary": _award_beneficiary,
    "arrete_evaluator": _arrete_evaluator,
    "refusal": _refusal,
    "withdrawal": _withdrawal,
    "document_request": _document_request,
    "claim_received": _claim_received,
    "claim_incomplete": _claim_incomplete,
    "payment_ordered": _payment_ordered,
    "closed_unpaid": _closed_unpaid,
    "lapsed": _lapsed,
}


def notice_for(kind: NoticeKind, ctx: NoticeContext) -> Notice:
    try:
        writer = _WRITERS[kind]
    except KeyError:
        raise NoticeContextError(f"unknown notice kind {kind!r}") from None
    notice = writer(ctx, _Words(ctx))
    return Notice(
        notice.audience, notice.subject, notice.greeting, notice.blocks, notice.closing, _footer(ctx)
    )

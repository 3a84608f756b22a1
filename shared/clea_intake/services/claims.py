"""The evaluator's side of an awarded case: the claim checklist, the payment order (once), confirmation."""

from __future__ import annotations

from datetime import datetime, timedelta

from aws_lambda_powertools import Logger

from clea_intake.adapters.repository import PaymentOrder, Repository, ReviewItem
from clea_intake.domain.calendar import is_recent
from clea_intake.domain.case import Case
from clea_intake.domain.errors import IbanConflict
from clea_intake.domain.findings import DocType
from clea_intake.domain.lifecycle import OPEN_FOR_CLAIM, State
from clea_intake.domain.names import holder_matches, organisation_matches
from clea_intake.domain.pieces import Piece
from clea_intake.domain.policy import policy_for
from clea_intake.services import metrics
from clea_intake.services.cases import _resume
from clea_intake.services.inbound import CLAIM_EVENT
from clea_intake.services.notify import notify
from clea_intake.services.retry import on_stale_case
from clea_intake.services.sweeper import _lapse as lapse
from clea_intake.settings import Settings

logger = Logger(service="clea-intake", child=True)

CLAIM_LABELS = {
    "EXECUTION_REPORT": "Compte rendu d'exécution (CRE)",
    "HOURS_ATTESTATION": "Attestation des heures réalisées",
    "BANK_DETAILS": "Relevé d'identité bancaire (RIB) de moins de 3 mois",
}
_TYPES = {"EXECUTION_REPORT": DocType.EXECUTION_REPORT, "HOURS_ATTESTATION": DocType.HOURS_ATTESTATION,
          "BANK_DETAILS": DocType.BANK_DETAILS}


def _problem(piece: str, message: str, code: str) -> dict:
    return {"code": code, "piece": piece, "label": CLAIM_LABELS[piece], "message": message}


def check_claim(case: Case, pieces: list[Piece]) -> tuple[list[dict], dict[str, Piece]]:
    """The claim checklist: each piece present, valid and consistent with the award."""
    app = case.application
    policy = policy_for(app.evaluation_start)
    claim = [p for p in pieces if p.source == "claim" and p.status == "read"]
    problems: list[dict] = []
    chosen: dict[str, Piece] = {}

    def names_beneficiary(p: Piece) -> list[str]:
        name = p.fields.get("beneficiary_name")
        if name and holder_matches(name, app.applicant.surname, app.applicant.given_names):
            return []
        return ["La pièce ne désigne pas le bénéficiaire de l'aide."]

    def within_evaluation(p: Piece) -> list[str]:
        start, end = p.date_field("start_date"), p.date_field("end_date")
        reasons = []
        if start is not None and start < app.evaluation_start - timedelta(days=31):
            reasons.append("Les dates de l'évaluation ne correspondent pas à celles de l'aide accordée.")
        elif end is not None and end > app.evaluation_end + timedelta(days=92):
            reasons.append("Les dates de l'évaluation ne correspondent pas à celles de l'aide accordée.")
        return reasons

    def report_ok(p: Piece) -> list[str]:
        reasons = names_beneficiary(p) + within_evaluation(p)
        if p.fields.get("certification") not in (None, app.certification):
            reasons.append("Le compte rendu porte sur une autre certification que celle de l'aide.")
        if p.fields.get("evaluation") not in (None, app.evaluation):
            reasons.append("Le compte rendu porte sur un autre type d'évaluation que celui de l'aide.")
        return reasons

    def hours_ok(p: Piece) -> list[str]:
        reasons = names_beneficiary(p) + within_evaluation(p)
        if p.number_field("hours") is None:
            reasons.append("Le nombre d'heures réalisées est illisible.")
        return reasons

    def bank_ok(p: Piece) -> list[str]:
        reasons = []
        if not organisation_matches(p.fields.get("holder_name"), app.evaluator.name):
            reasons.append("Le RIB n'est pas au nom de l'organisme évaluateur.")
        issued = p.date_field("issue_date")
        received = p.received_at.astimezone(policy.tz).date()
        if issued is None or not is_recent(issued, received, policy.deadlines.rib_max_age_months):
            reasons.append("Le RIB date de plus de 3 mois ou sa date est illisible.")
        if not p.fields.get("iban"):
            reasons.append("L'IBAN du RIB est illisible.")
        return reasons

    for code, check in (("EXECUTION_REPORT", report_ok), ("HOURS_ATTESTATION", hours_ok), ("BANK_DETAILS", bank_ok)):
        candidates = sorted((p for p in claim if p.doc_type == _TYPES[code]), key=lambda p: p.received_at,
                            reverse=True)
        if not candidates:
            problems.append(_problem(code, f"Pièce manquante : {CLAIM_LABELS[code].lower()}.", f"MISSING_{code}"))
            continue
        first_reasons: list[str] = []
        for candidate in candidates:
            reasons = [f.message for f in candidate.findings if f.blocking] + check(candidate)
            if not reasons:
                chosen[code] = candidate
                break
            first_reasons = first_reasons or reasons
        else:
            problems.append(_problem(code, " ".join(dict.fromkeys(first_reasons)), f"INVALID_{code}"))
    return problems, chosen


def _unread_attachments(repo: Repository, case_id: str) -> int:
    """Attachments of accepted claim e-mails not read yet: the claim is judged as a whole, not piece by piece."""
    announced = {digest for e in repo.timeline(case_id) if e.kind == CLAIM_EVENT
                 for digest in e.detail.get("attachments", [])}
    return len(announced - {d.sha256 for d in repo.documents(case_id)})


def _iban(bank: Piece) -> str:
    return str(bank.fields["iban"]).replace(" ", "").upper()


def _held_for_iban_change(repo: Repository, case: Case, bank: Piece, now: datetime, actor: str) -> bool:
    """A RIB whose IBAN is not the evaluator's known one waits for a person (payment diversion). The known
    IBAN is the one last paid, or before any payment the one of the evaluator's first payment order."""
    iban = _iban(bank)
    previous = repo.evaluator_iban(case.application.evaluator.siret)
    if not previous or previous == iban or case.approved_iban == iban:
        return False
    review = ReviewItem(
        review_id=f"IBAN-{case.case_id}-{iban[-6:]}", case_id=case.case_id, kind="bank_details", code="IBAN_CHANGED",
        subject_ref=bank.doc_id, opened_at=now,
        message=("L'IBAN du RIB diffère de celui déjà retenu pour les versements à cet organisme : vérifier "
                 "auprès de l'organisme par un autre canal avant tout versement."),
    )
    if repo.open_review(review):
        metrics.count("ReviewOpened")
        case.note("review", at=now, actor=actor, reason="IBAN_CHANGED",
                  message="Changement de coordonnées bancaires : versement suspendu jusqu'à vérification.")
        repo.save_case(case)
    return True


@on_stale_case()
def assess_claim(repo: Repository, cfg: Settings, case_id: str, now: datetime, actor: str = "system") -> str:
    case = repo.get_case(case_id)
    if case.state in (State.CLOSED_UNPAID, State.LAPSED, State.WITHDRAWN):
        _resume(repo, case, "claim", str(case.state))
        return str(case.state)
    if case.state not in OPEN_FOR_CLAIM:
        return str(case.state)
    if case.deadline_at is not None and now >= case.deadline_at:
        # Too late, even if the hourly sweeper has not passed yet.
        return "LAPSED" if lapse(repo, cfg, case_id, now) else str(repo.get_case(case_id).state)
    pieces = repo.pieces(case_id)
    if not any(p.source == "claim" for p in pieces):
        return str(case.state)
    if _unread_attachments(repo, case_id):
        return "CLAIM_PENDING"
    policy = policy_for(case.application.evaluation_start)
    problems, chosen = check_claim(case, pieces)
    notify(repo, cfg, case, "claim_received", now)

    hours_piece = chosen.get("HOURS_ATTESTATION")
    hours = (hours_piece.number_field("hours") or 0.0) if hours_piece else None
    # No RIB is needed to pay nothing: a valid report and attestation of 0 hours close the case.
    if hours is not None and hours <= 0 and "EXECUTION_REPORT" in chosen:
        case.claim_problems = []
        case.transition(State.CLOSED_UNPAID, at=now, actor=actor, reason="ZERO_HOURS",
                        message="L'évaluation n'a pas été réalisée (0 heure) : l'aide n'est pas versée.")
        repo.save_case(case)
        metrics.state_entered(State.CLOSED_UNPAID)
        notify(repo, cfg, case, "closed_unpaid", now, hours=0.0)
        _resume(repo, case, "claim", "CLOSED_UNPAID")
        return "CLOSED_UNPAID"

    if problems:
        changed = problems != case.claim_problems
        case.claim_problems = problems
        if case.state == State.AWARDED:
            case.transition(State.CLAIM_INCOMPLETE, at=now, actor=actor, reason=",".join(p["code"] for p in problems),
                            message="Demande de versement incomplète.")
            metrics.state_entered(State.CLAIM_INCOMPLETE)
        elif changed:
            case.note("claim_checklist", at=now, actor=actor, reason=",".join(p["code"] for p in problems))
        repo.save_case(case)
        if not any(p.status == "review" and p.source == "claim" for p in pieces):
            notify(repo, cfg, case, "claim_incomplete", now, claim=True,
                   min_interval=timedelta(hours=policy.deadlines.incomplete_notice_min_interval_hours))
        return "CLAIM_INCOMPLETE"

    case.claim_problems = []
    if _held_for_iban_change(repo, case, chosen["BANK_DETAILS"], now, actor):
        return "HELD_FOR_REVIEW"
    case.note("claim_valid", at=now, actor=actor, message="Demande de versement complète.", hours=hours)
    repo.save_case(case)
    _resume(repo, case, "claim", "CLAIM_VALID")
    return "CLAIM_VALID"


@on_stale_case()
def order_payment(repo: Repository, cfg: Settings, case_id: str, now: datetime) -> str:
    """Create the payment order exactly once and move the case to PAYMENT_ORDERED."""
    case = repo.get_case(case_id)
    if case.state not in OPEN_FOR_CLAIM:
        return str(case.state)
    problems, chosen = check_claim(case, repo.pieces(case_id))
    if problems or "BANK_DETAILS" not in chosen:
        return "CLAIM_INCOMPLETE"
    bank = chosen["BANK_DETAILS"]
    # The claim was judged valid a moment ago, but a newer RIB may have arrived since: check it again.
    if _held_for_iban_change(repo, case, bank, now, "system"):
        return "CLAIM_INCOMPLETE"
    order = PaymentOrder(
        order_id=f"PAY-{case_id}", case_id=case_id, amount_eur=case.awarded_eur,
        creditor_name=case.application.evaluator.name, creditor_siret=case.application.evaluator.siret,
        iban=_iban(bank), bic=str(bank.fields.get("bic") or ""), created_at=now,
    )
    case.transition(State.PAYMENT_ORDERED, at=now, actor="system", message="Ordre de paiement créé.",
                    amount_eur=str(order.amount_eur), order_id=order.order_id)
    try:
        # An order on an IBAN nobody approved by hand also makes it the evaluator's known IBAN if none is
        # known yet: a later claim on another IBAN, before this one is paid, is held like any change.
        ordered = repo.order_payment(case, order, claim_evaluator_iban=case.approved_iban != order.iban)
    except IbanConflict:
        # Another claim of this evaluator was ordered on another IBAN since this one was checked.
        _held_for_iban_change(repo, repo.get_case(case_id), bank, now, "system")
        return "CLAIM_INCOMPLETE"
    if not ordered:
        return str(repo.get_case(case_id).state)
    metrics.state_entered(State.PAYMENT_ORDERED)
    metrics.amount("PaymentOrderedAmount", order.amount_eur)
    notify(repo, cfg, case, "payment_ordered", now, hours=chosen["HOURS_ATTESTATION"].number_field("hours"))
    logger.info("payment ordered", case_id=case_id, order_id=order.order_id)
    return "PAYMENT_ORDERED"


@on_stale_case()
def confirm_paid(repo: Repository, case_id: str, now: datetime, actor: str) -> bool:
    """Finance confirmed the transfer: PAID, the evaluator's IBAN remembered, the workflow ends."""
    case = repo.get_case(case_id)
    order = repo.find_payment(case_id)
    if case.state != State.PAYMENT_ORDERED or order is None:
        return False
    paid = order.model_copy(update={"status": "PAID", "paid_at": now})
    case.paid_eur = order.amount_eur
    case.deadline_at = None
    case.transition(State.PAID, at=now, actor=actor, message="Versement confirmé par le service financier.",
                    order_id=order.order_id)
    repo.update_payment(paid, expected_status=order.status, case=case)
    repo.set_evaluator_iban(order.creditor_siret, order.iban, now)
    metrics.state_entered(State.PAID)
    metrics.amount("PaidAmount", order.amount_eur)
    _resume(repo, case, "payment", "PAID")
    return True

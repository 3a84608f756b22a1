"""The applicant's side of a case: intake, completeness, eligibility, award, decision, deadlines, withdrawal."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from aws_lambda_powertools import Logger

from clea_intake.adapters import secrets, workflow
from clea_intake.adapters.repository import Repository
from clea_intake.domain import completeness as checklist
from clea_intake.domain import eligibility
from clea_intake.domain.application import Application, parse_application
from clea_intake.domain.calendar import claim_deadline, completeness_deadline
from clea_intake.domain.case import Case
from clea_intake.domain.errors import DuplicateAward, InvalidApplication
from clea_intake.domain.lifecycle import OPEN_FOR_CLAIM, OPEN_FOR_PIECES, State
from clea_intake.domain.names import beneficiary_key
from clea_intake.domain.policy import Policy, policy_for
from clea_intake.domain.reasons import Reason
from clea_intake.services import metrics
from clea_intake.services.notify import notify
from clea_intake.services.retry import on_stale_case
from clea_intake.settings import Settings

logger = Logger(service="clea-intake", child=True)
SYSTEM = "system"


@dataclass
class IntakeOutcome:
    case_id: str | None
    status: str                          # created | duplicate | updated | invalid
    problems: list[dict] = field(default_factory=list)


def person_key(app: Application) -> str:
    applicant = app.applicant
    return beneficiary_key(applicant.surname, applicant.given_names, applicant.birth_date,
                           secret=secrets.beneficiary_secret())


def guard_key(app: Application) -> str:
    return f"{person_key(app)}#{app.year}#{app.certification}#{app.evaluation}"


def policy_of(case: Case) -> Policy:
    return policy_for(case.application.evaluation_start)


def register_application(repo: Repository, cfg: Settings, *, key: str, etag: str, body: bytes,
                         now: datetime) -> IntakeOutcome:
    """Accept application.json: create the case and start its execution, or record why the form is invalid."""
    expected_id = key.split("/")[1] if key.count("/") >= 2 else None
    try:
        app = parse_application(body)
    except InvalidApplication as invalid:
        repo.record_form_error(key=key, etag=etag, case_id=expected_id, problems=invalid.problems, at=now)
        metrics.count("FormRejected")
        logger.warning("application form rejected", key=key, fields=[p["field"] for p in invalid.problems])
        return IntakeOutcome(expected_id, "invalid", invalid.problems)
    if expected_id != app.case_id:
        problems = [{"field": "case_id", "code": "case_id_mismatch",
                     "message_en": f"case_id does not match the folder {expected_id}",
                     "message_fr": "le numéro de dossier ne correspond pas au dossier où le formulaire est déposé"}]
        repo.record_form_error(key=key, etag=etag, case_id=expected_id, problems=problems, at=now)
        return IntakeOutcome(expected_id, "invalid", problems)

    policy = policy_for(app.evaluation_start)
    case = Case(case_id=app.case_id, application=app, received_at=now, updated_at=now,
                beneficiary_key=person_key(app), policy_version=policy.version,
                deadline_at=completeness_deadline(app.evaluation_start, policy))
    case.note("received", at=now, actor="platform", message="Demande reçue de la plateforme régionale.",
              key=key, etag=etag)
    if repo.create_case(case):
        metrics.count("CaseReceived")
        metrics.state_entered(State.RECEIVED)
        status = "created"
    else:
        status = _replace_form(repo, app, now, etag)
    started = workflow.start_case(cfg.state_machine_arn, app.case_id)
    logger.info("application registered", case_id=app.case_id, status=status, execution_started=started)
    return IntakeOutcome(app.case_id, status)


@on_stale_case()
def _replace_form(repo: Repository, app: Application, now: datetime, etag: str) -> str:
    """A second delivery of the same form is a no-op; a corrected form replaces it while pieces are open."""
    case = repo.get_case(app.case_id)
    if case.application == app:
        return "duplicate"
    if case.state not in OPEN_FOR_PIECES:
        case.note("form_ignored", at=now, actor="platform", etag=etag,
                  message="Formulaire modifié reçu après la décision : il n'est pas pris en compte.")
        repo.save_case(case)
        return "ignored"
    policy = policy_for(app.evaluation_start)
    case.application = app
    case.deadline_at = completeness_deadline(app.evaluation_start, policy)
    case.beneficiary_key = person_key(app)
    case.note("form_updated", at=now, actor="platform", etag=etag, message="Formulaire mis à jour par la plateforme.")
    repo.save_case(case)
    return "updated"


@on_stale_case()
def await_step(repo: Repository, cfg: Settings, case_id: str, step: str, token: str, now: datetime) -> None:
    """Keep the task token of a waiting step, then settle it at once if its outcome is already known."""
    case = repo.get_case(case_id)
    case.tokens[step] = token
    repo.save_case(case)
    if step == "completeness":
        reassess(repo, cfg, case_id, now)
    elif step == "claim":
        from clea_intake.services.claims import assess_claim
        assess_claim(repo, cfg, case_id, now)
    elif step == "payment":
        settle_payment_wait(repo, case_id)


def _outcome_for_completeness(case: Case) -> str | None:
    if case.state == State.COMPLETE:
        return "COMPLETE"
    if case.state in (State.REFUSED, State.WITHDRAWN):
        return str(case.state)
    return None


def _resume(repo: Repository, case: Case, step: str, outcome: str) -> None:
    token = case.tokens.get(step)
    if token:
        workflow.resume(case.case_id, token, {"outcome": outcome})


def settle_payment_wait(repo: Repository, case_id: str) -> None:
    case = repo.get_case(case_id)
    if case.state == State.PAID:
        _resume(repo, case, "payment", "PAID")


@on_stale_case()
def reassess(repo: Repository, cfg: Settings, case_id: str, now: datetime, actor: str = SYSTEM) -> str:
    """Check the pieces again after something arrived; complete, incomplete or too late."""
    case = repo.find_case(case_id)
    if case is None:
        return "no_case"
    settled = _outcome_for_completeness(case)
    if settled:
        _resume(repo, case, "completeness", settled)
        return settled
    if case.state not in OPEN_FOR_PIECES:
        return str(case.state)
    policy = policy_of(case)
    result = checklist.evaluate(case.application, repo.pieces(case_id), policy)
    deadline = completeness_deadline(case.application.evaluation_start, policy)
    if result.complete:
        case.completed_at = now
        case.missing = []
        case.transition(State.COMPLETE, at=now, actor=actor, message="Toutes les pièces sont valides.")
        repo.save_case(case)
        metrics.state_entered(State.COMPLETE)
        _resume(repo, case, "completeness", "COMPLETE")
        return "COMPLETE"
    if now >= deadline:
        return refuse_late(repo, cfg, case, now, actor)
    missing = [m.model_dump() for m in result.missing]
    changed = missing != case.missing
    case.missing = missing
    if case.state == State.RECEIVED:
        case.transition(State.INCOMPLETE, at=now, actor=actor, reason=",".join(m["code"] for m in missing),
                        message="Des pièces manquent ou ne sont pas valides.")
        metrics.state_entered(State.INCOMPLETE)
    elif changed:
        case.note("checklist", at=now, actor=actor, reason=",".join(m["code"] for m in missing),
                  message="Liste des pièces manquantes mise à jour.")
    if changed or case.state == State.INCOMPLETE:
        repo.save_case(case)
    if missing and not result.in_review:
        interval = timedelta(hours=policy.deadlines.incomplete_notice_min_interval_hours)
        notify(repo, cfg, case, "incomplete", now, min_interval=interval)
    return "INCOMPLETE"


def refuse_late(repo: Repository, cfg: Settings, case: Case, now: datetime, actor: str) -> str:
    case.reasons = [Reason.LATE_COMPLETION.value]
    case.decided_at = now
    case.transition(State.REFUSED, at=now, actor=actor, reason=Reason.LATE_COMPLETION.value,
                    message="Dossier incomplet 3 semaines avant le début de l'évaluation.")
    repo.save_case(case)
    metrics.refused([Reason.LATE_COMPLETION.value])
    _resume(repo, case, "completeness", "REFUSED")
    return "REFUSED"


@on_stale_case()
def decide(repo: Repository, case_id: str, now: datetime) -> str:
    """Apply the eligibility rules to a complete case; REFUSED with every failed rule, or ELIGIBLE."""
    case = repo.get_case(case_id)
    if case.state != State.COMPLETE:
        return str(case.state)
    policy = policy_of(case)
    pieces = repo.pieces(case_id)
    result = checklist.evaluate(case.application, pieces, policy)
    holder = repo.award_holder(guard_key(case.application))
    verdict = eligibility.decide(case.application, result, completed_at=case.completed_at or now,
                                 aid_already_awarded=holder is not None and holder != case_id, policy=policy)
    case.rule_results = [r.model_dump(mode="json") for r in verdict.results]
    case.policy_version = verdict.policy_version
    if verdict.eligible:
        case.awarded_eur = verdict.amount_eur
        case.note("eligibility", at=now, actor=SYSTEM, message="Toutes les règles d'éligibilité sont remplies.",
                  policy_version=verdict.policy_version)
        repo.save_case(case)
        return "ELIGIBLE"
    case.reasons = verdict.reasons
    case.decided_at = now
    case.transition(State.REFUSED, at=now, actor=SYSTEM, reason=",".join(verdict.reasons),
                    message="Demande refusée : " + " ".join(r.message for r in verdict.results if not r.passed),
                    policy_version=verdict.policy_version)
    repo.save_case(case)
    metrics.refused(verdict.reasons)
    return "REFUSED"


@on_stale_case()
def award(repo: Repository, case_id: str, now: datetime) -> str:
    """Record the award and its uniqueness guard in one transaction; a duplicate is refused."""
    case = repo.get_case(case_id)
    if case.state != State.COMPLETE:
        return str(case.state)
    policy = policy_of(case)
    case.decided_at = now
    case.deadline_at = claim_deadline(case.application.evaluation_end, policy)
    case.transition(State.AWARDED, at=now, actor=SYSTEM, message="Aide accordée.",
                    amount_eur=str(case.awarded_eur), policy_version=case.policy_version)
    try:
        repo.record_award(case, guard_key(case.application))
    except DuplicateAward:
        case = repo.get_case(case_id)
        if case.state != State.COMPLETE:
            return str(case.state)
        case.reasons = [Reason.DUPLICATE_AID.value]
        case.awarded_eur = None
        case.decided_at = now
        case.transition(State.REFUSED, at=now, actor=SYSTEM, reason=Reason.DUPLICATE_AID.value,
                        message="Une aide a déjà été accordée pour la même personne, année, certification et évaluation.")
        repo.save_case(case)
        metrics.refused([Reason.DUPLICATE_AID.value])
        return "REFUSED"
    metrics.state_entered(State.AWARDED)
    metrics.amount("AwardedAmount", case.awarded_eur or Decimal(0))
    return "AWARDED"


def send_decision(repo: Repository, cfg: Settings, case_id: str, now: datetime) -> str:
    """Send the decision: award letter and e-mail plus the arrêté to the evaluator, or the refusal."""
    case = repo.get_case(case_id)
    if case.state in OPEN_FOR_CLAIM or case.state == State.AWARDED:
        notify(repo, cfg, case, "award_beneficiary", now)
        notify(repo, cfg, case, "arrete_evaluator", now)
    elif case.state == State.REFUSED:
        notify(repo, cfg, case, "refusal", now)
    return str(case.state)


def acknowledge(repo: Repository, cfg: Settings, case_id: str, now: datetime) -> str:
    case = repo.get_case(case_id)
    notify(repo, cfg, case, "acknowledgement", now)
    return str(case.state)


@on_stale_case()
def withdraw(repo: Repository, cfg: Settings, case_id: str, now: datetime, *, actor: str, note: str | None) -> str:
    case = repo.get_case(case_id)
    previous = case.state
    case.transition(State.WITHDRAWN, at=now, actor=actor, message=note or "Demande retirée.")
    repo.save_case(case)
    metrics.state_entered(State.WITHDRAWN)
    notify(repo, cfg, case, "withdrawal", now, note=note)
    step = {State.AWARDED: "claim", State.CLAIM_INCOMPLETE: "claim"}.get(previous, "completeness")
    _resume(repo, case, step, "WITHDRAWN")
    return "WITHDRAWN"


@on_stale_case()
def request_document(repo: Repository, cfg: Settings, case_id: str, now: datetime, *, actor: str,
                     document: str) -> None:
    """The Région may ask for any other document; the applicant is told and the timeline keeps it."""
    case = repo.get_case(case_id)
    case.note("request", at=now, actor=actor, message=f"Document demandé : {document}")
    repo.save_case(case)
    notify(repo, cfg, case, "document_request", now, requested_document=document,
           min_interval=timedelta(seconds=0))

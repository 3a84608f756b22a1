"""The one flow of a case: look at its state and settle whatever is due.

Every path ends here: a document read, a person's review, the sweeper, a claim e-mail released from
quarantine, a withdrawal, a payment confirmed, and the Step Functions tasks. `advance` loads the case, lets
the Case aggregate decide (domain.case), saves it, then performs the effects: e-mails, metrics, and the
resumption of the workflow's waiting task.

The workflow waits at three steps (infra/statemachine/application.asl.json): completeness, claim and
payment. Which one a case is at follows from its state; the step's task token is resumed once the step's
outcome is known.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from aws_lambda_powertools import Logger

from clea_intake.domain import completeness as checklist
from clea_intake.domain import eligibility
from clea_intake.domain.calendar import claim_deadline, completeness_deadline, local_day
from clea_intake.domain.case import Case
from clea_intake.domain.claim_checklist import check_claim, iban_of
from clea_intake.domain.errors import DuplicateAward
from clea_intake.domain.lifecycle import OPEN_FOR_CLAIM, OPEN_FOR_PIECES, State
from clea_intake.domain.pieces import Piece
from clea_intake.domain.policy import Policy, policy_for
from clea_intake.domain.reasons import Reason
from clea_intake.domain.records import PaymentOrder, ReviewItem
from clea_intake.domain.registers import REGISTER_KINDS, RegisterCheck, RegisterReading, check_evaluator
from clea_intake.services import metrics
from clea_intake.services.keys import entry_of, guard_key, scope_of
from clea_intake.services.notify import notify
from clea_intake.services.ports import Ports
from clea_intake.services.retry import on_stale_case

logger = Logger(service="clea-intake", child=True)
SYSTEM = "system"
# The timeline event that announces a claim e-mail and the attachments it brought (their SHA-256):
# the claim is assessed only once every one of them has been read.
CLAIM_EVENT = "claim"


class Ask(StrEnum):
    """What a Step Functions task asks of the case, beyond settling what is due."""

    ELIGIBILITY = "eligibility"        # DecideEligibility: ELIGIBLE | REFUSED
    AWARD = "award"                    # Award: AWARDED | REFUSED (duplicate aid)
    PAYMENT_ORDER = "payment_order"    # OrderPayment: PAYMENT_ORDERED | CLAIM_INCOMPLETE


class Step(StrEnum):
    """The workflow's waiting steps (waitForTaskToken), by the `step` the ASL gives await_step."""

    COMPLETENESS = "completeness"
    CLAIM = "claim"
    PAYMENT = "payment"


_STEP_OF = {
    State.RECEIVED: Step.COMPLETENESS, State.INCOMPLETE: Step.COMPLETENESS, State.COMPLETE: Step.COMPLETENESS,
    State.REFUSED: Step.COMPLETENESS,
    State.AWARDED: Step.CLAIM, State.CLAIM_INCOMPLETE: Step.CLAIM, State.CLOSED_UNPAID: Step.CLAIM,
    State.LAPSED: Step.CLAIM,
    State.PAYMENT_ORDERED: Step.PAYMENT, State.PAID: Step.PAYMENT,
}
# The states that settle a waiting step: its outcome is the state's name.
_SETTLES = {
    Step.COMPLETENESS: frozenset({State.COMPLETE, State.REFUSED, State.WITHDRAWN}),
    Step.CLAIM: frozenset({State.CLOSED_UNPAID, State.LAPSED, State.WITHDRAWN}),
    Step.PAYMENT: frozenset({State.PAID}),
}


def step_of(case: Case) -> Step:
    """The step at which the case's execution waits (or will wait next)."""
    if case.state == State.WITHDRAWN:
        return Step.CLAIM if case.decided_at is not None and not case.reasons else Step.COMPLETENESS
    return _STEP_OF[case.state]


def policy_of(case: Case) -> Policy:
    return policy_for(case.application.evaluation_start)


@on_stale_case()
def advance(ports: Ports, case_id: str, now: datetime, *, actor: str = SYSTEM, asked: Ask | None = None) -> str:
    """Settle whatever is due for the case as of `now`; returns the outcome (a state or a step's outcome).

    - pieces open (RECEIVED, INCOMPLETE): the applicant's checklist: COMPLETE, INCOMPLETE, or REFUSED too late;
    - claim awaited (AWARDED, CLAIM_INCOMPLETE): LAPSED after the deadline, else the claim checklist:
      CLAIM_VALID, CLAIM_INCOMPLETE, CLOSED_UNPAID (0 hours), HELD_FOR_REVIEW (new IBAN), CLAIM_PENDING;
    - a waiting step whose outcome is known (COMPLETE, REFUSED, CLOSED_UNPAID, LAPSED, WITHDRAWN, PAID): the
      workflow is resumed with it;
    - `asked` by a Step Functions task: eligibility, award or payment order on top.
    """
    case = ports.repository.find_case(case_id)
    if case is None:
        return "no_case"
    if asked == Ask.ELIGIBILITY:
        return _decide(ports, case, now, actor)
    if asked == Ask.AWARD:
        return _award(ports, case, now, actor)
    if asked == Ask.PAYMENT_ORDER:
        return _order_payment(ports, case, now, actor)
    if case.state == State.COMPLETE and _held_by_registers(ports, case):
        return "HELD_FOR_REVIEW"
    if case.state in _SETTLES[step_of(case)]:
        _resume(ports, case)
        return str(case.state)
    if case.state in OPEN_FOR_PIECES:
        return _assess_pieces(ports, case, now, actor)
    if case.state in OPEN_FOR_CLAIM:
        return _assess_claim(ports, case, now, actor)
    return str(case.state)  # PAYMENT_ORDERED: finance acts next


@on_stale_case()
def _keep_token(ports: Ports, case_id: str, step: str, token: str) -> None:
    case = ports.repository.get_case(case_id)
    case.tokens[step] = token
    ports.repository.save_case(case)


def await_step(ports: Ports, case_id: str, step: str, token: str, now: datetime) -> str:
    """Keep the task token of a waiting step, then settle it at once if its outcome is already known."""
    _keep_token(ports, case_id, Step(step), token)
    return advance(ports, case_id, now)


def _resume(ports: Ports, case: Case, outcome: str | None = None) -> None:
    token = case.tokens.get(step_of(case))
    if token:
        ports.workflow.resume(case.case_id, token, {"outcome": outcome or str(case.state)})


# -- the applicant's file --------------------------------------------------------------------
def _assess_pieces(ports: Ports, case: Case, now: datetime, actor: str) -> str:
    repo = ports.repository
    policy = policy_of(case)
    result = checklist.evaluate(case.application, repo.pieces(case.case_id), policy)
    if result.complete:
        case.complete(at=now, actor=actor)
        reading = read_registers(ports, case, result, policy)
        case.check_registers(reading, at=now, actor=actor)
        repo.save_case(case)
        metrics.state_entered(State.COMPLETE)
        if _open_register_reviews(ports, case, reading, now):
            return "COMPLETE"   # the eligibility decision waits for a person (services.review resumes it)
        _resume(ports, case)
        return "COMPLETE"
    if now >= completeness_deadline(case.application.evaluation_start, policy):
        case.refuse_late(at=now, actor=actor)
        repo.save_case(case)
        metrics.refused([Reason.LATE_COMPLETION.value])
        _resume(ports, case)
        return "REFUSED"
    missing = [m.model_dump() for m in result.missing]
    first = case.state == State.RECEIVED
    if case.mark_incomplete(missing, at=now, actor=actor):
        repo.save_case(case)
        if first:
            metrics.state_entered(State.INCOMPLETE)
    if missing and not result.in_review:
        interval = timedelta(hours=policy.deadlines.incomplete_notice_min_interval_hours)
        notify(ports, case, "incomplete", now, min_interval=interval)
    return "INCOMPLETE"


# -- the public registers ---------------------------------------------------------------------
def read_registers(ports: Ports, case: Case, result: checklist.Completeness, policy: Policy) -> RegisterReading:
    """What the current copies of the public registers say of the case's evaluator (its quote's NDA, its
    SIRET, its Qualiopi certificate as read on the day the case is complete)."""
    repo = ports.repository
    evaluator = case.application.evaluator
    dates = {kind: repo.register_date(kind) for kind in REGISTER_KINDS}
    of_day, sirene_day = dates["organismes-formation"], dates["sirene"]
    quote = result.chosen.get("QUOTE")
    nda = "".join(str((quote.fields.get("nda") if quote else None) or evaluator.nda).split())
    checks = check_evaluator(
        nda=nda, siret=evaluator.siret,
        organisation=repo.training_organisation(nda, of_day) if of_day else None, organisations_date=of_day,
        own=repo.training_organisation_of_siret(evaluator.siret, of_day) if of_day else None,
        establishment=repo.establishment(evaluator.siret, sirene_day) if sirene_day else None,
        establishments_date=sirene_day,
        certificate_valid=eligibility.qualiopi_valid(result, local_day(case.completed_at or case.updated_at, policy)),
        region_code=policy.registers.region_code)
    return RegisterReading(dates=dates, checks=checks)


def register_review_id(case_id: str, code: str) -> str:
    return f"REGISTER-{case_id}-{code}"


def _open_register_reviews(ports: Ports, case: Case, reading: RegisterReading, now: datetime) -> bool:
    """One review item per register finding; True when the case waits for a person."""
    evaluator = case.application.evaluator
    for check in reading.checks:
        review = ReviewItem(
            review_id=register_review_id(case.case_id, check.code), case_id=case.case_id, kind="evaluator",
            code=check.code, subject_ref=evaluator.siret, opened_at=now,
            message=(f"{check.message} (copie du registre du {check.register_date:%d/%m/%Y}). Vérifier auprès de "
                     "l'organisme ou du certificateur : confirmer le constat le fait refuser, l'écarter (registre "
                     "en retard) laisse la décision suivre son cours."),
            detail={"register": check.source, "register_date": check.register_date.isoformat(),
                    "siret": evaluator.siret, "nda": evaluator.nda})
        if ports.repository.open_review(review):
            metrics.count("ReviewOpened")
    return bool(reading.checks)


def _register_resolutions(ports: Ports, case: Case) -> dict[str, str | None]:
    """Each register finding of the case -> what a person decided (confirmed | dismissed), None while open."""
    found: dict[str, str | None] = {}
    for check in case.register_checks:
        item = ports.repository.find_review(register_review_id(case.case_id, check["code"]))
        closed = item is not None and item.status == "CLOSED" and item.resolution in ("confirmed", "dismissed")
        found[check["code"]] = item.resolution if closed else None
    return found


def _held_by_registers(ports: Ports, case: Case) -> bool:
    """A complete case waits while a register finding of its evaluator is in the review queue."""
    if not case.register_checks:
        return False
    return any(resolution is None for resolution in _register_resolutions(ports, case).values())


def _registers_of(ports: Ports, case: Case) -> RegisterReading | None:
    if case.register_dates is None:
        return None   # complete before the registers were read: the decision says nothing of them
    reading = RegisterReading(dates=case.register_dates,
                              checks=[RegisterCheck.model_validate(c) for c in case.register_checks])
    return reading.resolved(_register_resolutions(ports, case))


def _decide(ports: Ports, case: Case, now: datetime, actor: str) -> str:
    """Apply the eligibility rules to a complete case; REFUSED with every failed rule, or ELIGIBLE."""
    if case.state != State.COMPLETE:
        return str(case.state)
    repo = ports.repository
    policy = policy_of(case)
    result = checklist.evaluate(case.application, repo.pieces(case.case_id), policy)
    entry = entry_of(ports, case.case_id, case.application, repo.pieces(case.case_id))
    holder = repo.awarded_to(guard_key(ports, case.application), scope_of(case.application), entry)
    verdict = eligibility.decide(case.application, result, completed_at=case.completed_at or now,
                                 aid_already_awarded=holder is not None, policy=policy,
                                 registers=_registers_of(ports, case))
    eligible = case.judge(verdict, at=now, actor=actor)
    repo.save_case(case)
    if eligible:
        return "ELIGIBLE"
    metrics.refused(verdict.reasons)
    return "REFUSED"


def _award(ports: Ports, case: Case, now: datetime, actor: str) -> str:
    """Record the award and its uniqueness guard in one transaction; a duplicate is refused."""
    if case.state != State.COMPLETE:
        return str(case.state)
    repo = ports.repository
    case.award(at=now, actor=actor, claim_deadline=claim_deadline(case.application.evaluation_end, policy_of(case)))
    entry = entry_of(ports, case.case_id, case.application, repo.pieces(case.case_id))
    try:
        repo.record_award(case, guard_key(ports, case.application), scope_of(case.application), entry)
    except DuplicateAward:
        case = repo.get_case(case.case_id)
        if case.state != State.COMPLETE:
            return str(case.state)
        case.refuse_duplicate(at=now, actor=actor)
        repo.save_case(case)
        metrics.refused([Reason.DUPLICATE_AID.value])
        return "REFUSED"
    metrics.state_entered(State.AWARDED)
    metrics.amount("AwardedAmount", case.awarded_eur or Decimal(0))
    return "AWARDED"


# -- the evaluator's claim -------------------------------------------------------------------
def _unread_attachments(ports: Ports, case_id: str) -> int:
    """Attachments of accepted claim e-mails not read yet: the claim is judged as a whole, not piece by piece."""
    repo = ports.repository
    announced = {digest for e in repo.timeline(case_id) if e.kind == CLAIM_EVENT
                 for digest in e.detail.get("attachments", [])}
    return len(announced - {d.sha256 for d in repo.documents(case_id)})


_IBAN_REVIEW = {
    "IBAN_FIRST_USE": ("Aucun IBAN n'est encore reconnu pour cet organisme (pas de fiche fournisseur de la Région, "
                       "aucune confirmation) : vérifier l'IBAN du RIB auprès de l'organisme par un autre canal "
                       "avant tout versement."),
    "IBAN_CHANGED": ("L'IBAN du RIB diffère de celui reconnu pour les versements à cet organisme : vérifier "
                     "auprès de l'organisme par un autre canal avant tout versement."),
}


def _held_for_iban_change(ports: Ports, case: Case, bank: Piece, now: datetime, actor: str) -> bool:
    """A RIB whose IBAN nobody trusts waits for a person (payment diversion, DESIGN §3). Trusted: the IBAN of
    the Région's supplier record for the SIRET, one a person confirmed for the evaluator, or the one a person
    approved for this very case. Whoever sends a claim, no IBAN becomes trusted by being claimed."""
    repo = ports.repository
    iban = iban_of(bank)
    record = repo.find_evaluator(case.application.evaluator.siret)
    if (record is not None and record.trusts_iban(iban)) or case.approved_iban == iban:
        return False
    code = "IBAN_CHANGED" if record is not None and record.iban else "IBAN_FIRST_USE"
    review = ReviewItem(
        review_id=f"IBAN-{case.case_id}-{iban[-6:]}", case_id=case.case_id, kind="bank_details", code=code,
        subject_ref=bank.doc_id, opened_at=now, message=_IBAN_REVIEW[code],
    )
    if repo.open_review(review):
        metrics.count("ReviewOpened")
        case.hold_for_iban_change(code, at=now, actor=actor)
        repo.save_case(case)
    return True


def _lapse(ports: Ports, case: Case, now: datetime, actor: str) -> str:
    case.lapse(at=now, actor=actor)
    ports.repository.save_case(case)
    metrics.state_entered(State.LAPSED)
    notify(ports, case, "lapsed", now)
    _resume(ports, case)
    return "LAPSED"


def _assess_claim(ports: Ports, case: Case, now: datetime, actor: str) -> str:
    repo = ports.repository
    if case.claim_overdue(now):
        # Too late, even if the hourly sweeper has not passed yet.
        return _lapse(ports, case, now, actor)
    pieces = repo.pieces(case.case_id)
    if not any(p.source == "claim" for p in pieces):
        return str(case.state)
    if _unread_attachments(ports, case.case_id):
        return "CLAIM_PENDING"
    check = check_claim(case.application, pieces)
    notify(ports, case, "claim_received", now)

    if check.nothing_to_pay:
        case.close_unpaid(at=now, actor=actor)
        repo.save_case(case)
        metrics.state_entered(State.CLOSED_UNPAID)
        notify(ports, case, "closed_unpaid", now, hours=0.0)
        _resume(ports, case)
        return "CLOSED_UNPAID"

    if check.problems:
        first = case.state == State.AWARDED
        if case.request_claim_pieces(check.problems, at=now, actor=actor):
            repo.save_case(case)
            if first:
                metrics.state_entered(State.CLAIM_INCOMPLETE)
        if not any(p.status == "review" and p.source == "claim" for p in pieces):
            interval = timedelta(hours=policy_of(case).deadlines.incomplete_notice_min_interval_hours)
            notify(ports, case, "claim_incomplete", now, claim=True, min_interval=interval)
        return "CLAIM_INCOMPLETE"

    if _held_for_iban_change(ports, case, check.chosen["BANK_DETAILS"], now, actor):
        return "HELD_FOR_REVIEW"
    case.accept_claim(at=now, actor=actor, hours=check.hours)
    repo.save_case(case)
    _resume(ports, case, "CLAIM_VALID")
    return "CLAIM_VALID"


def _order_payment(ports: Ports, case: Case, now: datetime, actor: str) -> str:
    """Create the payment order exactly once and move the case to PAYMENT_ORDERED."""
    if case.state not in OPEN_FOR_CLAIM:
        return str(case.state)
    repo = ports.repository
    check = check_claim(case.application, repo.pieces(case.case_id))
    if check.problems or "BANK_DETAILS" not in check.chosen:
        return "CLAIM_INCOMPLETE"
    bank = check.chosen["BANK_DETAILS"]
    # The claim was judged valid a moment ago, but a newer RIB may have arrived since: check it again.
    if _held_for_iban_change(ports, case, bank, now, actor):
        return "CLAIM_INCOMPLETE"
    evaluator = case.application.evaluator
    order = PaymentOrder(
        order_id=f"PAY-{case.case_id}", case_id=case.case_id, amount_eur=case.awarded_eur,
        creditor_name=evaluator.name, creditor_siret=evaluator.siret,
        iban=iban_of(bank), bic=str(bank.fields.get("bic") or ""), created_at=now,
    )
    case.order_payment(order, at=now, actor=actor)
    if not repo.order_payment(case, order):
        return str(repo.get_case(case.case_id).state)
    metrics.state_entered(State.PAYMENT_ORDERED)
    metrics.amount("PaymentOrderedAmount", order.amount_eur)
    notify(ports, case, "payment_ordered", now, hours=check.hours)
    logger.info("payment ordered", case_id=case.case_id, order_id=order.order_id)
    return "PAYMENT_ORDERED"

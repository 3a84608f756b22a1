"""The case aggregate: one application's state, the facts decided so far, and its audit trail.

Every lifecycle decision is a method here: it checks the transition table (domain.lifecycle), takes the
moment it happens and records it as a timeline event. Services load a case, call one of these, save it,
then perform the effects (mail, workflow, metrics).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from clea_intake.domain.application import Application, RetainedApplication
from clea_intake.domain.eligibility import Eligibility
from clea_intake.domain.errors import InvalidTransition
from clea_intake.domain.lifecycle import FINAL_STATES, OPEN_FOR_CLAIM, State, check_transition
from clea_intake.domain.reasons import Reason
from clea_intake.domain.records import CaseSummary, PaymentOrder
from clea_intake.domain.registers import RegisterReading


class TimelineEvent(BaseModel):
    """One line of the audit trail: who or what, when, from which state to which, why."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    at: datetime
    actor: str                      # "system:<function>", "ops:<user>", "applicant", "evaluator"
    kind: str                       # transition, document, review, email, note, request, claim, payment
    from_state: State | None = None
    to_state: State | None = None
    reason: str | None = None       # codes, comma-separated
    message: str | None = None      # French, for people
    detail: dict[str, Any] = Field(default_factory=dict)


class Case(BaseModel):
    """A case, read from the repository at a version; methods change it and record what happened."""

    model_config = ConfigDict(defer_build=True, validate_assignment=True)

    case_id: str
    # A RetainedApplication (no applicant block) once the case's personal data expired.
    application: Application | RetainedApplication
    state: State = State.RECEIVED
    version: int = 0
    received_at: datetime
    updated_at: datetime
    completed_at: datetime | None = None
    decided_at: datetime | None = None
    reasons: list[str] = Field(default_factory=list)
    rule_results: list[dict[str, Any]] = Field(default_factory=list)
    missing: list[dict[str, Any]] = Field(default_factory=list)
    policy_version: str | None = None
    beneficiary_key: str
    awarded_eur: Decimal | None = None
    paid_eur: Decimal | None = None
    claim_problems: list[dict[str, Any]] = Field(default_factory=list)
    tokens: dict[str, str] = Field(default_factory=dict)     # waiting step -> Step Functions task token
    approved_iban: str | None = None                          # a changed IBAN a person checked and approved
    last_incomplete_notice_at: datetime | None = None
    deadline_at: datetime | None = None                       # when the sweeper acts on the waiting case
    final_at: datetime | None = None                          # when the case entered its final state
    personal_data_expired_at: datetime | None = None          # when its personal data was let go (retention)
    # The public registers read when the case was complete: each copy's date (None: none imported) and findings.
    register_dates: dict[str, date | None] | None = None
    register_checks: list[dict[str, Any]] = Field(default_factory=list)
    new_events: list[TimelineEvent] = Field(default_factory=list, exclude=True)

    def record(self, event: TimelineEvent) -> None:
        self.new_events.append(event)

    def transition(self, target: State, *, at: datetime, actor: str, reason: str | None = None,
                   message: str | None = None, **detail: Any) -> None:
        """Move to `target` if the lifecycle table allows it, and record the change."""
        check_transition(self.state, target)
        self.record(TimelineEvent(at=at, actor=actor, kind="transition", from_state=self.state,
                                  to_state=target, reason=reason, message=message, detail=detail))
        self.state = target
        self.updated_at = at
        if target in FINAL_STATES:
            self.final_at = at

    def note(self, kind: str, *, at: datetime, actor: str, message: str | None = None,
             reason: str | None = None, **detail: Any) -> None:
        self.record(TimelineEvent(at=at, actor=actor, kind=kind, reason=reason, message=message, detail=detail))
        self.updated_at = at

    # -- decisions ---------------------------------------------------------------------------
    def complete(self, *, at: datetime, actor: str) -> None:
        """Every piece of the applicant's checklist is valid."""
        self.completed_at = at
        self.missing = []
        self.transition(State.COMPLETE, at=at, actor=actor, message="Toutes les pièces sont valides.")

    def mark_incomplete(self, missing: list[dict[str, Any]], *, at: datetime, actor: str) -> bool:
        """Pieces are missing or invalid: INCOMPLETE the first time, a checklist note when the list changes.

        True when something was recorded (the case must be saved)."""
        if self.state not in (State.RECEIVED, State.INCOMPLETE):
            raise InvalidTransition(f"{self.state} does not take pieces")
        changed = missing != self.missing
        self.missing = missing
        codes = ",".join(m["code"] for m in missing)
        if self.state == State.RECEIVED:
            self.transition(State.INCOMPLETE, at=at, actor=actor, reason=codes,
                            message="Des pièces manquent ou ne sont pas valides.")
            return True
        if changed:
            self.note("checklist", at=at, actor=actor, reason=codes, message="Liste des pièces manquantes mise à jour.")
        return changed

    def refuse(self, codes: list[str], *, at: datetime, actor: str, message: str, **detail: Any) -> None:
        """Refuse the aid for every code given (the letter lists them all)."""
        if not codes:
            raise ValueError("a refusal needs at least one reason")
        self.reasons = list(codes)
        self.decided_at = at
        self.transition(State.REFUSED, at=at, actor=actor, reason=",".join(codes), message=message,
                        **{**self._register_detail(), **detail})

    def refuse_late(self, *, at: datetime, actor: str) -> None:
        self.refuse([Reason.LATE_COMPLETION.value], at=at, actor=actor,
                    message="Dossier incomplet 3 semaines avant le début de l'évaluation.")

    def check_registers(self, reading: RegisterReading, *, at: datetime, actor: str) -> None:
        """What the public registers say of the evaluator once the file is complete. A finding holds the case
        for a person (a register can be behind), it never refuses on its own."""
        if self.state != State.COMPLETE:
            raise InvalidTransition(f"{self.state} is not complete: no registers to read")
        self.register_dates = dict(reading.dates)
        self.register_checks = [c.model_dump(mode="json") for c in reading.checks]
        if reading.checks:
            message = "Registres publics à vérifier par un agent : " + " ".join(c.message for c in reading.checks)
        else:
            message = reading.unavailable_sentence() or "Registres publics consultés : rien à signaler."
        self.note("registers", at=at, actor=actor, reason=",".join(c.code for c in reading.checks) or None,
                  message=message, **self._register_detail())

    def _register_detail(self) -> dict[str, Any]:
        """The registers' dates (and findings) a decision used, for its timeline event."""
        if self.register_dates is None:
            return {}
        return {"register_dates": {k: v.isoformat() if v else None for k, v in self.register_dates.items()},
                "register_checks": [{"code": c["code"], "register_date": c["register_date"],
                                     "resolution": c.get("resolution")} for c in self.register_checks]}

    def judge(self, verdict: Eligibility, *, at: datetime, actor: str) -> bool:
        """Record the eligibility rules' verdict on a complete case: eligible (amount kept) or refused."""
        if self.state != State.COMPLETE:
            raise InvalidTransition(f"{self.state} is not complete: no eligibility to decide")
        self.rule_results = [r.model_dump(mode="json") for r in verdict.results]
        self.policy_version = verdict.policy_version
        if verdict.register_dates:
            self.register_dates = dict(verdict.register_dates)
            self.register_checks = [c.model_dump(mode="json") for c in verdict.register_checks]
        unread = RegisterReading(dates=self.register_dates).unavailable_sentence() if self.register_dates else None
        said = f" {unread}" if unread else ""
        if verdict.eligible:
            self.awarded_eur = verdict.amount_eur
            self.note("eligibility", at=at, actor=actor,
                      message="Toutes les règles d'éligibilité sont remplies." + said,
                      policy_version=verdict.policy_version, **self._register_detail())
            return True
        self.refuse([str(r) for r in verdict.reasons], at=at, actor=actor,
                    message="Demande refusée : " + " ".join(r.message for r in verdict.results if not r.passed) + said,
                    policy_version=verdict.policy_version)
        return False

    def award(self, *, at: datetime, actor: str, claim_deadline: datetime) -> None:
        """Award the aid found eligible; the evaluator's claim is awaited until `claim_deadline`."""
        if self.awarded_eur is None:
            raise InvalidTransition("no eligible amount to award")
        self.decided_at = at
        self.deadline_at = claim_deadline
        self.transition(State.AWARDED, at=at, actor=actor, message="Aide accordée.",
                        amount_eur=str(self.awarded_eur), policy_version=self.policy_version,
                        **self._register_detail())

    def refuse_duplicate(self, *, at: datetime, actor: str) -> None:
        """Another case of the same person, year, certification and evaluation holds the aid."""
        self.awarded_eur = None
        self.refuse([Reason.DUPLICATE_AID.value], at=at, actor=actor,
                    message="Une aide a déjà été accordée pour la même personne, année, certification et évaluation.")

    def request_claim_pieces(self, problems: list[dict[str, Any]], *, at: datetime, actor: str) -> bool:
        """The claim is incomplete: CLAIM_INCOMPLETE the first time, a note when its problems change."""
        if self.state not in OPEN_FOR_CLAIM:
            raise InvalidTransition(f"{self.state} does not wait for a claim")
        changed = problems != self.claim_problems
        self.claim_problems = problems
        codes = ",".join(p["code"] for p in problems)
        if self.state == State.AWARDED:
            self.transition(State.CLAIM_INCOMPLETE, at=at, actor=actor, reason=codes,
                            message="Demande de versement incomplète.")
            return True
        if changed:
            self.note("claim_checklist", at=at, actor=actor, reason=codes)
        return changed

    def accept_claim(self, *, at: datetime, actor: str, hours: float | None) -> None:
        """The claim is complete: the payment can be ordered."""
        if self.state not in OPEN_FOR_CLAIM:
            raise InvalidTransition(f"{self.state} does not wait for a claim")
        self.claim_problems = []
        self.note("claim_valid", at=at, actor=actor, message="Demande de versement complète.", hours=hours)

    def hold_for_iban_change(self, code: str = "IBAN_CHANGED", *, at: datetime, actor: str) -> None:
        """The claim's RIB names an IBAN nobody trusts yet (`IBAN_FIRST_USE`: the evaluator has none;
        `IBAN_CHANGED`: another than its trusted one): no payment before a person verifies it."""
        self.claim_problems = []
        self.note("review", at=at, actor=actor, reason=code,
                  message="Coordonnées bancaires à vérifier : versement suspendu jusqu'à vérification.")

    def approve_iban(self, iban: str, *, at: datetime, actor: str) -> None:
        """A person checked the IBAN with the evaluator by another channel."""
        self.approved_iban = iban
        self.note("review", at=at, actor=actor, reason="IBAN_APPROVED",
                  message="Coordonnées bancaires vérifiées auprès de l'organisme.")

    def close_unpaid(self, *, at: datetime, actor: str) -> None:
        """The evaluation was not carried out (0 hours): nothing is paid."""
        self.claim_problems = []
        self.transition(State.CLOSED_UNPAID, at=at, actor=actor, reason="ZERO_HOURS",
                        message="L'évaluation n'a pas été réalisée (0 heure) : l'aide n'est pas versée.")

    def order_payment(self, order: PaymentOrder, *, at: datetime, actor: str) -> None:
        self.transition(State.PAYMENT_ORDERED, at=at, actor=actor, message="Ordre de paiement créé.",
                        amount_eur=str(order.amount_eur), order_id=order.order_id)

    def mark_paid(self, order: PaymentOrder, *, at: datetime, actor: str) -> None:
        """Finance confirmed the transfer of the order."""
        self.paid_eur = order.amount_eur
        self.deadline_at = None
        self.transition(State.PAID, at=at, actor=actor, message="Versement confirmé par le service financier.",
                        order_id=order.order_id)

    def claim_overdue(self, now: datetime) -> bool:
        return self.state in OPEN_FOR_CLAIM and self.deadline_at is not None and now >= self.deadline_at

    def lapse(self, *, at: datetime, actor: str) -> None:
        """No valid claim before the claim deadline: the award lapses."""
        if not self.claim_overdue(at):
            raise InvalidTransition(f"{self.case_id}: the claim deadline has not passed")
        self.deadline_at = None
        self.transition(State.LAPSED, at=at, actor=actor, reason="CLAIM_DEADLINE",
                        message="Aucune demande de versement valide avant la date limite.")

    def withdraw(self, *, at: datetime, actor: str, note: str | None = None) -> None:
        self.transition(State.WITHDRAWN, at=at, actor=actor, message=note or "Demande retirée.")

    @property
    def ended_at(self) -> datetime | None:
        """When the case entered its final state (cases saved before `final_at` existed: their last change)."""
        if self.state not in FINAL_STATES:
            return None
        return self.final_at or self.updated_at

    def expire_personal_data(self, *, at: datetime) -> None:
        """Keep the decision, its codes, amounts and dates; drop the applicant block and what only served to
        pay (README, "Personal data expires"). Recorded as a timeline event with no data."""
        if self.state not in FINAL_STATES:
            raise InvalidTransition(f"{self.state} is not final: its personal data is still needed")
        if self.personal_data_expired_at is not None:
            return
        self.application = RetainedApplication.of(self.application)
        self.approved_iban = None
        self.tokens = {}
        self.personal_data_expired_at = at
        self.note("retention", at=at, actor="system:sweeper", reason="PERSONAL_DATA_EXPIRED",
                  message="Données personnelles supprimées à l'issue de la durée de conservation.")

    @property
    def was_awarded(self) -> bool:
        """The aid was awarded at some point, whatever happened next."""
        return self.decided_at is not None and not self.reasons and self.state not in (
            State.RECEIVED, State.INCOMPLETE, State.COMPLETE, State.REFUSED)

    def summary(self, *, paid_at: datetime | None = None) -> CaseSummary:
        app = self.application
        return CaseSummary(
            case_id=self.case_id, state=self.state, received_at=self.received_at, decided_at=self.decided_at,
            completed_at=self.completed_at, awarded_eur=(self.awarded_eur or 0) if self.was_awarded else 0,
            paid_eur=self.paid_eur or 0, paid_at=paid_at, reasons=self.reasons, certification=app.certification,
            evaluation=app.evaluation, updated_at=self.updated_at, deadline_at=self.deadline_at)

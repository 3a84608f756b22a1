"""Eligibility rules, decided once a file is complete: each gives a stable code and a French sentence."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from clea_intake.domain.application import Application
from clea_intake.domain.calendar import completeness_deadline, local_day
from clea_intake.domain.completeness import Completeness
from clea_intake.domain.names import normalise
from clea_intake.domain.pieces import Piece
from clea_intake.domain.policy import DetentionFacility, Policy
from clea_intake.domain.reasons import Reason, refusal_message
from clea_intake.domain.registers import RegisterCheck, RegisterReading

_PASSED = {
    Reason.LATE_COMPLETION: "Dossier complet au moins 3 semaines avant le début de l'évaluation.",
    Reason.NOT_RESIDENT: "Résidence principale en Nouvelle-Aquitaine.",
    Reason.INELIGIBLE_SITUATION: "Situation éligible (sans emploi, accompagnement SIAE ou détention en région).",
    Reason.FUNDED_ELSEWHERE: "Pas de financement par Transition Pro ou une branche professionnelle.",
    Reason.EVALUATOR_NOT_IN_REGION: "Organisme évaluateur établi en Nouvelle-Aquitaine.",
    Reason.EVALUATOR_NOT_QUALIOPI: "Certificat Qualiopi valide à la date du dossier complet.",
    Reason.EVALUATOR_NOT_HABILITATED: "Habilitation CléA couvrant toute la période de l'évaluation.",
    Reason.DUPLICATE_AID: "Aucune aide déjà accordée pour la même personne, année, certification et évaluation.",
}


class RuleResult(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    code: Reason
    passed: bool
    message: str


class Eligibility(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    results: list[RuleResult]
    policy_version: str
    amount_eur: Decimal
    # The public registers' copies the decision used (None: none imported) and what they said.
    register_dates: dict[str, date | None] = {}
    register_checks: list[RegisterCheck] = []

    @property
    def eligible(self) -> bool:
        return all(r.passed for r in self.results)

    @property
    def reasons(self) -> list[str]:
        return [str(r.code) for r in self.results if not r.passed]


def _rule(code: Reason, passed: bool) -> RuleResult:
    return RuleResult(code=code, passed=passed, message=_PASSED[code] if passed else refusal_message(code))


# What an establishment is, before where it is: "Maison d'arrêt de Limoges" is the one at Limoges.
_FACILITY_KIND = re.compile(
    r"^(?:CENTRE PENITENTIAIRE|CENTRE DE DETENTION|MAISON CENTRALE|MAISON D ARRET|CENTRE DE SEMI LIBERTE|"
    r"ETABLISSEMENT PENITENTIAIRE POUR MINEURS|CP|CD|MA|MC)(?: DE LA| DE L| DU| DES| DE| D)? "
)


# "St-Martin-de-Ré", "Ste-…": the short forms of saint names.
_SAINTS = {"ST": "SAINT", "STE": "SAINTE"}


def _place_words(text: str | None) -> str:
    return " ".join(_SAINTS.get(word, word) for word in normalise(text).split())


def _facility_places(facility: DetentionFacility) -> list[str]:
    """The ways a listed establishment is named: the place in its name ("BORDEAUX GRADIGNAN"), and its
    aliases ("GRADIGNAN", "BORDEAUX")."""
    return [_FACILITY_KIND.sub("", _place_words(facility.name)), *(_place_words(a) for a in facility.aliases)]


def facility_in_region(name: str | None, policy: Policy) -> bool:
    """Whether the establishment named is one of the policy's list. The place decides, whatever the way the
    kind is written ("CD de Mauzac", "Centre de détention de Mauzac"); a kind alone ("Maison d'arrêt")
    names no establishment."""
    wanted = f" {_place_words(name)} "
    return any(f" {place} " in wanted for facility in policy.region.detention_facilities
               for place in _facility_places(facility))


def award_amount(app: Application, completeness: Completeness, policy: Policy) -> Decimal:
    """min(fixed aid, quoted price of the evaluation hours excluding fees): the aid covers hours only."""
    fixed = policy.aid_for(app.certification, app.evaluation)
    quote = completeness.chosen.get("QUOTE")
    quoted = quote.number_field("amount_eur") if quote is not None else None
    price = Decimal(str(quoted)) if quoted is not None else app.quote.amount_eur
    return min(fixed, price).quantize(Decimal("0.01"))


def qualiopi_valid(completeness: Completeness, completed_day: date) -> bool:
    """The Qualiopi certificate piece is valid on the day the case is complete."""
    qualiopi = completeness.chosen.get("QUALIOPI")
    if qualiopi is None:
        return False
    start, end = qualiopi.date_field("valid_from"), qualiopi.date_field("valid_until")
    return end is not None and end >= completed_day and (start is None or start <= completed_day)


def decide(
    app: Application,
    completeness: Completeness,
    *,
    completed_at: datetime,
    aid_already_awarded: bool,
    policy: Policy,
    registers: RegisterReading | None = None,
) -> Eligibility:
    """Apply every eligibility rule; all are evaluated so that the refusal lists every reason.

    `registers` is what the public registers said of the evaluator once a person resolved each finding: a
    finding set aside (the register is behind) changes nothing, one a person confirmed fails the scheme's
    rule it is about (domain.registers.REGISTER_RULES)."""
    upheld = registers.upheld() if registers is not None else set()
    chosen: dict[str, Piece] = completeness.chosen
    applicant = app.applicant
    results: list[RuleResult] = []

    results.append(_rule(Reason.LATE_COMPLETION, completed_at < completeness_deadline(app.evaluation_start, policy)))

    if applicant.situation == "detainee":
        disp = chosen.get("DISP_LIAISON")
        # The DISP liaison stands in for the proof of address: the establishment it names decides, as the proof's
        # town does for anyone else; the form's own facility only when the piece names none.
        facility = (disp.fields.get("facility") if disp else None) or applicant.detention_facility
        situation_ok = facility_in_region(facility, policy)
        resident = True  # a detainee's residence is the establishment, judged by the situation rule
    else:
        situation_ok = applicant.situation in ("unemployed", "siae")
        proof = chosen.get("PROOF_OF_ADDRESS")
        postal_code = (proof.fields.get("postal_code") if proof else None) or applicant.address.postal_code
        resident = policy.in_region(str(postal_code))
    results.append(_rule(Reason.NOT_RESIDENT, resident))
    results.append(_rule(Reason.INELIGIBLE_SITUATION, situation_ok))
    results.append(_rule(Reason.FUNDED_ELSEWHERE, not applicant.funded_by_transition_pro_or_branch))
    results.append(_rule(Reason.EVALUATOR_NOT_IN_REGION, policy.in_region(app.evaluator.postal_code)
                         and Reason.EVALUATOR_NOT_IN_REGION not in upheld))

    qualiopi_ok = qualiopi_valid(completeness, local_day(completed_at, policy))
    results.append(_rule(Reason.EVALUATOR_NOT_QUALIOPI, qualiopi_ok and Reason.EVALUATOR_NOT_QUALIOPI not in upheld))

    habilitation = chosen.get("HABILITATION")
    habilitated = False
    if habilitation is not None:
        start, end = habilitation.date_field("valid_from"), habilitation.date_field("valid_until")
        covered = habilitation.fields.get("certifications")
        habilitated = (
            start is not None and end is not None
            and start <= app.evaluation_start and end >= app.evaluation_end
            and (not covered or app.certification in covered)
        )
    results.append(_rule(Reason.EVALUATOR_NOT_HABILITATED, habilitated))
    results.append(_rule(Reason.DUPLICATE_AID, not aid_already_awarded))
    return Eligibility(results=results, policy_version=policy.version,
                       amount_eur=award_amount(app, completeness, policy),
                       register_dates=dict(registers.dates) if registers is not None else {},
                       register_checks=list(registers.checks) if registers is not None else [])

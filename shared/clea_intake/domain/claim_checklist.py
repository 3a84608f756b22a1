"""The evaluator's claim checklist: each piece present, valid and consistent with the award.

The twin of the applicant's checklist (domain.completeness), for the three pieces of a payment claim.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, ConfigDict

from clea_intake.domain.application import Application
from clea_intake.domain.calendar import is_recent
from clea_intake.domain.findings import DocType
from clea_intake.domain.names import holder_matches, organisation_matches
from clea_intake.domain.pieces import Piece
from clea_intake.domain.policy import policy_for

CLAIM_LABELS = {
    "EXECUTION_REPORT": "Compte rendu d'exécution (CRE)",
    "HOURS_ATTESTATION": "Attestation des heures réalisées",
    "BANK_DETAILS": "Relevé d'identité bancaire (RIB) de moins de 3 mois",
}
_TYPES = {"EXECUTION_REPORT": DocType.EXECUTION_REPORT, "HOURS_ATTESTATION": DocType.HOURS_ATTESTATION,
          "BANK_DETAILS": DocType.BANK_DETAILS}


class ClaimCheck(BaseModel):
    """What the checklist found: the problems (as the case keeps them) and the piece chosen for each code."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    problems: list[dict]
    chosen: dict[str, Piece]

    @property
    def hours(self) -> float | None:
        """The hours the valid attestation declares; None without a valid attestation."""
        piece = self.chosen.get("HOURS_ATTESTATION")
        return (piece.number_field("hours") or 0.0) if piece else None

    @property
    def nothing_to_pay(self) -> bool:
        """A valid report and an attestation of 0 hours: no RIB is needed to pay nothing."""
        return self.hours is not None and self.hours <= 0 and "EXECUTION_REPORT" in self.chosen

    @property
    def valid(self) -> bool:
        return not self.problems


def _problem(piece: str, message: str, code: str) -> dict:
    return {"code": code, "piece": piece, "label": CLAIM_LABELS[piece], "message": message}


def iban_of(bank: Piece) -> str:
    return str(bank.fields["iban"]).replace(" ", "").upper()


def check_claim(app: Application, pieces: list[Piece]) -> ClaimCheck:
    """The claim checklist on the pieces received by e-mail (the newest valid piece of each kind counts)."""
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
    return ClaimCheck(problems=problems, chosen=chosen)

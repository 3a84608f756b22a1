"""The public registers' checks in a case's lifecycle, on the local stack: the DGEFP list and the Sirene stock
dropped under registers/ as the Région's staff do, cases played through the real ASL, review items decided by
an agent as in the console."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from clea_intake.domain.registers import REGISTER_SENTENCES
from clea_intake.runtime import aws_ports
from clea_intake.services.review import resolve
from tests.e2e.conftest import Applicant, at
from tests.register_files import OF_HEADER, SIRENE_HEADER, of_row, register_csv, sirene_row

pytestmark = pytest.mark.e2e

START = date(2026, 5, 4)
SUBMITTED = START - timedelta(days=42)
REGISTER_DAY = date(2026, 3, 2)
# Each applicant's evaluator, and what the registers say of it.
SCENARIOS = {
    9101: "clean", 9102: "not_qualiopi", 9103: "other_siren", 9104: "closed", 9105: "outside_region",
    9106: "not_qualiopi",
}


@pytest.fixture(scope="module")
def applicants(stack) -> dict[str, Applicant]:
    """The applicants of this module, and the registers naming their evaluators, dropped before they apply."""
    made = {kind + ("_refused" if number == 9106 else ""): Applicant(stack, number, start=START)
            for number, kind in SCENARIOS.items()}
    organisations, establishments = [], []
    for name, applicant in made.items():
        evaluator = applicant.app["evaluator"]
        siret, nda, postal = evaluator["siret"], evaluator["nda"], evaluator["postal_code"]
        if name == "other_siren":
            # The quote's NDA is declared by another company; the evaluator's own declaration has another NDA.
            organisations.append(of_row(nda, "552100554", siret="55210055400013"))
            organisations.append(of_row("75339999933", siret[:9], siret=siret, postal=postal))
        else:
            organisations.append(of_row(nda, siret[:9], siret=siret, postal=postal,
                                        qualiopi=not name.startswith("not_qualiopi"),
                                        region="52" if name == "outside_region" else "75"))
        establishments.append(sirene_row(siret, active=name != "closed", postal=postal))
    stack.set_time(at(REGISTER_DAY, 7))
    stack.put(f"registers/organismes-formation/{REGISTER_DAY.isoformat()}.csv",
              register_csv(OF_HEADER, organisations, ";"), content_type="text/csv")
    stack.put(f"registers/sirene/{REGISTER_DAY.isoformat()}.csv",
              register_csv(SIRENE_HEADER, establishments, ","), content_type="text/csv")
    stack.settle()
    assert stack.repo().register_date("organismes-formation") == REGISTER_DAY
    return made


def _reviews(stack, case_id: str) -> list:
    return [r for r in stack.repo().reviews("OPEN") if r.case_id == case_id]


def _decide(stack, review_id: str, action: str, day: date) -> str:
    stack.set_time(at(day, 9))
    result = resolve(aws_ports(stack.repo(), stack.cfg()), review_id, action, at(day, 9), actor="ops:agent",
                     note="Vérifié auprès de l'organisme.")
    stack.settle()
    return result


def _decision_event(stack, case_id: str):
    (event,) = [e for e in stack.repo().timeline(case_id) if e.to_state in ("AWARDED", "REFUSED")]
    return event


def test_evaluator_the_registers_confirm_is_awarded_with_the_register_dates(stack, applicants):
    # Given an evaluator declared with the quote's NDA, Qualiopi, in the region, active in Sirene
    applicant = applicants["clean"]
    # When its applicant's complete file arrives
    applicant.submit(SUBMITTED)
    # Then no one is asked anything, the aid is awarded and the decision names the copies it read
    outcome = applicant.outcome()
    assert outcome["state"] == "AWARDED", outcome
    assert _reviews(stack, applicant.case_id) == []
    decision = _decision_event(stack, applicant.case_id)
    assert decision.detail["register_dates"] == {"organismes-formation": "2026-03-02", "sirene": "2026-03-02"}
    case = stack.repo().get_case(applicant.case_id)
    assert case.register_dates == {"organismes-formation": REGISTER_DAY, "sirene": REGISTER_DAY}
    assert case.register_checks == []


def test_valid_certificate_not_qualiopi_in_the_register_waits_for_review_then_goes_on(stack, applicants):
    # Given an evaluator whose Qualiopi certificate PDF is valid but whom the DGEFP list shows without Qualiopi
    applicant = applicants["not_qualiopi"]
    # When its applicant's complete file arrives
    applicant.submit(SUBMITTED)
    # Then the case is complete but not decided: one review item REGISTER_NOT_QUALIOPI with its sentence
    assert applicant.outcome()["state"] == "COMPLETE"
    (review,) = _reviews(stack, applicant.case_id)
    assert (review.kind, review.code) == ("evaluator", "REGISTER_NOT_QUALIOPI")
    assert review.message.startswith(REGISTER_SENTENCES["REGISTER_NOT_QUALIOPI"]) and "02/03/2026" in review.message
    assert review.detail["register_date"] == "2026-03-02"
    # When an agent finds the register behind (the certifier confirms the certificate) and dismisses it
    assert _decide(stack, review.review_id, "dismiss", SUBMITTED + timedelta(days=1)) == "dismissed"
    # Then the decision goes on: awarded, the finding and its resolution recorded with the register's date
    outcome = applicant.outcome()
    assert outcome["state"] == "AWARDED", outcome
    assert _decision_event(stack, applicant.case_id).detail["register_checks"] == [
        {"code": "REGISTER_NOT_QUALIOPI", "register_date": "2026-03-02", "resolution": "dismissed"}]


def test_not_qualiopi_confirmed_by_the_agent_is_refused_not_qualiopi(stack, applicants):
    # Given the same finding for another evaluator
    applicant = applicants["not_qualiopi_refused"]
    applicant.submit(SUBMITTED)
    (review,) = _reviews(stack, applicant.case_id)
    assert review.code == "REGISTER_NOT_QUALIOPI"
    # When the agent confirms the register is right (the certificate is not the certifier's)
    assert _decide(stack, review.review_id, "confirm", SUBMITTED + timedelta(days=1)) == "confirmed"
    # Then the case is refused for the scheme's rule, with its letter, and the decision records the register date
    outcome = applicant.outcome()
    assert outcome["state"] == "REFUSED" and outcome["reasons"] == ["EVALUATOR_NOT_QUALIOPI"], outcome
    assert "refusal" in [m.kind for m in stack.repo().mails(applicant.case_id)]
    assert _decision_event(stack, applicant.case_id).detail["register_dates"]["organismes-formation"] == "2026-03-02"


def test_nda_of_another_siren_opens_review_nda_mismatch(stack, applicants):
    # Given a quote whose NDA the DGEFP list gives to another company
    applicant = applicants["other_siren"]
    # When the complete file arrives
    applicant.submit(SUBMITTED)
    # Then one review item NDA_MISMATCH, nothing about Qualiopi (the evaluator's own declaration is Qualiopi)
    assert applicant.outcome()["state"] == "COMPLETE"
    (review,) = _reviews(stack, applicant.case_id)
    assert review.code == "NDA_MISMATCH" and review.message.startswith(REGISTER_SENTENCES["NDA_MISMATCH"])
    # When the agent confirms it: refused, the Qualiopi certificate is not the evaluator's
    _decide(stack, review.review_id, "confirm", SUBMITTED + timedelta(days=2))
    outcome = applicant.outcome()
    assert outcome["state"] == "REFUSED" and outcome["reasons"] == ["EVALUATOR_NOT_QUALIOPI"], outcome


def test_closed_siret_opens_review_siret_closed(stack, applicants):
    # Given an evaluator whose establishment Sirene shows closed (F)
    applicant = applicants["closed"]
    applicant.submit(SUBMITTED)
    # Then one review item SIRET_CLOSED naming the Sirene copy's date
    assert applicant.outcome()["state"] == "COMPLETE"
    (review,) = _reviews(stack, applicant.case_id)
    assert review.code == "SIRET_CLOSED" and review.message.startswith(REGISTER_SENTENCES["SIRET_CLOSED"])
    assert review.detail["register"] == "sirene"
    # When the agent confirms the closure: refused, the evaluator is no longer established in the region
    _decide(stack, review.review_id, "confirm", SUBMITTED + timedelta(days=2))
    outcome = applicant.outcome()
    assert outcome["state"] == "REFUSED" and outcome["reasons"] == ["EVALUATOR_NOT_IN_REGION"], outcome


def test_establishment_outside_the_region_in_the_register_opens_review_not_in_region(stack, applicants):
    # Given an evaluator the DGEFP list places in another region (codeRegion 52)
    applicant = applicants["outside_region"]
    applicant.submit(SUBMITTED)
    # Then one review item REGISTER_NOT_IN_REGION
    assert applicant.outcome()["state"] == "COMPLETE"
    (review,) = _reviews(stack, applicant.case_id)
    assert review.code == "REGISTER_NOT_IN_REGION"
    assert review.message.startswith(REGISTER_SENTENCES["REGISTER_NOT_IN_REGION"])
    # When the agent sets it aside (the organisation moved to Bordeaux since its last declaration): awarded
    _decide(stack, review.review_id, "dismiss", SUBMITTED + timedelta(days=2))
    assert applicant.outcome()["state"] == "AWARDED"

"""Eligibility: each of the eight rules fails alone when its fact is wrong; the amount and detainees."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from clea_intake.domain.completeness import evaluate
from clea_intake.domain.eligibility import award_amount, decide, facility_in_region
from clea_intake.domain.reasons import REFUSAL_MESSAGES, Reason

PARIS = ZoneInfo("Europe/Paris")
ON_TIME = datetime(2026, 3, 10, 14, 0, tzinfo=PARIS)


def _decide(app, pieces, policy, *, completed_at=ON_TIME, already=False):
    checklist = evaluate(app, pieces, policy)
    assert checklist.complete, checklist.missing
    return decide(app, checklist, completed_at=completed_at, aid_already_awarded=already, policy=policy)


def test_decide_good_case_passes_every_rule(application, build, policy):
    # Given a complete, eligible file completed three weeks and more before the evaluation
    verdict = _decide(application, build.complete_set(), policy)
    # Then all eight rules pass, each once, with the policy version that decided
    assert verdict.eligible
    assert verdict.reasons == []
    assert [r.code for r in verdict.results] == list(Reason)
    assert verdict.policy_version == policy.version
    assert verdict.amount_eur == Decimal("450.00")


def test_decide_every_failed_rule_carries_its_french_sentence(application, build, policy):
    verdict = _decide(application, build.complete_set(), policy, already=True)
    [failed] = [r for r in verdict.results if not r.passed]
    assert failed.message == REFUSAL_MESSAGES[Reason.DUPLICATE_AID]


def _fails_alone(verdict, code: Reason) -> None:
    assert not verdict.eligible
    assert verdict.reasons == [str(code)]


def test_decide_completed_at_start_minus_20_days_fails_late_completion_alone(application, build, policy):
    verdict = _decide(application, build.complete_set(), policy, completed_at=datetime(2026, 3, 24, tzinfo=PARIS))
    _fails_alone(verdict, Reason.LATE_COMPLETION)


def test_decide_completed_at_2359_on_start_minus_21_days_is_on_time(application, build, policy):
    verdict = _decide(application, build.complete_set(), policy,
                      completed_at=datetime(2026, 3, 23, 23, 59, tzinfo=PARIS))
    assert verdict.eligible


def test_decide_proof_of_address_outside_region_fails_not_resident_alone(application, build, policy):
    pieces = build.complete_set()
    pieces[1] = build.proof_of_address(postal_code="75011", city="Paris")
    _fails_alone(_decide(application, pieces, policy), Reason.NOT_RESIDENT)


def test_decide_proof_of_address_decides_residence_over_the_form(make_app, build, policy):
    # The form says Paris but the proof shows Bordeaux: the piece is the evidence
    app = make_app(applicant__address__postal_code="75011", applicant__address__city="Paris")
    assert _decide(app, build.complete_set(), policy).eligible


@pytest.mark.parametrize("situation", ["employed", "other"])
def test_decide_employed_or_other_fails_ineligible_situation_alone(make_app, build, policy, situation):
    app = make_app(applicant__situation=situation)
    _fails_alone(_decide(app, build.complete_set(), policy), Reason.INELIGIBLE_SITUATION)


@pytest.mark.parametrize("situation, registered", [("unemployed", True), ("unemployed", False), ("siae", False)])
def test_decide_unemployed_registered_or_not_and_siae_are_eligible(make_app, build, policy, situation, registered):
    app = make_app(applicant__situation=situation, applicant__france_travail_registered=registered)
    assert _decide(app, build.complete_set(), policy).eligible


def test_decide_funded_by_transition_pro_or_branch_fails_funded_elsewhere_alone(make_app, build, policy):
    app = make_app(applicant__funded_by_transition_pro_or_branch=True)
    _fails_alone(_decide(app, build.complete_set(), policy), Reason.FUNDED_ELSEWHERE)


def test_decide_evaluator_outside_region_fails_evaluator_not_in_region_alone(make_app, build, policy):
    app = make_app(evaluator__postal_code="44000")
    _fails_alone(_decide(app, build.complete_set(), policy), Reason.EVALUATOR_NOT_IN_REGION)


def test_decide_qualiopi_expired_before_completion_fails_not_qualiopi_alone(application, build, policy):
    pieces = build.complete_set()
    pieces[3] = build.qualiopi(valid_until="2026-03-09")
    _fails_alone(_decide(application, pieces, policy), Reason.EVALUATOR_NOT_QUALIOPI)


def test_decide_qualiopi_valid_until_the_completion_day_passes(application, build, policy):
    pieces = build.complete_set()
    pieces[3] = build.qualiopi(valid_until="2026-03-10")
    assert _decide(application, pieces, policy).eligible


def test_decide_qualiopi_not_yet_valid_at_completion_fails(application, build, policy):
    pieces = build.complete_set()
    pieces[3] = build.qualiopi(valid_from="2026-03-11")
    _fails_alone(_decide(application, pieces, policy), Reason.EVALUATOR_NOT_QUALIOPI)


@pytest.mark.parametrize("fields", [
    {"valid_until": "2026-04-23"},                    # ends the day before the evaluation ends
    {"valid_from": "2026-04-14"},                     # starts after the evaluation started
    {"certifications": ["clea_numerique"]},           # another certification
    {"valid_until": None},                            # end unreadable
])
def test_decide_habilitation_not_covering_the_evaluation_fails_not_habilitated_alone(
        application, build, policy, fields):
    pieces = build.complete_set()
    pieces[4] = build.habilitation(**fields)
    _fails_alone(_decide(application, pieces, policy), Reason.EVALUATOR_NOT_HABILITATED)


def test_decide_habilitation_exactly_covering_the_evaluation_passes(application, build, policy):
    pieces = build.complete_set()
    pieces[4] = build.habilitation(valid_from="2026-04-13", valid_until="2026-04-24", certifications=["clea_socle"])
    assert _decide(application, pieces, policy).eligible


def test_decide_aid_already_awarded_fails_duplicate_aid_alone(application, build, policy):
    _fails_alone(_decide(application, build.complete_set(), policy, already=True), Reason.DUPLICATE_AID)


def test_decide_several_wrong_facts_list_every_reason(make_app, build, policy):
    app = make_app(applicant__situation="employed", evaluator__postal_code="44000")
    verdict = _decide(app, build.complete_set(), policy, completed_at=datetime(2026, 4, 1, tzinfo=PARIS))
    assert set(verdict.reasons) == {"LATE_COMPLETION", "INELIGIBLE_SITUATION", "EVALUATOR_NOT_IN_REGION"}


# -- amount --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("certification, evaluation, expected", [
    ("clea_socle", "initial", "450.00"), ("clea_socle", "final", "250.00"),
    ("clea_numerique", "initial", "300.00"), ("clea_numerique", "final", "150.00"),
])
def test_award_amount_quote_above_fixed_aid_gives_the_fixed_aid(make_app, build, policy, certification,
                                                              evaluation, expected):
    app = make_app(certification=certification, evaluation=evaluation, quote__amount_eur=900)
    pieces = build.complete_set()
    pieces[2] = build.quote(certification=certification, evaluation=evaluation, amount_eur=900.0)
    assert _decide(app, pieces, policy).amount_eur == Decimal(expected)


def test_award_amount_quote_below_fixed_aid_gives_the_quoted_price(make_app, build, policy):
    app = make_app(quote__amount_eur=320)
    pieces = build.complete_set()
    pieces[2] = build.quote(amount_eur=320.0)
    assert _decide(app, pieces, policy).amount_eur == Decimal("320.00")


def test_award_amount_never_counts_registration_or_jury_fees(make_app, build, policy):
    # Given hours quoted 380 € and fees of 120 € shown apart (500 € in all)
    app = make_app(quote__amount_eur=380)
    pieces = build.complete_set()
    pieces[2] = build.quote(amount_eur=380.0, fees_eur=120.0)
    # Then the aid covers the hours only
    assert _decide(app, pieces, policy).amount_eur == Decimal("380.00")


def test_award_amount_quote_piece_prevails_over_the_form(make_app, build, policy):
    app = make_app(quote__amount_eur=450)
    pieces = build.complete_set()
    pieces[2] = build.quote(amount_eur="299,50")
    checklist = evaluate(app, pieces, policy)
    assert award_amount(app, checklist, policy) == Decimal("299.50")


def test_award_amount_without_a_readable_quote_price_uses_the_form(make_app, build, policy):
    app = make_app(quote__amount_eur=200)
    pieces = build.complete_set()
    pieces[2] = build.quote(amount_eur=None)
    assert award_amount(app, evaluate(app, pieces, policy), policy) == Decimal("200.00")


# -- detainees -----------------------------------------------------------------------------------------
def _detainee_case(make_app, build, facility: str):
    app = make_app(applicant__situation="detainee", accompanied_by="spip", applicant__detention_facility=facility,
                   applicant__address__postal_code="75014", applicant__address__city="Paris")
    pieces = [build.identity_card(), build.disp_liaison(facility=facility), build.quote(), build.qualiopi(),
              build.habilitation()]
    return app, pieces


def test_decide_detainee_in_a_region_facility_is_eligible(make_app, build, policy):
    # The address of a detainee is the establishment's: the form's Paris address does not count
    app, pieces = _detainee_case(make_app, build, "Centre de détention de Mauzac")
    assert _decide(app, pieces, policy).eligible


def test_decide_detainee_outside_the_region_fails_ineligible_situation_alone(make_app, build, policy):
    app, pieces = _detainee_case(make_app, build, "Centre pénitentiaire de Fresnes")
    _fails_alone(_decide(app, pieces, policy), Reason.INELIGIBLE_SITUATION)


@pytest.mark.parametrize("name, inside", [
    ("Centre pénitentiaire de Bordeaux-Gradignan", True),
    ("CENTRE PENITENTIAIRE DE BORDEAUX GRADIGNAN", True),
    ("Maison d'arrêt de Limoges", True),
    ("Maison d'arrêt de Nantes", False),
    ("Centre pénitentiaire de Fresnes", False),
    # The place names the establishment, whatever the way its kind is written or shortened
    ("CD de Mauzac", True),
    ("MA Gradignan", True),
    ("Centre pénitentiaire de Poitiers-Vivonne", True),
    ("Maison centrale de Saint-Martin-de-Ré", True),
    ("Maison centrale de St-Martin-de-Ré", True),
    ("Maison centrale de l'Île de Ré", True),
    # The policy's aliases: the usual short names of the compound places
    ("Centre pénitentiaire de Poitiers", True),
    ("Maison d'arrêt de Bordeaux", True),
    ("CP Mont de Marsan", True),
    # A kind alone, or a place that only shares a word with a listed one, names none of them
    ("Maison d'arrêt", False),
    ("Centre pénitentiaire", False),
    ("Maison d'arrêt de Saint-Malo", False),
    ("Centre de détention de Saint-Martin", False),
    ("Centre de détention de Marseille", False),
    ("", False),
    (None, False),
])
def test_facility_in_region_matches_the_policy_list(policy, name, inside):
    assert facility_in_region(name, policy) is inside


def test_decide_detainee_whose_liaison_names_an_outside_establishment_is_refused_whatever_the_form_says(
        make_app, build, policy):
    # The form names an establishment of the region, the DISP liaison (the proof of the detention) one outside:
    # the piece decides, as a proof of address's town does (a season of 1,000 found it awarded).
    app = make_app(applicant__situation="detainee", accompanied_by="spip",
                   applicant__detention_facility="Centre de détention de Mauzac")
    pieces = [build.identity_card(), build.disp_liaison(facility="Centre pénitentiaire de Fresnes"), build.quote(),
              build.qualiopi(), build.habilitation()]
    _fails_alone(_decide(app, pieces, policy), Reason.INELIGIBLE_SITUATION)

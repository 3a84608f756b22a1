"""What the public registers say of an evaluator: the findings, what a person's resolution does to the
decision, what the decision says when no register was imported, and when a copy is stale."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from clea_intake.domain.completeness import evaluate
from clea_intake.domain.eligibility import decide
from clea_intake.domain.reasons import Reason
from clea_intake.domain.registers import (
    REGISTER_RULES,
    REGISTER_SENTENCES,
    RegisterCheck,
    RegisterReading,
    TrainingOrganisation,
    check_evaluator,
    register_ages,
)

PARIS = ZoneInfo("Europe/Paris")
ON_TIME = datetime(2026, 3, 10, 14, 0, tzinfo=PARIS)
DAY = date(2026, 3, 2)
SIRET = "73282932000074"


def _organisation(**overrides) -> TrainingOrganisation:
    return TrainingOrganisation(**{"nda": "75331234533", "siren": SIRET[:9], "siret": SIRET, "region_code": "75",
                                   "qualiopi_training": True, **overrides})


def _checks(organisation=None, own=None, *, certificate_valid=True) -> list[str]:
    return [c.code for c in check_evaluator(nda="75331234533", siret=SIRET, organisation=organisation,
                                            organisations_date=DAY, establishment=None, establishments_date=None,
                                            certificate_valid=certificate_valid, region_code="75", own=own)]


def test_check_evaluator_unknown_nda_still_reads_the_evaluators_own_declaration():
    # Given a quote NDA absent from the list, and the evaluator's own row (by SIRET) without Qualiopi
    found = _checks(None, own=_organisation(nda="75339999933", qualiopi_training=False))
    # Then both are said: the NDA is unknown and the evaluator is not Qualiopi in the register
    assert found == ["NDA_UNKNOWN", "REGISTER_NOT_QUALIOPI"]


def test_check_evaluator_nda_of_another_siren_never_reads_the_other_organisations_flags():
    # Given the quote's NDA declared by another company that is neither Qualiopi nor in the region
    other = _organisation(siren="552100554", siret="55210055400013", qualiopi_training=False, region_code="11")
    # Then only the mismatch is said: the other's flags say nothing of the evaluator
    assert _checks(other) == ["NDA_MISMATCH"]


def test_check_evaluator_register_not_qualiopi_only_against_a_valid_certificate():
    # Given a register without Qualiopi and an expired certificate: the pieces' own rule refuses already
    assert _checks(_organisation(qualiopi_training=False), certificate_valid=False) == []


def test_every_register_code_has_a_french_sentence_and_a_scheme_rule():
    assert set(REGISTER_SENTENCES) == set(REGISTER_RULES)
    assert {Reason(rule) for rule in REGISTER_RULES.values()} <= set(Reason)
    assert all(sentence.endswith(".") and ("registre" in sentence or "liste" in sentence or "Sirene" in sentence)
               for sentence in REGISTER_SENTENCES.values())


def _reading(code: str, resolution: str | None) -> RegisterReading:
    check = RegisterCheck(code=code, message=REGISTER_SENTENCES[code], source="organismes-formation",
                          register_date=DAY, resolution=resolution)
    return RegisterReading(dates={"organismes-formation": DAY, "sirene": DAY}, checks=[check])


@pytest.mark.parametrize(("code", "rule"), sorted(REGISTER_RULES.items()))
def test_decide_finding_confirmed_by_a_person_fails_its_rule_alone(application, build, policy, code, rule):
    # Given a complete, eligible file and a register finding a person confirmed
    checklist = evaluate(application, build.complete_set(), policy)
    verdict = decide(application, checklist, completed_at=ON_TIME, aid_already_awarded=False, policy=policy,
                     registers=_reading(code, "confirmed"))
    # Then the scheme's rule the finding is about fails, alone, and the decision keeps the register's date
    assert verdict.reasons == [rule]
    assert verdict.register_dates == {"organismes-formation": DAY, "sirene": DAY}
    assert [c.resolution for c in verdict.register_checks] == ["confirmed"]


def test_decide_finding_set_aside_changes_nothing(application, build, policy):
    checklist = evaluate(application, build.complete_set(), policy)
    verdict = decide(application, checklist, completed_at=ON_TIME, aid_already_awarded=False, policy=policy,
                     registers=_reading("REGISTER_NOT_QUALIOPI", "dismissed"))
    assert verdict.eligible and verdict.register_checks[0].code == "REGISTER_NOT_QUALIOPI"


def test_reading_without_any_copy_says_so_in_french():
    # Given no register ever imported
    reading = RegisterReading(dates={"organismes-formation": None, "sirene": None})
    # Then the decision says which registers were not read, and that the pieces decided
    sentence = reading.unavailable_sentence()
    assert "aucune copie importée" in sentence and "organismes de formation" in sentence and "Sirene" in sentence
    assert not reading.consulted
    # And a reading with both copies has nothing to say
    assert _reading("NDA_UNKNOWN", None).unavailable_sentence() is None


def test_register_ages_older_than_the_policy_or_never_imported_are_stale():
    ages = register_ages({"organismes-formation": date(2026, 1, 1), "sirene": None}, today=date(2026, 2, 16),
                         max_age_days=45)
    assert [(a.kind, a.age_days, a.stale) for a in ages] == [("organismes-formation", 46, True),
                                                             ("sirene", None, True)]
    fresh = register_ages({"organismes-formation": date(2026, 1, 2), "sirene": date(2026, 2, 1)},
                          today=date(2026, 2, 16), max_age_days=45)
    assert [a.stale for a in fresh] == [False, False]

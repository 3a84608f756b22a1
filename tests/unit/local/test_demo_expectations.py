"""The demo season checks every case's full expectation, and its plan keeps every case's dates consistent."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from clea_intake.local import season

PARIS = ZoneInfo("Europe/Paris")


def _outcome(state="REFUSED", reasons=("DUPLICATE_AID",), awarded=None, paid=None,
             mails=season.MAILS["duplicate"]) -> dict:
    timeline = [{"at": "2026-01-16T09:00:00+01:00", "state": "RECEIVED"},
                {"at": "2026-01-20T09:00:00+01:00", "state": state}]
    mails = list(mails)
    return {"state": state, "reasons": list(reasons), "awarded_eur": awarded, "paid_eur": paid, "mails": mails,
            "letters": [season.LETTERS[m] for m in mails if m in season.LETTERS], "timeline": timeline}


DUPLICATE = season.Expected("NA-CLEA-2026-000007", "duplicate", "REFUSED", ("DUPLICATE_AID",),
                            mails=season.MAILS["duplicate"])


def test_a_wrong_reason_is_a_difference_even_when_the_state_is_right():
    diffs = season.differences(DUPLICATE, _outcome(reasons=("LATE_COMPLETION",)), [])
    assert diffs == ["motifs ['LATE_COMPLETION'] au lieu de ['DUPLICATE_AID']"]


def test_a_wrong_state_says_where_the_case_stopped():
    # Given a duplicate left COMPLETE, its eligibility step never resumed
    got = {**_outcome("COMPLETE", ()), "tokens": ["completeness"], "register_checks": []}
    acts = [(datetime(2026, 1, 17, tzinfo=PARIS), "ID_LOW_CONFIDENCE")]
    # Then the difference names its path, its review items, register findings and waiting steps
    assert season.differences(DUPLICATE, got, acts)[0] == (
        "état COMPLETE au lieu de REFUSED (parcours RECEIVED 2026-01-16T09:00 → COMPLETE 2026-01-20T09:00 ; "
        "examens ['ID_LOW_CONFIDENCE'] ; registres — ; jetons ['completeness'])")


def test_amounts_notices_and_letters_are_compared():
    paid = season.Expected("NA-CLEA-2026-000001", "paid", "PAID", (), Decimal("450.00"), Decimal("450.00"),
                           season.MAILS["paid"])
    got = _outcome("PAID", (), 450.0, 400.0, [m for m in season.MAILS["paid"] if m != "arrete_evaluator"])
    diffs = season.differences(paid, got, [])
    assert diffs == ["versé 400.00 € au lieu de 450.00 €", "courriels manquants ['arrete_evaluator']",
                     "lettres ['decision_attribution'] au lieu de ['arrete_attributif', 'decision_attribution']"]
    assert season.differences(paid, _outcome("PAID", (), 450.0, 450.0, season.MAILS["paid"]), []) == []


def test_an_expected_review_that_never_opened_is_a_difference():
    want = season.Expected("NA-CLEA-2026-000013", "foreign", "PAID", mails=(), reviews=("IBAN_FIRST_USE",))
    got = _outcome("PAID", (), None, None, ())
    assert season.differences(want, got, []) == ["examen ['IBAN_FIRST_USE'] jamais ouvert"]
    assert season.differences(want, got, [(datetime(2026, 5, 1, tzinfo=PARIS), "IBAN_FIRST_USE")]) == []


def test_a_case_past_its_retention_is_judged_on_its_decision_and_must_have_lost_its_notices():
    # Given a refused case whose personal data expired before the season's end: no notice record is left
    expired = {**_outcome(mails=()), "personal_data_expired": True}
    # Then its decision is still compared, its notices and reviews are expected gone
    assert season.differences(DUPLICATE, expired, []) == []
    assert season.differences(DUPLICATE, {**expired, "reasons": ["LATE_COMPLETION"]}, []) == [
        "motifs ['LATE_COMPLETION'] au lieu de ['DUPLICATE_AID']"]
    kept = {**_outcome(), "personal_data_expired": True}
    assert season.differences(DUPLICATE, kept, []) == [
        f"courriels {sorted(season.MAILS['duplicate'])} gardés après la durée de conservation"]


def test_straight_through_splits_the_decision_from_the_claim():
    cases = [season.Expected(f"C{n}", "paid", "PAID") for n in range(3)]
    found = [_outcome("AWARDED", ()) | {"state": "PAID"} for _ in range(3)]
    for outcome in found:
        outcome["timeline"][1]["state"] = "AWARDED"
    acts = {"C0": [(datetime(2026, 1, 17, tzinfo=PARIS), "ID_LOW_CONFIDENCE")],   # before the award
            "C1": [(datetime(2026, 3, 1, tzinfo=PARIS), "IBAN_FIRST_USE")]}        # on the claim
    decided, by_code = season.straight_through(cases, found, acts)
    assert "dossiers décidés 2/3 (67 %)" in decided and "payées 2/3 (67 %)" in decided
    assert "ID_LOW_CONFIDENCE 1" in by_code and "IBAN_FIRST_USE 1" in by_code


def test_every_case_is_submitted_on_time_for_the_evaluation_its_form_states():
    # A duplicate copies another case's evaluation dates: its submission must follow those, at any season size.
    actions, expected = season.plan(40)
    submitted = {a.label.split()[0]: a.at.date() for a in actions if a.label.endswith("dépôt du formulaire")}
    for want in expected:
        lead = want.evaluation_start - submitted[want.case_id]
        assert lead >= timedelta(days=10 if want.kind == "late" else 40), (want.kind, want.case_id, lead)
    duplicates = [w for w in expected if w.kind == "duplicate"]
    assert len(duplicates) >= 2 and all(w.evaluation_start == expected[0].evaluation_start for w in duplicates)


def test_one_evaluator_has_no_supplier_record_and_must_see_a_person():
    _, expected = season.plan(16)
    waiting = [w for w in expected if w.reviews]
    assert [(w.kind, w.reviews) for w in waiting] == [("foreign", ("IBAN_FIRST_USE",))]
    assert waiting[0].state == "PAID" and waiting[0].evaluation_start < date(2027, 1, 1)

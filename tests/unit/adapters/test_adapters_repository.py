"""The Repository's contract on the in-memory table (tests/integration runs the same tests on DynamoDB)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from clea_intake.adapters.repository import Repository
from clea_intake.adapters.table import InMemoryTable
from clea_intake.domain.case import Case
from clea_intake.domain.errors import CaseNotFound, DuplicateAward, StaleCase
from clea_intake.domain.guard import GuardEntry, guard_entry
from clea_intake.domain.lifecycle import State
from clea_intake.domain.records import DocumentRecord, PaymentOrder

PARIS = ZoneInfo("Europe/Paris")
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=PARIS)
GUARD = "beneficiary#2026#clea_socle#initial"
SCOPE = "2026#clea_socle#initial"
SECRET = b"a test secret of the Region, 32 bytes or more"


def _entry(case: Case, given_names: str = "Léa Marie", documents: tuple[str, ...] = ()) -> GuardEntry:
    return guard_entry(case.case_id, given_names, documents, secret=SECRET)


@pytest.fixture
def repo() -> Repository:
    return Repository(InMemoryTable())


def _stored(repo: Repository, new_case, case_id: str = "NA-CLEA-2026-000123", state: str = "RECEIVED", **kw):
    case = new_case(case_id, state=state, **kw)
    assert repo.create_case(case)
    return repo.get_case(case_id)


def _order(case_id: str, at: datetime = T0) -> PaymentOrder:
    return PaymentOrder(order_id=f"PAY-{case_id}", case_id=case_id, amount_eur=Decimal("450.00"),
                        creditor_name="Formation Atlantique", creditor_siret="73282932000074",
                        iban="FR7630006000011234567890189", bic="AGRIFRPP", created_at=at)


def test_repository_create_case_stores_version_1_and_reads_back(repo, new_case):
    # Given a new case / When it is created
    case = new_case()
    assert repo.create_case(case)
    # Then it reads back whole, at version 1
    stored = repo.get_case(case.case_id)
    assert stored.version == 1
    assert stored.state == State.RECEIVED
    assert stored.application == case.application
    assert stored.beneficiary_key == case.beneficiary_key


def test_repository_create_case_twice_returns_false_and_keeps_the_first(repo, new_case):
    # Given a case already created with its "received" note
    first = new_case()
    first.note("received", at=T0, actor="platform")
    assert repo.create_case(first)
    # When the same delivery creates it again
    again = new_case()
    again.note("received", at=T0 + timedelta(minutes=5), actor="platform")
    # Then nothing is written: one case at version 1, one timeline event
    assert repo.create_case(again) is False
    assert repo.get_case(first.case_id).version == 1
    assert len(repo.timeline(first.case_id)) == 1


def test_repository_get_case_unknown_raises_case_not_found(repo):
    assert repo.find_case("NA-CLEA-2026-999999") is None
    with pytest.raises(CaseNotFound):
        repo.get_case("NA-CLEA-2026-999999")


def test_repository_save_case_writes_the_transition_event_and_bumps_version(repo, new_case):
    # Given a stored case
    case = _stored(repo, new_case)
    # When it moves to INCOMPLETE and is saved
    case.transition(State.INCOMPLETE, at=T0 + timedelta(hours=1), actor="system", reason="MISSING_QUOTE")
    repo.save_case(case)
    # Then the case is at version 2 and the timeline holds the transition, once
    stored = repo.get_case(case.case_id)
    assert (stored.version, stored.state) == (2, State.INCOMPLETE)
    assert case.version == 2 and case.new_events == []
    [event] = repo.timeline(case.case_id)
    assert (event.kind, event.from_state, event.to_state, event.reason) == (
        "transition", State.RECEIVED, State.INCOMPLETE, "MISSING_QUOTE")


def test_repository_timeline_keeps_events_in_time_order(repo, new_case):
    case = _stored(repo, new_case)
    case.transition(State.INCOMPLETE, at=T0 + timedelta(hours=1), actor="system")
    case.note("request", at=T0 + timedelta(hours=2), actor="ops:claire", message="Document demandé")
    repo.save_case(case)
    case.transition(State.COMPLETE, at=T0 + timedelta(days=1), actor="system")
    repo.save_case(case)
    assert [e.kind for e in repo.timeline(case.case_id)] == ["transition", "request", "transition"]
    assert [e.to_state for e in repo.timeline(case.case_id)] == [State.INCOMPLETE, None, State.COMPLETE]


def test_repository_save_case_with_stale_version_raises_stale_case_and_writes_nothing(repo, new_case):
    # Given two readers of the same case
    first = _stored(repo, new_case)
    second = repo.get_case(first.case_id)
    first.transition(State.INCOMPLETE, at=T0, actor="system")
    repo.save_case(first)
    # When the second, now stale, saves its own change
    second.transition(State.COMPLETE, at=T0, actor="system")
    with pytest.raises(StaleCase):
        repo.save_case(second)
    # Then the first writer's state stands and the loser's event is not in the timeline
    stored = repo.get_case(first.case_id)
    assert (stored.state, stored.version) == (State.INCOMPLETE, 2)
    assert [e.to_state for e in repo.timeline(first.case_id)] == [State.INCOMPLETE]
    assert second.version == 1


def test_repository_record_award_writes_case_and_guard_together(repo, new_case):
    case = _stored(repo, new_case, state="COMPLETE")
    case.awarded_eur = Decimal("450.00")
    case.transition(State.AWARDED, at=T0, actor="system")
    repo.record_award(case, GUARD, SCOPE, _entry(case))
    assert repo.get_case(case.case_id).state == State.AWARDED
    assert repo.award_holder(GUARD) == case.case_id


def test_repository_record_award_twice_for_same_guard_raises_duplicate_and_keeps_case(repo, new_case):
    # Given an award already recorded for the guard key
    winner = _stored(repo, new_case, "NA-CLEA-2026-000001", state="COMPLETE")
    winner.transition(State.AWARDED, at=T0, actor="system")
    repo.record_award(winner, GUARD, SCOPE, _entry(winner))
    # When another complete case of the same person, year, certification, evaluation is awarded
    loser = _stored(repo, new_case, "NA-CLEA-2026-000002", state="COMPLETE")
    loser.transition(State.AWARDED, at=T0, actor="system")
    with pytest.raises(DuplicateAward):
        repo.record_award(loser, GUARD, SCOPE, _entry(loser))
    # Then the second case is unchanged in the table (state, version, no event) and the guard names the first
    stored = repo.get_case(loser.case_id)
    assert (stored.state, stored.version) == (State.COMPLETE, 1)
    assert repo.timeline(loser.case_id) == []
    assert repo.award_holder(GUARD) == winner.case_id


def test_repository_record_award_on_a_stale_case_is_stale_not_duplicate(repo, new_case):
    case = _stored(repo, new_case, state="COMPLETE")
    other = repo.get_case(case.case_id)
    other.note("note", at=T0, actor="ops:claire")
    repo.save_case(other)
    case.transition(State.AWARDED, at=T0, actor="system")
    with pytest.raises(StaleCase):
        repo.record_award(case, GUARD, SCOPE, _entry(case))
    assert repo.award_holder(GUARD) is None


def test_repository_order_payment_creates_the_order_once(repo, new_case):
    # Given an awarded case whose payment is ordered
    case = _stored(repo, new_case, state="AWARDED")
    case.transition(State.PAYMENT_ORDERED, at=T0, actor="system")
    assert repo.order_payment(case, _order(case.case_id))
    # When the order is created again from a fresh read (a repeated task)
    again = repo.get_case(case.case_id)
    again.note("retry", at=T0 + timedelta(minutes=1), actor="system")
    assert repo.order_payment(again, _order(case.case_id, at=T0 + timedelta(minutes=1))) is False
    # Then one order exists, the first one, and the case did not move
    assert repo.find_payment(case.case_id).created_at == T0
    assert [o.case_id for o in repo.payments("ORDERED")] == [case.case_id]
    assert repo.get_case(case.case_id).version == 2


def test_repository_order_payment_from_a_stale_read_raises_stale_case(repo, new_case):
    first = _stored(repo, new_case, state="AWARDED")
    second = repo.get_case(first.case_id)
    first.transition(State.PAYMENT_ORDERED, at=T0, actor="system")
    assert repo.order_payment(first, _order(first.case_id))
    second.transition(State.PAYMENT_ORDERED, at=T0, actor="system")
    with pytest.raises(StaleCase):
        repo.order_payment(second, _order(first.case_id, at=T0 + timedelta(minutes=1)))
    assert len(repo.payments("ORDERED")) == 1


def test_repository_cases_in_state_with_deadline_lists_only_due_cases(repo, new_case):
    due = new_case("NA-CLEA-2026-000001")
    due.deadline_at = datetime(2026, 3, 24, tzinfo=PARIS)
    later = new_case("NA-CLEA-2026-000002")
    later.deadline_at = datetime(2026, 3, 25, tzinfo=PARIS)
    assert repo.create_case(due) and repo.create_case(later)
    # A deadline equal to "now" is due
    listed = repo.cases_in_state(State.RECEIVED, deadline_before=datetime(2026, 3, 24, tzinfo=PARIS))
    assert [s.case_id for s in listed] == ["NA-CLEA-2026-000001"]
    assert {s.case_id for s in repo.cases_in_state(State.RECEIVED)} == {due.case_id, later.case_id}
    assert repo.cases_in_state(State.COMPLETE) == []


def test_repository_record_form_error_once_per_object_version(repo):
    problems = [{"field": "evaluator.siret", "code": "value_error", "message_en": "bad", "message_fr": "mauvais"}]
    key = "applications/NA-CLEA-2026-000123/application.json"
    assert repo.record_form_error(key=key, etag="e1", case_id="NA-CLEA-2026-000123", problems=problems, at=T0)
    assert not repo.record_form_error(key=key, etag="e1", case_id="NA-CLEA-2026-000123", problems=problems, at=T0)
    assert repo.form_errors("NA-CLEA-2026-000123") == [problems]


def _reading(etag: str, order: str | None, valid: bool) -> DocumentRecord:
    from clea_intake.domain.findings import DocType

    return DocumentRecord(case_id="NA-CLEA-2026-000123", doc_id="d1", bucket="b",
                          key="applications/NA-CLEA-2026-000123/documents/passeport.pdf", etag=etag,
                          sha256=etag * 4, original_name="passeport.pdf", received_at=T0, doc_type=DocType.PASSPORT,
                          confidence=0.9, version_id=f"v-{etag}", version_order=order,
                          fields={"valid": valid})


def test_repository_put_reading_newest_version_wins_whatever_the_order_of_writes(repo):
    # Given the reading of a newer version (order ...0B) stored first
    assert repo.put_reading(_reading("new", "0" * 30 + "0B", valid=True)) is True
    # When the reading of the older version (...0A) comes last
    assert repo.put_reading(_reading("old", "0" * 30 + "0A", valid=False)) is False
    # Then the newer reading stays
    kept = repo.find_document("NA-CLEA-2026-000123", "d1")
    assert kept.etag == "new" and kept.version_id == "v-new" and kept.fields == {"valid": True}


def test_repository_put_reading_newer_version_replaces_the_older_and_an_older_one_never_does(repo):
    assert repo.put_reading(_reading("old", "0" * 30 + "0A", valid=False)) is True
    assert repo.put_reading(_reading("older", "0" * 30 + "09", valid=False)) is False
    assert repo.put_reading(_reading("new", "0" * 30 + "0B", valid=True)) is True
    assert repo.find_document("NA-CLEA-2026-000123", "d1").etag == "new"


def test_repository_put_reading_replaces_a_reading_recorded_without_an_order(repo):
    # A reading stored before versions were ordered has no order: any ordered reading is newer
    repo.put_document(_reading("legacy", None, valid=False))
    assert repo.put_reading(_reading("new", "0" * 30 + "01", valid=True)) is True
    assert repo.find_document("NA-CLEA-2026-000123", "d1").etag == "new"

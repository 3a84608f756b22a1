"""The lifecycle table: every listed transition is allowed, the others raise, final states are final."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from clea_intake.domain.case import Case
from clea_intake.domain.errors import InvalidTransition
from clea_intake.domain.lifecycle import FINAL_STATES, TRANSITIONS, State, can_transition, check_transition

AT = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))
ALLOWED = [(source, target) for source, targets in TRANSITIONS.items() for target in sorted(targets)]
ILLEGAL = [
    (State.RECEIVED, State.AWARDED),            # no award without completeness and eligibility
    (State.RECEIVED, State.PAYMENT_ORDERED),
    (State.INCOMPLETE, State.AWARDED),
    (State.INCOMPLETE, State.RECEIVED),
    (State.COMPLETE, State.INCOMPLETE),         # complete is not undone by a later piece
    (State.COMPLETE, State.PAYMENT_ORDERED),
    (State.AWARDED, State.REFUSED),             # an award is not turned into a refusal
    (State.AWARDED, State.PAID),                # no payment without an order
    (State.CLAIM_INCOMPLETE, State.PAID),
    (State.PAYMENT_ORDERED, State.WITHDRAWN),   # once ordered, the payment goes through
    (State.PAYMENT_ORDERED, State.LAPSED),
    (State.AWARDED, State.AWARDED),
]


def _case(application, state: State) -> Case:
    return Case(case_id=application.case_id, application=application, state=state, received_at=AT,
                updated_at=AT, beneficiary_key="k")


def test_lifecycle_table_names_every_state():
    assert set(TRANSITIONS) == set(State)
    assert all(targets <= set(State) for targets in TRANSITIONS.values())


@pytest.mark.parametrize("source, target", ALLOWED, ids=[f"{s}->{t}" for s, t in ALLOWED])
def test_case_transition_listed_in_table_is_allowed_and_recorded(application, source, target):
    # Given a case in the source state
    case = _case(application, source)
    # When it moves to a target the table lists
    case.transition(target, at=AT, actor="system", reason="WHY")
    # Then the state changes and one timeline event says from where to where
    assert case.state == target
    assert can_transition(source, target)
    [event] = case.new_events
    assert (event.kind, event.from_state, event.to_state, event.reason) == ("transition", source, target, "WHY")


@pytest.mark.parametrize("source, target", ILLEGAL, ids=[f"{s}->{t}" for s, t in ILLEGAL])
def test_case_transition_not_in_table_raises_and_changes_nothing(application, source, target):
    case = _case(application, source)
    with pytest.raises(InvalidTransition):
        case.transition(target, at=AT, actor="system")
    assert case.state == source
    assert case.new_events == []


def test_lifecycle_final_states_have_no_transition():
    assert FINAL_STATES == {State.REFUSED, State.PAID, State.CLOSED_UNPAID, State.LAPSED, State.WITHDRAWN}


@pytest.mark.parametrize("final", sorted(FINAL_STATES))
def test_check_transition_from_final_state_raises_for_every_target(final):
    for target in State:
        with pytest.raises(InvalidTransition):
            check_transition(final, target)

"""Lifecycle of a case: the states and the one table of allowed transitions."""

from __future__ import annotations

from enum import StrEnum

from clea_intake.domain.errors import InvalidTransition


class State(StrEnum):
    RECEIVED = "RECEIVED"
    INCOMPLETE = "INCOMPLETE"
    COMPLETE = "COMPLETE"
    REFUSED = "REFUSED"
    AWARDED = "AWARDED"
    CLAIM_INCOMPLETE = "CLAIM_INCOMPLETE"
    PAYMENT_ORDERED = "PAYMENT_ORDERED"
    PAID = "PAID"
    CLOSED_UNPAID = "CLOSED_UNPAID"
    LAPSED = "LAPSED"
    WITHDRAWN = "WITHDRAWN"


S = State

TRANSITIONS: dict[State, frozenset[State]] = {
    S.RECEIVED: frozenset({S.INCOMPLETE, S.COMPLETE, S.REFUSED, S.WITHDRAWN}),
    S.INCOMPLETE: frozenset({S.COMPLETE, S.REFUSED, S.WITHDRAWN}),
    S.COMPLETE: frozenset({S.AWARDED, S.REFUSED, S.WITHDRAWN}),
    S.AWARDED: frozenset({S.CLAIM_INCOMPLETE, S.PAYMENT_ORDERED, S.CLOSED_UNPAID, S.LAPSED, S.WITHDRAWN}),
    S.CLAIM_INCOMPLETE: frozenset({S.PAYMENT_ORDERED, S.CLOSED_UNPAID, S.LAPSED, S.WITHDRAWN}),
    S.PAYMENT_ORDERED: frozenset({S.PAID}),
    S.PAID: frozenset(),
    S.REFUSED: frozenset(),
    S.CLOSED_UNPAID: frozenset(),
    S.LAPSED: frozenset(),
    S.WITHDRAWN: frozenset(),
}

FINAL_STATES = frozenset(s for s, targets in TRANSITIONS.items() if not targets)
# States in which the applicant's file may still receive pieces.
OPEN_FOR_PIECES = frozenset({S.RECEIVED, S.INCOMPLETE})
# States in which the evaluator's claim is awaited.
OPEN_FOR_CLAIM = frozenset({S.AWARDED, S.CLAIM_INCOMPLETE})


def check_transition(source: State, target: State) -> None:
    if target not in TRANSITIONS[source]:
        raise InvalidTransition(f"{source} -> {target} is not allowed")


def can_transition(source: State, target: State) -> bool:
    return target in TRANSITIONS[source]

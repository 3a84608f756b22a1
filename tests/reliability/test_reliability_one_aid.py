"""Promise: one person, one aid (DESIGN §3): the same person under another spelling of the given names, or with the
same identity document, never holds two aids for one year, certification and evaluation; twins do."""

from __future__ import annotations

import threading
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from clea_intake.domain.lifecycle import State
from clea_intake.services.flow import Ask, advance
from clea_intake.services.ports import Ports
from tests.conftest import PieceBuilder, make_case
from tests.unit.services.fakes import fake_ports
from tests.unit.services.test_services_flow import given_pieces

ON_TIME = datetime(2026, 3, 5, 9, 0, tzinfo=ZoneInfo("Europe/Paris"))
_numbers = iter(range(700, 10_000))


def apply(ports: Ports, given_names: str, *, surname: str = "Martin", document_number: str = "X4RTBPFW4",
          card_given: str | None = None) -> str:
    """A complete case of the DESIGN applicant under these names, with its identity card; the workflow asks
    for eligibility then the award. Returns the final state."""
    case_id = f"NA-CLEA-2026-{next(_numbers):06d}"
    case = make_case(case_id, state="COMPLETE", applicant__given_names=given_names, applicant__surname=surname)
    case.completed_at = ON_TIME
    assert ports.repository.create_case(case)
    builder = PieceBuilder()
    pieces = builder.complete_set()
    pieces[0] = builder.identity_card(surname=surname.upper(), given_names=(card_given or given_names).upper(),
                                      document_number=document_number)
    given_pieces(ports, case, pieces)
    if advance(ports, case_id, ON_TIME, asked=Ask.ELIGIBILITY) == "ELIGIBLE":
        advance(ports, case_id, ON_TIME, asked=Ask.AWARD)
    return str(ports.repository.get_case(case_id).state)


def reasons(ports: Ports, state: str) -> list[list[str]]:
    return [ports.repository.get_case(s.case_id).reasons for s in ports.repository.cases_in_state(State(state))]


@pytest.mark.parametrize("second", ["Léa", "Marie Léa", "LEA-MARIE", "Marie"])
def test_one_aid_same_person_with_other_given_names_is_refused_duplicate(second):
    # Given "Léa Marie" Martin awarded
    ports = fake_ports()
    assert apply(ports, "Léa Marie") == "AWARDED"
    # When the same person applies again as "Léa", "Marie Léa"...
    outcome = apply(ports, second, card_given="Léa Marie")
    # Then the second file is refused for the aid already awarded
    assert outcome == "REFUSED"
    assert reasons(ports, "REFUSED") == [["DUPLICATE_AID"]]


def test_one_aid_twins_with_no_given_name_in_common_are_both_awarded():
    # Given "Léa" Martin awarded, and her twin "Paul" (same surname and birth date), with his own card
    ports = fake_ports()
    assert apply(ports, "Léa") == "AWARDED"
    # When the twin applies
    # Then he is another person, awarded too
    assert apply(ports, "Paul", document_number="Y9ZTBPFW1") == "AWARDED"


def test_one_aid_same_identity_document_under_another_spelling_is_refused():
    # Given Léa Martin awarded with her card X4RTBPFW4
    ports = fake_ports()
    assert apply(ports, "Léa Marie") == "AWARDED"
    # When a file with another spelling of the surname (and so another guard key) shows the same card
    outcome = apply(ports, "Lea", surname="Martyn", document_number="x4rt bpfw4")
    # Then the card names the same person: refused
    assert outcome == "REFUSED"


def test_one_aid_ten_racers_under_name_variants_give_one_award():
    # Given ten complete files of one person under ten spellings of her given names
    ports = fake_ports()
    variants = ["Léa Marie", "Léa", "Marie Léa", "LEA", "lea marie", "Marie", "Léa-Marie", "LÉA", "Marie, Léa",
                "léa   marie"]
    outcomes: list[str] = []
    start = threading.Barrier(len(variants))

    def run(given: str) -> None:
        start.wait()
        outcomes.append(apply(ports, given, card_given="Léa Marie"))

    threads = [threading.Thread(target=run, args=(v,)) for v in variants]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # Then exactly one is awarded
    assert sorted(outcomes) == ["AWARDED"] + ["REFUSED"] * 9
    assert len(ports.repository.cases_in_state(State.AWARDED)) == 1
    assert all(r == ["DUPLICATE_AID"] for r in reasons(ports, "REFUSED"))
    assert Decimal("450.00") == ports.repository.get_case(
        ports.repository.cases_in_state(State.AWARDED)[0].case_id).awarded_eur

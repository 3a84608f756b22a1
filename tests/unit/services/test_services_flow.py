"""Every transition of the lifecycle table, through the services, on in-memory fakes of every port.

For each one: the decision the service returns, the state saved, the timeline events, the e-mails sent and
the workflow call it causes. `covers` registers the transitions a test drives; the last test checks that
together they are the whole table (domain.lifecycle.TRANSITIONS).
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from clea_intake.domain.calendar import claim_deadline, completeness_deadline
from clea_intake.domain.case import Case
from clea_intake.domain.errors import InvalidTransition
from clea_intake.domain.findings import DocType
from clea_intake.domain.lifecycle import TRANSITIONS, State
from clea_intake.domain.pieces import Piece
from clea_intake.domain.policy import policy_for
from clea_intake.domain.records import DocumentRecord
from clea_intake.services import cases, payments, sweeper
from clea_intake.services.evaluators import SupplierRecord, record_supplier
from clea_intake.services.flow import Ask, advance, await_step
from clea_intake.services.keys import entry_of, guard_key, scope_of
from clea_intake.services.ports import Ports
from clea_intake.services.review import resolve
from tests.conftest import PieceBuilder, make_case
from tests.unit.services.fakes import fake_ports

S = State
PARIS = ZoneInfo("Europe/Paris")
POLICY = policy_for(date(2026, 4, 13))
ON_TIME = datetime(2026, 3, 5, 9, 0, tzinfo=PARIS)
TOO_LATE = completeness_deadline(date(2026, 4, 13), POLICY)
CLAIM_DAY = datetime(2026, 5, 2, 11, 0, tzinfo=PARIS)
CLAIM_TOO_LATE = claim_deadline(date(2026, 4, 24), POLICY)
APPLICANT, EVALUATOR = "lea.martin@example.fr", "contact@formation-atlantique.fr"
IBAN = "FR7630004000031234567890143"

COVERED: set[tuple[State, State]] = set()


def covers(*edges: tuple[State, State]):
    COVERED.update(edges)
    return lambda test: test


# -- givens --------------------------------------------------------------------------------------
@pytest.fixture
def ports() -> Ports:
    return fake_ports()


def given_case(ports: Ports, state: State, *, token: str | None = None, step: str = "completeness",
               supplier: bool = True, **fields) -> Case:
    case = make_case(state=str(state))
    if state not in (S.RECEIVED, S.INCOMPLETE, S.COMPLETE):
        fields = {"awarded_eur": Decimal("450.00"), "decided_at": datetime(2026, 3, 25, 9, tzinfo=PARIS),
                  "deadline_at": CLAIM_TOO_LATE, **fields}
    for name, value in fields.items():
        setattr(case, name, value)
    if token:
        case.tokens[step] = token
    assert ports.repository.create_case(case)
    if supplier and state not in (S.RECEIVED, S.INCOMPLETE, S.COMPLETE):
        # The Région's supplier record of the evaluator, with the IBAN its RIBs show (DESIGN §3).
        evaluator = case.application.evaluator
        record_supplier(ports.repository, SupplierRecord(siret=evaluator.siret, name=evaluator.name, iban=IBAN,
                                                         emails=[str(evaluator.email)]), at=ON_TIME, actor="test")
    return case


def given_pieces(ports: Ports, case: Case, pieces: list[Piece], source: str = "application") -> None:
    for n, piece in enumerate(pieces):
        key = f"{'claims' if source == 'claim' else 'applications'}/{case.case_id}/{source}-{n:02d}.pdf"
        ports.repository.put_document(DocumentRecord(
            case_id=case.case_id, doc_id=hashlib.sha256(key.encode()).hexdigest()[:20], bucket="bucket", key=key,
            etag=f"etag{n}", sha256=hashlib.sha256(f"{key}{piece.doc_type}".encode()).hexdigest(),
            original_name=f"{n}.pdf", source=source, received_at=piece.received_at, doc_type=piece.doc_type,
            confidence=0.99, fields=piece.fields, findings=piece.findings))


def claim(hours: float = 10, *, bank: bool = True) -> list[Piece]:
    common = {"beneficiary_name": "Léa Martin", "start_date": "2026-04-13", "end_date": "2026-04-24"}
    pieces = [
        Piece(doc_id="cre", doc_type=DocType.EXECUTION_REPORT, source="claim", findings=[], received_at=CLAIM_DAY,
              fields={**common, "certification": "clea_socle", "evaluation": "initial"}),
        Piece(doc_id="hours", doc_type=DocType.HOURS_ATTESTATION, source="claim", findings=[], received_at=CLAIM_DAY,
              fields={**common, "hours": hours}),
    ]
    if bank:
        pieces.append(Piece(doc_id="rib", doc_type=DocType.BANK_DETAILS, source="claim", findings=[],
                            received_at=CLAIM_DAY, fields={"holder_name": "FORMATION ATLANTIQUE", "iban": IBAN,
                                                           "bic": "BNPAFRPPXXX", "issue_date": "2026-04-20"}))
    return pieces


# -- thens ---------------------------------------------------------------------------------------
def saved(ports: Ports, case: Case) -> Case:
    return ports.repository.get_case(case.case_id)


def transitions(ports: Ports, case: Case) -> list[tuple[State | None, State | None, str | None]]:
    return [(e.from_state, e.to_state, e.reason) for e in ports.repository.timeline(case.case_id)
            if e.kind == "transition"]


def mails(ports: Ports, case: Case) -> list[tuple[str, str]]:
    """(kind, first recipient) of every notice recorded, sorted, checked against what the mailer was given."""
    recorded = sorted((m.kind, m.to[0]) for m in ports.repository.mails(case.case_id))
    assert sorted(str(m["To"]) for m in ports.mailer.sent) == sorted(to for _kind, to in recorded)
    return recorded


def resumed(ports: Ports) -> list[tuple[str, str]]:
    return [(token, output["outcome"]) for _case, token, output in ports.workflow.resumed]


# -- the applicant's file ------------------------------------------------------------------------
@covers((S.RECEIVED, S.COMPLETE))
def test_advance_received_with_every_valid_piece_completes_and_resumes_completeness(ports):
    # Given a received case waiting at the completeness step, with every piece valid
    case = given_case(ports, S.RECEIVED, token="tok-completeness")
    given_pieces(ports, case, PieceBuilder().complete_set())
    # When the flow advances it
    outcome = advance(ports, case.case_id, ON_TIME)
    # Then it is COMPLETE, saved so, the transition recorded, nobody mailed and the workflow resumed
    assert outcome == "COMPLETE"
    assert saved(ports, case).state == S.COMPLETE and saved(ports, case).completed_at == ON_TIME
    assert transitions(ports, case) == [(S.RECEIVED, S.COMPLETE, None)]
    assert mails(ports, case) == []
    assert resumed(ports) == [("tok-completeness", "COMPLETE")]


@covers((S.RECEIVED, S.INCOMPLETE))
def test_advance_received_with_missing_pieces_is_incomplete_and_tells_the_applicant(ports):
    # Given a received case with only its identity card
    case = given_case(ports, S.RECEIVED, token="tok")
    given_pieces(ports, case, [PieceBuilder().identity_card()])
    # When the flow advances it
    outcome = advance(ports, case.case_id, ON_TIME)
    # Then it is INCOMPLETE with the missing codes, the applicant is told once, and the workflow still waits
    assert outcome == "INCOMPLETE"
    stored = saved(ports, case)
    assert stored.state == S.INCOMPLETE and stored.missing
    [(source, target, reason)] = transitions(ports, case)
    assert (source, target) == (S.RECEIVED, S.INCOMPLETE) and reason == ",".join(m["code"] for m in stored.missing)
    assert mails(ports, case) == [("incomplete", APPLICANT)]
    assert resumed(ports) == []


@covers((S.INCOMPLETE, S.COMPLETE))
def test_advance_incomplete_once_the_last_piece_arrives_completes(ports):
    # Given an incomplete case whose missing pieces have now arrived
    case = given_case(ports, S.INCOMPLETE, token="tok", missing=[{"code": "MISSING_QUOTE"}])
    given_pieces(ports, case, PieceBuilder().complete_set())
    # When the flow advances it
    outcome = advance(ports, case.case_id, ON_TIME)
    # Then it is COMPLETE, its missing list emptied, and the completeness step resumed
    assert outcome == "COMPLETE"
    assert saved(ports, case).state == S.COMPLETE and saved(ports, case).missing == []
    assert transitions(ports, case) == [(S.INCOMPLETE, S.COMPLETE, None)]
    assert mails(ports, case) == [] and resumed(ports) == [("tok", "COMPLETE")]


@covers((S.RECEIVED, S.REFUSED))
def test_advance_received_still_incomplete_after_the_deadline_is_refused_late(ports):
    # Given a received case without its pieces, past the completeness deadline
    case = given_case(ports, S.RECEIVED, token="tok")
    # When the flow advances it
    outcome = advance(ports, case.case_id, TOO_LATE)
    # Then it is REFUSED for lateness, and the workflow goes on to the decision letter
    assert outcome == "REFUSED"
    assert saved(ports, case).reasons == ["LATE_COMPLETION"] and saved(ports, case).decided_at == TOO_LATE
    assert transitions(ports, case) == [(S.RECEIVED, S.REFUSED, "LATE_COMPLETION")]
    assert mails(ports, case) == [] and resumed(ports) == [("tok", "REFUSED")]


@covers((S.INCOMPLETE, S.REFUSED))
def test_sweep_incomplete_case_past_its_deadline_refuses_it(ports):
    # Given an incomplete case whose deadline has passed
    case = given_case(ports, S.INCOMPLETE, token="tok", deadline_at=TOO_LATE,
                      missing=[{"code": "MISSING_QUOTE"}])
    # When the sweeper passes
    report = sweeper.sweep(ports, TOO_LATE + timedelta(hours=1))
    # Then the case is refused late, reported, and its completeness step resumed
    assert report.refused == [case.case_id] and report.lapsed == []
    assert saved(ports, case).state == S.REFUSED
    assert transitions(ports, case) == [(S.INCOMPLETE, S.REFUSED, "LATE_COMPLETION")]
    [event] = [e for e in ports.repository.timeline(case.case_id) if e.kind == "transition"]
    assert event.actor == "system:sweeper"
    assert mails(ports, case) == [] and resumed(ports) == [("tok", "REFUSED")]


def test_a_sweep_out_of_time_leaves_the_other_due_cases_to_the_next_run(ports):
    # Given three incomplete cases past their deadline, and a run with time for two cases only
    cases = []
    for number in range(3):
        case = make_case(f"NA-CLEA-2026-{800 + number:06d}", state=str(S.INCOMPLETE))
        case.deadline_at, case.missing, case.tokens["completeness"] = TOO_LATE, [{"code": "MISSING_QUOTE"}], f"tok{number}"
        assert ports.repository.create_case(case)
        cases.append(case)
    allowed = iter([True, True])
    # When that run stops, and the next runs an hour later
    first = sweeper.sweep(ports, TOO_LATE + timedelta(hours=1), has_time=lambda: next(allowed, False))
    second = sweeper.sweep(ports, TOO_LATE + timedelta(hours=2))
    # Then the first refused two and said it was unfinished (no retention pass begun); the second refused the
    # third, and only it: each case refused once, each completeness step resumed once
    assert first.unfinished and len(first.refused) == 2 and first.retention.cases == []
    assert not second.unfinished and second.refused == sorted({c.case_id for c in cases} - set(first.refused))
    for case in cases:
        assert transitions(ports, case) == [(S.INCOMPLETE, S.REFUSED, "LATE_COMPLETION")]
    assert sorted(token for token, _ in resumed(ports)) == ["tok0", "tok1", "tok2"]


@covers((S.RECEIVED, S.WITHDRAWN), (S.INCOMPLETE, S.WITHDRAWN), (S.COMPLETE, S.WITHDRAWN))
@pytest.mark.parametrize("state", [S.RECEIVED, S.INCOMPLETE, S.COMPLETE])
def test_withdraw_before_the_award_tells_the_applicant_and_ends_the_completeness_step(ports, state):
    # Given a case not yet awarded, its execution waiting at the completeness step
    case = given_case(ports, state, token="tok-completeness")
    # When a person withdraws it
    outcome = cases.withdraw(ports, case.case_id, ON_TIME, actor="ops:test", note="Retrait demandé.")
    # Then it is WITHDRAWN, the applicant told, and the completeness step resumed with that outcome
    assert outcome == "WITHDRAWN" and saved(ports, case).state == S.WITHDRAWN
    assert transitions(ports, case) == [(state, S.WITHDRAWN, None)]
    assert mails(ports, case) == [("withdrawal", APPLICANT)]
    assert resumed(ports) == [("tok-completeness", "WITHDRAWN")]


# -- the decision --------------------------------------------------------------------------------
@covers((S.COMPLETE, S.AWARDED))
def test_advance_asked_eligibility_then_award_awards_once_and_letters_follow(ports):
    # Given a complete case with every valid piece
    case = given_case(ports, S.COMPLETE, completed_at=ON_TIME)
    given_pieces(ports, case, PieceBuilder().complete_set())
    # When the workflow asks for eligibility, then for the award, then sends the decision
    eligible = advance(ports, case.case_id, ON_TIME, asked=Ask.ELIGIBILITY)
    awarded = advance(ports, case.case_id, ON_TIME, asked=Ask.AWARD)
    cases.send_decision(ports, case.case_id, ON_TIME)
    # Then it is AWARDED with the quoted amount, its claim deadline set and its guard held
    assert (eligible, awarded) == ("ELIGIBLE", "AWARDED")
    stored = saved(ports, case)
    assert stored.state == S.AWARDED and stored.awarded_eur == Decimal("450.00")
    assert stored.deadline_at == CLAIM_TOO_LATE
    assert ports.repository.award_holder(guard_key(ports, stored.application)) == case.case_id
    kinds = [e.kind for e in ports.repository.timeline(case.case_id)]
    assert kinds == ["eligibility", "transition"]
    assert transitions(ports, case) == [(S.COMPLETE, S.AWARDED, None)]
    # And the award letters go to the applicant and the evaluator; no waiting step was resumed
    assert mails(ports, case) == [("arrete_evaluator", EVALUATOR), ("award_beneficiary", APPLICANT)]
    assert resumed(ports) == []


@covers((S.COMPLETE, S.REFUSED))
def test_advance_asked_eligibility_with_an_aid_already_awarded_refuses_with_every_failed_rule(ports):
    # Given a complete case whose person already holds the same aid through another case
    holder = given_case(ports, S.COMPLETE, completed_at=ON_TIME)
    assert holder.case_id
    other = make_case(case_id="NA-CLEA-2026-000999", state="COMPLETE")
    other.awarded_eur = Decimal("450.00")
    assert ports.repository.create_case(other)
    other = ports.repository.get_case(other.case_id)
    other.award(at=ON_TIME, actor="system", claim_deadline=CLAIM_TOO_LATE)
    ports.repository.record_award(other, guard_key(ports, other.application), scope_of(other.application),
                                  entry_of(ports, other.case_id, other.application, []))
    given_pieces(ports, holder, PieceBuilder().complete_set())
    # When the workflow asks for eligibility, then sends the decision
    outcome = advance(ports, holder.case_id, ON_TIME, asked=Ask.ELIGIBILITY)
    cases.send_decision(ports, holder.case_id, ON_TIME)
    # Then it is REFUSED for the duplicate aid, the refusal letter sent, the rules' results kept
    assert outcome == "REFUSED"
    stored = saved(ports, holder)
    assert stored.state == S.REFUSED and stored.reasons == ["DUPLICATE_AID"] and stored.rule_results
    assert transitions(ports, holder) == [(S.COMPLETE, S.REFUSED, "DUPLICATE_AID")]
    assert mails(ports, holder) == [("refusal", APPLICANT)]
    assert resumed(ports) == []


def test_advance_asked_award_when_another_case_won_the_guard_refuses_the_duplicate(ports):
    # Given two eligible cases of one person, the first already awarded
    first = given_case(ports, S.COMPLETE, awarded_eur=Decimal("450.00"))
    second = make_case(case_id="NA-CLEA-2026-000998", state="COMPLETE")
    second.awarded_eur = Decimal("450.00")
    assert ports.repository.create_case(second)
    assert advance(ports, first.case_id, ON_TIME, asked=Ask.AWARD) == "AWARDED"
    # When the second is awarded
    outcome = advance(ports, second.case_id, ON_TIME, asked=Ask.AWARD)
    # Then it is refused as a duplicate, its amount withdrawn
    assert outcome == "REFUSED"
    stored = saved(ports, second)
    assert stored.reasons == ["DUPLICATE_AID"] and stored.awarded_eur is None
    assert transitions(ports, second) == [(S.COMPLETE, S.REFUSED, "DUPLICATE_AID")]


# -- the evaluator's claim -----------------------------------------------------------------------
@covers((S.AWARDED, S.CLAIM_INCOMPLETE))
def test_advance_awarded_with_a_claim_without_rib_asks_the_evaluator_for_the_missing_piece(ports):
    # Given an awarded case waiting for its claim, which came without a RIB
    case = given_case(ports, S.AWARDED, token="tok-claim", step="claim")
    given_pieces(ports, case, claim(bank=False), source="claim")
    # When the flow advances it
    outcome = advance(ports, case.case_id, CLAIM_DAY)
    # Then it is CLAIM_INCOMPLETE, the evaluator told what is missing, and the claim step still waits
    assert outcome == "CLAIM_INCOMPLETE"
    stored = saved(ports, case)
    assert stored.state == S.CLAIM_INCOMPLETE and [p["code"] for p in stored.claim_problems] == [
        "MISSING_BANK_DETAILS"]
    assert transitions(ports, case) == [(S.AWARDED, S.CLAIM_INCOMPLETE, "MISSING_BANK_DETAILS")]
    assert mails(ports, case) == [("claim_incomplete", EVALUATOR), ("claim_received", EVALUATOR)]
    assert resumed(ports) == []


@covers((S.AWARDED, S.PAYMENT_ORDERED), (S.CLAIM_INCOMPLETE, S.PAYMENT_ORDERED))
@pytest.mark.parametrize("state", [S.AWARDED, S.CLAIM_INCOMPLETE])
def test_advance_with_a_valid_claim_resumes_the_claim_step_then_orders_the_payment_once(ports, state):
    # Given a case waiting for its claim, whose three pieces are now valid
    case = given_case(ports, state, token="tok-claim", step="claim")
    given_pieces(ports, case, claim(), source="claim")
    # When the flow advances it, then the workflow asks for the payment order (twice, as a retry would)
    valid = advance(ports, case.case_id, CLAIM_DAY)
    ordered = advance(ports, case.case_id, CLAIM_DAY, asked=Ask.PAYMENT_ORDER)
    again = advance(ports, case.case_id, CLAIM_DAY, asked=Ask.PAYMENT_ORDER)
    # Then the claim step is resumed as valid, and one order is created on the RIB's IBAN
    assert (valid, ordered, again) == ("CLAIM_VALID", "PAYMENT_ORDERED", "PAYMENT_ORDERED")
    assert resumed(ports) == [("tok-claim", "CLAIM_VALID")]
    order = ports.repository.find_payment(case.case_id)
    assert order.iban == IBAN and order.amount_eur == Decimal("450.00") and order.status == "ORDERED"
    assert [o.case_id for o in ports.repository.payments("ORDERED")] == [case.case_id]
    assert saved(ports, case).state == S.PAYMENT_ORDERED
    assert ports.repository.reviews("OPEN") == []
    assert transitions(ports, case) == [(state, S.PAYMENT_ORDERED, None)]
    assert "claim_valid" in [e.kind for e in ports.repository.timeline(case.case_id)]
    assert mails(ports, case) == [("claim_received", EVALUATOR), ("payment_ordered", EVALUATOR)]


@covers((S.AWARDED, S.CLOSED_UNPAID), (S.CLAIM_INCOMPLETE, S.CLOSED_UNPAID))
@pytest.mark.parametrize("state", [S.AWARDED, S.CLAIM_INCOMPLETE])
def test_advance_with_zero_hours_closes_the_case_unpaid_without_a_rib(ports, state):
    # Given a claim whose report is valid and whose attestation declares 0 hours, without RIB
    case = given_case(ports, state, token="tok-claim", step="claim")
    given_pieces(ports, case, claim(hours=0, bank=False), source="claim")
    # When the flow advances it
    outcome = advance(ports, case.case_id, CLAIM_DAY)
    # Then it is CLOSED_UNPAID, the evaluator told, the claim step resumed with it, no order made
    assert outcome == "CLOSED_UNPAID" and saved(ports, case).state == S.CLOSED_UNPAID
    assert transitions(ports, case) == [(state, S.CLOSED_UNPAID, "ZERO_HOURS")]
    assert mails(ports, case) == [("claim_received", EVALUATOR), ("closed_unpaid", EVALUATOR)]
    assert resumed(ports) == [("tok-claim", "CLOSED_UNPAID")]
    assert ports.repository.find_payment(case.case_id) is None


@covers((S.AWARDED, S.LAPSED), (S.CLAIM_INCOMPLETE, S.LAPSED))
@pytest.mark.parametrize("state", [S.AWARDED, S.CLAIM_INCOMPLETE])
def test_sweep_award_past_its_claim_deadline_lapses_it(ports, state):
    # Given an award still waiting for a valid claim at its claim deadline
    case = given_case(ports, state, token="tok-claim", step="claim")
    # When the sweeper passes
    report = sweeper.sweep(ports, CLAIM_TOO_LATE)
    # Then the award lapses, the evaluator is told and the claim step ends with LAPSED
    assert report.lapsed == [case.case_id] and report.refused == []
    stored = saved(ports, case)
    assert stored.state == S.LAPSED and stored.deadline_at is None
    assert transitions(ports, case) == [(state, S.LAPSED, "CLAIM_DEADLINE")]
    assert mails(ports, case) == [("lapsed", EVALUATOR)]
    assert resumed(ports) == [("tok-claim", "LAPSED")]


def test_advance_valid_claim_after_the_claim_deadline_lapses_rather_than_pays(ports):
    # Given a valid claim read after the claim deadline, before the sweeper passed
    case = given_case(ports, S.AWARDED, token="tok-claim", step="claim")
    given_pieces(ports, case, claim(), source="claim")
    # When the flow advances it
    outcome = advance(ports, case.case_id, CLAIM_TOO_LATE + timedelta(hours=1))
    # Then the award lapses and no payment can be ordered any more
    assert outcome == "LAPSED" and resumed(ports) == [("tok-claim", "LAPSED")]
    assert advance(ports, case.case_id, CLAIM_TOO_LATE, asked=Ask.PAYMENT_ORDER) == "LAPSED"


@covers((S.AWARDED, S.WITHDRAWN), (S.CLAIM_INCOMPLETE, S.WITHDRAWN))
@pytest.mark.parametrize("state", [S.AWARDED, S.CLAIM_INCOMPLETE])
def test_withdraw_after_the_award_ends_the_claim_step(ports, state):
    # Given an awarded case waiting at the claim step (its completeness token long used)
    case = given_case(ports, state, token="tok-claim", step="claim")
    case = saved(ports, case)
    case.tokens["completeness"] = "tok-old"
    ports.repository.save_case(case)
    # When a person withdraws it
    outcome = cases.withdraw(ports, case.case_id, CLAIM_DAY, actor="ops:test", note=None)
    # Then the claim step (not the old completeness one) is resumed with WITHDRAWN
    assert outcome == "WITHDRAWN" and saved(ports, case).state == S.WITHDRAWN
    assert transitions(ports, case) == [(state, S.WITHDRAWN, None)]
    assert mails(ports, case) == [("withdrawal", APPLICANT)]
    assert resumed(ports) == [("tok-claim", "WITHDRAWN")]


# -- whose IBAN is paid (DESIGN §3) ---------------------------------------------------------------
def test_advance_valid_claim_of_an_evaluator_without_supplier_record_waits_for_a_person(ports):
    # Given an awarded case whose evaluator has no supplier record, and a valid claim
    case = given_case(ports, S.AWARDED, token="tok-claim", step="claim", supplier=False)
    given_pieces(ports, case, claim(), source="claim")
    # When the flow advances it, and the workflow asks for the order anyway
    outcome = advance(ports, case.case_id, CLAIM_DAY)
    ordered = advance(ports, case.case_id, CLAIM_DAY, asked=Ask.PAYMENT_ORDER)
    # Then nothing is ordered: the first IBAN ever claimed is held for a person, whoever sent it
    assert (outcome, ordered) == ("HELD_FOR_REVIEW", "CLAIM_INCOMPLETE")
    assert [(r.kind, r.code) for r in ports.repository.reviews("OPEN")] == [("bank_details", "IBAN_FIRST_USE")]
    assert ports.repository.find_payment(case.case_id) is None and resumed(ports) == []


def test_advance_claim_on_another_iban_than_the_supplier_records_waits_for_a_person(ports):
    # Given an evaluator whose supplier record holds another IBAN than the claim's RIB
    case = given_case(ports, S.AWARDED, token="tok-claim", step="claim", supplier=False)
    evaluator = case.application.evaluator
    record_supplier(ports.repository, SupplierRecord(siret=evaluator.siret, name=evaluator.name,
                                                     iban="FR7610107001011234567890129"), at=ON_TIME, actor="test")
    given_pieces(ports, case, claim(), source="claim")
    # When the flow advances it
    outcome = advance(ports, case.case_id, CLAIM_DAY)
    # Then the change is held
    assert outcome == "HELD_FOR_REVIEW"
    assert [r.code for r in ports.repository.reviews("OPEN")] == ["IBAN_CHANGED"]


def test_approved_first_iban_pays_and_is_trusted_for_the_evaluators_next_claim(ports):
    # Given a first claim held for its IBAN
    case = given_case(ports, S.AWARDED, token="tok-claim", step="claim", supplier=False)
    given_pieces(ports, case, claim(), source="claim")
    assert advance(ports, case.case_id, CLAIM_DAY) == "HELD_FOR_REVIEW"
    [item] = ports.repository.reviews("OPEN")
    # When a finance officer confirms it after checking with the evaluator
    assert resolve(ports, item.review_id, "confirm", CLAIM_DAY, actor="finance:lea") == "approved"
    # Then the claim is valid, the IBAN is the evaluator's confirmed one, and a second case's claim on it
    # needs no one
    assert resumed(ports) == [("tok-claim", "CLAIM_VALID")]
    record = ports.repository.find_evaluator(case.application.evaluator.siret)
    assert record.trusts_iban(IBAN) and record.iban_source == "confirmed"
    other = given_case(ports, S.AWARDED, supplier=False, case_id="NA-CLEA-2026-000999")
    given_pieces(ports, other, claim(), source="claim")
    assert advance(ports, other.case_id, CLAIM_DAY) == "CLAIM_VALID"


# -- the payment ---------------------------------------------------------------------------------
@covers((S.PAYMENT_ORDERED, S.PAID))
def test_confirm_of_an_exported_order_marks_it_paid_and_ends_the_payment_step(ports):
    # Given a payment ordered, its execution waiting at the payment step
    case = given_case(ports, S.AWARDED, token="tok-claim", step="claim")
    given_pieces(ports, case, claim(), source="claim")
    assert advance(ports, case.case_id, CLAIM_DAY) == "CLAIM_VALID"
    assert advance(ports, case.case_id, CLAIM_DAY, asked=Ask.PAYMENT_ORDER) == "PAYMENT_ORDERED"
    assert await_step(ports, case.case_id, "payment", "tok-payment", CLAIM_DAY) == "PAYMENT_ORDERED"
    # When finance exports the orders and confirms the transfer
    export = payments.export_payments(ports, CLAIM_DAY + timedelta(days=1))
    confirmed = payments.confirm(ports, [f"PAY-{case.case_id}"], CLAIM_DAY + timedelta(days=2), actor="finance:test")
    # Then the case is PAID with the amount, both export files stored, and the payment step resumed
    assert confirmed == [case.case_id]
    assert ports.storage.exists("bucket", f"exports/{export.export_id}.xml")
    stored = saved(ports, case)
    assert stored.state == S.PAID and stored.paid_eur == Decimal("450.00") and stored.deadline_at is None
    assert ports.repository.find_payment(case.case_id).status == "PAID"
    assert transitions(ports, case)[-1] == (S.PAYMENT_ORDERED, S.PAID, None)
    assert resumed(ports) == [("tok-claim", "CLAIM_VALID"), ("tok-payment", "PAID")]
    assert [kind for kind, _to in mails(ports, case)] == ["claim_received", "payment_ordered"]


# -- waiting steps and the table's guards --------------------------------------------------------
def test_await_step_keeps_the_token_and_settles_a_step_already_decided(ports):
    # Given a case already complete when its execution reaches the completeness step
    case = given_case(ports, S.COMPLETE)
    # When the step parks its task token
    outcome = await_step(ports, case.case_id, "completeness", "tok", ON_TIME)
    # Then the token is kept and resumed at once with the known outcome
    assert outcome == "COMPLETE" and saved(ports, case).tokens == {"completeness": "tok"}
    assert resumed(ports) == [("tok", "COMPLETE")]


def test_advance_unknown_case_does_nothing(ports):
    assert advance(ports, "NA-CLEA-2026-000404", ON_TIME) == "no_case"
    assert resumed(ports) == [] and ports.mailer.sent == []


@pytest.mark.parametrize("state", [S.PAID, S.REFUSED, S.LAPSED, S.CLOSED_UNPAID, S.WITHDRAWN, S.PAYMENT_ORDERED])
def test_case_withdraw_from_a_state_without_that_transition_raises_invalid_transition(state):
    case = make_case(state=str(state))
    with pytest.raises(InvalidTransition):
        case.withdraw(at=ON_TIME, actor="ops:test")
    assert case.state == state and case.new_events == []


def test_case_lapse_before_the_claim_deadline_raises_invalid_transition():
    case = make_case(state="AWARDED")
    case.deadline_at = CLAIM_TOO_LATE
    with pytest.raises(InvalidTransition):
        case.lapse(at=CLAIM_TOO_LATE - timedelta(seconds=1), actor="system")
    assert case.state == S.AWARDED


def test_lifecycle_table_every_transition_is_driven_by_a_service_test():
    table = {(source, target) for source, targets in TRANSITIONS.items() for target in targets}
    assert COVERED == table, sorted(table - COVERED)

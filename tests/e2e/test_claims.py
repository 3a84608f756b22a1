"""Evaluator claims from the raw e-mail under inbound/ to PAID, through the real ASL on moto (server mode)."""

from __future__ import annotations

import csv
import io
import json
import os
import socket
import subprocess
import sys
import time
from datetime import date, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from clea_intake.adapters import clients
from clea_intake.local.outcome import case_outcome
from clea_intake.local.season import evaluator_iban
from clea_intake.local.stack import LocalStack
from clea_intake.mail.build import build_claim_email
from clea_intake.payments import validate_pain001
from clea_intake.runtime import aws_ports
from clea_intake.services import review
from clea_intake.services.evaluators import SupplierRecord, record_supplier
from tests.e2e.conftest import at
from tests.fixtures.claims.make_fixtures import application_form, application_pieces, claim_pieces

pytestmark = pytest.mark.e2e

START = date(2026, 5, 4)
CLAIM_DAY = START + timedelta(days=10)
FIXTURES = Path(__file__).parents[1] / "fixtures" / "claims"
CLI = Path(sys.executable).with_name("clea-intake")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def stack():
    # Server mode, so that the `clea-intake payments` command reaches this very stack from its own process.
    with LocalStack(server_port=_free_port()) as local:
        yield local


class Awarded:
    """One case awarded on the stack from explicit-fact pieces, then whatever e-mails the test delivers."""

    def __init__(self, stack: LocalStack, number: int) -> None:
        self.stack = stack
        day = START - timedelta(days=42)
        self.app = application_form(number, start=START, submitted=at(day, 9))
        self.case_id = self.app["case_id"]
        evaluator = self.app["evaluator"]
        # The Région's supplier record of the evaluator: its usual IBAN and its form's address trusted.
        record_supplier(stack.repo(), SupplierRecord(siret=evaluator["siret"], name=evaluator["name"],
                                                     iban=evaluator_iban(evaluator["siret"]),
                                                     emails=[evaluator["email"]]), at=at(day, 8), actor="region:suppliers")
        stack.set_time(at(day, 9))
        stack.submit(self.app)
        for name, data in application_pieces(self.app, received=day).items():
            stack.upload_document(self.case_id, name, data)
        stack.settle()
        assert self.outcome()["state"] == "AWARDED", self.outcome()

    @property
    def end(self) -> date:
        return date.fromisoformat(self.app["evaluation_end"])

    def deliver(self, day: date, raw: bytes, hour: int = 11) -> str:
        self.stack.set_time(at(day, hour))
        key = self.stack.deliver_email(raw)
        self.stack.settle()
        return key

    def outcome(self) -> dict:
        return case_outcome(self.stack.repo(), self.case_id)


def _claim(applicant: Awarded, *, hours: float | None = None, iban: str | None = None,
           pieces: tuple[str, ...] = ("CRE", "HOURS", "RIB"), seed: int = 0, sender: str | None = None,
           **email_options) -> bytes:
    app = applicant.app
    attachments = claim_pieces(app, hours=app["quote"]["hours"] if hours is None else hours,
                               issued=CLAIM_DAY - timedelta(days=1),
                               iban=iban or evaluator_iban(app["evaluator"]["siret"]), seed=seed, pieces=pieces)
    return build_claim_email(sender=sender or app["evaluator"]["email"], attachments=attachments,
                             sent_at=at(CLAIM_DAY, 8),
                             case_id=applicant.case_id, **email_options)


def _attachments(raw: bytes) -> list[bytes]:
    return [part.get_content() for part in message_from_bytes(raw, policy=policy.default).iter_attachments()]


def _states(applicant: Awarded) -> list[str]:
    return [t["state"] for t in applicant.outcome()["timeline"]]


def _evaluator_mails(stack: LocalStack, applicant: Awarded) -> list[tuple[str, str]]:
    """(subject, plain text) of every e-mail the SES backend sent to the evaluator about the case."""
    found = []
    for sent in stack.sent_emails():
        message = message_from_bytes(sent["raw"] if isinstance(sent["raw"], bytes) else sent["raw"].encode(),
                                     policy=policy.default)
        if applicant.app["evaluator"]["email"] in str(message["To"]) and applicant.case_id in str(message["Subject"]):
            found.append((str(message["Subject"]), message.get_body(("plain",)).get_content()))
    return found


def _execution_status(stack: LocalStack, case_id: str, *, wait: float = 20.0) -> str:
    arn = stack.names.state_machine_arn.replace(":stateMachine:", ":execution:") + f":{case_id}"
    limit = time.monotonic() + wait
    while True:
        status = clients.client("stepfunctions").describe_execution(executionArn=arn)["status"]
        if status != "RUNNING" or time.monotonic() > limit:
            return status
        time.sleep(0.1)


# -- award to payment ----------------------------------------------------------------------------------------
def test_claim_email_under_inbound_orders_the_payment_and_tells_the_evaluator(stack):
    # Given an awarded case parked on its claim
    applicant = Awarded(stack, 9501)
    # When the evaluator's claim (CRE, hours, RIB) arrives as a raw e-mail under inbound/
    key = applicant.deliver(CLAIM_DAY, _claim(applicant))
    # Then the payment is ordered once, for the awarded amount, to the RIB's IBAN
    outcome = applicant.outcome()
    assert outcome["state"] == "PAYMENT_ORDERED", outcome
    assert _states(applicant)[-2:] == ["AWARDED", "PAYMENT_ORDERED"]
    order = stack.repo().find_payment(applicant.case_id)
    assert float(order.amount_eur) == outcome["awarded_eur"]
    assert order.iban == evaluator_iban(applicant.app["evaluator"]["siret"])
    # and the evaluator is told the claim was received and the payment ordered, never that it is incomplete
    subjects = [subject for subject, _ in _evaluator_mails(stack, applicant)]
    assert any("Demande de versement reçue" in s for s in subjects), subjects
    assert any("Versement de l'aide CléA ordonné" in s for s in subjects), subjects
    assert not any("incomplète" in s for s in subjects), subjects
    # and the raw message is still there, untouched
    assert stack.read_object(key) == _claim(applicant)


def test_payments_cli_exports_once_and_confirm_file_marks_the_case_paid(stack, tmp_path):
    # Given a case whose payment was ordered from its claim e-mail
    applicant = Awarded(stack, 9502)
    applicant.deliver(CLAIM_DAY, _claim(applicant))
    assert applicant.outcome()["state"] == "PAYMENT_ORDERED"
    env = {**os.environ, **stack.environment(), "POWERTOOLS_LOG_LEVEL": "ERROR"}

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(CLI), "payments", *args], env=env, capture_output=True, text=True, timeout=120,
                              check=True)

    # When finance exports the pending orders from the command line
    cli("export", "--out", str(tmp_path / "first"))
    # Then a French CSV (BOM, semicolons, decimal comma) and an XSD-valid pain.001 carry the case's order
    [csv_file] = (tmp_path / "first").glob("*.csv")
    [xml_file] = (tmp_path / "first").glob("*.xml")
    data = csv_file.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data[3:].decode("utf-8")), delimiter=";"))
    [row] = [r for r in rows[1:] if applicant.case_id in r]
    amount = f"{applicant.outcome()['awarded_eur']:.2f}".replace(".", ",")
    assert amount in row
    validate_pain001(xml_file.read_bytes())
    assert f"AIDE CLEA {applicant.case_id}" in xml_file.read_text(encoding="utf-8")
    # and a second export finds nothing left to export
    second = cli("export", "--out", str(tmp_path / "second"))
    assert "Aucun ordre de paiement en attente" in second.stdout
    assert not (tmp_path / "second").exists() or not list((tmp_path / "second").iterdir())
    # When the export's SEPA file is missing from the bucket (its write failed after the orders were taken,
    # an hour ago) and finance runs the export again
    clients.client("s3").delete_object(Bucket=stack.names.bucket, Key=f"exports/{xml_file.stem}.xml")
    repo = stack.repo()
    for order in repo.payments("EXPORTED"):
        repo.update_payment(order.model_copy(update={"exported_at": order.exported_at - timedelta(hours=1)}),
                            expected_status="EXPORTED")
    third = cli("export", "--out", str(tmp_path / "third"))
    # Then the next export writes it again under the same id, with the same orders
    assert f"{xml_file.stem} (fichiers absents du compartiment, écrits à nouveau)" in third.stdout
    again = stack.read_object(f"exports/{xml_file.stem}.xml")
    validate_pain001(again)
    assert f"AIDE CLEA {applicant.case_id}" in again.decode("utf-8")
    assert (tmp_path / "third" / f"{xml_file.stem}.csv").read_bytes() == data
    # When finance confirms the exported file
    confirmed = cli("confirm", str(csv_file))
    # Then the case is PAID for the awarded amount and its execution ends
    assert applicant.case_id in confirmed.stdout
    stack.settle()
    outcome = applicant.outcome()
    assert outcome["state"] == "PAID" and outcome["paid_eur"] == outcome["awarded_eur"]
    assert _execution_status(stack, applicant.case_id) == "SUCCEEDED"


def test_simulate_scenario_from_award_to_paid_through_the_cli():
    # Given the frozen scenario: pieces, form, the claim as a raw .eml, then the payment confirmation
    scenario = FIXTURES / "award_to_paid.json"
    # When it is replayed by `clea-intake simulate --json` on a fresh local stack
    done = subprocess.run([str(CLI), "simulate", str(scenario), "--json"], capture_output=True, text=True,
                          timeout=600, check=True, env={**os.environ, "POWERTOOLS_LOG_LEVEL": "ERROR"})
    outcome = json.loads(done.stdout)
    # Then the case went from award to PAID, paid the awarded amount, and the evaluator was told
    application = json.loads((FIXTURES / "application.json").read_text(encoding="utf-8"))
    assert outcome["state"] == "PAID", outcome
    assert outcome["paid_eur"] == outcome["awarded_eur"] == min(application["quote"]["amount_eur"], 450.0)
    assert [t["state"] for t in outcome["timeline"]][-3:] == ["AWARDED", "PAYMENT_ORDERED", "PAID"]
    to_evaluator = [e["subject"] for e in outcome["emails"] if e["to"] == application["evaluator"]["email"]]
    assert any("Demande de versement reçue" in s for s in to_evaluator), to_evaluator
    assert any("ordonné" in s for s in to_evaluator), to_evaluator


# -- quarantine ----------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def target(stack) -> Awarded:
    """One awarded case that every suspicious message claims to be for."""
    return Awarded(stack, 9510)


def _strip_authentication(raw: bytes) -> bytes:
    lines = raw.split(b"\r\n")
    return b"\r\n".join(line for line in lines
                        if not line.startswith((b"Authentication-Results", b" spf=", b" dkim=", b" dmarc=")))


SUSPICIOUS = {
    "spoofed_dmarc_fail": (lambda a: _claim(a, dmarc="fail", spf="fail", dkim="fail"), "MAIL_NOT_AUTHENTICATED"),
    "header_from_not_aligned": (lambda a: _claim(a, dmarc_header_from="paiement-securise.example"),
                                "MAIL_NOT_AUTHENTICATED"),
    "infected": (lambda a: _claim(a, virus_verdict="FAIL"), "MAIL_VIRUS"),
    "unauthenticated": (lambda a: _strip_authentication(_claim(a)), "MAIL_NOT_AUTHENTICATED"),
    "no_reference": (lambda a: _claim(a, subject="Demande de paiement CléA"), "MAIL_NO_REFERENCE"),
    "unknown_reference": (lambda a: _claim(a, subject="Demande de paiement - Réf. NA-CLEA-2026-999901"),
                          "MAIL_UNKNOWN_CASE"),
    "ambiguous_reference": (lambda a: _claim(a, subject=f"Réf. {a.case_id} et NA-CLEA-2026-999902"),
                            "MAIL_AMBIGUOUS_REFERENCE"),
    "malformed": (lambda a: b"\x00\x00 this is not an e-mail\r\n\r\n%PDF-1.4", "MAIL_MALFORMED"),
    # DMARC passes for the evaluator's domain, but the mailbox is not one registered for it (DESIGN §3).
    "unregistered_mailbox_of_the_evaluators_domain": (lambda a: _claim(a, sender="compta@formation-atlantique.fr"),
                                                      "MAIL_SENDER_NOT_REGISTERED"),
}


@pytest.mark.parametrize("kind", list(SUSPICIOUS))
def test_suspicious_claim_email_is_quarantined_for_review_and_never_paid(stack, target, kind):
    # Given an awarded case, and a message about it that cannot be trusted, matched or read
    build, reason = SUSPICIOUS[kind]
    raw = build(target)
    # When SES stores it under inbound/
    key = target.deliver(CLAIM_DAY, raw)
    repo = stack.repo()
    # Then it is quarantined with its reason and waits in the review queue
    assert repo.find_inbound(key)["status"] == "quarantined"
    assert [(r.code, r.kind) for r in repo.reviews("OPEN") if r.subject_ref == key] == [(reason, "mail")]
    # and nothing of it reaches the case: no claim piece, no payment order, the case still awarded
    assert not [d for d in repo.documents(target.case_id) if d.source == "claim"]
    assert repo.find_payment(target.case_id) is None and target.outcome()["state"] == "AWARDED"
    # and the raw message is kept as it arrived
    assert stack.read_object(key) == raw


# -- duplicates ----------------------------------------------------------------------------------------------
def test_same_claim_delivered_three_times_orders_one_payment(stack):
    # Given an awarded case and its claim e-mail
    applicant = Awarded(stack, 9520)
    raw = _claim(applicant)
    # When SES stores the same message three times under three keys, before anything is processed
    stack.set_time(at(CLAIM_DAY, 11))
    keys = {stack.deliver_email(raw) for _ in range(3)}
    stack.settle()
    # Then each copy was taken in, but one payment order and one PAYMENT_ORDERED transition exist
    assert len(keys) == 3 and all(stack.repo().find_inbound(k)["status"] == "accepted" for k in keys)
    assert stack.repo().find_payment(applicant.case_id) is not None
    assert _states(applicant).count("PAYMENT_ORDERED") == 1
    assert [o.case_id for o in stack.repo().payments("ORDERED")].count(applicant.case_id) == 1
    ordered = [s for s, _ in _evaluator_mails(stack, applicant) if "ordonné" in s]
    assert len(ordered) == 1


def test_two_different_claim_emails_for_one_case_order_one_payment(stack):
    # Given an awarded case, and two different claim e-mails (pieces drawn anew, another subject)
    applicant = Awarded(stack, 9521)
    first = _claim(applicant)
    second = _claim(applicant, seed=7, subject=f"TR: pièces de paiement {applicant.case_id}")
    assert set(_attachments(first)).isdisjoint(_attachments(second))
    # When both arrive before either is processed, and then the first once more
    stack.set_time(at(CLAIM_DAY, 11))
    stack.deliver_email(first)
    stack.deliver_email(second)
    stack.settle()
    applicant.deliver(CLAIM_DAY + timedelta(days=1), first)
    # Then one payment order exists and the case reached PAYMENT_ORDERED once
    assert applicant.outcome()["state"] == "PAYMENT_ORDERED"
    assert _states(applicant).count("PAYMENT_ORDERED") == 1
    assert [o.case_id for o in stack.repo().payments("ORDERED")].count(applicant.case_id) == 1


# -- the checklist -------------------------------------------------------------------------------------------
def test_claim_with_zero_hours_closes_the_case_unpaid_without_order(stack):
    # Given an awarded case whose evaluation did not take place
    applicant = Awarded(stack, 9530)
    # When the evaluator's claim attests 0 hours
    applicant.deliver(CLAIM_DAY, _claim(applicant, hours=0))
    # Then the case is closed unpaid, no payment order exists, and its execution ends
    outcome = applicant.outcome()
    assert outcome["state"] == "CLOSED_UNPAID", outcome
    assert outcome["paid_eur"] is None and stack.repo().find_payment(applicant.case_id) is None
    assert _execution_status(stack, applicant.case_id) == "SUCCEEDED"


def test_award_without_valid_claim_by_the_claim_deadline_lapses(stack):
    # Given an awarded case whose evaluator sent an incomplete claim (no RIB)
    applicant = Awarded(stack, 9532)
    applicant.deliver(CLAIM_DAY, _claim(applicant, pieces=("CRE", "HOURS")))
    assert applicant.outcome()["state"] == "CLAIM_INCOMPLETE"
    # When the sweeper runs the day after the policy's claim deadline (6 months after the evaluation end)
    stack.tick(at(applicant.end + timedelta(days=200), 2))
    # Then the case lapses, unpaid, and its execution ends
    outcome = applicant.outcome()
    assert outcome["state"] == "LAPSED" and stack.repo().find_payment(applicant.case_id) is None
    assert _execution_status(stack, applicant.case_id) == "SUCCEEDED"


def test_claim_without_rib_is_incomplete_then_the_rib_email_orders_payment(stack):
    # Given an awarded case
    applicant = Awarded(stack, 9531)
    # When the claim arrives with the CRE and the attestation but no RIB
    applicant.deliver(CLAIM_DAY, _claim(applicant, pieces=("CRE", "HOURS")))
    # Then the claim is incomplete, no order exists, and the evaluator is told the RIB is missing
    assert applicant.outcome()["state"] == "CLAIM_INCOMPLETE"
    assert stack.repo().find_payment(applicant.case_id) is None
    [(subject, text)] = [m for m in _evaluator_mails(stack, applicant) if "incomplète" in m[0]]
    assert "Relevé d'identité bancaire" in text and "Compte rendu" not in text.split("Pour rappel")[0]
    # When a second e-mail brings the RIB alone
    applicant.deliver(CLAIM_DAY + timedelta(days=2), _claim(applicant, pieces=("RIB",),
                                                            subject=f"RE: RIB {applicant.case_id}"))
    # Then the payment is ordered
    assert applicant.outcome()["state"] == "PAYMENT_ORDERED"
    assert _states(applicant)[-3:] == ["AWARDED", "CLAIM_INCOMPLETE", "PAYMENT_ORDERED"]


def test_rib_with_another_iban_than_the_one_paid_is_held_until_a_person_confirms(stack):
    # Given an awarded case whose evaluator's supplier record trusts its usual IBAN
    applicant = Awarded(stack, 9540)
    siret = applicant.app["evaluator"]["siret"]
    repo = stack.repo()
    diverted = evaluator_iban(siret + "-other-bank")
    # When the claim comes with a RIB on another IBAN
    applicant.deliver(CLAIM_DAY, _claim(applicant, iban=diverted))
    # Then nothing is ordered: the case waits and a person is asked to check the IBAN
    assert applicant.outcome()["state"] == "AWARDED"
    assert repo.find_payment(applicant.case_id) is None
    [item] = [r for r in repo.reviews("OPEN") if r.case_id == applicant.case_id]
    assert (item.kind, item.code) == ("bank_details", "IBAN_CHANGED")
    # When the person confirms the new IBAN with the evaluator
    review.resolve(aws_ports(repo, stack.cfg()), item.review_id, "confirm", at(CLAIM_DAY + timedelta(days=1)), actor="ops:test")
    stack.settle()
    # Then the payment is ordered, to the confirmed IBAN
    assert applicant.outcome()["state"] == "PAYMENT_ORDERED"
    assert repo.find_payment(applicant.case_id).iban == diverted
    assert repo.find_review(item.review_id).status == "CLOSED"


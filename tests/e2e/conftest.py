"""End-to-end fixtures: one local stack per module, driven only through the platform's S3 keys."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from clea_intake.local.outcome import case_outcome
from clea_intake.local.stack import LocalStack
from clea_intake.samples.persona import application_documents, claim_documents, sample_application

PARIS = ZoneInfo("Europe/Paris")


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=PARIS)


@pytest.fixture(scope="module")
def stack():
    with LocalStack() as local:
        yield local


class Applicant:
    """One application played on the stack: the form, its pieces, then whatever the test does."""

    def __init__(self, stack: LocalStack, number: int, *, start: date, supplier: bool = True, **overrides):
        self.stack = stack
        overrides.setdefault("nationality", "FR")
        overrides.setdefault("situation", "unemployed")
        self.app = sample_application(number, seed=number, evaluation_start=start.isoformat(),
                                      evaluation_end=(start + timedelta(days=4)).isoformat(), **overrides)
        self.case_id = self.app["case_id"]
        self.number = number
        if supplier:
            self.record_supplier()

    def record_supplier(self) -> None:
        """The Région's supplier record of the evaluator (DESIGN §6 `evaluator`): its IBAN and address trusted."""
        from clea_intake.local.season import evaluator_iban
        from clea_intake.services.evaluators import SupplierRecord, record_supplier

        evaluator = self.app["evaluator"]
        record_supplier(self.stack.repo(), SupplierRecord(siret=evaluator["siret"], name=evaluator["name"],
                                                          iban=evaluator_iban(evaluator["siret"]),
                                                          emails=[evaluator["email"]]),
                        at=at(self.start - timedelta(days=90), 9), actor="region:suppliers")

    @property
    def start(self) -> date:
        return date.fromisoformat(self.app["evaluation_start"])

    @property
    def end(self) -> date:
        return date.fromisoformat(self.app["evaluation_end"])

    def submit(self, day: date, *, variant: str = "valid", with_documents: bool = True) -> dict[str, bytes]:
        self.app["submitted_at"] = at(day, 9).isoformat()
        self.stack.set_time(at(day, 9))
        self.stack.submit(self.app)
        docs = application_documents(self.app, received=day, variant=variant, seed=self.number) if with_documents else {}
        for name, data in docs.items():
            self.stack.upload_document(self.case_id, name, data)
        self.stack.settle()
        return docs

    def upload(self, day: date, docs: dict[str, bytes], hour: int = 11) -> None:
        self.stack.set_time(at(day, hour))
        for name, data in docs.items():
            self.stack.upload_document(self.case_id, name, data)
        self.stack.settle()

    def claim_email(self, day: date, *, hours: float | None = None, **email_options) -> bytes:
        from clea_intake.local.season import evaluator_iban
        from clea_intake.mail.build import build_claim_email

        pieces = claim_documents(self.app, hours=self.app["quote"]["hours"] if hours is None else hours,
                                 issued=day - timedelta(days=2), seed=self.number,
                                 iban=evaluator_iban(self.app["evaluator"]["siret"]))
        return build_claim_email(sender=self.app["evaluator"]["email"], attachments=list(pieces.items()),
                                 sent_at=at(day, 8), case_id=self.case_id, **email_options)

    def deliver(self, day: date, raw: bytes, hour: int = 11) -> str:
        self.stack.set_time(at(day, hour))
        key = self.stack.deliver_email(raw)
        self.stack.settle()
        return key

    def outcome(self) -> dict:
        return case_outcome(self.stack.repo(), self.case_id)

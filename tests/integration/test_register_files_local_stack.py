"""Files the Région's staff drop under registers/, on the local stack: S3 key -> EventBridge rule -> queue ->
import_register, as on AWS."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from clea_intake.adapters import clients
from clea_intake.local.stack import LocalStack
from tests.register_files import OF_HEADER, SIRENE_HEADER, of_row, register_csv

PARIS = ZoneInfo("Europe/Paris")
@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with LocalStack() as running:
        running.set_time(datetime(2026, 2, 16, 9, 0, tzinfo=PARIS))
        yield running


def _queue_is_empty(stack: LocalStack) -> bool:
    attributes = clients.client("sqs").get_queue_attributes(
        QueueUrl=stack.queue_urls["registers"],
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    return attributes["ApproximateNumberOfMessages"] == attributes["ApproximateNumberOfMessagesNotVisible"] == "0"


def _open_reviews(stack: LocalStack, code: str) -> list:
    return [r for r in stack.repo().reviews("OPEN") if r.code == code]


def test_supplier_file_dropped_under_registers_creates_the_evaluator_record(stack: LocalStack):
    # Given the Région's supplier file for two evaluators
    suppliers = [{"siret": "73282932000074", "name": "Formation Atlantique", "iban": "FR7630006000011234567890189",
                  "emails": ["Contact@Formation-Atlantique.fr"]},
                 {"siret": "55210055400013", "name": "Compétences Sud-Ouest", "iban": None,
                  "emails": ["bonjour@competences-so.fr", "compta@competences-so.fr"]}]
    # When it is dropped under registers/suppliers/
    stack.put("registers/suppliers/2026-02-16.json", json.dumps(suppliers, ensure_ascii=False).encode(),
              content_type="application/json")
    stack.settle()
    # Then each evaluator has its record: registered addresses and the supplier's IBAN, trusted
    first = stack.repo().find_evaluator("73282932000074")
    assert first is not None and first.emails == ("contact@formation-atlantique.fr",)
    assert (first.iban, first.iban_source) == ("FR7630006000011234567890189", "supplier")
    second = stack.repo().find_evaluator("55210055400013")
    assert second.emails == ("bonjour@competences-so.fr", "compta@competences-so.fr") and second.iban is None
    assert stack.dead_letters()["registers"] == 0 and _queue_is_empty(stack)


def test_invalid_supplier_file_is_recorded_for_review_and_not_retried(stack: LocalStack):
    # Given a supplier file whose SIRET is short and with an unknown field
    bad = [{"siret": "7328293", "name": "Formation Atlantique", "iban": None, "emails": [], "rib": "x"}]
    # When it is dropped
    stack.put("registers/suppliers/2026-02-17.json", json.dumps(bad).encode(), content_type="application/json")
    stack.settle()
    # Then no record is written, one review item says why in French, and the queue is not jammed
    assert stack.repo().find_evaluator("7328293") is None
    (review,) = _open_reviews(stack, "SUPPLIER_FILE_INVALID")
    assert review.subject_ref == "registers/suppliers/2026-02-17.json" and "refusé" in review.message
    assert any("siret" in p for p in review.detail["problems"]) and any("rib" in p for p in review.detail["problems"])
    assert stack.dead_letters()["registers"] == 0 and _queue_is_empty(stack)


def test_dgefp_list_dropped_becomes_register_items_and_the_register_date(stack: LocalStack):
    # Given a DGEFP list in its official layout
    data = register_csv(OF_HEADER, [of_row("75331234533", "732829320"),
                            of_row("72640000164", "552100554", qualiopi=False, region="76")], ";")
    # When it is dropped under registers/organismes-formation/2026-02-15.csv
    stack.put("registers/organismes-formation/2026-02-15.csv", data, content_type="text/csv")
    stack.settle()
    # Then its rows are register items of that date, and the register's date is the file's
    repo = stack.repo()
    assert repo.register_date("organismes-formation") == date(2026, 2, 15)
    first = repo.training_organisation("75331234533", date(2026, 2, 15))
    assert (first.siren, first.region_code, first.qualiopi_training) == ("732829320", "75", True)
    second = repo.training_organisation("72640000164", date(2026, 2, 15))
    assert (second.region_code, second.qualiopi_training) == ("76", False)
    assert stack.dead_letters()["registers"] == 0 and _queue_is_empty(stack)


def test_register_with_a_changed_header_is_refused_recorded_and_does_not_jam_the_queue(stack: LocalStack):
    # Given a later copy of the list whose Qualiopi column was renamed
    header = [c.replace("certifications.actionsDeFormation", "qualiopi.actions") if c.endswith("actionsDeFormation")
              else c for c in OF_HEADER]
    data = register_csv(header, [of_row("75339999933", "732829320")], ";")
    # When it is dropped
    stack.put("registers/organismes-formation/2026-03-01.csv", data, content_type="text/csv")
    stack.settle()
    # Then nothing of it is imported, the current copy stays the earlier one, and a review item names the column
    repo = stack.repo()
    assert repo.training_organisation("75339999933", date(2026, 3, 1)) is None
    assert repo.register_date("organismes-formation") == date(2026, 2, 15)
    (review,) = [r for r in _open_reviews(stack, "REGISTER_FILE_INVALID")
                 if r.subject_ref == "registers/organismes-formation/2026-03-01.csv"]
    assert "certifications.actionsDeFormation" in review.detail["problems"][0]
    # And no message waits or lies in the dead-letter queue
    assert stack.dead_letters()["registers"] == 0 and _queue_is_empty(stack)


def test_sirene_stock_dropped_keeps_only_the_region_establishments(stack: LocalStack):
    # Given a Sirene stock extract: an active establishment in Gironde, a closed one in Pyrénées-Atlantiques,
    # one in Paris
    rows = [["732829320", "00074", "73282932000074", "O", "2001-05-02", "33700", "MERIGNAC", "A"],
            ["552100554", "00013", "55210055400013", "O", "1990-01-01", "64000", "PAU", "F"],
            ["403052111", "00029", "40305211100029", "O", "1995-01-01", "75011", "PARIS", "A"]]
    # When it is dropped under registers/sirene/
    stack.put("registers/sirene/2026-02-01.csv", register_csv(SIRENE_HEADER, rows, ","), content_type="text/csv")
    stack.settle()
    # Then the region's two are kept with their status, and the Paris one is not
    repo = stack.repo()
    assert repo.register_date("sirene") == date(2026, 2, 1)
    assert repo.establishment("73282932000074", date(2026, 2, 1)).active is True
    assert repo.establishment("55210055400013", date(2026, 2, 1)).active is False
    assert repo.establishment("40305211100029", date(2026, 2, 1)) is None
    assert stack.dead_letters()["registers"] == 0

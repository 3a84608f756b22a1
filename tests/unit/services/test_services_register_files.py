"""Files dropped under registers/, routed by key: supplier records, public registers, and refusals that are
recorded once and never raised (a raised error would be retried into the dead-letter queue)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from clea_intake.services.register_files import MAX_SUPPLIER_FILE, handle_register_file, region_departments
from tests.unit.services.fakes import fake_ports

AT = datetime(2026, 2, 16, 8, 0, tzinfo=UTC)
SIRENE = "siren,nic,siret,etatAdministratifEtablissement,codePostalEtablissement\n"


def _drop(ports, key: str, body: bytes):
    etag = ports.storage.put_object("bucket", key, body)
    return handle_register_file(ports, bucket="bucket", key=key, etag=etag, version_id=None, now=AT)


def test_supplier_file_sets_the_evaluator_record():
    ports = fake_ports()
    supplier = {"siret": "73282932000074", "name": "Formation Atlantique", "iban": "FR7630006000011234567890189",
                "emails": ["contact@formation-atlantique.fr"]}
    outcome = _drop(ports, "registers/suppliers/s.json", json.dumps(supplier).encode())
    assert (outcome.status, outcome.kept) == ("imported", 1)
    assert ports.repository.find_evaluator("73282932000074").iban_source == "supplier"


def test_oversized_supplier_file_is_refused_without_parsing():
    ports = fake_ports()
    body = b"[" + b" " * MAX_SUPPLIER_FILE + b"]"
    outcome = _drop(ports, "registers/suppliers/big.json", body)
    assert outcome.status == "refused" and "larger than" in outcome.problems[0]
    assert [r.code for r in ports.repository.reviews("OPEN")] == ["SUPPLIER_FILE_INVALID"]


def test_same_refused_file_delivered_twice_opens_one_review():
    ports = fake_ports()
    for _ in range(2):
        outcome = _drop(ports, "registers/suppliers/bad.json", b"{not json")
        assert outcome.status == "refused"
    assert len(ports.repository.reviews("OPEN")) == 1


def test_register_key_of_no_known_register_is_refused_and_recorded():
    ports = fake_ports()
    outcome = _drop(ports, "registers/qualiopi/2026-02-15.csv", b"a;b\n")
    assert outcome.status == "refused"
    (review,) = ports.repository.reviews("OPEN")
    assert review.code == "REGISTER_FILE_INVALID" and review.kind == "register"


def test_non_json_file_under_suppliers_is_ignored():
    ports = fake_ports()
    assert _drop(ports, "registers/suppliers/readme.txt", b"notes").status == "ignored"
    assert ports.repository.reviews("OPEN") == []


def test_sirene_keeps_the_establishments_of_the_region_departments():
    ports = fake_ports()
    body = (SIRENE + "732829320,00074,73282932000074,A,33700\n"
            "403052111,00029,40305211100029,A,75011\n").encode()
    outcome = _drop(ports, "registers/sirene/2026-02-01.csv", body)
    assert (outcome.status, outcome.kept) == ("imported", 1)
    assert {"33", "64", "86"} <= region_departments() and "75" not in region_departments()

"""The evaluator record: who may claim a payment and the trusted IBAN, set from the supplier record, audited."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime

import pytest

from clea_intake.adapters.repository import memory_repository
from clea_intake.domain.evaluator import EvaluatorRecord
from clea_intake.services.evaluators import (
    EvaluatorNotFound,
    InvalidSupplierFile,
    SupplierRecord,
    add_address,
    confirm_iban,
    import_supplier_file,
    parse_supplier_file,
    record_supplier,
    registered_addresses,
    remove_address,
)

AT = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
SIRET = "73282932000074"
IBAN = "FR7630006000011234567890189"
SUPPLIER = {"siret": SIRET, "name": "Formation Atlantique", "iban": "FR76 3000 6000 0112 3456 7890 189",
            "emails": ["Contact@Formation-Atlantique.fr"]}


def test_import_supplier_file_sets_addresses_and_trusted_iban():
    # Given an empty table and the Région's supplier record of an evaluator
    repo = memory_repository()
    # When the file is imported
    [record] = import_supplier_file(repo, json.dumps(SUPPLIER).encode(), at=AT, actor="ops:import")
    # Then the record registers its address (lower case) and trusts its IBAN (compact), from the supplier
    stored = repo.find_evaluator(SIRET)
    assert stored == record and stored.emails == ("contact@formation-atlantique.fr",)
    assert stored.trusts_iban("FR76 3000 6000 0112 3456 7890 189") and stored.iban_source == "supplier"
    assert stored.registers("CONTACT@formation-atlantique.fr") and not stored.registers("escroc@gmx.net")


def test_import_supplier_file_twice_changes_only_the_audit_trail():
    # Given a supplier record imported once
    repo = memory_repository()
    import_supplier_file(repo, json.dumps(SUPPLIER).encode(), at=AT, actor="ops:import")
    # When the same file is imported again
    import_supplier_file(repo, json.dumps(SUPPLIER).encode(), at=AT.replace(hour=9), actor="ops:import")
    # Then the record holds the same facts, and both imports are in its history
    assert repo.find_evaluator(SIRET).emails == ("contact@formation-atlantique.fr",)
    assert [e["action"] for e in repo.evaluator_history(SIRET)] == ["supplier_record", "supplier_record"]


@pytest.mark.parametrize(("entry", "named"), [
    ({**SUPPLIER, "iban": "FR7630006000011234567890188"}, "iban"),
    ({**SUPPLIER, "siret": "7328293200007"}, "siret"),
    ({**SUPPLIER, "emails": ["pas-une-adresse"]}, "emails"),
    ({**SUPPLIER, "favourite_colour": "blue"}, "favourite_colour"),
])
def test_parse_supplier_file_bad_entry_is_named(entry, named):
    # Given a supplier file with one bad entry after a good one
    data = json.dumps([SUPPLIER, entry]).encode()
    # When it is parsed
    with pytest.raises(InvalidSupplierFile) as refused:
        parse_supplier_file(data)
    # Then the error names the entry and the field, and nothing is imported
    assert any(p.startswith("entry 2:") and named in p for p in refused.value.problems)


def test_parse_supplier_file_not_json_is_refused():
    with pytest.raises(InvalidSupplierFile):
        parse_supplier_file(b"\xff not json")


def test_add_and_remove_address_are_audited_with_the_actor():
    # Given an evaluator record
    repo = memory_repository()
    record_supplier(repo, SupplierRecord(**SUPPLIER), at=AT, actor="ops:import")
    # When an agent adds an accounting address, then removes the first one
    add_address(repo, SIRET, " Compta@Formation-Atlantique.fr", at=AT, actor="ops:marie")
    record = remove_address(repo, SIRET, "contact@formation-atlantique.fr", at=AT, actor="ops:paul")
    # Then only the new address is registered, and the history says who did what
    assert record.emails == ("compta@formation-atlantique.fr",)
    history = repo.evaluator_history(SIRET)
    assert [(e["action"], e["actor"]) for e in history] == [
        ("supplier_record", "ops:import"), ("address_added", "ops:marie"), ("address_removed", "ops:paul")]


def test_remove_address_not_registered_is_an_error():
    repo = memory_repository()
    record_supplier(repo, SupplierRecord(**SUPPLIER), at=AT, actor="ops:import")
    with pytest.raises(EvaluatorNotFound):
        remove_address(repo, SIRET, "autre@formation-atlantique.fr", at=AT, actor="ops:paul")


def test_add_address_to_unknown_evaluator_is_an_error():
    with pytest.raises(EvaluatorNotFound):
        add_address(memory_repository(), SIRET, "a@b.fr", at=AT, actor="ops:paul")


def test_confirm_iban_of_unknown_evaluator_creates_its_record():
    # Given no record, when finance confirms an IBAN it checked with the evaluator
    repo = memory_repository()
    record = confirm_iban(repo, SIRET, IBAN, name="Formation Atlantique", at=AT, actor="finance:lea")
    # Then the IBAN is trusted as confirmed, and a later supplier record without IBAN keeps it
    assert record.trusts_iban(IBAN) and record.iban_source == "confirmed"
    after = record_supplier(repo, SupplierRecord(siret=SIRET, name="Formation Atlantique", emails=["a@b.fr"]), at=AT,
                            actor="ops:import")
    assert after.trusts_iban(IBAN) and after.iban_source == "confirmed"


def test_registered_addresses_are_the_records_and_the_forms():
    # Given a record with one address and a case form naming another
    repo = memory_repository()
    record_supplier(repo, SupplierRecord(**SUPPLIER), at=AT, actor="ops:import")
    # Then both may claim
    assert registered_addresses(repo, SIRET, "Inscriptions@Formation-Atlantique.fr") == {
        "contact@formation-atlantique.fr", "inscriptions@formation-atlantique.fr"}
    assert registered_addresses(repo, "12345678900011", None) == set()


def test_concurrent_address_additions_are_all_kept():
    # Given a record and eight agents adding an address each at the same moment
    repo = memory_repository()
    record_supplier(repo, SupplierRecord(**SUPPLIER), at=AT, actor="ops:import")
    threads = [threading.Thread(target=add_address, args=(repo, SIRET, f"agent{n}@formation-atlantique.fr"),
                                kwargs={"at": AT, "actor": f"ops:{n}"}) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Then no addition is lost (optimistic locking on the record's version)
    assert len(repo.find_evaluator(SIRET).emails) == 9


def test_evaluator_record_refuses_an_invalid_iban():
    with pytest.raises(ValueError, match="IBAN"):
        EvaluatorRecord(siret=SIRET, iban="FR7630006000011234567890188", updated_at=AT, updated_by="x")

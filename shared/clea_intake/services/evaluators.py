"""The Région's evaluator records: filled from its supplier record, addresses added or removed by people,
every change audited. They say who may claim an evaluator's payment and on which IBAN it is paid."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime

from aws_lambda_powertools import Logger
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from clea_intake.adapters.repository import Repository
from clea_intake.domain.errors import CleaIntakeError, StaleRecord
from clea_intake.domain.evaluator import EvaluatorRecord, normalise_email

logger = Logger(service="clea-intake", child=True)


class InvalidSupplierFile(CleaIntakeError):
    """A supplier file is not the Région's format; `problems` names each bad entry and field."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


class EvaluatorNotFound(CleaIntakeError):
    """No record for this SIRET."""


class SupplierRecord(BaseModel):
    """One entry of a supplier file, the Région's record of a training organisation (DESIGN §6 `evaluator`)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    siret: str = Field(pattern=r"^[0-9]{14}$")
    name: str = Field(min_length=1, max_length=200)
    iban: str | None = None
    emails: list[str] = Field(default_factory=list, max_length=20)


def parse_supplier_file(data: bytes) -> list[SupplierRecord]:
    """One record (`{"siret", "name", "iban", "emails"}`) or a list of them; every problem named at once."""
    try:
        loaded = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise InvalidSupplierFile([f"not valid JSON: {type(exc).__name__}"]) from exc
    entries = loaded if isinstance(loaded, list) else [loaded]
    records, problems = [], []
    for n, entry in enumerate(entries, start=1):
        try:
            record = SupplierRecord.model_validate(entry)
            EvaluatorRecord(siret=record.siret, name=record.name, emails=tuple(record.emails), iban=record.iban,
                            updated_at=datetime(2000, 1, 1), updated_by="check")
            records.append(record)
        except ValidationError as exc:
            problems += [f"entry {n}: {'.'.join(map(str, e['loc'])) or '(entry)'}: {e['msg']}" for e in exc.errors()]
    if problems:
        raise InvalidSupplierFile(problems)
    return records


def _change(repo: Repository, siret: str, action: str, detail: dict,
            edit: Callable[[EvaluatorRecord | None], EvaluatorRecord]) -> EvaluatorRecord:
    """Read, change and write one record; another writer in between makes it start again."""
    for _attempt in range(8):
        try:
            return repo.save_evaluator(edit(repo.find_evaluator(siret)), action=action, detail=detail)
        except StaleRecord:
            continue
    raise StaleRecord(siret)


def record_supplier(repo: Repository, supplier: SupplierRecord, *, at: datetime, actor: str) -> EvaluatorRecord:
    """The Région's supplier record sets the evaluator's name, registered addresses and trusted IBAN."""
    def edit(current: EvaluatorRecord | None) -> EvaluatorRecord:
        fields = {"name": supplier.name, "emails": tuple(supplier.emails), "iban": supplier.iban,
                  "iban_source": "supplier" if supplier.iban else None}
        if current is None:
            return EvaluatorRecord(siret=supplier.siret, updated_at=at, updated_by=actor, **fields)
        if not supplier.iban and current.iban_source == "confirmed":
            fields.update(iban=current.iban, iban_source="confirmed")  # a person's confirmation stands
        return current.changed(at=at, by=actor, **fields)

    record = _change(repo, supplier.siret, "supplier_record",
                     {"addresses": len(supplier.emails), "iban_set": bool(supplier.iban)}, edit)
    logger.info("evaluator supplier record set", siret=supplier.siret, addresses=len(record.emails))
    return record


def import_supplier_file(repo: Repository, data: bytes, *, at: datetime, actor: str) -> list[EvaluatorRecord]:
    return [record_supplier(repo, s, at=at, actor=actor) for s in parse_supplier_file(data)]


def _existing(current: EvaluatorRecord | None, siret: str) -> EvaluatorRecord:
    if current is None:
        raise EvaluatorNotFound(f"no evaluator record for SIRET {siret}")
    return current


def add_address(repo: Repository, siret: str, address: str, *, at: datetime, actor: str) -> EvaluatorRecord:
    address = normalise_email(address)
    return _change(repo, siret, "address_added", {"address": address}, lambda current: _existing(current, siret)
                   .changed(at=at, by=actor, emails=(*_existing(current, siret).emails, address)))


def remove_address(repo: Repository, siret: str, address: str, *, at: datetime, actor: str) -> EvaluatorRecord:
    address = normalise_email(address)

    def edit(current: EvaluatorRecord | None) -> EvaluatorRecord:
        record = _existing(current, siret)
        if address not in record.emails:
            raise EvaluatorNotFound(f"{address} is not registered for SIRET {siret}")
        return record.changed(at=at, by=actor, emails=tuple(a for a in record.emails if a != address))

    return _change(repo, siret, "address_removed", {"address": address}, edit)


def confirm_iban(repo: Repository, siret: str, iban: str, *, name: str, at: datetime, actor: str) -> EvaluatorRecord:
    """A person checked the IBAN with the evaluator by another channel: later claims on it need no one."""
    def edit(current: EvaluatorRecord | None) -> EvaluatorRecord:
        if current is None:
            return EvaluatorRecord(siret=siret, name=name, iban=iban, iban_source="confirmed", updated_at=at,
                                   updated_by=actor)
        return current.changed(at=at, by=actor, iban=iban, iban_source="confirmed")

    return _change(repo, siret, "iban_confirmed", {"iban_end": iban.replace(" ", "")[-4:]}, edit)


def registered_addresses(repo: Repository, siret: str, form_email: str | None) -> set[str]:
    """Who may claim this evaluator's payments: its record's addresses and the e-mail of the case's form."""
    record = repo.find_evaluator(siret)
    addresses = set(record.emails) if record else set()
    if form_email:
        addresses.add(normalise_email(form_email))
    return addresses


def register_view(repo: Repository, siret: str) -> dict[str, dict | None]:
    """What each public register's current copy says of an establishment; None for a register never imported."""
    registers: dict[str, dict | None] = {}
    day = repo.register_date("organismes-formation")
    organisation = repo.training_organisation_of_siret(siret, day) if day else None
    registers["organismes-formation"] = {
        "register_date": day, "found": organisation is not None,
        "nda": organisation.nda if organisation else None,
        "siren": organisation.siren if organisation else None,
        "postal_code": organisation.postal_code if organisation else None,
        "region_code": organisation.region_code if organisation else None,
        "qualiopi": {"actions_de_formation": organisation.qualiopi_training,
                     "bilans_de_competences": organisation.qualiopi_skills_review,
                     "vae": organisation.qualiopi_vae,
                     "actions_de_formation_par_apprentissage": organisation.qualiopi_apprenticeship}
        if organisation else None,
        "last_declaration": organisation.last_declaration if organisation else None,
    } if day else None
    day = repo.register_date("sirene")
    establishment = repo.establishment(siret, day) if day else None
    registers["sirene"] = {"register_date": day, "found": establishment is not None,
                           "active": establishment.active if establishment else None,
                           "postal_code": establishment.postal_code if establishment else None} if day else None
    return registers


def describe(repo: Repository, siret: str) -> dict:
    """What the Région knows of an evaluator, for people: its record, who changed it, what the registers say.

    An establishment the registers know but the Région has no record of is shown with an empty record."""
    record = repo.find_evaluator(siret)
    registers = register_view(repo, siret)
    if record is None:
        if not any(view and view["found"] for view in registers.values()):
            raise EvaluatorNotFound(f"no evaluator record for SIRET {siret}")
        return {"siret": siret, "name": None, "emails": [], "iban_end": None, "iban_source": None,
                "updated_at": None, "updated_by": None, "history": [], "registers": registers}
    return {"siret": record.siret, "name": record.name, "emails": list(record.emails),
            "iban_end": record.iban[-4:] if record.iban else None, "iban_source": record.iban_source,
            "updated_at": record.updated_at, "updated_by": record.updated_by,
            "history": repo.evaluator_history(siret), "registers": registers}

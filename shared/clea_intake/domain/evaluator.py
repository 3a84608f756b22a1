"""The Région's record of an evaluator: who may claim its payments, and the IBAN it is paid on."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from clea_intake.domain.application import is_stored

IbanSource = Literal["supplier", "confirmed"]


def normalise_email(address: str) -> str:
    """An address as the record keeps it and as a sender is compared with it: trimmed, lower case."""
    return address.strip().lower()


def normalise_iban(value: str) -> str:
    # python-stdnum is imported where an IBAN is first handled, not by every function that reads a stored case
    # (it imports `pydoc`: about 30 ms of a cold start).
    from stdnum import iban as stdnum_iban

    return stdnum_iban.compact(value)


class EvaluatorRecord(BaseModel):
    """One evaluator (by SIRET) as the Région knows it: its supplier record and what people added.

    `emails`: the sender addresses that may claim a payment. `iban`: the trusted IBAN, the supplier
    record's or one a person confirmed; a claim on any other IBAN waits for a person.
    """

    model_config = ConfigDict(defer_build=True, frozen=True)

    siret: str = Field(pattern=r"^[0-9]{14}$")
    name: str = ""
    emails: tuple[str, ...] = ()
    iban: str | None = None
    iban_source: IbanSource | None = None
    updated_at: datetime
    updated_by: str
    version: int = Field(default=0, exclude=True)   # the stored version it was read at (0: new)

    @field_validator("emails")
    @classmethod
    def _normalised(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [a for a in value if "@" not in a]
        if bad:
            raise ValueError("an e-mail address needs an @")
        return tuple(dict.fromkeys(normalise_email(a) for a in value))

    @field_validator("iban")
    @classmethod
    def _valid_iban(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None or is_stored(info):
            return value  # a stored record's IBAN was checked when it was written
        from stdnum import iban as stdnum_iban

        compact = normalise_iban(value)
        if not stdnum_iban.is_valid(compact):
            raise ValueError("invalid IBAN (mod 97)")
        return compact

    def registers(self, address: str) -> bool:
        return normalise_email(address) in self.emails

    def trusts_iban(self, iban: str) -> bool:
        return self.iban is not None and normalise_iban(iban) == self.iban

    def changed(self, *, at: datetime, by: str, **fields: object) -> EvaluatorRecord:
        """A copy with `fields` changed, re-validated, stamped with who changed it and when."""
        return EvaluatorRecord.model_validate(
            {**self.model_dump(), **fields, "updated_at": at, "updated_by": by, "version": self.version})

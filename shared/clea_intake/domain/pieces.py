"""Supporting pieces as the decision rules see them: the type, the fields read and the findings."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from clea_intake.domain.findings import DocType, Finding

PieceStatus = Literal["read", "review", "rejected", "superseded"]


class Piece(BaseModel):
    """One supporting document of a case after reading (or after a person's review)."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    doc_id: str
    doc_type: DocType
    fields: dict[str, Any]
    findings: list[Finding]
    received_at: datetime
    status: PieceStatus = "read"
    source: Literal["application", "claim"] = "application"

    @property
    def usable(self) -> bool:
        """Counted by the rules: read (or confirmed by a person) and without blocking finding."""
        return self.status == "read" and not any(f.blocking for f in self.findings)

    def date_field(self, name: str) -> date | None:
        value = self.fields.get(name)
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value[:10])
            except ValueError:
                return None
        return None

    def number_field(self, name: str) -> float | None:
        value = self.fields.get(name)
        if isinstance(value, bool):
            return None
        if isinstance(value, int | float):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value.replace(",", ".").replace(" ", ""))
            except ValueError:
                return None
        return None

"""The outcome of a case as `clea-intake simulate` prints it (DESIGN §6)."""

from __future__ import annotations

from typing import Any

from clea_intake.adapters.repository import Repository
from clea_intake.domain.lifecycle import State


def case_outcome(repo: Repository, case_id: str) -> dict[str, Any]:
    case = repo.find_case(case_id)
    if case is None:
        errors = repo.form_errors(case_id)
        return {"case_id": case_id, "state": None, "reasons": [], "awarded_eur": None, "paid_eur": None,
                "emails": [], "timeline": [], "form_errors": [p for batch in errors for p in batch]}
    transitions = [e for e in repo.timeline(case_id) if e.kind == "transition" and e.to_state is not None]
    timeline = [{"at": case.received_at.isoformat(), "state": str(State.RECEIVED)}]
    timeline += [{"at": e.at.isoformat(), "state": str(e.to_state)} for e in transitions]
    mails = sorted(repo.mails(case_id), key=lambda m: m.sent_at)
    was_awarded = any(e.to_state == State.AWARDED for e in transitions)
    awarded = case.awarded_eur if was_awarded else None
    return {
        "case_id": case_id,
        "state": str(case.state),
        "reasons": list(case.reasons),
        "awarded_eur": float(awarded) if awarded is not None else None,
        "paid_eur": float(case.paid_eur) if case.paid_eur is not None else None,
        "emails": [{"to": ", ".join(m.to), "subject": m.subject} for m in mails],
        "timeline": timeline,
    }

"""The scheduled sweeper: given "now", refuse the files not complete in time and lapse unclaimed awards."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from aws_lambda_powertools import Logger

from clea_intake.adapters.repository import Repository
from clea_intake.domain.lifecycle import OPEN_FOR_CLAIM, OPEN_FOR_PIECES, State
from clea_intake.services import metrics
from clea_intake.services.cases import _resume, reassess
from clea_intake.services.notify import notify
from clea_intake.services.retry import on_stale_case
from clea_intake.settings import Settings

logger = Logger(service="clea-intake", child=True)


@dataclass
class SweepReport:
    refused: list[str] = field(default_factory=list)
    lapsed: list[str] = field(default_factory=list)


def sweep(repo: Repository, cfg: Settings, now: datetime) -> SweepReport:
    """Act on every waiting case whose deadline has passed (index query, no scan)."""
    report = SweepReport()
    for state in sorted(OPEN_FOR_PIECES):
        for summary in repo.cases_in_state(state, deadline_before=now):
            # The checklist runs once more: a piece read just before the deadline still counts.
            if reassess(repo, cfg, summary.case_id, now, actor="system:sweeper") == "REFUSED":
                report.refused.append(summary.case_id)
    for state in sorted(OPEN_FOR_CLAIM):
        for summary in repo.cases_in_state(state, deadline_before=now):
            if _lapse(repo, cfg, summary.case_id, now):
                report.lapsed.append(summary.case_id)
    logger.info("sweep done", refused=len(report.refused), lapsed=len(report.lapsed))
    return report


@on_stale_case()
def _lapse(repo: Repository, cfg: Settings, case_id: str, now: datetime) -> bool:
    case = repo.get_case(case_id)
    if case.state not in OPEN_FOR_CLAIM or case.deadline_at is None or case.deadline_at > now:
        return False
    case.deadline_at = None
    case.transition(State.LAPSED, at=now, actor="system:sweeper", reason="CLAIM_DEADLINE",
                    message="Aucune demande de versement valide avant la date limite.")
    repo.save_case(case)
    metrics.state_entered(State.LAPSED)
    notify(repo, cfg, case, "lapsed", now)
    _resume(repo, case, "claim", "LAPSED")
    return True

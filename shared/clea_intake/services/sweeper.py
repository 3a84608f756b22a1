"""The scheduled sweeper: given "now", refuse the files not complete in time, lapse unclaimed awards and let
go of the personal data of cases ended long enough ago (services.retention)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from aws_lambda_powertools import Logger

from clea_intake.domain.lifecycle import OPEN_FOR_CLAIM, OPEN_FOR_PIECES
from clea_intake.services.flow import advance
from clea_intake.services.ports import Ports
from clea_intake.services.registers import report_freshness
from clea_intake.services.retention import RetentionReport, expire_personal_data

logger = Logger(service="clea-intake", child=True)
SWEEPER = "system:sweeper"


@dataclass
class SweepReport:
    refused: list[str] = field(default_factory=list)
    lapsed: list[str] = field(default_factory=list)
    retention: RetentionReport = field(default_factory=RetentionReport)


def sweep(ports: Ports, now: datetime) -> SweepReport:
    """Advance every waiting case whose deadline has passed (index query, no scan)."""
    report = SweepReport()
    for states, outcome, done in ((OPEN_FOR_PIECES, "REFUSED", report.refused),
                                  (OPEN_FOR_CLAIM, "LAPSED", report.lapsed)):
        for state in sorted(states):
            for summary in ports.repository.cases_in_state(state, deadline_before=now):
                # The checklist runs once more: a piece read just before the deadline still counts.
                if advance(ports, summary.case_id, now, actor=SWEEPER) == outcome:
                    done.append(summary.case_id)
    report.retention = expire_personal_data(ports, now)
    retention = report.retention
    # Once a day, as the deadlines: how old the public registers' copies are (alarm RegisterStale).
    registers = report_freshness(ports.repository, now)
    logger.info("sweep done", refused=len(report.refused), lapsed=len(report.lapsed),
                retention_cases=len(retention.cases), personal_data_expired=len(retention.expired),
                objects_tagged=retention.objects, items_expiring=retention.items,
                events_scrubbed=retention.events_scrubbed, stale_registers=[a.kind for a in registers if a.stale])
    return report

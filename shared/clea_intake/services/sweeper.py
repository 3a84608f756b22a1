"""The scheduled sweeper: given "now", refuse the files not complete in time, lapse unclaimed awards and let
go of the personal data of cases ended long enough ago (services.retention).

A run begins a case only while `has_time()` (the Lambda's remaining time, less what one case may take): a
run that stops early leaves the cases it did not reach in the state index, where the next run finds them
first (template.yaml runs it again an hour later, twice), and says so (metric SweepUnfinished)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from aws_lambda_powertools import Logger

from clea_intake.domain.lifecycle import OPEN_FOR_CLAIM, OPEN_FOR_PIECES
from clea_intake.services import metrics
from clea_intake.services.flow import advance
from clea_intake.services.ports import Ports
from clea_intake.services.registers import report_freshness
from clea_intake.services.retention import RetentionReport, always, expire_personal_data

logger = Logger(service="clea-intake", child=True)
SWEEPER = "system:sweeper"


@dataclass
class SweepReport:
    refused: list[str] = field(default_factory=list)
    lapsed: list[str] = field(default_factory=list)
    retention: RetentionReport = field(default_factory=RetentionReport)
    unfinished: bool = False   # out of time before the last due case: the next run goes on


def _due(ports: Ports, now: datetime) -> Iterator[tuple[str, str]]:
    """(case id, the outcome its deadline brings) of every waiting case whose deadline has passed."""
    for states, outcome in ((OPEN_FOR_PIECES, "REFUSED"), (OPEN_FOR_CLAIM, "LAPSED")):
        for state in sorted(states):
            for summary in ports.repository.cases_in_state(state, deadline_before=now):
                yield summary.case_id, outcome


def sweep(ports: Ports, now: datetime, *, has_time: Callable[[], bool] = always) -> SweepReport:
    """Advance every waiting case whose deadline has passed (index query, no scan), then the retention pass."""
    report = SweepReport()
    done = {"REFUSED": report.refused, "LAPSED": report.lapsed}
    for case_id, outcome in _due(ports, now):
        if not has_time():
            report.unfinished = True
            break
        # The checklist runs once more: a piece read just before the deadline still counts.
        if advance(ports, case_id, now, actor=SWEEPER) == outcome:
            done[outcome].append(case_id)
    if not report.unfinished:
        report.retention = expire_personal_data(ports, now, has_time=has_time)
        report.unfinished = report.retention.unfinished
    retention = report.retention
    metrics.count("SweepUnfinished", value=int(report.unfinished))
    # Once a day, as the deadlines: how old the public registers' copies are (alarm RegisterStale).
    registers = report_freshness(ports.repository, now)
    logger.info("sweep done", refused=len(report.refused), lapsed=len(report.lapsed),
                retention_cases=len(retention.cases), personal_data_expired=len(retention.expired),
                objects_tagged=retention.objects, items_expiring=retention.items,
                events_scrubbed=retention.events_scrubbed, stale_registers=[a.kind for a in registers if a.stale],
                unfinished=report.unfinished)
    return report

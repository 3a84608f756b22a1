"""Business metrics (CloudWatch EMF through Powertools), emitted under the names of the ops catalogue."""

from __future__ import annotations

import os
from decimal import Decimal

from aws_lambda_powertools import Metrics

from clea_intake.ops.metrics_catalog import NAMESPACE, record_metric

metrics = Metrics(namespace=NAMESPACE)
# Every name emitted since start-up; a test runs a season and compares it with the dashboard.
EMITTED: set[str] = set()


def _record(name: str, value: float, **dimensions: str) -> None:
    EMITTED.add(name)
    if os.environ.get("POWERTOOLS_METRICS_DISABLED", "").lower() in ("1", "true"):
        return
    record_metric(name, value, **dimensions)


def count(name: str, dimension: tuple[str, str] | None = None, value: int = 1) -> None:
    _record(name, value, **({dimension[0]: dimension[1]} if dimension else {}))


def state_entered(state: str) -> None:
    count("CaseStateEntered", ("State", str(state)))


def refused(reasons: list[str]) -> None:
    state_entered("REFUSED")
    for reason in reasons:
        count("Refusal", ("Reason", reason))


def amount(name: str, euros: Decimal) -> None:
    _record(name, float(euros))

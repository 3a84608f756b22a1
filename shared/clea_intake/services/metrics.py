"""Business metrics (CloudWatch EMF through Powertools), named as in the ops metrics catalogue."""

from __future__ import annotations

import os
from decimal import Decimal

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit, single_metric

NAMESPACE = "CleaIntake"
metrics = Metrics(namespace=NAMESPACE)
# Every name emitted here; a test checks each one is in the catalogue and on the dashboard.
EMITTED: set[str] = set()


def _disabled() -> bool:
    return os.environ.get("POWERTOOLS_METRICS_DISABLED", "").lower() in ("1", "true")


def _single(name: str, value: float, unit: MetricUnit, dimension: tuple[str, str] | None = None) -> None:
    EMITTED.add(name)
    if _disabled():
        return
    with single_metric(name=name, unit=unit, value=value, namespace=NAMESPACE) as metric:
        if dimension:
            metric.add_dimension(name=dimension[0], value=dimension[1])


def count(name: str, dimension: tuple[str, str] | None = None, value: int = 1) -> None:
    _single(name, value, MetricUnit.Count, dimension)


def state_entered(state: str) -> None:
    count("CaseStateEntered", ("State", str(state)))


def refused(reasons: list[str]) -> None:
    state_entered("REFUSED")
    for reason in reasons:
        count("Refusal", ("Reason", reason))


def amount(name: str, euros: Decimal) -> None:
    _single(name, float(euros), MetricUnit.NoUnit)

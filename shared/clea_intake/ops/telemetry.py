"""Reading telemetry back: EMF metric records and JSON log lines from stdout, metrics a dashboard body reads.

Lambda writes both EMF records and Powertools logs to stdout, where CloudWatch Logs extracts the
metrics; these readers let tests and tools compare what the code wrote with what the dashboard shows.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from clea_intake.ops.metrics_catalog import NAMESPACE

_SEARCH_TERM = re.compile(r"SEARCH\(\s*'([^']*)'")
_DESIGNATOR = re.compile(r'(\w+)\s*=\s*"([^"]*)"')


@dataclass(frozen=True)
class EmfDatapoint:
    """One metric value of an EMF record, with the dimensions it was published under."""

    namespace: str
    name: str
    unit: str
    value: float
    dimensions: tuple[tuple[str, str], ...]

    @property
    def dimension_names(self) -> frozenset[str]:
        return frozenset(name for name, _ in self.dimensions)


def json_lines(lines: Iterable[str]) -> Iterator[dict[str, Any]]:
    """Every line that is a JSON object; anything else (progress bars, warnings) is skipped."""
    for line in lines:
        text = line.strip()
        if not text.startswith("{"):
            continue
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            yield value


def is_emf(record: dict[str, Any]) -> bool:
    return isinstance(record.get("_aws"), dict) and "CloudWatchMetrics" in record["_aws"]


def emf_datapoints(lines: Iterable[str]) -> list[EmfDatapoint]:
    """The metric values in the EMF records among `lines` (a value list gives one datapoint per value)."""
    points: list[EmfDatapoint] = []
    for record in filter(is_emf, json_lines(lines)):
        for directive in record["_aws"]["CloudWatchMetrics"]:
            dimension_sets = directive.get("Dimensions") or [[]]
            for dimension_set in dimension_sets:
                dimensions = tuple(sorted((name, str(record.get(name, ""))) for name in dimension_set))
                for metric in directive.get("Metrics", []):
                    raw = record.get(metric["Name"])
                    values = raw if isinstance(raw, list) else [raw]
                    for value in values:
                        points.append(EmfDatapoint(namespace=directive.get("Namespace", ""), name=metric["Name"],
                                                   unit=metric.get("Unit", "None"), value=float(value),
                                                   dimensions=dimensions))
    return points


def log_records(lines: Iterable[str]) -> list[dict[str, Any]]:
    """The structured log lines among `lines` (JSON objects that are not EMF records)."""
    return [record for record in json_lines(lines) if not is_emf(record)]


def dashboard_metric_names(body: dict[str, Any], namespace: str = NAMESPACE) -> set[str]:
    """Metric names of `namespace` that a CloudWatch dashboard body reads, by metric rows or SEARCH."""
    names: set[str] = set()
    for widget in body.get("widgets", []):
        properties = widget.get("properties", {})
        for row in properties.get("metrics", []):
            if len(row) >= 2 and row[0] == namespace and isinstance(row[1], str):
                names.add(row[1])
            # A "..." row repeats the previous row's metric: it names nothing new.
            for part in row:
                if isinstance(part, dict) and isinstance(part.get("expression"), str):
                    names |= _searched_names(part["expression"], namespace)
    return names


def _searched_names(expression: str, namespace: str) -> set[str]:
    names = set()
    for term in _SEARCH_TERM.findall(expression):
        designators = dict(_DESIGNATOR.findall(term))
        if designators.get("Namespace") == namespace and "MetricName" in designators:
            names.add(designators["MetricName"])
    return names

"""Unit tests for clea_intake.ops.telemetry: EMF and log lines read back from stdout, dashboard metric names."""

from __future__ import annotations

import json
import re

import pytest

from clea_intake.ops.metrics_catalog import NAMESPACE, metric_names, record_metric
from clea_intake.ops.telemetry import dashboard_metric_names, emf_datapoints, json_lines, log_records
from tests.cloudformation import dashboard_body

LOG_LINE = '{"level":"INFO","message":"document recorded","service":"clea-intake","case_id":"NA-CLEA-2026-000001"}'


def _search(name: str, namespace: str = NAMESPACE) -> dict:
    return {"expression": f"SEARCH('Namespace=\"{namespace}\" MetricName=\"{name}\"', 'Sum')", "id": "m"}


def _body(*rows: list) -> dict:
    return {"widgets": [{"type": "metric", "properties": {"metrics": list(rows)}}]}


def test_emf_datapoints_of_record_metric_output_give_name_unit_and_dimensions(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given two metrics emitted by the catalogue, as a Lambda function does
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "clea-intake")
    record_metric("Refusal", Reason="NOT_RESIDENT")
    record_metric("PaidAmount", 250)
    # When stdout is read back
    points = emf_datapoints(capsys.readouterr().out.splitlines())
    # Then each datapoint has its namespace, name, unit, value and dimensions
    assert [(p.namespace, p.name, p.unit, p.value) for p in points] == [
        (NAMESPACE, "Refusal", "Count", 1.0), (NAMESPACE, "PaidAmount", "None", 250.0)]
    assert points[0].dimensions == (("Reason", "NOT_RESIDENT"), ("service", "clea-intake"))
    assert points[1].dimension_names == {"service"}


def test_emf_datapoints_value_list_gives_one_point_per_value() -> None:
    # Given an EMF record that aggregates three values of one metric
    line = json.dumps({"_aws": {"Timestamp": 0, "CloudWatchMetrics": [
        {"Namespace": NAMESPACE, "Dimensions": [[]], "Metrics": [{"Name": "CaseReceived", "Unit": "Count"}]}]},
        "CaseReceived": [1.0, 1.0, 2.0]})
    # When it is read  Then there are three datapoints
    assert [p.value for p in emf_datapoints([line])] == [1.0, 1.0, 2.0]


def test_json_lines_with_progress_bars_and_broken_json_keeps_objects_only() -> None:
    # Given stdout mixing a progress bar, a truncated record, a JSON list and a log line
    lines = ["Saison CléA 2026 ━━━━ 3/10", '{"level": "INFO"', "[1, 2]", LOG_LINE]
    # When JSON objects are picked  Then only the log line is kept
    assert [r["message"] for r in json_lines(lines)] == ["document recorded"]


def test_log_records_among_emf_lines_are_the_logs_only(capsys: pytest.CaptureFixture[str]) -> None:
    # Given a metric record and a log line on the same stream
    record_metric("CaseReceived")
    lines = [*capsys.readouterr().out.splitlines(), LOG_LINE]
    # When the logs are picked  Then the EMF record is not one of them
    assert [r["case_id"] for r in log_records(lines)] == ["NA-CLEA-2026-000001"]


def test_dashboard_metric_names_with_rows_and_searches_lists_the_namespace_only() -> None:
    # Given a plain metric row, a "..." row, a SEARCH on CleaIntake and one on another namespace
    body = _body([NAMESPACE, "PaidAmount"], ["...", "x"], [_search("Refusal")], [_search("Errors", "AWS/Lambda")],
                 ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", "q"])
    # When the names it reads are listed  Then only the CleaIntake ones come back
    assert dashboard_metric_names(body) == {"PaidAmount", "Refusal"}


def test_dashboard_metric_names_inside_metric_math_are_found() -> None:
    # Given a SEARCH wrapped in SUM(), with spaces around "="
    expression = "SUM(SEARCH('Namespace = \"CleaIntake\" MetricName = \"AwardedAmount\"', 'Sum', 86400))"
    # When read  Then the metric is found
    assert dashboard_metric_names(_body([{"expression": expression, "id": "a"}])) == {"AwardedAmount"}


def test_dashboard_metric_names_of_infra_body_are_the_catalogue() -> None:
    # Given the dashboard body of template.yaml with its placeholders filled with anything
    text = re.sub(r"\$\{(?!!)[^}]*\}", "x", dashboard_body())
    # When the CleaIntake metrics it reads are listed  Then they are exactly the catalogued ones
    assert dashboard_metric_names(json.loads(text)) == set(metric_names())

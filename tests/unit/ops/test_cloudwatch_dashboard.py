"""Unit tests for the operations dashboard body (template.yaml's OperationsDashboard, its one source):
its placeholders, its JSON and the metrics it reads."""

from __future__ import annotations

import json
import re

import pytest

from clea_intake.ops.metrics_catalog import NAMESPACE, get_metric, metric_names
from tests.cloudformation import dashboard_body

# What template.yaml must supply to !Sub; `${!Literal}` is !Sub's escape and stays literal.
EXPECTED_PLACEHOLDERS = {
    "AWS::Region",
    "StateMachineArn",
    "DocumentsDlqName",
    "IntakeDlqName",
    "InboundDlqName",
}
SAMPLE_VALUES = {
    "AWS::Region": "eu-west-3",
    "StateMachineArn": "arn:aws:states:eu-west-3:123456789012:stateMachine:clea-intake-case",
    "DocumentsDlqName": "clea-intake-documents-dlq",
    "IntakeDlqName": "clea-intake-intake-dlq",
    "InboundDlqName": "clea-intake-inbound-dlq",
}
PLACEHOLDER = re.compile(r"\$\{(?!!)([^}]*)\}")
SEARCH_TERM = re.compile(r"SEARCH\('([^']*)'")
DESIGNATOR = re.compile(r'(\w+)="([^"]*)"')
GRID_COLUMNS = 24


def _sub(text: str, values: dict[str, str]) -> str:
    """Fill placeholders as CloudFormation's Fn::Sub does, failing on any it would not know."""

    def fill(match: re.Match[str]) -> str:
        return values[match.group(1)]

    return PLACEHOLDER.sub(fill, text).replace("${!", "${")


def _body() -> dict:
    return json.loads(_sub(dashboard_body(), SAMPLE_VALUES))


def _metric_widgets(body: dict) -> list[dict]:
    return [widget for widget in body["widgets"] if widget["type"] == "metric"]


def _referenced_cleaintake_metrics(body: dict) -> list[str]:
    """Metric names read from the CleaIntake namespace, by plain metric rows or by SEARCH."""
    names: list[str] = []
    for widget in _metric_widgets(body):
        for row in widget["properties"]["metrics"]:
            if isinstance(row[0], str) and row[0] == NAMESPACE:
                names.append(row[1])
            for part in row:
                if isinstance(part, dict) and "expression" in part:
                    for term in SEARCH_TERM.findall(part["expression"]):
                        designators = dict(DESIGNATOR.findall(term))
                        if designators.get("Namespace") == NAMESPACE:
                            names.append(designators["MetricName"])
    return names


def test_dashboard_body_placeholders_are_the_agreed_ones() -> None:
    # Given the raw dashboard body  When its !Sub placeholders are listed
    found = set(PLACEHOLDER.findall(dashboard_body()))
    # Then template.yaml has exactly these to supply
    assert found == EXPECTED_PLACEHOLDERS


def test_dashboard_body_after_substitution_is_valid_json_with_widgets() -> None:
    # Given the body with every placeholder filled  When it is parsed
    body = _body()
    # Then it is a dashboard: widgets, each metric widget in the filled region with a title
    assert len(body["widgets"]) >= 10
    for widget in _metric_widgets(body):
        assert widget["properties"]["region"] == "eu-west-3"
        assert widget["properties"]["title"]
    assert "${" not in json.dumps(body)


def test_dashboard_body_cleaintake_metrics_are_all_catalogued() -> None:
    # Given the CleaIntake metrics the dashboard reads
    referenced = _referenced_cleaintake_metrics(_body())
    # When each is looked up in the catalogue  Then none is unknown
    assert referenced, "the dashboard should read CleaIntake metrics"
    assert [name for name in referenced if name not in metric_names()] == []


def test_dashboard_body_shows_every_catalogued_metric() -> None:
    # Given the catalogue  When the dashboard's CleaIntake metrics are collected
    referenced = set(_referenced_cleaintake_metrics(_body()))
    # Then every catalogued metric has a place on it
    assert set(metric_names()) - referenced == set()


def test_dashboard_body_search_dimensions_are_catalogued_for_their_metric() -> None:
    # Given every SEARCH on CleaIntake  When its dimension filters are read
    for widget in _metric_widgets(_body()):
        for row in widget["properties"]["metrics"]:
            for part in (p for p in row if isinstance(p, dict) and "expression" in p):
                for term in SEARCH_TERM.findall(part["expression"]):
                    designators = dict(DESIGNATOR.findall(term))
                    if designators.get("Namespace") != NAMESPACE:
                        continue
                    metric = get_metric(designators.pop("MetricName"))
                    designators.pop("Namespace")
                    # Then any dimension it filters on belongs to that metric
                    assert set(designators) <= set(metric.dimensions), part["expression"]


def test_dashboard_body_infrastructure_metrics_use_the_placeholders() -> None:
    # Given the body  When the AWS metrics rows are collected
    rows = [row for widget in _metric_widgets(_body()) for row in widget["properties"]["metrics"]]
    queues = {row[3] for row in rows if row[:2] == ["AWS/SQS", "ApproximateNumberOfMessagesVisible"]}
    machines = {row[3] for row in rows if row[:2] == ["AWS/States", "ExecutionsFailed"]}
    lambda_metrics = {row[1] for row in rows if row[0] == "AWS/Lambda"}
    # Then the three DLQs, the state machine and Lambda errors and duration are watched
    assert queues == {SAMPLE_VALUES[k] for k in ("DocumentsDlqName", "IntakeDlqName", "InboundDlqName")}
    assert machines == {SAMPLE_VALUES["StateMachineArn"]}
    assert {"Errors", "Duration"} <= lambda_metrics


def test_dashboard_body_widgets_fit_the_grid_without_overlap() -> None:
    # Given the widgets' positions  When they are laid on CloudWatch's 24-column grid
    cells: set[tuple[int, int]] = set()
    for widget in _body()["widgets"]:
        x, y, width, height = widget["x"], widget["y"], widget["width"], widget["height"]
        # Then each fits in the grid and no two share a cell
        assert 0 <= x and x + width <= GRID_COLUMNS
        covered = {(col, row) for col in range(x, x + width) for row in range(y, y + height)}
        assert not covered & cells, widget["properties"].get("title")
        cells |= covered


def test_dashboard_body_expression_ids_are_unique_and_valid_per_widget() -> None:
    # Given each widget's metric-math ids (CloudWatch wants unique ids starting lower case)
    for widget in _metric_widgets(_body()):
        ids = [
            part["id"]
            for row in widget["properties"]["metrics"]
            for part in row
            if isinstance(part, dict) and "id" in part
        ]
        # When they are compared  Then they are unique and well formed
        assert len(ids) == len(set(ids))
        assert all(re.fullmatch(r"[a-z][A-Za-z0-9_]*", i) for i in ids), ids


def test_sub_unknown_placeholder_raises_key_error() -> None:
    # Given a body naming a placeholder template.yaml does not supply (guards the helper itself)
    # When it is substituted  Then it fails loudly instead of leaving "${...}" in the dashboard
    with pytest.raises(KeyError):
        _sub('{"region": "${Nowhere}"}', SAMPLE_VALUES)

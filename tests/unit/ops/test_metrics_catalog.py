"""Unit tests for the metrics catalogue: the contract names, units, dimensions and the EMF it emits."""

from __future__ import annotations

import json

import pytest
from aws_lambda_powertools.metrics import MetricUnit

from clea_intake.ops.metrics_catalog import (
    NAMESPACE,
    UnknownMetric,
    all_metrics,
    dimension_names,
    get_metric,
    metric_names,
    metrics_with_dimension,
    record_metric,
)

# The names other engineers emit: changing one breaks the dashboards, so the list is spelled out.
EXPECTED = {
    "CaseReceived": (),
    "FormRejected": (),
    "CaseStateEntered": ("State",),
    "DocumentRead": ("DocType",),
    "DocumentFinding": ("Code",),
    "ReviewOpened": (),
    "ReviewClosed": (),
    "Refusal": ("Reason",),
    "AwardedAmount": (),
    "PaymentOrderedAmount": (),
    "PaidAmount": (),
    "ClaimReceived": (),
    "MailQuarantined": ("Reason",),
    "RegisterStale": (),
    "SweepUnfinished": (),
    "HandlerFailure": ("Function",),
}


def _emitted(capsys: pytest.CaptureFixture[str]) -> list[dict]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]


def test_metric_names_contract_lists_exactly_the_agreed_names_and_dimensions() -> None:
    # Given the names agreed with the engineers who emit them
    # When the catalogue is listed
    listed = {metric.name: metric.dimensions for metric in all_metrics()}
    # Then it holds exactly those names, each with its agreed dimensions
    assert listed == EXPECTED
    assert metric_names() == tuple(EXPECTED)


def test_all_metrics_amounts_have_no_unit_and_counts_are_counts() -> None:
    # Given the euro metrics, which CloudWatch cannot express as a currency
    amounts = {"AwardedAmount", "PaymentOrderedAmount", "PaidAmount"}
    # When their units are read
    units = {metric.name: metric.unit for metric in all_metrics()}
    # Then euros are plain numbers and every other metric counts events
    assert {name for name, unit in units.items() if unit is MetricUnit.NoUnit} == amounts
    assert all(unit is MetricUnit.Count for name, unit in units.items() if name not in amounts)


def test_all_metrics_every_entry_has_french_label_and_english_description() -> None:
    # Given the catalogue  When each entry is inspected
    entries = all_metrics()
    # Then each carries a French label and an English description, and few dimensions
    assert all(metric.label_fr and metric.description for metric in entries)
    assert max(len(metric.dimensions) for metric in entries) <= 1


def test_get_metric_unknown_name_raises_unknown_metric() -> None:
    # Given a name nobody agreed on  When it is looked up  Then the catalogue refuses it
    with pytest.raises(UnknownMetric):
        get_metric("CasesReceived")


def test_dimension_names_lists_the_dimensions_in_use() -> None:
    # Given the catalogue  When its dimensions are listed  Then they are the agreed few
    assert dimension_names() == frozenset({"State", "DocType", "Code", "Reason", "Function"})
    assert [m.name for m in metrics_with_dimension("Reason")] == ["Refusal", "MailQuarantined"]


def test_record_metric_with_dimension_emits_one_emf_record_in_namespace(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given no Powertools service name
    monkeypatch.delenv("POWERTOOLS_SERVICE_NAME", raising=False)
    # When two states are entered in the same invocation
    record_metric("CaseStateEntered", State="COMPLETE")
    record_metric("CaseStateEntered", State="AWARDED")
    # Then each datapoint keeps its own State value, in the CleaIntake namespace, counted
    records = _emitted(capsys)
    assert [record["State"] for record in records] == ["COMPLETE", "AWARDED"]
    directive = records[0]["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == NAMESPACE
    assert directive["Dimensions"] == [["State"]]
    assert directive["Metrics"] == [{"Name": "CaseStateEntered", "Unit": "Count"}]


def test_record_metric_amount_emits_value_without_unit(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given no Powertools service name
    monkeypatch.delenv("POWERTOOLS_SERVICE_NAME", raising=False)
    # When an award of 450 € is recorded
    record_metric("AwardedAmount", 450)
    # Then the value is 450 with unit "None"
    (record,) = _emitted(capsys)
    assert record["AwardedAmount"] == [450.0]
    assert record["_aws"]["CloudWatchMetrics"][0]["Metrics"] == [{"Name": "AwardedAmount", "Unit": "None"}]


def test_record_metric_missing_dimension_raises_unknown_metric() -> None:
    # Given a refusal without its reason  When it is recorded  Then it is refused before emitting
    with pytest.raises(UnknownMetric, match="Reason"):
        record_metric("Refusal")


def test_record_metric_extra_dimension_raises_unknown_metric() -> None:
    # Given a dimension the catalogue does not list (it would split the dashboard's series)
    # When it is recorded  Then it is refused
    with pytest.raises(UnknownMetric, match="CaseId"):
        record_metric("CaseReceived", CaseId="NA-CLEA-2026-000001")

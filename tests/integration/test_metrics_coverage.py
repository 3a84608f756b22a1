"""What the code writes to stdout on a local stack: every metric the CloudWatch dashboard shows, structured logs
that carry the case id, and no personal data.

The cases are played in a fresh interpreter (this file run as a script), as a Lambda container starts:
Powertools reads POWERTOOLS_* when the modules are imported, and in the test session other modules have
imported them long before. Its stdout is exactly what CloudWatch Logs would receive: EMF records and logs.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
REGION = "eu-west-3"
# Submitted 45 days before the evaluation: in time, so the paid case is decided at once.
START = "2026-05-04"
# An SQS message that is no S3 event: its handler fails on it at every delivery.
POISON = '{"detail": 42}'
POISON_MESSAGES = 2
MAX_RECEIVES = 3  # the queues' redrive policy (LocalStack and template.yaml)


# --- the cases, played in a child interpreter ---------------------------------------------------------


def play(summary_path: Path) -> None:
    """Drive every kind of event the metrics describe through the local stack; write what the test needs."""
    os.environ.update({"POWERTOOLS_METRICS_DISABLED": "false", "POWERTOOLS_LOG_LEVEL": "INFO",
                       "POWERTOOLS_SERVICE_NAME": "clea-intake", "AWS_DEFAULT_REGION": REGION})
    from datetime import date, datetime, timedelta
    from datetime import time as dtime
    from zoneinfo import ZoneInfo

    from clea_intake import clock
    from clea_intake.adapters import clients
    from clea_intake.local.season import evaluator_iban
    from clea_intake.local.stack import LocalStack
    from clea_intake.mail.build import build_claim_email
    from clea_intake.samples.persona import application_documents, claim_documents, sample_application

    paris = ZoneInfo("Europe/Paris")
    start = date.fromisoformat(START)

    def at(day: date, hour: int = 10) -> datetime:
        return datetime.combine(day, dtime(hour), tzinfo=paris)

    def form(number: int) -> dict[str, Any]:
        app = sample_application(number, seed=number, evaluation_start=start.isoformat(),
                                 evaluation_end=(start + timedelta(days=4)).isoformat(),
                                 nationality="FR", situation="unemployed")
        app["submitted_at"] = at(start - timedelta(days=45), 9).isoformat()
        return app

    paid, late = form(7101), form(7104)
    iban = evaluator_iban(paid["evaluator"]["siret"])
    with LocalStack() as stack:
        from clea_intake.runtime import aws_ports
        from clea_intake.services.metrics import EMITTED
        from clea_intake.services.payments import export_and_confirm
        from clea_intake.services.review import resolve

        # A valid file: received, complete, awarded. Its evaluator's supplier record trusts the IBAN it claims on.
        day = start - timedelta(days=45)
        stack.set_time(at(day, 8))
        evaluator = paid["evaluator"]
        stack.record_suppliers(json.dumps({"siret": evaluator["siret"], "name": evaluator["name"], "iban": iban,
                                           "emails": [evaluator["email"]]}).encode())
        stack.set_time(at(day, 9))
        stack.submit(paid)
        for name, data in application_documents(paid, received=day, seed=7101).items():
            stack.upload_document(paid["case_id"], name, data)
        # A late file: the form and one stale proof of address (a finding), then the deadline passes.
        stack.submit(late)
        stale = application_documents(late, received=day, variant="stale_proof", seed=7104)
        proof = next(name for name in stale if "domicile" in name)
        stack.upload_document(late["case_id"], proof, stale[proof])
        # A form the platform got wrong, and in the same batch a message no handler can read (a partial
        # batch failure): retried, then dead-lettered.
        broken = {**form(7103), "certification": "clea_expert"}
        stack.submit(broken)
        sqs = clients.client("sqs")
        sqs.send_message(QueueUrl=stack.queue_urls["intake"], MessageBody=POISON)
        stack.settle()

        # A message SES flagged as infected (quarantined, reviewed, dismissed), then the real claim.
        claim_day = start + timedelta(days=9)
        stack.set_time(at(claim_day, 8))
        stack.deliver_email(build_claim_email(sender=paid["evaluator"]["email"], attachments=[],
                                              sent_at=at(claim_day, 7), case_id=paid["case_id"],
                                              virus_verdict="FAIL"))
        stack.settle()
        for item in stack.repo().reviews("OPEN"):
            resolve(aws_ports(stack.repo(), stack.cfg()), item.review_id, "dismiss", clock.now(), actor="ops:test")
        pieces = claim_documents(paid, hours=paid["quote"]["hours"], issued=claim_day - timedelta(days=2),
                                 seed=7101, iban=iban)
        stack.set_time(at(claim_day, 11))
        stack.deliver_email(build_claim_email(sender=paid["evaluator"]["email"], attachments=list(pieces.items()),
                                              sent_at=at(claim_day, 10), case_id=paid["case_id"]))
        stack.settle()
        stack.set_time(at(claim_day + timedelta(days=5), 15))
        export_and_confirm(aws_ports(stack.repo(), stack.cfg()), clock.now(), actor="finance:test")
        # The sweeper passes after the late file's deadline.
        stack.tick(at(start - timedelta(days=7), 6))

        # The same message alone: every delivery is a whole failed batch.
        sqs.send_message(QueueUrl=stack.queue_urls["intake"], MessageBody=POISON)
        stack.settle()

        states = {app["case_id"]: str(stack.repo().get_case(app["case_id"]).state) for app in (paid, late)}
        summary = {"forms": [paid, late, broken], "ibans": [iban], "states": states,
                   "dead_letters": stack.dead_letters(), "emitted": sorted(EMITTED)}
    summary_path.write_text(json.dumps(summary, ensure_ascii=False), encoding="utf-8")


# --- the run the tests read ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    summary_path = tmp_path_factory.mktemp("telemetry") / "summary.json"
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("AWS_", "POWERTOOLS_")) and key not in ("MOTO_PORT", "TABLE_NAME", "BUCKET_NAME")}
    env.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION,
                "PYTHONPATH": os.pathsep.join([str(ROOT / "shared"), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)})
    started = time.monotonic()
    done = subprocess.run([sys.executable, str(Path(__file__)), str(summary_path)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-4000:]
    from clea_intake.ops.telemetry import emf_datapoints, log_records

    lines = done.stdout.splitlines()
    return {"summary": json.loads(summary_path.read_text(encoding="utf-8")), "stdout": done.stdout,
            "stderr": done.stderr, "points": emf_datapoints(lines), "logs": log_records(lines),
            "seconds": time.monotonic() - started}


def _dashboard_body() -> dict[str, Any]:
    """The body of template.yaml's OperationsDashboard, with its !Sub variables filled."""
    from tests.cloudformation import dashboard_body

    # Placeholders sit inside JSON strings; any value keeps the JSON valid and the metric names intact.
    return json.loads(re.sub(r"\$\{(?!!)[^}]*\}", "x", dashboard_body()).replace("${!", "${"))


def test_metrics_coverage_played_cases_reach_their_outcomes(run: dict[str, Any]) -> None:
    # Given the cases played on the local stack  When their states and the queues are read
    summary = run["summary"]
    states = list(summary["states"].values())
    # Then the valid file was paid, the late one refused, and the unreadable messages dead-lettered
    assert states == ["PAID", "REFUSED"], summary["states"]
    assert summary["dead_letters"]["intake"] == POISON_MESSAGES


def test_metrics_coverage_dashboard_metrics_are_all_emitted(run: dict[str, Any]) -> None:
    from clea_intake.ops.telemetry import dashboard_metric_names

    # Given the CleaIntake metrics template.yaml's dashboard shows
    shown = dashboard_metric_names(_dashboard_body())
    # When they are compared with the EMF records the played cases wrote to stdout
    emitted = {point.name for point in run["points"] if point.namespace == "CleaIntake"}
    # Then each one was emitted: a widget over a name the code never writes would stay empty
    assert len(shown) >= 10
    assert sorted(shown - emitted) == []


def test_metrics_coverage_catalogue_metrics_are_all_emitted_and_nothing_else(run: dict[str, Any]) -> None:
    from clea_intake.ops.metrics_catalog import metric_names

    # Given the catalogue and the names emitted in the child process (EMF and services.metrics.EMITTED)
    emitted = {point.name for point in run["points"]}
    # When they are compared  Then they are the same set
    assert emitted == set(metric_names())
    assert set(run["summary"]["emitted"]) == emitted


def test_metrics_coverage_emf_records_carry_catalogued_units_and_dimensions(run: dict[str, Any]) -> None:
    from clea_intake.ops.metrics_catalog import NAMESPACE, get_metric

    # Given every EMF datapoint written
    for point in run["points"]:
        metric = get_metric(point.name)
        # When it is checked against the catalogue  Then namespace, unit and dimensions are the catalogued ones
        assert point.namespace == NAMESPACE
        assert point.unit == metric.unit.value, point
        assert point.dimension_names == {*metric.dimensions, "service"}, point
        assert all(value for _, value in point.dimensions), point


def test_metrics_coverage_amounts_match_the_paid_case(run: dict[str, Any]) -> None:
    # Given the datapoints of the euro metrics
    sums: dict[str, float] = {}
    for point in run["points"]:
        if point.name.endswith("Amount"):
            sums[point.name] = sums.get(point.name, 0) + point.value
    # When they are added up  Then what was awarded was ordered and paid, once
    assert sums["AwardedAmount"] > 0
    assert sums["AwardedAmount"] == sums["PaymentOrderedAmount"] == sums["PaidAmount"]


def test_metrics_coverage_refusal_and_failure_dimensions_name_the_cause(run: dict[str, Any]) -> None:
    # Given the datapoints with a cause dimension
    causes = {(p.name, dict(p.dimensions).get("Reason") or dict(p.dimensions).get("Function")) for p in run["points"]
              if p.name in ("Refusal", "MailQuarantined", "HandlerFailure")}
    # When they are listed  Then they name the late completion, the virus and the failing function
    assert ("Refusal", "LATE_COMPLETION") in causes
    assert any(name == "MailQuarantined" and "VIRUS" in cause for name, cause in causes)
    assert ("HandlerFailure", "intake_application") in causes


def test_metrics_coverage_handler_failure_counts_every_failed_delivery(run: dict[str, Any]) -> None:
    # Given two unreadable messages, each delivered until the redrive policy dead-letters it
    points = [p for p in run["points"] if p.name == "HandlerFailure"]
    failures = sum(p.value for p in points)
    # When the HandlerFailure datapoints are added up  Then each failed delivery was counted
    by_function = Counter(dict(p.dimensions).get("Function") for p in points)
    errors = [r.get("message") for r in run["logs"] if r.get("level") in ("ERROR", "EXCEPTION", "CRITICAL")]
    assert failures == POISON_MESSAGES * MAX_RECEIVES, (by_function, errors[:10], run["stderr"][-2000:])


def test_metrics_coverage_unemitted_dashboard_name_is_reported() -> None:
    from clea_intake.ops.telemetry import dashboard_metric_names

    # Given a dashboard reading a name nobody emits beside one that is emitted
    body = {"widgets": [{"type": "metric", "properties": {"metrics": [
        [{"expression": "SEARCH('Namespace=\"CleaIntake\" MetricName=\"CasesTeleported\"', 'Sum')", "id": "t"}],
        ["CleaIntake", "CaseReceived"]]}}]}
    # When the comparison of the tests above is made
    missing = dashboard_metric_names(body) - {"CaseReceived"}
    # Then the unemitted name is what it reports
    assert missing == {"CasesTeleported"}


# --- structured logs --------------------------------------------------------------------------------


def test_logs_are_json_with_level_message_and_service(run: dict[str, Any]) -> None:
    # Given the log records among the child's stdout
    logs = run["logs"]
    # When their keys are read  Then each is a Powertools record of the clea-intake service
    assert len(logs) >= 10
    for record in logs:
        assert {"level", "message", "timestamp", "service"} <= set(record), record
        assert record["service"] == "clea-intake", record


def test_logs_of_case_events_carry_the_case_id(run: dict[str, Any]) -> None:
    # Given the case ids played and the logs of the events that concern one case
    case_ids = set(run["summary"]["states"])
    per_case = ("application registered", "document recorded", "claim e-mail accepted", "payment ordered")
    records = [r for r in run["logs"] if r["message"] in per_case]
    # When their correlation key is read
    # Then every such line names a played case, and each played case can be followed in the logs
    assert {r["message"] for r in records} == set(per_case)
    assert all(r.get("case_id") in case_ids for r in records), [r for r in records if r.get("case_id") not in case_ids]
    assert {r["case_id"] for r in records} == case_ids


def test_logs_of_step_function_tasks_carry_the_case_id(run: dict[str, Any]) -> None:
    # Given the log lines written inside the Step Functions task functions (Powertools adds function_name)
    tasks = ("acknowledge-case", "await-step", "decide-eligibility", "award-case", "send-decision", "order-payment")
    # Lines about many cases (the sweep, a payment export) are not task lines; on the local stack every
    # function shares one process, so they can carry the Lambda context of a task running in another thread.
    many = ("sweep done", "payments exported")
    records = [r for r in run["logs"] if str(r.get("function_arn", "")).endswith(tasks) and r["message"] not in many]
    # When their keys are read  Then they carry the case id the task was started for
    assert records, "the task functions should log something at INFO"
    assert all(str(r.get("case_id", "")).startswith("NA-CLEA-") for r in records), [r for r in records if not str(r.get("case_id", "")).startswith("NA-CLEA-")][:3]


def test_logs_about_no_single_case_carry_no_case_id(run: dict[str, Any]) -> None:
    # Given the lines that report on many cases at once (the sweep)
    records = [r for r in run["logs"] if r["message"] == "sweep done"]
    # When their correlation key is read  Then there is none: a case id there would send a reader to the wrong case
    assert records
    assert [r.get("case_id") for r in records] == [None] * len(records)


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()


def _personal_values(forms: list[dict[str, Any]], ibans: list[str]) -> list[str]:
    values = list(ibans)
    for form in forms:
        applicant = form["applicant"]
        values += [applicant["surname"], applicant["email"], applicant["phone"], applicant["address"]["line1"]]
    return values


def test_logs_hold_no_personal_data_from_the_forms(run: dict[str, Any]) -> None:
    # Given the surnames, e-mails, phones and streets of the forms and the evaluator's IBAN
    personal = _personal_values(run["summary"]["forms"], run["summary"]["ibans"])
    # When the child's whole output (logs, metrics, warnings) is searched, accents and case ignored
    output = _fold(run["stdout"] + run["stderr"])
    found = [value for value in personal if re.search(rf"(?<!\w){re.escape(_fold(value))}(?!\w)", output)]
    # Then none of them is there
    assert len(personal) == 13
    assert found == []


def test_logs_personal_data_search_finds_a_leaked_surname() -> None:
    # Given a form and a log line that leaks the surname in upper case, without its accent
    form = {"applicant": {"surname": "Lefèvre", "email": "l@example.fr", "phone": "+33600000000",
                          "address": {"line1": "3 rue Haute"}}}
    line = '{"message": "document recorded", "holder": "LEFEVRE"}'
    # When the search of the test above runs on it
    found = [v for v in _personal_values([form], []) if re.search(rf"(?<!\w){re.escape(_fold(v))}(?!\w)", _fold(line))]
    # Then the surname is found
    assert found == ["Lefèvre"]


if __name__ == "__main__":
    play(Path(sys.argv[1]))

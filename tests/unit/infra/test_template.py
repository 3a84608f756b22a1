"""template.yaml: translated by SAM and linted with cfn-lint, the ASL linted, and no drift from the local stack.

No AWS call: samtranslator runs in process (its managed-policy lookup is stubbed) and cfn-lint checks
the CloudFormation it produces. The drift checks compare the template with what the local stack
(clea_intake.local) builds on moto, so that local and deployed routing, names and keys stay one design.
"""

from __future__ import annotations

import copy
import functools
import json
import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
from cfnlint.api import ManualArgs, lint
from samtranslator.translator.transform import transform

from clea_intake.adapters import secrets
from clea_intake.local.names import FUNCTIONS, QUEUES, StackNames
from clea_intake.local.stack import event_pattern, substitute
from tests import cloudformation

ROOT = Path(__file__).resolve().parents[3]
TEMPLATE = ROOT / "template.yaml"
SAMCONFIG = ROOT / "samconfig.toml"
ASL = ROOT / "infra" / "statemachine" / "application.asl.json"
TRANSLATED_RESOURCES = Path(__file__).with_name("translated_resources.json")
LAYER_DIR = ROOT / "infra" / "layer"
PYPROJECT = ROOT / "pyproject.toml"
REGION = "eu-west-3"
ACCOUNT = "123456789012"
STACK = "clea-intake"
PLACEHOLDER = re.compile(r"\$\{(?!!)([^}]*)\}")
SAM_FUNCTION = "AWS::Serverless::Function"

# cfn-lint warnings accepted on the translated template, each with its reason. None today: a new
# warning fails the test until it is fixed or listed here with why it is acceptable.
ALLOWED_WARNINGS: dict[str, str] = {}


# -- loading ---------------------------------------------------------------------------------------
@functools.cache
def _template() -> dict[str, Any]:
    """template.yaml as CloudFormation gets it: short-form intrinsics expanded (`!Ref X` -> {"Ref": "X"}),
    then its language extensions (Fn::ForEach) expanded (tests/cloudformation.py)."""
    return cloudformation.template()


def template() -> dict[str, Any]:
    return copy.deepcopy(_template())


def resources(kind: str, document: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    document = document or _template()
    return {name: r for name, r in document["Resources"].items() if r["Type"] == kind}


def function_property(logical_id: str, name: str) -> Any:
    """A function's property as SAM resolves it: its own value, else the Globals one."""
    props = _template()["Resources"][logical_id]["Properties"]
    return props.get(name, _template()["Globals"]["Function"].get(name))


def queue_id(queue: str) -> str:
    """Logical id of a QUEUES entry's queue (its dead-letter queue is <Queue>Dlq)."""
    return f"{queue.capitalize()}Queue"


def dlq_id(queue: str) -> str:
    return f"{queue.capitalize()}Dlq"


def stack_sub(value: Any) -> str:
    """A `!Sub "${AWS::StackName}-..."` name with the stack name filled in."""
    assert isinstance(value, dict) and "Fn::Sub" in value, value
    return value["Fn::Sub"].replace("${AWS::StackName}", STACK)


class _NoManagedPolicies:
    """Stands in for samtranslator's ManagedPolicyLoader (an IAM ListPolicies call).

    The template attaches policies by template, statement or !Ref, never by AWS managed policy name,
    so SAM never asks; if it did, the translation would fail on the unknown name, visibly.
    """

    def load(self) -> dict[str, str]:
        return {}


def _deployable_form(document: dict[str, Any]) -> dict[str, Any]:
    """What `sam package` hands to CloudFormation: local code paths become S3 locations.

    Each path must exist in the repository (SAM would fail to build it otherwise). The ASL is inlined
    as `Definition`, keeping its DefinitionSubstitutions, so that cfn-lint sees the real state machine.
    """
    for logical_id, resource in document["Resources"].items():
        props = resource.get("Properties", {})
        if resource["Type"] == SAM_FUNCTION:
            assert (ROOT / props["CodeUri"]).is_dir(), f"{logical_id}: no folder {props['CodeUri']}"
            props["CodeUri"] = f"s3://artifacts/{props['CodeUri']}"
        elif resource["Type"] == "AWS::Serverless::LayerVersion":
            assert (ROOT / props["ContentUri"]).is_dir(), f"{logical_id}: no folder {props['ContentUri']}"
            props["ContentUri"] = f"s3://artifacts/{props['ContentUri']}"
        elif resource["Type"] == "AWS::Serverless::StateMachine":
            props["Definition"] = json.loads((ROOT / props.pop("DefinitionUri")).read_text(encoding="utf-8"))
    return document


@functools.cache
def _translated() -> dict[str, Any]:
    with pytest.MonkeyPatch.context() as env:
        # samtranslator reads the pseudo parameters' region from the boto3 session.
        env.setenv("AWS_DEFAULT_REGION", REGION)
        env.setenv("AWS_REGION", REGION)
        return transform(_deployable_form(template()), {}, _NoManagedPolicies())


def translated() -> dict[str, Any]:
    return copy.deepcopy(_translated())


def run_lint(document: dict[str, Any]) -> list[Any]:
    return lint(json.dumps(document), config=ManualArgs(regions=[REGION]))


def describe(matches: list[Any]) -> str:
    return "\n".join(f"{m.rule.id} {m.message} ({'/'.join(map(str, getattr(m, 'path', []) or []))})"
                     for m in matches)


@functools.cache
def _translated_lint() -> tuple[Any, ...]:
    return tuple(run_lint(_translated()))


def filled_asl() -> dict[str, Any]:
    """The ASL with every ${...} filled by a Lambda ARN, as the local stack fills it."""
    text = ASL.read_text(encoding="utf-8")
    values = {name: f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}" for name in PLACEHOLDER.findall(text)}
    return json.loads(substitute(text, values))


def as_state_machine_template(definition: dict[str, Any]) -> dict[str, Any]:
    return {"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"StateMachine": {
        "Type": "AWS::StepFunctions::StateMachine",
        "Properties": {"RoleArn": f"arn:aws:iam::{ACCOUNT}:role/states", "StateMachineType": "STANDARD",
                       "Definition": definition}}}}


def dangling_transitions(definition: dict[str, Any]) -> list[str]:
    """Every StartAt, Next, Default and Catch target that names no state (cfn-lint's schema cannot see it)."""
    states = definition["States"]
    problems = [] if definition["StartAt"] in states else [f"StartAt -> {definition['StartAt']}"]
    for name, state in states.items():
        targets = [state.get("Next"), state.get("Default")]
        targets += [choice.get("Next") for choice in state.get("Choices", [])]
        targets += [catcher.get("Next") for catcher in state.get("Catch", [])]
        problems += [f"{name} -> {t}" for t in targets if t is not None and t not in states]
    return problems


def fill(text: str, values: dict[str, str]) -> str:
    """Fill placeholders as Fn::Sub does, failing on any it would not know; `${!X}` stays literal."""
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], text).replace("${!", "${")


def policy_statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Every IAM statement of the translated template: roles' inline policies, policies and managed policies."""
    statements = []
    for resource in document["Resources"].values():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::IAM::Role":
            for policy in props.get("Policies", []):
                statements += policy["PolicyDocument"]["Statement"]
        elif resource["Type"] in ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy"):
            statements += props["PolicyDocument"]["Statement"]
    return statements


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def attached_policies(document: dict[str, Any], role_id: str) -> list[str]:
    """The template's policies a role gets: those it names (ManagedPolicyArns) and those that name it (Roles)."""
    role = document["Resources"][role_id]["Properties"]
    named = [arn["Ref"] for arn in role.get("ManagedPolicyArns", []) if isinstance(arn, dict) and "Ref" in arn]
    naming = [name for name, r in document["Resources"].items()
              if r["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")
              and {"Ref": role_id} in r["Properties"].get("Roles", [])]
    return named + [name for name in naming if name not in named]


def role_statements(document: dict[str, Any], role_id: str) -> list[dict[str, Any]]:
    """Every statement a role grants: its inline policies and the template's policies attached to it."""
    role = document["Resources"][role_id]["Properties"]
    statements = [s for policy in role.get("Policies", []) for s in as_list(policy["PolicyDocument"]["Statement"])]
    for name in attached_policies(document, role_id):
        statements += as_list(document["Resources"][name]["Properties"]["PolicyDocument"]["Statement"])
    return statements


def function_statements(prefix: str, document: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Every statement the role of the <prefix>Function grants (template.yaml's own roles, before SAM)."""
    document = document or _template()
    return role_statements(document, f"{prefix}FunctionRole")


# -- (a) SAM translation + cfn-lint ----------------------------------------------------------------
def test_template_translated_by_sam_lints_without_errors() -> None:
    # Given template.yaml translated by SAM  When cfn-lint checks it for eu-west-3
    errors = [m for m in _translated_lint() if m.rule.id.startswith("E")]
    # Then it reports no error
    assert not errors, describe(errors)


def test_template_translated_by_sam_has_no_unlisted_warnings() -> None:
    # Given the same lint  When its warnings are compared with the accepted ones
    warnings = [m for m in _translated_lint() if m.rule.id.startswith("W") and m.rule.id not in ALLOWED_WARNINGS]
    # Then there is none that nobody has accepted with a reason
    assert not warnings, describe(warnings)


def test_template_lint_with_broken_resource_reports_error() -> None:
    # Given the translated intake queue, alone, with an impossible visibility timeout (over 12 hours)
    queue = translated()["Resources"][queue_id("intake")]
    queue["Properties"] = {"VisibilityTimeout": 99999}
    # When it is linted the same way  Then the lint catches it (the lint above is not blind)
    assert any(m.rule.id.startswith("E") for m in run_lint({"Resources": {"Queue": queue}}))


def test_template_translated_by_sam_gives_every_function_a_role() -> None:
    # Given the translated template  When its Lambda functions are listed
    functions = resources("AWS::Lambda::Function", _translated())
    # Then SAM produced the ten functions, each with its own role
    assert set(functions) == {f"{prefix}Function" for prefix in FUNCTIONS.values()}
    assert all(f["Properties"]["Role"] == {"Fn::GetAtt": [f"{name}Role", "Arn"]} for name, f in functions.items())


def test_template_translated_resources_are_the_recorded_ones() -> None:
    # Given the (logical id, type) of every resource of the translated template, recorded before the
    # template's repeated resources were written once with Fn::ForEach (translated_resources.json)
    recorded = [tuple(row) for row in json.loads(TRANSLATED_RESOURCES.read_text(encoding="utf-8"))]
    # When today's template is expanded and translated  Then it deploys exactly those resources
    assert sorted((name, r["Type"]) for name, r in _translated()["Resources"].items()) == recorded


def test_template_mappings_list_every_function_and_queue_of_the_local_stack() -> None:
    # Given the Functions and Queues mappings the Fn::ForEach loops read their names from
    mappings = cloudformation.load()["Mappings"]
    # Then they are clea_intake.local.names' FUNCTIONS and QUEUES, by logical prefix
    assert {prefix: (entry["Folder"], entry["Name"]) for prefix, entry in mappings["Functions"].items()} == {
        prefix: (folder, folder.replace("_", "-")) for folder, prefix in FUNCTIONS.items()}
    assert {prefix: entry["Name"] for prefix, entry in mappings["Queues"].items()} == {
        queue.capitalize(): queue for queue in QUEUES}


def test_template_is_under_1250_lines() -> None:
    # Given template.yaml  Then its repeated resources stay written once. 900 held the flow alone; the console
    # adds about 260 lines of resources that exist once each (user pool, HTTP API, function, assets bucket,
    # distribution and its policies) and the functions' own roles, policies the loops cannot write: 1,250.
    assert len(TEMPLATE.read_text(encoding="utf-8").splitlines()) < 1250


def sam_command() -> str | None:
    """The SAM CLI: the one `make sam` installs in .venv-sam, else one on PATH."""
    installed = ROOT / ".venv-sam" / "bin" / "sam"
    return str(installed) if installed.is_file() else shutil.which("sam")


def sam_validate_lint(template_file: Path) -> subprocess.CompletedProcess[str]:
    """`sam validate --lint` of a template beside samconfig.toml (which turns on language extensions).

    Offline: dummy credentials, no telemetry, and every HTTP(S) request sent to a closed local port. A
    missing SAM CLI fails in CI, where `make test` installs it, and skips elsewhere.
    """
    sam = sam_command()
    if sam is None:
        if os.environ.get("CI"):
            pytest.fail("the SAM CLI is not installed: `make sam` creates .venv-sam")
        pytest.skip("the SAM CLI is not installed: `make sam` creates .venv-sam")
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", str(ROOT)), "LANG": "C.UTF-8",
           "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION, "AWS_ACCESS_KEY_ID": "testing",
           "AWS_SECRET_ACCESS_KEY": "testing", "AWS_EC2_METADATA_DISABLED": "true", "SAM_CLI_TELEMETRY": "0",
           "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9", "NO_PROXY": ""}
    return subprocess.run([sam, "validate", "--lint", "--region", REGION, "--template-file", str(template_file)],
                          cwd=template_file.parent, env=env, capture_output=True, text=True, timeout=300)


def test_template_sam_validate_lint_passes() -> None:
    # Given the SAM CLI  When it validates and lints the template  Then it succeeds
    result = sam_validate_lint(TEMPLATE)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is a valid SAM Template" in result.stdout + result.stderr


def test_template_sam_validate_lint_sees_inside_the_loops(tmp_path: Path) -> None:
    # Given a copy of the template whose intake queue, written in the queues' Fn::ForEach, would stay hidden
    # for over 12 hours (the maximum)
    text = TEMPLATE.read_text(encoding="utf-8")
    broken = text.replace("Name: intake, VisibilityTimeout: 180,", "Name: intake, VisibilityTimeout: 99999,")
    assert broken != text
    (tmp_path / "template.yaml").write_text(broken, encoding="utf-8")
    shutil.copy(SAMCONFIG, tmp_path / "samconfig.toml")
    # When sam validates and lints it  Then it fails on that queue (the lint above is not blind to loops)
    result = sam_validate_lint(tmp_path / "template.yaml")
    assert result.returncode != 0 and "99999" in result.stdout + result.stderr


# -- (b) the ASL -----------------------------------------------------------------------------------
def test_asl_with_placeholders_filled_lints_without_errors() -> None:
    # Given the ASL with fake function ARNs, wrapped in an AWS::StepFunctions::StateMachine
    matches = run_lint(as_state_machine_template(filled_asl()))
    # When cfn-lint checks it  Then nothing is wrong
    assert not [m for m in matches if m.rule.id.startswith(("E", "W"))], describe(matches)


def test_asl_lint_with_unknown_state_type_reports_error() -> None:
    # Given the ASL with a misspelt state type
    definition = filled_asl()
    definition["States"]["Closed"]["Type"] = "Succeeds"
    # When it is linted  Then cfn-lint's Step Functions schema catches it
    assert any(m.rule.id == "E3601" for m in run_lint(as_state_machine_template(definition)))


def test_asl_transitions_all_target_existing_states() -> None:
    # Given the ASL  When every StartAt, Next, Default and Catch is followed  Then each names a state
    assert dangling_transitions(filled_asl()) == []


def test_asl_transition_check_with_missing_state_reports_it() -> None:
    # Given the ASL with a Next naming no state  When transitions are checked  Then it is reported
    definition = filled_asl()
    definition["States"]["Acknowledge"]["Next"] = "Nowhere"
    assert dangling_transitions(definition) == ["Acknowledge -> Nowhere"]


def test_asl_placeholders_all_have_definition_substitutions_and_back() -> None:
    # Given the ASL's placeholders and the state machine's DefinitionSubstitutions
    placeholders = set(PLACEHOLDER.findall(ASL.read_text(encoding="utf-8")))
    (machine,) = resources("AWS::Serverless::StateMachine").values()
    substitutions = set(machine["Properties"]["DefinitionSubstitutions"])
    # When they are compared  Then each side has exactly the other's names
    assert placeholders == substitutions


def test_state_machine_substitutions_point_at_their_functions_with_invoke_rights() -> None:
    # Given the DefinitionSubstitutions  When each `<Prefix>FunctionArn` is resolved
    (machine,) = resources("AWS::Serverless::StateMachine").values()
    props = machine["Properties"]
    invokable = {p["LambdaInvokePolicy"]["FunctionName"]["Ref"] for p in props["Policies"] if "LambdaInvokePolicy" in p}
    for name, value in props["DefinitionSubstitutions"].items():
        function = name.removesuffix("Arn")
        # Then it is that function's ARN, a FUNCTIONS entry, and the state machine may invoke it
        assert value == {"Fn::GetAtt": [function, "Arn"]}
        assert function.removesuffix("Function") in FUNCTIONS.values()
        assert function in invokable


def test_state_machine_definition_uri_is_the_asl_the_local_stack_runs() -> None:
    # Given the state machine  Then it deploys the one ASL file, as a STANDARD machine named like the local one
    (machine,) = resources("AWS::Serverless::StateMachine").values()
    props = machine["Properties"]
    assert (ROOT / props["DefinitionUri"]).resolve() == ASL.resolve()
    assert props["Type"] == "STANDARD"
    assert stack_sub(props["Name"]) == StackNames(prefix=STACK).state_machine


def test_functions_state_machine_arn_names_the_deployed_state_machine() -> None:
    # Given the STATE_MACHINE_ARN every function gets, and every Step Functions grant of the functions' roles
    arn = _template()["Globals"]["Function"]["Environment"]["Variables"]["STATE_MACHINE_ARN"]
    grants = [(a, r) for prefix in FUNCTIONS.values() for s in function_statements(prefix)
              for a in as_list(s["Action"]) if a.startswith("states:") for r in as_list(s["Resource"])]
    # Then both name the state machine the template creates: starts by intake, callbacks by the rest
    expected = StackNames(prefix=STACK).state_machine
    assert stack_sub(arn).endswith(f":stateMachine:{expected}")
    assert {a for a, _ in grants} == {"states:StartExecution", "states:SendTaskSuccess", "states:SendTaskFailure",
                                      "states:SendTaskHeartbeat"}
    assert {stack_sub(r) for _, r in grants} == {stack_sub(arn)}


# -- (c) functions -----------------------------------------------------------------------------------
@pytest.mark.parametrize(("folder", "prefix"), sorted(FUNCTIONS.items()))
def test_template_function_for_each_names_entry_has_code_and_handler(folder: str, prefix: str) -> None:
    # Given a FUNCTIONS entry  When its function is looked up in the template
    function = _template()["Resources"].get(f"{prefix}Function")
    # Then it exists, deploys functions/<folder>/ and calls app.lambda_handler, which the file defines
    assert function is not None and function["Type"] == SAM_FUNCTION
    assert function["Properties"]["CodeUri"] == f"functions/{folder}/"
    assert function_property(f"{prefix}Function", "Handler") == "app.lambda_handler"
    assert re.search(r"^def lambda_handler\(", (ROOT / "functions" / folder / "app.py").read_text(encoding="utf-8"),
                     re.MULTILINE)


# Function folders whose template resources are not written yet (the console's API: its user pool, HTTP API
# and authorizer come with it). Remove an entry when its function enters the template and FUNCTIONS.
AWAITING_TEMPLATE: set[str] = set()


def test_functions_folders_and_template_functions_are_the_names_entries() -> None:
    # Given the function folders on disk and the template's functions
    folders = {path.parent.name for path in (ROOT / "functions").glob("*/app.py")} - AWAITING_TEMPLATE
    in_template = set(resources(SAM_FUNCTION))
    # Then both are exactly FUNCTIONS
    assert folders == set(FUNCTIONS)
    assert in_template == {f"{prefix}Function" for prefix in FUNCTIONS.values()}


@pytest.mark.parametrize(("folder", "prefix"), sorted(FUNCTIONS.items()))
def test_template_function_name_matches_local_stack_name(folder: str, prefix: str) -> None:
    # Given a function's deployed name  Then it is the name the local stack and ops commands use
    name = stack_sub(_template()["Resources"][f"{prefix}Function"]["Properties"]["FunctionName"])
    assert StackNames(prefix=STACK).function_arn(folder).endswith(f":function:{name}")


def test_globals_function_runtime_is_python312_arm64_traced_with_layer() -> None:
    # Given the Globals  Then every function runs python3.12 on arm64, traced, with the clea_intake layer
    functions = _template()["Globals"]["Function"]
    assert functions["Runtime"] == "python3.12" and functions["Architectures"] == ["arm64"]
    assert functions["Tracing"] == "Active"
    assert functions["Layers"] == [{"Ref": "CleaIntakeLayer"}]
    variables = functions["Environment"]["Variables"]
    assert variables["POWERTOOLS_SERVICE_NAME"] == "clea-intake"
    assert variables["POWERTOOLS_METRICS_NAMESPACE"] == "CleaIntake"
    assert {"TABLE_NAME", "BUCKET_NAME", "STATE_MACHINE_ARN", "MAIL_FROM", "CLAIMS_ADDRESS"} <= set(variables)


def test_classify_document_reads_with_textract_given_more_memory_and_time() -> None:
    # Given classify_document  Then it uses Textract (the only OCR on AWS), may call it, and has room to render
    statements = function_statements("ClassifyDocument")
    assert _template()["Globals"]["Function"]["Environment"]["Variables"]["OCR_PROVIDER"] == "textract"
    assert any(s["Action"] == "textract:DetectDocumentText" for s in statements)
    assert function_property("ClassifyDocumentFunction", "MemorySize") > _template()["Globals"]["Function"]["MemorySize"]
    assert function_property("ClassifyDocumentFunction", "Timeout") > _template()["Globals"]["Function"]["Timeout"]


def test_sweep_deadlines_is_scheduled_each_morning_before_office_hours_paris_time() -> None:
    # Given sweep_deadlines' events  When its EventBridge Scheduler schedule is read
    (event,) = _template()["Resources"]["SweepDeadlinesFunction"]["Properties"]["Events"].values()
    props = event["Properties"]
    minute, hour, day, month, weekday, year = props["ScheduleExpression"].removeprefix("cron(").rstrip(")").split()
    first, _, last = hour.partition("-")
    # Then it runs every day, at most three times (a run goes on with what the previous one left), all
    # before 8:00 in Paris
    assert event["Type"] == "ScheduleV2" and props["ScheduleExpressionTimezone"] == "Europe/Paris"
    assert (day, month, weekday, year) == ("*", "*", "?", "*")
    assert minute.isdigit() and first.isdigit() and (last or first).isdigit()
    assert 0 <= int(last or first) - int(first) < 3 and int(last or first) < 8


def test_an_unfinished_sweep_twice_in_a_row_raises_an_alarm() -> None:
    # Given the alarm on the sweeper's SweepUnfinished metric
    props = _template()["Resources"]["SweepUnfinishedAlarm"]["Properties"]
    # Then it fires when two hourly runs in a row stopped early, to the operators' topic
    assert (props["Namespace"], props["MetricName"], props["Statistic"]) == ("CleaIntake", "SweepUnfinished", "Maximum")
    assert (props["Period"], props["EvaluationPeriods"], props["DatapointsToAlarm"]) == (3600, 2, 2)
    assert props["AlarmActions"] == [{"Ref": "AlarmTopic"}]


def test_translated_policies_never_allow_scan_or_wildcard_actions() -> None:
    # Given every IAM statement SAM produced  When their actions are listed
    actions = [a for s in policy_statements(_translated()) if s["Effect"] == "Allow" for a in as_list(s["Action"])]
    # Then none allows a Scan (DESIGN §3) nor a whole service
    assert actions and "dynamodb:Scan" not in actions
    assert not [a for a in actions if a == "*" or a.endswith(":*")]


# -- (d) events: the same routing as the local stack -----------------------------------------------
def _bucket_filled(value: Any, bucket: str) -> Any:
    if value == {"Ref": "DocumentsBucket"}:
        return bucket
    if isinstance(value, dict):
        return {k: _bucket_filled(v, bucket) for k, v in value.items()}
    if isinstance(value, list):
        return [_bucket_filled(v, bucket) for v in value]
    return value


def rule_of(queue: str) -> dict[str, Any]:
    rules = [r for r in resources("AWS::Events::Rule").values()
             if {"Fn::GetAtt": [queue_id(queue), "Arn"]} in [t["Arn"] for t in r["Properties"]["Targets"]]]
    assert len(rules) == 1, f"{queue}: {len(rules)} rules target its queue"
    return rules[0]


@pytest.mark.parametrize("queue", sorted(QUEUES))
def test_event_rule_pattern_equals_local_stack_pattern(queue: str) -> None:
    # Given the rule targeting the queue, its bucket filled in
    pattern = _bucket_filled(rule_of(queue)["Properties"]["EventPattern"], "bucket-under-test")
    # When compared with the pattern the local stack puts on moto  Then they are the same
    assert pattern == event_pattern("bucket-under-test", QUEUES[queue][1])


def test_event_rules_are_only_the_queue_rules() -> None:
    # Given the template's EventBridge rules  Then there is one per queue and no other routing
    assert len(resources("AWS::Events::Rule")) == len(QUEUES)


@pytest.mark.parametrize("queue", sorted(QUEUES))
def test_queue_consumer_reports_batch_item_failures(queue: str) -> None:
    # Given the queue's consuming function (QUEUES)  When its SQS event sources are read
    function = _template()["Resources"][f"{FUNCTIONS[QUEUES[queue][0]]}Function"]
    sources = [e["Properties"] for e in function["Properties"]["Events"].values() if e["Type"] == "SQS"]
    # Then it reads exactly this queue and reports partial batch failures
    assert [s["Queue"] for s in sources] == [{"Fn::GetAtt": [queue_id(queue), "Arn"]}]
    assert sources[0]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


@pytest.mark.parametrize("queue", sorted(QUEUES))
def test_queue_visibility_timeout_is_at_least_six_function_timeouts(queue: str) -> None:
    # Given the queue and its consumer's timeout
    visibility = _template()["Resources"][queue_id(queue)]["Properties"]["VisibilityTimeout"]
    timeout = function_property(f"{FUNCTIONS[QUEUES[queue][0]]}Function", "Timeout")
    # Then a message stays hidden while six invocations could run (AWS's guidance for SQS event sources)
    assert visibility >= 6 * timeout


@pytest.mark.parametrize("queue", sorted(QUEUES))
def test_queue_redrives_to_its_dlq_after_three_receives_like_local(queue: str) -> None:
    # Given the queue  Then it has its own dead-letter queue after 3 receives, both named as locally
    resources_ = _template()["Resources"]
    props = resources_[queue_id(queue)]["Properties"]
    names = StackNames(prefix=STACK)
    assert props["RedrivePolicy"] == {"deadLetterTargetArn": {"Fn::GetAtt": [dlq_id(queue), "Arn"]},
                                      "maxReceiveCount": 3}
    assert stack_sub(props["QueueName"]) == names.queue(queue)
    assert stack_sub(resources_[dlq_id(queue)]["Properties"]["QueueName"]) == names.dlq(queue)


@pytest.mark.parametrize("queue", sorted(QUEUES))
def test_queue_policy_lets_only_its_rule_send(queue: str) -> None:
    # Given the queue policy of the queue
    (policy,) = [p for p in resources("AWS::SQS::QueuePolicy").values()
                 if p["Properties"]["Queues"] == [{"Ref": queue_id(queue)}]]
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    rule_ids = [name for name, r in resources("AWS::Events::Rule").items() if r == rule_of(queue)]
    # Then EventBridge may send to it, from its rule only
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert statement["Action"] == "sqs:SendMessage"
    assert statement["Condition"]["ArnEquals"]["aws:SourceArn"] == {"Fn::GetAtt": [rule_ids[0], "Arn"]}


# -- storage ---------------------------------------------------------------------------------------
def test_table_keys_and_index_match_local_stack_and_are_protected() -> None:
    # Given the table  Then it has the keys and GSI the local stack creates, PITR, encryption and Retain
    (table,) = resources("AWS::DynamoDB::Table").values()
    props = table["Properties"]
    assert {(a["AttributeName"], a["AttributeType"]) for a in props["AttributeDefinitions"]} == {
        ("pk", "S"), ("sk", "S"), ("gsi1pk", "S"), ("gsi1sk", "S")}
    assert props["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]
    (index,) = props["GlobalSecondaryIndexes"]
    assert index["IndexName"] == "gsi1" and index["Projection"] == {"ProjectionType": "ALL"}
    assert index["KeySchema"] == [{"AttributeName": "gsi1pk", "KeyType": "HASH"},
                                  {"AttributeName": "gsi1sk", "KeyType": "RANGE"}]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["SSESpecification"] == {"SSEEnabled": True, "SSEType": "KMS", "KMSMasterKeyId": {"Ref": "DataKey"}}
    assert table["DeletionPolicy"] == "Retain"


def test_bucket_is_private_encrypted_versioned_and_notifies_eventbridge() -> None:
    # Given the documents bucket
    props = _template()["Resources"]["DocumentsBucket"]["Properties"]
    # Then it blocks public access, encrypts, keeps versions (noncurrent ones expire) and tells EventBridge
    assert all(props["PublicAccessBlockConfiguration"].values()) and len(props["PublicAccessBlockConfiguration"]) == 4
    assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert props["NotificationConfiguration"] == {"EventBridgeConfiguration": {"EventBridgeEnabled": True}}
    assert any("NoncurrentVersionExpiration" in rule for rule in props["LifecycleConfiguration"]["Rules"])


def test_bucket_policy_denies_plain_http_and_lets_ses_write_inbound_only() -> None:
    # Given the bucket policy's statements
    statements = _template()["Resources"]["DocumentsBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    deny = [s for s in statements if s["Effect"] == "Deny"]
    ses = [s for s in statements if s.get("Principal") == {"Service": "ses.amazonaws.com"}]
    # Then every request without TLS is refused, and SES may only put objects under inbound/
    assert [s["Condition"] for s in deny] == [{"Bool": {"aws:SecureTransport": "false"}}]
    assert len(ses) == 1 and ses[0]["Action"] == "s3:PutObject"
    assert ses[0]["Resource"] == {"Fn::Sub": "${DocumentsBucket.Arn}/inbound/*"}
    assert ses[0]["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}


def test_ses_receipt_rule_stores_scanned_mail_under_inbound() -> None:
    # Given the SES receipt rule  Then it scans mail and stores it raw under inbound/ of the bucket
    (rule,) = resources("AWS::SES::ReceiptRule").values()
    props = rule["Properties"]["Rule"]
    assert props["Enabled"] and props["ScanEnabled"]
    assert props["Actions"] == [{"S3Action": {"BucketName": {"Ref": "DocumentsBucket"}, "ObjectKeyPrefix": "inbound/"}}]
    assert event_pattern("b", QUEUES["inbound"][1])["detail"]["object"]["key"] == [{"wildcard": "inbound/*"}]


# -- operations ------------------------------------------------------------------------------------
def _dashboard_sub() -> tuple[str, dict[str, Any]]:
    body, variables = _template()["Resources"]["OperationsDashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    return body, variables


def test_dashboard_body_has_one_source_the_template() -> None:
    # Given the dashboard body, filled  When it is parsed  Then it is a dashboard
    body, variables = _dashboard_sub()
    values = {"AWS::Region": REGION, **{name: f"value-of-{name}" for name in variables}}
    assert len(json.loads(fill(body, values))["widgets"]) >= 10
    # And no copy of it sits beside the template to drift from it
    assert not [p for p in (ROOT / "infra").rglob("*.json") if "widgets" in p.read_text(encoding="utf-8")]


def test_dashboard_substitutions_are_the_file_placeholders_wired_to_resources() -> None:
    # Given the file's placeholders and the template's !Sub variables
    _, variables = _dashboard_sub()
    placeholders = {p for p in PLACEHOLDER.findall(cloudformation.dashboard_body()) if not p.startswith("AWS::")}
    # Then each placeholder has a variable, each DLQ name is its queue's name, the ARN the state machine's
    assert set(variables) == placeholders
    for name, value in variables.items():
        if name.endswith("DlqName"):
            assert value == {"Fn::GetAtt": [name.removesuffix("Name"), "QueueName"]}
    assert variables["StateMachineArn"] == {"Ref": "ApplicationStateMachine"}


def alarms() -> list[dict[str, Any]]:
    return [a["Properties"] for a in resources("AWS::CloudWatch::Alarm").values()]


@pytest.mark.parametrize("queue", sorted(QUEUES))
def test_dlq_alarm_fires_on_first_message_to_alarm_topic(queue: str) -> None:
    # Given the alarms on SQS metrics  When the one on this queue's DLQ is found
    (alarm,) = [a for a in alarms() if a.get("Namespace") == "AWS/SQS"
                and a["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": [dlq_id(queue), "QueueName"]}}]]
    # Then one visible message is enough, and it goes to the alarm topic
    assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold" and alarm["Threshold"] == 0
    assert {"Ref": "AlarmTopic"} in alarm["AlarmActions"]


def test_failed_executions_alarm_watches_the_state_machine() -> None:
    # Given the Step Functions alarms  Then a failed execution of this state machine alarms the topic
    (alarm,) = [a for a in alarms() if a.get("Namespace") == "AWS/States"]
    assert alarm["MetricName"] == "ExecutionsFailed"
    assert alarm["Dimensions"] == [{"Name": "StateMachineArn", "Value": {"Ref": "ApplicationStateMachine"}}]
    assert alarm["Threshold"] == 0 and {"Ref": "AlarmTopic"} in alarm["AlarmActions"]


@pytest.mark.parametrize("prefix", sorted(FUNCTIONS.values()))
def test_function_has_error_rate_alarm(prefix: str) -> None:
    # Given the metric-math alarms  When the one reading this function's errors and invocations is found
    def reads(alarm: dict[str, Any], metric: str) -> bool:
        return any(q.get("MetricStat", {}).get("Metric") == {
            "Namespace": "AWS/Lambda", "MetricName": metric,
            "Dimensions": [{"Name": "FunctionName", "Value": {"Ref": f"{prefix}Function"}}]} for q in alarm["Metrics"])

    matching = [a for a in alarms() if "Metrics" in a and reads(a, "Errors") and reads(a, "Invocations")]
    # Then there is one, its returned series divides errors by invocations, and it alarms the topic
    assert len(matching) == 1
    (returned,) = [q for q in matching[0]["Metrics"] if q.get("ReturnData", True)]
    assert "errors / invocations" in returned["Expression"]
    assert {"Ref": "AlarmTopic"} in matching[0]["AlarmActions"]


def test_outputs_give_the_ops_commands_their_names() -> None:
    # Given the outputs  Then the bucket, table, state machine, queues and dashboard are all there
    outputs = _template()["Outputs"]
    assert {"DocumentsBucketName", "CasesTableName", "StateMachineArn", "DashboardName",
            *(f"{queue.capitalize()}QueueUrl" for queue in QUEUES)} <= set(outputs)


# -- layer, parameters, samconfig ------------------------------------------------------------------
def _requirements(lines: list[str]) -> list[str]:
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]


def test_layer_requirements_equal_pyproject_runtime_dependencies() -> None:
    # Given pyproject's [project] dependencies and the layer's requirements file
    declared = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["dependencies"]
    layer = _requirements((LAYER_DIR / "requirements.txt").read_text(encoding="utf-8").splitlines())
    # Then the layer ships exactly what the package needs at run time
    assert layer == declared


def test_layer_is_built_by_its_makefile_target_with_the_package() -> None:
    # Given the layer resource and infra/layer/Makefile
    layer = _template()["Resources"]["CleaIntakeLayer"]
    makefile = (ROOT / layer["Properties"]["ContentUri"] / "Makefile").read_text(encoding="utf-8")
    # Then sam build runs its build-<LogicalId> target, for arm64, and that target copies clea_intake
    assert layer["Metadata"] == {"BuildMethod": "makefile", "BuildArchitecture": "arm64"}
    assert re.search(r"^build-CleaIntakeLayer:", makefile, re.MULTILINE)
    assert "shared/clea_intake" in makefile and "$(ARTIFACTS_DIR)/python" in makefile
    assert layer["Properties"]["CompatibleArchitectures"] == _template()["Globals"]["Function"]["Architectures"]


def test_debtor_iban_is_never_a_parameter_nor_an_environment_variable() -> None:
    # Given the template  Then no parameter carries an IBAN, and no function gets one in its environment:
    # order_payment gets the name of the SecureString that holds it, and may read that parameter only
    document = _template()
    assert "DebtorIban" not in document["Parameters"]
    assert not [p for p in document["Parameters"].values() if "IBAN" in str(p.get("AllowedPattern", "")) or "^FR" in
                str(p.get("AllowedPattern", ""))]
    environments = [document["Globals"]["Function"]["Environment"]["Variables"]] + [
        f["Properties"].get("Environment", {}).get("Variables", {}) for f in resources(SAM_FUNCTION).values()]
    assert not [name for variables in environments for name in variables if name == "DEBTOR_IBAN"]
    variables = document["Resources"]["OrderPaymentFunction"]["Properties"]["Environment"]["Variables"]
    assert variables["DEBTOR_IBAN_PARAMETER"] == {"Ref": "DebtorIbanParameter"}
    for prefix in ("OrderPayment", "ConsoleApi"):  # the order, and the console's payments export
        variables = document["Resources"][f"{prefix}Function"]["Properties"]["Environment"]["Variables"]
        assert variables["DEBTOR_IBAN_PARAMETER"] == {"Ref": "DebtorIbanParameter"}
        reads = [s["Resource"]["Fn::Sub"] for s in function_statements(prefix) if s["Action"] == "ssm:GetParameter"]
        assert reads == ["arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter${DebtorIbanParameter}"]


def test_samconfig_deploys_dev_and_prod_to_paris_with_iam_capability() -> None:
    # Given samconfig.toml  Then both environments deploy to eu-west-3 with the IAM capability SAM roles need
    config = tomllib.loads(SAMCONFIG.read_text(encoding="utf-8"))
    for env in ("default", "prod"):
        assert config[env]["global"]["parameters"]["region"] == REGION
        assert config[env]["deploy"]["parameters"]["capabilities"] == "CAPABILITY_IAM"
    assert "Stage=prod" in config["prod"]["deploy"]["parameters"]["parameter_overrides"]


def test_only_the_functions_that_compute_beneficiary_keys_read_their_secret() -> None:
    # Given the functions whose code computes a beneficiary key (intake, and the flow's eligibility and award)
    computing = {folder for folder in FUNCTIONS if re.search(
        r"from clea_intake\.services\.cases import .*\bregister_application\b|asked=Ask\.(ELIGIBILITY|AWARD)\b",
        (ROOT / "functions" / folder / "app.py").read_text(encoding="utf-8"))}
    assert computing == {"intake_application", "decide_eligibility", "award_case"}
    # When the template's functions and the read policy are looked at
    resources = _template()["Resources"]
    readers = {folder for folder, prefix in FUNCTIONS.items()
               if "BeneficiaryKeyReadPolicy" in attached_policies(_template(), f"{prefix}FunctionRole")}
    [statement] = resources["BeneficiaryKeyReadPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    # Then exactly those read it, one parameter, GetParameter only; every function knows the parameter's name
    assert readers == computing
    assert statement["Action"] == "ssm:GetParameter" and statement["Resource"]["Fn::Sub"].endswith(
        ":parameter${BeneficiaryKeyParameter}")
    variables = _template()["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["BENEFICIARY_KEY_PARAMETER"] == {"Ref": "BeneficiaryKeyParameter"}
    assert _template()["Parameters"]["BeneficiaryKeyParameter"]["Default"] == secrets.DEFAULT_PARAMETER

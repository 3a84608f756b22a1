"""template.yaml's security posture, on the template SAM translates: one role per function, each with only
its table partitions (the classify function, which parses hostile files, cannot write payment, evaluator or
award items), reserved concurrency on the file parsers.

The table checks evaluate the translated IAM statements as IAM would for one request (action, table,
leading key): an Allow whose action, resource and dynamodb:LeadingKeys condition all match. No AWS call.
"""

from __future__ import annotations

import fnmatch
from typing import Any

import pytest

from clea_intake.local.names import FUNCTIONS
from tests.unit.infra.test_template import as_list, resources, role_statements, template, translated

TABLE_ARN = {"Fn::GetAtt": ["CasesTable", "Arn"]}
PARSERS = ("ClassifyDocument", "IngestEmail")


def _condition_holds(condition: dict[str, Any], leading_key: str) -> bool:
    for operator, tests in condition.items():
        for key, patterns in tests.items():
            if key != "dynamodb:LeadingKeys" or operator != "ForAllValues:StringLike":
                return False  # a condition this evaluator does not know never grants access
            if not any(fnmatch.fnmatchcase(leading_key, p) for p in as_list(patterns)):
                return False
    return True


def allows(statements: list[dict[str, Any]], action: str, leading_key: str, resource: Any = TABLE_ARN) -> bool:
    """Would IAM allow `action` on the table for an item whose partition key is `leading_key`?"""
    if any(s["Effect"] == "Deny" and _matches(s, action, resource) and _condition_holds(s.get("Condition", {}),
                                                                                         leading_key)
           for s in statements):
        return False
    return any(s["Effect"] == "Allow" and _matches(s, action, resource)
               and _condition_holds(s.get("Condition", {}), leading_key) for s in statements)


def _matches(statement: dict[str, Any], action: str, resource: Any) -> bool:
    actions = as_list(statement.get("Action", []))
    resources_ = as_list(statement.get("Resource", []))
    return (any(fnmatch.fnmatchcase(action, a) for a in actions)
            and any(r == "*" or r == resource for r in resources_))


def function_role(document: dict[str, Any], prefix: str) -> str:
    return document["Resources"][f"{prefix}Function"]["Properties"]["Role"]["Fn::GetAtt"][0]


# -- one role per function ---------------------------------------------------------------------------
def test_every_function_has_a_role_of_its_own() -> None:
    # Given the translated functions  When their roles are listed
    document = translated()
    roles = [function_role(document, prefix) for prefix in FUNCTIONS.values()]
    # Then there are as many roles as functions, and each is an IAM role of the template
    assert len(set(roles)) == len(FUNCTIONS) == 12
    assert all(document["Resources"][r]["Type"] == "AWS::IAM::Role" for r in roles)


def test_table_access_policy_is_attached_to_its_function_only() -> None:
    # Given every managed policy of the template that grants anything on DynamoDB
    document = translated()
    table_policies = {name for name, p in resources("AWS::IAM::ManagedPolicy", document).items()
                      if any(str(a).startswith("dynamodb:") for s in p["Properties"]["PolicyDocument"]["Statement"]
                             for a in as_list(s["Action"]))}
    # When the roles that attach each are found
    attached: dict[str, list[str]] = {name: [] for name in table_policies}
    for role_id, role in resources("AWS::IAM::Role", document).items():
        for arn in role["Properties"].get("ManagedPolicyArns", []):
            if isinstance(arn, dict) and arn.get("Ref") in attached:
                attached[arn["Ref"]].append(role_id)
    # Then each function has its own, and no table policy is shared by two roles
    assert table_policies == {f"{prefix}TableAccessPolicy" for prefix in FUNCTIONS.values()}
    assert {name: roles for name, roles in attached.items()} == {
        f"{prefix}TableAccessPolicy": [f"{prefix}FunctionRole"] for prefix in FUNCTIONS.values()}


# -- the classify function's partitions --------------------------------------------------------------
@pytest.mark.parametrize("leading_key", ["PAYMENT#NA-CLEA-2026-000001", "EVALUATOR#12345678900011",
                                         "AWARD#5f2c0e", "INBOUND#inbound/abc", "FORM#NA-CLEA-2026-000001"])
@pytest.mark.parametrize("action", ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
                                    "dynamodb:BatchWriteItem"])
def test_classify_role_cannot_write_items_outside_cases_and_reviews(action: str, leading_key: str) -> None:
    # Given the classify function's role, every statement it grants
    document = translated()
    statements = role_statements(document, function_role(document, "ClassifyDocument"))
    # When a write of an item of another partition is asked  Then IAM would refuse it
    assert not allows(statements, action, leading_key)


@pytest.mark.parametrize("leading_key", ["CASE#NA-CLEA-2026-000001", "REVIEW#doc-5f2c0e"])
def test_classify_role_writes_its_documents_cases_and_reviews(leading_key: str) -> None:
    # Given the classify function's role  When it writes a document, case or review item  Then it may
    document = translated()
    statements = role_statements(document, function_role(document, "ClassifyDocument"))
    assert allows(statements, "dynamodb:PutItem", leading_key)


def test_classify_role_reads_evaluator_iban_but_not_award_guards() -> None:
    # Given the classify role (the claim check compares a RIB with the evaluator's known IBAN)
    document = translated()
    statements = role_statements(document, function_role(document, "ClassifyDocument"))
    # Then it may read the evaluator's bank item and no award guard, and never query the index
    assert allows(statements, "dynamodb:GetItem", "EVALUATOR#12345678900011")
    assert not allows(statements, "dynamodb:GetItem", "AWARD#5f2c0e")
    assert not allows(statements, "dynamodb:Query", "PAYMENT#ORDERED",
                      {"Fn::Sub": "${CasesTable.Arn}/index/gsi1"})


@pytest.mark.parametrize(("prefix", "leading_key"), [("AwardCase", "AWARD#5f2c0e"),
                                                      ("OrderPayment", "PAYMENT#NA-CLEA-2026-000001"),
                                                      ("ImportRegister", "EVALUATOR#12345678900011"),
                                                      ("IntakeApplication", "FORM#NA-CLEA-2026-000001"),
                                                      ("IngestEmail", "INBOUND#inbound/abc")])
def test_function_that_owns_a_partition_may_write_it(prefix: str, leading_key: str) -> None:
    # Given the function whose code writes that partition  Then its role allows the write (the evaluator is
    # not blind: the refusals above are refusals of a key, not of every write)
    document = translated()
    assert allows(role_statements(document, function_role(document, prefix)), "dynamodb:PutItem", leading_key)


@pytest.mark.parametrize("prefix", sorted(set(FUNCTIONS.values()) - {"AwardCase"}))
def test_only_award_function_writes_award_guards(prefix: str) -> None:
    document = translated()
    assert not allows(role_statements(document, function_role(document, prefix)), "dynamodb:PutItem", "AWARD#x")


def test_only_sweep_queries_the_index() -> None:
    # Given every function's role  When a Query of the index is asked
    document = translated()
    index = {"Fn::Sub": "${CasesTable.Arn}/index/gsi1"}
    querying = {prefix for prefix in FUNCTIONS.values()
                if allows(role_statements(document, function_role(document, prefix)), "dynamodb:Query", "x", index)}
    # Then only the sweep, which lists the cases waiting past a deadline, and the console, which lists the open
    # review items, the payment orders and the dashboard's cases by state, may
    assert querying == {"SweepDeadlines", "ConsoleApi"}


# -- the register import ------------------------------------------------------------------------------
@pytest.mark.parametrize("leading_key", ["REGISTER#organismes-formation#75331234533", "REGISTER#sirene"])
def test_register_import_batch_writes_register_items(leading_key: str) -> None:
    # Given the import function's role  When it writes register rows 25 at a time  Then IAM allows it
    document = translated()
    assert allows(role_statements(document, function_role(document, "ImportRegister")), "dynamodb:BatchWriteItem",
                  leading_key)


@pytest.mark.parametrize("leading_key", ["CASE#NA-CLEA-2026-000001", "EVALUATOR#12345678900011", "PAYMENT#x"])
def test_register_import_batch_writes_nothing_but_register_items(leading_key: str) -> None:
    document = translated()
    assert not allows(role_statements(document, function_role(document, "ImportRegister")),
                      "dynamodb:BatchWriteItem", leading_key)


@pytest.mark.parametrize("prefix", sorted(set(FUNCTIONS.values()) - {"ImportRegister"}))
def test_only_the_register_import_batch_writes(prefix: str) -> None:
    document = translated()
    assert not allows(role_statements(document, function_role(document, prefix)), "dynamodb:BatchWriteItem",
                      "REGISTER#sirene")


@pytest.mark.parametrize(("leading_key", "allowed"), [("EVALUATOR#12345678900011", True), ("REVIEW#REGISTER-x", True),
                                                      ("REGISTER#sirene", True), ("CASE#NA-CLEA-2026-000001", False),
                                                      ("PAYMENT#NA-CLEA-2026-000001", False), ("AWARD#x", False)])
def test_register_import_writes_evaluators_registers_and_reviews_only(leading_key: str, allowed: bool) -> None:
    # Given the import function's role  Then it writes supplier records, register items and refusals, no case
    document = translated()
    statements = role_statements(document, function_role(document, "ImportRegister"))
    assert allows(statements, "dynamodb:PutItem", leading_key) is allowed


def test_register_import_reads_only_the_registers_folder_of_the_bucket() -> None:
    # Given the import function's role  When its S3 grants are listed  Then they are reads under registers/ only
    document = translated()
    grants = [(a, r) for s in role_statements(document, function_role(document, "ImportRegister"))
              for a in as_list(s["Action"]) if str(a).startswith("s3:") for r in as_list(s["Resource"])]
    assert grants and {a for a, _ in grants} == {"s3:GetObject", "s3:GetObjectVersion"}
    assert all(r == {"Fn::Sub": "${DocumentsBucket.Arn}/registers/*"} for _, r in grants)


# -- the parsers ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("prefix", PARSERS)
def test_file_parsing_functions_have_reserved_concurrency_from_a_parameter(prefix: str) -> None:
    # Given a function that parses untrusted files  Then its reserved concurrency is the stack parameter's
    document = template()
    props = document["Resources"][f"{prefix}Function"]["Properties"]
    assert props["ReservedConcurrentExecutions"] == {"Ref": "ParserConcurrency"}
    parameter = document["Parameters"]["ParserConcurrency"]
    assert parameter["Type"] == "Number" and parameter["MinValue"] >= 2
    # And it is never below the documents queue's maximum concurrency (the queue would throttle itself)
    (source,) = document["Resources"]["ClassifyDocumentFunction"]["Properties"]["Events"].values()
    assert parameter["Default"] >= source["Properties"]["ScalingConfig"]["MaximumConcurrency"]


# -- encryption ----------------------------------------------------------------------------------------
KEY_REF, KEY_ARN = {"Ref": "DataKey"}, {"Fn::GetAtt": ["DataKey", "Arn"]}


def test_data_key_is_customer_managed_rotated_and_retained() -> None:
    # Given the stack's KMS key  Then it rotates, outlives the stack (data encrypted with it is retained) and
    # its policy names no wildcard principal
    document = template()
    key = document["Resources"]["DataKey"]
    assert key["Type"] == "AWS::KMS::Key" and key["Properties"]["EnableKeyRotation"] is True
    assert key["DeletionPolicy"] == "Retain"
    principals = [s["Principal"] for s in key["Properties"]["KeyPolicy"]["Statement"]]
    assert "*" not in principals and all(p != {"AWS": "*"} for p in principals)


def test_data_at_rest_is_encrypted_with_the_stack_key() -> None:
    # Given the stack's stores of personal data, messages and logs
    document = translated()
    by_type = lambda kind: resources(kind, document).values()  # noqa: E731
    bucket = document["Resources"]["DocumentsBucket"]["Properties"]
    (rule,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    # Then each names the stack's key: bucket, table, every queue and dead-letter queue, every log group, the
    # alarm topic, and the functions' environments
    assert rule["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": KEY_ARN}
    assert [t["Properties"]["SSESpecification"]["KMSMasterKeyId"] for t in by_type("AWS::DynamoDB::Table")] == [KEY_REF]
    queues = list(by_type("AWS::SQS::Queue"))
    assert len(queues) == 8 and all(q["Properties"]["KmsMasterKeyId"] == KEY_REF for q in queues)
    groups = list(by_type("AWS::Logs::LogGroup"))
    assert len(groups) == 14 and all(g["Properties"]["KmsKeyId"] == KEY_ARN for g in groups)
    assert [t["Properties"]["KmsMasterKeyId"] for t in by_type("AWS::SNS::Topic")] == [KEY_REF]
    assert all(f["Properties"]["KmsKeyArn"] == KEY_ARN for f in by_type("AWS::Lambda::Function"))


def test_documents_bucket_logs_access_to_a_private_encrypted_expiring_log_bucket() -> None:
    # Given the documents bucket's logging and the bucket it logs to
    document = template()
    logging = document["Resources"]["DocumentsBucket"]["Properties"]["LoggingConfiguration"]
    logs = document["Resources"]["AccessLogsBucket"]["Properties"]
    # Then access logs go there, to a bucket that is encrypted, blocks public access and deletes old logs
    assert logging["DestinationBucketName"] == {"Ref": "AccessLogsBucket"}
    assert logs["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert list(logs["PublicAccessBlockConfiguration"].values()) == [True] * 4
    assert [r["ExpirationInDays"] for r in logs["LifecycleConfiguration"]["Rules"] if "ExpirationInDays" in r] == [365]
    # And only S3's log delivery may write there, each logged bucket under its own prefix only
    statements = document["Resources"]["AccessLogsBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    allows = [s for s in statements if s["Effect"] == "Allow"]
    assert all(s["Principal"] == {"Service": "logging.s3.amazonaws.com"} for s in allows)
    prefixes = {s["Condition"]["ArnLike"]["aws:SourceArn"]["Fn::GetAtt"][0]: s["Resource"]["Fn::Sub"] for s in allows}
    logged = {name: r["Properties"]["LoggingConfiguration"]["LogFilePrefix"]
              for name, r in resources("AWS::S3::Bucket", document).items() if "LoggingConfiguration" in r["Properties"]}
    assert len(allows) == len(prefixes) == 3
    assert prefixes == {name: f"${{AccessLogsBucket.Arn}}/{prefix}*" for name, prefix in logged.items()}


@pytest.mark.parametrize("prefix", sorted(FUNCTIONS.values()))
def test_function_uses_the_key_only_through_its_data_services(prefix: str) -> None:
    # Given a function's role  When the statements naming the stack's key are read
    document = translated()
    statements = [s for s in role_statements(document, function_role(document, prefix)) if s.get("Resource") == KEY_ARN]
    # Then they allow Decrypt and GenerateDataKey only via DynamoDB, S3, SQS or SSM, never a direct call
    assert statements and all(set(as_list(s["Action"])) <= {"kms:Decrypt", "kms:GenerateDataKey"} for s in statements)
    for statement in statements:
        services = [v["Fn::Sub"] for v in statement["Condition"]["StringEquals"]["kms:ViaService"]]
        assert services == [f"{name}.${{AWS::Region}}.amazonaws.com" for name in ("dynamodb", "s3", "sqs", "ssm")]


# -- personal data expires -------------------------------------------------------------------------------
RETENTION_TAG = {"Key": "retention", "Value": "expire"}


def test_bucket_deletes_objects_tagged_for_expiry_and_their_versions() -> None:
    # Given the documents bucket's lifecycle rules
    rules = template()["Resources"]["DocumentsBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    (tagged,) = [r for r in rules if r.get("TagFilters") == [RETENTION_TAG]]
    # Then an object tagged retention=expire is deleted at S3's next run, its version the day after
    assert tagged["Status"] == "Enabled" and tagged["ExpirationInDays"] == 1
    assert tagged["NoncurrentVersionExpiration"] == {"NoncurrentDays": 1}
    # And every other old version still expires, and no untagged current object is ever deleted by a rule
    assert any(r.get("NoncurrentVersionExpiration") and "TagFilters" not in r for r in rules)
    assert [r for r in rules if "ExpirationInDays" in r] == [tagged]


def test_table_expires_items_on_their_expires_at_attribute() -> None:
    # Given the table  Then DynamoDB deletes an item once its expires_at (epoch seconds) has passed
    (table,) = resources("AWS::DynamoDB::Table", template()).values()
    assert table["Properties"]["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}


@pytest.mark.parametrize("prefix", sorted(FUNCTIONS.values()))
def test_only_the_sweep_may_tag_objects_for_expiry(prefix: str) -> None:
    # Given a function's role  When it would tag a piece of a case
    document = translated()
    statements = role_statements(document, function_role(document, prefix))
    piece = {"Fn::Sub": "${DocumentsBucket.Arn}/applications/*"}
    may_tag = any(s["Effect"] == "Allow" and _matches(s, "s3:PutObjectTagging", piece) for s in statements)
    # Then only the sweep may (the tag deletes the object): a compromised parser cannot erase a case's pieces
    assert may_tag == (prefix == "SweepDeadlines")


# -- no resource "*" ------------------------------------------------------------------------------------
# The only statements of a function's role that may name every resource, each with the reason: the action has
# no resource-level permission (Service Authorization Reference), so IAM accepts nothing else.
WILDCARD_RESOURCE_ACTIONS: dict[tuple[str, ...], str] = {
    ("xray:PutTelemetryRecords", "xray:PutTraceSegments"): "X-Ray's trace writes name no resource",
    ("textract:DetectDocumentText",): "Textract's synchronous OCR names no resource",
}


def wildcard_statements(document: dict[str, Any], prefix: str) -> list[tuple[str, ...]]:
    """The actions of each statement of the function's role whose Resource is "*"."""
    return [tuple(sorted(as_list(s["Action"]))) for s in role_statements(document, function_role(document, prefix))
            if "*" in as_list(s.get("Resource", []))]


@pytest.mark.parametrize("prefix", sorted(FUNCTIONS.values()))
def test_function_role_names_its_resources_except_actions_that_have_none(prefix: str) -> None:
    # Given a function's role as SAM translates it
    document = translated()
    role = document["Resources"][function_role(document, prefix)]["Properties"]
    # Then it attaches no AWS managed policy (AWSLambdaBasicExecutionRole, AWSXrayWriteOnlyAccess and
    # AWSLambdaSQSQueueExecutionRole name every resource), only the template's own
    assert all(isinstance(arn, dict) and set(arn) == {"Ref"} for arn in role.get("ManagedPolicyArns", []))
    # And a statement on every resource is one of the listed actions without resource-level permissions
    assert set(wildcard_statements(document, prefix)) <= set(WILDCARD_RESOURCE_ACTIONS)


def test_wildcard_check_sees_a_statement_on_every_resource() -> None:
    # Given the sweep's role with one more statement, on every resource  Then the check above reports it
    document = translated()
    role = document["Resources"][function_role(document, "SweepDeadlines")]["Properties"]
    role["Policies"].append({"PolicyName": "extra", "PolicyDocument": {"Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}})
    assert ("s3:GetObject",) in wildcard_statements(document, "SweepDeadlines")


def test_only_the_classify_role_may_call_textract() -> None:
    document = translated()
    callers = {prefix for prefix in FUNCTIONS.values()
               if ("textract:DetectDocumentText",) in wildcard_statements(document, prefix)}
    assert callers == {"ClassifyDocument"}


@pytest.mark.parametrize("prefix", sorted(FUNCTIONS.values()))
def test_function_writes_logs_to_its_own_log_group_only(prefix: str) -> None:
    # Given a function's role  When its CloudWatch Logs grants are listed
    document = translated()
    grants = [(a, r) for s in role_statements(document, function_role(document, prefix))
              for a in as_list(s["Action"]) if str(a).startswith("logs:") for r in as_list(s["Resource"])]
    # Then it may write streams and events in its own group, nothing more (it cannot create a group elsewhere)
    assert sorted(a for a, _ in grants) == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert {str(r) for _, r in grants} == {str({"Fn::GetAtt": [f"{prefix}LogGroup", "Arn"]})}
    assert document["Resources"][f"{prefix}Function"]["Properties"]["LoggingConfig"] == {
        "LogGroup": {"Ref": f"{prefix}LogGroup"}}


@pytest.mark.parametrize("prefix", sorted(FUNCTIONS.values()))
def test_queue_consumers_receive_from_their_own_queue_only(prefix: str) -> None:
    # Given a function's role and the queues its SQS event sources read
    document = translated()
    grants = {r["Fn::GetAtt"][0] for s in role_statements(document, function_role(document, prefix))
              for a in as_list(s["Action"]) if str(a).startswith("sqs:") for r in as_list(s["Resource"])}
    sources = {m["Properties"]["EventSourceArn"]["Fn::GetAtt"][0]
               for m in resources("AWS::Lambda::EventSourceMapping", document).values()
               if m["Properties"]["FunctionName"] == {"Ref": f"{prefix}Function"}}
    # Then it may receive from exactly those, and the mapping waits for that grant
    assert grants == sources
    if sources:
        assert f"{prefix}FunctionPolicy" in document["Resources"][f"{prefix}Function"]["DependsOn"]


# -- the console ---------------------------------------------------------------------------------------
CONSOLE = "ConsoleApi"


def console_statements() -> list[dict[str, Any]]:
    document = translated()
    return role_statements(document, function_role(document, CONSOLE))


@pytest.mark.parametrize(("leading_key", "allowed"), [
    ("CASE#NA-CLEA-2026-000001", True), ("REVIEW#doc-5f2c0e", True), ("PAYMENT#NA-CLEA-2026-000001", True),
    ("EVALUATOR#12345678900011", True), ("INBOUND#inbound/abc", True),
    ("AWARD#5f2c0e", False), ("AWARD#DOC#X4RTBPFW4#2026", False), ("FORM#NA-CLEA-2026-000001", False),
    ("REGISTER#sirene", False)])
def test_console_role_writes_what_a_person_decides_and_nothing_else(leading_key: str, allowed: bool) -> None:
    # Given the console's role: timeline acts and reviews (agents), payment confirmations and IBAN approvals
    # (finance), a quarantined mail released  Then it writes those partitions, never an award guard, a form
    # error or a register
    assert allows(console_statements(), "dynamodb:PutItem", leading_key) is allowed


@pytest.mark.parametrize("leading_key", ["AWARD#5f2c0e", "FORM#NA-CLEA-2026-000001", "REGISTER#sirene"])
def test_console_role_reads_no_award_guard_form_error_or_register(leading_key: str) -> None:
    assert not allows(console_statements(), "dynamodb:GetItem", leading_key)


@pytest.mark.parametrize(("leading_key", "allowed"), [("REVIEW#doc-5f2c0e", True), ("CASE#NA-CLEA-2026-000001", False),
                                                      ("PAYMENT#NA-CLEA-2026-000001", False),
                                                      ("EVALUATOR#12345678900011", False)])
def test_console_role_deletes_only_review_claims(leading_key: str, allowed: bool) -> None:
    # Given the console's role  Then the one item it deletes is an agent's claim (console.claims), beside its review
    assert allows(console_statements(), "dynamodb:DeleteItem", leading_key) is allowed


@pytest.mark.parametrize("action", ["dynamodb:UpdateItem", "dynamodb:BatchWriteItem", "dynamodb:Scan"])
def test_console_role_never_updates_batch_writes_or_scans(action: str) -> None:
    assert not allows(console_statements(), action, "CASE#NA-CLEA-2026-000001")


def test_console_role_reads_pieces_mail_and_exports_and_writes_only_claims_and_exports() -> None:
    # Given the console's S3 grants
    grants = [(a, r["Fn::Sub"].removeprefix("${DocumentsBucket.Arn}/")) for s in console_statements()
              for a in as_list(s["Action"]) if str(a).startswith("s3:") for r in as_list(s["Resource"])]
    # Then it reads the pieces, claims and raw mail it shows and past exports; it writes a released mail's
    # attachments and new exports; it never deletes, tags (expiry) or lists
    assert {r for a, r in grants if a == "s3:GetObject"} == {"applications/*/documents/*", "claims/*", "inbound/*",
                                                              "exports/*"}
    assert {r for a, r in grants if a == "s3:PutObject"} == {"claims/*", "exports/*"}
    assert {a for a, _ in grants} == {"s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"}


def test_console_role_resumes_waiting_steps_sends_mail_and_reads_the_debtor_iban_only() -> None:
    # Given the console's other grants
    document = translated()
    attached = set(document["Resources"][function_role(document, CONSOLE)]["Properties"]["ManagedPolicyArns"][0].values())
    actions = {a for s in console_statements() for a in as_list(s["Action"])}
    services = {a.split(":")[0] for a in actions}
    # Then: its table, logs, traces, e-mail, the workflow's callbacks, the debtor IBAN parameter; no Textract, no
    # start of an execution, no beneficiary secret (it computes no beneficiary key)
    assert attached == {"ConsoleApiTableAccessPolicy"}
    assert services == {"dynamodb", "kms", "logs", "xray", "s3", "ses", "states", "ssm"}
    assert "states:StartExecution" not in actions and {"states:SendTaskSuccess", "ses:SendRawEmail"} <= actions
    ssm = [s["Resource"]["Fn::Sub"] for s in console_statements() if s["Action"] == "ssm:GetParameter"]
    assert ssm == ["arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter${DebtorIbanParameter}"]


@pytest.mark.parametrize("prefix", sorted(FUNCTIONS.values()))
def test_function_role_is_the_templates_own_and_sam_policies_are_not_used(prefix: str) -> None:
    # Given a function as written in template.yaml  Then it names its role from the per-function loop, and has no
    # SAM Policies (SAM ignores them once a Role is given: a grant written there would silently not exist)
    function = template()["Resources"][f"{prefix}Function"]["Properties"]
    assert function["Role"] == {"Fn::GetAtt": [f"{prefix}FunctionRole", "Arn"]}
    assert "Policies" not in function

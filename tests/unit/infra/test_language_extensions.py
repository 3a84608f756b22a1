"""tests/cloudformation.expand: the Fn::ForEach expansion the template tests run before samtranslator."""

from __future__ import annotations

import pytest

from tests.cloudformation import expand

TRANSFORMS = ["AWS::LanguageExtensions", "AWS::Serverless-2016-10-31"]
MAPPINGS = {"Queues": {"Intake": {"Name": "intake"}, "Documents": {"Name": "documents"}},
            "Stages": {"dev": {"Days": 14}}}


def loop(fragment: dict, collection: list | None = None) -> dict:
    return {"Transform": TRANSFORMS, "Mappings": MAPPINGS,
            "Resources": {"Fn::ForEach::Queues": ["Queue", collection or ["Intake", "Documents"], fragment]}}


def test_expand_copies_the_fragment_per_value_with_the_identifier_replaced() -> None:
    # Given a loop whose fragment names, refers to and looks up by its identifier
    fragment = {"${Queue}Queue": {"Type": "AWS::SQS::Queue", "Properties": {
        "QueueName": {"Fn::Sub": ["${AWS::StackName}-${Name}", {"Name": {"Fn::FindInMap": [
            "Queues", {"Ref": "Queue"}, "Name"]}}]},
        "Tags": [{"Key": "queue", "Value": {"Ref": "Queue"}}],
        "Dlq": {"Fn::GetAtt": [{"Fn::Sub": "${Queue}Dlq"}, "Arn"]},
        "Alarm": {"Ref": {"Fn::Sub": "${Queue}Alarm"}},
        "Retention": {"Fn::FindInMap": ["Stages", {"Ref": "Stage"}, "Days"]}}}}
    # When it is expanded
    resources = expand(loop(fragment))["Resources"]
    # Then there is one queue per value, everything known written in, the parameter lookup left to CloudFormation
    assert set(resources) == {"IntakeQueue", "DocumentsQueue"}
    props = resources["DocumentsQueue"]["Properties"]
    assert props["QueueName"] == {"Fn::Sub": "${AWS::StackName}-documents"}
    assert props["Tags"] == [{"Key": "queue", "Value": "Documents"}]
    assert props["Dlq"] == {"Fn::GetAtt": ["DocumentsDlq", "Arn"]}
    assert props["Alarm"] == {"Ref": "DocumentsAlarm"}
    assert props["Retention"] == {"Fn::FindInMap": ["Stages", {"Ref": "Stage"}, "Days"]}
    # And the mapping only the loop read is gone, the one still looked up stays
    assert set(expand(loop(fragment))["Mappings"]) == {"Stages"}


def test_expand_drops_the_transform_and_keeps_a_template_without_it() -> None:
    # Given a template with the language extensions and one without
    expanded = expand(loop({"${Queue}Queue": {"Type": "AWS::SQS::Queue"}}))
    plain = {"Transform": "AWS::Serverless-2016-10-31", "Resources": {"A": {"Type": "AWS::SNS::Topic"}}}
    # Then the first one names only the SAM transform, and the second comes back as it was
    assert expanded["Transform"] == "AWS::Serverless-2016-10-31"
    assert expand(plain) == plain


def test_expand_nested_loops_and_ampersand_identifiers() -> None:
    # Given a loop inside a loop, with a value that is no valid logical id as such
    inner = {"Fn::ForEach::Kinds": ["Kind", ["a-b", "c"], {"${Queue}&{Kind}": {"Type": "T", "Properties": {
        "Name": {"Fn::Sub": "${Queue}-${Kind}"}}}}]}
    # When expanded  Then every pair is there, &{} stripped of non-alphanumerics, the Sub a plain string
    resources = expand(loop(inner))["Resources"]
    assert set(resources) == {"Intakeab", "Intakec", "Documentsab", "Documentsc"}
    assert resources["Documentsab"]["Properties"]["Name"] == "Documents-a-b"


def test_expand_refuses_a_duplicate_and_what_it_cannot_expand() -> None:
    # Given a loop making the same id twice, one over a parameter, one using Fn::ToJsonString
    # When each is expanded  Then it fails instead of guessing
    with pytest.raises(ValueError, match="twice"):
        expand(loop({"Same": {"Type": "T"}}))
    with pytest.raises(ValueError, match="literal list"):
        expand(loop({"${Queue}": {"Type": "T"}}, collection={"Ref": "Names"}))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="ToJsonString"):
        expand(loop({"${Queue}": {"Type": "T", "Properties": {"A": {"Fn::ToJsonString": {}}}}}))

"""template.yaml as the tests read it: loaded, and its AWS::LanguageExtensions expanded as CloudFormation would.

samtranslator (and the drift tests) work on a template without language extensions. CloudFormation expands
them server-side and `sam` expands them in its own process, neither of which the tests can call, so
`expand` does it for the constructs template.yaml uses:

- `Fn::ForEach::<Loop>: [Identifier, [values...], {OutputKey: fragment}]` in Resources, Outputs and
  Conditions (and nested in a fragment): one copy of the fragment per value, `${Identifier}` and
  `&{Identifier}` replaced in every key and string, `Ref: Identifier` replaced by the value (as sam's
  own expander, samcli.lib.cfn_language_extensions, does);
- `Fn::FindInMap` whose three arguments are known once the identifiers are replaced, looked up (a mapping
  no lookup is left for is dropped);
- `Fn::Sub` variables that are plain strings written in its text; a `Fn::Sub` left with no variable once
  identifiers and such variables are written in, a plain string.

Anything else (Fn::ToJsonString, Fn::Length, collections from parameters) is refused loudly.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from cfnlint.decode.cfn_yaml import loads

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "template.yaml"
LANGUAGE_EXTENSIONS = "AWS::LanguageExtensions"
FOR_EACH = re.compile(r"^Fn::ForEach::[A-Za-z0-9]+$")
VARIABLE = re.compile(r"\$\{(?!!)([^}]*)\}")
UNSUPPORTED = ("Fn::ToJsonString", "Fn::Length")


def load(path: Path = TEMPLATE) -> dict[str, Any]:
    """A template as plain JSON-like data, short-form intrinsics expanded (`!Ref X` -> {"Ref": "X"})."""
    return json.loads(json.dumps(loads(path.read_text(encoding="utf-8"))))


def expand(document: dict[str, Any]) -> dict[str, Any]:
    """The template CloudFormation gets once AWS::LanguageExtensions has run (a new dict)."""
    document = json.loads(json.dumps(document))
    transforms = document.get("Transform", [])
    transforms = transforms if isinstance(transforms, list) else [transforms]
    if LANGUAGE_EXTENSIONS not in transforms:
        return document
    rest = [name for name in transforms if name != LANGUAGE_EXTENSIONS]
    document["Transform"] = rest[0] if len(rest) == 1 else rest
    mappings = document.get("Mappings", {})
    for section in ("Conditions", "Resources", "Outputs"):
        if section in document:
            document[section] = _walk(document[section], {}, mappings)
    # A mapping only the loops read has done its job (cfn-lint would call it unused).
    text = json.dumps({k: v for k, v in document.items() if k != "Mappings"})
    document["Mappings"] = {name: m for name, m in mappings.items() if f'"Fn::FindInMap": ["{name}"' in text}
    if not document["Mappings"]:
        del document["Mappings"]
    return document


def _replace(text: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        text = text.replace(f"${{{name}}}", value).replace(f"&{{{name}}}", re.sub(r"[^0-9A-Za-z]", "", value))
    return text


def _walk(node: Any, values: dict[str, str], mappings: dict[str, Any]) -> Any:
    if isinstance(node, list):
        return [_walk(item, values, mappings) for item in node]
    if isinstance(node, str):
        return _replace(node, values)
    if not isinstance(node, dict):
        return node
    if len(node) == 1:
        ((key, argument),) = node.items()
        if key in UNSUPPORTED:
            raise ValueError(f"{key} is not expanded by this helper")
        if key == "Ref" and isinstance(argument, str):
            return values[argument] if argument in values else {"Ref": _replace(argument, values)}
        if key == "Fn::Sub":
            return _sub(argument, values, mappings)
        if key == "Fn::FindInMap":
            return _find_in_map([_walk(a, values, mappings) for a in argument], mappings)
    expanded: dict[str, Any] = {}
    for key, value in node.items():
        if FOR_EACH.match(key):
            identifier, collection, fragment = value
            if not (isinstance(collection, list) and all(isinstance(item, str) for item in collection)):
                raise ValueError(f"{key}: only a literal list of strings is expanded, not {collection!r}")
            for item in collection:
                for out_key, out_value in _walk(fragment, {**values, identifier: item}, mappings).items():
                    if out_key in expanded or out_key in node:
                        raise ValueError(f"{key}: {out_key} is defined twice")
                    expanded[out_key] = out_value
        else:
            expanded[_replace(key, values)] = _walk(value, values, mappings)
    return expanded


def _sub(argument: Any, values: dict[str, str], mappings: dict[str, Any]) -> Any:
    source, variables = (argument, {}) if isinstance(argument, str) else argument
    text = _replace(source, values)
    variables = {name: _walk(value, values, mappings) for name, value in variables.items()}
    literal = {name: value for name, value in variables.items() if isinstance(value, str)}
    text = VARIABLE.sub(lambda m: literal.get(m.group(1), m.group(0)), text)
    variables = {name: value for name, value in variables.items() if name not in literal}
    if text != source and not VARIABLE.search(text):
        # Only identifiers and literals were in it: CloudFormation gets the plain string.
        return text.replace("${!", "${")
    return {"Fn::Sub": [text, variables] if variables else text}


def _find_in_map(arguments: list[Any], mappings: dict[str, Any]) -> Any:
    if all(isinstance(a, str) for a in arguments[:3]):
        name, top, second = arguments[:3]
        return mappings[name][top][second]
    return {"Fn::FindInMap": arguments}


def template() -> dict[str, Any]:
    """template.yaml, expanded."""
    return expand(load())


def dashboard_body() -> str:
    """The operations dashboard's body: the !Sub text of template.yaml's OperationsDashboard, its one source."""
    (dashboard,) = [r for r in template()["Resources"].values() if r["Type"] == "AWS::CloudWatch::Dashboard"]
    body = dashboard["Properties"]["DashboardBody"]["Fn::Sub"]
    return body if isinstance(body, str) else body[0]

"""checkov on the template, with a baseline: every failed check is listed in infra/checkov-baseline.yaml with
its reason, and a new one fails.

checkov reads the template after its loops are expanded and SAM has translated it (it cannot see inside
Fn::ForEach: on template.yaml itself it finds 31 of the 89 resources). It runs from the virtualenv
`make checkov` creates (its pins clash with the project's), offline. A missing checkov fails in CI, where
`make test` installs it, and skips elsewhere.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.unit.infra.test_template import REGION, ROOT, translated

BASELINE = ROOT / "infra" / "checkov-baseline.yaml"
Finding = tuple[str, str]  # (check id, "<Type>.<LogicalId>")


def checkov_command() -> str:
    installed = ROOT / ".venv-checkov" / "bin" / "checkov"
    found = str(installed) if installed.is_file() else shutil.which("checkov")
    if found is None:
        message = "checkov is not installed: `make checkov` creates .venv-checkov"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


def failed_checks(document: dict[str, Any], workdir: Path) -> set[Finding]:
    """checkov's failed checks on a CloudFormation document, as (check id, resource)."""
    path = workdir / "template.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", str(ROOT)), "LANG": "C.UTF-8",
           "AWS_DEFAULT_REGION": REGION, "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9",
           "NO_PROXY": ""}
    result = subprocess.run([checkov_command(), "--file", str(path), "--framework", "cloudformation", "--output", "json",
                             "--quiet", "--skip-download", "--soft-fail"],
                            cwd=workdir, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout)
    report = report[0] if isinstance(report, list) else report
    assert report["summary"]["parsing_errors"] == 0 and report["summary"]["resource_count"] > 50, report["summary"]
    return {(c["check_id"], c["resource"]) for c in report["results"]["failed_checks"]}


def baseline() -> dict[Finding, str]:
    entries = yaml.safe_load(BASELINE.read_text(encoding="utf-8"))["accepted"]
    return {(e["check"], e["resource"]): e["reason"] for e in entries}


def unexplained(found: set[Finding]) -> list[Finding]:
    return sorted(found - set(baseline()))


def test_checkov_baseline_lines_each_give_a_reason() -> None:
    # Given the baseline  Then every accepted finding has its one-line reason, and none is listed twice
    entries = yaml.safe_load(BASELINE.read_text(encoding="utf-8"))["accepted"]
    assert entries and all(len(e["reason"].split()) >= 5 and "\n" not in e["reason"] for e in entries)
    assert len(entries) == len(baseline())


def test_checkov_finds_nothing_the_baseline_does_not_explain(tmp_path: Path) -> None:
    # Given the translated template  When checkov checks it
    found = failed_checks(translated(), tmp_path)
    # Then each failed check is one the baseline explains, and each baseline line still fails (none stale)
    assert unexplained(set(found)) == []
    assert sorted(set(baseline()) - found) == []


def test_checkov_reports_a_new_finding_as_unexplained(tmp_path: Path) -> None:
    # Given the translated template with the documents bucket's public access block removed
    document = translated()
    del document["Resources"]["DocumentsBucket"]["Properties"]["PublicAccessBlockConfiguration"]
    # When checkov checks it  Then the comparison names that bucket's new findings (the baseline is no blanket)
    new = unexplained(failed_checks(document, tmp_path))
    assert new and all(resource == "AWS::S3::Bucket.DocumentsBucket" for _, resource in new)

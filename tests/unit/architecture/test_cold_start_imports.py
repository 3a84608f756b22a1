"""What a function's cold start imports: each handler is imported in a process of its own, as Lambda does, and
the libraries its first call does not need must not be there (bench/cold_start.py measures the time)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
FUNCTIONS = sorted(p.parent.name for p in (ROOT / "functions").glob("*/app.py"))
PROBE = ("import importlib.util, json, sys\n"
         "spec = importlib.util.spec_from_file_location('app', sys.argv[1])\n"
         "module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)\n"
         "print(json.dumps(sorted(m.split('.')[0] for m in sys.modules)))\n")
# email-validator compiles its Unicode patterns at import (~50 ms): imported at the first form's address only.
# python-stdnum imports pydoc (~30 ms): imported at the first form's SIRET or the first IBAN handled only.
NEVER_AT_IMPORT = {"email_validator", "stdnum", "pydoc"}
# The reading happens in the sandbox's worker, which imports these itself.
NOT_IN_CLASSIFY = {"pypdfium2", "pikepdf", "PIL", "fpdf", "fontTools"}


@pytest.mark.parametrize("function", FUNCTIONS)
def test_a_handler_imports_only_what_its_first_call_needs(function):
    env = {**os.environ, "PYTHONPATH": str(ROOT / "shared"), "AWS_DEFAULT_REGION": "eu-west-3",
           "TABLE_NAME": "clea-intake", "BUCKET_NAME": "clea-intake-documents",
           "POWERTOOLS_SERVICE_NAME": "clea-intake", "POWERTOOLS_METRICS_NAMESPACE": "CleaIntake"}
    done = subprocess.run([sys.executable, "-c", PROBE, str(ROOT / "functions" / function / "app.py")],
                          cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=120)
    modules = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert not modules & NEVER_AT_IMPORT
    if function == "classify_document":
        assert not modules & NOT_IN_CLASSIFY

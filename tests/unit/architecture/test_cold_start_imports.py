"""What a function's cold start imports: each handler is imported in a process of its own, as Lambda does, and
the libraries its first call does not need must not be there (bench/cold_start.py measures the time)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from clea_intake import LAMBDA_INIT, helper_environment

ROOT = Path(__file__).resolve().parents[3]
FUNCTIONS = sorted(p.parent.name for p in (ROOT / "functions").glob("*/app.py"))
PROBE = ("import gc, importlib.util, json, sys\n"
         "spec = importlib.util.spec_from_file_location('app', sys.argv[1])\n"
         "module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)\n"
         "print(json.dumps({'modules': sorted(m.split('.')[0] for m in sys.modules), 'gc_enabled': gc.isenabled(),"
         " 'frozen': gc.get_freeze_count()}))\n")
# email-validator compiles its Unicode patterns at import (~50 ms): imported at the first form's address only.
# python-stdnum imports pydoc (~30 ms): imported at the first form's SIRET or the first IBAN handled only.
NEVER_AT_IMPORT = {"email_validator", "stdnum", "pydoc"}
# The reading happens in the sandbox's worker, which imports these itself.
NOT_IN_CLASSIFY = {"pypdfium2", "pikepdf", "PIL", "fpdf", "fontTools"}


ENV = {"PYTHONPATH": str(ROOT / "shared"), "AWS_DEFAULT_REGION": "eu-west-3", "TABLE_NAME": "clea-intake",
       "BUCKET_NAME": "clea-intake-documents", "POWERTOOLS_SERVICE_NAME": "clea-intake",
       "POWERTOOLS_METRICS_NAMESPACE": "CleaIntake"}


def probe(function: str, **extra: str) -> dict:
    env = helper_environment(**ENV, **extra)
    done = subprocess.run([sys.executable, "-c", PROBE, str(ROOT / "functions" / function / "app.py")],
                          cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=120)
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("function", FUNCTIONS)
def test_a_handler_imports_only_what_its_first_call_needs(function):
    probed = probe(function)
    modules = set(probed["modules"])
    assert not modules & NEVER_AT_IMPORT
    assert (probed["gc_enabled"], probed["frozen"]) == (True, 0)  # off Lambda, the collector is left alone
    if function == "classify_document":
        assert not modules & NOT_IN_CLASSIFY


@pytest.mark.parametrize("function", FUNCTIONS)
def test_a_handlers_init_on_lambda_ends_with_the_collector_on_and_its_objects_frozen(function):
    # The collector is off during a Lambda init (clea_intake/__init__.py): a handler that forgot to end its
    # init (runtime.prepare) would run its container with no collection at all.
    on_lambda = probe(function, **{LAMBDA_INIT: "127.0.0.1:9001"})
    assert on_lambda["gc_enabled"] is True
    assert on_lambda["frozen"] > 10_000


def test_the_collector_is_off_from_the_packages_import_on_lambda_only():
    code = "import gc, clea_intake; print(gc.isenabled())"
    env = helper_environment(**ENV)
    elsewhere = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    on_lambda = subprocess.run([sys.executable, "-c", code], env={**env, LAMBDA_INIT: "127.0.0.1:9001"},
                               capture_output=True, text=True, check=True)
    assert (elsewhere.stdout.strip(), on_lambda.stdout.strip()) == ("True", "False")


def test_the_sandboxs_worker_started_in_a_lambda_init_is_no_init_of_its_own(monkeypatch):
    # Its environment has no runtime API address, so its collector stays on for every file it reads.
    from clea_intake.documents.sandbox import Sandbox

    monkeypatch.setenv(LAMBDA_INIT, "127.0.0.1:9001")
    box = Sandbox()
    box._start()
    try:
        deadline = time.monotonic() + 30
        while not (environ := Path(f"/proc/{box._worker.pid}/environ").read_bytes().split(b"\0"))[0]:
            # empty until the new program's environment is in place (the exec)
            assert box._worker.poll() is None and time.monotonic() < deadline, "the worker did not start"
            time.sleep(0.05)
    finally:
        box.close()
    assert not [v for v in environ if v.startswith(f"{LAMBDA_INIT}=".encode())]
    assert [v for v in environ if v.startswith(b"OMP_THREAD_LIMIT=")] == [b"OMP_THREAD_LIMIT=1"]

"""Cold start: each Lambda handler's import as a whole process, against a bare import of what every handler needs.

The baseline is a process importing boto3, Powertools' Logger, Tracer, Metrics and batch utilities, and pydantic.
Each function's process imports its `functions/<name>/app.py` the way Lambda does (the layer's `clea_intake` on
the path, the deployment's environment variables set). Runs are interleaved, baseline then each handler, so that
both see the same machine; the ratio is of medians, in one run.

    .venv/bin/python bench/cold_start.py --runs 9
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ("import boto3, pydantic\n"
            "from aws_lambda_powertools import Logger, Metrics, Tracer\n"
            "from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response\n")
HANDLER = ("import importlib.util, sys\n"
           "spec = importlib.util.spec_from_file_location('app', sys.argv[1])\n"
           "module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)\n"
           "assert callable(module.lambda_handler)\n")
# What the template gives every function (template.yaml, Globals.Function.Environment), with placeholder names.
ENVIRONMENT = {
    "AWS_DEFAULT_REGION": "eu-west-3", "AWS_REGION": "eu-west-3", "TABLE_NAME": "clea-intake",
    "BUCKET_NAME": "clea-intake-documents", "POWERTOOLS_SERVICE_NAME": "clea-intake",
    "POWERTOOLS_METRICS_NAMESPACE": "CleaIntake", "AWS_LAMBDA_FUNCTION_NAME": "clea-intake-bench",
}


def functions() -> list[Path]:
    return sorted(p for p in (ROOT / "functions").glob("*/app.py"))


def timed(code: str, *args: str) -> float:
    env = {**os.environ, **ENVIRONMENT, "PYTHONPATH": str(ROOT / "shared")}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def measure(runs: int) -> tuple[float, dict[str, float]]:
    baseline: list[float] = []
    handlers: dict[str, list[float]] = {p.parent.name: [] for p in functions()}
    for _ in range(runs):
        for path in functions():
            baseline.append(timed(BASELINE))
            handlers[path.parent.name].append(timed(HANDLER, str(path)))
    return statistics.median(baseline), {name: statistics.median(times) for name, times in handlers.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--limit", type=float, default=1.3, help="the ratio no handler may exceed")
    args = parser.parse_args()
    bare, handlers = measure(args.runs)
    print(f"| function | import (median of {args.runs}, whole process) | ratio to the bare import |")
    print("| --- | --- | --- |")
    print(f"| bare boto3 + Powertools + pydantic | {bare * 1000:.0f} ms | 1.00× |")
    worst = 0.0
    for name, seconds in handlers.items():
        ratio = seconds / bare
        worst = max(worst, ratio)
        print(f"| {name} | {seconds * 1000:.0f} ms | {ratio:.2f}× |")
    print(f"\nworst ratio {worst:.2f}× (limit {args.limit:.2f}×)")
    return 0 if worst <= args.limit else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""Cold start: each Lambda handler's import as a whole process, against a bare import of what every handler needs.

The baseline is a process importing boto3, Powertools' Logger, Tracer, Metrics and batch utilities, and pydantic,
plus the other Powertools pieces a function uses (the console's HTTP resolver: BASELINE_EXTRA).
Each function's process imports its `functions/<name>/app.py` the way Lambda does (the layer's `clea_intake` on
the path, the deployment's environment variables set). Runs are interleaved, baseline then each handler, so that
both see the same machine; the ratio is of medians, in one run: of wall-clock time, and of the process's CPU time
(user + system, from wait4), which other programs on a shared machine disturb less.

Both sides import compiled modules: the libraries come compiled from pip, and `clea_intake` is compiled once into
a cache of this run (PYTHONPYCACHEPREFIX) before the first measure, whatever PYTHONDONTWRITEBYTECODE says, so that
the ratio compares imports, not the compilation of one side's sources.

    .venv/bin/python bench/cold_start.py --runs 9
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ("import boto3, pydantic\n"
            "from aws_lambda_powertools import Logger, Metrics, Tracer\n"
            "from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response\n")
# The Powertools pieces a function uses beyond those: its bare import has them too.
BASELINE_EXTRA = {"console_api": "from aws_lambda_powertools.event_handler import APIGatewayHttpResolver\n"}
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


def timed(code: str, *args: str, cache: str) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one process running `code`."""
    env = {**os.environ, **ENVIRONMENT, "PYTHONPATH": str(ROOT / "shared"), "PYTHONPYCACHEPREFIX": cache}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def baseline_of(name: str) -> str:
    return BASELINE + BASELINE_EXTRA.get(name, "")


def measure(runs: int) -> tuple[dict[str, tuple[float, float]], dict[str, tuple[float, float]]]:
    """Medians (wall, CPU) of each bare import (by the code it runs) and of each handler's import."""
    with tempfile.TemporaryDirectory(prefix="cold-start-pyc-") as cache:
        for path in functions():  # compiles clea_intake into this run's cache; not measured
            timed(HANDLER, str(path), cache=cache)
        baselines: dict[str, list[tuple[float, float]]] = {}
        handlers: dict[str, list[tuple[float, float]]] = {p.parent.name: [] for p in functions()}
        for _ in range(runs):
            for path in functions():
                code = baseline_of(path.parent.name)
                baselines.setdefault(code, []).append(timed(code, cache=cache))
                handlers[path.parent.name].append(timed(HANDLER, str(path), cache=cache))

    def medians(times: list[tuple[float, float]]) -> tuple[float, float]:
        return statistics.median(t[0] for t in times), statistics.median(t[1] for t in times)

    return ({code: medians(times) for code, times in baselines.items()},
            {name: medians(times) for name, times in handlers.items()})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--limit", type=float, default=1.3, help="the ratio no handler may exceed")
    args = parser.parse_args()
    baselines, handlers = measure(args.runs)
    print(f"| function | import, wall (median of {args.runs}, whole process) | ratio, wall "
          f"| import, CPU (median) | ratio, CPU |")
    print("| --- | --- | --- | --- | --- |")
    bare, bare_cpu = baselines[BASELINE]
    print(f"| bare boto3 + Powertools + pydantic | {bare * 1000:.0f} ms | 1.00× | {bare_cpu * 1000:.0f} ms | 1.00× |")
    for name, extra in BASELINE_EXTRA.items():
        wall, cpu = baselines[BASELINE + extra]
        print(f"| the same + {extra.split(' import ')[-1].strip()} (bare import of {name}) | {wall * 1000:.0f} ms "
              f"| {wall / bare:.2f}× | {cpu * 1000:.0f} ms | {cpu / bare_cpu:.2f}× |")
    worst = worst_cpu = 0.0
    for name, (seconds, cpu) in handlers.items():
        wall_of_bare, cpu_of_bare = baselines[baseline_of(name)]
        ratio, ratio_cpu = seconds / wall_of_bare, cpu / cpu_of_bare
        worst, worst_cpu = max(worst, ratio), max(worst_cpu, ratio_cpu)
        print(f"| {name} | {seconds * 1000:.0f} ms | {ratio:.2f}× | {cpu * 1000:.0f} ms | {ratio_cpu:.2f}× |")
    print(f"\nworst ratio {worst:.2f}× wall, {worst_cpu:.2f}× CPU (limit {args.limit:.2f}×); "
          f"load average {os.getloadavg()[0]:.1f}")
    return 0 if worst <= args.limit else 1


if __name__ == "__main__":
    raise SystemExit(main())

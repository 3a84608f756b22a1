"""Cold start: each Lambda handler's import as a whole process, against a bare import of what every handler needs.

The baseline is a process importing boto3, Powertools' Logger, Tracer, Metrics and batch utilities, and pydantic,
plus the other Powertools pieces a function uses (the console's HTTP resolver: BASELINE_EXTRA).
Each function's process imports its `functions/<name>/app.py` the way Lambda does (the layer's `clea_intake` on
the path, the deployment's environment variables set). Runs are interleaved, each handler's right after a run of
its own bare import, so that both see the same machine, in one run; each side's time is of wall-clock and of the
process's CPU time (user + system, from wait4).

The limit applies to the ratio of minima, of CPU and of wall time alike. The same import is the same work at
every run: what varies is what other programs on the machine take from it (on this shared 2-vCPU machine the
bare import alone ranges over ±15 % from one run to the next). The minimum is the measure least disturbed by
them, as the documentation of Python's `timeit` advises; the medians are printed beside it.

Both sides import compiled modules: the libraries come compiled from pip, and `clea_intake` is compiled once into
a cache of this run (PYTHONPYCACHEPREFIX) before the first measure, whatever PYTHONDONTWRITEBYTECODE says, so that
the ratio compares imports, not the compilation of one side's sources.

    .venv/bin/python bench/cold_start.py --runs 15
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
from collections.abc import Callable, Iterable
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
    # Lambda's runtime API address: the package sees a container's init by it (clea_intake/__init__.py).
    "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001",
}
# The handlers' init runs with the collector off until its objects are frozen (clea_intake/__init__.py,
# runtime.prepare). The bare import under the same recipe is measured too, so that the ratio of what the
# package's own code adds can be read beside the ratio to the bare import as it is.
GC_RECIPE = ("import gc\ngc.disable()\n", "gc.freeze()\ngc.enable()\n")


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


def baseline_of(name: str, recipe: bool = False) -> str:
    code = BASELINE + BASELINE_EXTRA.get(name, "")
    return GC_RECIPE[0] + code + GC_RECIPE[1] if recipe else code


Times = list[tuple[float, float]]


def measure(runs: int) -> dict[str, tuple[Times, Times, Times]]:
    """Per function: (its bare import's (wall, CPU) times, its handler's, the bare import's under the handlers'
    GC recipe), each handler's run right after a run of each bare import, `runs` of each."""
    with tempfile.TemporaryDirectory(prefix="cold-start-pyc-") as cache:
        for path in functions():  # compiles clea_intake into this run's cache; not measured
            timed(HANDLER, str(path), cache=cache)
        pairs: dict[str, tuple[Times, Times, Times]] = {p.parent.name: ([], [], []) for p in functions()}
        for _ in range(runs):
            for path in functions():
                bare, handler, bare_recipe = pairs[path.parent.name]
                bare.append(timed(baseline_of(path.parent.name), cache=cache))
                bare_recipe.append(timed(baseline_of(path.parent.name, recipe=True), cache=cache))
                handler.append(timed(HANDLER, str(path), cache=cache))
    return pairs


def summary(times: Times, of: Callable[[Iterable[float]], float]) -> tuple[float, float]:
    return of(t[0] for t in times), of(t[1] for t in times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--limit", type=float, default=1.3, help="the ratio no handler may exceed")
    args = parser.parse_args()
    pairs = measure(args.runs)
    print(f"| function | bare import, CPU (min / median of {args.runs}) | handler import, CPU (min / median) "
          "| ratio of minima, CPU / wall | ratio of medians, CPU / wall | bare import with the GC recipe, CPU (min) "
          "| ratio of minima to it, CPU / wall |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    worst = worst_median = worst_recipe = 0.0
    for name, (bare, handler, bare_recipe) in pairs.items():
        (bare_wall, bare_cpu), (wall, cpu) = summary(bare, min), summary(handler, min)
        (bare_wall_m, bare_cpu_m), (wall_m, cpu_m) = summary(bare, statistics.median), summary(handler, statistics.median)
        ratio, ratio_m = cpu / bare_cpu, cpu_m / bare_cpu_m
        worst, worst_median = max(worst, ratio, wall / bare_wall), max(worst_median, ratio_m, wall_m / bare_wall_m)
        recipe_wall, recipe_cpu = summary(bare_recipe, min)
        worst_recipe = max(worst_recipe, cpu / recipe_cpu, wall / recipe_wall)
        extra = " + HTTP resolver" if name in BASELINE_EXTRA else ""
        print(f"| {name} | {bare_cpu * 1000:.0f} / {bare_cpu_m * 1000:.0f} ms{extra} | {cpu * 1000:.0f} / "
              f"{cpu_m * 1000:.0f} ms | {ratio:.2f}× / {wall / bare_wall:.2f}× | {ratio_m:.2f}× / {wall_m / bare_wall_m:.2f}× "
              f"| {recipe_cpu * 1000:.0f} ms | {cpu / recipe_cpu:.2f}× / {wall / recipe_wall:.2f}× |")
    print(f"\nworst ratio of minima {worst:.2f}×, of medians {worst_median:.2f}× (limit {args.limit:.2f}× on the "
          f"minima); to the bare import with the same GC recipe {worst_recipe:.2f}×; load average "
          f"{os.getloadavg()[0]:.1f}")
    return 0 if worst <= args.limit else 1


if __name__ == "__main__":
    raise SystemExit(main())

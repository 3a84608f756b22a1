"""The sandbox's cost: the same documents read in this process and in the sandbox's warm worker (one
forked child per document), as a ratio and as milliseconds added per document; the child's peak memory.

Run with `.venv/bin/python bench/sandbox.py` (also part of `make bench`); prints a Markdown table and
writes bench/sandbox.md.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("OMP_THREAD_LIMIT", "1")
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")

from clea_intake.documents import sandbox  # noqa: E402
from clea_intake.documents.reader import read_pieces_here  # noqa: E402
from clea_intake.domain.findings import DocType  # noqa: E402
from clea_intake.domain.policy import current_policy  # noqa: E402
from clea_intake.samples.generate import make_document  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
AS_OF = date(2026, 3, 2)
TYPES = [t for t in DocType if t is not DocType.UNKNOWN]


def best_of(runs: int, func) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return min(times)


def cpu_of(func) -> float:
    """CPU seconds of `func` in this process, and of the sandbox's child when it used one: a figure the
    other programs on the machine disturb less than wall-clock time."""
    def children() -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    started, started_children = time.process_time(), children()
    result = func()
    # In process, Tesseract runs are this process's children; in the sandbox, the child's report has them.
    child = result.usage.cpu_seconds if isinstance(result, sandbox.Sandboxed) else children() - started_children
    return time.process_time() - started + child


def measure(docs: list[bytes], runs: int) -> dict:
    policy = current_policy()
    sandbox.read_pieces(docs[0], filename="x", as_of=AS_OF, policy=policy)  # the worker starts once
    here_times, boxed_times, peaks, here_cpu, boxed_cpu = [], [], [], [], []
    for data in docs:
        def here(data=data):
            return read_pieces_here(data, filename="x", as_of=AS_OF, policy=policy)

        def boxed(data=data):
            return sandbox.read_pieces(data, filename="x", as_of=AS_OF, policy=policy)

        here_times.append(best_of(runs, here))
        boxed_times.append(best_of(runs, boxed))
        here_cpu.append(min(cpu_of(here) for _ in range(runs)))
        boxed_cpu.append(min(cpu_of(boxed) for _ in range(runs)))
        peaks.append(boxed().usage.peak_memory_bytes)
    added = [b - h for b, h in zip(boxed_times, here_times, strict=True)]
    added_cpu = [b - h for b, h in zip(boxed_cpu, here_cpu, strict=True)]
    return {"documents": len(docs), "here_ms": statistics.median(here_times) * 1000,
            "boxed_ms": statistics.median(boxed_times) * 1000, "added_ms": statistics.median(added) * 1000,
            "ratio": sum(boxed_times) / sum(here_times), "added_cpu_ms": statistics.median(added_cpu) * 1000,
            "ratio_cpu": sum(boxed_cpu) / sum(here_cpu), "peak_mb": max(peaks) / 1e6,
            "load": os.getloadavg()[0]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-type", type=int, default=2)
    parser.add_argument("--scans", type=int, default=3)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    text = [make_document(t, {}, layout=layout, seed=layout) for t in TYPES for layout in range(args.per_type)]
    media = ["scan_pdf", "jpeg", "png"]
    scans = [make_document(TYPES[i % len(TYPES)], {}, layout=0, medium=media[i % 3], seed=i) for i in range(args.scans)]
    rows = [("text PDF", measure(text, args.runs)), ("scanned page (Tesseract in the child)", measure(scans, 1))]
    lines = ["| documents | in process (median) | sandboxed (median) | added per document, wall (median) "
             "| ratio, wall (total) | added per document, CPU (median) | ratio, CPU (total) | child's peak memory "
             "| load average |", "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for label, row in rows:
        lines.append(f"| {label} ({row['documents']} files) | {row['here_ms']:.1f} ms | {row['boxed_ms']:.1f} ms "
                     f"| {row['added_ms']:.1f} ms | {row['ratio']:.2f}× | {row['added_cpu_ms']:.1f} ms "
                     f"| {row['ratio_cpu']:.2f}× | {row['peak_mb']:.0f} MB | {row['load']:.1f} |")
    table = "\n".join(lines)
    print(table)
    (ROOT / "bench" / "sandbox.md").write_text(
        "Sandbox cost (`.venv/bin/python bench/sandbox.py`): one forked child per document from a warm worker, "
        "against the same reading in process.\n\n" + table + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

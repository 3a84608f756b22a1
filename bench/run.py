"""Benchmarks of the reading pipeline: text PDFs against raw extraction, scans against raw OCR, import time.

The pipeline is measured as the classify function runs it (documents/pipeline.py: the sandbox's warm worker forks
one child per file, which reads it) and in this process (documents/reader.py, the same reading without the
sandbox), against raw pypdfium2 text extraction and raw Tesseract on the same files, in the same run. CPU time of
the sandboxed reading is this process's, the child's and the worker's loaded Tesseract engine's (read from
/proc: a process of its own, not in the child's usage); of raw OCR, this process's and Tesseract's.

Run with `make bench` (or `.venv/bin/python bench/run.py`); prints a Markdown table and writes bench/results.md.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("OMP_THREAD_LIMIT", "1")
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")

import pypdfium2 as pdfium  # noqa: E402
import pytesseract  # noqa: E402

from clea_intake.documents import sandbox  # noqa: E402
from clea_intake.documents.reader import read_pieces_here  # noqa: E402
from clea_intake.domain.findings import DocType  # noqa: E402
from clea_intake.domain.policy import current_policy  # noqa: E402
from clea_intake.samples.generate import make_document  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
AS_OF = date(2026, 3, 2)
TYPES = [t for t in DocType if t is not DocType.UNKNOWN]


def read_document(data: bytes, **kwargs):
    """The pipeline itself, in this process: bench/sandbox.py measures what the sandbox adds to it."""
    return read_pieces_here(data, **kwargs)[0]


def read_sandboxed(data: bytes, **kwargs) -> sandbox.Sandboxed:
    """The pipeline as the classify function runs it: in a child of the sandbox's warm worker."""
    return sandbox.read_pieces(data, **kwargs)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cpu_of(func) -> float:
    """CPU seconds of `func`: this process's, plus the sandbox child's when it used one (its report), else those
    of the processes it ran and waited for (Tesseract)."""
    started, started_children = time.process_time(), _children_cpu()
    result = func()
    child = result.usage.cpu_seconds if isinstance(result, sandbox.Sandboxed) else _children_cpu() - started_children
    return time.process_time() - started + child


def best_of(runs: int, func, clock=time.perf_counter) -> float:
    times = []
    for _ in range(runs):
        started = clock()
        func()
        times.append(clock() - started)
    return min(times)


def raw_text(data: bytes) -> str:
    document = pdfium.PdfDocument(data)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def raw_ocr(data: bytes, dpi: int = 200) -> str:
    if data[:4] == b"%PDF":
        document = pdfium.PdfDocument(data)
        image = document[0].render(scale=dpi / 72).to_pil()
        document.close()
    else:
        from PIL import Image

        image = Image.open(io.BytesIO(data))
    return pytesseract.image_to_string(image, lang="fra")


def bench_text(per_type: int, runs: int) -> dict:
    policy = current_policy()
    docs = [make_document(t, {}, layout=layout, seed=layout) for t in TYPES for layout in range(per_type)]
    kwargs = {"filename": "x.pdf", "as_of": AS_OF, "policy": policy}
    read_sandboxed(docs[0], **kwargs)  # the worker starts once per container
    raw_times, here_times, boxed_times, ratios, ocr_used = [], [], [], [], 0
    cpu_raw = cpu_here = cpu_boxed = 0.0
    for data in docs:
        raw = best_of(runs, lambda data=data: raw_text(data))
        here = best_of(runs, lambda data=data: read_document(data, **kwargs))
        boxed = best_of(runs, lambda data=data: read_sandboxed(data, **kwargs))
        # CPU time too: the same work, less disturbed by whatever else the machine runs.
        cpu_raw += min(cpu_of(lambda data=data: raw_text(data)) for _ in range(runs))
        cpu_here += min(cpu_of(lambda data=data: read_document(data, **kwargs)) for _ in range(runs))
        cpu_boxed += min(cpu_of(lambda data=data: read_sandboxed(data, **kwargs)) for _ in range(runs))
        ocr_used += read_sandboxed(data, **kwargs).value[0].text_source == "ocr"
        raw_times.append(raw)
        here_times.append(here)
        boxed_times.append(boxed)
        ratios.append(boxed / raw)
    return {"documents": len(docs), "raw_ms": statistics.median(raw_times) * 1000,
            "here_ms": statistics.median(here_times) * 1000, "boxed_ms": statistics.median(boxed_times) * 1000,
            "ratio_median": statistics.median(ratios), "ratio_total": sum(boxed_times) / sum(raw_times),
            "ratio_here": sum(here_times) / sum(raw_times), "ocr_used": ocr_used,
            "ratio_cpu": cpu_boxed / cpu_raw, "ratio_cpu_here": cpu_here / cpu_raw}


def _engine_cpu() -> float:
    """CPU seconds so far of the sandbox's loaded Tesseract engine (a process of its own, kept by the worker, so
    not in a child's usage), read from /proc; 0 when there is none."""
    total = 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if b"tesseract_engine import serve" not in (proc / "cmdline").read_bytes():
                continue
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


def bench_scans(count: int) -> dict:
    policy = current_policy()
    media = ["scan_pdf", "jpeg", "png"]
    docs = [make_document(TYPES[i % len(TYPES)], {}, layout=0, medium=media[i % 3], seed=i) for i in range(count)]
    kwargs = {"filename": "scan", "as_of": AS_OF, "policy": policy}
    raw_times, boxed_times = [], []
    cpu_raw = cpu_boxed = 0.0
    for data in docs:
        started, started_cpu = time.perf_counter(), time.process_time() + _children_cpu()
        raw_ocr(data)
        raw_times.append(time.perf_counter() - started)
        cpu_raw += time.process_time() + _children_cpu() - started_cpu
        started, started_cpu = time.perf_counter(), time.process_time() + _engine_cpu()
        result = read_sandboxed(data, **kwargs)
        boxed_times.append(time.perf_counter() - started)
        cpu_boxed += time.process_time() + _engine_cpu() - started_cpu + result.usage.cpu_seconds
    return {"documents": len(docs), "raw_s": statistics.median(raw_times), "pipeline_s": statistics.median(boxed_times),
            "ratio": sum(boxed_times) / sum(raw_times), "ratio_cpu": cpu_boxed / cpu_raw}


def bench_import(runs: int) -> float:
    code = ("import time, importlib.util; t = time.perf_counter(); "
            "spec = importlib.util.spec_from_file_location('app', 'functions/classify_document/app.py'); "
            "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m); "
            "print(time.perf_counter() - t)")
    # As in a Lambda init (the runtime API's variable turns on the package's collector recipe); bench/cold_start.py
    # measures every handler against the bare import.
    env = {**os.environ, "TABLE_NAME": "t", "BUCKET_NAME": "b", "AWS_DEFAULT_REGION": "eu-west-3",
           "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001"}
    times = [float(subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True,
                                  capture_output=True, text=True).stdout) for _ in range(runs)]
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-type", type=int, default=3)
    parser.add_argument("--scans", type=int, default=6)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    text = bench_text(args.per_type, args.runs)
    scans = bench_scans(args.scans)
    imported = bench_import(args.runs)
    table = "\n".join([
        "| measure | raw | clea-intake pipeline (sandboxed, as the classify function reads) | ratio |",
        "| --- | --- | --- | --- |",
        f"| text PDF ({text['documents']} files, median) | {text['raw_ms']:.1f} ms (pypdfium2 text) | "
        f"{text['boxed_ms']:.1f} ms (sandbox child: structure check, classify, extract, validate); "
        f"{text['here_ms']:.1f} ms in process | {text['ratio_median']:.2f}× median, {text['ratio_total']:.2f}× total "
        f"(wall clock); {text['ratio_cpu']:.2f}× total CPU time; in process {text['ratio_here']:.2f}× wall, "
        f"{text['ratio_cpu_here']:.2f}× CPU |",
        f"| scanned page ({scans['documents']} files, median) | {scans['raw_s']:.2f} s (Tesseract fra, 200 dpi) | "
        f"{scans['pipeline_s']:.2f} s | {scans['ratio']:.2f}× total (wall clock); {scans['ratio_cpu']:.2f}× total CPU "
        f"time |",
        f"| classify_document handler import (as in a Lambda init) | | {imported * 1000:.0f} ms (median of {args.runs}) | |",
        f"| OCR runs on text PDFs | | {text['ocr_used']} of {text['documents']} | |",
        f"| load average | | {os.getloadavg()[0]:.1f} | |",
    ])
    print(table)
    (ROOT / "bench" / "results.md").write_text(table + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

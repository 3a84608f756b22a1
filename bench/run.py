"""Benchmarks of the reading pipeline: text PDFs against raw extraction, scans against raw OCR, import time.

Run with `make bench` (or `.venv/bin/python bench/run.py`); prints a Markdown table and writes bench/results.md.
"""

from __future__ import annotations

import argparse
import io
import os
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
    ratios, pipeline_times, raw_times, ocr_used = [], [], [], 0
    cpu_raw = cpu_full = 0.0
    for data in docs:
        raw = best_of(runs, lambda data=data: raw_text(data))
        full = best_of(runs, lambda data=data: read_document(data, filename="x.pdf", as_of=AS_OF, policy=policy))
        # CPU time of this process too: the same work, less disturbed by whatever else the machine runs.
        cpu_raw += best_of(runs, lambda data=data: raw_text(data), time.process_time)
        cpu_full += best_of(runs, lambda data=data: read_document(data, filename="x.pdf", as_of=AS_OF, policy=policy),
                            time.process_time)
        reading = read_document(data, filename="x.pdf", as_of=AS_OF, policy=policy)
        ocr_used += reading.text_source == "ocr"
        raw_times.append(raw)
        pipeline_times.append(full)
        ratios.append(full / raw)
    return {"documents": len(docs), "raw_ms": statistics.median(raw_times) * 1000,
            "pipeline_ms": statistics.median(pipeline_times) * 1000, "ratio_median": statistics.median(ratios),
            "ratio_total": sum(pipeline_times) / sum(raw_times), "ocr_used": ocr_used,
            "ratio_cpu": cpu_full / cpu_raw if cpu_raw else float("nan")}


def bench_scans(count: int) -> dict:
    policy = current_policy()
    media = ["scan_pdf", "jpeg", "png"]
    docs = [make_document(TYPES[i % len(TYPES)], {}, layout=0, medium=media[i % 3], seed=i) for i in range(count)]
    raw_times, pipeline_times = [], []
    for data in docs:
        started = time.perf_counter()
        raw_ocr(data)
        raw_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        read_document(data, filename="scan", as_of=AS_OF, policy=policy)
        pipeline_times.append(time.perf_counter() - started)
    return {"documents": len(docs), "raw_s": statistics.median(raw_times), "pipeline_s": statistics.median(pipeline_times),
            "ratio": sum(pipeline_times) / sum(raw_times)}


def bench_import(runs: int) -> float:
    code = ("import time, importlib.util; t = time.perf_counter(); "
            "spec = importlib.util.spec_from_file_location('app', 'functions/classify_document/app.py'); "
            "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m); "
            "print(time.perf_counter() - t)")
    env = {**os.environ, "TABLE_NAME": "t", "BUCKET_NAME": "b", "AWS_DEFAULT_REGION": "eu-west-3"}
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
        "| measure | raw | clea-intake pipeline | ratio |",
        "| --- | --- | --- | --- |",
        f"| text PDF ({text['documents']} files, median) | {text['raw_ms']:.1f} ms (pypdfium2 text) | "
        f"{text['pipeline_ms']:.1f} ms (classify + extract + validate) | {text['ratio_median']:.2f}× median, "
        f"{text['ratio_total']:.2f}× total (wall clock); {text['ratio_cpu']:.2f}× total CPU time |",
        f"| scanned page ({scans['documents']} files, median) | {scans['raw_s']:.2f} s (Tesseract fra, 200 dpi) | "
        f"{scans['pipeline_s']:.2f} s | {scans['ratio']:.2f}× total |",
        f"| classify_document handler import | | {imported * 1000:.0f} ms (median of {args.runs}) | |",
        f"| OCR runs on text PDFs | | {text['ocr_used']} of {text['documents']} | |",
    ])
    print(table)
    (ROOT / "bench" / "results.md").write_text(table + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

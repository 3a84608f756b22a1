"""Tesseract against RapidOCR (ONNX, models inside the wheel) on the real specimens and on generated scans.

Run: `.venv/bin/python bench/ocr_engines.py --engine tesseract|tesseract-mrz|rapidocr [--scans N]` (one engine
per process, so that its CPU time and peak memory are its own; `tesseract-mrz` adds Tesseract's MRZ mode on
the lower band); needs `pip install rapidocr onnxruntime` for rapidocr. On the specimens: one OCR pass per
page, the machine readable zone read from it; on the generated scans: the whole pipeline with that engine.
Prints a Markdown table row.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
from datetime import date
from pathlib import Path

os.environ.setdefault("OMP_THREAD_LIMIT", "1")
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")

from clea_intake.documents.ocr import TesseractOcr  # noqa: E402
from clea_intake.domain.policy import current_policy  # noqa: E402
from clea_intake.quality import REAL_CORPUS, SCAN_MEDIA, evaluate  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


class RapidOcr:
    """RapidOCR behind the OcrProvider interface: detected boxes grouped into lines, top to bottom."""

    def __init__(self) -> None:
        from rapidocr import RapidOCR

        self.engine = RapidOCR(params={"EngineConfig.onnxruntime.intra_op_num_threads": 1,
                                       "EngineConfig.onnxruntime.inter_op_num_threads": 1})  # fmt: skip

    def image_text(self, image) -> str:
        import numpy as np

        result = self.engine(np.array(image.convert("RGB")))
        if not result.txts:
            return ""
        boxes = [(float(b[:, 1].min()), float(b[:, 1].max()), float(b[:, 0].min()), t)
                 for b, t in zip(result.boxes, result.txts, strict=True)]  # fmt: skip
        boxes.sort()
        rows: list[list[tuple[float, float, float, str]]] = []
        for box in boxes:
            if rows and box[0] < (rows[-1][0][0] + rows[-1][0][1]) / 2:
                rows[-1].append(box)
            else:
                rows.append([box])
        return "\n".join("  ".join(t for *_, t in sorted(row, key=lambda b: b[2])) for row in rows)

    mrz_text = image_text
    layout_text = image_text


def installed_mb(names: list[str]) -> float:
    import site

    base = Path(site.getsitepackages()[0])
    total = 0
    for name in names:
        for path in base.glob(name):
            total += sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.is_dir() else path.stat().st_size
    return total / 1e6


def cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def real_specimens(ocr, *, mrz_band: bool) -> tuple[int, int, int, int, float]:
    """One OCR pass per specimen page (plus, with `mrz_band`, the engine's MRZ mode on the lower band):
    zones found with every check digit right, MRZ fields right against truth.json, CPU seconds."""
    from clea_intake.documents import imaging, sources
    from clea_intake.documents.machine_zone import find_mrz
    from clea_intake.quality import REAL_FIELDS, same_value

    truth = json.loads((REAL_CORPUS / "truth.json").read_text(encoding="utf-8"))["docs"]
    zones = right = total = 0
    spent = 0.0
    for name, shown in sorted(truth.items()):
        data = (REAL_CORPUS / name).read_bytes()
        image = imaging.decode(data, sources.sniff(data), 40_000_000)
        started = cpu_seconds()
        page = sources.prepare_page(image, ocr)
        text = ocr.image_text(page.image)
        if mrz_band:
            band = page.image.crop((0, int(page.image.height * 0.55), page.image.width, page.image.height))
            text = ocr.mrz_text(band) + "\n" + text
        mrz = find_mrz(text, as_of=date(2026, 11, 20))
        spent += cpu_seconds() - started
        zones += mrz is not None and mrz.valid
        for key in REAL_FIELDS:
            if key in shown:
                total += 1
                value = getattr(mrz, key, None) if mrz is not None else None
                right += same_value(shown[key], value.isoformat() if isinstance(value, date) else value, key)
    return zones, len(truth), right, total, spent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", choices=["tesseract", "tesseract-mrz", "rapidocr"], required=True)
    parser.add_argument("--scans", type=int, default=10)
    parser.add_argument("--corpus", default=str(ROOT / "out" / "corpus-7-330"))
    args = parser.parse_args()
    ocr = RapidOcr() if args.engine == "rapidocr" else TesseractOcr("fra")
    zones, pages, right, total, real_cpu = real_specimens(ocr, mrz_band=args.engine == "tesseract-mrz")
    started = cpu_seconds()
    # The engine is measured, not the sandbox: the files are read in this process, so that this process's
    # CPU time and peak memory hold the engine's own (Tesseract's subprocesses are its children).
    policy = current_policy()
    policy = policy.model_copy(update={"sandbox": policy.sandbox.model_copy(update={"enabled": False})})
    scans = evaluate(Path(args.corpus), limit=args.scans, ocr=ocr, media=SCAN_MEDIA, policy=policy)
    scan_cpu = cpu_seconds() - started
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    peak = max(own.ru_maxrss, children.ru_maxrss) / 1024
    field_total = sum(scans.field_total.values())
    scan_fields = sum(scans.field_right.values()) / field_total if field_total else 1.0
    size = (installed_mb(["rapidocr", "onnxruntime", "cv2", "opencv_python_headless.libs", "shapely",
                          "shapely.libs", "pyclipper*", "omegaconf", "antlr4"])
            if args.engine == "rapidocr" else 0.0)  # fmt: skip
    print("| engine | specimens: zones valid | specimens: MRZ fields | CPU s/specimen | scans: type | "
          "scans: fields | CPU s/scan | peak MB | installed MB |")
    print(f"| {args.engine} | {zones}/{pages} | {right}/{total} ({right / total:.1%}) | {real_cpu / pages:.2f} | "
          f"{scans.type_accuracy():.1%} | {scan_fields:.1%} | {scan_cpu / max(1, scans.documents):.2f} | "
          f"{peak:.0f} | {size:.0f} |")
    print("scan misreads:", *scans.misread, sep="\n  ")


if __name__ == "__main__":
    main()

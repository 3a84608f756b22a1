"""The accuracy report of the reading pipeline on a labelled corpus: types, fields, false acceptances."""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from clea_intake.domain.names import normalise
from clea_intake.domain.policy import Policy, current_policy

SCAN_MEDIA = frozenset({"scan_pdf", "jpeg", "png"})


NAME_FIELDS = frozenset({"surname", "given_names", "holder_name", "beneficiary_name"})
_CIVILITY = {"M", "MR", "MME", "MLLE", "MONSIEUR", "MADAME"}


def same_value(expected: Any, found: Any, name: str = "") -> bool:
    """Field equality as a person would judge it: dates and numbers by value, names without accents or case.

    A person's or organisation's name is the same whatever the order of its words ("LEGRAND Sébastien").
    """
    if name in NAME_FIELDS and expected is not None and found is not None:
        words = [sorted(w for w in normalise(str(v)).split() if w not in _CIVILITY) for v in (expected, found)]
        return words[0] == words[1]
    if expected is None:
        return found is None
    if found is None:
        return False
    if isinstance(expected, list) or isinstance(found, list):
        return sorted(map(str, expected or [])) == sorted(map(str, found or []))
    if isinstance(expected, bool) or isinstance(found, bool):
        return expected == found
    if isinstance(expected, int | float) or isinstance(found, int | float):
        try:
            return abs(float(expected) - float(str(found).replace(",", "."))) < 0.005
        except ValueError:
            return False
    return normalise(str(expected)).replace(" ", "") == normalise(str(found)).replace(" ", "")


@dataclass
class Report:
    documents: int = 0
    seconds: float = 0.0
    by_medium: Counter = field(default_factory=Counter)
    right_by_medium: Counter = field(default_factory=Counter)
    confusion: Counter = field(default_factory=Counter)          # (expected, found)
    field_total: Counter = field(default_factory=Counter)        # (type, field)
    field_right: Counter = field(default_factory=Counter)
    invalid_total: int = 0
    false_acceptances: list[str] = field(default_factory=list)   # invalid pieces read without any error
    false_rejections: list[str] = field(default_factory=list)    # valid pieces refused: the applicant is told
    sent_to_person: list[str] = field(default_factory=list)      # valid pieces whose doubtful reading a person reads
    misread: list[str] = field(default_factory=list)

    def type_accuracy(self, media: frozenset[str] | None = None) -> float:
        keys = [m for m in self.by_medium if media is None or m in media]
        total = sum(self.by_medium[m] for m in keys)
        return sum(self.right_by_medium[m] for m in keys) / total if total else 1.0

    def per_type(self) -> dict[str, tuple[float, float, int]]:
        """doc_type -> (precision, recall, support)."""
        types = sorted({e for e, _ in self.confusion} | {f for _, f in self.confusion})
        result = {}
        for t in types:
            tp = self.confusion[(t, t)]
            predicted = sum(n for (_, f), n in self.confusion.items() if f == t)
            actual = sum(n for (e, _), n in self.confusion.items() if e == t)
            result[t] = (tp / predicted if predicted else 1.0, tp / actual if actual else 1.0, actual)
        return result

    def to_markdown(self) -> str:
        lines = [
            f"{self.documents} documents in {self.seconds:.0f} s; document type right for "
            f"{self.type_accuracy(frozenset({'pdf'})):.1%} of text PDFs and "
            f"{self.type_accuracy(SCAN_MEDIA):.1%} of scans and photos; "
            f"{len(self.false_acceptances)} of {self.invalid_total} invalid documents accepted without an error; "
            f"{len(self.false_rejections)} valid documents refused, {len(self.sent_to_person)} sent to a person "
            "for a doubtful scan.",
            "",
            "| type | precision | recall | documents |",
            "| --- | --- | --- | --- |",
        ]
        lines += [f"| {t} | {p:.1%} | {r:.1%} | {n} |" for t, (p, r, n) in self.per_type().items()]
        lines += ["", "| type | field | accuracy | read |", "| --- | --- | --- | --- |"]
        for (t, name), total in sorted(self.field_total.items()):
            lines.append(f"| {t} | {name} | {self.field_right[(t, name)] / total:.1%} | {total} |")
        return "\n".join(lines)


def evaluate(corpus_dir: Path, *, policy: Policy | None = None, as_of: date | None = None,
             limit: int | None = None, progress=None, ocr=None, media: frozenset[str] | None = None) -> Report:
    """Read every labelled file of the corpus and compare with its label."""
    from clea_intake.documents.pipeline import read_document
    from clea_intake.services.documents import needs_a_person

    policy = policy or current_policy()
    labels = [json.loads(line) for line in (corpus_dir / "labels.jsonl").read_text(encoding="utf-8").splitlines()
              if line.strip()]
    if media is not None:
        labels = [label for label in labels if label.get("medium", "pdf") in media]
    if limit:
        labels = labels[:limit]
    report = Report()
    started = time.perf_counter()
    for label in labels:
        data = (corpus_dir / label["file"]).read_bytes()
        day = date.fromisoformat(label.get("as_of") or (as_of or date.today()).isoformat())
        reading = read_document(data, filename=label["file"], as_of=day, policy=policy, ocr=ocr)
        expected, found = label["doc_type"], str(reading.doc_type)
        medium = label.get("medium", "pdf")
        report.documents += 1
        report.by_medium[medium] += 1
        report.confusion[(expected, found)] += 1
        if expected == found:
            report.right_by_medium[medium] += 1
            for name, value in (label.get("fields") or {}).items():
                report.field_total[(expected, name)] += 1
                if same_value(value, reading.fields.get(name), name):
                    report.field_right[(expected, name)] += 1
                else:
                    report.misread.append(f"{label['file']}: {name} expected {value!r} read {reading.fields.get(name)!r}")
        else:
            report.misread.append(f"{label['file']}: type {expected} read as {found} ({reading.confidence:.2f})")
        has_error = any(f.severity == "error" for f in reading.findings)
        if not label.get("valid", True):
            report.invalid_total += 1
            if not has_error and expected == found:
                report.false_acceptances.append(f"{label['file']} ({', '.join(label.get('defects', []))})")
        elif has_error and needs_a_person(reading, policy):
            report.sent_to_person.append(f"{label['file']}: {[f.code for f in reading.findings if f.severity == 'error']}")
        elif has_error:
            report.false_rejections.append(f"{label['file']}: {[f.code for f in reading.findings if f.severity == 'error']}")
        if progress:
            progress()
    report.seconds = time.perf_counter() - started
    return report


REAL_CORPUS = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "real-specimens"
REAL_FIELDS = ("surname", "given_names", "document_number", "birth_date", "expiry_date")
NOT_IDENTITY = "not_identity"


@dataclass
class SpecimenReport:
    """The reading of documents that someone else photographed or scanned, against what each one shows."""

    documents: int = 0
    seconds: float = 0.0
    identity_total: int = 0
    identity_right: int = 0
    refusals_expected: int = 0
    refusals_right: int = 0
    field_total: Counter = field(default_factory=Counter)
    field_right: Counter = field(default_factory=Counter)
    false_acceptances: list[str] = field(default_factory=list)
    misread: list[str] = field(default_factory=list)

    @property
    def type_accuracy(self) -> float:
        return self.identity_right / self.identity_total if self.identity_total else 1.0

    @property
    def field_accuracy(self) -> float:
        total = sum(self.field_total.values())
        return sum(self.field_right.values()) / total if total else 1.0

    def to_markdown(self) -> str:
        total = sum(self.field_total.values())
        lines = [
            f"{self.documents} real specimens in {self.seconds:.0f} s; identity type right for "
            f"{self.identity_right} of {self.identity_total}; {self.refusals_right} of {self.refusals_expected} "
            f"non-identity documents refused as such; fields right {sum(self.field_right.values())} of {total} "
            f"({self.field_accuracy:.1%}); {len(self.false_acceptances)} expired documents accepted.",
            "",
            "| field | accuracy | read |",
            "| --- | --- | --- |",
        ]
        for name in REAL_FIELDS:
            if self.field_total[name]:
                lines.append(f"| {name} | {self.field_right[name] / self.field_total[name]:.1%} | {self.field_total[name]} |")
        return "\n".join(lines)


def evaluate_real(corpus_dir: Path = REAL_CORPUS, *, as_of: date, policy: Policy | None = None,
                  progress=None, ocr=None) -> SpecimenReport:
    """Score the specimens of `corpus_dir` against its truth.json.

    An identity document counts as typed when its doc_type is the one it shows; a document that is no
    identity document (a visa) counts as refused when it gets the NOT_IDENTITY_DOCUMENT error. Every
    specimen is expired on `as_of`: any identity reading without an error finding is a false acceptance.
    Fields are compared where truth.json gives them; on a document typed wrong, they count as misread.
    """
    from clea_intake.documents.pipeline import read_document

    policy = policy or current_policy()
    truth = json.loads((corpus_dir / "truth.json").read_text(encoding="utf-8"))["docs"]
    report = SpecimenReport()
    started = time.perf_counter()
    for name, shown in sorted(truth.items()):
        reading = read_document((corpus_dir / name).read_bytes(), filename=name, as_of=as_of, policy=policy, ocr=ocr)
        expected, found = shown["doc_type"], str(reading.doc_type)
        errors = [f.code for f in reading.findings if f.severity == "error"]
        report.documents += 1
        if progress:
            progress()
        if expected == NOT_IDENTITY:
            report.refusals_expected += 1
            if "NOT_IDENTITY_DOCUMENT" in errors:
                report.refusals_right += 1
            else:
                report.misread.append(f"{name}: expected NOT_IDENTITY_DOCUMENT, read {found} {errors}")
                if not errors:
                    report.false_acceptances.append(name)
            continue
        report.identity_total += 1
        if not errors:
            report.false_acceptances.append(name)
        typed = expected == found
        if typed:
            report.identity_right += 1
        else:
            report.misread.append(f"{name}: type {expected} read as {found} ({reading.confidence:.2f})")
        for key in REAL_FIELDS:
            if key not in shown:
                continue
            report.field_total[key] += 1
            if typed and same_value(shown[key], reading.fields.get(key), key):
                report.field_right[key] += 1
            else:
                report.misread.append(f"{name}: {key} expected {shown[key]!r} read {reading.fields.get(key)!r}")
    report.seconds = time.perf_counter() - started
    return report

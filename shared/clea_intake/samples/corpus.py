"""The labelled accuracy corpus: several hundred documents of every type, layout and medium, with their truth."""

from __future__ import annotations

import argparse
import json
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from clea_intake.domain.findings import DocType
from clea_intake.samples import fake
from clea_intake.samples.facts import DEFAULT_AS_OF, PROOF_KINDS, validity_defects
from clea_intake.samples.generate import EXTENSIONS, LAYOUTS, Medium, render

# Every label's validity is judged on this day (the `--as-of` of `clea-intake classify`).
CORPUS_AS_OF = DEFAULT_AS_OF
# Relative share of each type; every type appears at least a few times whatever the count.
TYPE_WEIGHTS: dict[DocType, int] = {
    DocType.IDENTITY_CARD: 13, DocType.PASSPORT: 7, DocType.RESIDENCE_PERMIT: 6, DocType.PROOF_OF_ADDRESS: 18,
    DocType.QUOTE: 8, DocType.QUALIOPI_CERTIFICATE: 6, DocType.CLEA_HABILITATION: 6, DocType.DISP_LIAISON: 5,
    DocType.EXECUTION_REPORT: 6, DocType.HOURS_ATTESTATION: 6, DocType.BANK_DETAILS: 8, DocType.UNKNOWN: 11,
}
IMAGE_MEDIA: tuple[Medium, ...] = ("scan_pdf", "jpeg", "png")
# Probability that a document of a type that can be invalid is made invalid.
INVALID_SHARE = 0.3


@dataclass
class Spec:
    """What one corpus document will be, decided before anything is drawn."""

    index: int
    doc_type: DocType
    medium: Medium
    layout: int
    seed: int
    facts: dict[str, Any] = field(default_factory=dict)
    defects: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)


def _types(count: int, rng: random.Random) -> list[DocType]:
    total = sum(TYPE_WEIGHTS.values())
    types: list[DocType] = []
    for doc_type, weight in TYPE_WEIGHTS.items():
        types += [doc_type] * max(3, round(count * weight / total))
    rng.shuffle(types)
    while len(types) < count:
        types.append(rng.choice(list(TYPE_WEIGHTS)))
    # Trimming from the end keeps at least one of each type only if the counts allow; re-add missing ones.
    types = types[:count]
    for doc_type in TYPE_WEIGHTS:
        if doc_type not in types and count >= len(TYPE_WEIGHTS):
            types[rng.randrange(count)] = doc_type
    return types


def _adult_birth(rng: random.Random, issued: date) -> date:
    return issued - timedelta(days=rng.randint(19 * 365, 55 * 365))


def _identity(spec: Spec, rng: random.Random, as_of: date, invalid: str | None, nth: int) -> None:
    f = spec.facts
    if spec.doc_type is DocType.IDENTITY_CARD:
        legacy = nth % 2 == 1
        f["cni_format"] = "legacy" if legacy else "2021"
        if invalid == "expired":
            issue = fake.days_between(rng, date(2005, 1, 1), date(2010, 12, 31))
            f.update(cni_format="legacy", issue_date=issue, birth_date=_adult_birth(rng, issue))
        elif legacy and nth % 4 == 1:
            # Printed date passed, yet valid: an adult card of 2011-2013 carries 5 more years.
            issue = fake.days_between(rng, date(2011, 6, 1), date(2013, 12, 31))
            f.update(issue_date=issue, birth_date=_adult_birth(rng, issue))
            spec.tags.append("cni_extended_validity")
    elif spec.doc_type is DocType.PASSPORT:
        if nth % 3 == 2:
            f["nationality"] = rng.choice(("MA", "DZ", "SN", "PT", "TN", "UA"))
        if invalid == "expired":
            f["issue_date"] = fake.add_years(as_of, -10) - timedelta(days=rng.randint(10, 900))
    elif invalid == "expired":
        expiry = as_of - timedelta(days=rng.randint(5, 400))
        f.update(expiry_date=expiry, issue_date=fake.add_years(expiry, -rng.choice((1, 2, 4))))
    if invalid == "bad_check_digit":
        f["corrupt_check_digit"] = True


def _spec_facts(spec: Spec, rng: random.Random, as_of: date, nth: int) -> None:
    """Choose the facts, and the defects that make a document invalid on `as_of`."""
    t, f = spec.doc_type, spec.facts
    f["as_of"] = as_of
    candidates: dict[DocType, tuple[str, ...]] = {
        DocType.IDENTITY_CARD: ("expired", "bad_check_digit"), DocType.PASSPORT: ("expired", "bad_check_digit"),
        DocType.RESIDENCE_PERMIT: ("expired", "bad_check_digit"), DocType.PROOF_OF_ADDRESS: ("stale",),
        DocType.BANK_DETAILS: ("stale", "bad_check_digit"), DocType.QUOTE: ("bad_check_digit",),
        DocType.QUALIOPI_CERTIFICATE: ("expired", "bad_check_digit"), DocType.CLEA_HABILITATION: ("expired",),
    }
    invalid = rng.choice(candidates[t]) if t in candidates and rng.random() < INVALID_SHARE else None
    if t in (DocType.IDENTITY_CARD, DocType.PASSPORT, DocType.RESIDENCE_PERMIT):
        _identity(spec, rng, as_of, invalid, nth)
    elif t is DocType.PROOF_OF_ADDRESS:
        f["proof_kind"] = PROOF_KINDS[nth % len(PROOF_KINDS)]
        f["issue_date"] = as_of - timedelta(days=rng.randint(2, 80))
        if invalid == "stale":
            f["issue_date"] = fake.add_months(as_of, -3) - timedelta(days=rng.randint(4, 200))
        if nth % 9 == 4:
            town = fake.outside_town(rng)
            f.update(postal_code=town.postal_code, city=town.city)
            spec.tags.append("outside_region")
    elif t is DocType.BANK_DETAILS:
        f["issue_date"] = as_of - timedelta(days=rng.randint(1, 80))
        if invalid == "stale":
            f["issue_date"] = fake.add_months(as_of, -3) - timedelta(days=rng.randint(4, 300))
        elif invalid == "bad_check_digit":
            f["corrupt_check_digit"] = True
    elif t in (DocType.QUOTE, DocType.QUALIOPI_CERTIFICATE, DocType.CLEA_HABILITATION):
        if invalid == "bad_check_digit":
            f["corrupt_check_digit"] = True
        elif invalid == "expired":
            until = as_of - timedelta(days=rng.randint(3, 300))
            f.update(valid_until=until, valid_from=fake.add_years(until, -3) + timedelta(days=1))
    elif t is DocType.HOURS_ATTESTATION and nth % 8 == 5:
        f["hours"] = 0
        spec.tags.append("zero_hours")
    elif t is DocType.UNKNOWN:
        f["kind"] = ("letter", "payslip", "blank", "gym_contract", "school_certificate")[nth % 5]
    if invalid:
        spec.defects.append(invalid)


def plan(count: int, seed: int, as_of: date = CORPUS_AS_OF) -> list[Spec]:
    """The corpus, decided: types, media (a third scans or photos), layouts, facts and defects."""
    rng = random.Random(f"corpus/{seed}")
    types = _types(count, rng)
    seen: dict[DocType, int] = {}
    specs = []
    for index, doc_type in enumerate(types):
        nth = seen.get(doc_type, 0)
        seen[doc_type] = nth + 1
        medium: Medium = IMAGE_MEDIA[(index // 3) % 3] if index % 3 == 0 else "pdf"
        layout = (nth + nth // len(PROOF_KINDS)) % LAYOUTS[doc_type] if doc_type is DocType.PROOF_OF_ADDRESS \
            else nth % LAYOUTS[doc_type]
        spec = Spec(index, doc_type, medium, layout, rng.randrange(2**31))
        _spec_facts(spec, rng, as_of, nth)
        specs.append(spec)
    return specs


def _label(spec: Spec, name: str, fields: dict, facts: dict) -> dict:
    # The truth is judged from the facts actually drawn, not from what the plan intended.
    defects = validity_defects(spec.doc_type, facts)
    if spec.doc_type is DocType.UNKNOWN:
        defects = ["not_a_supporting_document"]
    label = {
        "file": name, "doc_type": spec.doc_type.value, "fields": fields, "valid": not defects,
        "defects": defects,
        "medium": spec.medium, "layout": spec.layout, "as_of": facts["as_of"].isoformat(), "tags": spec.tags,
    }
    for extra in ("proof_kind", "cni_format", "kind"):
        if extra in facts and (extra != "kind" or spec.doc_type is DocType.UNKNOWN):
            label[extra] = facts[extra]
    return label


def build_corpus(out_dir: Path, *, count: int = 330, seed: int = 7) -> Path:
    """Write `count` documents and labels.jsonl into `out_dir`; return the labels file's path.

    File names (doc_0001.pdf, …) say nothing of the type. Each label line holds file, doc_type, the
    DESIGN §5 fields, valid, defects (expired, stale, bad_check_digit; unknown documents get
    not_a_supporting_document), medium, layout, as_of (the day validity is judged on) and tags
    (cni_extended_validity, outside_region, zero_hours: valid pieces that need a rule to be read right).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    lines = []
    for spec in plan(count, seed):
        rendered = render(spec.doc_type, spec.facts, layout=spec.layout, medium=spec.medium, seed=spec.seed)
        name = f"doc_{spec.index + 1:04d}.{EXTENSIONS[spec.medium]}"
        (out_dir / name).write_bytes(rendered.data)
        lines.append(json.dumps(_label(spec, name, rendered.fields, rendered.facts), ensure_ascii=False))
    labels = out_dir / "labels.jsonl"
    labels.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return labels


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write the labelled sample-document corpus.")
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--count", type=int, default=330)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    print(build_corpus(args.out_dir, count=args.count, seed=args.seed))


if __name__ == "__main__":
    main()

"""The labelled corpus: its plan covers every type, layout and medium; its files and labels agree."""

import json
from collections import Counter

from clea_intake.domain.findings import DocType
from clea_intake.samples.corpus import build_corpus, plan


def test_plan_default_count_covers_every_type_layout_and_a_third_of_images():
    # Given the default corpus plan
    specs = plan(330, 7)
    # Then it has at least 300 documents, every type, every layout of each type, and a third scans or photos
    assert len(specs) >= 300
    assert {s.doc_type for s in specs} == set(DocType)
    for doc_type in DocType:
        assert {s.layout for s in specs if s.doc_type is doc_type} == {0, 1, 2}, doc_type
    images = sum(s.medium != "pdf" for s in specs)
    assert images >= len(specs) / 3
    assert {s.medium for s in specs} == {"pdf", "scan_pdf", "jpeg", "png"}


def test_plan_default_count_has_each_kind_of_invalid_piece():
    # Given the default corpus plan
    defects = Counter(d for s in plan(330, 7) for d in s.defects)
    # Then expired identities, stale proofs or RIBs and bad check digits are all there, in numbers
    assert defects["expired"] >= 10 and defects["stale"] >= 10 and defects["bad_check_digit"] >= 10


def test_plan_same_seed_same_plan_other_seed_other_plan():
    first, second, other = plan(60, 3), plan(60, 3), plan(60, 4)
    assert [(s.doc_type, s.medium, s.layout, s.seed) for s in first] == \
        [(s.doc_type, s.medium, s.layout, s.seed) for s in second]
    assert [s.seed for s in first] != [s.seed for s in other]


def test_build_corpus_small_writes_files_and_consistent_labels(tmp_path):
    # Given a small corpus written twice with the same seed
    labels_path = build_corpus(tmp_path / "a", count=8, seed=5)
    build_corpus(tmp_path / "b", count=8, seed=5)
    labels = [json.loads(line) for line in labels_path.read_text(encoding="utf-8").splitlines()]
    # Then each label names an existing file, with the contract's keys, and the bytes are reproducible
    assert len(labels) == 8
    for label in labels:
        assert {"file", "doc_type", "fields", "valid", "defects", "medium", "layout"} <= set(label)
        data = (tmp_path / "a" / label["file"]).read_bytes()
        assert data == (tmp_path / "b" / label["file"]).read_bytes()
        assert label["valid"] == (not label["defects"])
        assert DocType(label["doc_type"]).value not in label["file"]  # the name must not give the type away
    assert any(label["medium"] != "pdf" for label in labels)

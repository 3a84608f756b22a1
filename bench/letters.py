"""An award's two letters (the beneficiary's notice and the evaluator's arrêté), composed with fpdf2's own code
and with the letters' speed-ups (letters/pdf/fpdf_speedups.py), in turn in one process: CPU seconds a pair,
and the ratio.

Run: `.venv/bin/python bench/letters.py [--pairs N] [--rounds R]`. Each round times N pairs each way; the
figures printed are the medians over the rounds. The bytes are checked equal first.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import time
from datetime import date
from decimal import Decimal

from clea_intake.letters.compose import compose
from clea_intake.letters.models import NoticeContext
from clea_intake.letters.pdf.fpdf_speedups import plain_fpdf2

KINDS = ("award_beneficiary", "arrete_evaluator")


def _context(number: int) -> NoticeContext:
    return NoticeContext(
        case_id=f"NA-CLEA-2026-{number:06d}", applicant_name="Léa Marie Martin", applicant_email="lea@example.fr",
        evaluator_name="Formation Atlantique", evaluator_email="contact@formation-atlantique.fr",
        evaluator_address="12 quai des Chartrons\n33000 Bordeaux", certification="clea_socle", evaluation="initial",
        evaluation_start=date(2026, 4, 13), evaluation_end=date(2026, 4, 24), sent_on=date(2026, 3, 2),
        amount_eur=Decimal("450"), reasons=[], missing=[], policy_version="clea-na-2024-2028-v1",
        claim_deadline=date(2026, 10, 24), hours=10)


def _pair(ctx: NoticeContext) -> list[bytes]:
    return [attachment.data for kind in KINDS for attachment in compose(kind, ctx).attachments]


def _time(pairs: int, plain: bool) -> float:
    with plain_fpdf2() if plain else contextlib.nullcontext():
        started = time.process_time()
        for number in range(pairs):
            _pair(_context(number))
        return (time.process_time() - started) / pairs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with plain_fpdf2():
        reference = _pair(_context(1))
    if _pair(_context(1)) != reference:
        raise SystemExit("the speed-ups changed a letter's bytes")
    plain, fast = [], []
    for _ in range(args.rounds):
        plain.append(_time(args.pairs, plain=True))
        fast.append(_time(args.pairs, plain=False))
    p, f = statistics.median(plain), statistics.median(fast)
    print(f"award letters, CPU s a pair (median of {args.rounds} rounds of {args.pairs}): "
          f"fpdf2 alone {p:.3f}, with the speed-ups {f:.3f}, ratio {f / p:.2f}")


if __name__ == "__main__":
    main()

"""Handlers printing from the stack's threads at once never merge their lines."""

from __future__ import annotations

import io
import json
import threading

from clea_intake.local.dispatch import LineAtomicStdout


def test_lines_printed_by_threads_at_once_come_out_whole():
    # Given a stack's stdout over a plain stream, and eight threads each printing 300 JSON records
    out = io.StringIO()
    stdout = LineAtomicStdout(out)

    def emit(worker: int) -> None:
        for n in range(300):
            print(json.dumps({"worker": worker, "n": n, "pad": "x" * 200}), file=stdout)

    threads = [threading.Thread(target=emit, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Then every line is one whole record, none lost
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert sorted((r["worker"], r["n"]) for r in records) == [(w, n) for w in range(8) for n in range(300)]


def test_text_without_its_line_end_is_written_at_flush():
    out = io.StringIO()
    stdout = LineAtomicStdout(out)
    stdout.write("partial")
    assert out.getvalue() == ""
    stdout.flush()
    assert out.getvalue() == "partial"

"""What reading a hostile e-mail costs, with the policy's mail limits and without them.

Each message is read by a fresh child process (`parse_inbound`, as the ingest function calls it), once
with the policy's `mail` limits and once with limits too large to matter, i.e. the MIME parser given
the message as before the limits existed. The child runs under an address-space limit (RLIMIT_AS,
`--cap-mb`, default 3,072 MB) so that a case that would take more fails instead of taking the machine.
Figures: the child's peak resident memory (VmHWM), its CPU time (os.wait4) and wall time.

Run with `.venv/bin/python bench/mail_limits.py` (add `--limited-only` to skip the unlimited runs);
prints a Markdown table and writes bench/mail_limits.md.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from clea_intake.domain.policy import current_policy
from clea_intake.samples import hostile_mail

ROOT = Path(__file__).resolve().parents[1]
CASE = "NA-CLEA-2026-000123"
LIMITS = current_policy().mail

CASES = {
    "Subject of 9,000 encoded words on one line (160 KB)":
        lambda: hostile_mail.encoded_word_subject(CASE, 9000, folded=False),
    "Subject of 5,000 folded encoded words (100 KB)": lambda: hostile_mail.encoded_word_subject(CASE, 5000),
    "5,000 nested multiparts (350 KB)": lambda: hostile_mail.nested_multiparts(CASE, 5000),
    "500 parts (85 KB)": lambda: hostile_mail.many_parts(CASE, 500),
    "header of 256 KB": lambda: hostile_mail.oversized_header(CASE, 2 * LIMITS.max_header_bytes),
    "base64 attachment of 26 MB decoded (35 MB)":
        lambda: hostile_mail.huge_base64_attachment(CASE, LIMITS.max_decoded_bytes + 1_000_000),
    "2,000,000 empty lines after a PDF (2 MB)": lambda: hostile_mail.many_lines(CASE, 2_000_000),
    "HTML body of 400 KB of unclosed comments": lambda: hostile_mail.unclosed_html_comments(CASE),
    "genuine-looking claim, 90 parts, within the limits": lambda: hostile_mail.many_parts(CASE, 90),
}

_CHILD = """
import resource, sys
cap = int(sys.argv[3]) * 1024 * 1024
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
from clea_intake.domain.policy import current_policy
from clea_intake.mail import MalformedMessage, parse_inbound
limits = current_policy().mail
if sys.argv[2] == "off":
    limits = limits.model_copy(update={name: 10**12 for name in type(limits).model_fields})
raw = open(sys.argv[1], "rb").read()
try:
    parse_inbound(raw, max_attachments=20, max_attachment_bytes=15_000_000, max_total_bytes=40_000_000,
                  limits=limits)
    outcome = "parsed"
except MalformedMessage as refused:
    outcome = refused.code
except MemoryError:
    outcome = "MemoryError"
# The peak of this process's own memory since exec (ru_maxrss would count the parent's pages at fork).
peak = next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(outcome, peak)
"""


NOTES = """
CPU includes the child's start and imports (first row). "no limits" still has this branch's other changes:
recipients read from raw values, a From longer than a line not parsed, and the linear HTML-to-text pass
(html.parser took over a minute on 80 KB of unclosed comments before it), so the HTML row is the same both ways.
"""


def measure(path: Path, mode: str, cap_mb: int) -> tuple[str, float, float, float]:
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", _CHILD, str(path), mode, str(cap_mb)],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             env={**os.environ, "POWERTOOLS_LOG_LEVEL": "ERROR"})
    output = child.stdout.read().decode().split() if child.stdout else []
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    if len(output) != 2:
        return f"exit {os.waitstatus_to_exitcode(status)}", float("nan"), usage.ru_utime + usage.ru_stime, wall
    return output[0], int(output[1]) / 1024, usage.ru_utime + usage.ru_stime, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limited-only", action="store_true")
    parser.add_argument("--cap-mb", type=int, default=3072)
    args = parser.parse_args()
    rows = ["| message | mode | outcome | peak RSS | CPU | wall |", "| --- | --- | --- | --- | --- | --- |"]
    baseline = None
    with tempfile.TemporaryDirectory() as folder:
        empty = Path(folder) / "empty.eml"
        empty.write_bytes(hostile_mail.many_parts(CASE, 1))
        baseline = measure(empty, "on", args.cap_mb)
        rows.append(f"| one-part claim (interpreter and imports) | limits | {baseline[0]} | "
                    f"{baseline[1]:.0f} MB | {baseline[2]:.2f} s | {baseline[3]:.2f} s |")
        for label, build in CASES.items():
            path = Path(folder) / "message.eml"
            path.write_bytes(build())
            for mode in ("on",) if args.limited_only else ("on", "off"):
                outcome, rss, cpu, wall = measure(path, mode, args.cap_mb)
                rows.append(f"| {label} | {'limits' if mode == 'on' else 'no limits'} | {outcome} | "
                            f"{rss:.0f} MB | {cpu:.2f} s | {wall:.2f} s |")
                print(rows[-1], flush=True)
    table = "\n".join(rows) + "\n"
    print(table)
    (ROOT / "bench" / "mail_limits.md").write_text(
        "Reading hostile e-mails (`.venv/bin/python bench/mail_limits.py`; a child process per run, "
        f"address space capped at {args.cap_mb} MB).\n\n" + table + NOTES, encoding="utf-8")


if __name__ == "__main__":
    main()

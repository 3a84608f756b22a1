"""The peak-week plan checked on the local stack: a deadline evening's backlog, Textract slowed and rate-limited.

    .venv/bin/python bench/peak.py --applications 20 --hours-before 2 --concurrency 5 --textract-latency 1.5 \
        --textract-tps 1

Every application (complete and valid) is dropped at once, `--hours-before` the end of its files' last allowed
day, without letting the stack move in between: the queues hold the whole backlog. The stack then drains it.
The simulated clock follows the work as the deployed stack would do it: each queue-fed invocation moves it on by
its measured duration divided by the queue's concurrency (the documents queue's MaximumConcurrency), each OCR
page adds the injected Textract latency, and a page never starts before the TPS quota allows (a token bucket in
simulated time, as the SDK's retries on ProvisionedThroughputExceededException would space them).

Passes (exit 0) when nothing is lost (no dead letter, every piece read), every case is complete before its
deadline and none is refused LATE_COMPLETION. Prints the backlog, the simulated time to drain it and the margin.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")

QUEUE_FED = ("intake_application", "classify_document", "ingest_email")


class SimulatedWork:
    """Moves the simulated clock as `concurrency` containers and a Textract quota would."""

    def __init__(self, concurrency: int, latency: float, tps: float) -> None:
        self.concurrency, self.latency, self.tps = concurrency, latency, tps
        self.lock = threading.Lock()
        self.next_page_at: float | None = None  # simulated epoch before which no page may start
        self.pages = 0
        self.throttled_s = 0.0

    def advance(self, seconds: float) -> None:
        from clea_intake import clock

        with self.lock:
            clock.set_now(clock.now() + timedelta(seconds=seconds))

    def page(self) -> None:
        from clea_intake import clock

        with self.lock:
            self.pages += 1
            now = clock.now()
            wait = 0.0
            if self.tps and self.next_page_at is not None and now.timestamp() < self.next_page_at:
                wait = self.next_page_at - now.timestamp()
                self.throttled_s += wait
            start = now.timestamp() + wait
            self.next_page_at = start + 1 / self.tps if self.tps else None
            clock.set_now(now + timedelta(seconds=wait + self.latency / self.concurrency))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--applications", type=int, default=20)
    parser.add_argument("--hours-before", type=float, default=2.0)
    parser.add_argument("--concurrency", type=int, default=5)
    parser.add_argument("--textract-latency", type=float, default=1.5)
    parser.add_argument("--textract-tps", type=float, default=1.0)
    args = parser.parse_args(argv)

    from clea_intake import clock
    from clea_intake.domain.calendar import completeness_deadline
    from clea_intake.domain.policy import policy_for
    from clea_intake.local.outcome import case_outcome
    from clea_intake.local.stack import LocalStack
    from clea_intake.samples.persona import application_documents, sample_application

    start = date(2026, 6, 1)
    policy = policy_for(start)
    deadline = completeness_deadline(start, policy)
    dropped_at = deadline - timedelta(hours=args.hours_before)
    work = SimulatedWork(args.concurrency, args.textract_latency, args.textract_tps)
    forms, pieces = [], {}
    for number in range(1, args.applications + 1):
        app = sample_application(900000 + number, seed=number, evaluation_start=start.isoformat(),
                                 evaluation_end=(start + timedelta(days=4)).isoformat())
        app["submitted_at"] = dropped_at.isoformat()
        forms.append(app)
        # A third of the identity pieces are phone photos: each is OCR work, as on AWS.
        media = {"identity": "jpeg"} if number % 3 == 1 else None
        pieces[app["case_id"]] = application_documents(app, received=dropped_at.date(), seed=number,
                                                       medium_for=media)

    # Each OCR page is a Textract call made from the handler's process (the sandbox calls its provider back
    # there): the stand-in holds it to the TPS quota and the injected latency on the simulated clock.
    from meter import TextractStandIn

    textract = TextractStandIn(work.page)
    textract.install()
    wall = time.perf_counter()
    try:
        with LocalStack() as stack:
            original_invoke = stack.dispatcher.invoke

            def invoke(folder: str, event: dict):  # noqa: ANN202
                started = time.perf_counter()
                try:
                    return original_invoke(folder, event)
                finally:
                    if folder in QUEUE_FED:
                        work.advance((time.perf_counter() - started) / args.concurrency)

            stack.dispatcher.invoke = invoke
            stack.set_time(dropped_at)
            for app in forms:
                stack.submit(app)
                for name, data in pieces[app["case_id"]].items():
                    stack.upload_document(app["case_id"], name, data)
            from clea_intake.adapters import clients

            sqs = clients.client("sqs")
            depth = {queue: int(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
                                ["Attributes"]["ApproximateNumberOfMessages"])
                     for queue, url in stack.queue_urls.items()}
            stack.settle(timeout=3600)
            drained_at = clock.now()
            repo = stack.repo()
            outcomes = {app["case_id"]: case_outcome(repo, app["case_id"]) for app in forms}
            documents = [d for app in forms for d in repo.documents(app["case_id"])]
            dead = stack.dead_letters()
    finally:
        textract.uninstall()

    late = [c for c, o in outcomes.items() if "LATE_COMPLETION" in o["reasons"]]
    unread = [d.doc_id for d in documents if d.status not in ("read", "review")]
    after_deadline = [d.doc_id for d in documents if d.received_at >= deadline]
    expected_pieces = sum(len(p) for p in pieces.values())
    drain = (drained_at - dropped_at).total_seconds()
    print(f"Dépôt de {len(forms)} demandes ({expected_pieces} pièces) {args.hours_before} h avant l'échéance, "
          f"concurrence {args.concurrency}, Textract {args.textract_latency} s par page, {args.textract_tps} TPS")
    print(f"File au dépôt : {depth}")
    print(f"Vidée en {drain / 60:.1f} min simulées ({time.perf_counter() - wall:.0f} s réelles) ; marge avant "
          f"l'échéance : {(deadline - drained_at).total_seconds() / 60:.0f} min ; pages OCR {work.pages}, attente "
          f"due au quota {work.throttled_s:.0f} s")
    print("États : " + ", ".join(sorted({o["state"] for o in outcomes.values()})))
    failures = []
    if any(dead.values()):
        failures.append(f"lettres mortes {dead}")
    if len(documents) < expected_pieces or unread:
        failures.append(f"pièces non lues : {len(documents)} enregistrées sur {expected_pieces}, {len(unread)} non lues")
    if late or after_deadline:
        failures.append(f"{len(late)} refus LATE_COMPLETION, {len(after_deadline)} pièces reçues après l'échéance")
    for failure in failures:
        print(f"ÉCHEC : {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

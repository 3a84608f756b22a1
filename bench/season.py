"""A whole season on the local stack, measured: time, memory, throughput, and what every application costs on AWS.

    make bench-season                                   # 1,000 applications, two shards on two cores
    .venv/bin/python bench/season.py --applications 100 --workers 2 --json out/season-100.json

The applications are the demo's (clea_intake.local.season: every outcome, through the platform's S3 keys, with
the simulated clock), split into shards of whole blocks of every kind, each shard on a stack of its own in its own
process (--workers). Every case is checked against its full expectation (state, reasons, amounts, e-mails and
letters); the exit code is 1 on any difference, a dead letter, or a DynamoDB Scan. The AWS operations are counted
through boto3's event hooks (bench/meter.py) and priced from bench/prices-eu-west-3.json.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import resource
import statistics
import sys
import time
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

PRICES = ROOT / "bench" / "prices-eu-west-3.json"


class LogSink:
    """Stands in for the functions' stdout: Lambda ships every byte of it to CloudWatch Logs; here it is counted."""

    def __init__(self, meter: Any) -> None:
        self.meter = meter

    def write(self, text: str) -> int:
        self.meter.log_bytes[self.meter.who or "platform"] += len(text.encode())
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def _memory_sizes() -> dict[str, int]:
    """Each function's MemorySize in template.yaml (the Globals' where it sets none)."""
    import yaml

    from clea_intake.local.names import FUNCTIONS

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    template = yaml.load((ROOT / "template.yaml").read_text(encoding="utf-8"), Loader=Loader)  # noqa: S506
    default = template["Globals"]["Function"]["MemorySize"]
    resources = template["Resources"]
    return {folder: (resources.get(f"{prefix}Function", {}).get("Properties") or {}).get("MemorySize") or default
            for folder, prefix in FUNCTIONS.items()}


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _limit_malloc_arenas(arenas: int = 2) -> None:
    """glibc's M_ARENA_MAX (as MALLOC_ARENA_MAX would set it at start-up), before the stack starts its threads."""
    import ctypes

    try:
        ctypes.CDLL("libc.so.6").mallopt(-8, arenas)  # M_ARENA_MAX
    except (OSError, AttributeError):
        pass  # not glibc: nothing to limit


def run_shard(applications: int, shard: int, shards: int, release: bool, textract_latency: float,
              render_ahead: bool = True) -> dict[str, Any]:
    """One shard's season on a stack of its own (in this process), measured and counted."""
    os.environ["POWERTOOLS_LOG_LEVEL"] = "INFO"  # what the deployed stack logs (template.yaml, prod)
    os.environ["POWERTOOLS_METRICS_DISABLED"] = "false"  # the EMF lines are log bytes too
    os.environ["POWERTOOLS_METRICS_NAMESPACE"] = "CleaIntake"
    from meter import Meter

    _limit_malloc_arenas()
    meter = Meter()
    real_stdout = sys.stdout
    sys.stdout = LogSink(meter)
    try:
        return _run_shard(meter, applications, shard, shards, release, textract_latency, render_ahead)
    finally:
        sys.stdout = real_stdout


def _run_shard(meter: Any, applications: int, shard: int, shards: int, release: bool,
               textract_latency: float, render_ahead: bool) -> dict[str, Any]:
    import boto3
    from meter import TextractStandIn

    # On AWS every page the pipeline reads by OCR is a DetectDocumentText request, made from the handler's
    # process (the sandbox calls its provider back there): the stand-in counts them and waits as Textract would.
    from clea_intake import runtime
    from clea_intake.local import patches, season
    from clea_intake.local.stack import LocalStack

    def page() -> None:
        with meter._lock:
            meter.textract_pages += 1

    textract = TextractStandIn(page, textract_latency)
    textract.install()
    original_event = patches.send_object_event

    pieces: set[str] = set()

    def object_event(account_id: str, bucket: Any, event_name: str, key: Any) -> None:
        meter.eventbridge_events += 1
        name = getattr(key, "name", "")
        if "Created" in event_name and ("/documents/" in name or name.startswith("claims/")):
            pieces.add(name)  # a piece dropped by the platform or filed from a claim (later expiry deletes it)
        original_event(account_id, bucket, event_name, key)

    patches.send_object_event = object_event
    from clea_intake.local import platform

    original_expiry = platform.run_expiry

    def expiry(*args: Any) -> Any:
        before = meter.who
        meter.acting("aws")
        try:
            return original_expiry(*args)
        finally:
            meter.acting(before)

    platform.run_expiry = expiry

    started, cpu = time.perf_counter(), time.process_time()
    rss_at: list[tuple[int, float]] = []
    stack = LocalStack()
    meter.wrap_invoke(stack.dispatcher)
    stack.start()
    # moto's mock replaces boto3's default session: the hooks go on the one it set, and every client the
    # handlers use is created again from it (the resources stay, in moto's backends).
    from clea_intake.adapters import clients

    boto3.setup_default_session()
    meter.install(boto3.DEFAULT_SESSION)
    meter.install_params(boto3.DEFAULT_SESSION)
    clients.reset()
    runtime.reset()
    submitted = 0
    agent_acts = ("file d'examen", "retrait", "export et confirmation", "registre des fournisseurs")

    def before(done: int, total: int, action: Any) -> None:
        meter.acting("agent" if action.label.startswith(agent_acts) or any(a in action.label for a in agent_acts)
                     else "platform")

    def after(stack: Any, action: Any) -> None:
        nonlocal submitted
        meter.acting(None)
        if "dépôt du formulaire" in action.label:
            submitted += 1
            if submitted % 8 == 0:
                meter.collect(release)
                rss_at.append((submitted, rss_mb()))

    try:
        run = season.replay(applications=applications, shard=shard, shards=shards, stack=stack,
                            on_action=before, after_action=after, render_ahead=render_ahead)
        meter.collect(release)
        documents = len(pieces)
    finally:
        stack.stop()
        textract.uninstall()
        patches.send_object_event = original_event
        platform.run_expiry = original_expiry
    usage, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "shard": shard, "cases": len(run.expected), "actions": run.actions,
        "wall_s": time.perf_counter() - started, "cpu_s": time.process_time() - cpu,
        "children_cpu_s": children.ru_utime + children.ru_stime, "peak_rss_mb": usage.ru_maxrss / 1024,
        "children_peak_rss_mb": children.ru_maxrss / 1024, "rss_at": rss_at, "documents": documents,
        "differing": [(want.case_id, want.kind, diffs) for want, diffs in run.differing], "dead": run.dead,
        "open_reviews": run.open_reviews,
        "decisions": _decisions(run), "meter": meter,
        "acts": Counter(code for items in run.acts.values() for _, code in items),
    }


def _decisions(run: Any) -> dict[str, tuple[float, float]]:
    """Per case: (the simulated epoch of its form's receipt, of its decision), for the decided cases."""
    out = {}
    for want, got in zip(run.expected, run.found, strict=True):
        timeline = got["timeline"]
        decided = next((t["at"] for t in timeline if t["state"] in ("AWARDED", "REFUSED")), None)
        if decided and timeline:
            out[want.case_id] = (datetime.fromisoformat(timeline[0]["at"]).timestamp(),
                                 datetime.fromisoformat(decided).timestamp())
    return out


def _shard_entry(args: tuple) -> dict[str, Any]:
    return run_shard(*args)


def handler_work_to_decision(meter: Any, decisions: dict[str, tuple[float, float]]) -> list[float]:
    """Per decided case, the seconds of handler work spent on it from its upload to its decision (an invocation's
    duration shared among the cases it served): what the case waits on a stack with no queue."""
    work: dict[str, float] = defaultdict(float)
    for inv in meter.invocations:
        for case_id in inv.cases:
            window = decisions.get(case_id)
            if window and inv.at <= window[1]:
                work[case_id] += inv.seconds / len(inv.cases)
    return sorted(work[c] for c in decisions)


def price(meter: Any, memory: dict[str, int], prices: dict[str, Any]) -> dict[str, float]:
    """USD per service for everything the meter counted."""
    p = prices["prices"]
    gb_s = sum(inv.seconds * memory.get(inv.function, 512) / 1024 for inv in meter.invocations)
    calls = meter.calls
    s3_class = Counter()
    for (_who, service, op), n in calls.items():
        if service == "s3":
            from meter import S3_FREE_OPS, S3_WRITE_OPS

            if op in S3_FREE_OPS:
                continue
            s3_class["put" if op in S3_WRITE_OPS else "get"] += n
    sqs = sum(n for (_w, service, _o), n in calls.items() if service == "sqs")
    # EventBridge → SQS deliveries are SendMessage requests on the queue (not a boto3 call here): one per event.
    sqs += meter.eventbridge_events
    ses_messages = sum(n for (_w, service, op), n in calls.items() if service == "ses" and op.startswith("Send"))
    invocations = len(meter.invocations)
    return {
        "Lambda requests": invocations * p["lambda"]["request_usd"],
        "Lambda duration (arm64)": gb_s * p["lambda"]["arm64_gb_second_usd"],
        "Step Functions": meter.state_transitions * p["stepfunctions"]["state_transition_usd"],
        "DynamoDB": (sum(meter.wru.values()) * p["dynamodb"]["write_request_unit_usd"]
                     + sum(meter.rru.values()) * p["dynamodb"]["read_request_unit_usd"]),
        "S3 requests": s3_class["put"] * p["s3"]["put_copy_post_list_usd"] + s3_class["get"] * p["s3"]["get_usd"],
        "SES": ses_messages * p["ses"]["message_usd"] + meter.ses_bytes / 1024**3 * p["ses"]["attachment_gb_usd"],
        "Textract": meter.textract_pages * p["textract"]["detect_document_text_page_usd"],
        "EventBridge": meter.eventbridge_events * p["eventbridge"]["aws_service_event_usd"],
        "SQS": math.ceil(sqs) * p["sqs"]["request_usd"],
        "KMS": sum(meter.kms.values()) * p["kms"]["request_usd"],
        "CloudWatch Logs": sum(meter.log_bytes.values()) / 1024**3 * p["cloudwatch"]["logs_ingestion_gb_usd"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--applications", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2, help="shards, each on its own stack and process")
    parser.add_argument("--keep-moto", action="store_true",
                        help="keep every finished execution, sent e-mail and superseded S3 version in moto")
    parser.add_argument("--textract-latency", type=float, default=0.0, help="seconds added to each OCR page")
    parser.add_argument("--render-inline", action="store_true",
                        help="draw the platform's files in each shard's process before its replay, not ahead in one of their own")
    parser.add_argument("--json", type=Path, help="write the figures there")
    args = parser.parse_args(argv)

    from meter import Meter, lambda_stats

    prices = json.loads(PRICES.read_text(encoding="utf-8"))
    memory = _memory_sizes()
    # glibc gives each thread that allocates its own arena and rarely returns their freed pages: the stack's
    # executions run in threads, so resident memory would grow with their number, not with what is in use.
    os.environ.setdefault("MALLOC_ARENA_MAX", "2")
    started, cpu = time.perf_counter(), time.process_time()
    jobs = [(args.applications, shard, args.workers, not args.keep_moto, args.textract_latency, not args.render_inline)
            for shard in range(args.workers)]
    if args.workers == 1:
        results = [_shard_entry(jobs[0])]
    else:
        # Not multiprocessing.Pool: its workers are daemons, and a shard starts processes of its own.
        with ProcessPoolExecutor(args.workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            results = list(pool.map(_shard_entry, jobs))
    wall = time.perf_counter() - started
    meter = Meter()
    decisions: dict[str, tuple[float, float]] = {}
    for result in results:
        meter.merge(result["meter"])
        decisions.update(result["decisions"])
    cases = sum(r["cases"] for r in results)
    # This process's CPU holds the shard's own when a single shard ran here, not in a worker of the pool.
    in_workers = sum(r["cpu_s"] for r in results) if args.workers > 1 else 0.0
    cpu_s = time.process_time() - cpu + in_workers + sum(r["children_cpu_s"] for r in results)
    documents = sum(r["documents"] for r in results)
    peak_total = sum(r["peak_rss_mb"] for r in results)
    work = handler_work_to_decision(meter, decisions)
    costs = price(meter, memory, prices)
    total = sum(costs.values())
    eur = prices["usd_to_eur"]["rate"]
    cores = min(args.workers, os.cpu_count() or 1)

    out = sys.stdout
    print(f"Saison : {cases} demandes, {documents} pièces, {sum(r['actions'] for r in results)} actions, "
          f"{args.workers} processus", file=out)
    peaks = " + ".join(f"{r['peak_rss_mb']:.0f}" for r in results)
    print(f"Durée : {wall:.0f} s ; CPU : {cpu_s:.0f} s (dont processus auxiliaires : OCR, bac à sable, rendu des pièces {sum(r['children_cpu_s'] for r in results):.0f} s)"
          f" ; pic de mémoire résidente : {peaks} = {peak_total:.0f} Mo"
          f" (processus auxiliaire {max(r['children_peak_rss_mb'] for r in results):.0f} Mo au plus)", file=out)
    print(f"Débit : {documents / wall / cores:.2f} pièces par seconde et par cœur ({cores} cœur(s))", file=out)
    for result in results:
        if result["rss_at"]:
            print(f"  processus {result['shard']} : mémoire résidente après n formulaires : "
                  + ", ".join(f"{n}: {mb:.0f} Mo" for n, mb in result["rss_at"]), file=out)
    if work:
        print(f"Du dépôt à la décision, travail des fonctions (s simulées) : médiane {statistics.median(work):.2f}, "
              f"p95 {work[int(0.95 * (len(work) - 1))]:.2f} ({len(work)} dossiers décidés)", file=out)
    stats = lambda_stats(meter.invocations)
    print("\nFonction               appels   durée méd.  p95     max     mémoire  GB-s", file=out)
    for function, s in stats.items():
        gb = memory.get(function, 512) / 1024
        print(f"{function:22s} {s['invocations']:6d}   {s['median_s']:7.3f}  {s['p95_s']:6.3f}  {s['max_s']:6.3f}"
              f"  {memory.get(function, 512):5d} Mo  {s['seconds'] * gb:8.1f}", file=out)
    print(f"\nCoût compté ({prices['region']}, prix du {prices['as_of']}, 1 USD = {eur} EUR), par service :", file=out)
    print("Service                     € / demande     € / 1 000 demandes", file=out)
    for service, usd in sorted(costs.items(), key=lambda kv: -kv[1]):
        print(f"{service:26s} {usd * eur / cases:12.6f}   {usd * eur / cases * 1000:12.4f}", file=out)
    print(f"{'Total':26s} {total * eur / cases:12.6f}   {total * eur / cases * 1000:12.4f}", file=out)
    # Durations are wall time on the local stack: on a loaded machine, and with the stack's threads sharing one
    # interpreter, they overstate Lambda's. The same GB-s computed from each call's own CPU time (without
    # Tesseract, which Textract replaces on AWS) bounds them from below.
    cpu_gb_s = sum(inv.cpu_seconds * memory.get(inv.function, 512) / 1024 for inv in meter.invocations)
    cpu_eur = cpu_gb_s * prices["prices"]["lambda"]["arm64_gb_second_usd"] * eur
    print(f"Durée Lambda comptée sur le temps CPU des appels au lieu de leur temps écoulé : {cpu_eur / cases:.6f} € / "
          f"demande (total {(total - costs['Lambda duration (arm64)']) * eur / cases + cpu_eur / cases:.6f} €)",
          file=out)
    counts = Counter()
    for (_who, service, op), n in meter.calls.items():
        counts[f"{service}.{op}"] += n
    print("\nOpérations AWS par demande : " + ", ".join(f"{k} {v / cases:.1f}" for k, v in counts.most_common()),
          file=out)
    print(f"Transitions d'état {meter.state_transitions / cases:.1f}, pages Textract {meter.textract_pages / cases:.2f}, "
          f"événements EventBridge {meter.eventbridge_events / cases:.1f}, unités DynamoDB lecture "
          f"{sum(meter.rru.values()) / cases:.1f} / écriture {sum(meter.wru.values()) / cases:.1f}, KMS (borne) "
          f"{sum(meter.kms.values()) / cases:.1f}, journaux {sum(meter.log_bytes.values()) / cases / 1024:.1f} Kio "
          "par demande", file=out)

    failures = []
    differing = [d for r in results for d in r["differing"]]
    dead = Counter()
    for r in results:
        dead.update(r["dead"])
    if differing:
        failures.append(f"{len(differing)} dossier(s) diffèrent de l'attendu")
        for case_id, kind, diffs in differing:
            print(f"  {case_id} ({kind}) : {'; '.join(diffs)}", file=out)
    if any(dead.values()):
        failures.append(f"messages en lettres mortes : {dict(dead)}")
    if meter.scans:
        failures.append(f"{len(meter.scans)} Scan DynamoDB : {sorted(set(meter.scans))}")
    print(f"\nAttendus : {cases - len(differing)}/{cases} dossiers conformes (état, motifs, montants, courriels, "
          f"lettres) ; Scan : {len(meter.scans)}", file=out)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({
            "applications": cases, "workers": args.workers, "wall_s": wall, "cpu_s": cpu_s, "documents": documents,
            "peak_rss_mb": [r["peak_rss_mb"] for r in results], "rss_at": [r["rss_at"] for r in results],
            "handler_work_median_s": statistics.median(work) if work else None,
            "handler_work_p95_s": work[int(0.95 * (len(work) - 1))] if work else None,
            "functions": stats, "memory_mb": memory, "cost_eur_per_application":
                {k: v * eur / cases for k, v in costs.items()}, "total_eur_per_application": total * eur / cases,
            "calls": {f"{w}|{s}|{o}": n for (w, s, o), n in meter.calls.items()},
            "harness_calls": {f"{s}|{o}": n for (s, o), n in meter.harness.items()},
            "state_transitions": meter.state_transitions, "textract_pages": meter.textract_pages,
            "rru": dict(meter.rru), "wru": dict(meter.wru), "log_bytes": dict(meter.log_bytes),
            "scans": meter.scans, "differing": differing, "dead": dict(dead),
        }, indent=1, default=str), encoding="utf-8")
    for failure in failures:
        print(f"ÉCHEC : {failure}", file=out)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

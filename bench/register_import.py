"""The 150,000-row DGEFP list imported in one run of the import_register function, on moto: its peak memory
(must stay under 256 MB), its CPU and wall time and every request it sends, then the same file imported again
(no write at all, the table unchanged), and with --redrop the same bytes dropped again under another ETag
(every register row rewritten identical).

    make bench-registers        # = .venv/bin/python bench/register_import.py (150,000 DGEFP rows)
    .venv/bin/python bench/register_import.py --rows 150000 --redrop --json out/registers-150000.json
    .venv/bin/python bench/register_import.py --register sirene --rows 1000000 --region-share 0.1

The file is written in the official layout (clea_intake.samples.registers, the tests' writer; Sirene with every
StockEtablissement column), put in a moto server's bucket, and the handler runs in a fresh interpreter per run,
as a Lambda container starts: the peak resident set (VmHWM, see peak_rss_kb) is that process's alone, moto's
memory is the server's; "loaded" is its resident set once the handler's modules are imported, before the event.
The requests are counted on botocore's before-send event (each HTTP attempt, retries included). The table's
state is a count and a digest of every item's attributes, read in moto's own process (no function scans).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REGION = "eu-west-3"
BUCKET, TABLE = "bench-registers", "bench-registers-cases"
KEY = "registers/organismes-formation/2026-02-15.csv"
SIRENE_KEY = "registers/sirene/2026-02-01.csv"
# Nouvelle-Aquitaine's departments, and departments elsewhere, for the Sirene stock's establishments.
REGION_DEPARTMENTS = ("16", "17", "19", "23", "24", "33", "40", "47", "64", "79", "86", "87")
OTHER_DEPARTMENTS = ("75", "69", "13", "59", "31", "44", "67", "06", "34", "35", "92", "93", "94", "38", "76")
BUDGET_MB = 256
WRITES = {"BatchWriteItem", "PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems"}


def rows(count: int):
    """Distinct organisations across the departments, a tenth not Qualiopi, a twentieth outside the region."""
    from clea_intake.samples.registers import of_row

    for n in range(count):
        region = "75" if n % 20 else "11"
        yield of_row(f"{n % 95 + 1:02d}{n:09d}", f"{n:09d}", qualiopi=bool(n % 10), region=region,
                     postal=f"{n % 95 + 1:02d}{n % 1000:03d}", name=f"Organisme de formation n° {n}")


def sirene_rows(count: int, region_share: float):
    """Distinct establishments, `region_share` of them in the region's departments, a third closed."""
    from clea_intake.samples.registers import sirene_stock_row

    every = max(1, round(1 / region_share)) if region_share > 0 else 0
    for n in range(count):
        if every and n % every == 0:
            department = REGION_DEPARTMENTS[n // every % len(REGION_DEPARTMENTS)]
        else:
            department = OTHER_DEPARTMENTS[n % len(OTHER_DEPARTMENTS)]
        yield sirene_stock_row(f"{n:09d}{n % 100_000:05d}", active=bool(n % 3), postal=f"{department}{n % 1000:03d}")


def event(etag: str, key: str = KEY) -> dict:
    detail = {"version": "0", "bucket": {"name": BUCKET},
              "object": {"key": key, "etag": etag, "sequencer": "00617F08299329D189"}, "reason": "PutObject",
              "request-id": "bench", "requester": "123456789012"}
    body = {"version": "0", "id": "bench", "detail-type": "Object Created", "source": "aws.s3",
            "account": "123456789012", "time": "2026-02-16T06:00:00Z", "region": REGION,
            "resources": [f"arn:aws:s3:::{BUCKET}"], "detail": detail}
    return {"Records": [{"messageId": "bench-1", "receiptHandle": "r", "body": json.dumps(body), "attributes": {
        "ApproximateReceiveCount": "1", "SentTimestamp": "0", "SenderId": "bench",
        "ApproximateFirstReceiveTimestamp": "0"}, "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:{REGION}:123456789012:bench-registers", "awsRegion": REGION}]}


def child(etag: str, key: str) -> None:
    """One function run: the handler as Lambda calls it; this process's memory and CPU, and every request sent."""
    import boto3
    from botocore.config import Config

    from clea_intake.adapters import clients

    # moto copies the whole table for every transaction item (to roll back): with 300,000 items that takes
    # minutes on a loaded machine, where DynamoDB answers in milliseconds. The clients wait for it rather
    # than give up after botocore's 60 s and send the transaction again.
    clients._CONFIG = clients._CONFIG.merge(Config(read_timeout=1800))
    sys.path.insert(0, str(ROOT / "functions" / "import_register"))
    started, cpu_started = time.perf_counter(), time.process_time()
    from app import lambda_handler  # functions/import_register/app.py

    # Every HTTP request the clients send (retries included), by service and operation: botocore's
    # before-send event, registered on the session every client of the run is built from.
    # The seconds each operation's calls took, retries included (before-call to after-call, once a call).
    sent: dict[str, int] = {}
    waited: dict[str, float] = {}
    calling: dict[int, float] = {}

    def count(event_name: str, **_kwargs) -> None:
        operation = ".".join(event_name.split(".")[1:3])
        sent[operation] = sent.get(operation, 0) + 1

    def call_starts(context: dict, **_kwargs) -> None:
        calling[id(context)] = time.perf_counter()

    def call_ends(context: dict, event_name: str, **_kwargs) -> None:
        operation = ".".join(event_name.split(".")[1:3])
        waited[operation] = waited.get(operation, 0.0) + time.perf_counter() - calling.pop(id(context), 0.0)

    boto3.setup_default_session()
    boto3.DEFAULT_SESSION.events.register("before-send", count)
    boto3.DEFAULT_SESSION.events.register("before-call", call_starts)
    boto3.DEFAULT_SESSION.events.register("after-call", call_ends)

    class Context:
        function_name, memory_limit_in_mb, aws_request_id = "import-register", BUDGET_MB, "bench"
        invoked_function_arn = f"arn:aws:lambda:{REGION}:123456789012:function:import-register"

    loaded_kb, cpu_loaded, run_started = rss_kb("VmRSS"), time.process_time(), time.perf_counter()
    response = lambda_handler(event(etag, key), Context())
    run_seconds, run_cpu = time.perf_counter() - run_started, time.process_time() - cpu_loaded
    peak_kb = peak_rss_kb()
    print(json.dumps({"response": response, "seconds": round(time.perf_counter() - started, 1),
                      "run_seconds": round(run_seconds, 1), "run_cpu_seconds": round(run_cpu, 1),
                      "cpu_seconds": round(time.process_time() - cpu_started, 1),
                      "loaded_rss_mb": round(loaded_kb / 1024, 1), "peak_rss_mb": round(peak_kb / 1024, 1),
                      "requests": dict(sorted(sent.items())),
                      "request_seconds": {op: round(t, 1) for op, t in sorted(waited.items())}}))


def rss_kb(field: str) -> int:
    """A line of /proc/self/status in kB (VmRSS: resident now; VmHWM: the peak), 0 where /proc is absent."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def peak_rss_kb() -> int:
    """This process's peak resident set, in kB: VmHWM, the high-water mark of its own address space.

    resource.getrusage(RUSAGE_SELF).ru_maxrss is not used alone: Linux carries over into it the resident set
    of the address space the process had before exec, here the benchmark's parent holding the moto server's
    items, and would report the parent's memory. ru_maxrss is the fallback where /proc is absent."""
    return rss_kb("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def table_state() -> dict:
    """The table as moto holds it (read in the server's own process, as no function may scan): the register
    rows' count and a digest of all their attributes, and the same for the import's records (marker, current)."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    table = dynamodb_backends[DEFAULT_ACCOUNT_ID][REGION].tables[TABLE]
    hashes: dict[str, list[bytes]] = {"rows": [], "records": []}
    for item in table.all_items():
        attributes = item.to_json()["Attributes"]
        kind = "rows" if attributes.get("type") == {"S": "register_entry"} else "records"
        hashes[kind].append(hashlib.sha256(json.dumps(attributes, sort_keys=True).encode()).digest())
    return {kind: len(found) for kind, found in hashes.items()} | {
        f"{kind}_digest": hashlib.sha256(b"".join(sorted(found))).hexdigest()[:16] for kind, found in hashes.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=150_000)
    parser.add_argument("--redrop", action="store_true",
                        help="then drop the same file again under another ETag (multipart upload): rows unchanged")
    parser.add_argument("--json", metavar="PATH", help="write every run's figures there")
    parser.add_argument("--register", choices=("organismes-formation", "sirene"), default="organismes-formation",
                        help="the DGEFP list (default) or the Sirene stock, every StockEtablissement column")
    parser.add_argument("--region-share", type=float, default=0.1,
                        help="Sirene: the share of establishments in the region's departments (kept)")
    parser.add_argument("--child", metavar="ETAG", help=argparse.SUPPRESS)
    parser.add_argument("--key", default=KEY, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.key)
        return 0

    import boto3
    from boto3.s3.transfer import TransferConfig
    from moto.server import ThreadedMotoServer

    from clea_intake.local.resources import create_cases_table
    from clea_intake.samples.registers import OF_HEADER, SIRENE_STOCK_HEADER, write_register

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server.start()
    host, port = server.get_host_and_port()
    env = {**os.environ, "AWS_ENDPOINT_URL": f"http://{host}:{port}", "AWS_DEFAULT_REGION": REGION,
           "AWS_REGION": REGION, "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
           "TABLE_NAME": TABLE, "BUCKET_NAME": BUCKET, "POWERTOOLS_METRICS_DISABLED": "true",
           "POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_LOG_LEVEL": "WARNING",
           "POWERTOOLS_SERVICE_NAME": "clea-intake"}
    os.environ.update({k: env[k] for k in ("AWS_ENDPOINT_URL", "AWS_DEFAULT_REGION", "AWS_REGION",
                                           "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")})
    create_cases_table(TABLE)
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{args.register}.csv"
        key = KEY if args.register == "organismes-formation" else SIRENE_KEY
        if args.register == "organismes-formation":
            size = write_register(path, OF_HEADER, rows(args.rows), ";")
        else:
            size = write_register(path, SIRENE_STOCK_HEADER, sirene_rows(args.rows, args.region_share), ",")
        s3.upload_file(str(path), BUCKET, key, Config=TransferConfig(multipart_threshold=1 << 40))
        print(f"file: {args.rows} rows, {size / 1e6:.1f} MB, s3://{BUCKET}/{key}")
        runs = {}
        for label in ("import", "re-import", "re-drop") if args.redrop else ("import", "re-import"):
            if label == "re-drop":
                # The same file dropped again, uploaded in 8 MB parts: another ETag, the same bytes.
                s3.upload_file(str(path), BUCKET, key, Config=TransferConfig(multipart_threshold=1,
                                                                             multipart_chunksize=8 << 20))
            etag = s3.head_object(Bucket=BUCKET, Key=key)["ETag"].strip('"')
            done = subprocess.run([sys.executable, __file__, "--child", etag, "--key", key], env=env, capture_output=True,
                                  text=True, check=False)
            if done.returncode != 0:
                print(done.stdout[-2000:], done.stderr[-4000:], file=sys.stderr)
                return 1
            report = json.loads(done.stdout.strip().splitlines()[-1]) | {"etag": etag, "table": table_state()}
            runs[label] = report
            print(f"{label} (ETag {etag}): handler {report['run_seconds']} s wall, {report['run_cpu_seconds']} s "
                  f"CPU; process {report['seconds']} s; RSS {report['loaded_rss_mb']} MB loaded, "
                  f"peak (VmHWM) {report['peak_rss_mb']} MB; failures {report['response'].get('batchItemFailures')}"
                  f"\n  requests {report['requests']}, their seconds {report['request_seconds']}"
                  f"\n  table {report['table']}")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps({"register": args.register, "rows": args.rows, "bytes": size,
                                               "runs": runs}, indent=1))
    first, again = runs["import"], runs["re-import"]
    within = all(run["peak_rss_mb"] < BUDGET_MB for run in runs.values())
    writes = sum(n for op, n in again["requests"].items() if op.split(".")[1] in WRITES)
    unchanged = again["table"] == first["table"] and writes == 0 and not again["response"].get("batchItemFailures")
    print(f"peak RSS under {BUDGET_MB} MB: {'yes' if within else 'NO'}; "
          f"re-import writes nothing and leaves the table as it was: {'yes' if unchanged else 'NO'}")
    same_rows = True
    if "re-drop" in runs:
        dropped = runs["re-drop"]["table"]
        same_rows = (dropped["rows"], dropped["rows_digest"]) == (first["table"]["rows"],
                                                                  first["table"]["rows_digest"])
        print(f"re-drop under another ETag rewrites every row identical: {'yes' if same_rows else 'NO'}")
    return 0 if within and unchanged and same_rows else 1


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    # moto's server holds every item (gigabytes at 150,000 rows) and may still be copying its table for a
    # transaction: the benchmark leaves without tearing it down, which takes minutes.
    os._exit(code)

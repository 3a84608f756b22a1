"""The 150,000-row DGEFP list imported in one run of the import_register function, on moto: its peak memory
(must stay under the function's 256 MB) and its time, then the same file imported again (nothing changes).

    .venv/bin/python bench/register_import.py [--rows 150000]

The file is written in the official layout (clea_intake.samples.registers, the tests' writer), put in a moto
server's bucket, and the handler runs in a fresh interpreter per run, as a Lambda container starts: the peak
resident set (VmHWM, see peak_rss_kb) is that process's alone, moto's memory is the server's.
"""

from __future__ import annotations

import argparse
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
BUDGET_MB = 256


def rows(count: int):
    """Distinct organisations across the departments, a tenth not Qualiopi, a twentieth outside the region."""
    from clea_intake.samples.registers import of_row

    for n in range(count):
        region = "75" if n % 20 else "11"
        yield of_row(f"{n % 95 + 1:02d}{n:09d}", f"{n:09d}", qualiopi=bool(n % 10), region=region,
                     postal=f"{n % 95 + 1:02d}{n % 1000:03d}", name=f"Organisme de formation n° {n}")


def event(etag: str) -> dict:
    detail = {"version": "0", "bucket": {"name": BUCKET},
              "object": {"key": KEY, "etag": etag, "sequencer": "00617F08299329D189"}, "reason": "PutObject",
              "request-id": "bench", "requester": "123456789012"}
    body = {"version": "0", "id": "bench", "detail-type": "Object Created", "source": "aws.s3",
            "account": "123456789012", "time": "2026-02-16T06:00:00Z", "region": REGION,
            "resources": [f"arn:aws:s3:::{BUCKET}"], "detail": detail}
    return {"Records": [{"messageId": "bench-1", "receiptHandle": "r", "body": json.dumps(body), "attributes": {
        "ApproximateReceiveCount": "1", "SentTimestamp": "0", "SenderId": "bench",
        "ApproximateFirstReceiveTimestamp": "0"}, "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:{REGION}:123456789012:bench-registers", "awsRegion": REGION}]}


def child(etag: str) -> None:
    """One function run: the handler as Lambda calls it, then this process's peak memory."""
    sys.path.insert(0, str(ROOT / "functions" / "import_register"))
    started = time.perf_counter()
    from app import lambda_handler  # functions/import_register/app.py

    class Context:
        function_name, memory_limit_in_mb, aws_request_id = "import-register", BUDGET_MB, "bench"
        invoked_function_arn = f"arn:aws:lambda:{REGION}:123456789012:function:import-register"

    response = lambda_handler(event(etag), Context())
    peak_kb = peak_rss_kb()
    print(json.dumps({"response": response, "seconds": round(time.perf_counter() - started, 1),
                      "peak_rss_mb": round(peak_kb / 1024, 1)}))


def peak_rss_kb() -> int:
    """This process's peak resident set, in kB: VmHWM, the high-water mark of its own address space.

    resource.getrusage(RUSAGE_SELF).ru_maxrss is not used alone: Linux carries over into it the resident set
    of the address space the process had before exec, here the benchmark's parent holding the moto server's
    items, and would report the parent's memory. ru_maxrss is the fallback where /proc is absent."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def register_items(dynamodb) -> int:
    """Register items in the table (the benchmark may scan moto; the running system never scans)."""
    total, start = 0, None
    while True:
        page = dynamodb.scan(TableName=TABLE, Select="COUNT", FilterExpression="begins_with(pk, :p)",
                             ExpressionAttributeValues={":p": {"S": "REGISTER#"}},
                             **({"ExclusiveStartKey": start} if start else {}))
        total += page["Count"]
        start = page.get("LastEvaluatedKey")
        if not start:
            return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=150_000)
    parser.add_argument("--child", metavar="ETAG", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return 0

    import boto3
    from moto.server import ThreadedMotoServer

    from clea_intake.local.resources import create_cases_table
    from clea_intake.samples.registers import OF_HEADER, write_register

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
    try:
        create_cases_table(TABLE)
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "organismes-formation.csv"
            size = write_register(path, OF_HEADER, rows(args.rows), ";")
            s3.upload_file(str(path), BUCKET, KEY)
        etag = s3.head_object(Bucket=BUCKET, Key=KEY)["ETag"].strip('"')
        print(f"file: {args.rows} rows, {size / 1e6:.1f} MB, s3://{BUCKET}/{KEY}")
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        runs = []
        for label in ("import", "re-import"):
            done = subprocess.run([sys.executable, __file__, "--child", etag], env=env, capture_output=True,
                                  text=True, check=False)
            if done.returncode != 0:
                print(done.stdout[-2000:], done.stderr[-4000:], file=sys.stderr)
                return 1
            report = json.loads(done.stdout.strip().splitlines()[-1])
            report["items"] = register_items(dynamodb)
            runs.append(report)
            print(f"{label}: {report['seconds']} s, peak RSS {report['peak_rss_mb']} MB, "
                  f"failures {report['response'].get('batchItemFailures')}, register items {report['items']}")
        first, again = runs
        within = first["peak_rss_mb"] < BUDGET_MB and again["peak_rss_mb"] < BUDGET_MB
        unchanged = again["items"] == first["items"] and not again["response"].get("batchItemFailures")
        print(f"peak RSS under {BUDGET_MB} MB: {'yes' if within else 'NO'}; "
              f"re-import changes nothing: {'yes' if unchanged else 'NO'}")
        return 0 if within and unchanged else 1
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())

"""What the handlers ask of AWS during a season on the local stack, counted through boto3's event hooks.

One `Meter` per process. Every AWS call is attributed to whoever made it: the function whose handler is running
on the calling thread (the stack's Dispatcher.invoke is wrapped), else the platform's or an agent's act (set by
the season around each action), else moto's own Step Functions executor (its Lambda invokes). Calls that only
the local harness makes (listing executions to know when the stack is quiet, empty queue polls) are not AWS
work and are counted apart.

Counting rules, each one stated where it is applied:
- DynamoDB request units from item sizes (AWS's rules: writes per started 1 KB, ×2 in a transaction; reads per
  started 4 KB, halved when eventually consistent, summed over a Query's items), plus one write of the same
  size in the cases-by-state GSI for every write of an item that carries the GSI key.
- S3 requests by class: PUT/COPY/POST/LIST and GET/HEAD.
- KMS, an upper bound: one request per S3 object request, per SQS send/receive, per SSM SecureString read and per
  DynamoDB request (the bucket key, the SQS data key reuse period and DynamoDB's table key cache make the real
  count far lower).
- CloudWatch log bytes: every byte the handlers write to stdout (Powertools' JSON log lines and EMF metrics), plus
  Lambda's own START/END/REPORT lines (about 300 bytes) per invocation.
- Textract pages: every page the pipeline sends to OCR (locally Tesseract; on AWS, DetectDocumentText).
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

CASE_ID = re.compile(r"NA-CLEA-\d{4}-\d{6}")
LAMBDA_PLATFORM_LOG_BYTES = 300  # START, END and REPORT lines of one invocation
S3_WRITE_OPS = {"PutObject", "CopyObject", "PostObject", "ListObjects", "ListObjectsV2", "ListObjectVersions",
                "CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload", "PutObjectTagging",
                "PutObjectRetention", "PutObjectLegalHold", "DeleteObjects"}
S3_FREE_OPS = {"DeleteObject"}


_WIRE_TYPES = {"S", "N", "B", "BOOL", "NULL", "SS", "NS", "BS", "L", "M"}


def ddb_size(value: Any) -> int:
    """The size DynamoDB bills for one attribute value, in its wire format (DynamoDB JSON) or as boto3's resource
    gives it back (Python values: the resource turns the response into them before later hooks see it)."""
    if not (isinstance(value, dict) and len(value) == 1 and next(iter(value)) in _WIRE_TYPES):
        return _python_size(value)
    (kind, inner), = value.items()
    if kind == "S":
        return len(inner.encode())
    if kind == "N":
        return len(inner.lstrip("-").replace(".", "")) // 2 + 2
    if kind == "B":
        return len(inner) if isinstance(inner, bytes) else len(inner.encode())
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(s.encode()) for s in inner)
    if kind == "NS":
        return sum(len(n) // 2 + 2 for n in inner)
    if kind == "BS":
        return sum(len(b) for b in inner)
    if kind == "L":
        return 3 + sum(1 + ddb_size(v) for v in inner)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + ddb_size(v) for k, v in inner.items())
    return 0


def _python_size(value: Any) -> int:
    if value is None or isinstance(value, bool):
        return 1
    if isinstance(value, str):
        return len(value.encode())
    if isinstance(value, bytes | bytearray):
        return len(value)
    if isinstance(value, int | float) or type(value).__name__ == "Decimal":
        return len(str(value).lstrip("-").replace(".", "")) // 2 + 2
    if isinstance(value, dict):
        return 3 + sum(1 + len(str(k).encode()) + ddb_size(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return 3 + sum(1 + ddb_size(v) for v in value)
    if isinstance(value, set | frozenset):
        return sum(_python_size(v) for v in value)
    return len(str(value).encode())


def item_size(item: dict[str, Any] | None) -> int:
    return sum(len(name.encode()) + ddb_size(value) for name, value in (item or {}).items())


def write_units(size: int) -> int:
    return max(1, math.ceil(size / 1024))


def read_units(size: int, consistent: bool) -> float:
    units = max(1, math.ceil(size / 4096))
    return units if consistent else units / 2


@dataclass
class Invocation:
    function: str
    seconds: float
    cpu_seconds: float
    cases: tuple[str, ...]
    at: float  # the simulated clock's epoch seconds when the invocation started


@dataclass
class Meter:
    """Counts of one process; `merge` adds another process's (the season runs in shards)."""

    calls: Counter = field(default_factory=Counter)          # (who, service, operation) -> n
    harness: Counter = field(default_factory=Counter)        # (service, operation) -> n, not AWS work
    rru: Counter = field(default_factory=Counter)            # who -> read request units
    wru: Counter = field(default_factory=Counter)            # who -> write request units
    kms: Counter = field(default_factory=Counter)            # who -> KMS requests (upper bound)
    log_bytes: Counter = field(default_factory=Counter)      # who -> bytes written to CloudWatch Logs
    ses_bytes: int = 0
    textract_pages: int = 0
    eventbridge_events: int = 0
    state_transitions: int = 0
    executions: int = 0
    scans: list[str] = field(default_factory=list)
    invocations: list[Invocation] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._local = threading.local()
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k not in ("_local", "_lock")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.__post_init__()

    def merge(self, other: Meter) -> None:
        for name in ("calls", "harness", "rru", "wru", "kms", "log_bytes"):
            getattr(self, name).update(getattr(other, name))
        for name in ("ses_bytes", "textract_pages", "eventbridge_events", "state_transitions", "executions"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.scans += other.scans
        self.invocations += other.invocations

    # -- who is calling ------------------------------------------------------------------------
    @property
    def who(self) -> str | None:
        return getattr(self._local, "who", None)

    def acting(self, who: str | None) -> None:
        self._local.who = who

    def wrap_invoke(self, dispatcher: Any) -> None:
        """Each handler call: the function is the caller of the AWS calls it makes; its duration is measured."""
        from clea_intake import clock

        original = dispatcher.invoke
        meter = self

        def invoke(folder: str, event: dict) -> Any:
            before = meter.who
            meter.acting(folder)
            started, cpu = time.perf_counter(), time.thread_time()
            at = clock.now().timestamp()
            try:
                return original(folder, event)
            finally:
                seconds, cpu_seconds = time.perf_counter() - started, time.thread_time() - cpu
                cases = tuple(sorted(set(CASE_ID.findall(repr(event)))))
                with meter._lock:
                    meter.invocations.append(Invocation(folder, seconds, cpu_seconds, cases, at))
                    meter.log_bytes[folder] += LAMBDA_PLATFORM_LOG_BYTES
                meter.acting(before)

        dispatcher.invoke = invoke

    # -- boto3's hooks -------------------------------------------------------------------------
    def install(self, session: Any) -> None:
        """Register on the boto3 session every client of the stack is created from."""
        session.events.register("after-call", self._after_call)

    def _after_call(self, http_response: Any = None, parsed: Any = None, model: Any = None,
                    context: Any = None, event_name: str = "", **kwargs: Any) -> None:
        service = model.service_model.service_name if model is not None else event_name.split(".")[1]
        operation = model.name if model is not None else event_name.split(".")[-1]
        params = (context or {}).get("meter_params") or {}
        who = self.who
        with self._lock:
            if who == "aws":
                # AWS's own work played by the local stack (S3's lifecycle run, DynamoDB's TTL): no request billed.
                self.harness[(service, operation)] += 1
                return
            if service == "stepfunctions" and operation in ("ListExecutions", "GetExecutionHistory",
                                                            "DescribeExecution") and who in (None, "platform", "agent"):
                self.harness[(service, operation)] += 1
                return
            if service == "sqs" and operation == "ReceiveMessage" and not (parsed or {}).get("Messages"):
                # An empty poll: the local pump's; Lambda's pollers long-poll at a fixed cost (README).
                self.harness[(service, operation)] += 1
                return
            if service == "lambda" and who is None:
                who = "states"
            elif service == "sqs" and who in (None, "platform", "agent"):
                who = "event source mapping"
            who = who or "platform"
            self.calls[(who, service, operation)] += 1
            if operation == "Scan":
                self.scans.append(f"{who}: {service}.{operation}")
            if service == "dynamodb":
                self.kms[who] += 1
                self._capacity(who, operation, params, parsed or {})
            elif service == "s3" and operation not in S3_FREE_OPS:
                self.kms[who] += 1
            elif service == "sqs" and operation in ("SendMessage", "SendMessageBatch", "ReceiveMessage"):
                self.kms[who] += 1
            elif service == "ssm" and operation == "GetParameter":
                self.kms[who] += 1

    def remember_params(self, params: dict, context: dict, **kwargs: Any) -> None:
        """The request as DynamoDB receives it (its JSON body: typed values), for the sizes of what it writes."""
        import json

        body = params.get("body")
        try:
            context["meter_params"] = json.loads(body) if body else {}
        except (TypeError, ValueError):
            context["meter_params"] = {}

    def install_params(self, session: Any) -> None:
        session.events.register("before-call.dynamodb", self.remember_params)

    def _capacity(self, who: str, operation: str, params: dict, parsed: dict) -> None:
        """DynamoDB request units from the sizes of the items read and written (see the module's rules)."""
        consistent = bool(params.get("ConsistentRead"))
        if operation == "GetItem":
            self.rru[who] += read_units(item_size(parsed.get("Item")), consistent)
        elif operation == "Query":
            self.rru[who] += read_units(sum(item_size(i) for i in parsed.get("Items", [])), consistent)
        elif operation == "BatchGetItem":
            for items in parsed.get("Responses", {}).values():
                self.rru[who] += sum(read_units(item_size(i), consistent) for i in items)
        elif operation == "TransactGetItems":
            self.rru[who] += sum(2 * read_units(item_size(r.get("Item")), True) for r in parsed.get("Responses", []))
        elif operation == "PutItem":
            self._write(who, params.get("TableName"), params.get("Item"), 1)
        elif operation in ("UpdateItem", "DeleteItem"):
            self._write(who, params.get("TableName"), self._stored(params.get("TableName"), params.get("Key")), 1,
                        minimum=params.get("Key"))
        elif operation == "BatchWriteItem":
            for table, requests in params.get("RequestItems", {}).items():
                for request in requests:
                    put = request.get("PutRequest", {}).get("Item")
                    self._write(who, table, put or request.get("DeleteRequest", {}).get("Key"), 1)
        elif operation == "TransactWriteItems":
            for entry in params.get("TransactItems", []):
                (kind, body), = entry.items()
                if kind == "Put":
                    self._write(who, body.get("TableName"), body.get("Item"), 2)
                elif kind == "ConditionCheck":
                    self.rru[who] += 2 * read_units(item_size(body.get("Key")), True)
                else:
                    self._write(who, body.get("TableName"), self._stored(body.get("TableName"), body.get("Key")), 2,
                                minimum=body.get("Key"))

    def _write(self, who: str, table: str | None, item: dict | None, factor: int, minimum: dict | None = None) -> None:
        size = max(item_size(item), item_size(minimum))
        self.wru[who] += factor * write_units(size)
        if item and "gsi1pk" in item:
            self.wru[who] += write_units(size)  # the cases-by-state index's copy of the item

    @staticmethod
    def _stored(table: str | None, key: dict | None) -> dict | None:
        """The item as moto holds it after an update (its size is what the write is billed on)."""
        if not table or not key:
            return None
        try:
            from moto.dynamodb.models import dynamodb_backends
            from moto.dynamodb.models.dynamo_type import DynamoType

            backend = dynamodb_backends["123456789012"]["eu-west-3"]
            stored = backend.get_table(table).get_item(DynamoType(key["pk"]), DynamoType(key["sk"]) if "sk" in key
                                                       else None)
            return stored.to_json()["Attributes"] if stored is not None else None
        except Exception:  # the item is gone (a delete): its key's size is counted
            return None

    # -- what moto keeps, counted and then released --------------------------------------------
    def collect(self, release: bool) -> None:
        """Count the finished executions' state transitions and the e-mails sent; with `release`, let moto forget
        them (the season only reads cases back from DynamoDB), and the superseded S3 object versions."""
        from moto.ses.models import ses_backends
        from moto.stepfunctions.parser.models import stepfunctions_parser_backends

        backend = stepfunctions_parser_backends["123456789012"]["eu-west-3"]
        for machine in backend.state_machines:
            keep = []
            for execution in machine.executions:
                if str(execution.status) in ("RUNNING", "ExecutionStatus.RUNNING"):
                    keep.append(execution)
                    continue
                events = execution.to_history_output()["events"]
                self.executions += 1
                self.state_transitions += sum(1 for e in events if str(e["type"]).endswith("StateEntered"))
                if not release:
                    keep.append(execution)
            machine.executions[:] = keep
        ses = ses_backends["123456789012"]["eu-west-3"]
        for message in ses.sent_messages[getattr(self, "_ses_seen", 0):]:
            self.ses_bytes += len(getattr(message, "raw_data", "") or "")
        if release:
            ses.sent_messages.clear()
            self._ses_seen = 0
        else:
            self._ses_seen = len(ses.sent_messages)
        if release:
            release_versions()


def release_versions() -> int:
    """Dispose of every S3 object version that a newer one replaced: moto keeps each body in memory."""
    from moto.s3.models import s3_backends

    released = 0
    for bucket in s3_backends["123456789012"]["aws"].buckets.values():
        for name, versions in list(bucket.keys.iterlists()):
            if len(versions) > 1:
                for old in versions[:-1]:
                    old.dispose()
                    released += 1
                bucket.keys.setlist(name, versions[-1:])
    return released


def lambda_stats(invocations: list[Invocation]) -> dict[str, dict[str, float]]:
    by: dict[str, list[Invocation]] = defaultdict(list)
    for inv in invocations:
        by[inv.function].append(inv)
    out = {}
    for function, calls in sorted(by.items()):
        durations = sorted(c.seconds for c in calls)
        out[function] = {"invocations": len(calls), "seconds": sum(durations),
                         "cpu_seconds": sum(c.cpu_seconds for c in calls),
                         "median_s": durations[len(durations) // 2], "p95_s": durations[int(0.95 * (len(durations) - 1))],
                         "max_s": durations[-1]}
    return out


class TextractStandIn:
    """Stands in for Amazon Textract on the local stack: Tesseract reads, every call is counted as one
    DetectDocumentText page (an upper bound: the MRZ re-read of a cropped band is a call of its own) and may
    wait `latency` seconds, as a call to the service would.

    Not Tesseract's own class, so the document sandbox calls it back in the handler's process, as it calls
    Textract there (documents.sandbox): the count and the wait happen where they would on AWS.

    Tesseract is kept loaded (documents.tesseract_engine, as a sandbox worker keeps it) when tesserocr is
    installed: one engine process and one connection for this process's handlers, one page at a time; the
    command otherwise, or once the engine failed. Either reads a page into the same text."""

    def __init__(self, on_page: Any, latency: float = 0.0) -> None:
        from clea_intake.documents import tesseract_engine
        from clea_intake.documents.ocr import TesseractOcr
        from clea_intake.domain.policy import current_policy

        self._command = TesseractOcr()
        self._on_page = on_page
        self._latency = latency
        self._lock = threading.Lock()
        self._channel: Any = None
        self._loaded = (tesseract_engine.EngineProcess(current_policy().sandbox.max_memory_mb)
                        if tesseract_engine.available() else None)

    def _page(self) -> None:
        self._on_page()
        if self._latency:
            time.sleep(self._latency)

    def _read(self, image: Any, method: str, lang: str) -> str:
        from clea_intake.documents import tesseract_engine
        from clea_intake.domain.errors import OcrUnavailable

        self._page()
        with self._lock:
            if self._channel is None and self._loaded is not None:  # None again once the engine is disabled
                self._channel = self._loaded.channel()
            if self._channel is not None:
                try:
                    return tesseract_engine.recognize(self._channel, image, method, lang, self._command.timeout_s)
                except OcrUnavailable:
                    self._channel.close()
                    self._channel = None  # a new connection (the engine started again) for the next page
                    raise
        return getattr(self._command, method)(image)

    def image_text(self, image: Any) -> str:
        return self._read(image, "image_text", self._command.lang)

    def layout_text(self, image: Any) -> str:
        return self._read(image, "layout_text", self._command.lang)

    def mrz_text(self, image: Any) -> str:
        return self._read(image, "mrz_text", "eng")

    def install(self) -> None:
        """Make it the OCR provider every handler's ports get (runtime.ocr), until `uninstall()`."""
        import functools

        from clea_intake import runtime

        self._original = runtime.ocr
        runtime.ocr = functools.cache(lambda: self)

    def uninstall(self) -> None:
        from clea_intake import runtime

        runtime.ocr = self._original
        with self._lock:
            if self._channel is not None:
                self._channel.close()
                self._channel = None
            if self._loaded is not None:
                self._loaded.stop()

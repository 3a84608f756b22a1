"""What every Lambda function shares: Powertools utilities, the ports (built once per container), event parsing."""

from __future__ import annotations

import functools
import gc
import time
import warnings
from dataclasses import dataclass
from datetime import datetime

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from pydantic import BaseModel, ConfigDict, Field

import clea_intake
from clea_intake.adapters.repository import Repository, dynamo_repository
from clea_intake.adapters.storage import decode_key, head_object
from clea_intake.domain.case import Case, TimelineEvent
from clea_intake.domain.policy import Policy
from clea_intake.domain.records import CaseSummary
from clea_intake.services.metrics import metrics
from clea_intake.services.ports import Ports
from clea_intake.settings import Settings, settings

# Business metrics are emitted one by one (single_metric), so an empty end-of-invocation flush is normal.
warnings.filterwarnings("ignore", message="No application metrics to publish")

logger = Logger(service="clea-intake")
# Tracing is Lambda's own active tracing (template.yaml, Globals: Tracing: Active): each invocation is a
# segment with its duration and errors, and no X-Ray SDK is imported on the cold path (about 130 ms of
# imports, a third of the handler's).
processor = BatchProcessor(event_type=EventType.SQS)

__all__ = ["logger", "metrics", "processor", "process_batch", "ports", "aws_ports", "repo", "cfg", "ocr",
           "s3_object_of", "TaskInput", "S3Object", "Deferred", "TimeBudget", "prepare", "CASE_MODELS"]

# What almost every function's first call validates or dumps: a case read and written back with its event and
# its summary, under the policy.
CASE_MODELS: tuple[type[BaseModel], ...] = (Case, TimelineEvent, CaseSummary, Policy)


def prepare(*models: type[BaseModel]) -> None:
    """Build now, at import, the validators and serializers of the models this function's first call uses.

    The package's models are built on first use (`defer_build`): a function so pays at import for the models
    on its first call's path, listed in its app.py, and never for those of the other functions (the console's
    bodies, the registers', the letters')."""
    for model in models:
        model.model_rebuild()
    if clea_intake.ON_LAMBDA and not gc.isenabled():
        # The init is over: its objects (modules, classes, built models) are moved out of the collector's reach
        # for good, and the collector, off since the package's import (clea_intake/__init__.py), runs again.
        # Not elsewhere: a local stack loads every handler into one process that goes on living.
        gc.freeze()
        gc.enable()


def cfg() -> Settings:
    return settings()


@functools.cache
def repo() -> Repository:
    return dynamo_repository(settings().table_name)


def aws_ports(repository: Repository | None = None, config: Settings | None = None, ocr_provider=None) -> Ports:
    """The ports on AWS: DynamoDB, S3, Step Functions, SES, SSM; the deployment's table and settings by default."""
    from clea_intake.adapters.mailer import SesMailer
    from clea_intake.adapters.secrets import SsmSecrets
    from clea_intake.adapters.storage import S3Storage
    from clea_intake.adapters.workflow import StepFunctionsWorkflow

    config = config or settings()
    return Ports(repository=repository or dynamo_repository(config.table_name), storage=S3Storage(),
                 workflow=StepFunctionsWorkflow(), mailer=SesMailer(), secrets=SsmSecrets(), settings=config,
                 ocr=ocr_provider)


@functools.cache
def ports() -> Ports:
    """This container's ports, built at the first invocation and kept for the next ones."""
    return aws_ports(repo(), settings(), ocr())


def reset() -> None:
    repo.cache_clear()
    ports.cache_clear()
    ocr.cache_clear()


class TaskInput(BaseModel):
    """The payload a Step Functions task sends to its function."""

    model_config = ConfigDict(extra="ignore")

    case_id: str = Field(pattern=r"^NA-CLEA-\d{4}-\d{6}$")
    step: str | None = None
    token: str | None = None
    error: str | None = None          # the failed step's error name, for the "failed" step


@dataclass(frozen=True)
class S3Object:
    """One object version an event speaks of: its ETag and version id, and its order among the key's versions
    (the event's sequencer; the object's LastModified when the event has none)."""

    bucket: str
    key: str
    etag: str
    version_id: str | None
    sequencer: str | None = None
    last_modified: datetime | None = None
    uploaded_at: datetime | None = None  # the event's time: when the platform dropped the object


class _Bucket(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: str


class _Object(BaseModel):
    model_config = ConfigDict(extra="ignore")
    key: str
    etag: str | None = None
    version_id: str | None = Field(default=None, alias="version-id")
    sequencer: str | None = None


class _Detail(BaseModel):
    model_config = ConfigDict(extra="ignore")
    bucket: _Bucket
    object: _Object


class ObjectCreatedEvent(BaseModel):
    """What the functions read of EventBridge's S3 "Object Created" event (the rest is ignored). Powertools'
    parser models would do, but importing them imports every model of every event source."""

    model_config = ConfigDict(extra="ignore")
    detail: _Detail
    time: datetime | None = None  # when S3 emitted the event: the object's upload


def s3_object_of(record: SQSRecord) -> S3Object | None:
    """The S3 object an SQS record carries (an EventBridge 'Object Created' event); None for a test event.

    Nothing is defaulted: an event without the ETag or the sequencer is completed by a HEAD of the object
    (of its version when the event names one).
    """
    body = record.json_body
    if isinstance(body, dict) and body.get("Event") == "s3:TestEvent":
        return None
    event = ObjectCreatedEvent.model_validate(body)
    detail = event.detail
    bucket, key = detail.bucket.name, decode_key(detail.object.key)
    etag = (detail.object.etag or "").strip('"')
    version_id = detail.object.version_id or None
    sequencer = detail.object.sequencer or None
    last_modified = None
    if not etag or not sequencer:
        head = head_object(bucket, key, version_id)
        etag, version_id, last_modified = etag or head.etag, version_id or head.version_id, head.last_modified
    return S3Object(bucket=bucket, key=key, etag=etag, version_id=version_id, sequencer=sequencer,
                    last_modified=last_modified, uploaded_at=event.time)


class Deferred(Exception):  # noqa: N818 - a record put back, not an error of the record
    """Too little of the invocation's time was left to start this record: it goes back to the queue untouched,
    as a batch item failure, rather than being cut off half-way by the Lambda timeout."""


# Never start a record with less than this left, nor with less than a tenth of the time the batch began with.
MIN_RESERVE_MS = 5_000
# ... nor with less than this many times the longest record of the batch so far.
RESERVE_FACTOR = 1.5


class TimeBudget:
    """What is left of one invocation (context.get_remaining_time_in_millis()), checked before each record."""

    def __init__(self, context: object) -> None:
        self._remaining = getattr(context, "get_remaining_time_in_millis", None)
        at_start = self.remaining_ms()
        self.floor_ms = max(MIN_RESERVE_MS, (at_start or 0) // 10)
        self.longest_ms = 0.0
        self.exhausted = False
        self._last_call: float | None = None

    def remaining_ms(self) -> int | None:
        return int(self._remaining()) if callable(self._remaining) else None

    def allows_next(self) -> bool:
        """False, and False for every later record of the batch, once the next record might not finish."""
        if not self.exhausted:
            remaining = self.remaining_ms()
            reserve = max(self.floor_ms, RESERVE_FACTOR * self.longest_ms)
            self.exhausted = remaining is not None and remaining < reserve
        return not self.exhausted

    def took(self, started: float) -> None:
        self.longest_ms = max(self.longest_ms, (time.monotonic() - started) * 1000)

    def has_time(self) -> bool:
        """allows_next() for a loop that asks before each item: the time since its previous question is
        counted as one item's (the sweeper's cases)."""
        now = time.monotonic()
        if self._last_call is not None:
            self.took(self._last_call)
        self._last_call = now
        return self.allows_next()


def process_batch(event: dict, context: object, record_handler, function: str) -> dict:
    """Process an SQS batch record by record; failed records go back to the queue and are counted.

    Every SQS-fed function goes through here. A record that raises (a SystemFault such as OcrUnavailable,
    an AWS error whose botocore retries are spent) is a batch item failure: SQS delivers it again, and after
    the queue's maxReceiveCount it reaches the dead-letter queue, whose alarm fires. Records that the time
    left could not finish are put back the same way (Deferred), before they start.
    """
    from aws_lambda_powertools.utilities.batch import process_partial_response

    from clea_intake.services.metrics import count

    budget = TimeBudget(context)

    def counted(record):
        # Counted here, record by record: when every record fails, Powertools raises before returning.
        # A record put back for lack of time is a failed delivery too (HandlerFailure).
        started = time.monotonic()
        try:
            if not budget.allows_next():
                logger.warning("too little time left: record put back on the queue", function=function,
                               remaining_ms=budget.remaining_ms(), message_id=record.message_id)
                raise Deferred(function)
            try:
                return record_handler(record)
            finally:
                budget.took(started)
        except Exception:
            count("HandlerFailure", ("Function", function))
            raise

    return process_partial_response(event=event, record_handler=counted, processor=processor, context=context)


@functools.cache
def ocr():
    """The OCR provider of this deployment: Amazon Textract on AWS, Tesseract locally."""
    from clea_intake.documents import ocr as providers

    if settings().ocr_provider == "textract":
        from clea_intake.adapters.clients import client

        return providers.TextractOcr(connect=functools.partial(client, "textract"))
    return providers.TesseractOcr()

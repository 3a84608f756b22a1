"""The whole stack on moto in this process: S3 → EventBridge → SQS → handlers, the real ASL, a clock.

`LocalStack` is the one door; behind it each job has its module: `patches` (moto made to run the
deployed stack's way, with `s3_events` written as AWS writes them), `resources` (what template.yaml
creates), `dispatch` (the real handlers, invoked and fed by the queues), `platform` (uploads, submits,
e-mails, ticks) and `inspection` (reading back).
"""

from __future__ import annotations

import os
import sys
from datetime import datetime
from typing import Any

from clea_intake import clock, runtime, settings
from clea_intake.adapters import clients, secrets, workflow
from clea_intake.local.dispatch import (
    Dispatcher,
    LambdaContext,
    LineAtomicStdout,
    StackNotSettled,
    load_handler,
    sqs_record,
)
from clea_intake.local.inspection import Inspection
from clea_intake.local.names import StackNames
from clea_intake.local.patches import MOTO_CONFIG, MotoPatches, ScaledTime, start_mock, start_server
from clea_intake.local.platform import Platform
from clea_intake.local.resources import (
    create_cases_table,
    create_key_secret,
    create_resources,
    event_pattern,
    substitute,
)

__all__ = [
    "MOTO_CONFIG", "LambdaContext", "LocalStack", "ScaledTime", "StackNotSettled", "create_cases_table",
    "create_key_secret", "event_pattern", "load_handler", "sqs_record", "substitute",
]  # fmt: skip


class LocalStack:
    """Start with `with LocalStack() as stack:`; drive it through the platform's S3 keys and `settle()`."""

    def __init__(self, names: StackNames | None = None, *, retry_time_scale: float = 0.0,
                 settle_timeout: float = 120.0, server_port: int | None = None) -> None:
        self.names = names or StackNames()
        # In server mode moto listens on 127.0.0.1:server_port, so that the AWS CLI and SDKs reach it.
        self.server_port = server_port
        self._server = None
        # The deployed ASL retries after 1 s, 2 s, 4 s...; locally those waits are scaled (0 in tests).
        self.retry_time_scale = retry_time_scale
        self._mock = None
        self._stdout: LineAtomicStdout | None = None
        self._saved_env: dict[str, str | None] = {}
        self.dispatcher = Dispatcher(self.names, settle_timeout=settle_timeout)
        self.platform = Platform(self.names, self.dispatcher)
        self.inspection = Inspection(self.names)
        self._patches = MotoPatches(self.dispatcher.dispatch, retry_time_scale=retry_time_scale)
        self.queue_urls: dict[str, str] = self.dispatcher.queue_urls
        self.dlq_urls: dict[str, str] = self.inspection.dlq_urls

    # -- life cycle --------------------------------------------------------------------------
    def environment(self) -> dict[str, str]:
        return {
            "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": self.names.region, "AWS_REGION": self.names.region,
            "TABLE_NAME": self.names.table, "BUCKET_NAME": self.names.bucket,
            "BENEFICIARY_KEY_PARAMETER": self.names.beneficiary_key_parameter,
            "STATE_MACHINE_ARN": self.names.state_machine_arn, "OCR_PROVIDER": "tesseract",
            "POWERTOOLS_SERVICE_NAME": "clea-intake", "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_METRICS_DISABLED": os.environ.get("POWERTOOLS_METRICS_DISABLED", "true"),
            "POWERTOOLS_LOG_LEVEL": os.environ.get("POWERTOOLS_LOG_LEVEL", "WARNING"),
            "OMP_THREAD_LIMIT": "1",
            **({"AWS_ENDPOINT_URL": self.endpoint_url, "MOTO_PORT": str(self.server_port)} if self.server_port else {}),
        }

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"

    @property
    def settle_timeout(self) -> float:
        return self.dispatcher.settle_timeout

    def __enter__(self) -> LocalStack:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        for key in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "MOTO_PORT"):
            self._saved_env[key] = os.environ.pop(key, None)
        for key, value in self.environment().items():
            self._saved_env.setdefault(key, os.environ.get(key))
            os.environ[key] = value
        if self.server_port:
            self._server = start_server(self.server_port, self.endpoint_url)
        else:
            self._mock = start_mock()
        self._reset_caches()
        self._patches.apply()
        self._stdout = LineAtomicStdout(sys.stdout)
        sys.stdout = self._stdout
        workflow.resume_listeners.append(self.dispatcher.on_resume)
        try:
            self.create_resources()
        except BaseException:
            # Leave nothing patched or mocked behind: a half-started stack would poison the process.
            self.stop()
            raise

    def stop(self) -> None:
        self._patches.remove()
        if self._stdout is not None:
            self._stdout.flush()
            if sys.stdout is self._stdout:  # not if something replaced it since (a test's capture)
                sys.stdout = self._stdout.stream
            self._stdout = None
        if self.dispatcher.on_resume in workflow.resume_listeners:
            workflow.resume_listeners.remove(self.dispatcher.on_resume)
        if self._mock is not None:
            self._mock.stop()
            self._mock = None
        if self._server is not None:
            self._server.stop()
            self._server = None
        clock.set_now(None)
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._reset_caches()

    @staticmethod
    def _reset_caches() -> None:
        clients.reset()
        secrets.reset()
        settings.reset()
        runtime.reset()

    def create_resources(self) -> None:
        queue_urls, dlq_urls = create_resources(self.names)
        self.queue_urls.update(queue_urls)
        self.dlq_urls.update(dlq_urls)

    # -- the handlers ------------------------------------------------------------------------
    def handler(self, folder: str):
        return self.dispatcher.handler(folder)

    def invoke(self, folder: str, event: dict) -> Any:
        return self.dispatcher.invoke(folder, event)

    def pump(self) -> int:
        return self.dispatcher.pump()

    def settle(self, timeout: float | None = None) -> None:
        self.dispatcher.settle(timeout)

    # -- the platform's actions --------------------------------------------------------------
    def put(self, key: str, body: bytes, *, content_type: str = "application/octet-stream",
            metadata: dict[str, str] | None = None) -> None:
        self.platform.put(key, body, content_type=content_type, metadata=metadata)

    def upload_document(self, case_id: str, filename: str, data: bytes) -> str:
        return self.platform.upload_document(case_id, filename, data)

    def submit(self, application: dict | bytes) -> str:
        return self.platform.submit(application)

    def deliver_email(self, raw: bytes, message_id: str | None = None) -> str:
        return self.platform.deliver_email(raw, message_id)

    def record_suppliers(self, data: bytes, actor: str = "ops:suppliers") -> list:
        """The Région's supplier records (DESIGN §6 `evaluator`): trusted IBANs and registered addresses."""
        from clea_intake.services.evaluators import import_supplier_file

        return import_supplier_file(self.repo(), data, at=clock.now(), actor=actor)

    def set_time(self, moment: datetime) -> None:
        self.platform.set_time(moment)

    def tick(self, moment: datetime | None = None) -> Any:
        return self.platform.tick(moment)

    # -- reading back ------------------------------------------------------------------------
    def repo(self):
        return self.inspection.repo()

    def cfg(self):
        return self.inspection.cfg()

    def dead_letters(self) -> dict[str, int]:
        return self.inspection.dead_letters()

    def sent_emails(self) -> list[dict]:
        return self.inspection.sent_emails()

    def read_object(self, key: str) -> bytes:
        return self.inspection.read_object(key)

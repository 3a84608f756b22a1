"""What the world does to the stack: the platform files forms and pieces, mail arrives, the scheduler ticks."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from clea_intake import clock
from clea_intake.adapters import clients
from clea_intake.local.dispatch import Dispatcher
from clea_intake.local.expiry import run_expiry
from clea_intake.local.names import StackNames


class Platform:
    """The application platform, the inbound mail and EventBridge Scheduler, acting through S3 keys and the clock."""

    def __init__(self, names: StackNames, dispatcher: Dispatcher) -> None:
        self.names = names
        self.dispatcher = dispatcher

    def put(self, key: str, body: bytes, *, content_type: str = "application/octet-stream",
            metadata: dict[str, str] | None = None) -> None:
        clients.client("s3").put_object(Bucket=self.names.bucket, Key=key, Body=body, ContentType=content_type,
                                        Metadata=metadata or {})

    def upload_document(self, case_id: str, filename: str, data: bytes) -> str:
        key = f"applications/{case_id}/documents/{filename}"
        self.put(key, data)
        return key

    def submit(self, application: dict | bytes) -> str:
        body = application if isinstance(application, bytes) else json.dumps(application, ensure_ascii=False).encode()
        try:
            case_id = json.loads(body)["case_id"]
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError("the application has no case_id: the platform could not file it") from exc
        self.put(f"applications/{case_id}/application.json", body, content_type="application/json")
        return case_id

    def deliver_email(self, raw: bytes, message_id: str | None = None) -> str:
        key = f"inbound/{message_id or uuid.uuid4().hex}"
        self.put(key, raw, content_type="message/rfc822")
        return key

    def set_time(self, moment: datetime) -> None:
        clock.set_now(moment)

    def tick(self, moment: datetime | None = None) -> Any:
        """Run the deadline sweeper as EventBridge Scheduler would, at `moment`; S3's lifecycle rule and
        DynamoDB's TTL run first, as they have by then on AWS (local.expiry)."""
        if moment is not None:
            clock.set_now(moment)
        run_expiry(self.names.bucket, self.names.table, clock.now())
        result = self.dispatcher.invoke("sweep_deadlines", {"source": "aws.scheduler"})
        self.dispatcher.settle()
        return result

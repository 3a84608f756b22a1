"""What a test or a command reads back from the stack: records, dead letters, sent e-mails, stored objects."""

from __future__ import annotations

from clea_intake import runtime, settings
from clea_intake.adapters import clients
from clea_intake.local.names import StackNames


class Inspection:
    """Read-only views of the running stack."""

    def __init__(self, names: StackNames) -> None:
        self.names = names
        self.dlq_urls: dict[str, str] = {}

    def repo(self):
        return runtime.repo()

    def cfg(self):
        return settings.settings()

    def dead_letters(self) -> dict[str, int]:
        sqs = clients.client("sqs")
        counts = {}
        for queue, url in self.dlq_urls.items():
            attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
            counts[queue] = int(attrs["Attributes"]["ApproximateNumberOfMessages"])
        return counts

    def sent_emails(self) -> list[dict]:
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.ses.models import ses_backends

        backend = ses_backends[DEFAULT_ACCOUNT_ID][self.names.region]
        return [{"source": m.source, "destinations": m.destinations, "raw": m.raw_data}
                for m in backend.sent_messages]

    def read_object(self, key: str) -> bytes:
        return clients.client("s3").get_object(Bucket=self.names.bucket, Key=key)["Body"].read()

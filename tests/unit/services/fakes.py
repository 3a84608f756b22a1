"""In-memory fakes of every port (services.ports): the services run on them without AWS, moto or a network.

They live with the tests, not in the package: they are test doubles, so no runtime module can import them
and the Lambda layer never carries them. The repository fake is the real Repository over the in-memory
table twin of DynamoDB (adapters.table.InMemoryTable), so its conditions and transactions are the real ones.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage

from clea_intake.adapters.mailer import to_mime
from clea_intake.adapters.repository import memory_repository
from clea_intake.adapters.storage import StoredObject
from clea_intake.services.ports import Ports
from clea_intake.settings import Settings
from tests.conftest import TEST_KEY_SECRET


class FakeStorage:
    """Objects in a dict, keyed by (bucket, key); the last write wins, as on a bucket without versions."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], StoredObject] = {}
        self.tags: dict[tuple[str, str], dict[str, str]] = {}

    def get_object(self, bucket: str, key: str, version_id: str | None = None,
                   max_bytes: int | None = None) -> StoredObject:
        stored = self.objects[(bucket, key)]
        body = stored.body if max_bytes is None else stored.body[:max_bytes + 1]
        return StoredObject(bucket, key, stored.etag, stored.version_id, stored.size, body, stored.metadata)

    def iter_chunks(self, bucket: str, key: str, version_id: str | None = None,
                    chunk_size: int = 64 * 1024) -> Iterator[bytes]:
        body = self.objects[(bucket, key)].body
        for start in range(0, len(body), chunk_size):
            yield body[start:start + chunk_size]

    def put_object(self, bucket: str, key: str, body: bytes, *, content_type: str = "application/octet-stream",
                   metadata: dict[str, str] | None = None) -> str:
        etag = hashlib.md5(body, usedforsecurity=False).hexdigest()
        self.objects[(bucket, key)] = StoredObject(bucket, key, etag, None, len(body), body, dict(metadata or {}))
        return etag

    def put_new_object(self, bucket: str, key: str, body: bytes, *,
                       content_type: str = "application/octet-stream") -> bool:
        if (bucket, key) in self.objects:
            return False
        self.put_object(bucket, key, body, content_type=content_type)
        return True

    def exists(self, bucket: str, key: str) -> bool:
        return (bucket, key) in self.objects

    def list_keys(self, bucket: str, prefix: str) -> list[str]:
        return sorted(k for b, k in self.objects if b == bucket and k.startswith(prefix))

    def set_tags(self, bucket: str, key: str, tags: dict[str, str]) -> bool:
        if (bucket, key) not in self.objects:
            return False
        self.tags[(bucket, key)] = dict(tags)
        return True


@dataclass
class FakeWorkflow:
    """Records the executions started and the task tokens resumed, with their output."""

    started: list[str] = field(default_factory=list)
    resumed: list[tuple[str, str, dict]] = field(default_factory=list)

    def start_case(self, state_machine_arn: str, case_id: str) -> bool:
        if case_id in self.started:
            return False
        self.started.append(case_id)
        return True

    def resume(self, case_id: str, token: str, output: dict) -> bool:
        self.resumed.append((case_id, token, output))
        return True


@dataclass
class FakeMailer:
    """Composes the real MIME message and keeps it instead of sending it."""

    sent: list[EmailMessage] = field(default_factory=list)

    def to_mime(self, *args, **kwargs) -> EmailMessage:
        return to_mime(*args, **kwargs)

    def send(self, message: EmailMessage) -> str:
        self.sent.append(message)
        return f"fake-{len(self.sent)}"


class FakeSecrets:
    def beneficiary_secret(self) -> bytes:
        return TEST_KEY_SECRET


class FakeOcr:
    """An OCR provider that reads the same text on every page."""

    def __init__(self, text: str = "") -> None:
        self.text = text

    def image_text(self, image) -> str:
        return self.text


def fake_ports(**settings: str) -> Ports:
    """Ports on fakes only: a fresh in-memory repository, bucket, workflow, mailbox and secret."""
    config = Settings(table_name="cases", bucket_name="bucket", state_machine_arn="arn:aws:states:fake", **settings)
    return Ports(repository=memory_repository(), storage=FakeStorage(), workflow=FakeWorkflow(),
                 mailer=FakeMailer(), secrets=FakeSecrets(), settings=config, ocr=FakeOcr())

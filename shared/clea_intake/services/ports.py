"""What services need from the outside world, passed in as one object built once per container.

Every port is a small protocol: runtime.py gives the AWS adapters (DynamoDB, S3, Step Functions, SES, SSM,
Textract or Tesseract), tests give in-memory fakes. No service reaches for a module-level client.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from typing import TYPE_CHECKING, Protocol

from clea_intake.adapters.repository import Repository
from clea_intake.adapters.storage import StoredObject
from clea_intake.settings import Settings

if TYPE_CHECKING:  # the document pipeline's: imported by the functions that read documents, not by every one
    from clea_intake.documents.ocr import OcrProvider


class Storage(Protocol):
    def get_object(self, bucket: str, key: str, version_id: str | None = None,
                   max_bytes: int | None = None) -> StoredObject: ...
    def iter_chunks(self, bucket: str, key: str, version_id: str | None = None) -> Iterator[bytes]: ...
    def put_object(self, bucket: str, key: str, body: bytes, *, content_type: str = ...,
                   metadata: dict[str, str] | None = None) -> str: ...
    def put_new_object(self, bucket: str, key: str, body: bytes, *, content_type: str = ...) -> bool: ...
    def exists(self, bucket: str, key: str) -> bool: ...
    def list_keys(self, bucket: str, prefix: str) -> list[str]: ...
    def set_tags(self, bucket: str, key: str, tags: dict[str, str]) -> bool: ...


class Workflow(Protocol):
    def start_case(self, state_machine_arn: str, case_id: str) -> bool: ...
    def resume(self, case_id: str, token: str, output: dict) -> bool: ...


class Mailer(Protocol):
    def to_mime(self, sender: str, to: list[str], subject: str, text: str, html: str,
                attachments: list[tuple[str, str, bytes]], reply_to: str | None = None) -> EmailMessage: ...
    def send(self, message: EmailMessage) -> str: ...


class Secrets(Protocol):
    def beneficiary_secret(self) -> bytes: ...


@dataclass(frozen=True)
class Ports:
    repository: Repository
    storage: Storage
    workflow: Workflow
    mailer: Mailer
    secrets: Secrets
    settings: Settings
    ocr: OcrProvider | None = None    # None: the document pipeline's default (Tesseract)

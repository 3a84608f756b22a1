"""S3 objects: read what the platform and SES wrote, write claim attachments and exports."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import unquote_plus

from botocore.exceptions import ClientError

from clea_intake.adapters.clients import client


@dataclass(frozen=True)
class StoredObject:
    bucket: str
    key: str
    etag: str
    version_id: str | None
    size: int
    body: bytes
    metadata: dict[str, str]
    last_modified: datetime | None = None


@dataclass(frozen=True)
class ObjectHead:
    """What HEAD says of an object version: its ETag, version id and last modification."""

    etag: str
    version_id: str | None
    last_modified: datetime | None


def decode_key(raw_key: str) -> str:
    """S3 event keys are URL-encoded (spaces as '+'); decode them once, at the edge."""
    return unquote_plus(raw_key)


def get_object(bucket: str, key: str, version_id: str | None = None, max_bytes: int | None = None) -> StoredObject:
    kwargs = {"Bucket": bucket, "Key": key}
    if version_id:
        kwargs["VersionId"] = version_id
    if max_bytes is not None:
        # Read one byte more than allowed so that an oversized file is detected without loading it all.
        kwargs["Range"] = f"bytes=0-{max_bytes}"
    response = client("s3").get_object(**kwargs)
    size = int(response.get("ContentRange", "/0").rsplit("/", 1)[-1] or 0) or response["ContentLength"]
    return StoredObject(bucket=bucket, key=key, etag=response["ETag"].strip('"'),
                        version_id=response.get("VersionId"), size=size, body=response["Body"].read(),
                        metadata=response.get("Metadata", {}), last_modified=response.get("LastModified"))


def head_object(bucket: str, key: str, version_id: str | None = None) -> ObjectHead:
    kwargs = {"Bucket": bucket, "Key": key, **({"VersionId": version_id} if version_id else {})}
    response = client("s3").head_object(**kwargs)
    return ObjectHead(etag=response["ETag"].strip('"'), version_id=response.get("VersionId"),
                      last_modified=response.get("LastModified"))


def iter_chunks(bucket: str, key: str, version_id: str | None = None, chunk_size: int = 1 << 20) -> Iterator[bytes]:
    """The object's bytes in chunks, read from the stream as they are asked for: never the whole file in memory."""
    kwargs = {"Bucket": bucket, "Key": key}
    if version_id:
        kwargs["VersionId"] = version_id
    body = client("s3").get_object(**kwargs)["Body"]
    try:
        yield from body.iter_chunks(chunk_size)
    finally:
        body.close()


def put_object(bucket: str, key: str, body: bytes, *, content_type: str = "application/octet-stream",
               metadata: dict[str, str] | None = None) -> str:
    response = client("s3").put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type,
                                       Metadata=metadata or {})
    return response["ETag"].strip('"')


def put_new_object(bucket: str, key: str, body: bytes, *, content_type: str = "application/octet-stream") -> bool:
    """Write `key` only if no object is there (S3 conditional write); False when one is."""
    try:
        client("s3").put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type, IfNoneMatch="*")
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("PreconditionFailed", "412", "ConditionalRequestConflict"):
            return False
        raise
    return True


def exists(bucket: str, key: str) -> bool:
    try:
        client("s3").head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return False
        raise
    return True


def list_keys(bucket: str, prefix: str) -> list[str]:
    """The current objects' keys under `prefix` (every page)."""
    keys: list[str] = []
    for page in client("s3").get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys.extend(entry["Key"] for entry in page.get("Contents", []))
    return keys


def set_tags(bucket: str, key: str, tags: dict[str, str]) -> bool:
    """Replace the tag set of the object's current version; False if no object is there any more."""
    try:
        client("s3").put_object_tagging(Bucket=bucket, Key=key,
                                        Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in sorted(tags.items())]})
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return False
        raise
    return True


class S3Storage:
    """The storage port on Amazon S3: the functions above, looked up at each call."""

    def get_object(self, *args, **kwargs) -> StoredObject:
        return get_object(*args, **kwargs)

    def iter_chunks(self, bucket: str, key: str, version_id: str | None = None) -> Iterator[bytes]:
        return iter_chunks(bucket, key, version_id)

    def put_object(self, *args, **kwargs) -> str:
        return put_object(*args, **kwargs)

    def put_new_object(self, *args, **kwargs) -> bool:
        return put_new_object(*args, **kwargs)

    def exists(self, bucket: str, key: str) -> bool:
        return exists(bucket, key)

    def list_keys(self, bucket: str, prefix: str) -> list[str]:
        return list_keys(bucket, prefix)

    def set_tags(self, bucket: str, key: str, tags: dict[str, str]) -> bool:
        return set_tags(bucket, key, tags)

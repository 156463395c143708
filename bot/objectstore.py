"""Where uploaded files live: an object store with one small interface and two backends.

A local directory is the default (one host, nothing to install); an S3-compatible service
(MinIO in production, moto's server in the tests) is the option for several hosts. Both the
portal's material store and the chat's upload inbox use it, so a file is written once and
read by key. The store is chosen by URL: `file:///var/lib/banshi/objects` or
`s3://bucket?endpoint=http://127.0.0.1:9000&region=cn-north-1` (credentials from the usual
AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY variables, as boto3 reads them).

No dependency beyond the standard library for the local store; boto3 is imported only when
an S3 URL is used, so both runtimes (Rasa's and the services') can load this module.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, urlsplit

_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*$")


class ObjectNotFound(KeyError):
    """No object under this key (never written, or deleted)."""


class ObjectStore(Protocol):
    """Whole-object reads and writes by key; a write is atomic (a reader sees all or nothing)."""

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None: ...

    def get(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None: ...

    def keys(self, prefix: str) -> list[str]: ...


def check_key(key: str) -> str:
    """Keys are ours, never a client's file name: a path traversal cannot be spelled in one."""
    if len(key) > 400 or not _KEY.match(key) or ".." in key:
        raise ValueError(f"invalid object key {key[:60]!r}")
    return key


class LocalObjectStore:
    """A directory readable by its owner alone; writes go to a temporary file renamed into place."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.chmod(temporary, 0o600)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise ObjectNotFound(key) from None

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def keys(self, prefix: str) -> list[str]:
        base = self.root / check_key(prefix.rstrip("/")) if prefix.strip("/") else self.root
        if not base.is_dir():
            return []
        return sorted(
            str(p.relative_to(self.root)) for p in base.rglob("*") if p.is_file() and not p.name.startswith(".part-")
        )


class S3ObjectStore:
    """An S3-compatible bucket (MinIO, or moto's server in the tests), created if missing."""

    def __init__(self, bucket: str, endpoint: str | None = None, region: str = "us-east-1", prefix: str = "") -> None:
        import boto3  # only the S3 backend needs it

        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.client = boto3.client("s3", endpoint_url=endpoint, region_name=region)
        try:
            self.client.head_bucket(Bucket=bucket)
        except self.client.exceptions.ClientError:
            self.client.create_bucket(Bucket=bucket)

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        self.client.put_object(
            Bucket=self.bucket, Key=self.prefix + check_key(key), Body=data, ContentType=content_type
        )

    def get(self, key: str) -> bytes:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.prefix + check_key(key))
        except self.client.exceptions.NoSuchKey:
            raise ObjectNotFound(key) from None
        return answer["Body"].read()

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.prefix + check_key(key))

    def keys(self, prefix: str) -> list[str]:
        found: list[str] = []
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix + prefix)
        for page in pages:
            found += [item["Key"][len(self.prefix) :] for item in page.get("Contents", [])]
        return sorted(found)


def open_store(url: str) -> ObjectStore:
    """The store a URL names: `file:///dir` (or a plain path) or `s3://bucket/prefix?endpoint=…`."""
    parts = urlsplit(url)
    if parts.scheme == "s3":
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        return S3ObjectStore(
            parts.netloc, query.get("endpoint"), query.get("region", "us-east-1"), prefix=parts.path.strip("/")
        )
    if parts.scheme in ("", "file"):
        return LocalObjectStore(parts.path if parts.scheme else url)
    raise ValueError(f"unknown object store {parts.scheme!r}: use file:///… or s3://…")

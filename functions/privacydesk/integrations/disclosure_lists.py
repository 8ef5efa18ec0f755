"""The disclosure bucket: audience lists the team uploads, and the lists and manifest a close writes."""

import base64
import hashlib
from typing import Any

from botocore.exceptions import ClientError

# A line longer than this is not an address: reading stops growing the window there.
_MAX_LINE = 1024
_AVERAGE_LINE = 64


class ListStoreError(Exception):
    """Reading or writing the bucket failed (no personal data in the message)."""


class S3DisclosureLists:
    """Reads lists line by line from a byte offset (resumable) and writes objects with their checksum."""

    def __init__(self, bucket: str, client: Any) -> None:
        self._bucket = bucket
        self._s3 = client

    def version_of(self, key: str) -> str | None:
        """The current version id of an object (the bucket is versioned), or None when there is none."""
        try:
            response = self._s3.head_object(Bucket=self._bucket, Key=key)
        except ClientError as exc:
            if exc.response["Error"]["Code"] in {"404", "NoSuchKey", "NotFound"}:
                return None
            raise ListStoreError(f"head_object failed: {exc.response['Error']['Code']}") from exc
        return str(response.get("VersionId") or "null")

    def read_lines(self, key: str, version: str, offset: int, limit: int) -> tuple[list[str], int | None]:
        """Up to `limit` lines of one version from byte `offset`, and the offset after (None at the end)."""
        end = offset + limit * _AVERAGE_LINE + _MAX_LINE
        try:
            response = self._s3.get_object(
                Bucket=self._bucket, Key=key, VersionId=version, Range=f"bytes={offset}-{end - 1}"
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "InvalidRange":
                return [], None  # the offset is the end of the object
            raise ListStoreError(f"get_object failed: {exc.response['Error']['Code']}") from exc
        data: bytes = response["Body"].read()
        total = int(response["ContentRange"].rpartition("/")[2])
        lines: list[str] = []
        used = 0
        for raw in data.splitlines(keepends=True):
            complete = raw.endswith(b"\n") or offset + used + len(raw) == total
            if len(lines) == limit or not complete:
                break
            lines.append(raw.decode("utf-8", errors="replace").strip())
            used += len(raw)
        after = offset + used
        if not lines and after < total:
            raise ListStoreError(
                f"a line longer than {_MAX_LINE} bytes starts at byte {offset}: not an address"
            )
        return lines, None if after >= total else after

    def put(self, key: str, body: bytes) -> None:
        """Write (or rewrite) an object, with an integrity checksum S3 verifies."""
        checksum = base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")
        try:
            self._s3.put_object(
                Bucket=self._bucket,
                Key=key,
                Body=body,
                ChecksumSHA256=checksum,
                ContentType="application/x-ndjson" if key.endswith(".jsonl") else "application/json",
            )
        except ClientError as exc:
            raise ListStoreError(f"put_object failed: {exc.response['Error']['Code']}") from exc

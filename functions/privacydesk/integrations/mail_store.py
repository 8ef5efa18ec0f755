"""The S3 mail store: raw inbound MIME (written by SES) and the attachments we keep."""

import re
from typing import Any

from botocore.exceptions import ClientError

from privacydesk.models.inbound import MailMissingError, StoredMail
from privacydesk.models.triage import Attachment

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_DOTS = re.compile(r"\.{2,}")


class MailStoreError(Exception):
    """Reading or writing the mail bucket failed (no personal data in the message)."""


class S3MailStore:
    """Reads raw mail by key and stores attachments under their message's prefix."""

    def __init__(self, bucket: str, client: Any) -> None:
        self._bucket = bucket
        self._s3 = client

    def fetch(self, key: str, max_bytes: int) -> StoredMail:
        """Read one raw email unless it is larger than max_bytes (then only its size is known)."""
        try:
            response = self._s3.get_object(Bucket=self._bucket, Key=key)
        except ClientError as exc:
            code = exc.response["Error"]["Code"]
            if code in {"NoSuchKey", "404"}:
                raise MailMissingError("inbound mail not found in the bucket") from exc
            raise MailStoreError(f"cannot read inbound mail: {code}") from exc
        body = response["Body"]
        size = int(response.get("ContentLength", 0))
        if size > max_bytes:
            body.close()
            return StoredMail(key=key, size=size, raw=None)
        return StoredMail(key=key, size=size, raw=body.read())

    def fetch_head(self, key: str, length: int) -> bytes:
        """The first `length` bytes of a raw email: enough for its headers when it is too big to read."""
        try:
            response = self._s3.get_object(Bucket=self._bucket, Key=key, Range=f"bytes=0-{length - 1}")
        except ClientError as exc:
            raise MailStoreError(f"cannot read inbound mail: {exc.response['Error']['Code']}") from exc
        head: bytes = response["Body"].read()
        return head

    def put_attachment(self, message_id: str, index: int, attachment: Attachment) -> str:
        """Store one attachment as an opaque download (never served inline) and return its key."""
        safe_name = _DOTS.sub(".", _UNSAFE.sub("_", attachment.filename)).lstrip("._")[-100:] or "attachment"
        key = f"attachments/{message_id}/{index:02d}-{safe_name}"
        try:
            self._s3.put_object(
                Bucket=self._bucket,
                Key=key,
                Body=attachment.payload,
                ContentType="application/octet-stream",
                ContentDisposition="attachment",
                Metadata={"declared-content-type": attachment.content_type[:100]},
            )
        except ClientError as exc:
            raise MailStoreError(f"cannot store attachment: {exc.response['Error']['Code']}") from exc
        return key

    def delete(self, keys: list[str]) -> None:
        """Delete stored mail (a purged case's raw messages and attachments); missing keys are fine."""
        for start in range(0, len(keys), 1000):
            batch = [{"Key": key} for key in keys[start : start + 1000]]
            try:
                response = self._s3.delete_objects(
                    Bucket=self._bucket, Delete={"Objects": batch, "Quiet": True}
                )
            except ClientError as exc:
                raise MailStoreError(f"cannot delete stored mail: {exc.response['Error']['Code']}") from exc
            if response.get("Errors"):
                raise MailStoreError(f"cannot delete {len(response['Errors'])} stored mail object(s)")

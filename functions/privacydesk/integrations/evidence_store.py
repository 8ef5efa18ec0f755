"""The evidence bucket (S3 Object Lock, WORM): audit-chain heads kept out of reach of the table's writers."""

import json
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from privacydesk.models.event import ChainHead

_PREFIX = "chain-heads"


class EvidenceStoreError(Exception):
    """Reading or writing the evidence bucket failed (no personal data in the message)."""


def _prefix(ref: str) -> str:
    if not ref or "/" in ref:
        raise ValueError("a case reference cannot be empty or contain '/'")
    return f"{_PREFIX}/{ref}/"


class S3EvidenceStore:
    """Writes chain heads under chain-heads/<ref>/<seq>.json and reads every version of them back."""

    def __init__(self, bucket: str, client: Any) -> None:
        self._bucket = bucket
        self._s3 = client

    def put_head(self, ref: str, head: ChainHead, at: datetime, reason: str) -> str:
        """Anchor a case's chain head (the bucket's default retention locks it); returns the object key."""
        key = f"{_prefix(ref)}{head.seq:010d}.json"
        body = {"ref": ref, "seq": head.seq, "hash": head.hash, "at": at.isoformat(), "reason": reason}
        try:
            # Object Lock buckets refuse writes without an integrity checksum.
            self._s3.put_object(
                Bucket=self._bucket,
                Key=key,
                Body=json.dumps(body, sort_keys=True).encode("utf-8"),
                ContentType="application/json",
                ChecksumAlgorithm="SHA256",
            )
        except ClientError as exc:
            raise EvidenceStoreError(f"cannot write chain head: {exc.response['Error']['Code']}") from exc
        return key

    def heads(self, ref: str) -> list[ChainHead]:
        """Every head anchored for a case, ordered by seq, including versions hidden by a delete marker."""
        prefix = _prefix(ref)
        found: set[ChainHead] = set()
        try:
            # Versions, not current objects: a delete marker hides an object but a locked version stays.
            for page in self._s3.get_paginator("list_object_versions").paginate(
                Bucket=self._bucket, Prefix=prefix
            ):
                for version in page.get("Versions", []):
                    found.add(self._read(version["Key"], version["VersionId"]))
        except ClientError as exc:
            raise EvidenceStoreError(f"cannot read chain heads: {exc.response['Error']['Code']}") from exc
        return sorted(found, key=lambda head: (head.seq, head.hash))

    def _read(self, key: str, version_id: str) -> ChainHead:
        response = self._s3.get_object(Bucket=self._bucket, Key=key, VersionId=version_id)
        try:
            body = json.loads(response["Body"].read())
            head = ChainHead(seq=int(body["seq"]), hash=str(body["hash"]))
            where_it_belongs = f"{_prefix(body['ref'])}{head.seq:010d}.json"
        except (ValueError, KeyError, TypeError) as exc:
            raise EvidenceStoreError("a chain head object is malformed") from exc
        if where_it_belongs != key:
            raise EvidenceStoreError("a chain head object does not match its key")
        return head

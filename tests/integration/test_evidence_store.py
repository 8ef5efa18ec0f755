"""The evidence bucket on moto: chain heads written to an Object Lock bucket, and the signing key secret."""

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters
from botocore.config import Config
from botocore.exceptions import ClientError
from moto import mock_aws

from privacydesk.integrations.evidence_store import EvidenceStoreError, S3EvidenceStore
from privacydesk.integrations.secrets import SigningKeyError, signing_key
from privacydesk.logic.audit_chain import chain_events, verify_chain
from privacydesk.models.case import Case, RightItem
from privacydesk.models.clocks import Clocks
from privacydesk.models.event import CaseEvent, ChainHead
from privacydesk.models.rights import ItemState, Right
from tests.integration.conftest import FAKE_AWS_ENV

BUCKET = "privacydesk-evidence-it"
REF = "PD-7KQ4-M9XW-C2HT"
AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
SECRET = "s" * 40


def _forget_cached_secrets() -> None:
    parameters.clear_caches()  # type: ignore[no-untyped-call]


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """GIVEN fake credentials and moto's mock_aws, with Powertools' parameter cache empty."""
    for name, value in FAKE_AWS_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    _forget_cached_secrets()
    with mock_aws():
        yield
    _forget_cached_secrets()


@pytest.fixture
def s3(aws: None) -> Any:
    """GIVEN an Object Lock bucket whose default retention locks every new version for a day."""
    client = boto3.client("s3")
    client.create_bucket(Bucket=BUCKET, ObjectLockEnabledForBucket=True)
    client.put_object_lock_configuration(
        Bucket=BUCKET,
        ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 1}},
        },
    )
    return client


def _head(seq: int) -> ChainHead:
    return ChainHead(seq, f"{seq:064x}")


def test_heads_are_written_without_personal_data_and_read_back_in_seq_order(s3: Any) -> None:
    store = S3EvidenceStore(BUCKET, s3)
    # WHEN three heads are anchored out of order
    keys = [store.put_head(REF, _head(seq), AT, "closed") for seq in (12, 3, 7)]
    # THEN each has its own key and a small JSON body with no personal data
    assert keys[0] == f"chain-heads/{REF}/0000000012.json"
    body = json.loads(s3.get_object(Bucket=BUCKET, Key=keys[0])["Body"].read())
    assert body == {"ref": REF, "seq": 12, "hash": _head(12).hash, "at": AT.isoformat(), "reason": "closed"}
    # AND they come back ordered by seq
    assert store.heads(REF) == [_head(3), _head(7), _head(12)]
    assert store.heads("PD-2222-3333-4444") == []


def test_a_written_head_carries_a_checksum_and_the_buckets_default_lock(s3: Any) -> None:
    key = S3EvidenceStore(BUCKET, s3).put_head(REF, _head(1), AT, "periodic")
    head = s3.head_object(Bucket=BUCKET, Key=key, ChecksumMode="ENABLED")
    assert head["ChecksumSHA256"]
    assert head["ObjectLockMode"] == "COMPLIANCE"
    retain_until = head["ObjectLockRetainUntilDate"]
    assert timedelta(hours=23) < retain_until - datetime.now(UTC) <= timedelta(days=1)


def test_a_head_is_accepted_even_by_a_client_that_sends_checksums_only_when_required(s3: Any) -> None:
    # GIVEN a client that adds no integrity header by itself: the bucket refuses its plain writes
    strict = boto3.client("s3", config=Config(request_checksum_calculation="when_required"))
    with pytest.raises(ClientError, match="MissingUploadObjectWithObjectLockHeaders"):
        strict.put_object(Bucket=BUCKET, Key="plain", Body=b"x")
    # THEN the store's writes still go through: they always carry a SHA-256
    S3EvidenceStore(BUCKET, strict).put_head(REF, _head(1), AT, "closed")
    assert S3EvidenceStore(BUCKET, strict).heads(REF) == [_head(1)]


def test_a_locked_version_cannot_be_deleted_and_a_delete_marker_does_not_hide_it(s3: Any) -> None:
    # GIVEN an anchored head
    store = S3EvidenceStore(BUCKET, s3)
    key = store.put_head(REF, _head(5), AT, "closed")
    version_id = s3.head_object(Bucket=BUCKET, Key=key)["VersionId"]
    # WHEN someone tries to delete its version
    with pytest.raises(ClientError) as caught:
        s3.delete_object(Bucket=BUCKET, Key=key, VersionId=version_id)
    # THEN the lock refuses it
    assert caught.value.response["Error"]["Code"] == "AccessDenied"
    # AND a plain delete only adds a delete marker, which the store looks past
    assert s3.delete_object(Bucket=BUCKET, Key=key)["DeleteMarker"]
    assert store.heads(REF) == [_head(5)]


def test_an_overwritten_head_keeps_its_first_version(s3: Any) -> None:
    # GIVEN a head at seq 4, then a forged one written over the same key
    store = S3EvidenceStore(BUCKET, s3)
    store.put_head(REF, _head(4), AT, "periodic")
    forged = ChainHead(4, "e" * 64)
    store.put_head(REF, forged, AT, "periodic")
    # THEN both versions are returned, so the forged one cannot replace the original unnoticed
    assert set(store.heads(REF)) == {_head(4), forged}


def test_heads_are_read_across_pages(s3: Any) -> None:
    store = S3EvidenceStore(BUCKET, s3)
    for seq in range(1, 8):
        store.put_head(REF, _head(seq), AT, "periodic")

    # Two versions per page, so seven heads take four pages.
    def small_pages(params: dict[str, Any], **_: Any) -> None:
        params["MaxKeys"] = 2

    s3.meta.events.register("provide-client-params.s3.ListObjectVersions", small_pages)
    pages = list(
        s3.get_paginator("list_object_versions").paginate(Bucket=BUCKET, Prefix=f"chain-heads/{REF}/")
    )
    assert len(pages) == 4
    assert store.heads(REF) == [_head(seq) for seq in range(1, 8)]


def test_a_malformed_head_object_is_an_error_without_personal_data(s3: Any) -> None:
    s3.put_object(
        Bucket=BUCKET, Key=f"chain-heads/{REF}/0000000001.json", Body=b"not json", ChecksumAlgorithm="SHA256"
    )
    with pytest.raises(EvidenceStoreError, match="malformed"):
        S3EvidenceStore(BUCKET, s3).heads(REF)


def test_a_head_object_under_the_wrong_key_is_an_error(s3: Any) -> None:
    body = json.dumps({"ref": REF, "seq": 2, "hash": "a" * 64, "at": AT.isoformat(), "reason": "x"})
    s3.put_object(
        Bucket=BUCKET, Key=f"chain-heads/{REF}/0000000009.json", Body=body, ChecksumAlgorithm="SHA256"
    )
    with pytest.raises(EvidenceStoreError, match="does not match its key"):
        S3EvidenceStore(BUCKET, s3).heads(REF)


def test_a_missing_bucket_is_an_evidence_store_error(aws: None) -> None:
    store = S3EvidenceStore("no-such-evidence-bucket", boto3.client("s3"))
    with pytest.raises(EvidenceStoreError, match="NoSuchBucket") as written:
        store.put_head(REF, _head(1), AT, "closed")
    with pytest.raises(EvidenceStoreError, match="NoSuchBucket") as read:
        store.heads(REF)
    assert REF not in str(written.value)
    assert REF not in str(read.value)


def test_a_reference_cannot_escape_its_prefix(s3: Any) -> None:
    with pytest.raises(ValueError, match="/"):
        S3EvidenceStore(BUCKET, s3).put_head("PD-1/../PD-2", _head(1), AT, "closed")


def _case() -> Case:
    clocks = Clocks(
        "gdpr", "access", "rule", date(2026, 11, 2), "GB-ENG", 0, None, date(2026, 12, 2), None, None
    )
    item = RightItem(Right.ACCESS, ItemState.RECEIVED, True, clocks)
    return Case(REF, "ana@example.org", "en", AT, (item,), "gdpr", "default", "m-1", "raw/m-1")


def test_anchored_heads_catch_a_truncated_chain(s3: Any) -> None:
    # GIVEN a chain of six events anchored at 3 and at 6
    store = S3EvidenceStore(BUCKET, s3)
    raw = [CaseEvent(REF, AT + timedelta(minutes=i), "note", {"n": i}) for i in range(6)]
    case, events = chain_events(_case(), raw)
    store.put_head(REF, ChainHead(3, events[2].hash), AT, "periodic")
    store.put_head(REF, case.chain, AT, "closed")
    # THEN the intact chain verifies against the bucket
    assert verify_chain(REF, events, case.chain, store.heads(REF)).ok
    # AND with the last two events and the case's head rewound, the anchor still catches it
    report = verify_chain(REF, events[:4], ChainHead(4, events[3].hash), store.heads(REF))
    assert (report.ok, report.first_broken_seq, report.anchors_checked) == (False, 5, 2)


def test_the_signing_key_is_read_from_secrets_manager(aws: None) -> None:
    boto3.client("secretsmanager").create_secret(Name="privacydesk/verification", SecretString=SECRET)
    assert signing_key("privacydesk/verification") == SECRET.encode("utf-8")


def test_the_signing_key_is_cached_for_five_minutes(aws: None) -> None:
    client = boto3.client("secretsmanager")
    client.create_secret(Name="privacydesk/verification", SecretString=SECRET)
    assert signing_key("privacydesk/verification") == SECRET.encode()
    client.put_secret_value(SecretId="privacydesk/verification", SecretString="t" * 40)
    assert signing_key("privacydesk/verification") == SECRET.encode()
    _forget_cached_secrets()
    assert signing_key("privacydesk/verification") == b"t" * 40


@pytest.mark.parametrize(
    ("value", "message"),
    [("   ", "is empty"), ("short-key", "shorter than 32"), ("x" * 31, "shorter than 32")],
)
def test_an_empty_or_short_signing_key_is_refused(aws: None, value: str, message: str) -> None:
    boto3.client("secretsmanager").create_secret(Name="privacydesk/verification", SecretString=value)
    with pytest.raises(SigningKeyError, match=message) as caught:
        signing_key("privacydesk/verification")
    assert value.strip() == "" or value not in str(caught.value)


def test_a_missing_signing_key_secret_is_a_clear_error(aws: None) -> None:
    with pytest.raises(SigningKeyError, match="cannot read the signing key secret"):
        signing_key("privacydesk/absent")
    with pytest.raises(SigningKeyError, match="no signing key secret"):
        signing_key("")

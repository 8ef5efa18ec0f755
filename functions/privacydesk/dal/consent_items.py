"""Explicit mapping between the consent ledger's models and DynamoDB items."""

from datetime import datetime
from typing import Any

from privacydesk.models.consent import ConsentEvent, ConsentRecord, ConsentSource, PurposeState
from privacydesk.models.event import ChainHead

Item = dict[str, Any]

# Every subject with a consent record, by subject id: what an auditor's export pages through. Spread over
# 16 index partitions by the id's first hex digit, so a campaign's writes do not all land on one.
SUBJECT_LISTING = "SUBJECTS#"
SUBJECT_SHARDS = "0123456789abcdef"


def subject_shard(subject: str) -> str:
    """The index partition listing this subject."""
    return SUBJECT_LISTING + subject[0]


CONSENT_STATE = "consent_state"


def subject_key(subject: str) -> Item:
    """Primary key of a subject's projection (current state per purpose, chain head, address)."""
    return {"pk": f"SUBJECT#{subject}", "sk": "STATE"}


def event_sk(seq: int) -> str:
    """Sort key of a subject's consent event: in chain order."""
    return f"CONSENT#{seq:010d}"


def record_to_item(record: ConsentRecord, version: int) -> Item:
    """The projection item; its stream record is what mirrors an opt-out to SES's contact list."""
    return {
        **subject_key(record.subject),
        "entity": CONSENT_STATE,
        "subject": record.subject,
        "address": record.address,
        "language": record.language,
        "purposes": {
            purpose: {
                "granted": state.granted,
                "at": state.at.isoformat(),
                "source": state.source.value,
                "seq": state.seq,
            }
            for purpose, state in record.purposes.items()
        },
        "chain_seq": record.chain.seq,
        "chain_hash": record.chain.hash,
        "version": version,
        "gsi1pk": subject_shard(record.subject),
        "gsi1sk": record.subject,
    }


def item_to_record(item: Item) -> ConsentRecord:
    """A projection read back (from the table or a stream image)."""
    return ConsentRecord(
        subject=item["subject"],
        address=item["address"],
        purposes={
            purpose: PurposeState(
                granted=bool(state["granted"]),
                at=datetime.fromisoformat(state["at"]),
                source=ConsentSource(state["source"]),
                seq=int(state["seq"]),
            )
            for purpose, state in item.get("purposes", {}).items()
        },
        chain=ChainHead(int(item["chain_seq"]), item["chain_hash"]),
        version=int(item["version"]),
        language=item.get("language", ""),
    )


def event_to_item(event: ConsentEvent) -> Item:
    """One consent event: never changed once written."""
    return {
        "pk": f"SUBJECT#{event.subject}",
        "sk": event_sk(event.seq),
        "entity": "consent_event",
        **event.content(),
        "hash": event.hash,
    }


def item_to_event(item: Item) -> ConsentEvent:
    """A consent event read back."""
    return ConsentEvent(
        subject=item["subject"],
        at=datetime.fromisoformat(item["at"]),
        purpose=item["purpose"],
        granted=bool(item["granted"]),
        source=ConsentSource(item["source"]),
        policy_version=item["policy_version"],
        evidence=dict(item.get("evidence") or {}),
        seq=int(item["seq"]),
        prev_hash=item["prev_hash"],
        hash=item["hash"],
    )

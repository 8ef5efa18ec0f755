"""Explicit mapping between disclosures, their recipients and notices, and DynamoDB items.

One partition per disclosure: the declaration (sk DISCLOSURE), its audit events (EVENT#), one recipient item
per person (R#<subject>, written by the planner in batches) and one notice item per person (N#<subject>,
claimed conditionally by the sender). Recipients and notices are kept apart so a repeated planning page,
which rewrites recipients blindly, can never reset what a notice became.
"""

from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from privacydesk.dal.items import event_to_item
from privacydesk.models.disclosure import (
    Audience,
    Counts,
    Disclosure,
    DisclosureStatus,
    ListPart,
    NoticeSend,
    NoticeState,
    Recipient,
)
from privacydesk.models.event import CaseEvent, ChainHead

Item = dict[str, Any]

DISCLOSURE_LISTING = "DISCLOSURES"
RECIPIENT = "R#"
NOTICE = "N#"
# Counters other writers add to (sender, SES events, objections); the declaration's own writes never set them.
ADDED_COUNTS = ("sent", "failed", "bounced", "late_objections")
# Counters the planner and the close set.
SET_COUNTS = ("planned", "objected", "shareable", "not_shared")


def partition(disclosure_id: str) -> str:
    """The partition holding everything about one disclosure."""
    return f"DISCLOSURE#{disclosure_id}"


def disclosure_key(disclosure_id: str) -> Item:
    """Primary key of the declaration item."""
    return {"pk": partition(disclosure_id), "sk": "DISCLOSURE"}


def recipient_key(disclosure_id: str, subject: str) -> Item:
    """Primary key of one person's recipient item."""
    return {"pk": partition(disclosure_id), "sk": RECIPIENT + subject}


def notice_key(disclosure_id: str, subject: str) -> Item:
    """Primary key of one person's notice item."""
    return {"pk": partition(disclosure_id), "sk": NOTICE + subject}


def disclosure_to_item(disclosure: Disclosure) -> Item:
    """The declaration as first written (counters start at zero)."""
    audience = disclosure.audience
    return {
        **disclosure_key(disclosure.disclosure_id),
        "entity": "disclosure",
        "disclosure_id": disclosure.disclosure_id,
        "recipient": disclosure.recipient,
        "purpose": disclosure.purpose,
        "categories": list(disclosure.categories),
        "audience": {
            k: v
            for k, v in {
                "purpose": audience.purpose,
                "state": audience.state,
                "list_key": audience.list_key,
                "list_version": audience.list_version,
            }.items()
            if v is not None
        },
        "effective": disclosure.effective.isoformat(),
        "declared_at": disclosure.declared_at.isoformat(),
        "policy_version": disclosure.policy_version,
        **state_attributes(disclosure),
        **{f"n_{name}": 0 for name in ADDED_COUNTS},
        "gsi1pk": DISCLOSURE_LISTING,
        "gsi1sk": f"{disclosure.declared_at.isoformat()}#{disclosure.disclosure_id}",
    }


def state_attributes(disclosure: Disclosure) -> Item:
    """What planning and closing move: status, cursor, the counts they own, chain head, version."""
    counts = disclosure.counts
    return {
        "status": disclosure.status.value,
        "cursor": disclosure.cursor,
        "planned_at": _iso(disclosure.planned_at),
        "closed_at": _iso(disclosure.closed_at),
        "manifest_key": disclosure.manifest_key,
        "manifest_sha256": disclosure.manifest_sha256,
        "parts": [asdict(part) for part in disclosure.parts],
        **{f"n_{name}": getattr(counts, name) for name in SET_COUNTS},
        "chain_seq": disclosure.chain.seq,
        "chain_hash": disclosure.chain.hash,
        "version": disclosure.version,
    }


def item_to_disclosure(item: Item) -> Disclosure:
    """A declaration read back, with every counter."""
    audience = item.get("audience", {})
    return Disclosure(
        disclosure_id=item["disclosure_id"],
        recipient=item["recipient"],
        purpose=item["purpose"],
        categories=tuple(item.get("categories", [])),
        audience=Audience(
            purpose=audience.get("purpose"),
            state=audience.get("state", "may_contact"),
            list_key=audience.get("list_key"),
            list_version=audience.get("list_version"),
        ),
        effective=date.fromisoformat(item["effective"]),
        declared_at=datetime.fromisoformat(item["declared_at"]),
        policy_version=item["policy_version"],
        status=DisclosureStatus(item["status"]),
        cursor=item.get("cursor"),
        counts=Counts(**{name: int(item.get(f"n_{name}", 0)) for name in (*SET_COUNTS, *ADDED_COUNTS)}),
        planned_at=_moment(item.get("planned_at")),
        closed_at=_moment(item.get("closed_at")),
        manifest_key=item.get("manifest_key"),
        manifest_sha256=item.get("manifest_sha256"),
        parts=tuple(
            ListPart(p["kind"], p["key"], int(p["lines"]), p["sha256"]) for p in item.get("parts", [])
        ),
        chain=ChainHead(int(item["chain_seq"]), item["chain_hash"]),
        version=int(item["version"]),
    )


def disclosure_event_to_item(event: CaseEvent) -> Item:
    """A chained audit event in the disclosure's partition."""
    return {**event_to_item(event), "pk": partition(event.case_ref), "entity": "disclosure_event"}


def recipient_to_item(recipient: Recipient) -> Item:
    """One person to tell; the address is kept because the notice must reach them."""
    return {
        **recipient_key(recipient.disclosure_id, recipient.subject),
        "entity": "notice_recipient",
        "subject": recipient.subject,
        "address": recipient.address,
        "language": recipient.language,
        "in_ledger": recipient.in_ledger,
    }


def item_to_recipient(item: Item) -> Recipient:
    """A recipient read back."""
    return Recipient(
        disclosure_id=item["pk"].removeprefix("DISCLOSURE#"),
        subject=item["subject"],
        address=item["address"],
        language=item["language"],
        in_ledger=bool(item.get("in_ledger", False)),
    )


def item_to_notice(item: Item) -> NoticeSend:
    """A notice item read back; an objection recorded before any send has no state yet."""
    return NoticeSend(
        disclosure_id=item["pk"].removeprefix("DISCLOSURE#"),
        subject=item["sk"].removeprefix(NOTICE),
        state=NoticeState(item["state"]) if item.get("state") else None,
        claimed_at=_moment(item.get("claimed_at")),
        sent_at=_moment(item.get("sent_at")),
        ses_message_id=item.get("ses_message_id"),
        delivery=item.get("delivery"),
        objected_at=_moment(item.get("objected_at")),
        late_objection=bool(item.get("late_objection", False)),
    )


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None

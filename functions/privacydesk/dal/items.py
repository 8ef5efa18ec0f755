"""Explicit mapping between domain models and DynamoDB items (the item shape is not the model)."""

import hashlib
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from privacydesk.models.case import Case, RightItem
from privacydesk.models.event import CaseEvent
from privacydesk.models.inbound import InboundRecord, Outcome
from privacydesk.models.outbox import OutboxItem, OutboxStatus
from privacydesk.models.rights import ItemState, Right

Item = dict[str, Any]

CASE_LISTING = "CASES"
OUTBOX_LISTING = "OUTBOX"
INBOUND_LISTING = "INBOUND"


def address_key(address: str) -> str:
    """The index key for a requester address (so cases can be found by address)."""
    return "REQ#" + hashlib.sha256(address.strip().lower().encode()).hexdigest()


def case_key(ref: str) -> Item:
    """Primary key of a case item."""
    return {"pk": f"CASE#{ref}", "sk": "CASE"}


def outbox_key(outbox_id: str) -> Item:
    """Primary key of an outbox item."""
    return {"pk": f"OUTBOX#{outbox_id}", "sk": "OUTBOX"}


def inbound_key(message_id: str) -> Item:
    """Primary key of an inbound record (one per SES message id: the duplicate guard)."""
    return {"pk": f"INBOUND#{message_id}", "sk": "INBOUND"}


def sent_key(ses_message_id: str) -> Item:
    """Primary key of the record linking an SES message id to its case."""
    return {"pk": f"SENT#{ses_message_id.lower()}", "sk": "SENT"}


def case_to_item(case: Case) -> Item:
    """A case as a DynamoDB item, with its derived state and due date for listings."""
    sort = f"{case.received_at.isoformat()}#{case.ref}"
    item: Item = {
        **case_key(case.ref),
        "entity": "case",
        "ref": case.ref,
        "requester": case.requester,
        "language": case.language,
        "received_at": case.received_at.isoformat(),
        "items": [
            {
                "right": i.right.value,
                "state": i.state.value,
                "needs_verification": i.needs_verification,
                "due": i.due.isoformat(),
            }
            for i in case.items
        ],
        "regime": case.regime,
        "regime_reason": case.regime_reason,
        "source_message_id": case.source_message_id,
        "raw_key": case.raw_key,
        "subject": case.subject,
        "verdicts": dict(case.verdicts),
        "evidence": {k: list(v) for k, v in case.evidence.items()},
        "flags": list(case.flags),
        "version": case.version,
        "state": case.state,
        "gsi1pk": CASE_LISTING,
        "gsi1sk": sort,
        "gsi2pk": address_key(case.requester),
        "gsi2sk": sort,
    }
    if case.on_behalf_of:
        item["on_behalf_of"] = case.on_behalf_of
    if case.due:
        item["due"] = case.due.isoformat()
    return item


def item_to_case(item: Item) -> Case:
    """A case read back from its item."""
    return Case(
        ref=item["ref"],
        requester=item["requester"],
        language=item["language"],
        received_at=datetime.fromisoformat(item["received_at"]),
        items=tuple(
            RightItem(
                right=Right(i["right"]),
                state=ItemState(i["state"]),
                needs_verification=bool(i["needs_verification"]),
                due=date.fromisoformat(i["due"]),
            )
            for i in item["items"]
        ),
        regime=item["regime"],
        regime_reason=item["regime_reason"],
        source_message_id=item["source_message_id"],
        raw_key=item["raw_key"],
        subject=item.get("subject", ""),
        on_behalf_of=item.get("on_behalf_of"),
        verdicts=dict(item.get("verdicts", {})),
        evidence={k: list(v) for k, v in item.get("evidence", {}).items()},
        flags=tuple(item.get("flags", ())),
        version=int(item["version"]),
    )


def event_to_item(event: CaseEvent, seq: str) -> Item:
    """A timeline event as an item under its case's partition."""
    return {
        "pk": case_key(event.case_ref)["pk"],
        "sk": f"EVENT#{event.at.isoformat()}#{seq}",
        "entity": "event",
        "case_ref": event.case_ref,
        "at": event.at.isoformat(),
        "type": event.type,
        "detail": _plain(event.detail),
    }


def item_to_event(item: Item) -> CaseEvent:
    """A timeline event read back."""
    return CaseEvent(
        case_ref=item["case_ref"],
        at=datetime.fromisoformat(item["at"]),
        type=item["type"],
        detail=_from_dynamo(item.get("detail", {})),
    )


def outbox_to_item(out: OutboxItem) -> Item:
    """An outbox item; the stream that carries its insert is what triggers the sender."""
    item: Item = {
        **outbox_key(out.outbox_id),
        "entity": "outbox",
        "outbox_id": out.outbox_id,
        "to": out.to,
        "subject": out.subject,
        "text": out.text,
        "template": out.template,
        "language": out.language,
        "created_at": out.created_at.isoformat(),
        "references": list(out.references),
        "status": out.status.value,
        "gsi1pk": OUTBOX_LISTING,
        "gsi1sk": f"{out.created_at.isoformat()}#{out.outbox_id}",
    }
    optional = {
        "case_ref": out.case_ref,
        "in_reply_to": out.in_reply_to,
        "sent_at": out.sent_at.isoformat() if out.sent_at else None,
        "ses_message_id": out.ses_message_id,
    }
    item.update({k: v for k, v in optional.items() if v is not None})
    return item


def item_to_outbox(item: Item) -> OutboxItem:
    """An outbox item read back (from a table read or a stream image)."""
    sent_at = item.get("sent_at")
    return OutboxItem(
        outbox_id=item["outbox_id"],
        to=item["to"],
        subject=item["subject"],
        text=item["text"],
        template=item["template"],
        language=item["language"],
        case_ref=item.get("case_ref"),
        created_at=datetime.fromisoformat(item["created_at"]),
        in_reply_to=item.get("in_reply_to"),
        references=tuple(item.get("references", ())),
        status=OutboxStatus(item["status"]),
        sent_at=datetime.fromisoformat(sent_at) if sent_at else None,
        ses_message_id=item.get("ses_message_id"),
    )


def inbound_to_item(record: InboundRecord) -> Item:
    """The inbound record: the duplicate guard and, for quarantined mail, the quarantine record."""
    item: Item = {
        **inbound_key(record.message_id),
        "entity": "inbound",
        "message_id": record.message_id,
        "received_at": record.received_at.isoformat(),
        "outcome": record.outcome.value,
        "reason": record.reason,
        "object_key": record.object_key,
        "gsi1pk": INBOUND_LISTING,
        "gsi1sk": f"{record.received_at.isoformat()}#{record.message_id}",
    }
    if record.case_ref:
        item["case_ref"] = record.case_ref
    return item


def item_to_inbound(item: Item) -> InboundRecord:
    """An inbound record read back."""
    return InboundRecord(
        message_id=item["message_id"],
        received_at=datetime.fromisoformat(item["received_at"]),
        outcome=Outcome(item["outcome"]),
        reason=item["reason"],
        object_key=item["object_key"],
        case_ref=item.get("case_ref"),
    )


def _plain(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _from_dynamo(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _from_dynamo(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_dynamo(v) for v in value]
    return value

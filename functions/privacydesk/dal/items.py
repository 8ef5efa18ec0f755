"""Explicit mapping between domain models and DynamoDB items (the item shape is not the model)."""

import hashlib
from dataclasses import asdict
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from privacydesk.dal.interface import PurgeRecord
from privacydesk.models.case import Agent, Case, RightItem
from privacydesk.models.clocks import Clocks
from privacydesk.models.event import CaseEvent, ChainHead
from privacydesk.models.inbound import InboundRecord, Outcome
from privacydesk.models.outbox import OutboxItem, OutboxStatus
from privacydesk.models.rights import ItemState, Right
from privacydesk.models.verification import Challenge

Item = dict[str, Any]

CASE_LISTING = "CASES"
# The sparse index of what is due: only outbox items not yet settled and open cases with a next action.
DUE_OUTBOX = "DUE#OUTBOX"
DUE_CASES = "DUE#CASE"
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


def purge_key(ref: str) -> Item:
    """Primary key of the record a purged case leaves behind."""
    return {"pk": f"PURGED#{ref}", "sk": "PURGED"}


def tally_key(moment: datetime) -> Item:
    """Primary key of the month's counts of purged cases (no personal data)."""
    return {"pk": f"TALLY#{moment:%Y-%m}", "sk": "TALLY"}


def purge_record_to_item(record: PurgeRecord) -> Item:
    """The purge record: reference, dates and last chain head only."""
    return {
        **purge_key(record.ref),
        "entity": "purged",
        "ref": record.ref,
        "closed_at": record.closed_at.isoformat(),
        "purged_at": record.purged_at.isoformat(),
        "chain_seq": record.chain.seq,
        "chain_hash": record.chain.hash,
    }


def item_to_purge_record(item: Item) -> PurgeRecord:
    """A purge record read back."""
    return PurgeRecord(
        ref=item["ref"],
        closed_at=datetime.fromisoformat(item["closed_at"]),
        purged_at=datetime.fromisoformat(item["purged_at"]),
        chain=ChainHead(int(item["chain_seq"]), item["chain_hash"]),
    )


def case_to_item(case: Case, next_due_at: datetime | None = None) -> Item:
    """A case as a DynamoDB item, with its derived state, due date and rights for listings and filters.

    `next_due_at` (when a scheduled action next falls due) puts the case in the sparse due index.
    """
    sort = f"{case.received_at.isoformat()}#{case.ref}"
    item: Item = {
        **case_key(case.ref),
        "entity": "case",
        "ref": case.ref,
        "requester": case.requester,
        "language": case.language,
        "received_at": case.received_at.isoformat(),
        "items": [_right_item(i) for i in case.items],
        "rights": [r.value for r in case.rights],
        "regime": case.regime,
        "regime_reason": case.regime_reason,
        "calendar": case.calendar,
        "source": case.source,
        "source_message_id": case.source_message_id,
        "raw_key": case.raw_key,
        "subject": case.subject,
        "name": case.name,
        "verdicts": dict(case.verdicts),
        "evidence": {k: list(v) for k, v in case.evidence.items()},
        "flags": list(case.flags),
        "done": list(case.done),
        "chain_seq": case.chain.seq,
        "chain_hash": case.chain.hash,
        "version": case.version,
        "state": case.state,
        "gsi1pk": CASE_LISTING,
        "gsi1sk": sort,
        "gsi2pk": address_key(case.requester),
        "gsi2sk": sort,
    }
    optional = {
        "on_behalf_of": case.on_behalf_of,
        "due": case.due.isoformat() if case.due else None,
        "assignee": case.assignee,
        "verified_at": case.verified_at.isoformat() if case.verified_at else None,
        "closed_at": case.closed_at.isoformat() if case.closed_at else None,
        "status_token_hash": case.status_token_hash,
        "agent": asdict(case.agent) if case.agent else None,
    }
    item.update({k: v for k, v in optional.items() if v is not None})
    if next_due_at is not None:
        item.update(due_keys(DUE_CASES, next_due_at, case.ref))
    return item


def item_to_case(item: Item) -> Case:
    """A case read back from its item."""
    agent = item.get("agent")
    return Case(
        ref=item["ref"],
        requester=item["requester"],
        language=item["language"],
        received_at=datetime.fromisoformat(item["received_at"]),
        items=tuple(_item_to_right(i) for i in item["items"]),
        regime=item["regime"],
        regime_reason=item["regime_reason"],
        calendar=item["calendar"],
        source=item["source"],
        source_message_id=item["source_message_id"],
        raw_key=item["raw_key"],
        subject=item.get("subject", ""),
        name=item.get("name", ""),
        on_behalf_of=item.get("on_behalf_of"),
        agent=Agent(**agent) if agent else None,
        verdicts=dict(item.get("verdicts", {})),
        evidence={k: list(v) for k, v in item.get("evidence", {}).items()},
        flags=tuple(item.get("flags", ())),
        done=tuple(item.get("done", ())),
        assignee=item.get("assignee"),
        verified_at=_moment(item.get("verified_at")),
        closed_at=_moment(item.get("closed_at")),
        status_token_hash=item.get("status_token_hash"),
        chain=ChainHead(int(item["chain_seq"]), item["chain_hash"]),
        version=int(item["version"]),
    )


def _right_item(item: RightItem) -> Item:
    mapped: Item = {
        "right": item.right.value,
        "state": item.state.value,
        "needs_verification": item.needs_verification,
        "due": item.due.isoformat(),
        "extended": item.extended,
        "clocks": item.clocks.as_record(),
    }
    if item.paused_since:
        mapped["paused_since"] = item.paused_since.isoformat()
    return mapped


def _item_to_right(raw: Item) -> RightItem:
    paused = raw.get("paused_since")
    return RightItem(
        right=Right(raw["right"]),
        state=ItemState(raw["state"]),
        needs_verification=bool(raw["needs_verification"]),
        clocks=clocks_from_plain(raw["clocks"]),
        extended=bool(raw.get("extended", False)),
        paused_since=date.fromisoformat(paused) if paused else None,
    )


def clocks_from_plain(raw: Item) -> Clocks:
    """Clocks read back."""
    return Clocks(
        regime=raw["regime"],
        right=raw["right"],
        rule=raw["rule"],
        received=date.fromisoformat(raw["received"]),
        calendar=raw["calendar"],
        paused_days=int(raw["paused_days"]),
        acknowledge_by=_day(raw.get("acknowledge_by")),
        respond_by=date.fromisoformat(raw["respond_by"]),
        extended_respond_by=_day(raw.get("extended_respond_by")),
        extension_notice_by=_day(raw.get("extension_notice_by")),
    )


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def event_to_item(event: CaseEvent) -> Item:
    """A chained audit event under its case's partition, sorted by its place in the chain."""
    return {
        "pk": case_key(event.case_ref)["pk"],
        "sk": f"EVENT#{event.seq:08d}",
        "entity": "event",
        "case_ref": event.case_ref,
        "at": event.at.isoformat(),
        "type": event.type,
        "actor": event.actor,
        "detail": _plain(event.detail),
        "seq": event.seq,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }


def item_to_event(item: Item) -> CaseEvent:
    """An audit event read back exactly as stored (verification recomputes its hash)."""
    return CaseEvent(
        case_ref=item["case_ref"],
        at=datetime.fromisoformat(item["at"]),
        type=item["type"],
        detail=_from_dynamo(item.get("detail", {})),
        actor=item.get("actor", "system"),
        seq=int(item["seq"]),
        prev_hash=item["prev_hash"],
        hash=item["hash"],
    )


def challenge_key(ref: str, purpose: str) -> Item:
    """Primary key of a case's verification challenge for one purpose (kept in the case's partition)."""
    return {"pk": case_key(ref)["pk"], "sk": f"CHALLENGE#{purpose}"}


def challenge_to_item(challenge: Challenge) -> Item:
    """A verification challenge: only HMACs of its secrets are stored."""
    item: Item = {
        **challenge_key(challenge.case_ref, challenge.purpose),
        "entity": "challenge",
        "case_ref": challenge.case_ref,
        "purpose": challenge.purpose,
        "address_hash": challenge.address_hash,
        "code_hmac": challenge.code_hmac,
        "link_hmac": challenge.link_hmac,
        "issued_at": challenge.issued_at.isoformat(),
        "code_expires_at": challenge.code_expires_at.isoformat(),
        "link_expires_at": challenge.link_expires_at.isoformat(),
        "attempts": challenge.attempts,
        "sends": [s.isoformat() for s in challenge.sends],
        "version": challenge.version,
    }
    if challenge.used_at:
        item["used_at"] = challenge.used_at.isoformat()
    return item


def item_to_challenge(item: Item) -> Challenge:
    """A verification challenge read back."""
    return Challenge(
        case_ref=item["case_ref"],
        purpose=item["purpose"],
        address_hash=item["address_hash"],
        code_hmac=item["code_hmac"],
        link_hmac=item["link_hmac"],
        issued_at=datetime.fromisoformat(item["issued_at"]),
        code_expires_at=datetime.fromisoformat(item["code_expires_at"]),
        link_expires_at=datetime.fromisoformat(item["link_expires_at"]),
        attempts=int(item["attempts"]),
        used_at=_moment(item.get("used_at")),
        sends=tuple(datetime.fromisoformat(s) for s in item.get("sends", ())),
        version=int(item["version"]),
    )


def due_keys(partition: str, at: datetime, ident: str) -> Item:
    """The sparse-index attributes that make an item show up in the sweep from `at` on."""
    return {"gsi3pk": partition, "gsi3sk": f"{at.astimezone(UTC).isoformat()}#{ident}"}


def outbox_to_item(out: OutboxItem, due_at: datetime | None = None) -> Item:
    """An outbox item; the stream that carries its insert is what triggers the sender, the sweep the rest."""
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
        **(due_keys(DUE_OUTBOX, due_at, out.outbox_id) if due_at else {}),
    }
    optional = {
        "case_ref": out.case_ref,
        "in_reply_to": out.in_reply_to,
        "sent_at": out.sent_at.isoformat() if out.sent_at else None,
        "ses_message_id": out.ses_message_id,
        "secret_nonce": out.secret_nonce,
        "html": out.html,
        "claim_id": out.claim_id,
        "claimed_at": out.claimed_at.isoformat() if out.claimed_at else None,
        "retry_at": out.retry_at.isoformat() if out.retry_at else None,
        "failure": out.failure,
        "delivery": out.delivery,
    }
    item.update({k: v for k, v in optional.items() if v is not None})
    item["attempts"] = out.attempts
    item["delivery_events"] = list(out.delivery_events)
    item["duplicate_sends"] = out.duplicate_sends
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
        secret_nonce=item.get("secret_nonce"),
        html=item.get("html"),
        attempts=int(item.get("attempts", 0)),
        claim_id=item.get("claim_id"),
        claimed_at=_moment(item.get("claimed_at")),
        retry_at=_moment(item.get("retry_at")),
        failure=item.get("failure"),
        delivery=item.get("delivery"),
        delivery_events=tuple(item.get("delivery_events", ())),
        duplicate_sends=int(item.get("duplicate_sends", 0)),
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

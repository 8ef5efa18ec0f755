"""JSON views of domain objects for the API (the shapes the CLI and the page rely on)."""

from dataclasses import asdict
from datetime import datetime
from typing import Any

from privacydesk.models.case import Case
from privacydesk.models.event import CaseEvent
from privacydesk.models.inbound import InboundRecord
from privacydesk.models.outbox import OutboxItem
from privacydesk.models.rights import ItemState


def case_view(case: Case) -> dict[str, Any]:
    """A case as the admin API shows it, with each right's clocks and how they were computed."""
    return {
        "ref": case.ref,
        "requester": case.requester,
        "on_behalf_of": case.on_behalf_of,
        "name": case.name,
        "agent": asdict(case.agent) if case.agent else None,
        "rights": [r.value for r in case.rights],
        "items": [
            {
                "right": i.right.value,
                "state": i.state.value,
                "needs_verification": i.needs_verification,
                "due": i.due.isoformat(),
                "extended": i.extended,
                "paused_since": i.paused_since.isoformat() if i.paused_since else None,
                "clocks": i.clocks.as_record(),
            }
            for i in case.items
        ],
        "state": case.state,
        "language": case.language,
        "regime": case.regime,
        "regime_reason": case.regime_reason,
        "calendar": case.calendar,
        "source": case.source,
        "received_at": case.received_at.isoformat(),
        "due": case.due.isoformat() if case.due else None,
        "assignee": case.assignee,
        "verified_at": _moment(case.verified_at),
        "closed_at": _moment(case.closed_at),
        "paused": any(i.paused_since is not None for i in case.items),
        "paused_days": max((i.clocks.paused_days for i in case.items), default=0),
        "flags": list(case.flags),
        "verdicts": case.verdicts,
        "evidence": case.evidence,
        "source_message_id": case.source_message_id,
    }


def request_status_view(case: Case) -> dict[str, Any]:
    """What the requester may see of their own case: states, dates and what is awaited."""
    states = {i.state for i in case.items if i.is_open}
    awaiting = None
    if ItemState.AWAITING_VERIFICATION in states:
        awaiting = "verification"
    elif ItemState.AWAITING_REQUESTER in states:
        awaiting = "requester"
    elif states:
        awaiting = "privacy_team"
    return {
        "ref": case.ref,
        "state": case.state,
        "received_at": case.received_at.isoformat(),
        "regime": case.regime,
        "due": case.due.isoformat() if case.due else None,
        "awaiting": awaiting,
        "items": [
            {"right": i.right.value, "state": i.state.value, "due": i.due.isoformat()} for i in case.items
        ],
    }


def _moment(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def outbox_view(item: OutboxItem) -> dict[str, Any]:
    """An outbox item as the API shows it."""
    return {
        "id": item.outbox_id,
        "to": item.to,
        "subject": item.subject,
        "template": item.template,
        "language": item.language,
        "case": item.case_ref,
        "status": item.status.value,
        "created_at": item.created_at.isoformat(),
        "sent_at": item.sent_at.isoformat() if item.sent_at else None,
        "ses_message_id": item.ses_message_id,
        "attempts": item.attempts,
        "retry_at": item.retry_at.isoformat() if item.retry_at else None,
        "failure": item.failure,
        "delivery": item.delivery,
        "duplicate_sends": item.duplicate_sends,
        "text": item.text,
    }


def inbound_view(record: InboundRecord) -> dict[str, Any]:
    """An inbound record as the API shows it."""
    return {
        "message_id": record.message_id,
        "received_at": record.received_at.isoformat(),
        "outcome": record.outcome.value,
        "reason": record.reason,
        "object_key": record.object_key,
        "case": record.case_ref,
    }


def event_view(event: CaseEvent) -> dict[str, Any]:
    """A timeline event as the API shows it."""
    return {
        "seq": event.seq,
        "at": event.at.isoformat(),
        "type": event.type,
        "actor": event.actor,
        "detail": event.detail,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }

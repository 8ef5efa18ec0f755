"""JSON views of domain objects for the API (the shapes the CLI and the page rely on)."""

from typing import Any

from privacydesk.models.case import Case
from privacydesk.models.event import CaseEvent
from privacydesk.models.inbound import InboundRecord
from privacydesk.models.outbox import OutboxItem


def case_view(case: Case) -> dict[str, Any]:
    """A case as the API shows it."""
    return {
        "ref": case.ref,
        "requester": case.requester,
        "on_behalf_of": case.on_behalf_of,
        "rights": [r.value for r in case.rights],
        "items": [
            {
                "right": i.right.value,
                "state": i.state.value,
                "needs_verification": i.needs_verification,
                "due": i.due.isoformat(),
            }
            for i in case.items
        ],
        "state": case.state,
        "language": case.language,
        "regime": case.regime,
        "regime_reason": case.regime_reason,
        "received_at": case.received_at.isoformat(),
        "due": case.due.isoformat() if case.due else None,
        "flags": list(case.flags),
        "verdicts": case.verdicts,
        "evidence": case.evidence,
        "source_message_id": case.source_message_id,
    }


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
    return {"at": event.at.isoformat(), "type": event.type, "detail": event.detail}

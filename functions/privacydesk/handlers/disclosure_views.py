"""What the disclosure routes answer: the declaration, its progress and its audit trail (no addresses)."""

from collections.abc import Sequence
from typing import Any

from privacydesk.models.disclosure import Disclosure
from privacydesk.models.event import CaseEvent


def disclosure_view(disclosure: Disclosure, events: Sequence[CaseEvent] | None = None) -> dict[str, Any]:
    """A disclosure as the API shows it; the audit trail when `events` are given."""
    counts = disclosure.counts
    audience = {k: v for k, v in vars(disclosure.audience).items() if v is not None}
    view: dict[str, Any] = {
        "disclosure_id": disclosure.disclosure_id,
        "recipient": disclosure.recipient,
        "purpose": disclosure.purpose,
        "categories": list(disclosure.categories),
        "audience": audience,
        "effective_date": disclosure.effective.isoformat(),
        "declared_at": disclosure.declared_at.isoformat(),
        "policy_version": disclosure.policy_version,
        "status": disclosure.status.value,
        "counts": {
            "planned": counts.planned,
            "sent": counts.sent,
            "failed": counts.failed,
            "bounced": counts.bounced,
            "objected": counts.objected,
            "late_objections": counts.late_objections,
            "shareable": counts.shareable,
            "not_shared": counts.not_shared,
        },
        "planned_at": disclosure.planned_at.isoformat() if disclosure.planned_at else None,
        "closed_at": disclosure.closed_at.isoformat() if disclosure.closed_at else None,
        "manifest": (
            {"key": disclosure.manifest_key, "sha256": disclosure.manifest_sha256}
            if disclosure.manifest_key
            else None
        ),
    }
    if events is not None:
        view["events"] = [
            {
                "seq": e.seq,
                "at": e.at.isoformat(),
                "type": e.type,
                "actor": e.actor,
                "detail": e.detail,
                "prev_hash": e.prev_hash,
                "hash": e.hash,
            }
            for e in events
        ]
    return view

"""Mail to the privacy team, in the team's language: alerts, escalations and the daily digest."""

from datetime import datetime
from typing import Any

from privacydesk.config import Settings
from privacydesk.logic.render import render_message
from privacydesk.models.outbox import OutboxItem


def team_message(
    template: str, settings: Settings, now: datetime, *, outbox_id: str, case_ref: str | None, **context: Any
) -> OutboxItem:
    """One mail to the team address, rendered in TEAM_LANGUAGE; the id comes from its cause (sent once)."""
    rendered = render_message(template, settings.team_language, organisation=settings.organisation, **context)
    return OutboxItem(
        outbox_id=outbox_id[:200],
        to=settings.team_address,
        subject=rendered.subject,
        text=rendered.text,
        template=template,
        language=rendered.language,
        case_ref=case_ref,
        created_at=now,
    )


def team_alert(kind: str, item: OutboxItem, settings: Settings, now: datetime, *, reason: str) -> OutboxItem:
    """The team is told about an outbox item that needs a person (failed for good, or bounced)."""
    return team_message(
        "team_alert",
        settings,
        now,
        outbox_id=f"alert-{kind}-{item.outbox_id}",
        case_ref=item.case_ref,
        kind=kind,
        ref=item.case_ref or "-",
        mail=item.template,
        reason=reason,
    )

"""Declaring a disclosure to a third party: checked, recorded with its audit event, handed to the planner."""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any, Protocol

from privacydesk.config import Settings
from privacydesk.dal.interface import DisclosureRepository
from privacydesk.logic.audit_chain import link_events
from privacydesk.logic.case_actions import DeskPorts
from privacydesk.logic.clocks import local_date
from privacydesk.logic.references import new_reference
from privacydesk.models.disclosure import Audience, Disclosure
from privacydesk.models.event import CaseEvent


class DisclosureError(ValueError):
    """A declaration the desk cannot accept (the message names the field, never personal data)."""


class NoticeQueue(Protocol):
    """The queues between planner and senders."""

    def send(self, bodies: Sequence[dict[str, Any]]) -> None:
        """Queue one message per body for the notice senders (in batches of 10)."""
        ...

    def continue_planning(self, disclosure_id: str) -> None:
        """Ask for another planning run, which starts where this one stopped."""
        ...


class AudienceLists(Protocol):
    """The bucket holding audience lists uploaded by the team and the lists a close writes."""

    def version_of(self, key: str) -> str | None:
        """The current version id of an object, or None when there is no such object."""
        ...

    def read_lines(self, key: str, version: str, offset: int, limit: int) -> tuple[list[str], int | None]:
        """Up to `limit` lines of that version from byte `offset`, and the offset after (None at the end)."""
        ...

    def put(self, key: str, body: bytes) -> None:
        """Write (or rewrite) an object."""
        ...


@dataclass(frozen=True)
class NoticePorts:
    """What the notice use cases talk to: the desk's ports, the disclosure store, queues and lists."""

    desk: DeskPorts
    store: DisclosureRepository
    queue: NoticeQueue
    lists: AudienceLists


@dataclass(frozen=True)
class Declaration:
    """What the privacy team declares (validated against the JSON Schema at the edge)."""

    recipient: str
    purpose: str
    categories: tuple[str, ...]
    audience: Audience
    effective: date
    policy_version: str | None = None


def declare(declaration: Declaration, ports: NoticePorts, *, actor: str) -> Disclosure:
    """Record the declaration and start planning its notices; DisclosureError if it breaks a rule."""
    settings = ports.desk.settings
    now = ports.desk.clock()
    earliest = local_date(now, settings.timezone) + timedelta(days=settings.notice_min_days)
    if declaration.effective < earliest:
        raise DisclosureError(
            f"effective_date must be at least {settings.notice_min_days} days away: {earliest} or later"
        )
    audience = declaration.audience
    if audience.purpose is not None and audience.purpose not in settings.purposes:
        raise DisclosureError(
            f"audience purpose {audience.purpose!r} is not one this deployment knows: "
            + ", ".join(settings.purposes)
        )
    if audience.list_key is not None:
        version = ports.lists.version_of(audience.list_key)
        if version is None:
            raise DisclosureError("audience list_key names no object in the disclosure bucket")
        audience = replace(audience, list_version=version)
    disclosure = Disclosure(
        disclosure_id="DSC-" + new_reference().removeprefix("PD-"),
        recipient=declaration.recipient,
        purpose=declaration.purpose,
        categories=declaration.categories,
        audience=audience,
        effective=declaration.effective,
        declared_at=now,
        policy_version=declaration.policy_version or settings.policy_version,
    )
    detail = {
        "recipient": disclosure.recipient,
        "purpose": disclosure.purpose,
        "categories": list(disclosure.categories),
        "effective": disclosure.effective.isoformat(),
        "audience": {k: v for k, v in vars(audience).items() if v is not None},
    }
    declared = CaseEvent(disclosure.disclosure_id, now, "disclosure_declared", detail, actor=actor)
    head, events = link_events(disclosure.chain, disclosure.disclosure_id, [declared])
    disclosure = replace(disclosure, chain=head)
    ports.store.create_disclosure(disclosure, events)
    ports.queue.continue_planning(disclosure.disclosure_id)
    return disclosure


def last_day_to_tell(disclosure: Disclosure, settings: Settings) -> date:
    """The last day (in the organisation's zone) a notice still leaves its person the time to object."""
    return disclosure.effective - timedelta(days=settings.notice_objection_days)

"""A planned disclosure to a third party, the people told about it in advance, and what each notice became."""

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from privacydesk.models.event import GENESIS, ChainHead


class DisclosureStatus(StrEnum):
    """planning (recipients being listed) -> notifying (every notice queued) -> closing -> closed."""

    PLANNING = "planning"
    NOTIFYING = "notifying"
    CLOSING = "closing"
    CLOSED = "closed"


class NoticeState(StrEnum):
    """One person's notice: claimed by a sender, sent (or failed for good); retry releases a claim."""

    SENDING = "sending"
    RETRY = "retry"
    SENT = "sent"
    FAILED = "failed"
    # Still queued when the disclosure closed: that person was never told, so is never shared.
    EXPIRED = "expired"


# What SES may report of a notice that means its person was not reached (or complained of it).
UNDELIVERED = frozenset({"bounced", "complained", "rejected"})


@dataclass(frozen=True)
class Audience:
    """Who is told: everyone the ledger lets be contacted for a purpose, or the lines of a list in S3."""

    purpose: str | None = None
    # "may_contact": the deployment's consent model decides for people who never said; "granted": said yes.
    state: str = "may_contact"
    list_key: str | None = None
    # The list's S3 version when declared: planning reads exactly that one, whatever is uploaded later.
    list_version: str | None = None


@dataclass(frozen=True)
class Counts:
    """How far the fan-out went; filled as it goes, then fixed by the close."""

    planned: int = 0
    sent: int = 0
    failed: int = 0
    bounced: int = 0
    objected: int = 0
    late_objections: int = 0
    shareable: int = 0
    not_shared: int = 0


@dataclass(frozen=True)
class ListPart:
    """One file of the close's output in S3: who may be shared ("shareable") or not ("not_shared")."""

    kind: str
    key: str
    lines: int
    sha256: str


@dataclass(frozen=True)
class Disclosure:
    """What the privacy team declared, and where its notices and close stand."""

    disclosure_id: str
    recipient: str
    purpose: str
    categories: tuple[str, ...]
    audience: Audience
    effective: date
    declared_at: datetime
    policy_version: str
    status: DisclosureStatus = DisclosureStatus.PLANNING
    # Where planning, then closing, stopped: the next run starts after it.
    cursor: str | None = None
    counts: Counts = Counts()
    planned_at: datetime | None = None
    closed_at: datetime | None = None
    manifest_key: str | None = None
    manifest_sha256: str | None = None
    # The files the close has written so far, listed in the manifest with their hashes.
    parts: tuple[ListPart, ...] = ()
    # The head of its audit chain (declared, planned, closed, late objections).
    chain: ChainHead = GENESIS
    version: int = 1


@dataclass(frozen=True)
class Recipient:
    """One person a notice goes to (rewritten as is when a crashed planning run repeats a page)."""

    disclosure_id: str
    subject: str
    address: str = field(repr=False)
    language: str
    # Whether the ledger held the person when planned: if not, the sender records their address there first,
    # so the objection link in their notice can find them.
    in_ledger: bool = True


@dataclass(frozen=True)
class NoticeSend:
    """What happened to one person's notice: claimed once, so a redelivered message never sends twice."""

    disclosure_id: str
    subject: str
    # None: never claimed (an objection can arrive before the notice is sent).
    state: NoticeState | None
    claimed_at: datetime | None = None
    sent_at: datetime | None = None
    ses_message_id: str | None = None
    # What SES reported afterwards: delivered, bounced, complained...
    delivery: str | None = None
    objected_at: datetime | None = None
    late_objection: bool = False

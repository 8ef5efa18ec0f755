"""The repository port: everything the logic needs from the case store, and nothing about DynamoDB."""

from datetime import datetime
from typing import Protocol

from privacydesk.models.case import Case
from privacydesk.models.event import CaseEvent
from privacydesk.models.inbound import InboundRecord
from privacydesk.models.outbox import OutboxItem


class RepositoryError(Exception):
    """The case store failed; the message carries no personal data."""


class DuplicateInboundError(RepositoryError):
    """This inbound message was already processed: nothing was written."""


class ConcurrentUpdateError(RepositoryError):
    """Someone changed the record since it was read; read it again and retry."""


class CaseRepository(Protocol):
    """Reads and writes cases, their timelines, the outbox and the inbound log."""

    def get_case(self, ref: str) -> Case | None:
        """The case with this reference, or None."""
        ...

    def case_ref_for_sent_message(self, ses_message_id: str) -> str | None:
        """The case an email we sent (by its SES message id) belongs to, or None."""
        ...

    def open_case(
        self, case: Case, events: list[CaseEvent], outbox: list[OutboxItem], inbound: InboundRecord
    ) -> None:
        """Write a new case, its first events, its outgoing mail and the inbound record atomically."""
        ...

    def attach_reply(self, case: Case, event: CaseEvent, inbound: InboundRecord) -> None:
        """Add correspondence to a case (optimistic lock on its version) with the inbound record."""
        ...

    def record_inbound(self, inbound: InboundRecord) -> None:
        """Record an inbound email that opens nothing (quarantine, auto-reply, bulk)."""
        ...

    def open_cases_of(self, address: str) -> list[Case]:
        """Open cases whose requester is this address."""
        ...

    def flag_undeliverable(self, cases: list[Case], events: list[CaseEvent], inbound: InboundRecord) -> None:
        """Mark the requester address of these cases undeliverable, with the bounce's inbound record."""
        ...

    def get_inbound(self, message_id: str) -> InboundRecord | None:
        """What was done with this inbound message, or None if it was never processed."""
        ...

    def list_cases(self, limit: int) -> list[Case]:
        """Most recent cases first."""
        ...

    def list_events(self, ref: str) -> list[CaseEvent]:
        """A case's timeline, oldest first."""
        ...

    def list_outbox(self, limit: int) -> list[OutboxItem]:
        """Most recent outgoing mail first."""
        ...

    def list_inbound(self, limit: int) -> list[InboundRecord]:
        """Most recent inbound records first (quarantines included)."""
        ...

    def mark_sent(self, item: OutboxItem, ses_message_id: str, sent_at: datetime) -> bool:
        """Mark a pending outbox item sent; False if it was not pending any more."""
        ...

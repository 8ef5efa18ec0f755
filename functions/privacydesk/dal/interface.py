"""The repository port: everything the logic needs from the case store, and nothing about DynamoDB."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from privacydesk.models.case import Case
from privacydesk.models.consent import ConsentChange, ConsentEvent, ConsentRecord
from privacydesk.models.disclosure import Disclosure, NoticeSend, NoticeState, Recipient
from privacydesk.models.event import CaseEvent, ChainHead
from privacydesk.models.inbound import InboundRecord
from privacydesk.models.outbox import OutboxItem
from privacydesk.models.receipt import IssuedReceipt
from privacydesk.models.verification import Challenge


class RepositoryError(Exception):
    """The case store failed; the message carries no personal data."""


class DuplicateInboundError(RepositoryError):
    """This inbound message was already processed: nothing was written."""


class ConcurrentUpdateError(RepositoryError):
    """Someone changed the record since it was read; read it again and retry."""

    def __init__(self, message: str, reasons: Sequence[str | None] = ()) -> None:
        super().__init__(message)
        # DynamoDB's cancellation reason for each operation of the transaction, in order.
        self.reasons = tuple(reasons)


class ReceiptExistsError(RepositoryError):
    """A receipt with this id is already stored: nothing was written."""


@dataclass(frozen=True)
class CaseChange:
    """One case written as a whole: its new state, its chained audit events and the mail they cause.

    `expected_version` is the version read (None for a new case): the write succeeds only if the stored case
    still has it, so two concurrent changes never lose one. The stored case gets version + 1.
    """

    case: Case
    expected_version: int | None
    events: tuple[CaseEvent, ...] = ()
    outbox: tuple[OutboxItem, ...] = ()
    challenge: Challenge | None = None
    # Consent ledger changes the case causes (an opt-out applied as it opens), in the same transaction.
    consents: tuple[ConsentChange, ...] = ()


@dataclass(frozen=True)
class CaseFilter:
    """What a case listing is narrowed to (None: any)."""

    state: str | None = None
    right: str | None = None
    regime: str | None = None
    due_before: date | None = None
    received_before: datetime | None = None
    oldest_first: bool = False


@dataclass(frozen=True)
class PurgeRecord:
    """What is left of a case after the retention purge: no personal data, only its last chain head."""

    ref: str
    closed_at: datetime
    purged_at: datetime
    chain: ChainHead


class CaseRepository(Protocol):
    """Reads and writes cases, their audit trails, the outbox, challenges and the inbound log."""

    def get_case(self, ref: str) -> Case | None:
        """The case with this reference, or None."""
        ...

    def case_ref_for_sent_message(self, ses_message_id: str) -> str | None:
        """The case an email we sent (by its SES message id) belongs to, or None."""
        ...

    def commit(self, changes: Sequence[CaseChange], inbound: InboundRecord | None = None) -> None:
        """Write case changes, events, mail, challenges and the inbound record in one transaction."""
        ...

    def record_inbound(self, inbound: InboundRecord) -> None:
        """Record an inbound email that opens nothing (quarantine, auto-reply, bulk)."""
        ...

    def open_cases_of(self, address: str) -> list[Case]:
        """Open cases whose requester is this address."""
        ...

    def get_inbound(self, message_id: str) -> InboundRecord | None:
        """What was done with this inbound message, or None if it was never processed."""
        ...

    def list_cases(self, limit: int, where: CaseFilter | None = None) -> list[Case]:
        """Most recent cases first, narrowed by `where`."""
        ...

    def list_events(self, ref: str) -> list[CaseEvent]:
        """A case's audit trail, in chain order."""
        ...

    def list_outbox(self, limit: int) -> list[OutboxItem]:
        """Most recent outgoing mail first."""
        ...

    def list_inbound(self, limit: int) -> list[InboundRecord]:
        """Most recent inbound records first (quarantines included)."""
        ...

    def claim_outbox(self, outbox_id: str, now: datetime, stale_before: datetime) -> OutboxItem | None:
        """Claim an item to send: pending, parked and ready, or claimed before `stale_before`; else None."""
        ...

    def release_outbox(self, item: OutboxItem, *, retry_at: datetime | None, reason: str) -> bool:
        """Give a claimed item back, pending or parked until `retry_at`; False if the claim was lost."""
        ...

    def mark_sent(
        self, item: OutboxItem, ses_message_id: str, sent_at: datetime, case: CaseChange | None = None
    ) -> bool:
        """Mark a claimed item sent, with its case's timeline event; False if the claim was lost."""
        ...

    def mark_failed(
        self, item: OutboxItem, reason: str, alert: OutboxItem | None, case: CaseChange | None = None
    ) -> bool:
        """Mark a claimed item failed, with the team alert and the case event; False if the claim was lost."""
        ...

    def queue_mail(self, mail: OutboxItem) -> bool:
        """Queue mail that belongs to no case change (the digest); False if one with its id exists."""
        ...

    def outbox_id_for_sent_message(self, ses_message_id: str) -> str | None:
        """The outbox item an SES message id was sent for, or None."""
        ...

    def record_delivery(
        self,
        item: OutboxItem,
        event_key: str,
        *,
        delivery: str | None,
        duplicate: bool,
        case: CaseChange | None,
        alert: OutboxItem | None,
    ) -> None:
        """Record one SES event on an item, once (ConcurrentUpdateError if it changed or has it already)."""
        ...

    def get_outbox(self, outbox_id: str) -> OutboxItem | None:
        """One outbox item, or None."""
        ...

    def due_outbox(self, now: datetime, limit: int) -> list[OutboxItem]:
        """Unsettled outbox items whose time to be (re)tried has come (the sparse due index)."""
        ...

    def due_cases(self, now: datetime, limit: int) -> list[Case]:
        """Open cases whose next scheduled action has come (the sparse due index)."""
        ...

    def get_challenge(self, ref: str, purpose: str) -> Challenge | None:
        """The case's verification challenge for this purpose, or None."""
        ...

    def save_challenge(self, challenge: Challenge) -> None:
        """Store a redeemed or failed challenge if nobody changed it since it was read."""
        ...

    def cases_to_anchor(self, limit: int) -> list[Case]:
        """Cases whose audit chain grew since its head was last written to the evidence bucket."""
        ...

    def mark_anchored(self, ref: str, seq: int) -> None:
        """Remember that the chain head at `seq` is in the evidence bucket."""
        ...

    def closed_cases_before(self, cutoff: datetime, limit: int) -> list[Case]:
        """Cases closed before `cutoff` (the retention purge's candidates)."""
        ...

    def purge_case(self, case: Case, record: PurgeRecord, tally: dict[str, int]) -> None:
        """Delete a case with its trail, challenges and mail; keep the purge record and add to the counts."""
        ...

    def get_purge_record(self, ref: str) -> PurgeRecord | None:
        """What is left of a purged case, or None."""
        ...

    def get_consent(self, subject: str) -> ConsentRecord | None:
        """A subject's consent projection, or None when the ledger holds nothing for them."""
        ...

    def consent_events(self, subject: str) -> list[ConsentEvent]:
        """A subject's consent events in chain order."""
        ...

    def consent_records(self, subjects: Sequence[str]) -> dict[str, ConsentRecord]:
        """The projections of many subjects; subjects with none are left out."""
        ...

    def record_consent(self, change: ConsentChange) -> None:
        """Write one subject's new events and projection atomically."""
        ...

    def consent_page(self, after: str | None, limit: int) -> tuple[list[ConsentRecord], str | None]:
        """Subjects' projections in subject-id order, a page at a time, and the cursor for the next page."""
        ...

    def record_receipt(self, receipt: IssuedReceipt, consent: ConsentChange | None, mail: OutboxItem) -> None:
        """Write a receipt, the consents it states and its mail at once (ReceiptExistsError: id taken)."""
        ...

    def get_receipt(self, receipt_id: str) -> IssuedReceipt | None:
        """A stored receipt, or None."""
        ...


class DisclosureRepository(Protocol):
    """Planned disclosures, the people told about them, and what each notice became."""

    def create_disclosure(self, disclosure: Disclosure, events: Sequence[CaseEvent]) -> None:
        """Write a new declaration with its first audit events (ConcurrentUpdateError if the id exists)."""
        ...

    def get_disclosure(self, disclosure_id: str) -> Disclosure | None:
        """A declaration with its counters, or None."""
        ...

    def list_disclosures(self, limit: int) -> list[Disclosure]:
        """The most recently declared first."""
        ...

    def disclosure_events(self, disclosure_id: str) -> list[CaseEvent]:
        """A disclosure's audit trail in chain order."""
        ...

    def save_disclosure(self, disclosure: Disclosure, events: Sequence[CaseEvent] = ()) -> Disclosure:
        """Move status, cursor and owned counts if the stored version is still `disclosure.version`."""
        ...

    def add_counts(self, disclosure_id: str, **deltas: int) -> None:
        """Add to the counters the sender and the SES events own."""
        ...

    def put_recipients(self, recipients: Sequence[Recipient]) -> None:
        """Write recipients in batches (a repeated page writes the same items again)."""
        ...

    def get_recipients(self, disclosure_id: str, subjects: Sequence[str]) -> dict[str, Recipient]:
        """The recipients of these subjects; unknown subjects are left out."""
        ...

    def recipient_page(self, disclosure_id: str, after: str | None, limit: int) -> list[Recipient]:
        """Recipients in subject order, after the subject `after`."""
        ...

    def notices_between(self, disclosure_id: str, after: str | None, last: str) -> dict[str, NoticeSend]:
        """The notices of subjects after `after` up to `last` included."""
        ...

    def get_notice(self, disclosure_id: str, subject: str) -> NoticeSend | None:
        """One person's notice item, or None."""
        ...

    def claim_notice(self, disclosure_id: str, subject: str, now: datetime, stale_before: datetime) -> bool:
        """Take one person's notice to send; False if it is sent, failed, or claimed by a live sender."""
        ...

    def finish_notice(
        self,
        disclosure_id: str,
        subject: str,
        state: NoticeState,
        *,
        sent_at: datetime | None = None,
        ses_message_id: str | None = None,
    ) -> bool:
        """Move a claimed notice to sent, failed, expired or retry; False if the claim was lost."""
        ...

    def notice_delivery(self, disclosure_id: str, subject: str, delivery: str) -> bool:
        """Record what SES reported on a sent notice; True only the first time it became undelivered."""
        ...

    def record_objection(self, disclosure_id: str, subject: str, at: datetime, *, late: bool) -> bool:
        """Note that this person objected (before or after the date); True the first time only."""
        ...

"""The inbound use case: one SES-received email in, exactly one recorded outcome out."""

from dataclasses import dataclass, replace
from typing import Any, Protocol

from privacydesk.config import Settings
from privacydesk.dal.interface import CaseChange, CaseRepository, DuplicateInboundError
from privacydesk.logic.acknowledgement import acknowledgement
from privacydesk.logic.audit_chain import chain_events
from privacydesk.logic.clock import Clock
from privacydesk.logic.clocks import local_date
from privacydesk.logic.lifecycle import Action, apply_action
from privacydesk.logic.open_case import (
    KeySource,
    commit_new_case,
    issue_verification,
    mail_queued,
    open_new_case,
    right_items,
)
from privacydesk.logic.references import new_reference, ses_message_ids
from privacydesk.logic.triage import triage_message
from privacydesk.logic.verification import IDENTITY
from privacydesk.models.case import Case
from privacydesk.models.event import CaseEvent
from privacydesk.models.inbound import InboundNotice, InboundRecord, MailMissingError, Outcome, StoredMail
from privacydesk.models.rights import ItemState, MailKind, Right
from privacydesk.models.triage import Attachment, TriageResult
from privacydesk.models.verification import ResendLimitError
from privacydesk.observability import logger

# Enough of an oversized mail to read its headers and the start of its text.
HEAD_BYTES = 64 * 1024
_EXCERPT_CHARS = 4000
_NEVER_ANSWER = ("mailer-daemon@", "postmaster@", "no-reply@", "noreply@", "do-not-reply@", "donotreply@")


class MailReader(Protocol):
    """The part of the mail store intake needs."""

    def fetch(self, key: str, max_bytes: int) -> StoredMail:
        """The raw mail, or only its size when it is over max_bytes."""
        ...

    def fetch_head(self, key: str, length: int) -> bytes:
        """The first bytes of a raw mail."""
        ...

    def put_attachment(self, message_id: str, index: int, attachment: Attachment) -> str:
        """Store an attachment; returns its key."""
        ...


@dataclass(frozen=True)
class IntakeResult:
    """What intake did; carries no personal data (it is stored as the idempotency result)."""

    outcome: Outcome
    case_ref: str | None
    reason: str
    duplicate: bool = False

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form for the handler's return value."""
        return {
            "outcome": self.outcome.value,
            "case_ref": self.case_ref,
            "reason": self.reason,
            "duplicate": self.duplicate,
        }


@dataclass(frozen=True)
class IntakePorts:
    """What intake talks to."""

    mail: MailReader
    repo: CaseRepository
    clock: Clock
    settings: Settings
    key: KeySource
    ledger_key: KeySource


def process_inbound(notice: InboundNotice, ports: IntakePorts) -> IntakeResult:
    """Gate, read, triage and record one inbound email; a second delivery changes nothing."""
    try:
        return _process(notice, ports)
    except DuplicateInboundError:
        seen = ports.repo.get_inbound(notice.message_id)
        if seen is None:
            raise
        logger.info("inbound message already processed", extra={"outcome": seen.outcome.value})
        return IntakeResult(seen.outcome, seen.case_ref, seen.reason, duplicate=True)


def _process(notice: InboundNotice, ports: IntakePorts) -> IntakeResult:
    gate = _verdict_gate(notice)
    if gate:
        return _record(ports, notice, Outcome.QUARANTINED, gate)
    try:
        stored = ports.mail.fetch(notice.object_key, ports.settings.max_mail_bytes)
    except MailMissingError:
        # A retry cannot help: record it so the message is not lost without a trace.
        return _record(
            ports, notice, Outcome.QUARANTINED, "raw mail missing from the bucket: check the S3 action"
        )
    oversized = stored.raw is None
    raw = stored.raw if stored.raw is not None else ports.mail.fetch_head(notice.object_key, HEAD_BYTES)
    triage = triage_message(raw)
    logger.info(
        "inbound triaged", extra={"kind": triage.kind.value, "rights": [r.value for r in triage.rights]}
    )
    if triage.kind is MailKind.BOUNCE:
        return _record_bounce(notice, triage, ports)
    latent = _latent_request(triage)
    if latent:
        # Never answered (no loop), but a request hiding in machine-looking mail is not dropped either.
        asked = ", ".join(right.value for right in latent)
        reason = f"{triage.kind.value} that asks for {asked}: a person must review it; not answered"
        return _record(ports, notice, Outcome.QUARANTINED, reason)
    if triage.kind is MailKind.AUTO_REPLY:
        return _record(ports, notice, Outcome.AUTO_REPLY_IGNORED, "automatic reply: never answered")
    if triage.kind is MailKind.BULK:
        return _record(ports, notice, Outcome.BULK_IGNORED, "bulk or list mail: never answered")
    related = None
    if triage.kind is MailKind.REPLY:
        case = _case_replied_to(triage, ports.repo)
        if case is not None and _may_join(case, triage, notice):
            return _attach_reply(notice, triage, case, ports)
        related = case.ref if case is not None else None
    return _open_case(notice, triage, ports, oversized=oversized, related=related)


def _may_join(case: Case, triage: TriageResult, notice: InboundNotice) -> bool:
    """Only the case's own requester may add to an open case; anything else becomes a case of its own."""
    sender = (triage.requester or notice.envelope_sender or "").lower()
    still_open = case.due is not None
    return still_open and sender in {case.requester, case.on_behalf_of}


def _latent_request(triage: TriageResult) -> tuple[Right, ...]:
    """Rights asked for by mail that looks automatic; a list mail's unsubscribe footer does not count."""
    if triage.kind is MailKind.BULK:
        return tuple(right for right in triage.latent_rights if right is not Right.MARKETING_OPT_OUT)
    return triage.latent_rights if triage.kind is MailKind.AUTO_REPLY else ()


def _verdict_gate(notice: InboundNotice) -> str | None:
    if notice.verdicts.get("virus") == "FAIL":
        return "virus verdict FAIL: quarantined, never answered"
    if notice.verdicts.get("spam") == "FAIL":
        return "spam verdict FAIL: quarantined for review, never answered"
    return None


def _record(ports: IntakePorts, notice: InboundNotice, outcome: Outcome, reason: str) -> IntakeResult:
    ports.repo.record_inbound(_inbound(notice, outcome, reason))
    return IntakeResult(outcome, None, reason)


def _inbound(notice: InboundNotice, outcome: Outcome, reason: str, ref: str | None = None) -> InboundRecord:
    return InboundRecord(notice.message_id, notice.received_at, outcome, reason, notice.object_key, ref)


# Two items per flagged case in one transaction (at most 100): the inbound record rides with the last.
_BOUNCE_CHUNK = 45


def _record_bounce(notice: InboundNotice, triage: TriageResult, ports: IntakePorts) -> IntakeResult:
    cases = [case for address in triage.bounced for case in ports.repo.open_cases_of(address)]
    # A case SES's own Bounce event already flagged is not flagged twice (the same bounce, told twice).
    unflagged = [case for case in cases if "undeliverable" not in case.flags]
    now = ports.clock()
    changes = []
    for case in unflagged:
        flagged = replace(case, flags=(*case.flags, "undeliverable"))
        event = CaseEvent(case.ref, now, "requester_undeliverable", {"bounce_message_id": notice.message_id})
        chained_case, events = chain_events(flagged, [event])
        changes.append(CaseChange(chained_case, case.version, events))
    reason = (
        f"bounce for {len(triage.bounced)} address(es), {len(unflagged)} open case(s) flagged"
        f" ({len(cases) - len(unflagged)} already flagged)"
    )
    # Earlier chunks first: if a later one fails, a retry skips the cases already flagged,
    # while the inbound record (written last) still lets the retry happen.
    chunks = [changes[i : i + _BOUNCE_CHUNK] for i in range(0, len(changes), _BOUNCE_CHUNK)] or [[]]
    for chunk in chunks[:-1]:
        ports.repo.commit(chunk)
    ports.repo.commit(chunks[-1], _inbound(notice, Outcome.BOUNCE_RECORDED, reason))
    return IntakeResult(Outcome.BOUNCE_RECORDED, None, reason)


def _case_replied_to(triage: TriageResult, repo: CaseRepository) -> Case | None:
    if triage.case_ref:
        case = repo.get_case(triage.case_ref)
        if case is not None:
            return case
    for ses_id in ses_message_ids(list(triage.in_reply_to)):
        ref = repo.case_ref_for_sent_message(ses_id)
        if ref:
            return repo.get_case(ref)
    return None


def _attach_reply(
    notice: InboundNotice, triage: TriageResult, case: Case, ports: IntakePorts
) -> IntakeResult:
    stored = _store_attachments(notice, triage, ports.mail)
    now = ports.clock()
    event = CaseEvent(
        case.ref,
        now,
        "correspondence_received",
        {
            "message_id": notice.message_id,
            "raw_key": notice.object_key,
            "from_requester": (triage.requester or "") == case.requester,
            "subject": triage.subject[:200],
            "excerpt": triage.text[:_EXCERPT_CHARS],
            "rights_mentioned": [r.value for r in triage.rights],
            "attachments": stored,
        },
        actor="requester",
    )
    updated, events = case, [event]
    if any(item.state is ItemState.AWAITING_REQUESTER for item in case.items):
        # Their answer to our question: the items waiting on it move on and stopped clocks restart.
        answered = apply_action(
            case,
            Action.ANSWER,
            now=now,
            today=local_date(now, ports.settings.timezone),
            actor="requester",
            detail={"message_id": notice.message_id},
            stop_the_clock=ports.settings.stop_the_clock,
        )
        updated, events = answered.case, [event, *answered.events]
    challenge, mails = None, []
    if any(item.state is ItemState.AWAITING_VERIFICATION for item in updated.items):
        # The verification mail says: if the code expired or does not work, reply and get a new one.
        previous = ports.repo.get_challenge(case.ref, IDENTITY)
        try:
            challenge, mail = issue_verification(updated, ports.settings, now, ports.key(), previous)
        except ResendLimitError:
            logger.info("no new code on reply: resend limit reached", extra={"case": case.ref})
        else:
            mails = [mail]
            events += [
                CaseEvent(case.ref, now, "verification_resent", {"on": "reply"}, actor="requester"),
                mail_queued(mail, now),
            ]
    chained_case, chained = chain_events(updated, events)
    reason = "reply attached to its case"
    ports.repo.commit(
        [CaseChange(chained_case, case.version, chained, tuple(mails), challenge)],
        _inbound(notice, Outcome.REPLY_ATTACHED, reason, case.ref),
    )
    return IntakeResult(Outcome.REPLY_ATTACHED, case.ref, reason)


def _open_case(
    notice: InboundNotice, triage: TriageResult, ports: IntakePorts, *, oversized: bool, related: str | None
) -> IntakeResult:
    settings = ports.settings
    requester = triage.requester or notice.envelope_sender
    if not requester:
        return _record(ports, notice, Outcome.QUARANTINED, "no sender address to answer: needs a human")
    requester = requester.lower()
    if requester == settings.sender_address.lower() or requester.startswith(_NEVER_ANSWER):
        return _record(
            ports, notice, Outcome.QUARANTINED, "mail from our own or a system address: not answered"
        )
    now = ports.clock()
    rights = (Right.QUESTION,) if oversized else triage.rights or (Right.QUESTION,)
    regime, regime_reason = _regime(triage, settings)
    # A mail naming a case it may not join (another sender, or a closed case) is linked for the officer.
    flags = (*(("oversized_mail",) if oversized else ()), *(("refers_to_another_case",) if related else ()))
    case = Case(
        ref=new_reference(),
        requester=requester,
        language=triage.language,
        received_at=notice.received_at,
        items=right_items(rights, regime, notice.received_at, settings),
        regime=regime,
        regime_reason=regime_reason,
        calendar=settings.holiday_calendar,
        source="email",
        source_message_id=notice.message_id,
        raw_key=notice.object_key,
        subject=triage.subject[:200],
        on_behalf_of=triage.on_behalf_of,
        verdicts={k: v for k, v in notice.verdicts.items() if k in {"spf", "dkim", "dmarc"}},
        evidence=triage.evidence,
        flags=flags,
    )
    attachments = _store_attachments(notice, triage, ports.mail)
    ack = acknowledgement(
        case,
        settings,
        now,
        cause=notice.message_id,
        in_reply_to=triage.message_id,
        their_subject=triage.subject,
    )
    opened = CaseEvent(
        case.ref,
        now,
        "case_opened",
        {
            "message_id": notice.message_id,
            "raw_key": notice.object_key,
            "rights": [r.value for r in rights],
            "regime": regime,
            "regime_reason": regime_reason,
            "attachments": attachments,
            "flags": list(flags),
            "related_case": related,
        },
        actor="requester",
    )
    reason = "new case opened; acknowledgement queued"
    commit_new_case(
        lambda: open_new_case(
            case,
            opened,
            [ack],
            repo=ports.repo,
            settings=settings,
            key=ports.key,
            ledger_key=ports.ledger_key,
            now=now,
        ),
        ports.repo,
        _inbound(notice, Outcome.CASE_OPENED, reason, case.ref),
    )
    return IntakeResult(Outcome.CASE_OPENED, case.ref, reason)


def _regime(triage: TriageResult, settings: Settings) -> tuple[str, str]:
    if triage.regime_hint:
        return triage.regime_hint, "named or implied in the requester's email"
    return settings.default_regime, "deployment default"


def _store_attachments(notice: InboundNotice, triage: TriageResult, mail: MailReader) -> list[str]:
    return [mail.put_attachment(notice.message_id, i, a) for i, a in enumerate(triage.attachments)]

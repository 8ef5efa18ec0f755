"""Opening a case, whether it came by email or over the API: clocks, duplicates, verification, audit."""

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from privacydesk.config import Settings
from privacydesk.dal.interface import CaseChange, CaseRepository, ConcurrentUpdateError
from privacydesk.logic.audit_chain import chain_events
from privacydesk.logic.clocks import compute_clocks, local_date
from privacydesk.logic.lifecycle import opened
from privacydesk.logic.notices import notice
from privacydesk.logic.opt_out import apply_opt_outs
from privacydesk.logic.verification import (
    CODE_SLOT,
    IDENTITY,
    TOKEN_SLOT,
    issue,
    new_nonce,
    status_token_hash,
)
from privacydesk.models.case import Case, RightItem
from privacydesk.models.event import CaseEvent
from privacydesk.models.inbound import InboundRecord
from privacydesk.models.outbox import OutboxItem
from privacydesk.models.rights import RIGHTS_NEEDING_VERIFICATION, ItemState, Right
from privacydesk.models.verification import Challenge

KeySource = Callable[[], bytes]
_TRIES = 3


def right_items(
    rights: Sequence[Right], regime: str, received_at: datetime, settings: Settings
) -> tuple[RightItem, ...]:
    """One received item per right, with its legal clocks (open_new_case moves those needing verification)."""
    today = local_date(received_at, settings.timezone)
    return tuple(_item(right, regime, today, settings) for right in dict.fromkeys(rights))


def _item(right: Right, regime: str, today: date, settings: Settings) -> RightItem:
    return RightItem(
        right=right,
        state=ItemState.RECEIVED,
        needs_verification=right in RIGHTS_NEEDING_VERIFICATION,
        clocks=compute_clocks(regime, right.value, today, settings.holiday_calendar),
    )


def open_new_case(
    case: Case,
    opened_event: CaseEvent,
    outbox: Sequence[OutboxItem],
    *,
    repo: CaseRepository,
    settings: Settings,
    key: KeySource,
    ledger_key: KeySource,
    now: datetime,
    status_token: str | None = None,
) -> CaseChange:
    """The first write of a case: linked to an open duplicate, verification sent, every step in the trail."""
    # Same person (an agent writes for many), same rights, still open.
    duplicates = [
        c.ref
        for c in repo.open_cases_of(case.requester)
        if c.subject_address == case.subject_address and set(c.rights) == set(case.rights)
    ]
    if duplicates:
        # Linked, never merged: the new request still goes through its own verification.
        case = replace(case, flags=(*case.flags, "duplicate_of_open_case"))
        opened_event = replace(opened_event, detail={**opened_event.detail, "duplicate_of": duplicates})
    # Received, then at once waiting for verification where the right needs it (clocks stop if allowed).
    opening = opened(
        case, now=now, today=local_date(now, settings.timezone), stop_the_clock=settings.stop_the_clock
    )
    case = opening.case
    events = [opened_event, *opening.events]
    mails = list(outbox)
    challenge = None
    secret = key() if status_token or any(i.needs_verification for i in case.items) else b""
    applied = apply_opt_outs(
        case, repo=repo, settings=settings, key=ledger_key, now=now, today=local_date(now, settings.timezone)
    )
    case = applied.case
    events += applied.events
    if status_token:
        # Only its HMAC is kept: whoever reads the table cannot use it to read the status.
        case = replace(case, status_token_hash=status_token_hash(secret, case.ref, status_token))
    if any(i.needs_verification for i in case.items):
        challenge, mail = issue_verification(case, settings, now, secret)
        mails.append(mail)
    events += [mail_queued(m, now) for m in mails]
    case, chained = chain_events(case, events)
    consents = (applied.consent,) if applied.consent else ()
    return CaseChange(case, None, chained, tuple(mails), challenge, consents)


def commit_new_case(
    build: Callable[[], CaseChange], repo: CaseRepository, inbound: InboundRecord | None = None
) -> CaseChange:
    """Write a new case; built again if the data subject's consent record moved meanwhile (two opt-outs
    of one person at the same moment), so neither is refused."""
    for attempt in range(_TRIES):
        change = build()
        try:
            repo.commit([change], inbound)
        except ConcurrentUpdateError:
            if attempt == _TRIES - 1:
                raise
            continue
        return change
    raise AssertionError("unreachable")


def mail_queued(mail: OutboxItem, now: datetime) -> CaseEvent:
    """The audit event that records a mail put in the outbox (the purge also finds mail through it)."""
    return CaseEvent(
        mail.case_ref or "", now, "mail_queued", {"outbox_id": mail.outbox_id, "template": mail.template}
    )


def issue_verification(
    case: Case,
    settings: Settings,
    now: datetime,
    key: bytes,
    previous: Challenge | None = None,
    *,
    reminder: dict[str, Any] | None = None,
) -> tuple[Challenge, OutboxItem]:
    """A fresh identity challenge and the mail carrying it to the data subject (slots filled at send).

    With `reminder` (its template context), the mail is the scheduled reminder, sent outside the resend limit.
    """
    nonce = new_nonce()
    challenge, _, _ = issue(
        case.ref,
        IDENTITY,
        case.subject_address,
        now,
        key,
        previous=previous,
        nonce=nonce,
        enforce_limit=reminder is None,
    )
    mail = _verification_mail(
        case, settings, now, nonce=nonce, expires_at=challenge.link_expires_at, reminder=reminder
    )
    return challenge, mail


def _verification_mail(
    case: Case,
    settings: Settings,
    now: datetime,
    *,
    nonce: str,
    expires_at: datetime,
    reminder: dict[str, Any] | None,
) -> OutboxItem:
    """The code and link that prove the data subject controls the address (slots filled at send time)."""
    link = f"{settings.public_base_url}/v1/requests/{case.ref}/verify?token={TOKEN_SLOT}"
    context: dict[str, Any] = {
        # One mail per issued code: a resend is a new cause, a retry of the same write is not.
        "cause": f"{now:%Y%m%dT%H%M%S}",
        "code": CODE_SLOT,
        "link": link,
        "expires_at": local_date(expires_at - timedelta(seconds=1), settings.timezone),
        "rights": [i.right.value for i in case.items if i.needs_verification],
        "on_behalf": case.on_behalf_of is not None,
        # Who will receive our answer if the data subject confirms: the agent who wrote to us.
        "agent_address": case.requester if case.on_behalf_of else "",
    }
    kind = "reminder_verification" if reminder else "verification_request"
    mail = notice(kind, case, settings, now, **{**context, **(reminder or {})})
    return replace(mail, secret_nonce=nonce)

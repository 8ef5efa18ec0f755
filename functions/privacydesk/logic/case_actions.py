"""What the privacy team and the requester do to an open case; each change is one atomic, audited write."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol

from privacydesk.config import Settings
from privacydesk.dal.interface import CaseChange, CaseRepository, ConcurrentUpdateError
from privacydesk.logic.audit_chain import chain_events
from privacydesk.logic.clock import Clock
from privacydesk.logic.clocks import local_date
from privacydesk.logic.lifecycle import WAITING_STATES, Action, Change, TransitionError, apply_action
from privacydesk.logic.notices import denial_context, notice
from privacydesk.logic.open_case import KeySource, mail_queued
from privacydesk.models.case import Case
from privacydesk.models.event import CaseEvent, ChainHead
from privacydesk.models.outbox import OutboxItem
from privacydesk.models.rights import RIGHTS_NEEDING_VERIFICATION, DenialReason, Right
from privacydesk.models.verification import Challenge
from privacydesk.observability import logger

_TRIES = 3


class HeadWriter(Protocol):
    """Where chain heads are kept out of reach of the table's writers (the evidence bucket)."""

    def put_head(self, ref: str, head: ChainHead, at: datetime, reason: str) -> str:
        """Write one chain head; returns its key."""
        ...


@dataclass(frozen=True)
class DeskPorts:
    """What the case use cases talk to."""

    repo: CaseRepository
    clock: Clock
    settings: Settings
    key: KeySource
    # The consent ledger's own key: the verification key may be rotated, this one never.
    ledger_key: KeySource
    heads: HeadWriter | None = None


class CaseNotFoundError(Exception):
    """No case has this reference (or the caller may not know it exists)."""


@dataclass(frozen=True)
class Draft:
    """A change worked out from the case as last read: the new case, its events (unchained), its mail."""

    case: Case
    events: list[CaseEvent]
    mails: list[OutboxItem]
    challenge: Challenge | None = None


Step = Callable[[Case, datetime], Draft]


def change_case(ref: str, step: Step, ports: DeskPorts) -> Case:
    """Read, change and write a case under its version; a concurrent writer makes us read again."""
    for attempt in range(1, _TRIES + 1):
        case = ports.repo.get_case(ref)
        if case is None:
            raise CaseNotFoundError("no case with this reference")
        now = ports.clock()
        draft = step(case, now)
        events = draft.events + [mail_queued(m, now) for m in draft.mails]
        chained_case, chained = chain_events(draft.case, events)
        change = CaseChange(chained_case, case.version, chained, tuple(draft.mails), draft.challenge)
        try:
            ports.repo.commit([change])
        except ConcurrentUpdateError:
            if attempt == _TRIES:
                raise
            logger.info("case changed concurrently; reading it again", extra={"attempt": attempt})
            continue
        stored = replace(chained_case, version=case.version + 1)
        if case.is_open and not stored.is_open:
            anchor_head(stored, ports, "case closed")
        return stored
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


def anchor_head(case: Case, ports: DeskPorts, reason: str) -> bool:
    """Copy the chain head to the evidence bucket; the scheduled sweep retries anything missed here."""
    if ports.heads is None:
        return False
    try:
        ports.heads.put_head(case.ref, case.chain, ports.clock(), reason)
        ports.repo.mark_anchored(case.ref, case.chain.seq)
    except Exception:  # noqa: BLE001 - the closing write is done; the sweep anchors it later
        logger.exception("chain head not anchored yet", extra={"case": case.ref})
        return False
    return True


def transition(
    action: Action,
    *,
    actor: str,
    rights: Sequence[Right] | None,
    settings: Settings,
    detail: dict[str, Any] | None = None,
    mail: Callable[[Change, datetime, str], list[OutboxItem]] | None = None,
) -> Step:
    """A step that applies one lifecycle action and queues the notice it calls for."""

    def step(case: Case, now: datetime) -> Draft:
        change = apply_action(
            case,
            action,
            now=now,
            today=local_date(now, settings.timezone),
            actor=actor,
            rights=rights,
            detail=detail,
            stop_the_clock=settings.stop_the_clock,
        )
        # The first new event's place in the chain names the mail: a retried write cannot send it twice.
        cause = str(case.chain.seq + 1)
        return Draft(change.case, list(change.events), mail(change, now, cause) if mail else [])

    return step


def assign(ref: str, ports: DeskPorts, *, assignee: str, actor: str) -> Case:
    """Give the case to a member of the privacy team."""

    def step(case: Case, now: datetime) -> Draft:
        event = CaseEvent(ref, now, "assigned", {"from": case.assignee, "to": assignee}, actor=actor)
        return Draft(replace(case, assignee=assignee), [event], [])

    return change_case(ref, step, ports)


def add_note(ref: str, ports: DeskPorts, *, text: str, actor: str) -> Case:
    """An internal note on the timeline (never sent to the requester)."""

    def step(case: Case, now: datetime) -> Draft:
        return Draft(case, [CaseEvent(ref, now, "note_added", {"text": text}, actor=actor)], [])

    return change_case(ref, step, ports)


def ask_requester(
    ref: str, ports: DeskPorts, *, message: str, rights: Sequence[Right] | None, actor: str
) -> Case:
    """Ask the requester for information; where the regime allows, the clocks stop until they answer."""
    settings = ports.settings

    def mail(change: Change, now: datetime, cause: str) -> list[OutboxItem]:
        waiting = [i for i in change.case.items if i.right in change.moved]
        paused = any(i.paused_since is not None and i.state in WAITING_STATES for i in waiting)
        due = max(i.due for i in waiting)
        return [
            notice(
                "information_request",
                change.case,
                settings,
                now,
                cause=cause,
                message=message,
                paused=paused,
                due=due,
            )
        ]

    step = transition(
        Action.ASK, actor=actor, rights=rights, settings=settings, detail={"message": message}, mail=mail
    )
    return change_case(ref, step, ports)


def extend(ref: str, ports: DeskPorts, *, reason: str, rights: Sequence[Right] | None, actor: str) -> Case:
    """Extend the deadline (refused after the notice cutoff) and tell the requester why and until when."""
    settings = ports.settings

    def mail(change: Change, now: datetime, cause: str) -> list[OutboxItem]:
        extended = [i for i in change.case.items if i.right in change.moved]
        return [
            notice(
                "extension",
                change.case,
                settings,
                now,
                cause=cause,
                reason=reason,
                due=max(i.due for i in extended),
                rights=[i.right.value for i in extended],
            )
        ]

    step = transition(
        Action.EXTEND, actor=actor, rights=rights, settings=settings, detail={"reason": reason}, mail=mail
    )
    return change_case(ref, step, ports)


def complete(ref: str, ports: DeskPorts, *, message: str, rights: Sequence[Right] | None, actor: str) -> Case:
    """Fulfil the rights (never one that needs verification before it is verified) and send the answer."""
    settings = ports.settings

    def mail(change: Change, now: datetime, cause: str) -> list[OutboxItem]:
        done = [r.value for r in change.moved]
        return [notice("completion", change.case, settings, now, cause=cause, message=message, rights=done)]

    step = transition(
        Action.COMPLETE, actor=actor, rights=rights, settings=settings, detail={"message": message}, mail=mail
    )
    return change_case(ref, step, ports)


def deny(
    ref: str,
    ports: DeskPorts,
    *,
    reason: DenialReason,
    message: str,
    rights: Sequence[Right] | None,
    actor: str,
) -> Case:
    """Refuse the rights with a legal reason, and say where to complain."""
    settings = ports.settings

    def mail(change: Change, now: datetime, cause: str) -> list[OutboxItem]:
        return [
            notice(
                "denial",
                change.case,
                settings,
                now,
                cause=cause,
                rights=[r.value for r in change.moved],
                message=message,
                **denial_context(change.case, reason.value),
            )
        ]

    detail = {"reason": reason.value, "message": message}
    if reason is DenialReason.UNVERIFIABLE:
        rights = _verifiable(ref, rights, ports)
    step = transition(Action.DENY, actor=actor, rights=rights, settings=settings, detail=detail, mail=mail)
    return change_case(ref, step, ports)


def _verifiable(ref: str, rights: Sequence[Right] | None, ports: DeskPorts) -> list[Right]:
    """The rights "unverifiable" may refuse: never an opt-out, which needs no verification (CCPA §7026)."""
    case = ports.repo.get_case(ref)
    if case is None:
        raise CaseNotFoundError("no case with this reference")
    needing = [i.right for i in case.items if i.needs_verification and i.is_open]
    if rights is None:
        if not needing:
            raise TransitionError(
                "cannot deny as unverifiable: no open right of this case needs verification"
            )
        return needing
    for right in rights:
        if right not in RIGHTS_NEEDING_VERIFICATION:
            raise TransitionError(
                f"cannot deny the {right.value} right as unverifiable: it needs no verification"
            )
    return list(rights)


def withdraw(ref: str, ports: DeskPorts, *, reason: str, rights: Sequence[Right] | None, actor: str) -> Case:
    """Close the rights the requester no longer wants, and confirm it to them."""
    settings = ports.settings

    def mail(change: Change, now: datetime, cause: str) -> list[OutboxItem]:
        gone = [r.value for r in change.moved]
        return [notice("withdrawal", change.case, settings, now, cause=cause, rights=gone)]

    step = transition(
        Action.WITHDRAW, actor=actor, rights=rights, settings=settings, detail={"reason": reason}, mail=mail
    )
    return change_case(ref, step, ports)

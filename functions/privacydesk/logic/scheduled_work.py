"""The scheduled work on cases: reminders to requesters, closures, escalations to the team, the digest."""

from dataclasses import replace
from datetime import UTC, datetime

from privacydesk.config import Settings
from privacydesk.dal.interface import CaseFilter
from privacydesk.logic.case_actions import DeskPorts, Draft, change_case, transition
from privacydesk.logic.clocks import local_date
from privacydesk.logic.digest import build_digest, render_digest
from privacydesk.logic.lifecycle import Action
from privacydesk.logic.notices import notice
from privacydesk.logic.open_case import issue_verification
from privacydesk.logic.schedule import (
    CLOSE_UNVERIFIED,
    ESCALATION,
    REMINDER,
    Due,
    SchedulePolicy,
    due_now,
    escalation_context,
    next_due_at,
    reminder_context,
)
from privacydesk.logic.team_mail import team_message
from privacydesk.logic.verification import IDENTITY
from privacydesk.models.case import Case
from privacydesk.models.event import CaseEvent
from privacydesk.models.outbox import OutboxItem
from privacydesk.observability import logger

_BATCH = 200
_DIGEST_CASES = 1000


def policy_of(settings: Settings) -> SchedulePolicy:
    """The schedule the deployment's settings describe."""
    return SchedulePolicy(
        reminder_days=settings.reminder_days,
        close_unverified_days=settings.unverified_close_days,
        escalate_before_days=settings.escalate_before_days,
        unassigned_after_days=settings.unassigned_after_days,
        timezone=settings.timezone,
    )


def next_due_of(case: Case, settings: Settings, as_of: datetime | None = None) -> datetime | None:
    """When the case next needs scheduled work (the sparse index key), as of `as_of` (default: now)."""
    # Warnings that lapsed before then are skipped, so a case does not stay due for them forever.
    now = as_of or datetime.now(UTC)
    return next_due_at(case, policy_of(settings), set(case.done), now=now)


def run_due_work(ports: DeskPorts) -> int:
    """Act on every case whose next scheduled action has come; reads only those (the sparse index)."""
    policy = policy_of(ports.settings)
    cases = ports.repo.due_cases(ports.clock(), _BATCH)
    for case in cases:
        change_case(case.ref, lambda current, now: _act(current, now, policy, ports), ports)
    return len(cases)


def _act(case: Case, now: datetime, policy: SchedulePolicy, ports: DeskPorts) -> Draft:
    """Everything due on one case, as one change: only the latest of each series, each only once."""
    dues = due_now(case, now, policy, set(case.done))
    draft = Draft(case, [], [])
    for due in dues:
        draft = _apply(draft, due, now, ports)
    keys = tuple(due.key for due in dues)
    if keys:
        logger.info("scheduled work done", extra={"case": case.ref, "keys": list(keys)})
    # Even with nothing due (a warning that lapsed), the case is written again: its index key moves on.
    return replace(draft, case=replace(draft.case, done=(*draft.case.done, *keys)))


def _apply(draft: Draft, due: Due, now: datetime, ports: DeskPorts) -> Draft:
    settings = ports.settings
    if due.kind == REMINDER:
        previous = ports.repo.get_challenge(draft.case.ref, IDENTITY)
        context = reminder_context(due, now)
        challenge, mail = issue_verification(
            draft.case, settings, now, ports.key(), previous, reminder=context
        )
        event = CaseEvent(draft.case.ref, now, "reminder_sent", {"key": due.key})
        return Draft(draft.case, [*draft.events, event], [*draft.mails, mail], challenge)
    if due.kind == CLOSE_UNVERIFIED:
        step = transition(
            Action.CLOSE_UNVERIFIED,
            actor="system",
            rights=None,
            settings=settings,
            detail={"after_days": settings.unverified_close_days},
            mail=lambda change, when, cause: [
                notice(
                    "closed_unverified",
                    change.case,
                    settings,
                    when,
                    cause=cause,
                    rights=[r.value for r in change.moved],
                    days=settings.unverified_close_days,
                )
            ],
        )
        closed = step(draft.case, now)
        return Draft(
            closed.case, [*draft.events, *closed.events], [*draft.mails, *closed.mails], draft.challenge
        )
    if due.kind == ESCALATION:
        context = escalation_context(due, local_date(now, settings.timezone))
        mail = team_message(
            "team_escalation",
            settings,
            now,
            outbox_id=f"escalation-{draft.case.ref}-{_safe(due.key)}",
            case_ref=draft.case.ref,
            **context,
        )
        event = CaseEvent(draft.case.ref, now, "escalated", {"key": due.key, "reason": context["kind"]})
        return Draft(draft.case, [*draft.events, event], [*draft.mails, mail], draft.challenge)
    raise ValueError(f"unknown scheduled work {due.kind!r}")


def send_digest(ports: DeskPorts) -> int:
    """Queue today's digest for the team, once a day however often this runs; returns 1 if queued."""
    settings = ports.settings
    now = ports.clock()
    recent = ports.repo.list_cases(_DIGEST_CASES, CaseFilter())
    digest = build_digest(recent, [], now, settings.timezone)
    subject, text, html = render_digest(digest, settings.team_language, settings.organisation)
    mail = OutboxItem(
        outbox_id=f"digest-{digest.day.isoformat()}",
        to=settings.team_address,
        subject=subject,
        text=text,
        html=html,
        template="digest",
        language=settings.team_language,
        case_ref=None,
        created_at=now,
    )
    return 1 if ports.repo.queue_mail(mail) else 0


def _safe(key: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-." else "-" for ch in key)

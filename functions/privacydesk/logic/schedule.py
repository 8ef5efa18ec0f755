"""What the scheduler owes a case at a moment: requester reminders, closure, and team escalations.

Pure planning, no I/O. Every action a case can become due for is a threshold: a moment, an idempotency
key, and a series. Within a series only the latest crossed threshold is acted on, so a tick that comes
late (the schedule was down, or `privacydesk tick` jumped ahead) sends one mail per series, never a burst.
A threshold counts as done when its key is in `done` or when a later threshold of its series is, so a
superseded reminder is never sent after the one that replaced it.
"""

from collections.abc import Iterator, Set
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import groupby
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from privacydesk.models.case import Case, RightItem
from privacydesk.models.rights import ItemState

REMINDER = "reminder"
CLOSE_UNVERIFIED = "close_unverified"
ESCALATION = "escalation"
# Put in `done` once the requester's receipt was confirmed: no acknowledgement escalation is due after.
ACKNOWLEDGED = "acknowledged"
# Why a team escalation is sent; the team_escalation template's `kind`.
ESCALATION_REASONS = ("before", "overdue", "acknowledge_by", "extension_cutoff", "unassigned")


@dataclass(frozen=True)
class SchedulePolicy:
    """When reminders, closure and escalations fall due (days; start-of-day in `timezone`)."""

    reminder_days: tuple[int, ...] = (3, 7)
    close_unverified_days: int = 14
    escalate_before_days: tuple[int, ...] = (7, 3, 1)
    unassigned_after_days: int = 2
    cutoff_warning_days: int = 3
    timezone: str = "UTC"

    def __post_init__(self) -> None:
        """Refuse a policy that would schedule nonsense (negative days, a closure at receipt)."""
        if self.close_unverified_days <= 0:
            raise ValueError(f"close_unverified_days must be positive, got {self.close_unverified_days}")
        if any(days <= 0 for days in self.reminder_days):
            raise ValueError(f"reminder_days must be positive, got {self.reminder_days}")
        if any(days < 0 for days in self.escalate_before_days):
            raise ValueError(f"escalate_before_days cannot be negative, got {self.escalate_before_days}")
        if self.unassigned_after_days < 0 or self.cutoff_warning_days < 0:
            raise ValueError("unassigned_after_days and cutoff_warning_days cannot be negative")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {self.timezone!r}") from exc


@dataclass(frozen=True)
class Due:
    """One action due on a case: what, under which idempotency key, since when, and with what facts."""

    case_ref: str
    # "reminder", "close_unverified" or "escalation".
    kind: str
    # Stable and unique within the case; put in `done` once acted on.
    key: str
    # The moment the threshold was crossed (UTC).
    at: datetime
    # JSON-safe facts for the mail: right, clock, dates as ISO strings, days; never personal data.
    detail: dict[str, Any] = field(hash=False)
    # Within a series only the latest crossed threshold is acted on.
    series: str


@dataclass(frozen=True)
class _Threshold:
    due: Due
    # Breaks ties between thresholds of one series at the same moment: the higher rank is the later.
    rank: int
    # A warning that makes no sense after this moment is not sent at all (the extension cutoff).
    until: datetime | None = None

    @property
    def order(self) -> tuple[datetime, int]:
        return (self.due.at, self.rank)

    def live(self, now: datetime) -> bool:
        return self.until is None or now < self.until


def due_now(case: Case, now: datetime, policy: SchedulePolicy, done: Set[str]) -> list[Due]:
    """Everything due on `case` at `now` and not done yet: per series, only the latest crossed threshold."""
    _require_aware(now)
    found = []
    for pending in _pending_series(case, policy, done):
        crossed = [t for t in pending if t.due.at <= now]
        if crossed and crossed[-1].live(now):
            found.append(crossed[-1].due)
    return sorted(found, key=lambda d: (d.at, d.key))


def next_due_at(
    case: Case, policy: SchedulePolicy, done: Set[str], *, now: datetime | None = None
) -> datetime | None:
    """The earliest moment something falls due on `case` (None when nothing ever will): the index key.

    For every t before the result due_now(case, t, ...) is empty, and at the result it is not. Pass
    `now` when storing the key after a tick: a warning that lapsed unsent before `now` (an extension
    cutoff found after the cutoff day) is then skipped, so the case does not stay due forever.
    """
    if now is not None:
        _require_aware(now)
    starts = []
    for pending in _pending_series(case, policy, done):
        live = [t for t in pending if now is None or t.live(now)]
        if live:
            starts.append(live[0].due.at)
    return min(starts, default=None)


def escalation_context(due: Due, today: date) -> dict[str, Any]:
    """The team_escalation template's context (without `organisation`), with days counted from today."""
    if due.kind != ESCALATION:
        raise ValueError(f"not an escalation: {due.kind!r}")
    detail = due.detail
    reason = detail["reason"]
    deadline = date.fromisoformat(detail["due"]) if detail["due"] else None
    if reason == "unassigned":
        days = (today - date.fromisoformat(detail["received"])).days
    elif deadline is None:
        raise ValueError(f"escalation {due.key!r} has no date")
    elif reason == "overdue":
        days = (today - deadline).days
    else:
        days = (deadline - today).days
    return {
        "ref": due.case_ref,
        "kind": reason,
        "right": detail["right"],
        "clock": detail["clock"],
        "due": deadline,
        "days": days,
    }


def reminder_context(due: Due, now: datetime) -> dict[str, Any]:
    """What reminder_verification adds to verification_request's context: days waiting, closing day."""
    if due.kind != REMINDER:
        raise ValueError(f"not a reminder: {due.kind!r}")
    received_at = datetime.fromisoformat(due.detail["received_at"])
    return {
        "days_waiting": max(0, (now - received_at).days),
        "closes_on": date.fromisoformat(due.detail["closes_on"]),
        "rights": list(due.detail["rights"]),
    }


def _pending_series(case: Case, policy: SchedulePolicy, done: Set[str]) -> Iterator[list[_Threshold]]:
    """Each series' thresholds in time order, after the last one done (it supersedes all before it)."""
    by_series = sorted(_thresholds(case, policy, done), key=lambda t: (t.due.series, t.order))
    for _, group in groupby(by_series, key=lambda t: t.due.series):
        series = list(group)
        last_done = max((i for i, t in enumerate(series) if t.due.key in done), default=-1)
        yield series[last_done + 1 :]


def _thresholds(case: Case, policy: SchedulePolicy, done: Set[str]) -> Iterator[_Threshold]:
    if not case.is_open:
        return
    _require_aware(case.received_at)
    zone = ZoneInfo(policy.timezone)
    yield from _reminders(case, policy, zone)
    if ACKNOWLEDGED not in done:
        yield from _acknowledgement(case, zone)
    for item in case.items:
        if item.is_open:
            yield from _respond_by(case.ref, item, policy, zone)
            yield from _extension_cutoff(case.ref, item, policy, zone)
    yield from _unassigned(case, policy, zone)


def _reminders(case: Case, policy: SchedulePolicy, zone: ZoneInfo) -> Iterator[_Threshold]:
    """Reminders at exact offsets from receipt while a right waits for verification, then the closure."""
    waiting = [i.right.value for i in case.items if i.state is ItemState.AWAITING_VERIFICATION]
    if not waiting:
        return
    closes_at = case.received_at + timedelta(days=policy.close_unverified_days)
    # A reminder on or after the closure would announce a closure that is already due.
    days = sorted(d for d in set(policy.reminder_days) if d < policy.close_unverified_days)
    for rank, n in enumerate(days):
        detail = {
            "days": n,
            "received_at": case.received_at.isoformat(),
            "closes_on": closes_at.astimezone(zone).date().isoformat(),
            "rights": waiting,
        }
        at = case.received_at + timedelta(days=n)
        yield _Threshold(
            _due(case.ref, REMINDER, f"reminder:{n}d", at=at, detail=detail, series=REMINDER), rank
        )
    # The closure ranks after every reminder: on a tie it is the one acted on.
    detail = {"days": policy.close_unverified_days, "rights": waiting}
    closure = _due(case.ref, CLOSE_UNVERIFIED, CLOSE_UNVERIFIED, at=closes_at, detail=detail, series=REMINDER)
    yield _Threshold(closure, len(days))


def _acknowledgement(case: Case, zone: ZoneInfo) -> Iterator[_Threshold]:
    """One escalation per case on the morning receipt must be confirmed by (CCPA), unless it was."""
    dates = [i.clocks.acknowledge_by for i in case.items if i.is_open and i.clocks.acknowledge_by]
    if not dates:
        return
    # Confirming receipt is owed for the request, not per right: one mail, for the earliest date.
    by = min(dates)
    detail = _escalation("acknowledge_by", right="", clock="acknowledge_by", due=by, days=0)
    detail["rights"] = [i.right.value for i in case.items if i.is_open and i.clocks.acknowledge_by]
    series = f"{ESCALATION}:acknowledge_by"
    at = _start_of_day(by, zone)
    yield _Threshold(_due(case.ref, ESCALATION, series, at=at, detail=detail, series=series), 0)


def _respond_by(ref: str, item: RightItem, policy: SchedulePolicy, zone: ZoneInfo) -> Iterator[_Threshold]:
    """Mornings N days before the item's current deadline, and the morning after it (overdue).

    A stopped clock (paused_since set) has no running deadline: nothing until it resumes, when the
    deadline has moved. The key carries the deadline, so an extended or moved deadline is warned about
    afresh, while the warnings of the old one stay done.
    """
    if item.paused_since is not None:
        return
    right = item.right.value
    clock = "extended_respond_by" if item.extended and item.clocks.extended_respond_by else "respond_by"
    series = f"{ESCALATION}:{right}:{clock}"
    stem = f"{series}:{item.due.isoformat()}"
    days = sorted(set(policy.escalate_before_days), reverse=True)
    for rank, n in enumerate(days):
        at = _start_of_day(item.due - timedelta(days=n), zone)
        detail = _escalation("before", right=right, clock=clock, due=item.due, days=n)
        yield _Threshold(_due(ref, ESCALATION, f"{stem}:{n}d", at=at, detail=detail, series=series), rank)
    at = _start_of_day(item.due + timedelta(days=1), zone)
    detail = _escalation("overdue", right=right, clock=clock, due=item.due, days=1)
    yield _Threshold(_due(ref, ESCALATION, f"{stem}:overdue", at=at, detail=detail, series=series), len(days))


def _extension_cutoff(
    ref: str, item: RightItem, policy: SchedulePolicy, zone: ZoneInfo
) -> Iterator[_Threshold]:
    """A warning some mornings before the last day an extension notice can go out.

    Only while an extension is still possible: the rule has one, the item was not extended, and its
    clock runs (lifecycle refuses to extend a stopped clock; the cutoff moves when it resumes). Items
    waiting for verification are included: their clock runs and lifecycle lets them be extended.
    The warning lapses at the end of the cutoff day: found later, it is not sent.
    """
    cutoff = item.clocks.extension_notice_by
    if cutoff is None or item.extended or item.paused_since is not None:
        return
    right = item.right.value
    series = f"{ESCALATION}:{right}:extension_notice_by"
    at = _start_of_day(cutoff - timedelta(days=policy.cutoff_warning_days), zone)
    detail = _escalation(
        "extension_cutoff",
        right=right,
        clock="extension_notice_by",
        due=cutoff,
        days=policy.cutoff_warning_days,
    )
    due = _due(ref, ESCALATION, f"{series}:{cutoff.isoformat()}", at=at, detail=detail, series=series)
    yield _Threshold(due, 0, until=_start_of_day(cutoff + timedelta(days=1), zone))


def _unassigned(case: Case, policy: SchedulePolicy, zone: ZoneInfo) -> Iterator[_Threshold]:
    """An open case nobody was assigned to, some days after receipt (exact offset)."""
    if case.assignee is not None:
        return
    series = f"{ESCALATION}:unassigned"
    detail = _escalation("unassigned", right="", clock="", due=None, days=policy.unassigned_after_days)
    detail["received"] = case.received_at.astimezone(zone).date().isoformat()
    at = case.received_at + timedelta(days=policy.unassigned_after_days)
    yield _Threshold(_due(case.ref, ESCALATION, series, at=at, detail=detail, series=series), 0)


def _escalation(reason: str, *, right: str, clock: str, due: date | None, days: int) -> dict[str, Any]:
    return {
        "reason": reason,
        "right": right,
        "clock": clock,
        "due": due.isoformat() if due else None,
        "days": days,
    }


def _due(ref: str, kind: str, key: str, *, at: datetime, detail: dict[str, Any], series: str) -> Due:
    return Due(case_ref=ref, kind=kind, key=key, at=at.astimezone(UTC), detail=detail, series=series)


def _require_aware(moment: datetime) -> None:
    if moment.utcoffset() is None:
        raise ValueError("moments must be timezone-aware")


def _start_of_day(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)

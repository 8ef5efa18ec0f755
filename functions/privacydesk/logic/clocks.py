"""The legal clocks: when a right must be acknowledged, answered, and how far it may be extended."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from privacydesk.models.clocks import Clocks
from privacydesk.models.rights import Right

if TYPE_CHECKING:
    from holidays import HolidayBase

CALENDAR_EXAMPLES = "DE, FR, GB-ENG, US, US-CA"
_RIGHTS = frozenset(r.value for r in Right)


class ClockError(ValueError):
    """The clocks cannot be computed from these inputs; the message names the bad value."""


class UnknownRegimeError(ClockError):
    """The regime is not one the clock engine knows."""


class UnknownCalendarError(ClockError):
    """The holiday calendar code is not a `holidays` country (with optional subdivision)."""


# months: same date N months on (or that month's last day), then rolled to a working day.
# days: N calendar days, never rolled.
# working_days: the Nth working day after receipt (the receipt day is not counted).
_Unit = Literal["months", "days", "working_days"]


@dataclass(frozen=True)
class _Span:
    amount: int
    unit: _Unit


@dataclass(frozen=True)
class _Rule:
    text: str
    respond: _Span
    # In every regime the extension notice is due by the original respond-by date, so it is not a column.
    extended: _Span | None = None
    acknowledge: _Span | None = None


@dataclass(frozen=True)
class _Regime:
    general: _Rule
    by_right: Mapping[str, _Rule] = field(default_factory=dict)
    # Only the UK lets the clock pause while waiting for identity or clarification (ICO guidance).
    stops_the_clock: bool = False


def _gdpr(name: str) -> _Rule:
    return _Rule(
        f"{name} art. 12(3): one month from receipt, last day of the month if none, next working day; "
        "extendable to three months (same rule) by notice sent by the original respond-by date",
        respond=_Span(1, "months"),
        extended=_Span(3, "months"),
    )


_RULES: Mapping[str, _Regime] = {
    "gdpr": _Regime(_gdpr("GDPR")),
    "uk_gdpr": _Regime(_gdpr("UK GDPR"), stops_the_clock=True),
    "ccpa": _Regime(
        _Rule(
            "CCPA, Cal. Code Regs. tit. 11 §7021: confirm receipt within 10 business days, respond within "
            "45 calendar days, extendable to 90 by notice sent within the first 45",
            respond=_Span(45, "days"),
            extended=_Span(90, "days"),
            acknowledge=_Span(10, "working_days"),
        ),
        by_right={
            Right.SHARING_OPT_OUT.value: _Rule(
                "CCPA, Cal. Code Regs. tit. 11 §7026(f): honour an opt-out of sale or sharing within "
                "15 business days",
                respond=_Span(15, "working_days"),
            )
        },
    ),
    "can_spam": _Regime(
        _Rule(
            "CAN-SPAM, 15 U.S.C. §7704(a)(4): honour an opt-out within 10 business days",
            respond=_Span(10, "working_days"),
        )
    ),
    "vcdpa": _Regime(
        _Rule(
            "VCDPA, Va. Code §59.1-578: respond within 45 days, extendable once by 45 more by notice sent "
            "within the first 45",
            respond=_Span(45, "days"),
            extended=_Span(90, "days"),
        )
    ),
    "pipeda": _Regime(
        _Rule(
            "PIPEDA s. 8(3)-(4): respond within 30 days, extendable by up to 30 more by notice sent within "
            "the first 30",
            respond=_Span(30, "days"),
            extended=_Span(60, "days"),
        )
    ),
}


def compute_clocks(regime: str, right: str, received: date, calendar: str, *, paused_days: int = 0) -> Clocks:
    """The clocks of one right received on a local calendar date, with the rule that produced them."""
    if isinstance(received, datetime):
        raise TypeError("received must be a calendar date, not a datetime (see local_date)")
    if paused_days < 0:
        raise ValueError(f"paused_days cannot be negative, got {paused_days}")
    rule = _rule(regime, right)
    check_calendar(calendar)

    respond_by = _due(rule.respond, received, calendar, paused_days)
    extended = _due(rule.extended, received, calendar, paused_days) if rule.extended else None
    text = f"{rule.text}; working days per the {calendar} holiday calendar"
    if paused_days:
        text += f"; clock stopped {paused_days} day(s): periods run from receipt + {paused_days} day(s)"
    return Clocks(
        regime=regime,
        right=right,
        rule=text,
        received=received,
        calendar=calendar,
        paused_days=paused_days,
        # Confirming receipt is owed whatever the pause: it is never moved.
        acknowledge_by=_due(rule.acknowledge, received, calendar, 0) if rule.acknowledge else None,
        respond_by=respond_by,
        extended_respond_by=extended,
        extension_notice_by=respond_by if extended else None,
    )


def extension_open(clocks: Clocks, today: date) -> bool:
    """True while the rule allows an extension and its notice can still be sent in time."""
    return clocks.extension_notice_by is not None and today <= clocks.extension_notice_by


def stops_the_clock(regime: str) -> bool:
    """True if the regime lets the clock pause while waiting for the requester (only uk_gdpr)."""
    return _regime(regime).stops_the_clock


def local_date(moment: datetime, timezone: str) -> date:
    """The calendar date of an aware moment in the organisation's IANA time zone."""
    if moment.utcoffset() is None:
        raise ValueError("moment must be timezone-aware")
    return moment.astimezone(ZoneInfo(timezone)).date()


def check_calendar(code: str) -> None:
    """Raise UnknownCalendarError unless code is a `holidays` country, optionally with a subdivision."""
    country, dash, subdivision = code.partition("-")
    supported = _supported_calendars()
    if country not in supported or (dash and not subdivision):
        raise UnknownCalendarError(
            f"unknown holiday calendar {code!r}: use a `holidays` country code, optionally with a "
            f"subdivision (e.g. {CALENDAR_EXAMPLES})"
        )
    if subdivision and subdivision not in supported[country]:
        known = ", ".join(f"{country}-{s}" for s in supported[country]) or f"none, use {country}"
        raise UnknownCalendarError(
            f"unknown holiday calendar {code!r}: {country} has no subdivision {subdivision!r} "
            f"(its subdivisions: {known})"
        )


def is_working_day(day: date, calendar: str) -> bool:
    """Monday to Friday and not a public holiday of the calendar."""
    return day.weekday() < 5 and day not in _holidays(calendar)


def _regime(regime: str) -> _Regime:
    try:
        return _RULES[regime]
    except KeyError:
        raise UnknownRegimeError(f"unknown regime {regime!r}; valid regimes: {', '.join(_RULES)}") from None


def _rule(regime: str, right: str) -> _Rule:
    known = _regime(regime)
    if right not in _RIGHTS:
        raise ClockError(f"unknown right {right!r}; valid rights: {', '.join(Right)}")
    return known.by_right.get(right, known.general)


def _due(span: _Span, received: date, calendar: str, paused_days: int) -> date:
    # A stopped clock restarts where it stopped: the period runs from the start moved by the days paused
    # (ICO: "the time limit is paused"), so a month is counted from the later start, not added afterwards.
    start = received + timedelta(days=paused_days)
    if span.unit == "days":
        return start + timedelta(days=span.amount)
    if span.unit == "months":
        return _roll(start + relativedelta(months=span.amount), calendar)
    day = start
    for _ in range(span.amount):
        day = _roll(day + timedelta(days=1), calendar)
    return day


def _roll(day: date, calendar: str) -> date:
    while not is_working_day(day, calendar):
        day += timedelta(days=1)
    return day


@cache
def _supported_calendars() -> Mapping[str, list[str]]:
    import holidays  # noqa: PLC0415 - 80 ms of import, paid only when a clock is computed

    return holidays.list_supported_countries()


@cache
def _holidays(calendar: str) -> "HolidayBase":
    import holidays  # noqa: PLC0415 - see _supported_calendars

    country, _, subdivision = calendar.partition("-")
    return holidays.country_holidays(country, subdiv=subdivision or None)

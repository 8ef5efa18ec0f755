"""The legal clocks of one right item, with the inputs they were computed from."""

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Clocks:
    """Deadlines of one right under one regime, and everything an auditor needs to recompute them."""

    regime: str
    right: str
    # Which rule produced the dates, in words an auditor can check (e.g. "gdpr art. 12(3): one month...").
    rule: str
    received: date
    calendar: str
    paused_days: int
    acknowledge_by: date | None
    respond_by: date
    extended_respond_by: date | None
    extension_notice_by: date | None

    def as_record(self) -> dict[str, str | int | None]:
        """The dates with the inputs and rule they came from: what the case stores and the API shows."""
        return {
            "regime": self.regime,
            "right": self.right,
            "rule": self.rule,
            "received": self.received.isoformat(),
            "calendar": self.calendar,
            "paused_days": self.paused_days,
            **self.as_json(),
        }

    def as_json(self) -> dict[str, str | None]:
        """The four dates as the `privacydesk deadlines` contract prints them."""
        return {
            "acknowledge_by": _iso(self.acknowledge_by),
            "respond_by": self.respond_by.isoformat(),
            "extended_respond_by": _iso(self.extended_respond_by),
            "extension_notice_by": _iso(self.extension_notice_by),
        }


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None

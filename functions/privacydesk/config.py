"""Settings read from the environment once, validated, frozen. Nothing else reads os.environ."""

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from privacydesk.models.consent import MARKETING, SHARING

REGIMES = ("gdpr", "uk_gdpr", "ccpa", "can_spam", "vcdpa", "pipeda")
# Purposes every deployment's consent ledger knows; more are declared in CONSENT_PURPOSES.
BASE_PURPOSES = (MARKETING, SHARING)
CONSENT_MODELS = ("opt_out", "opt_in")
_PHONE = r"\+?[0-9][0-9 ()./-]{3,30}"
_URL = r"https?://[^\s/]+(/\S*)?"


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable, never a secret."""


@dataclass(frozen=True)
class PostalAddress:
    """The controller's postal address, as a consent receipt states it."""

    street: str
    postal_code: str
    locality: str
    country: str


@dataclass(frozen=True)
class Settings:
    """Deployment settings shared by every function."""

    cases_table: str
    idempotency_table: str
    mail_bucket: str
    mail_prefix: str
    sender_address: str
    team_address: str
    organisation: str
    max_mail_bytes: int
    default_regime: str
    timezone: str
    idempotency_hours: int
    inbound_failure_queue_url: str | None
    ses_configuration_set: str | None
    holiday_calendar: str = "GB-ENG"
    # UK GDPR lets the clock stop while the desk waits for identity or clarification (ICO guidance).
    stop_the_clock: bool = True
    verification_secret: str | None = None
    ledger_secret: str | None = None
    evidence_bucket: str | None = None
    public_base_url: str = "http://127.0.0.1:8080"
    retention_months: int = 24
    unverified_close_days: int = 14
    team_language: str = "en"
    reminder_days: tuple[int, ...] = (3, 7)
    escalate_before_days: tuple[int, ...] = (7, 3, 1)
    unassigned_after_days: int = 2
    # Lets the scheduled jobs run "as of" a given time: only the local stack turns it on (privacydesk tick).
    allow_clock_override: bool = False
    # opt_out: an address with no consent events may be sent marketing; opt_in: only those who agreed.
    consent_model: str = "opt_out"
    purposes: tuple[str, ...] = BASE_PURPOSES
    policy_version: str = "unversioned"
    # The SES contact list and topic marketing mail is sent with: an opt-out is mirrored there.
    contact_list: str | None = None
    marketing_topic: str = "marketing"
    # The controller a consent receipt names (POST /v1/receipts answers 503 until all three are set).
    controller_address: PostalAddress | None = None
    controller_phone: str | None = None
    privacy_policy_url: str | None = None
    controller_contact: str = "Privacy team"
    # Advance notice before sharing: the least number of days between declaring and sharing.
    notice_min_days: int = 30
    # The least time a person has to object: a notice sent later than this before the date is not sent,
    # and nobody told later is shared.
    notice_objection_days: int = 14
    # Notices per second across every sender; 0: half the SES account's maximum send rate, read at start.
    notice_send_rate: float = 0.0
    # How many notice senders SQS runs at once (the event source's MaximumConcurrency): each takes its share.
    notice_senders: int = 2
    notice_queue_url: str | None = None
    notice_plan_queue_url: str | None = None
    disclosure_bucket: str | None = None


def _required(env: Mapping[str, str], name: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise ConfigError(f"environment variable {name} is required")
    return value


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, str(default)).strip()
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigError(f"environment variable {name} must be a whole number, got {raw!r}") from exc
    if value <= 0:
        raise ConfigError(f"environment variable {name} must be positive, got {value}")
    return value


def _switch(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw not in {"true", "false"}:
        raise ConfigError(f"environment variable {name} must be true or false, got {raw!r}")
    return raw == "true"


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...]) -> str:
    raw = env.get(name, "").strip().lower() or choices[0]
    if raw not in choices:
        raise ConfigError(f"environment variable {name} must be one of {', '.join(choices)}, got {raw!r}")
    return raw


def _purposes(env: Mapping[str, str]) -> tuple[str, ...]:
    declared = [p.strip() for p in env.get("CONSENT_PURPOSES", "").split(",") if p.strip()]
    for purpose in declared:
        if not purpose.replace("_", "").isalnum() or not purpose.isascii() or len(purpose) > 40:
            raise ConfigError(f"CONSENT_PURPOSES holds {purpose!r}: use letters, digits and _ (at most 40)")
    return tuple(dict.fromkeys((*BASE_PURPOSES, *(p.lower() for p in declared))))


def _address(env: Mapping[str, str]) -> PostalAddress | None:
    raw = env.get("CONTROLLER_ADDRESS", "").strip()
    if not raw:
        return None
    parts = [part.strip() for part in raw.split(";")]
    if len(parts) != 4 or not all(parts) or not re.fullmatch(r"[A-Za-z]{2}", parts[3]):
        raise ConfigError(
            "CONTROLLER_ADDRESS must be 'street; postal code; locality; country code (2 letters)'"
        )
    return PostalAddress(parts[0], parts[1], parts[2], parts[3].upper())


def _matching(env: Mapping[str, str], name: str, pattern: str, meaning: str) -> str | None:
    raw = env.get(name, "").strip()
    if raw and not re.fullmatch(pattern, raw):
        raise ConfigError(f"environment variable {name} must be {meaning}")
    return raw or None


def _calendar(env: Mapping[str, str]) -> str:
    code = env.get("HOLIDAY_CALENDAR", "GB-ENG").strip()
    # Imported here: the clock engine is not needed to read settings, only to check this one.
    from privacydesk.logic.clocks import ClockError, check_calendar  # noqa: PLC0415

    try:
        check_calendar(code)
    except ClockError as exc:
        raise ConfigError(f"HOLIDAY_CALENDAR: {exc}") from exc
    return code


def _days(env: Mapping[str, str], name: str, default: tuple[int, ...]) -> tuple[int, ...]:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        days = tuple(int(part) for part in raw.split(","))
    except ValueError as exc:
        raise ConfigError(f"environment variable {name} must be whole numbers separated by commas") from exc
    if any(day <= 0 for day in days):
        raise ConfigError(f"environment variable {name} must hold positive numbers of days")
    return days


def _retention(env: Mapping[str, str]) -> int:
    months = _positive_int(env, "RETENTION_MONTHS", 24)
    # CCPA §7101: records of requests are kept for at least 24 months.
    if months < 24:
        raise ConfigError(f"RETENTION_MONTHS must be at least 24 (CCPA §7101), got {months}")
    return months


def _objection_days(env: Mapping[str, str]) -> int:
    days = _positive_int(env, "NOTICE_OBJECTION_DAYS", 14)
    if days > _positive_int(env, "NOTICE_MIN_DAYS", 30):
        raise ConfigError("NOTICE_OBJECTION_DAYS cannot exceed NOTICE_MIN_DAYS: nobody could be told in time")
    return days


def _rate(env: Mapping[str, str]) -> float:
    raw = env.get("NOTICE_SEND_RATE", "").strip() or "0"
    try:
        rate = float(raw)
    except ValueError as exc:
        raise ConfigError(f"NOTICE_SEND_RATE must be a number of mails per second, got {raw!r}") from exc
    if not 0 <= rate <= 10_000:
        raise ConfigError(f"NOTICE_SEND_RATE must be between 0 (read from SES) and 10000, got {rate}")
    return rate


def load_settings(env: Mapping[str, str]) -> Settings:
    """Build and validate settings from an environment mapping."""
    regime = env.get("DEFAULT_REGIME", "gdpr").strip()
    if regime not in REGIMES:
        raise ConfigError(f"DEFAULT_REGIME must be one of {', '.join(REGIMES)}, got {regime!r}")
    timezone = env.get("ORG_TIMEZONE", "UTC").strip()
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"ORG_TIMEZONE is not a known time zone: {timezone!r}") from exc
    return Settings(
        cases_table=_required(env, "CASES_TABLE"),
        idempotency_table=_required(env, "IDEMPOTENCY_TABLE"),
        mail_bucket=_required(env, "MAIL_BUCKET"),
        mail_prefix=env.get("MAIL_PREFIX", "inbound/"),
        sender_address=_required(env, "SENDER_ADDRESS"),
        team_address=_required(env, "TEAM_ADDRESS"),
        organisation=env.get("ORGANISATION_NAME", "").strip() or "Privacy team",
        max_mail_bytes=_positive_int(env, "MAX_MAIL_BYTES", 10 * 1024 * 1024),
        default_regime=regime,
        timezone=timezone,
        # SES and Lambda retry async events for up to 6 hours; keep keys for two days.
        idempotency_hours=_positive_int(env, "IDEMPOTENCY_HOURS", 48),
        inbound_failure_queue_url=env.get("INBOUND_FAILURE_QUEUE_URL") or None,
        ses_configuration_set=env.get("SES_CONFIGURATION_SET") or None,
        holiday_calendar=_calendar(env),
        stop_the_clock=_switch(env, "STOP_THE_CLOCK", default=True),
        verification_secret=env.get("VERIFICATION_SECRET") or None,
        ledger_secret=env.get("LEDGER_SECRET") or None,
        evidence_bucket=env.get("EVIDENCE_BUCKET") or None,
        public_base_url=(env.get("PUBLIC_BASE_URL") or "http://127.0.0.1:8080").rstrip("/"),
        retention_months=_retention(env),
        unverified_close_days=_positive_int(env, "UNVERIFIED_CLOSE_DAYS", 14),
        team_language=(env.get("TEAM_LANGUAGE") or "en").strip().lower(),
        reminder_days=_days(env, "REMINDER_DAYS", (3, 7)),
        escalate_before_days=_days(env, "ESCALATE_BEFORE_DAYS", (7, 3, 1)),
        unassigned_after_days=_positive_int(env, "UNASSIGNED_AFTER_DAYS", 2),
        allow_clock_override=_switch(env, "ALLOW_CLOCK_OVERRIDE", default=False),
        consent_model=_choice(env, "CONSENT_MODEL", CONSENT_MODELS),
        purposes=_purposes(env),
        policy_version=env.get("POLICY_VERSION", "").strip() or "unversioned",
        contact_list=env.get("CONTACT_LIST_NAME") or None,
        marketing_topic=env.get("MARKETING_TOPIC", "").strip() or "marketing",
        controller_address=_address(env),
        controller_phone=_matching(
            env, "CONTROLLER_PHONE", _PHONE, "a phone number (digits, +, spaces, ()-./)"
        ),
        privacy_policy_url=_matching(env, "PRIVACY_POLICY_URL", _URL, "an http(s) URL"),
        controller_contact=env.get("CONTROLLER_CONTACT", "").strip() or "Privacy team",
        notice_min_days=_positive_int(env, "NOTICE_MIN_DAYS", 30),
        notice_objection_days=_objection_days(env),
        notice_send_rate=_rate(env),
        notice_senders=_positive_int(env, "NOTICE_SENDERS", 2),
        notice_queue_url=env.get("NOTICE_QUEUE_URL") or None,
        notice_plan_queue_url=env.get("NOTICE_PLAN_QUEUE_URL") or None,
        disclosure_bucket=env.get("DISCLOSURE_BUCKET") or None,
    )


@cache
def get_settings() -> Settings:
    """The process's settings, read from os.environ on first use."""
    return load_settings(os.environ)

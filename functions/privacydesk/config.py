"""Settings read from the environment once, validated, frozen. Nothing else reads os.environ."""

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

REGIMES = ("gdpr", "uk_gdpr", "ccpa", "can_spam", "vcdpa", "pipeda")


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable, never a secret."""


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
    )


@cache
def get_settings() -> Settings:
    """The process's settings, read from os.environ on first use."""
    return load_settings(os.environ)

"""An identity-verification challenge: a code and a link sent to one address, kept only as HMACs."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


@dataclass(frozen=True)
class Challenge:
    """The stored side of a code and link sent for one case and purpose; no clear secret is ever kept."""

    case_ref: str
    purpose: str
    address_hash: str
    code_hmac: str
    link_hmac: str
    issued_at: datetime
    code_expires_at: datetime
    link_expires_at: datetime
    # Wrong codes or link tokens tried since this challenge was issued.
    attempts: int = 0
    used_at: datetime | None = None
    # When codes were sent in the last 24 hours: the resend limit, kept in the store across invocations.
    sends: tuple[datetime, ...] = ()
    # Optimistic lock: the store writes only if the version it read is still the stored one.
    version: int = 1


class RedeemReason(StrEnum):
    """Why a redemption succeeded or failed (for logs and audit; requesters get one generic message)."""

    OK = "ok"
    USED = "used"
    EXPIRED = "expired"
    WRONG_PURPOSE = "wrong_purpose"
    LOCKED = "locked"
    WRONG_CODE = "wrong_code"
    WRONG_TOKEN = "wrong_token"  # noqa: S105 (a reason, not a secret)


@dataclass(frozen=True)
class Redemption:
    """The outcome of redeeming a code or link token, and the challenge as it must now be stored."""

    ok: bool
    challenge: Challenge
    reason: RedeemReason


class VerificationError(Exception):
    """Identity verification cannot go ahead (no personal data in the message)."""


class ResendLimitError(VerificationError):
    """Too many codes were sent for this case recently; `retry_at` is when the next send is allowed."""

    def __init__(self, message: str, retry_at: datetime) -> None:
        super().__init__(message)
        self.retry_at = retry_at

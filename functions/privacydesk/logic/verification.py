"""Identity verification: issue and redeem single-use codes and links, and the requester's status token."""

import base64
import hashlib
import hmac
import secrets
from dataclasses import replace
from datetime import datetime, timedelta

from privacydesk.models.verification import Challenge, RedeemReason, Redemption, ResendLimitError

# The purpose of the identity check before access, portability, rectification or erasure.
IDENTITY = "identity"
CODE_DIGITS = 6
# Five guesses at a 6-digit code: a one-in-200,000 chance per issued code.
MAX_ATTEMPTS = 5
LINK_TTL = timedelta(hours=72)
# The code lives as long as the link: the attempt limit, not the lifetime, is what bounds guessing.
CODE_TTL = timedelta(hours=72)
MAX_SENDS_PER_DAY = 5
MIN_SECONDS_BETWEEN_SENDS = 60
_SEND_WINDOW = timedelta(hours=24)
# Where a queued verification mail holds its code and link token: the clear secrets are derived from a
# nonce and the key only when the mail is sent, so neither the table nor its stream ever holds them.
CODE_SLOT = "[[verification-code]]"
TOKEN_SLOT = "[[verification-token]]"  # noqa: S105 - a placeholder, not a secret


def _mac(key: bytes, message: str) -> str:
    if not key:
        raise ValueError("the verification key is empty")
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()


def _secret_mac(key: bytes, purpose: str, case_ref: str, kind: str, secret: str) -> str:
    # Case, purpose and kind are inside the MAC: a code for another case or purpose never matches.
    return _mac(key, f"{purpose}|{case_ref}|{kind}|{secret}")


def _same(left: str, right: str) -> bool:
    return hmac.compare_digest(left.encode("utf-8"), right.encode("utf-8"))


def address_hash(key: bytes, address: str) -> str:
    """The HMAC of an email address (trimmed and lower-cased): comparable without storing it again."""
    return _mac(key, f"address|{address.strip().lower()}")


def _recent_sends(previous: Challenge | None, now: datetime) -> tuple[datetime, ...]:
    if previous is None:
        return ()
    return tuple(sorted(sent for sent in previous.sends if sent > now - _SEND_WINDOW))


def _check_send_allowed(recent: tuple[datetime, ...], now: datetime) -> None:
    if not recent:
        return
    if len(recent) >= MAX_SENDS_PER_DAY:
        # The next send is allowed once enough of the recent ones have left the 24-hour window.
        retry_at = recent[len(recent) - MAX_SENDS_PER_DAY] + _SEND_WINDOW
        raise ResendLimitError("too many verification codes sent in the last 24 hours", retry_at)
    next_allowed = recent[-1] + timedelta(seconds=MIN_SECONDS_BETWEEN_SENDS)
    if now < next_allowed:
        raise ResendLimitError("a verification code was sent less than a minute ago", next_allowed)


def issue(
    case_ref: str,
    purpose: str,
    address: str,
    now: datetime,
    key: bytes,
    *,
    previous: Challenge | None = None,
    link_ttl: timedelta = LINK_TTL,
    code_ttl: timedelta = CODE_TTL,
    nonce: str | None = None,
    enforce_limit: bool = True,
) -> tuple[Challenge, str, str]:
    """A fresh challenge replacing `previous`, with its clear code and link token (to send, never store).

    The secrets are derived from `nonce` and the key (see secrets_for); without a nonce, a random one.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if not purpose or "|" in purpose:
        raise ValueError("purpose must be a non-empty word without '|'")
    if previous is not None and (previous.case_ref, previous.purpose) != (case_ref, purpose):
        raise ValueError("the previous challenge belongs to another case or purpose")
    recent = _recent_sends(previous, now)
    if enforce_limit:
        # Scheduled reminders are outside the limit: it guards against requests, not our own schedule.
        _check_send_allowed(recent, now)
    code, token = secrets_for(key, case_ref, purpose, nonce or new_nonce())
    challenge = Challenge(
        case_ref=case_ref,
        purpose=purpose,
        address_hash=address_hash(key, address),
        code_hmac=_secret_mac(key, purpose, case_ref, "code", code),
        link_hmac=_secret_mac(key, purpose, case_ref, "link", token),
        issued_at=now,
        code_expires_at=now + code_ttl,
        link_expires_at=now + link_ttl,
        attempts=0,
        used_at=None,
        sends=(*recent, now),
        version=previous.version + 1 if previous is not None else 1,
    )
    return challenge, code, token


def redeem(
    challenge: Challenge,
    *,
    purpose: str,
    now: datetime,
    key: bytes,
    code: str | None = None,
    token: str | None = None,
) -> Redemption:
    """Check a code or a link token against the challenge; store the returned challenge if it changed."""
    if (code is None) == (token is None):
        raise ValueError("give exactly one of code or token")
    # Refusals that change nothing return the challenge as it was (same version: nothing to write).
    if purpose != challenge.purpose:
        return Redemption(False, challenge, RedeemReason.WRONG_PURPOSE)
    if challenge.used_at is not None:
        return Redemption(False, challenge, RedeemReason.USED)
    if challenge.attempts >= MAX_ATTEMPTS:
        return Redemption(False, challenge, RedeemReason.LOCKED)
    if code is not None:
        kind, secret, wrong = "code", "".join(code.split()), RedeemReason.WRONG_CODE
        stored, expires_at = challenge.code_hmac, challenge.code_expires_at
    else:
        kind, secret, wrong = "link", token or "", RedeemReason.WRONG_TOKEN
        stored, expires_at = challenge.link_hmac, challenge.link_expires_at
    if now >= expires_at:
        return Redemption(False, challenge, RedeemReason.EXPIRED)
    presented = _secret_mac(key, challenge.purpose, challenge.case_ref, kind, secret)
    if _same(presented, stored):
        used = replace(challenge, used_at=now, version=challenge.version + 1)
        return Redemption(True, used, RedeemReason.OK)
    failed = replace(challenge, attempts=challenge.attempts + 1, version=challenge.version + 1)
    return Redemption(False, failed, wrong)


def new_nonce() -> str:
    """A fresh nonce from which one issue's code and link token are derived (128 random bits)."""
    return secrets.token_urlsafe(16)


def secrets_for(key: bytes, case_ref: str, purpose: str, nonce: str) -> tuple[str, str]:
    """The code and link token of one issue: unpredictable without the key, even to who reads the nonce."""
    digest = hmac.new(key, f"secret|{purpose}|{case_ref}|{nonce}".encode(), hashlib.sha256).digest()
    # 64 bits mod 10^6: the bias towards low codes is below 1e-13, far under a guess's odds.
    code = f"{int.from_bytes(digest[:8], 'big') % 10**CODE_DIGITS:0{CODE_DIGITS}d}"
    token = base64.urlsafe_b64encode(digest[8:32]).decode().rstrip("=")
    return code, token


def fill_secrets(text: str, key: bytes, case_ref: str, purpose: str, nonce: str) -> str:
    """A queued verification mail's text with its code and link token put in, just before sending."""
    code, token = secrets_for(key, case_ref, purpose, nonce)
    return text.replace(CODE_SLOT, code).replace(TOKEN_SLOT, token)


def new_status_token() -> str:
    """A fresh status token for the requester's status URL (256 random bits)."""
    return secrets.token_urlsafe(32)


def status_token_hash(key: bytes, case_ref: str, token: str) -> str:
    """The HMAC of a status token, bound to its case: what the case stores instead of the token."""
    return _mac(key, f"status|{case_ref}|{token}")


def status_token_matches(key: bytes, case_ref: str, token: str, stored_hash: str | None) -> bool:
    """True when the token belongs to the case (constant-time; False when the case has no token)."""
    if not stored_hash or not token:
        return False
    return _same(status_token_hash(key, case_ref, token), stored_hash)

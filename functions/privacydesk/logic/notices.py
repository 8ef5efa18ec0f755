"""The emails the case lifecycle sends, rendered in the requester's language as outbox items."""

import hashlib
import re
from datetime import datetime
from typing import Any

from privacydesk.config import Settings
from privacydesk.logic.outgoing_mail import header_text
from privacydesk.logic.render import render_message
from privacydesk.models.case import Case
from privacydesk.models.outbox import OutboxItem
from privacydesk.models.rights import DenialReason

NOTICE_KINDS = (
    "verification_request",
    "reminder_verification",
    "verified",
    "information_request",
    "extension",
    "completion",
    "denial",
    "withdrawal",
    "closed_unverified",
)

# Where a requester can complain about a refusal, by regime. Proper names stay in English; the denial
# templates give the GDPR entry, which names no single body, in the requester's language.
COMPLAINT_AUTHORITIES: dict[str, dict[str, str]] = {
    "gdpr": {
        "name": "The data protection supervisory authority of your EU/EEA country",
        "url": "https://www.edpb.europa.eu/about-edpb/about-edpb/members_en",
    },
    "uk_gdpr": {"name": "Information Commissioner's Office", "url": "https://ico.org.uk/make-a-complaint/"},
    "ccpa": {
        "name": "California Privacy Protection Agency",
        "url": "https://cppa.ca.gov/webapplications/complaint",
    },
    "vcdpa": {
        "name": "Office of the Attorney General of Virginia",
        "url": "https://www.oag.state.va.us/consumer-protection/",
    },
    "pipeda": {
        "name": "Office of the Privacy Commissioner of Canada",
        "url": "https://www.priv.gc.ca/en/report-a-concern/",
    },
    "can_spam": {"name": "Federal Trade Commission", "url": "https://reportfraud.ftc.gov/"},
}

# GDPR art. 12(4) and UK GDPR art. 12(4): a refusal must name the right to a judicial remedy.
_JUDICIAL_REMEDY_REGIMES = frozenset({"gdpr", "uk_gdpr"})
_UNSAFE_KEY_CHARS = re.compile(r"[^A-Za-z0-9._-]")
_MAX_CAUSE_CHARS = 64
_DIGEST_CHARS = 16


def notice(
    kind: str, case: Case, settings: Settings, now: datetime, *, cause: str, **context: Any
) -> OutboxItem:
    """The `kind` notice for `case` in its language; the id comes from the cause, so a retry sends once."""
    if kind not in NOTICE_KINDS:
        raise ValueError(f"unknown notice kind: {kind!r}")
    rendered = render_message(
        kind, case.language, **{**context, "ref": case.ref, "organisation": settings.organisation}
    )
    # Identity is verified at the data subject's own address, which for an agent's request is not the agent's.
    # Codes go to the data subject, whoever asked; everything else to the requester (the agent, if one).
    to = case.subject_address if kind in {"verification_request", "reminder_verification"} else case.requester
    return OutboxItem(
        outbox_id=f"{kind}-{_key_part(case.ref)}-{_key_part(cause)}",
        to=to,
        subject=header_text(rendered.subject),
        text=rendered.text,
        template=kind,
        language=rendered.language,
        case_ref=case.ref,
        created_at=now,
    )


def denial_context(case: Case, reason: str) -> dict[str, Any]:
    """The denial notice's reason, complaint authority and judicial-remedy flag for the case's regime."""
    try:
        denial = DenialReason(reason)
    except ValueError as exc:
        raise ValueError(f"unknown denial reason: {reason!r}") from exc
    authority = COMPLAINT_AUTHORITIES.get(case.regime)
    if authority is None:
        raise ValueError(f"no complaint authority for regime {case.regime!r}")
    return {
        "reason": denial.value,
        "authority": {**authority, "regime": case.regime},
        "remedy": case.regime in _JUDICIAL_REMEDY_REGIMES,
    }


def _key_part(value: str) -> str:
    """`value` as it may appear in a DynamoDB key: unchanged when already safe, else cleaned and hashed."""
    if not value:
        raise ValueError("a notice needs a non-empty cause")
    cleaned = _UNSAFE_KEY_CHARS.sub("_", value)
    if cleaned == value and len(value) <= _MAX_CAUSE_CHARS:
        return value
    # The digest keeps two different causes that clean to the same text from sharing one id.
    digest = hashlib.sha256(value.encode()).hexdigest()[:_DIGEST_CHARS]
    return f"{cleaned[: _MAX_CAUSE_CHARS - _DIGEST_CHARS - 1]}.{digest}"

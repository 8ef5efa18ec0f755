"""Case references and the Message-IDs of mail we send: how a reply is recognised without a lookup."""

import re
import secrets

# Crockford's base32 without I, L, O, U: easy to read aloud and to type, no look-alikes.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_GROUPS = 3
_GROUP_LEN = 4
# 12 symbols of 5 bits: 60 bits, unguessable for anyone who has not seen the mail.
REFERENCE_RE = re.compile(r"\bPD-([0-9A-HJKMNP-TV-Z]{4})-([0-9A-HJKMNP-TV-Z]{4})-([0-9A-HJKMNP-TV-Z]{4})\b")
# SES replaces the Message-ID of everything it sends with its own: <id@region.amazonses.com>, the id
# grouped 16-8-4-4-4-12-6 (hex in AWS; moto fills the same groups with letters).
SES_MESSAGE_ID_RE = re.compile(
    r"<?([0-9a-z]{16}-[0-9a-z]{8}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{12}-[0-9a-z]{6})"
    r"@(?:[a-z0-9-]+\.)*amazonses\.com>?",
    re.I,
)


def new_reference() -> str:
    """A fresh case reference such as PD-7KQ4-M9XW-C2HT."""
    symbols = "".join(secrets.choice(_ALPHABET) for _ in range(_GROUPS * _GROUP_LEN))
    groups = [symbols[i : i + _GROUP_LEN] for i in range(0, len(symbols), _GROUP_LEN)]
    return "PD-" + "-".join(groups)


def find_reference(text: str) -> str | None:
    """The first case reference in a subject or body, upper-cased, or None."""
    match = REFERENCE_RE.search(text.upper())
    return match.group(0) if match else None


def ses_message_ids(header_values: list[str]) -> list[str]:
    """SES message ids named in In-Reply-To/References values (mail we sent through SES)."""
    found: list[str] = []
    for value in header_values:
        found.extend(match.group(1).lower() for match in SES_MESSAGE_ID_RE.finditer(value))
    return found

"""Turning an outbox item into a MIME message that cannot carry injected headers."""

import re
import unicodedata
from collections.abc import Mapping
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid

from privacydesk.models.outbox import OutboxItem

_MAX_HEADER_CHARS = 200
_MSG_ID = re.compile(r"<[^<>\s@]{1,200}@[^<>\s@]{1,200}>")


class OutgoingMailError(ValueError):
    """The item cannot be turned into a safe message (no personal data in the message)."""


def header_text(value: str) -> str:
    """A header value with every control and line-break character removed, collapsed and capped.

    Python before 3.11.10 (CVE-2024-6923) serialises a newline hidden in an encoded word as a real
    line break, so nothing that could become one may reach a header.
    """
    kept = "".join(" " if unicodedata.category(ch) in {"Cc", "Cf", "Zl", "Zp"} else ch for ch in value)
    return " ".join(kept.split())[:_MAX_HEADER_CHARS]


def message_ids(values: tuple[str, ...] | list[str]) -> list[str]:
    """Only well-formed <id@domain> message ids survive; anything else is dropped."""
    return [m.group(0) for v in values for m in _MSG_ID.finditer(v)]


def sendable(address: str) -> bool:
    """Whether an address can be put in a To header as it is (what build_mime will need)."""
    try:
        Address(addr_spec=header_text(address))
    except (ValueError, IndexError, HeaderParseError):
        return False
    return True


def build_mime(
    item: OutboxItem,
    *,
    sender: str,
    organisation: str,
    auto_submitted: str = "auto-replied",
    extra_headers: Mapping[str, str] | None = None,
) -> bytes:
    """The RFC 5322 bytes for one outbox item, marked auto-replied and threaded to the requester's mail."""
    msg = EmailMessage(policy=SMTP)
    try:
        msg["From"] = Address(display_name=header_text(organisation), addr_spec=sender)
        msg["To"] = Address(addr_spec=header_text(item.to))
    except (ValueError, IndexError, HeaderParseError) as exc:
        raise OutgoingMailError("invalid sender or recipient address") from exc
    msg["Subject"] = header_text(item.subject)
    msg["Date"] = format_datetime(item.created_at)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    # RFC 3834: tells well-behaved auto-responders not to answer us, so no mail loop starts.
    msg["Auto-Submitted"] = auto_submitted
    for name, value in (extra_headers or {}).items():
        msg[name] = header_text(value)
    parent = message_ids([item.in_reply_to] if item.in_reply_to else [])
    if parent:
        msg["In-Reply-To"] = parent[0]
    thread = message_ids(list(item.references))
    if thread:
        msg["References"] = " ".join(thread[-10:])
    msg.set_content(item.text, subtype="plain", charset="utf-8")
    if item.html:
        # The team's digest reads better as a table; the plain text stays first for every reader.
        msg.add_alternative(item.html, subtype="html", charset="utf-8")
    # After set_content, which replaces every Content-* header.
    msg["Content-Language"] = header_text(item.language)
    return msg.as_bytes()

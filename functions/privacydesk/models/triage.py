"""What triage decides about one inbound email."""

from dataclasses import dataclass, field
from typing import Any

from privacydesk.models.rights import MailKind, Right


@dataclass(frozen=True)
class Attachment:
    """A file attached to an inbound email: stored, never executed or inlined."""

    filename: str
    content_type: str
    payload: bytes


@dataclass(frozen=True)
class TriageResult:
    """The verdict on one email; `as_json()` is the `privacydesk triage` contract."""

    kind: MailKind
    rights: tuple[Right, ...]
    language: str
    # Personal data never goes into repr(): it would reach logs and tracebacks.
    requester: str | None = field(repr=False)
    on_behalf_of: str | None = field(repr=False)
    bounced: tuple[str, ...] = field(repr=False)
    regime_hint: str | None
    evidence: dict[str, list[str]] = field(repr=False)
    # Not part of the CLI contract: what the inbound use case needs next.
    subject: str = field(default="", repr=False)
    message_id: str | None = None
    in_reply_to: tuple[str, ...] = ()
    case_ref: str | None = None
    text: str = field(default="", repr=False)
    attachments: tuple[Attachment, ...] = field(default=(), repr=False)
    # For AUTO_REPLY and BULK mail: the rights its text would ask for if a person had written it, so such
    # mail can go to a person instead of being ignored. Empty for every other kind.
    latent_rights: tuple[Right, ...] = ()

    def as_json(self) -> dict[str, Any]:
        """The stable JSON shape printed by `privacydesk triage`."""
        return {
            "kind": self.kind.value,
            "rights": [right.value for right in self.rights],
            "language": self.language,
            "requester": self.requester,
            "on_behalf_of": self.on_behalf_of,
            "bounced": list(self.bounced),
            "regime_hint": self.regime_hint,
            "evidence": self.evidence,
        }

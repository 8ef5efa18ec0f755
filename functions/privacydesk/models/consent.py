"""The consent ledger: what one data subject agreed to or withdrew, per purpose, as chained events."""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from privacydesk.models.event import GENESIS, ChainHead

MARKETING = "marketing_email"
SHARING = "third_party_sharing"


class ConsentSource(StrEnum):
    """Where a consent event came from."""

    EMAIL = "email"
    API = "api"
    ONE_CLICK = "one_click"
    GPC = "gpc"
    ADMIN = "admin"
    IMPORT = "import"


@dataclass(frozen=True)
class ConsentEvent:
    """One grant or withdrawal; `seq`, `prev_hash` and `hash` are set when it is chained."""

    subject: str
    at: datetime
    purpose: str
    granted: bool
    source: ConsentSource
    policy_version: str
    # Proof: case reference, SES message id, request id... never the address itself.
    evidence: dict[str, Any] = field(default_factory=dict)
    seq: int = 0
    prev_hash: str = ""
    hash: str = ""

    def content(self) -> dict[str, Any]:
        """What the event's hash covers, as JSON values: everything but the hash itself."""
        return {
            "subject": self.subject,
            "seq": self.seq,
            "at": self.at.isoformat(),
            "purpose": self.purpose,
            "granted": self.granted,
            "source": self.source.value,
            "policy_version": self.policy_version,
            "evidence": self.evidence,
            "prev_hash": self.prev_hash,
        }


@dataclass(frozen=True)
class PurposeState:
    """The current answer for one purpose, and the event that gave it."""

    granted: bool
    at: datetime
    source: ConsentSource
    seq: int


@dataclass(frozen=True)
class ConsentRecord:
    """A subject's projection: current state per purpose and the chain head (version 0: never stored)."""

    subject: str
    # Kept only to send mail (notices, confirmations); the subject id is an HMAC of it.
    address: str = field(repr=False)
    purposes: dict[str, PurposeState] = field(default_factory=dict)
    chain: ChainHead = GENESIS
    version: int = 0
    # The language the person last wrote or registered in ("" unknown): notices to them use it.
    language: str = ""


@dataclass(frozen=True)
class ConsentChange:
    """A subject's new projection and the chained events that produced it, written together."""

    record: ConsentRecord
    expected_version: int
    events: tuple[ConsentEvent, ...]

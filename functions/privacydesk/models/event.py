"""An entry on a case's timeline: the audit trail, chained by hashes."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class CaseEvent:
    """Something that happened to a case; `seq`, `prev_hash` and `hash` are set when it is chained."""

    case_ref: str
    at: datetime
    type: str
    detail: dict[str, Any] = field(default_factory=dict)
    # Who caused it: "system", "requester", or "team:<name>" for a privacy-team member.
    actor: str = "system"
    seq: int = 0
    prev_hash: str = ""
    hash: str = ""


@dataclass(frozen=True)
class ChainHead:
    """The last link of a case's audit chain: how many events, and the hash of the last one."""

    seq: int
    hash: str


# The head of a chain before its first event.
GENESIS = ChainHead(seq=0, hash="0" * 64)

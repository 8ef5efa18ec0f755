"""An entry on a case's timeline."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class CaseEvent:
    """Something that happened to a case: opened, mail received, mail queued or sent, bounce."""

    case_ref: str
    at: datetime
    type: str
    detail: dict[str, Any] = field(default_factory=dict)

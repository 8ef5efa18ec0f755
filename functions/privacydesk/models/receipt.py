"""Privacy receipts: what a sign-up collected, confirmed to the person and kept as a consent receipt."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class DeclaredPurpose:
    """One purpose the sign-up collected data for, in the company's words, and the data it uses."""

    purpose: str
    category: str
    data: tuple[str, ...]
    termination: str
    consent_type: str = "explicit"
    primary: bool = False
    third_parties: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReceiptRequest:
    """What the company's sign-up system tells the desk about one registration."""

    email: str = field(repr=False)
    policy_version: str
    purposes: tuple[DeclaredPurpose, ...]
    language: str = "en"
    receipt_id: str | None = None
    collection_method: str = "web form"
    service: str | None = None
    sensitive: tuple[str, ...] = ()
    # Ledger purposes (marketing_email...) the person granted (True) or declined (False) while signing up.
    consents: tuple[tuple[str, bool], ...] = ()


@dataclass(frozen=True)
class IssuedReceipt:
    """A receipt as stored: the Kantara document, whose ledger it belongs to, and the request it answered."""

    receipt_id: str
    subject: str
    issued_at: datetime
    # Names the person (piiPrincipalId): kept out of repr(), which can reach logs.
    document: dict[str, Any] = field(repr=False)
    # What a retry with the same receipt id must match to be answered from the store.
    request_sha256: str

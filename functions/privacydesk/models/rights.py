"""The rights a requester can exercise, the kinds of inbound mail, and the states of a right item."""

from enum import StrEnum

from privacydesk.models.consent import MARKETING, SHARING


class Right(StrEnum):
    """A privacy right asked for in a request."""

    ACCESS = "access"
    PORTABILITY = "portability"
    RECTIFICATION = "rectification"
    ERASURE = "erasure"
    MARKETING_OPT_OUT = "marketing_opt_out"
    SHARING_OPT_OUT = "sharing_opt_out"
    QUESTION = "question"


class MailKind(StrEnum):
    """What an inbound email is, decided by triage."""

    REQUEST = "request"
    REPLY = "reply"
    AUTO_REPLY = "auto_reply"
    BOUNCE = "bounce"
    BULK = "bulk"


class ItemState(StrEnum):
    """State of one right item of a case (allowed moves: logic/lifecycle.py)."""

    RECEIVED = "received"
    AWAITING_VERIFICATION = "awaiting_verification"
    VERIFIED = "verified"
    IN_PROGRESS = "in_progress"
    AWAITING_REQUESTER = "awaiting_requester"
    EXTENDED = "extended"
    COMPLETED = "completed"
    DENIED = "denied"
    WITHDRAWN = "withdrawn"
    CLOSED_UNVERIFIED = "closed_unverified"


TERMINAL_STATES = frozenset(
    {ItemState.COMPLETED, ItemState.DENIED, ItemState.WITHDRAWN, ItemState.CLOSED_UNVERIFIED}
)

# Rights that hand data out or change it need the requester's identity checked first;
# opt-outs and questions do not (CCPA §7026, CAN-SPAM: an opt-out needs no verification).
RIGHTS_NEEDING_VERIFICATION = frozenset({Right.ACCESS, Right.PORTABILITY, Right.RECTIFICATION, Right.ERASURE})


class DenialReason(StrEnum):
    """The fixed reasons a right may be refused for; each maps to a legal explanation in the notice."""

    UNVERIFIABLE = "unverifiable"
    MANIFESTLY_UNFOUNDED = "manifestly_unfounded"
    EXCESSIVE = "excessive"
    EXEMPT = "exempt"
    NO_DATA_HELD = "no_data_held"


# Opt-outs are applied in the consent ledger as their case opens: the purpose each one withdraws.
OPT_OUT_PURPOSES = {Right.MARKETING_OPT_OUT: MARKETING, Right.SHARING_OPT_OUT: SHARING}
OPT_OUT_RIGHTS = frozenset(OPT_OUT_PURPOSES)

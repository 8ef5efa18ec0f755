"""The consent ledger's rules: who a subject is, how events chain and fold, and who may be contacted."""

import hmac
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from hashlib import sha256
from typing import Any

from privacydesk.logic.audit_chain import canonical_sha256, first_broken_link
from privacydesk.models.consent import ConsentChange, ConsentEvent, ConsentRecord, ConsentSource, PurposeState
from privacydesk.models.event import GENESIS, ChainHead

_SUBJECT_CONTEXT = b"privacydesk consent subject\x00"


class ConsentError(ValueError):
    """A consent request the ledger cannot take (an unknown purpose, an address it cannot read)."""


class UnknownPurposeError(ConsentError):
    """The deployment declares no such purpose."""


def normalise_address(address: str) -> str:
    """The address as the ledger keys it: trimmed, lower-cased, its domain in IDNA 2008 (punycode) form."""
    local, at, domain = address.strip().lower().rpartition("@")
    domain = domain.rstrip(".")
    if not at or not local or not domain:
        raise ConsentError("not an email address")
    # Imported here: only the ledger needs it. IDNA 2008 without the transitional mapping: the 2003 codec
    # of the standard library would turn straße.de into strasse.de, another registered domain.
    import idna  # noqa: PLC0415

    try:
        ascii_domain = idna.encode(domain, uts46=True, transitional=False).decode("ascii")
    except idna.IDNAError:
        # Not a valid internationalised name (no mail reaches it): keyed as written, lower-cased.
        ascii_domain = domain
    return f"{local}@{ascii_domain}"


def subject_id(key: bytes, address: str) -> str:
    """The subject's key in the ledger: an HMAC of the normalised address (a bare hash is reversible)."""
    return hmac.new(key, _SUBJECT_CONTEXT + normalise_address(address).encode("utf-8"), sha256).hexdigest()


def consent_hash(event: ConsentEvent) -> str:
    """The SHA-256 of an event's canonical JSON (everything but its own hash)."""
    return canonical_sha256(event.content())


@dataclass(frozen=True)
class Decision:
    """One purpose granted or withdrawn, and through which channel."""

    purpose: str
    granted: bool
    source: ConsentSource


def record_decisions(
    record: ConsentRecord | None,
    *,
    subject: str,
    address: str,
    decisions: Sequence[Decision],
    policy_version: str,
    evidence: dict[str, Any],
    now: datetime,
    purposes: Iterable[str],
    language: str = "",
) -> ConsentChange:
    """Append one chained event per decision and move the projection with them (written together)."""
    known = set(purposes)
    unknown = sorted({d.purpose for d in decisions} - known)
    if unknown:
        raise UnknownPurposeError(
            f"unknown purpose {unknown[0]!r}; this deployment knows {', '.join(sorted(known))}"
        )
    given = address.strip()
    current = record or ConsentRecord(subject=subject, address=given)
    if current.subject != subject:
        raise ConsentError("the record belongs to another subject")
    head = current.chain
    states = dict(current.purposes)
    # A chain's times never run backwards, even when a write built earlier lands after a later one.
    now = max([now, *(state.at for state in states.values())])
    events = []
    for decision in decisions:
        event = ConsentEvent(
            subject=subject,
            at=now,
            purpose=decision.purpose,
            granted=decision.granted,
            source=decision.source,
            policy_version=policy_version,
            evidence=evidence,
            seq=head.seq + 1,
            prev_hash=head.hash,
        )
        event = replace(event, hash=consent_hash(event))
        events.append(event)
        head = ChainHead(event.seq, event.hash)
        states[decision.purpose] = PurposeState(decision.granted, now, decision.source, event.seq)
    # The address as the person last gave it is the one mail goes to (the subject id is the same).
    moved = replace(
        current, address=given, purposes=states, chain=head, language=language or current.language
    )
    return ConsentChange(moved, current.version, tuple(events))


def may_contact(record: ConsentRecord | None, purpose: str, model: str) -> bool:
    """Whether the subject may be contacted for the purpose now: their last word, else the model's default."""
    state = record.purposes.get(purpose) if record else None
    if state is None:
        return model != "opt_in"
    return state.granted


def state_as_of(events: Sequence[ConsentEvent], moment: datetime) -> dict[str, PurposeState]:
    """What the subject had agreed to or withdrawn, per purpose, at `moment` (events at it included)."""
    states: dict[str, PurposeState] = {}
    for event in sorted(events, key=lambda e: e.seq):
        if event.at <= moment:
            states[event.purpose] = PurposeState(event.granted, event.at, event.source, event.seq)
    return states


@dataclass(frozen=True)
class LedgerReport:
    """What checking one subject's chain found (no address: it may be printed or logged)."""

    subject: str
    ok: bool
    events: int
    first_broken_seq: int | None
    reason: str


def verify_ledger(subject: str, events: Sequence[ConsentEvent], head: ChainHead | None) -> LedgerReport:
    """Recompute a subject's chain and check it against the head its projection records (None: none)."""
    ordered = sorted(events, key=lambda e: e.seq)
    count = len(ordered)
    broken = first_broken_link(ordered, consent_hash, lambda e: e.subject == subject)
    if broken is None and head is None and count:
        broken = (1, f"the chain has {count} events but no projection (deleted?)")
    elif broken is None and head is not None:
        broken = _head_problem(ordered, head)
    if broken is None:
        return LedgerReport(subject, True, count, None, "intact")
    return LedgerReport(subject, False, count, broken[0], broken[1])


def _head_problem(ordered: Sequence[ConsentEvent], head: ChainHead) -> tuple[int, str] | None:
    if head.seq != len(ordered):
        where = min(head.seq, len(ordered)) + 1
        return where, f"the projection records {head.seq} events, the chain has {len(ordered)}"
    if head.seq and ordered[-1].hash != head.hash:
        return head.seq, f"event {head.seq}: hash differs from the projection's head (chain rewritten)"
    if not head.seq and head.hash != GENESIS.hash:
        return 1, "the projection's head before any event has a wrong hash"
    return None


def withdrawn_by(old: ConsentRecord | None, new: ConsentRecord, purpose: str) -> bool:
    """Whether this change is a new withdrawal of `purpose` (what a mailing list's topic must mirror)."""
    after = new.purposes.get(purpose)
    if after is None or after.granted:
        return False
    before = old.purposes.get(purpose) if old else None
    return before is None or before.seq != after.seq

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


def normalise_address(address: str) -> str:
    """The address as the ledger keys it: trimmed, lower-cased, its domain in IDNA (punycode) form."""
    local, at, domain = address.strip().lower().rpartition("@")
    if not at or not local or not domain:
        raise ConsentError("not an email address")
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise ConsentError("the address's domain is not a valid internationalised name") from exc
    return f"{local}@{ascii_domain}"


def subject_id(key: bytes, address: str) -> str:
    """The subject's key in the ledger: an HMAC of the normalised address (a bare hash is reversible)."""
    return hmac.new(key, _SUBJECT_CONTEXT + normalise_address(address).encode("utf-8"), sha256).hexdigest()


def consent_hash(event: ConsentEvent) -> str:
    """The SHA-256 of an event's canonical JSON (everything but its own hash)."""
    return canonical_sha256(
        {
            "subject": event.subject,
            "seq": event.seq,
            "at": event.at.isoformat(),
            "purpose": event.purpose,
            "granted": event.granted,
            "source": event.source.value,
            "policy_version": event.policy_version,
            "evidence": event.evidence,
            "prev_hash": event.prev_hash,
        }
    )


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
) -> ConsentChange:
    """Append one chained event per decision and move the projection with them (written together)."""
    known = set(purposes)
    unknown = sorted({d.purpose for d in decisions} - known)
    if unknown:
        raise ConsentError(
            f"unknown purpose {unknown[0]!r}; this deployment knows {', '.join(sorted(known))}"
        )
    current = record or ConsentRecord(subject=subject, address=normalise_address(address))
    if current.subject != subject:
        raise ConsentError("the record belongs to another subject")
    head = current.chain
    states = dict(current.purposes)
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
    # The latest address the subject used is the one mail goes to (the subject id is the same).
    moved = replace(current, address=normalise_address(address), purposes=states, chain=head)
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


def verify_ledger(subject: str, events: Sequence[ConsentEvent], head: ChainHead) -> LedgerReport:
    """Recompute a subject's chain and check it against the head its projection records."""
    ordered = sorted(events, key=lambda e: e.seq)
    broken = first_broken_link(ordered, consent_hash, lambda e: e.subject == subject)
    if broken is None and head.seq != len(ordered):
        broken = (
            min(head.seq, len(ordered)) + 1,
            f"the projection records {head.seq} events, the chain has {len(ordered)}",
        )
    if broken is None and head.seq and ordered[-1].hash != head.hash:
        broken = (head.seq, f"event {head.seq}: hash differs from the projection's head (chain rewritten)")
    if broken is None and not head.seq and head.hash != GENESIS.hash:
        broken = (1, "the projection's head before any event has a wrong hash")
    if broken is None:
        return LedgerReport(subject, True, len(ordered), None, "intact")
    return LedgerReport(subject, False, len(ordered), broken[0], broken[1])


def subscription_change(old: ConsentRecord | None, new: ConsentRecord, purpose: str) -> bool | None:
    """What a mailing list's topic for `purpose` must become after this change; None: it did not move."""
    after = new.purposes.get(purpose)
    if after is None:
        return None
    before = old.purposes.get(purpose) if old else None
    if before is not None and before.seq == after.seq:
        return None
    return after.granted

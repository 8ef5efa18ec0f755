"""Opt-outs need no identity check: applied in the consent ledger, and completed, as their case opens."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from privacydesk.config import Settings
from privacydesk.dal.interface import CaseRepository
from privacydesk.logic.consent import Decision, record_decisions, subject_id
from privacydesk.logic.lifecycle import Action, apply_action
from privacydesk.models.case import Case
from privacydesk.models.consent import ConsentChange, ConsentSource
from privacydesk.models.event import CaseEvent
from privacydesk.models.rights import OPT_OUT_PURPOSES, Right

KeySource = Callable[[], bytes]
# What the API records as evidence of a Global Privacy Control signal (CCPA §7025).
GPC_EVIDENCE = "Sec-GPC: 1 header on the submission"


@dataclass(frozen=True)
class Applied:
    """The case with its opt-outs completed, the events recording it, and the ledger's change."""

    case: Case
    events: tuple[CaseEvent, ...]
    consent: ConsentChange | None


def apply_opt_outs(
    case: Case, *, repo: CaseRepository, settings: Settings, key: KeySource, now: datetime, today: date
) -> Applied:
    """Withdraw the purposes the case's opt-outs name, for its data subject, and complete those rights."""
    rights = [item.right for item in case.items if item.right in OPT_OUT_PURPOSES and item.is_open]
    if not rights:
        return Applied(case, (), None)
    subject = subject_id(key(), case.subject_address)
    change = record_decisions(
        repo.get_consent(subject),
        subject=subject,
        address=case.subject_address,
        decisions=[Decision(OPT_OUT_PURPOSES[right], False, _source(case, right)) for right in rights],
        policy_version=settings.policy_version,
        evidence={"case": case.ref, "source_message_id": case.source_message_id},
        now=now,
        purposes=settings.purposes,
        language=case.language,
    )
    applied_at = now.isoformat()
    moved = apply_action(
        case,
        Action.COMPLETE,
        now=now,
        today=today,
        actor="system",
        rights=rights,
        detail={"applied_at": applied_at, "applied_in": "consent ledger"},
    )
    recorded = CaseEvent(
        case.ref,
        now,
        "consent_recorded",
        {
            "purposes": [OPT_OUT_PURPOSES[right] for right in rights],
            "granted": False,
            "applied_at": applied_at,
            "ledger_seq": [event.seq for event in change.events],
        },
    )
    return Applied(moved.case, (*moved.events, recorded), change)


def _source(case: Case, right: Right) -> ConsentSource:
    if right is Right.SHARING_OPT_OUT and GPC_EVIDENCE in case.evidence.get(right.value, []):
        return ConsentSource.GPC
    # A case's source (email, api, one_click) is the channel the opt-out came through.
    return ConsentSource(case.source)

"""The requester's side of a case: proving who they are, asking for a new code, reading the status."""

from dataclasses import replace
from datetime import datetime

from privacydesk.dal.interface import ConcurrentUpdateError
from privacydesk.logic.case_actions import CaseNotFoundError, DeskPorts, Draft, change_case, transition
from privacydesk.logic.lifecycle import Action, TransitionError
from privacydesk.logic.notices import notice
from privacydesk.logic.open_case import issue_verification
from privacydesk.logic.verification import IDENTITY, redeem, status_token_matches
from privacydesk.models.case import Case
from privacydesk.models.event import CaseEvent
from privacydesk.models.rights import ItemState
from privacydesk.observability import logger


class VerificationFailedError(Exception):
    """The code or link did not verify; deliberately one message whatever the reason."""


class NothingToVerifyError(Exception):
    """No right of this case is waiting for verification."""


def case_for_requester(ref: str, token: str, ports: DeskPorts) -> Case | None:
    """The case if the status token is its own; None otherwise (unknown and wrong look the same)."""
    case = ports.repo.get_case(ref)
    if case is None or not status_token_matches(ports.key(), ref, token, case.status_token_hash):
        return None
    return case


def verify(ref: str, ports: DeskPorts, *, code: str | None = None, token: str | None = None) -> Case:
    """Redeem a code or link token; on success the waiting rights are verified and the requester is told.

    Every guess that can still count is first counted, by a write conditional on the challenge as read;
    only a guess whose count was written gets an answer. Guesses sent in parallel therefore get no more
    answers than guesses sent in turn, and every failure looks the same.
    """
    settings = ports.settings
    verify_step = transition(
        Action.VERIFY,
        actor="requester",
        rights=None,
        settings=settings,
        detail={"method": "code" if code is not None else "link"},
    )

    def step(case: Case, now: datetime) -> Draft:
        stored = ports.repo.get_challenge(ref, IDENTITY)
        if stored is None:
            raise VerificationFailedError("verification failed")
        result = redeem(stored, purpose=IDENTITY, now=now, key=ports.key(), code=code, token=token)
        if result.challenge == stored:
            # Used, expired, locked: nothing left to count, and nothing to tell.
            logger.info("verification refused", extra={"reason": result.reason.value, "case": ref})
            raise VerificationFailedError("verification failed")
        counted = replace(stored, attempts=stored.attempts + 1, version=stored.version + 1)
        ports.repo.save_challenge(counted)  # a concurrent guess counted first: this one gets no answer
        if not result.ok:
            logger.info("verification refused", extra={"reason": result.reason.value, "case": ref})
            raise VerificationFailedError("verification failed")
        draft = verify_step(case, now)
        verified = [i for i in draft.case.items if i.state is ItemState.VERIFIED]
        # VERIFY moved at least one item (it raises otherwise), so there is a date to give.
        due = min(i.due for i in verified)
        rights = [i.right.value for i in verified]
        cause = str(case.chain.seq + 1)
        mail = notice("verified", draft.case, settings, now, cause=cause, rights=rights, due=due)
        used = replace(result.challenge, attempts=stored.attempts, version=counted.version + 1)
        return replace(draft, mails=[mail], challenge=used)

    try:
        return change_case(ref, step, ports)
    except (TransitionError, ConcurrentUpdateError, CaseNotFoundError) as exc:
        raise VerificationFailedError("verification failed") from exc


def resend(ref: str, token: str, ports: DeskPorts) -> Case:
    """A fresh code and link for a case still waiting for verification, within the resend limit."""
    if case_for_requester(ref, token, ports) is None:
        raise VerificationFailedError("no such request")
    settings = ports.settings

    def step(case: Case, now: datetime) -> Draft:
        if not any(i.state is ItemState.AWAITING_VERIFICATION for i in case.items):
            raise NothingToVerifyError("nothing in this request is waiting for verification")
        previous = ports.repo.get_challenge(ref, IDENTITY)
        challenge, mail = issue_verification(case, settings, now, ports.key(), previous)
        event = CaseEvent(ref, now, "verification_resent", {}, actor="requester")
        return Draft(case, [event], [mail], challenge)

    return change_case(ref, step, ports)

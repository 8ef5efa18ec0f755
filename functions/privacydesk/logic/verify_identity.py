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
from privacydesk.models.verification import Challenge, Redemption
from privacydesk.observability import logger

_TRIES = 3


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


class _RefusedError(Exception):
    """A guess that did not redeem, with the challenge as read and as it must now be stored."""

    def __init__(self, stored: Challenge, result: Redemption) -> None:
        super().__init__(result.reason.value)
        self.stored = stored
        self.result = result


def verify(ref: str, ports: DeskPorts, *, code: str | None = None, token: str | None = None) -> Case:
    """Redeem a code or link token; on success the waiting rights are verified and the requester is told.

    Every guess is judged against the challenge as stored at that moment and counted before any answer,
    and every failure looks the same, so guessing in parallel gains nothing over guessing in turn.
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
        if not result.ok:
            raise _RefusedError(stored, result)
        draft = verify_step(case, now)
        verified = [i for i in draft.case.items if i.state is ItemState.VERIFIED]
        # VERIFY moved at least one item (it raises otherwise), so there is a date to give.
        due = min(i.due for i in verified)
        rights = [i.right.value for i in verified]
        cause = str(case.chain.seq + 1)
        mail = notice("verified", draft.case, settings, now, cause=cause, rights=rights, due=due)
        return replace(draft, mails=[mail], challenge=result.challenge)

    for _ in range(_TRIES):
        try:
            return change_case(ref, step, ports)
        except _RefusedError as refused:
            logger.info("verification refused", extra={"reason": refused.result.reason.value, "case": ref})
            if refused.result.challenge == refused.stored:
                raise VerificationFailedError("verification failed") from refused
            try:
                ports.repo.save_challenge(refused.result.challenge)
            except ConcurrentUpdateError:
                continue  # someone else's guess landed first: judge this one again, then count it
            raise VerificationFailedError("verification failed") from refused
        except (TransitionError, ConcurrentUpdateError, CaseNotFoundError) as exc:
            raise VerificationFailedError("verification failed") from exc
    raise VerificationFailedError("verification failed")


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

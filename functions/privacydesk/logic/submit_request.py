"""A request submitted over the API (web form or partner): open its case, acknowledge, verify."""

from dataclasses import dataclass, field, replace

from privacydesk.logic.acknowledgement import acknowledgement
from privacydesk.logic.case_actions import DeskPorts
from privacydesk.logic.language import detect_language
from privacydesk.logic.open_case import commit_new_case, open_new_case, right_items
from privacydesk.logic.opt_out import GPC_EVIDENCE
from privacydesk.logic.references import new_reference
from privacydesk.logic.regime import regime_hint
from privacydesk.logic.verification import new_status_token
from privacydesk.models.case import Agent, Case
from privacydesk.models.event import CaseEvent
from privacydesk.models.rights import Right


@dataclass(frozen=True)
class Submission:
    """A validated API request body, plus what the edge saw (the Global Privacy Control signal)."""

    email: str = field(repr=False)
    name: str = field(repr=False)
    rights: tuple[Right, ...]
    message: str = field(default="", repr=False)
    regime: str | None = None
    agent: Agent | None = None
    gpc: bool = False
    request_id: str = ""


@dataclass(frozen=True)
class Submitted:
    """The case opened and the status token to give back (only its HMAC is stored)."""

    case: Case
    status_token: str


def submit_request(submission: Submission, ports: DeskPorts) -> Submitted:
    """Open a case for an API submission; an agent's request is verified with the data subject."""
    settings = ports.settings
    now = ports.clock()
    rights = submission.rights
    evidence: dict[str, list[str]] = {}
    if submission.gpc:
        # CCPA §7025: a Global Privacy Control signal is a valid request to opt out of sale and sharing.
        rights = (*rights, Right.SHARING_OPT_OUT) if Right.SHARING_OPT_OUT not in rights else rights
        evidence["sharing_opt_out"] = [GPC_EVIDENCE]
    regime, regime_reason = _regime(submission, settings.default_regime)
    agent = submission.agent
    case = Case(
        ref=new_reference(),
        requester=(agent.email if agent else submission.email).lower(),
        language=detect_language(submission.message) if submission.message.strip() else "en",
        received_at=now,
        items=right_items(rights, regime, now, settings),
        regime=regime,
        regime_reason=regime_reason,
        calendar=settings.holiday_calendar,
        source="api",
        source_message_id=f"api:{submission.request_id}",
        raw_key="",
        subject="",
        on_behalf_of=submission.email.lower() if agent else None,
        name=submission.name,
        agent=agent,
        evidence=evidence,
    )
    opened = CaseEvent(
        case.ref,
        now,
        "case_opened",
        {
            "source": "api",
            "rights": [r.value for r in rights],
            "regime": regime,
            "regime_reason": regime_reason,
            "message": submission.message,
            "gpc": submission.gpc,
            "agent_permission": agent.permission_ref if agent else None,
        },
        actor="agent" if agent else "requester",
    )
    ack = acknowledgement(case, settings, now, cause=case.ref)
    token = new_status_token()
    change = commit_new_case(
        lambda: open_new_case(
            case,
            opened,
            [ack],
            repo=ports.repo,
            settings=settings,
            key=ports.key,
            ledger_key=ports.ledger_key,
            now=now,
            status_token=token,
        ),
        ports.repo,
    )
    return Submitted(replace(change.case, version=1), token)


def _regime(submission: Submission, default: str) -> tuple[str, str]:
    if submission.regime:
        return submission.regime, "chosen in the request"
    hinted = regime_hint(submission.message)
    if hinted:
        return hinted, "named or implied in the request's message"
    return default, "deployment default"

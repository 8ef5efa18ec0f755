"""Admin routes for the privacy team (IAM in AWS, a bearer token on the local stack)."""

import re
from datetime import date
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router

from privacydesk.config import REGIMES
from privacydesk.dal.interface import CaseFilter
from privacydesk.handlers.edge import ApiError, body, query, team_actor
from privacydesk.handlers.ports import desk_ports, evidence_store
from privacydesk.handlers.views import case_view, event_view, inbound_view, outbox_view
from privacydesk.logic import case_actions
from privacydesk.logic.audit_report import audit_case
from privacydesk.logic.render import render_page
from privacydesk.models.case import Case
from privacydesk.models.rights import DenialReason, ItemState, Right

router = Router()
_CASE_STATES = (*(s.value for s in ItemState), "closed")
_LIST_LIMIT = 200


@router.get("/")
def desk_page() -> Response[str]:
    """The desk's HTML page: cases with their rights, status and due date, and the outbox."""
    repo = desk_ports().repo
    html = render_page(
        "desk.html",
        cases=[case_view(c) for c in repo.list_cases(_LIST_LIMIT)],
        outbox=[outbox_view(o) for o in repo.list_outbox(_LIST_LIMIT)],
        inbound=[inbound_view(i) for i in repo.list_inbound(_LIST_LIMIT)],
    )
    return Response(status_code=200, content_type=content_types.TEXT_HTML, body=html)


@router.get("/v1/cases")
def list_cases() -> dict[str, Any]:
    """Cases, most recent first, filtered by state, right, regime and due date."""
    event = router.current_event
    limit = _limit(query(event, "limit"))
    due_before = query(event, "due_before")
    try:
        where = CaseFilter(
            state=_one_of(query(event, "state"), "state", _CASE_STATES),
            right=_one_of(query(event, "right"), "right", tuple(Right)),
            regime=_one_of(query(event, "regime"), "regime", REGIMES),
            due_before=None if due_before is None else _date(due_before),
        )
    except ValueError as exc:
        raise ApiError(400, "bad_request", "due_before must be a date, YYYY-MM-DD") from exc
    return {"cases": [case_view(c) for c in desk_ports().repo.list_cases(limit, where)]}


@router.get("/v1/cases/<ref>")
def get_case(ref: str) -> dict[str, Any]:
    """One case with its clocks and its audit trail."""
    case = desk_ports().repo.get_case(ref.upper())
    if case is None:
        raise ApiError(404, "not_found", "no case with this reference")
    return _detail(case)


@router.get("/v1/cases/<ref>/audit")
def audit(ref: str) -> dict[str, Any]:
    """Recompute the case's audit chain and check it against the heads in the evidence bucket."""
    report = audit_case(ref.upper(), desk_ports().repo, evidence_store())
    if report is None:
        raise ApiError(404, "not_found", "no case with this reference")
    return report.as_dict()


@router.post("/v1/cases/<ref>/assign")
def assign(ref: str) -> dict[str, Any]:
    """Give the case to a member of the privacy team."""
    data = body(router.current_event, "case_assign")
    return _detail(case_actions.assign(ref.upper(), desk_ports(), assignee=data["assignee"], actor=_actor()))


@router.post("/v1/cases/<ref>/notes")
def note(ref: str) -> dict[str, Any]:
    """Add an internal note to the timeline."""
    data = body(router.current_event, "case_note")
    return _detail(case_actions.add_note(ref.upper(), desk_ports(), text=data["text"], actor=_actor()))


@router.post("/v1/cases/<ref>/ask")
def ask(ref: str) -> dict[str, Any]:
    """Ask the requester for information (emails them; stops the clock where the regime allows)."""
    data = body(router.current_event, "case_ask")
    return _detail(
        case_actions.ask_requester(
            ref.upper(), desk_ports(), message=data["message"], rights=_rights(data), actor=_actor()
        )
    )


@router.post("/v1/cases/<ref>/extend")
def extend(ref: str) -> dict[str, Any]:
    """Extend the deadline with a reason; the extension notice goes out at once."""
    data = body(router.current_event, "case_extend")
    return _detail(
        case_actions.extend(
            ref.upper(), desk_ports(), reason=data["reason"], rights=_rights(data), actor=_actor()
        )
    )


@router.post("/v1/cases/<ref>/complete")
def complete(ref: str) -> dict[str, Any]:
    """Fulfil the rights and send the answer."""
    data = body(router.current_event, "case_complete")
    return _detail(
        case_actions.complete(
            ref.upper(), desk_ports(), message=data["message"], rights=_rights(data), actor=_actor()
        )
    )


@router.post("/v1/cases/<ref>/deny")
def deny(ref: str) -> dict[str, Any]:
    """Refuse the rights with a legal reason; the notice says how to complain."""
    data = body(router.current_event, "case_deny")
    return _detail(
        case_actions.deny(
            ref.upper(),
            desk_ports(),
            reason=DenialReason(data["reason"]),
            message=data.get("message", ""),
            rights=_rights(data),
            actor=_actor(),
        )
    )


@router.post("/v1/cases/<ref>/withdraw")
def withdraw(ref: str) -> dict[str, Any]:
    """Close rights the requester no longer wants."""
    data = body(router.current_event, "case_withdraw")
    return _detail(
        case_actions.withdraw(
            ref.upper(), desk_ports(), reason=data.get("reason", ""), rights=_rights(data), actor=_actor()
        )
    )


@router.get("/v1/outbox")
def list_outbox() -> dict[str, Any]:
    """Outgoing mail with its send status, most recent first."""
    return {"outbox": [outbox_view(o) for o in desk_ports().repo.list_outbox(_LIST_LIMIT)]}


@router.get("/v1/inbound")
def list_inbound() -> dict[str, Any]:
    """Every inbound email and what was done with it (quarantines included), most recent first."""
    return {"inbound": [inbound_view(i) for i in desk_ports().repo.list_inbound(_LIST_LIMIT)]}


def _detail(case: Case) -> dict[str, Any]:
    return {**case_view(case), "events": [event_view(e) for e in desk_ports().repo.list_events(case.ref)]}


def _rights(data: dict[str, Any]) -> list[Right] | None:
    return [Right(r) for r in data["rights"]] if "rights" in data else None


def _date(raw: str) -> date:
    # fromisoformat also takes 20260101 and week dates: the API promises YYYY-MM-DD only.
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", raw):
        raise ValueError("not YYYY-MM-DD")
    return date.fromisoformat(raw)


def _one_of(value: str | None, name: str, allowed: tuple[str, ...]) -> str | None:
    if value is not None and value not in allowed:
        raise ApiError(400, "bad_request", f"{name} must be one of {', '.join(allowed)}")
    return value


def _limit(raw: str | None) -> int:
    if raw is None:
        return _LIST_LIMIT
    if not re.fullmatch(r"[0-9]{1,3}", raw) or not 1 <= int(raw) <= _LIST_LIMIT:
        raise ApiError(400, "bad_request", "limit must be a whole number from 1 to 200")
    return int(raw)


def _actor() -> str:
    return team_actor(router.current_event)

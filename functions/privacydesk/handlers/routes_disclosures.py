"""Planned disclosures to third parties: the privacy team declares one and follows its notices (IAM)."""

import re
from datetime import date
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router

from privacydesk.handlers.disclosure_views import disclosure_view
from privacydesk.handlers.edge import ApiError, body, team_actor
from privacydesk.handlers.notice_ports import notice_ports
from privacydesk.logic import disclosures
from privacydesk.models.disclosure import Audience
from privacydesk.observability import logger

router = Router()
_ID = re.compile(r"DSC-[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}")
_LIST_LIMIT = 100


@router.post("/v1/disclosures")
def declare() -> Response[dict[str, Any]]:
    """Declare a disclosure: its notices are planned and sent at once; 201 with where it stands."""
    data = body(router.current_event, "disclosure_declare")
    audience = data["audience"]
    declaration = disclosures.Declaration(
        recipient=data["recipient"].strip(),
        purpose=data["purpose"].strip(),
        categories=tuple(data["categories"]),
        audience=Audience(
            purpose=audience.get("purpose"),
            state=audience.get("state", "may_contact"),
            list_key=audience.get("list_key"),
        ),
        effective=date.fromisoformat(data["effective_date"]),
        policy_version=data.get("policy_version"),
    )
    try:
        declared = disclosures.declare(declaration, notice_ports(), actor=team_actor(router.current_event))
    except disclosures.DisclosureError as exc:
        raise ApiError(400, "bad_request", str(exc)) from exc
    logger.info("disclosure declared", extra={"disclosure": declared.disclosure_id})
    return Response(
        status_code=201, content_type=content_types.APPLICATION_JSON, body=disclosure_view(declared)
    )


@router.get("/v1/disclosures")
def listing() -> dict[str, Any]:
    """The most recent disclosures first, with their progress."""
    return {"disclosures": [disclosure_view(d) for d in notice_ports().store.list_disclosures(_LIST_LIMIT)]}


@router.get("/v1/disclosures/<disclosure_id>")
def get(disclosure_id: str) -> dict[str, Any]:
    """One disclosure: its progress, its audit trail and, once closed, its manifest."""
    ports = notice_ports()
    found = ports.store.get_disclosure(disclosure_id) if _ID.fullmatch(disclosure_id) else None
    if found is None:
        raise ApiError(404, "not_found", "no disclosure with this id")
    return disclosure_view(found, ports.store.disclosure_events(disclosure_id))

"""Public routes for requesters and web forms: submit, follow, verify. They never reveal who is known."""

import re
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router

from privacydesk.handlers.edge import ApiError, body, query, request_context
from privacydesk.handlers.ports import desk_ports
from privacydesk.handlers.views import request_status_view
from privacydesk.logic import consent_ledger
from privacydesk.logic.references import REFERENCE_RE
from privacydesk.logic.render import render_page
from privacydesk.logic.submit_request import Submission, submit_request
from privacydesk.logic.verify_identity import (
    NothingToVerifyError,
    VerificationFailedError,
    case_for_requester,
    resend,
    verify,
)
from privacydesk.models.case import Agent
from privacydesk.models.rights import OPT_OUT_PURPOSES, Right
from privacydesk.models.verification import ResendLimitError
from privacydesk.schemas.openapi import bundled_spec

router = Router()
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,100}")
_UNKNOWN = ApiError(404, "not_found", "no request matches this reference and token")
_FAILED = ApiError(400, "verification_failed", "the code or link is not valid: ask for a new one")


@router.get("/openapi.json")
def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 description of this API, self-contained."""
    return bundled_spec()


@router.post("/v1/requests")
def submit() -> Response[dict[str, Any]]:
    """Open a case for a web or partner submission; answer 202 with the reference and a status URL."""
    data = body(router.current_event, "request_submission")
    agent = data.get("agent")
    submission = Submission(
        email=data["email"],
        name=data["name"],
        rights=tuple(Right(r) for r in data["rights"]),
        message=data.get("message", ""),
        regime=data.get("regime"),
        agent=Agent(agent["name"], agent["email"].lower(), agent["permission_ref"]) if agent else None,
        gpc=router.current_event.headers.get("sec-gpc") == "1",
        request_id=request_context(router.current_event).get("requestId", ""),
    )
    ports = desk_ports()
    submitted = submit_request(submission, ports)
    ref = submitted.case.ref
    return Response(
        status_code=202,
        content_type=content_types.APPLICATION_JSON,
        body={
            "ref": ref,
            "status_url": f"{ports.settings.public_base_url}/v1/requests/{ref}"
            f"?token={submitted.status_token}",
            "state": submitted.case.state,
        },
    )


@router.get("/v1/requests/<ref>")
def status(ref: str) -> dict[str, Any]:
    """The requester's view of their case and their consents (needs the status token given at submission)."""
    ports = desk_ports()
    case = case_for_requester(ref.upper(), _token(), ports)
    if case is None:
        raise _UNKNOWN
    # Only the purposes this request's own opt-outs changed: a status token is given without any identity
    # check, so it must not reveal what else the address agreed to.
    asked = {OPT_OUT_PURPOSES[right] for right in case.rights if right in OPT_OUT_PURPOSES}
    views = consent_ledger.lookup(case.subject_address, ports).purpose_view() if asked else []
    return {**request_status_view(case), "consents": [v for v in views if v["purpose"] in asked]}


@router.post("/v1/requests/<ref>/verify")
def redeem(ref: str) -> dict[str, Any]:
    """Redeem the code or the link token sent to the data subject's address."""
    data = body(router.current_event, "verify_request", form_allowed=True)
    try:
        case = verify(ref.upper(), desk_ports(), code=data.get("code"), token=data.get("token"))
    except VerificationFailedError as exc:
        raise _FAILED from exc
    return {"ref": case.ref, "state": case.state, "verified": True}


@router.get("/v1/requests/<ref>/verify")
def verify_page(ref: str) -> Response[str]:
    """The page the emailed link opens: a button that POSTs the token (a GET never redeems it)."""
    if not REFERENCE_RE.fullmatch(ref.upper()):
        raise ApiError(400, "bad_request", "this is not a request reference")
    html = render_page("verify.html", ref=ref.upper(), token=_token())
    return Response(status_code=200, content_type=content_types.TEXT_HTML, body=html)


@router.post("/v1/requests/<ref>/resend")
def resend_code(ref: str) -> Response[dict[str, Any]]:
    """Send a fresh code and link, within the resend limit."""
    data = body(router.current_event, "resend_request")
    try:
        case = resend(ref.upper(), data["token"], desk_ports())
    except VerificationFailedError as exc:
        raise _UNKNOWN from exc
    except ResendLimitError as exc:
        raise ApiError(
            429, "rate_limited", f"too many codes sent; try again after {exc.retry_at:%H:%M} UTC"
        ) from exc
    except NothingToVerifyError as exc:
        raise ApiError(409, "conflict", str(exc)) from exc
    return Response(
        status_code=202,
        content_type=content_types.APPLICATION_JSON,
        body={"ref": case.ref, "sent": True},
    )


def _token() -> str:
    """The token of the query string; a malformed one is refused before anything is looked up."""
    token = query(router.current_event, "token") or ""
    if not _TOKEN.fullmatch(token):
        raise ApiError(400, "bad_request", "token is missing or malformed")
    return token

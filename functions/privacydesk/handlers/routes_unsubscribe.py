"""One-click unsubscribe (RFC 8058): the admin route that issues the headers, and the public link."""

import re
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router

from privacydesk.handlers.edge import MAX_BODY_BYTES, ApiError, body, query, request_context
from privacydesk.handlers.ports import desk_ports
from privacydesk.logic.render import render_page
from privacydesk.logic.unsubscribe import (
    UnknownLinkError,
    UnsubscribeError,
    issue_links,
    read_token,
    unsubscribe,
)
from privacydesk.models.consent import MARKETING, SHARING

router = Router()
_TOKEN_CHARS = re.compile(r"[0-9A-Za-z._-]{1,200}")
_WHAT = {MARKETING: "marketing email", SHARING: "sharing with third parties"}


@router.post("/v1/unsubscribe-links")
def links() -> dict[str, Any]:
    """The List-Unsubscribe and List-Unsubscribe-Post header values for one person's marketing mail."""
    data = body(router.current_event, "unsubscribe_links")
    try:
        issued = issue_links(data["email"], data["purpose"], data.get("language", "en"), desk_ports())
    except UnsubscribeError as exc:
        raise ApiError(400, "bad_request", str(exc)) from exc
    return {
        "url": issued.url,
        "headers": {
            "List-Unsubscribe": issued.list_unsubscribe,
            "List-Unsubscribe-Post": issued.list_unsubscribe_post,
        },
    }


@router.get("/v1/unsubscribe")
def confirm_page() -> Response[str]:
    """The page a link opens in a browser: a button that POSTs (a GET never unsubscribes: scanners GET)."""
    token = _token()
    ports = desk_ports()
    try:
        _, purpose, _ = read_token(token, ports)
    except UnknownLinkError as exc:
        raise ApiError(404, "not_found", str(exc)) from exc
    except UnsubscribeError as exc:
        raise ApiError(400, "bad_request", str(exc)) from exc
    return _page(done=False, purpose=purpose, ref=None)


@router.post("/v1/unsubscribe")
def one_click() -> Response[str]:
    """Unsubscribe at once (RFC 8058); the body ("List-Unsubscribe=One-Click") is not required to be exact,
    so a mail client's variant of it never loses an opt-out; the signed token is what is checked."""
    event = router.current_event
    if len((event.body or "").encode("utf-8")) > MAX_BODY_BYTES:
        raise ApiError(413, "payload_too_large", f"the body is larger than {MAX_BODY_BYTES} bytes")
    request_id = request_context(event).get("requestId") or ""
    try:
        done = unsubscribe(_token(), desk_ports(), request_id=request_id)
    except UnknownLinkError as exc:
        raise ApiError(404, "not_found", str(exc)) from exc
    except UnsubscribeError as exc:
        raise ApiError(400, "bad_request", str(exc)) from exc
    return _page(done=True, purpose=done.purpose, ref=done.ref)


def _page(*, done: bool, purpose: str, ref: str | None) -> Response[str]:
    organisation = desk_ports().settings.organisation
    html = render_page("unsubscribe.html", done=done, what=_WHAT[purpose], ref=ref, organisation=organisation)
    return Response(status_code=200, content_type=content_types.TEXT_HTML, body=html)


def _token() -> str:
    """The link's token; only its shape is checked here, its signature by the use case."""
    token = query(router.current_event, "token") or ""
    if not _TOKEN_CHARS.fullmatch(token):
        raise ApiError(400, "bad_request", "token is missing or malformed")
    return token

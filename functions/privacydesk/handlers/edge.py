"""Edge rules shared by every route: body limits, content types, schema validation, the error envelope."""

import json
from typing import Any
from urllib.parse import parse_qs

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent

from privacydesk.schemas import EdgeValidationError, validate

MAX_BODY_BYTES = 64 * 1024


class ApiError(Exception):
    """An answer other than success: HTTP status, a stable code and a message without personal data."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


def error_response(status: int, code: str, message: str) -> Response[dict[str, Any]]:
    """The one error envelope every route answers with."""
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body={"error": {"code": code, "message": message}},
    )


def body(event: BaseProxyEvent, schema: str, *, form_allowed: bool = False) -> dict[str, Any]:
    """The request body, size-checked, parsed and validated against its JSON Schema file."""
    raw = event.body or ""
    if len(raw.encode("utf-8")) > MAX_BODY_BYTES:
        raise ApiError(413, "payload_too_large", f"the body is larger than {MAX_BODY_BYTES} bytes")
    media = (event.headers.get("content-type") or "").split(";")[0].strip().lower()
    if media == "application/x-www-form-urlencoded" and form_allowed:
        parsed: Any = {k: v[-1] for k, v in parse_qs(raw, keep_blank_values=True).items()}
    elif media in {"application/json", ""}:
        try:
            parsed = event.json_body if raw else None
        except ValueError as exc:
            raise EdgeValidationError(f"{schema}: the body is not JSON") from exc
    else:
        raise ApiError(415, "unsupported_media_type", "send the body as application/json")
    validate(parsed, schema)
    try:
        # JSON may carry lone surrogates (\ud800) that no store or mail can hold: refuse them here.
        json.dumps(parsed, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise EdgeValidationError(f"{schema}: text holds characters that are not valid Unicode") from exc
    result: dict[str, Any] = parsed
    return result


def query(event: BaseProxyEvent, name: str) -> str | None:
    """One query-string parameter as sent (an empty value stays "" so it can be refused), or None."""
    params = event.query_string_parameters or {}
    return params.get(name)


def request_context(event: BaseProxyEvent) -> dict[str, Any]:
    """API Gateway's requestContext (request id, and the IAM caller on admin routes)."""
    context: dict[str, Any] = event.raw_event.get("requestContext") or {}
    return context


def team_actor(event: BaseProxyEvent) -> str:
    """The privacy-team member calling an admin route, as audit trails name them."""
    # IAM names the caller in AWS; the local stack's bearer token stands for one local admin.
    identity = request_context(event).get("identity") or {}
    caller = identity.get("userArn") or identity.get("caller") or "local-admin"
    return f"team:{caller.rsplit('/', 1)[-1]}"

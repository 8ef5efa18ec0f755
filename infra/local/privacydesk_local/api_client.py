"""A small HTTP client for the running stack's API (what every stack command of the CLI uses)."""

import json
import os
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

STACK_FILE = Path(".privacydesk") / "stack.json"
TOKEN_ENV = "PRIVACYDESK_ADMIN_TOKEN"  # noqa: S105 - the name of the variable, not a secret


class StackUnreachableError(Exception):
    """No stack answers at the given or recorded address."""


class ApiError(Exception):
    """The stack answered with an error status; the message is the one of the API's error envelope."""

    def __init__(self, status: int, message: str, code: str = "") -> None:
        super().__init__(f"HTTP {status}{' ' + code if code else ''}: {message}")
        self.status = status
        self.code = code


def api_url(explicit: str | None) -> str:
    """The API base URL: --api, else the one recorded by `privacydesk run` in this folder."""
    if explicit:
        url = explicit
    else:
        try:
            url = str(json.loads(STACK_FILE.read_text())["api"])
        except (OSError, ValueError, KeyError) as exc:
            raise StackUnreachableError(
                f"no running stack found: {STACK_FILE} is missing; "
                "start one with `privacydesk run` or pass --api URL"
            ) from exc
    if urlsplit(url).scheme not in {"http", "https"}:
        raise StackUnreachableError(f"not an http(s) URL: {url}")
    return url.rstrip("/")


def admin_token() -> str | None:
    """The admin bearer token: $PRIVACYDESK_ADMIN_TOKEN, else the one `privacydesk run` recorded here."""
    token = os.environ.get(TOKEN_ENV, "").strip()
    if token:
        return token
    try:
        recorded = json.loads(STACK_FILE.read_text()).get("admin_token")
    except (OSError, ValueError, AttributeError):
        return None
    return str(recorded) if recorded else None


def case_path(ref: str, action: str = "") -> str:
    """The API path of a case, or of one of its actions, with the reference safely quoted."""
    path = f"/v1/cases/{quote(ref.strip().upper(), safe='')}"
    return f"{path}/{action}" if action else path


def with_query(path: str, params: dict[str, Any]) -> str:
    """`path` with the parameters that are set as its query string."""
    present = {k: v for k, v in params.items() if v is not None}
    return f"{path}?{urlencode(present)}" if present else path


def call(
    base: str,
    method: str,
    path: str,
    body: dict[str, Any] | None = None,
    timeout: float = 30,
    *,
    token: str | None = None,
) -> Any:
    """One JSON request to the stack, carrying the admin bearer token when one is known."""
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    bearer = token or admin_token()
    if bearer:
        headers["Authorization"] = f"Bearer {bearer}"
    # base comes from api_url(), which admits only http(s) URLs.
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        code, message = _error_of(exc)
        raise ApiError(exc.code, message, code) from exc
    except (urllib.error.URLError, OSError) as exc:
        raise StackUnreachableError(f"nothing answers at {base}: is `privacydesk run` running?") from exc


def _error_of(exc: urllib.error.HTTPError) -> tuple[str, str]:
    """The code and message of an error answer: the envelope's, else whatever the body says."""
    try:
        document = json.loads(exc.read())
    except ValueError:
        return "", str(exc.reason)
    if not isinstance(document, dict):
        return "", str(exc.reason)
    envelope = document.get("error")
    if isinstance(envelope, dict):
        return str(envelope.get("code") or ""), str(envelope.get("message") or exc.reason)
    # API Gateway's own answers (throttling, IAM denials) carry a bare message.
    return "", str(document.get("message") or exc.reason)

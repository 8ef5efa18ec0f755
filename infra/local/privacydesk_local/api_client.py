"""A small HTTP client for the running stack's API (what every stack command of the CLI uses)."""

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

STACK_FILE = Path(".privacydesk") / "stack.json"


class StackUnreachableError(Exception):
    """No stack answers at the given or recorded address."""


class ApiError(Exception):
    """The stack answered with an error status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"HTTP {status}: {message}")
        self.status = status


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


def call(base: str, method: str, path: str, body: dict[str, Any] | None = None, timeout: float = 30) -> Any:
    """One JSON request to the stack."""
    data = json.dumps(body).encode() if body is not None else None
    # base comes from api_url(), which admits only http(s) URLs.
    request = urllib.request.Request(  # noqa: S310
        base + path, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        try:
            message = json.loads(exc.read()).get("message", exc.reason)
        except ValueError:
            message = str(exc.reason)
        raise ApiError(exc.code, message) from exc
    except (urllib.error.URLError, OSError) as exc:
        raise StackUnreachableError(f"nothing answers at {base}: is `privacydesk run` running?") from exc

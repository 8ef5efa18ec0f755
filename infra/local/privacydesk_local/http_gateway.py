"""An HTTP server that plays API Gateway (REST, proxy integration) in front of the API function."""

import base64
import hmac
import json
import logging
import re
import threading
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

MAX_BODY_BYTES = 1024 * 1024
Invoke = Callable[[dict[str, Any]], dict[str, Any]]


def proxy_event(
    method: str, target: str, headers: dict[str, str], body: bytes, source_ip: str
) -> dict[str, Any]:
    """The API Gateway REST proxy event for one HTTP request."""
    parts = urlsplit(target)
    # API Gateway passes empty values through (?due_before= arrives as ""): so must we.
    query = parse_qs(parts.query, keep_blank_values=True)
    return {
        "resource": parts.path,
        "path": parts.path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
        "multiValueQueryStringParameters": query or None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": parts.path,
            "httpMethod": method,
            "path": "/local" + parts.path,
            "stage": "local",
            "requestId": str(uuid.uuid4()),
            "identity": {"sourceIp": source_ip},
        },
        "body": body.decode("utf-8", errors="replace") if body else None,
        "isBase64Encoded": False,
    }


def _route_pattern(path: str) -> re.Pattern[str]:
    # API Gateway path parameters ({ref}) match one path segment.
    return re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(path)) + "$")


def _error(status: int, code: str, message: str, **headers: str) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json", **headers},
        "body": json.dumps({"error": {"code": code, "message": message}}),
    }


class HttpGateway:
    """A threaded HTTP server turning requests into proxy events and responses back into HTTP.

    Routes not listed as public play API Gateway's IAM authoriser: without the admin token as a bearer
    token (or as the password of HTTP Basic auth, so a browser can open the desk page) they get 401.
    """

    def __init__(
        self,
        invoke: Invoke,
        host: str,
        port: int,
        *,
        public_routes: list[tuple[str, str]] | None = None,
        admin_token: str | None = None,
        local_routes: dict[tuple[str, str], Callable[[bytes], dict[str, Any]]] | None = None,
    ) -> None:
        gateway = self

        class _Handler(BaseHTTPRequestHandler):
            def __getattr__(self, name: str) -> Any:
                # Every method reaches the function, as behind API Gateway's proxy (TRACE, QUERY...):
                # the handler answers 405 for a method its path does not document.
                if name.startswith("do_"):
                    return lambda: gateway.serve(self)
                raise AttributeError(name)

            def log_message(self, format: str, *args: Any) -> None:
                """Silence the default per-request stderr line (requests may carry personal data)."""

        self._invoke = invoke
        self._public = [(method, _route_pattern(path)) for method, path in public_routes or []]
        self._admin_token = admin_token
        # Controls of the local stack itself (not part of the API): admin token required, like the admin API.
        self._local_routes = local_routes or {}
        self._server = ThreadingHTTPServer((host, port), _Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="http-gateway", daemon=True)

    @property
    def port(self) -> int:
        """The port actually bound."""
        return int(self._server.server_address[1])

    def start(self) -> None:
        """Serve in the background."""
        self._thread.start()

    def stop(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()

    def serve(self, request: BaseHTTPRequestHandler) -> None:
        """Answer one request through the API function."""
        if not self._authorised(request):
            self._reply(
                request,
                _error(
                    401,
                    "unauthorized",
                    "this route needs the admin token (Authorization: Bearer ...)",
                    **{"WWW-Authenticate": 'Basic realm="privacydesk local admin"'},
                ),
            )
            return
        try:
            length = int(request.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0:
            self._reply(request, _error(400, "bad_request", "Content-Length is not a whole number"))
            return
        if length > MAX_BODY_BYTES:
            self._reply(request, _error(413, "payload_too_large", "request body too large"))
            return
        body = request.rfile.read(length) if length else b""
        local = self._local_routes.get((request.command, urlsplit(request.path).path))
        if local is not None:
            try:
                answer = {"statusCode": 200, "headers": {"Content-Type": "application/json"}}
                answer["body"] = json.dumps(local(body))
            except ValueError as exc:
                answer = _error(400, "bad_request", str(exc))
            except Exception:
                logging.getLogger(__name__).exception("local control route failed")
                answer = _error(502, "bad_gateway", "the local control failed; see the stack's output")
            self._reply(request, answer)
            return
        headers = dict(request.headers.items())
        event = proxy_event(request.command, request.path, headers, body, request.client_address[0])
        try:
            response = self._invoke(event)
        except Exception:  # noqa: BLE001 - API Gateway answers 502 when the function fails
            response = _error(502, "bad_gateway", "the function failed")
        self._reply(request, response)

    def _authorised(self, request: BaseHTTPRequestHandler) -> bool:
        if self._admin_token is None:
            return True
        path = urlsplit(request.path).path
        if any(method == request.command and pattern.match(path) for method, pattern in self._public):
            return True
        given = request.headers.get("Authorization") or ""
        scheme, _, credentials = given.partition(" ")
        if scheme.lower() == "basic":
            try:
                credentials = base64.b64decode(credentials).decode("utf-8").partition(":")[2]
            except (ValueError, UnicodeDecodeError):
                return False
        elif scheme.lower() != "bearer":
            return False
        return hmac.compare_digest(credentials.encode(), self._admin_token.encode())

    @staticmethod
    def _reply(request: BaseHTTPRequestHandler, response: dict[str, Any]) -> None:
        body = response.get("body") or ""
        payload = base64.b64decode(body) if response.get("isBase64Encoded") else str(body).encode()
        request.send_response(int(response.get("statusCode", 200)))
        headers = dict(response.get("headers") or {})
        for name, values in (response.get("multiValueHeaders") or {}).items():
            headers.setdefault(name, values[-1] if values else "")
        for name, value in headers.items():
            if name.lower() != "content-length":
                request.send_header(name, str(value))
        request.send_header("Content-Length", str(len(payload)))
        request.end_headers()
        if request.command != "HEAD":
            request.wfile.write(payload)

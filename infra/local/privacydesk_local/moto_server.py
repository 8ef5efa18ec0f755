"""moto's server, in-process, with requests handled one at a time.

moto's backends are not thread-safe: a TransactWriteItems deep-copies a table while another request
writes to it ("dictionary changed size during iteration"). Real AWS has no such limit; serialising
requests here keeps the local stack correct without slowing a laptop-sized workload noticeably.
"""

import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server

from privacydesk_local.moto_patches import (
    cheap_retention_check,
    light_transactions,
    listed_modules_once,
    remembered_tags,
)

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class _Serialised:
    """WSGI middleware: one request at a time through the wrapped app."""

    def __init__(self, app: WsgiApp) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        with self._lock:
            return list(self._app(environ, start_response))


class MotoServer:
    """moto's AWS endpoints on a local port, served from a background thread."""

    def __init__(self, host: str, port: int) -> None:
        # moto logs every request line at INFO; the stack's own output is what a newcomer reads.
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        light_transactions()
        listed_modules_once()
        cheap_retention_check()
        remembered_tags()
        app = _Serialised(DomainDispatcherApplication(create_backend_app))
        self._server: BaseWSGIServer = make_server(
            host, port, app, threaded=True, request_handler=MotoRequestHandler
        )
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto", daemon=True)

    @property
    def endpoint(self) -> str:
        """The URL to give boto3 as its endpoint."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        """Serve in the background."""
        self._thread.start()

    def stop(self) -> None:
        """Stop serving (a server that never started is only closed)."""
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.server_close()

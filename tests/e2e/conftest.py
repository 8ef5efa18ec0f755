"""End-to-end fixtures: the real `privacydesk run` in a subprocess, on free ports, in a temp folder."""

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

CLI = Path(sys.executable).with_name("privacydesk")


def free_port() -> int:
    """A port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class RunningStack:
    """A stack started by the CLI, and where to reach it."""

    folder: Path
    api: str
    smtp_port: int
    privacy_address: str
    admin_token: str

    def get(self, path: str) -> Any:
        """GET a JSON document from the stack's admin API (with the admin token, as IAM would allow)."""
        return self.request("GET", path, admin=True)[1]

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        admin: bool = False,
        headers: dict[str, str] | None = None,
        timeout: float = 10.0,
    ) -> tuple[int, Any]:
        """Call the API as a real HTTP client; returns the status and the parsed JSON (or text) body."""
        sent = {"Content-Type": "application/json", **(headers or {})}
        if admin:
            sent["Authorization"] = f"Bearer {self.admin_token}"
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.api + path, data=data, method=method, headers=sent)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - local stack
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, raw.decode("utf-8", errors="replace")

    def sent_mail(self) -> list[str]:
        """Every message the local SES sent so far, as raw text (the stack copies them to sent/)."""
        folder = self.folder / ".privacydesk" / "sent"
        return [p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.eml"))]

    def aws(self, service: str) -> Any:
        """A boto3 client of the stack's moto, with moto's fake credentials."""
        import boto3  # noqa: PLC0415 - only the tests that look inside moto need it

        info = json.loads((self.folder / ".privacydesk" / "stack.json").read_text())
        return boto3.client(
            service,  # type: ignore[call-overload]
            endpoint_url=info["aws_endpoint"],
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",  # noqa: S106 - moto's fake credentials
        )

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run the CLI from the stack's folder (so it finds .privacydesk/stack.json)."""
        return subprocess.run(
            [str(CLI), *args], cwd=self.folder, capture_output=True, text=True, timeout=60, check=False
        )

    def wait_for(self, path: str, predicate: Any, timeout: float = 30.0) -> Any:
        """Poll the API until predicate(document) is true; fail with the last document otherwise."""
        deadline = time.monotonic() + timeout
        document = None
        while time.monotonic() < deadline:
            document = self.get(path)
            if predicate(document):
                return document
            time.sleep(0.3)
        pytest.fail(f"timed out waiting on {path}; last answer: {json.dumps(document)[:2000]}")


@contextmanager
def running_stack(folder: Path, *, samples: bool = True) -> Iterator[RunningStack]:
    """`privacydesk run` started in `folder` on free ports; stopped with Ctrl-C afterwards."""
    smtp_port, http_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    # The schedules stay off: tests fire them with `privacydesk tick`, so nothing runs behind their back.
    args = ["run", "--smtp-port", str(smtp_port), "--http-port", str(http_port), "--tick-every", "0"]
    process = subprocess.Popen(
        [str(CLI), *args, *([] if samples else ["--no-samples"])],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    # Read as it comes: a full pipe would block whichever of the stack's threads writes next.
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stdout or []), daemon=True)
    reader.start()
    stack_file = folder / ".privacydesk" / "stack.json"
    deadline = time.monotonic() + 120
    while not stack_file.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    if not stack_file.exists():
        process.kill()
        reader.join(timeout=10)
        pytest.fail(f"privacydesk run did not start:\n{''.join(lines)[-3000:]}")
    info = json.loads(stack_file.read_text())
    try:
        yield RunningStack(
            folder=folder,
            api=info["api"],
            smtp_port=info["smtp_port"],
            privacy_address=info["privacy_address"],
            admin_token=info["admin_token"],
        )
    except BaseException:
        # A test that failed inside must not leave its stack running (and eating the machine) behind it.
        process.kill()
        reader.join(timeout=10)
        raise
    # THEN Ctrl-C stops it cleanly and it takes its endpoints file with it.
    process.send_signal(signal.SIGINT)
    try:
        # Generous: a stack whose tables grew large (the spec run) takes a while to finish its last writes.
        process.wait(timeout=150)
    except subprocess.TimeoutExpired:
        process.kill()
        reader.join(timeout=10)
        pytest.fail(f"privacydesk run did not stop on SIGINT; its last output:\n{''.join(lines)[-3000:]}")
    reader.join(timeout=10)
    output = "".join(lines)
    assert process.returncode == 0, output[-3000:]
    assert "stopped." in output
    assert not stack_file.exists()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """GIVEN `privacydesk run` started the way a newcomer starts it (sample mails included)."""
    with running_stack(tmp_path_factory.mktemp("stack")) as running:
        yield running

"""What SES does after sending, played locally: a copy of each message as .eml, and its events.

moto's SES keeps what it sent but publishes no events; this part writes each sent message to a folder
(what a requester would have received) and, one poll later (once the sender has recorded the message
id), hands SES's Send and Delivery events to the SES events function, as SNS would.
"""

import json
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from privacydesk_local.moto_patches import SENT_TAGS

ACCOUNT = "123456789012"
Invoke = Callable[[dict[str, Any]], Any]


def sns_event(ses_event: dict[str, Any]) -> dict[str, Any]:
    """An SNS notification carrying one SES event, as Lambda receives it."""
    return {"Records": [{"EventSource": "aws:sns", "Sns": {"Message": json.dumps(ses_event)}}]}


def ses_events(
    message_id: str, destination: list[str], now: datetime, tags: dict[str, list[str]] | None = None
) -> list[dict[str, Any]]:
    """The Send and Delivery events SES would publish for one accepted message, with its tags."""
    stamp = now.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    mail = {"timestamp": stamp, "messageId": message_id, "destination": destination, "tags": tags or {}}
    return [
        {"eventType": "Send", "mail": mail, "send": {}},
        {"eventType": "Delivery", "mail": mail, "delivery": {"timestamp": stamp, "recipients": destination}},
    ]


class SentMailDrop:
    """Polls moto's SES backend (in this process): copies new messages, then plays their events."""

    def __init__(
        self, folder: Path, region: str, events: Invoke | None = None, interval: float = 0.3
    ) -> None:
        self._folder = folder
        self._region = region
        self._events = events
        self._interval = interval
        self._stop = threading.Event()
        self._written = 0
        self._waiting: list[Any] = []
        self._thread = threading.Thread(target=self._run, name="sent-mail-drop", daemon=True)

    def start(self) -> None:
        """Start copying in the background."""
        self._folder.mkdir(parents=True, exist_ok=True)
        self._thread.start()

    def stop(self) -> None:
        """Copy what is left, then stop."""
        self._stop.set()
        self._thread.join(timeout=5)
        self.copy_new()

    def copy_new(self) -> int:
        """Write messages sent since the last call, play the events of the ones before; how many are new."""
        from moto.ses.models import ses_backends  # noqa: PLC0415 - moto is loaded by the stack already

        if self._events:
            for message in self._waiting:
                destination = list(getattr(message, "destinations", []) or [])
                tags = SENT_TAGS.pop(message.id, None)
                for event in ses_events(message.id, destination, datetime.now(UTC), tags):
                    self._events(sns_event(event))
        sent = list(ses_backends[ACCOUNT][self._region].sent_messages)
        new = sent[self._written :]
        for offset, message in enumerate(new, start=self._written + 1):
            raw = getattr(message, "raw_data", None)
            if isinstance(raw, str):
                (self._folder / f"{offset:05d}-{message.id}.eml").write_text(raw, encoding="utf-8")
        self._written = len(sent)
        self._waiting = new
        return len(new)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self.copy_new()
            except Exception:
                # One bad poll (a full disk, a message moto cannot render) must not stop the copies.
                logging.getLogger(__name__).exception("copying sent mail failed; trying again")

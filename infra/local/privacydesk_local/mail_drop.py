"""A copy of every message the local SES sent, as .eml files: what a requester would have received."""

import threading
from pathlib import Path

ACCOUNT = "123456789012"


class SentMailDrop:
    """Polls moto's SES backend (in this process) and writes each new sent message to a folder."""

    def __init__(self, folder: Path, region: str, interval: float = 0.3) -> None:
        self._folder = folder
        self._region = region
        self._interval = interval
        self._stop = threading.Event()
        self._written = 0
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
        """Write the messages sent since the last call; returns how many."""
        from moto.ses.models import ses_backends  # noqa: PLC0415 - moto is loaded by the stack already

        sent = list(ses_backends[ACCOUNT][self._region].sent_messages)
        new = sent[self._written :]
        for offset, message in enumerate(new, start=self._written + 1):
            raw = getattr(message, "raw_data", None)
            if isinstance(raw, str):
                (self._folder / f"{offset:05d}-{message.id}.eml").write_text(raw, encoding="utf-8")
        self._written = len(sent)
        return len(new)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.copy_new()

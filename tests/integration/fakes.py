"""Test doubles the integration tests share: a clock that moves only when told, and fast sessions."""

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import botocore.loaders
import botocore.session
import pytest

# A Monday in January with no holiday in the GB-ENG calendar for weeks: the dates below stay simple.
START = datetime(2026, 1, 12, 9, 0, tzinfo=UTC)
_CLOCK_USERS = (
    "privacydesk.handlers.ports",
    "privacydesk.handlers.inbound_email",
    "privacydesk.handlers.sender",
)


class FakeClock:
    """Time that moves only when a test moves it."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        """Move time forward by a timedelta's keyword arguments."""
        self.now += timedelta(**delta)


def patch_clock(monkeypatch: pytest.MonkeyPatch, start: datetime = START) -> FakeClock:
    """Give every handler's use cases a fake clock; the cached ports are rebuilt around it."""
    from privacydesk.handlers import inbound_email, notice_ports, ports  # noqa: PLC0415 - after the env

    fake = FakeClock(start)
    for module in _CLOCK_USERS:
        monkeypatch.setattr(f"{module}.system_clock", fake)
    ports.desk_ports.cache_clear()
    notice_ports.notice_ports.cache_clear()
    inbound_email._intake.cache_clear()
    return fake


@contextmanager
def shared_botocore_loader() -> Iterator[None]:
    """One botocore data loader for every session meanwhile: each desk builds a dozen fresh sessions, and
    re-reading the service models for each one is most of an integration test's time."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(botocore.session, "create_loader", functools.cache(botocore.loaders.create_loader))
        yield

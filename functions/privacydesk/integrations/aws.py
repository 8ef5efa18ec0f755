"""Cached boto3 clients, built on first use (never at import, so moto's mock is in place first)."""

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

# Standard mode retries throttling and transient errors with backoff; 5 attempts fit Lambda time.
_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5, read_timeout=20)


@cache
def client(service: str) -> Any:
    """The process-wide client for an AWS service (endpoint from AWS_ENDPOINT_URL when set)."""
    return boto3.session.Session().client(service, config=_CONFIG)  # type: ignore[call-overload]


def reset_clients() -> None:
    """Forget cached clients (tests and the local stack, when the endpoint changes)."""
    client.cache_clear()

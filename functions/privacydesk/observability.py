"""The one Logger, Tracer and Metrics of the service (configured by POWERTOOLS_* variables)."""

import hashlib

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger(service="privacydesk")
tracer = Tracer(service="privacydesk")
metrics = Metrics(namespace="privacydesk", service="privacydesk")


def pseudonym(value: str) -> str:
    """A short stable hash to correlate log lines about one address without logging it."""
    return hashlib.sha256(value.strip().lower().encode()).hexdigest()[:12]

"""The one Logger, Tracer and Metrics of the service (configured by POWERTOOLS_* variables)."""

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger(service="privacydesk")
tracer = Tracer(service="privacydesk")
metrics = Metrics(namespace="privacydesk", service="privacydesk")

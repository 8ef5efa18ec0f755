"""API Gateway (REST): the public request routes and the privacy team's admin routes, one error envelope."""

from functools import cache
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from privacydesk.config import get_settings
from privacydesk.dal.interface import ConcurrentUpdateError, RepositoryError
from privacydesk.handlers import (
    routes_admin,
    routes_consent,
    routes_disclosures,
    routes_public,
    routes_receipts,
    routes_unsubscribe,
)
from privacydesk.handlers.edge import ApiError, body, error_response
from privacydesk.integrations.aws import client
from privacydesk.integrations.failure_queue import FailureQueue
from privacydesk.logic.case_actions import CaseNotFoundError
from privacydesk.logic.lifecycle import TransitionError
from privacydesk.logic.reprocess import NotFoundError, reprocess
from privacydesk.observability import logger, metrics, tracer
from privacydesk.schemas import EdgeValidationError
from privacydesk.schemas.openapi import allowed_methods, query_parameters

app = APIGatewayRestResolver()


def _known_query_only(app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response[Any]:
    """Unknown query parameters are refused, like unknown body fields: a typo must not widen a listing."""
    event = app.current_event
    values = event.multi_value_query_string_parameters or {}
    given = set(values) | set(event.query_string_parameters or {})
    # Only for a documented operation: an undocumented method gets its 405, whatever its query.
    if event.http_method in allowed_methods(event.path):
        if given - query_parameters(event.http_method, event.path):
            return error_response(400, "bad_request", "unknown query parameter")
        if any(len(v) > 1 for v in values.values()):
            return error_response(400, "bad_request", "a query parameter is given more than once")
    return next_middleware(app)


app.use(middlewares=[_known_query_only])
app.include_router(routes_public.router)
app.include_router(routes_admin.router)
app.include_router(routes_consent.router)
app.include_router(routes_unsubscribe.router)
app.include_router(routes_receipts.router)
app.include_router(routes_disclosures.router)


@app.post("/v1/reprocess")
def reprocess_message() -> dict[str, Any]:
    """Replay a failed inbound email from the on-failure queue."""
    data = body(app.current_event, "reprocess_request")
    # Imported here: triage and intake are needed by this route only, not by the listings.
    from privacydesk.handlers.inbound_email import run_intake  # noqa: PLC0415

    return reprocess(data["message_id"], _failures(), lambda event: run_intake(event, app.lambda_context))


@cache
def _failures() -> FailureQueue:
    url = get_settings().inbound_failure_queue_url
    if not url:
        raise RepositoryError("INBOUND_FAILURE_QUEUE_URL is not configured")
    return FailureQueue(url, client("sqs"))


@app.not_found
def _no_route(_: Exception) -> Response[dict[str, Any]]:
    allowed = allowed_methods(app.current_event.path)
    if allowed:
        response = error_response(405, "method_not_allowed", f"this path answers {', '.join(allowed)}")
        response.headers["Allow"] = ", ".join(allowed)
        return response
    return error_response(404, "not_found", "no such route")


@app.exception_handler(ApiError)
def _api_error(exc: ApiError) -> Response[dict[str, Any]]:
    return error_response(exc.status, exc.code, str(exc))


@app.exception_handler(EdgeValidationError)
def _invalid(exc: EdgeValidationError) -> Response[dict[str, Any]]:
    return error_response(400, "bad_request", str(exc))


@app.exception_handler(CaseNotFoundError)
@app.exception_handler(NotFoundError)
def _missing(exc: Exception) -> Response[dict[str, Any]]:
    return error_response(404, "not_found", str(exc))


@app.exception_handler(TransitionError)
@app.exception_handler(ConcurrentUpdateError)
def _conflict(exc: Exception) -> Response[dict[str, Any]]:
    return error_response(409, "conflict", str(exc))


@app.exception_handler(RepositoryError)
def _unavailable(exc: RepositoryError) -> Response[dict[str, Any]]:
    logger.exception("store unavailable")
    return error_response(503, "unavailable", "the case store is unavailable; try again shortly")


@app.exception_handler(Exception)
def _failed(exc: Exception) -> Response[dict[str, Any]]:
    # Logged with its traceback for the team; the caller learns nothing about the internals.
    logger.exception("unhandled error in the API", extra={"error": type(exc).__name__})
    return error_response(500, "internal_error", "something went wrong on our side; it has been logged")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
# Responses carry addresses and letters: they must not be copied into X-Ray.
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Entry point of ApiFunction."""
    metrics.add_metric(name="api_request", unit=MetricUnit.Count, value=1)
    return app.resolve(event, context)

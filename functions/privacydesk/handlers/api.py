"""API Gateway (REST, IAM auth): case and outbox listings, the desk page, and reprocessing."""

from functools import cache
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import BadRequestError
from aws_lambda_powertools.event_handler.exceptions import NotFoundError as HttpNotFound
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from privacydesk.config import get_settings
from privacydesk.dal import get_repository
from privacydesk.dal.interface import RepositoryError
from privacydesk.handlers.views import case_view, event_view, inbound_view, outbox_view
from privacydesk.integrations.aws import client
from privacydesk.integrations.failure_queue import FailureQueue
from privacydesk.logic.render import render_page
from privacydesk.logic.reprocess import NotFoundError, reprocess
from privacydesk.observability import logger, metrics, tracer
from privacydesk.schemas import EdgeValidationError, validate

app = APIGatewayRestResolver()
_LIST_LIMIT = 200


@app.get("/")
def desk_page() -> Response[str]:
    """The desk's HTML page: cases with their rights, status and due date, and the outbox."""
    repo = get_repository()
    html = render_page(
        "desk.html",
        cases=[case_view(c) for c in repo.list_cases(_LIST_LIMIT)],
        outbox=[outbox_view(o) for o in repo.list_outbox(_LIST_LIMIT)],
        inbound=[inbound_view(i) for i in repo.list_inbound(_LIST_LIMIT)],
    )
    return Response(status_code=200, content_type=content_types.TEXT_HTML, body=html)


@app.get("/v1/cases")
def list_cases() -> dict[str, Any]:
    """Cases, most recent first."""
    return {"cases": [case_view(c) for c in get_repository().list_cases(_LIST_LIMIT)]}


@app.get("/v1/cases/<ref>")
def get_case(ref: str) -> dict[str, Any]:
    """One case with its timeline."""
    repo = get_repository()
    case = repo.get_case(ref.upper())
    if case is None:
        raise HttpNotFound("no case with this reference")
    return {**case_view(case), "events": [event_view(e) for e in repo.list_events(case.ref)]}


@app.get("/v1/outbox")
def list_outbox() -> dict[str, Any]:
    """Outgoing mail with its send status, most recent first."""
    return {"outbox": [outbox_view(o) for o in get_repository().list_outbox(_LIST_LIMIT)]}


@app.get("/v1/inbound")
def list_inbound() -> dict[str, Any]:
    """Every inbound email and what was done with it (quarantines included), most recent first."""
    return {"inbound": [inbound_view(i) for i in get_repository().list_inbound(_LIST_LIMIT)]}


@app.post("/v1/reprocess")
def reprocess_message() -> dict[str, Any]:
    """Replay a failed inbound email from the on-failure queue."""
    try:
        body = app.current_event.json_body
    except ValueError as exc:
        raise EdgeValidationError("reprocess_request: the body is not JSON") from exc
    validate(body, "reprocess_request")
    # Imported here: triage and intake are needed by this route only, not by the listings.
    from privacydesk.handlers.inbound_email import run_intake  # noqa: PLC0415

    return reprocess(body["message_id"], _failures(), lambda event: run_intake(event, app.lambda_context))


@cache
def _failures() -> FailureQueue:
    url = get_settings().inbound_failure_queue_url
    if not url:
        raise RepositoryError("INBOUND_FAILURE_QUEUE_URL is not configured")
    return FailureQueue(url, client("sqs"))


@app.exception_handler(EdgeValidationError)
def _invalid(exc: EdgeValidationError) -> Response[dict[str, str]]:
    raise BadRequestError(str(exc))


@app.exception_handler(NotFoundError)
def _missing(exc: NotFoundError) -> Response[dict[str, str]]:
    raise HttpNotFound(str(exc))


@app.exception_handler(RepositoryError)
def _unavailable(exc: RepositoryError) -> Response[dict[str, Any]]:
    logger.exception("store unavailable")
    return Response(status_code=503, content_type=content_types.APPLICATION_JSON, body={"message": str(exc)})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
# Responses carry addresses and letters: they must not be copied into X-Ray.
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Entry point of ApiFunction."""
    metrics.add_metric(name="api_request", unit=MetricUnit.Count, value=1)
    return app.resolve(event, context)

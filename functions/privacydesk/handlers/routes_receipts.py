"""Privacy receipts: the company's sign-up system asks for one, the privacy team reads it back (IAM)."""

import re
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router

from privacydesk.handlers.edge import ApiError, body
from privacydesk.handlers.ports import desk_ports
from privacydesk.logic.consent import ConsentError
from privacydesk.logic.issue_receipt import issue_receipt
from privacydesk.logic.receipts import ReceiptConfigError, ReceiptConflictError, request_of
from privacydesk.observability import logger

router = Router()
_RECEIPT_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@router.post("/v1/receipts")
def issue() -> Response[dict[str, Any]]:
    """Confirm a registration to the person and keep its consent receipt: 201, or 200 for a retry."""
    data = body(router.current_event, "receipt_request")
    try:
        outcome = issue_receipt(request_of(data), desk_ports())
    except ConsentError as exc:
        raise ApiError(400, "bad_request", str(exc)) from exc
    except ReceiptConflictError as exc:
        raise ApiError(409, "conflict", str(exc)) from exc
    except ReceiptConfigError as exc:
        logger.error("receipts are not configured")
        raise ApiError(503, "unavailable", str(exc)) from exc
    logger.info(
        "receipt issued" if outcome.issued else "receipt retried",
        extra={"receipt": outcome.receipt.receipt_id},
    )
    return Response(
        status_code=201 if outcome.issued else 200,
        content_type=content_types.APPLICATION_JSON,
        body={"receipt": outcome.receipt.document},
    )


@router.get("/v1/receipts/<receipt_id>")
def get(receipt_id: str) -> dict[str, Any]:
    """A stored consent receipt, as it was issued."""
    stored = desk_ports().repo.get_receipt(receipt_id) if _RECEIPT_ID.fullmatch(receipt_id) else None
    if stored is None:
        raise ApiError(404, "not_found", "no receipt with this id")
    return {"receipt": stored.document}

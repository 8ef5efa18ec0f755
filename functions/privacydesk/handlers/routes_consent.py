"""The consent ledger's admin routes: addresses travel in bodies, never in URLs (which reach logs)."""

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from aws_lambda_powertools.event_handler.api_gateway import Router

from privacydesk.handlers.consent_views import consent_view, export_view
from privacydesk.handlers.edge import ApiError, body, query, request_context
from privacydesk.handlers.ports import desk_ports
from privacydesk.logic import consent_ledger
from privacydesk.logic.consent import ConsentError, UnknownPurposeError

router = Router()
_EXPORT_LIMIT = 100
T = TypeVar("T")


@router.post("/v1/consents/lookup")
def lookup() -> dict[str, Any]:
    """What a person agreed to or withdrew, now or as of a date, with their chain checked."""
    data = body(router.current_event, "consent_lookup")
    ports = desk_ports()
    as_of = _moment(data["as_of"], ports.settings.timezone) if "as_of" in data else None
    return consent_view(_ledger(lambda: consent_ledger.lookup(data["email"], ports, as_of)))


@router.post("/v1/consents")
def record() -> dict[str, Any]:
    """Record that a person granted or withdrew one purpose (a form, an import, an admin's correction)."""
    data = body(router.current_event, "consent_record")
    ports = desk_ports()
    request_id = request_context(router.current_event).get("requestId") or ""
    evidence = {**data.get("evidence", {}), "request_id": request_id}
    decisions = consent_ledger.decisions_of(data["purpose"], data["granted"], data["source"])
    answer = _ledger(
        lambda: consent_ledger.record(
            data["email"],
            decisions,
            ports,
            evidence=evidence,
            policy_version=data.get("policy_version"),
            language=data.get("language", ""),
        )
    )
    return consent_view(answer)


@router.post("/v1/consents/may-contact")
def may_contact() -> dict[str, Any]:
    """Which of the given addresses may be contacted for the purpose now (what a campaign calls first)."""
    data = body(router.current_event, "consent_may_contact")
    allowed = _ledger(lambda: consent_ledger.contactable(data["emails"], data["purpose"], desk_ports()))
    return {"purpose": data["purpose"], "emails": allowed}


@router.get("/v1/consents/export")
def export() -> dict[str, Any]:
    """A page of subjects with every event and their chain checked; `after` continues from a page's end."""
    event = router.current_event
    after = query(event, "after")
    if after is not None and not re.fullmatch(r"[0-9a-f]{64}", after):
        raise ApiError(400, "bad_request", "after must be a subject id from an earlier page")
    raw = query(event, "limit")
    if raw is not None and (not re.fullmatch(r"[0-9]{1,3}", raw) or not 1 <= int(raw) <= _EXPORT_LIMIT):
        raise ApiError(400, "bad_request", f"limit must be a whole number from 1 to {_EXPORT_LIMIT}")
    page, cursor = consent_ledger.export_page(after, int(raw or _EXPORT_LIMIT), desk_ports())
    return {"subjects": [export_view(entry) for entry in page], "next": cursor}


def _ledger(work: Callable[[], T]) -> T:
    """Run a ledger use case: a purpose the deployment does not declare is a 404, other refusals a 400."""
    try:
        return work()
    except UnknownPurposeError as exc:
        raise ApiError(404, "not_found", str(exc)) from exc
    except ConsentError as exc:
        raise ApiError(400, "bad_request", str(exc)) from exc


def _moment(raw: str, timezone: str) -> datetime:
    """A date means the end of that day in the organisation's zone; a timestamp must carry its offset.

    Moments beyond what a datetime holds (year 1 west of UTC, 9999-12-31) mean "before anything" and
    "after everything", which is what a ledger question about them asks.
    """
    try:
        if len(raw) == 10:
            day = date.fromisoformat(raw)
            end = datetime.combine(day, time.max, tzinfo=ZoneInfo(timezone))
            return end.astimezone(UTC)
        moment = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise ApiError(400, "bad_request", "as_of is not a real date or time") from exc
    except OverflowError:
        return datetime.max.replace(tzinfo=UTC)
    if moment.tzinfo is None:
        raise ApiError(400, "bad_request", "as_of must be a date or a timestamp with its offset")
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        return datetime.min.replace(tzinfo=UTC) if moment.year < 2 else datetime.max.replace(tzinfo=UTC)

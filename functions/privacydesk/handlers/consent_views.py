"""How the consent ledger is shown over the API (the shapes openapi.json documents)."""

from typing import Any

from privacydesk.logic.consent import LedgerReport
from privacydesk.logic.consent_ledger import ConsentAnswer, SubjectExport
from privacydesk.models.consent import ConsentEvent


def consent_event_view(event: ConsentEvent) -> dict[str, Any]:
    """One link of a subject's consent chain."""
    # The subject id is the page's or the export line's, not repeated per event.
    content = {name: value for name, value in event.content().items() if name != "subject"}
    return {**content, "hash": event.hash}


def report_view(report: LedgerReport) -> dict[str, Any]:
    """A chain check's verdict."""
    return {
        "ok": report.ok,
        "events": report.events,
        "first_broken_seq": report.first_broken_seq,
        "reason": report.reason,
    }


def consent_view(answer: ConsentAnswer) -> dict[str, Any]:
    """A person's ledger as of a moment: for the privacy team."""
    return {
        "email": answer.address,
        "subject": answer.subject,
        "as_of": answer.as_of.isoformat(),
        "consent_model": answer.model,
        "purposes": answer.purpose_view(),
        "events": [consent_event_view(e) for e in answer.events],
        "chain": report_view(answer.report),
    }


def export_view(entry: SubjectExport) -> dict[str, Any]:
    """One subject for an auditor's export: projection, events and chain check."""
    return {
        "subject": entry.record.subject,
        "email": entry.record.address,
        "events": [consent_event_view(e) for e in entry.events],
        "chain": report_view(entry.report),
    }

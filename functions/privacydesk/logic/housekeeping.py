"""Scheduled jobs: anchor audit-chain heads, close cases never verified, purge records past retention."""

from collections import Counter
from typing import Protocol

from dateutil.relativedelta import relativedelta

from privacydesk.dal.interface import PurgeRecord
from privacydesk.logic.case_actions import DeskPorts, anchor_head
from privacydesk.logic.send_outbox import SendPorts, send_item
from privacydesk.models.case import Case
from privacydesk.observability import logger

_BATCH = 200


class ObjectEraser(Protocol):
    """Deletes stored mail (raw messages and attachments) of a purged case."""

    def delete(self, keys: list[str]) -> None:
        """Delete these objects; missing ones are not an error."""
        ...


def sweep_outbox(ports: SendPorts) -> int:
    """Send what the stream did not: items never sent, parked ones now ready, claims gone stale."""
    due = ports.repo.due_outbox(ports.clock(), _BATCH)
    if due:
        # Each is claimed again before it is sent, so a sender still busy with one keeps it.
        logger.info("outbox sweep found unsettled mail", extra={"count": len(due)})
    return sum(send_item(item.outbox_id, ports).sent for item in due)


def anchor_chains(ports: DeskPorts) -> int:
    """Write the head of every chain that grew since its last anchor; returns how many were written."""
    return sum(anchor_head(case, ports, "periodic") for case in ports.repo.cases_to_anchor(_BATCH))


def purge_expired(ports: DeskPorts, eraser: ObjectEraser) -> int:
    """Delete cases closed longer ago than the retention period, keeping counts without personal data."""
    now = ports.clock()
    cutoff = now - relativedelta(months=ports.settings.retention_months)
    purged = 0
    for case in ports.repo.closed_cases_before(cutoff, _BATCH):
        if case.closed_at is None:
            continue
        record = PurgeRecord(ref=case.ref, closed_at=case.closed_at, purged_at=now, chain=case.chain)
        try:
            keys = _stored_mail(case, ports)
            ports.repo.purge_case(case, record, _tally(case))
            eraser.delete(keys)
        except Exception:  # noqa: BLE001 - store or bucket: either way the next run tries this case again
            # One case's failure must not keep the others from being purged.
            logger.exception("case not purged yet", extra={"case": case.ref})
            continue
        purged += 1
        logger.info("case purged after retention", extra={"case": case.ref})
    return purged


def _tally(case: Case) -> dict[str, int]:
    counts: Counter[str] = Counter({"cases": 1, f"regime|{case.regime}": 1})
    counts.update(f"{case.regime}|{i.right.value}|{i.state.value}" for i in case.items)
    return dict(counts)


def _stored_mail(case: Case, ports: DeskPorts) -> list[str]:
    keys = {case.raw_key} if case.raw_key else set()
    for event in ports.repo.list_events(case.ref):
        if isinstance(event.detail.get("raw_key"), str):
            keys.add(event.detail["raw_key"])
        keys.update(k for k in event.detail.get("attachments", []) if isinstance(k, str))
    return sorted(keys)

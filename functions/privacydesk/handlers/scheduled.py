"""EventBridge Scheduler jobs: outbox sweep, case work, digest, anchors, purge, closing disclosures."""

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from privacydesk.config import get_settings
from privacydesk.handlers.notice_ports import notice_ports
from privacydesk.handlers.ports import desk_ports, mail_store
from privacydesk.handlers.sender import send_ports
from privacydesk.logic.case_actions import DeskPorts
from privacydesk.logic.close_disclosure import close_due
from privacydesk.logic.disclosures import NoticePorts
from privacydesk.logic.housekeeping import anchor_chains, purge_expired, sweep_outbox
from privacydesk.logic.plan_notices import resume_planning
from privacydesk.logic.scheduled_work import run_due_work, send_digest
from privacydesk.logic.send_outbox import SendPorts
from privacydesk.observability import logger, metrics, tracer

# A job gets the desk's and the sender's ports, and how many seconds its run has left.
Job = Callable[[DeskPorts, SendPorts, Callable[[], float]], int]
JOBS: dict[str, Job] = {
    "sweep": lambda desk, send, left: sweep_outbox(send),
    "work": lambda desk, send, left: run_due_work(desk),
    "digest": lambda desk, send, left: send_digest(desk),
    "anchor": lambda desk, send, left: anchor_chains(desk),
    "purge": lambda desk, send, left: purge_expired(desk, mail_store()),
    "disclosures": lambda desk, send, left: _disclosures(replace(notice_ports(), desk=desk), left),
}
# What `privacydesk tick` runs, in this order: case work queues mail the sweep then sends.
EVERYTHING = ("work", "digest", "sweep", "anchor", "purge", "disclosures")


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Entry point of HousekeepingFunction: runs the job the schedule names ("all": every job)."""
    job = event.get("job")
    names = EVERYTHING if job == "all" else (job,)
    if not all(name in JOBS for name in names):
        # A schedule with a wrong input is a deployment error: fail loudly, into the dead-letter queue.
        raise ValueError(f"unknown housekeeping job {job!r}; expected all or one of {', '.join(JOBS)}")
    desk, send = desk_ports(), send_ports()
    requested = _requested(event)
    if requested is not None:
        desk, send = replace(desk, clock=lambda: requested), replace(send, clock=lambda: requested)
    counts = {}
    for name in names:
        counts[name] = JOBS[str(name)](desk, send, lambda: context.get_remaining_time_in_millis() / 1000)
        logger.info("housekeeping job done", extra={"job": name, "count": counts[name]})
        metrics.add_metric(name=f"housekeeping_{name}", unit=MetricUnit.Count, value=counts[name])
    if job == "all":
        return {"job": "all", "now": desk.clock().isoformat(), "counts": counts}
    return {"job": job, "count": counts[str(job)]}


def _disclosures(ports: NoticePorts, seconds_left: Callable[[], float]) -> int:
    """Planning that stalled is asked for again; disclosures whose date came are closed (counted)."""
    resume_planning(ports)
    return close_due(ports, seconds_left=seconds_left)


def _requested(event: dict[str, Any]) -> datetime | None:
    """On the local stack only, the instant `privacydesk tick --now` asks the jobs to run as of."""
    requested = event.get("now")
    if requested is None:
        return None
    if not get_settings().allow_clock_override:
        raise ValueError("this deployment does not let a scheduled job run as of another time")
    moment = datetime.fromisoformat(str(requested))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

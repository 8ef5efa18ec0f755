"""EventBridge Scheduler jobs: anchor audit-chain heads, close unverified cases, purge expired ones."""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from privacydesk.handlers.ports import desk_ports, mail_store
from privacydesk.handlers.sender import send_ports
from privacydesk.logic.housekeeping import anchor_chains, close_unverified, purge_expired, sweep_outbox
from privacydesk.observability import logger, metrics, tracer

JOBS = {
    "sweep": lambda: sweep_outbox(send_ports()),
    "anchor": lambda: anchor_chains(desk_ports()),
    "close_unverified": lambda: close_unverified(desk_ports()),
    "purge": lambda: purge_expired(desk_ports(), mail_store()),
}


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Entry point of HousekeepingFunction: runs the job the schedule names."""
    job = event.get("job")
    if job not in JOBS:
        # A schedule with a wrong input is a deployment error: fail loudly, into the dead-letter queue.
        raise ValueError(f"unknown housekeeping job {job!r}; expected one of {', '.join(JOBS)}")
    count = JOBS[job]()
    logger.info("housekeeping job done", extra={"job": job, "count": count})
    metrics.add_metric(name=f"housekeeping_{job}", unit=MetricUnit.Count, value=count)
    return {"job": job, "count": count}

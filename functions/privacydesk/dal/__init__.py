"""The only code that talks to DynamoDB, behind the CaseRepository interface."""

from functools import cache

from privacydesk.config import get_settings
from privacydesk.dal.dynamodb import DynamoCaseRepository
from privacydesk.dal.interface import CaseRepository
from privacydesk.integrations.aws import client


@cache
def get_repository() -> CaseRepository:
    """The process-wide repository over the configured cases table.

    Every case it writes is indexed by when its next scheduled action falls due; that rule is the
    schedule's (logic), handed in here so the store only indexes what the logic decides.
    """
    # Imported here: the schedule is logic, and this factory is where the two are put together.
    from privacydesk.logic.scheduled_work import next_due_of  # noqa: PLC0415

    settings = get_settings()
    return DynamoCaseRepository(
        settings.cases_table,
        client("dynamodb"),
        next_due=lambda case, as_of: next_due_of(case, settings, as_of),
    )

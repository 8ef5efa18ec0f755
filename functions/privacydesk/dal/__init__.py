"""The only code that talks to DynamoDB, behind the CaseRepository interface."""

from functools import cache

from privacydesk.config import get_settings
from privacydesk.dal.dynamodb import DynamoCaseRepository
from privacydesk.dal.interface import CaseRepository
from privacydesk.integrations.aws import client


@cache
def get_repository() -> CaseRepository:
    """The process-wide repository over the configured cases table."""
    return DynamoCaseRepository(get_settings().cases_table, client("dynamodb"))

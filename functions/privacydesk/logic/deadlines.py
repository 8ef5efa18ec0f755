"""Due dates. Until the legal clock engine lands (issue 3), every right is due one month after receipt."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta


def respond_by_default(received_at: datetime, timezone: str) -> date:
    """One month after receipt, in the organisation's time zone (the clock engine refines this)."""
    local_day = received_at.astimezone(ZoneInfo(timezone)).date()
    result: date = local_day + relativedelta(months=1)
    return result

"""The real adapters behind the notice use cases, built once per execution environment."""

from functools import cache
from typing import cast

from privacydesk.config import get_settings
from privacydesk.dal import get_repository
from privacydesk.dal.interface import DisclosureRepository
from privacydesk.handlers.ports import desk_ports
from privacydesk.integrations.aws import client
from privacydesk.integrations.disclosure_lists import S3DisclosureLists
from privacydesk.integrations.notice_queue import SqsNoticeQueue
from privacydesk.logic.disclosures import NoticePorts


class NoticesNotConfiguredError(RuntimeError):
    """The deployment lacks the disclosure bucket or notice queues (template.yaml sets them)."""


@cache
def notice_ports() -> NoticePorts:
    """Desk ports, the disclosure store, the notice queues and the disclosure bucket."""
    settings = get_settings()
    if not (settings.disclosure_bucket and settings.notice_queue_url and settings.notice_plan_queue_url):
        raise NoticesNotConfiguredError(
            "DISCLOSURE_BUCKET, NOTICE_QUEUE_URL and NOTICE_PLAN_QUEUE_URL must be set for disclosures"
        )
    return NoticePorts(
        desk=desk_ports(),
        # The one repository implements both ports.
        store=cast(DisclosureRepository, get_repository()),
        queue=SqsNoticeQueue(client("sqs"), settings.notice_queue_url, settings.notice_plan_queue_url),
        lists=S3DisclosureLists(settings.disclosure_bucket, client("s3")),
    )

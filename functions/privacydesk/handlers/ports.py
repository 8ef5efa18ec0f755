"""The real adapters behind the use cases' ports, built once per execution environment."""

from functools import cache

from privacydesk.config import get_settings
from privacydesk.dal import get_repository
from privacydesk.handlers.keys import ledger_key, verification_key
from privacydesk.integrations.aws import client
from privacydesk.integrations.evidence_store import S3EvidenceStore
from privacydesk.integrations.mail_store import S3MailStore
from privacydesk.logic.case_actions import DeskPorts
from privacydesk.logic.clock import system_clock


@cache
def desk_ports() -> DeskPorts:
    """Repository, clock, settings, signing key and evidence bucket for the case use cases."""
    return DeskPorts(
        repo=get_repository(),
        clock=system_clock,
        settings=get_settings(),
        key=verification_key,
        ledger_key=ledger_key,
        heads=evidence_store(),
    )


@cache
def mail_store() -> S3MailStore:
    """The bucket SES writes inbound mail to."""
    settings = get_settings()
    return S3MailStore(settings.mail_bucket, client("s3"))


@cache
def evidence_store() -> S3EvidenceStore | None:
    """The Object Lock bucket holding chain heads, when one is configured."""
    bucket = get_settings().evidence_bucket
    return S3EvidenceStore(bucket, client("s3")) if bucket else None

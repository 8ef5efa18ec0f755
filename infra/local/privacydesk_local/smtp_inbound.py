"""An SMTP server that plays SES inbound: store the raw mail in S3, then fire the receipt event."""

import secrets
import string
from collections.abc import Callable
from datetime import UTC, datetime
from email.parser import BytesHeaderParser
from email.policy import compat32
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

# SES accepts messages up to 40 MB (after encoding); larger ones are refused at the door.
MAX_MESSAGE_BYTES = 40 * 1024 * 1024
# A local-only way to play SES's spam and virus scanners: "X-Local-SES-Verdicts: virus=FAIL, spam=FAIL".
VERDICT_HEADER = "X-Local-SES-Verdicts"
_ID_ALPHABET = string.ascii_lowercase + string.digits


def ses_message_id() -> str:
    """A message id shaped like the ones SES gives inbound mail."""
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(40))


def receipt_event(
    raw: bytes,
    *,
    message_id: str,
    mail_from: str,
    recipients: list[str],
    function_arn: str,
    bucket: str,
    prefix: str,
) -> dict[str, Any]:
    """The SES receipt-rule Lambda event for a message the S3 action has just stored."""
    headers = BytesHeaderParser(policy=compat32).parsebytes(raw)
    verdicts = {"spam": "PASS", "virus": "PASS", "spf": "GRAY", "dkim": "GRAY", "dmarc": "GRAY"}
    for part in str(headers.get(VERDICT_HEADER, "")).split(","):
        name, _, value = part.strip().partition("=")
        if name.lower() in verdicts and value.strip().upper() in {
            "PASS",
            "FAIL",
            "GRAY",
            "PROCESSING_FAILED",
        }:
            verdicts[name.lower()] = value.strip().upper()
    now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    header_list = [{"name": k, "value": str(v)[:1000]} for k, v in headers.items()]
    return {
        "Records": [
            {
                "eventSource": "aws:ses",
                "eventVersion": "1.0",
                "ses": {
                    "mail": {
                        "timestamp": now,
                        "source": mail_from,
                        "messageId": message_id,
                        "destination": recipients,
                        "headersTruncated": False,
                        "headers": header_list,
                        "commonHeaders": {
                            "returnPath": mail_from,
                            "messageId": str(headers.get("Message-ID", "")),
                        },
                    },
                    "receipt": {
                        "timestamp": now,
                        "processingTimeMillis": 1,
                        "recipients": recipients,
                        "spamVerdict": {"status": verdicts["spam"]},
                        "virusVerdict": {"status": verdicts["virus"]},
                        "spfVerdict": {"status": verdicts["spf"]},
                        "dkimVerdict": {"status": verdicts["dkim"]},
                        "dmarcVerdict": {"status": verdicts["dmarc"]},
                        "action": {"type": "Lambda", "functionArn": function_arn, "invocationType": "Event"},
                        "s3Action": {"bucketName": bucket, "objectKey": prefix + message_id},
                    },
                },
            }
        ]
    }


class SesInboundHandler:
    """aiosmtpd handler: accepts mail for the receipt rule's recipients, stores it, fires the event."""

    def __init__(
        self,
        recipients: list[str],
        store: Callable[[str, bytes], None],
        fire: Callable[[str, bytes, Envelope], None],
    ) -> None:
        self._recipients = {r.lower() for r in recipients}
        self._store = store
        self._fire = fire

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        """Accept only the addresses the receipt rule covers, as SES does."""
        if address.lower() not in self._recipients:
            return "550 5.1.1 Mailbox does not exist"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        """Store the raw bytes first (nothing is lost), then invoke the inbound function asynchronously."""
        raw = envelope.original_content or b""
        message_id = ses_message_id()
        self._store(message_id, raw)
        self._fire(message_id, raw, envelope)
        return f"250 Ok {message_id}"


class SmtpInbound:
    """The SMTP listener of the local stack."""

    def __init__(self, handler: SesInboundHandler, host: str, port: int) -> None:
        self._controller = Controller(handler, hostname=host, port=port, data_size_limit=MAX_MESSAGE_BYTES)

    def start(self) -> None:
        """Listen."""
        self._controller.start()

    def stop(self) -> None:
        """Stop listening."""
        self._controller.stop()

    @property
    def port(self) -> int:
        """The port listened on (aiosmtpd's controller needs a fixed one: it connects to check readiness)."""
        return int(self._controller.port)

"""Mail written by machines: delivery reports (bounces), auto-replies and feedback reports, and bulk mail."""

import re
from dataclasses import dataclass, replace
from functools import cache

from privacydesk.logic import lexicon_machine
from privacydesk.logic.parse_mail import MAX_HEADER_CHARS, ParsedMail, decode_words, find_addresses
from privacydesk.models.rights import MailKind

_MAX_SCANNED_CHARS = 30_000
_SHORT_REPORT_CHARS = 3_000
_MAX_EVIDENCE_CHARS = 80
# Amazon SES sends its notifications through SNS (or as itself): the only senders of SES JSON we believe.
_AWS_NOTIFICATION_SENDER_RE = re.compile(r"@(?:[\w-]+\.)*(?:sns\.amazonaws\.com|amazonses\.com)$", re.I)
_FIELD_RE = re.compile(r"^([A-Za-z-]+)\s*:\s*(.*)$", re.M)
# SNS may deliver the SES JSON as an escaped string inside its own JSON: quotes may carry backslashes.
_SES_TYPE_RE = re.compile(r'\\?"(?:notificationType|eventType)\\?"\s*:\s*\\?"(\w+)')
_SES_BOUNCE_TYPE_RE = re.compile(r'\\?"bounceType\\?"\s*:\s*\\?"(\w+)')
_SES_RECIPIENTS_RE = re.compile(r'\\?"bouncedRecipients\\?"\s*:\s*\[(.*?)\]', re.S)
_SES_ADDRESS_RE = re.compile(r'\\?"emailAddress\\?"\s*:\s*\\?"([^"\\]+)')
# Where a plain-text report stops explaining and starts quoting the returned message.
_RETURNED_MESSAGE_RE = re.compile(
    r"^(?:[ \t>-]*(?:-{2,}|={2,}|\*{2,})?[ \t]*(?:this is a copy of"
    r"|below this line|original message|returned message"
    r"|undelivered message|message headers|original headers|headers of the original|the original message"
    r"|copy of the message|included is the original|your message reads)"
    r"|(?:received|return-path|message-id|dkim-signature|x-[\w-]+):\s)",
    re.I | re.M,
)
_PERMANENT_RE = re.compile(
    r"\b5\.\d\.\d{1,3}\b|\b55\d\b|permanent|fatal|user unknown|unknown user|does not exist|no such|rejected"
    r"|unknown address|invalid (?:recipient|address|mailbox)|mailbox unavailable|undeliverable|not found",
    re.I,
)


@dataclass(frozen=True)
class MachineVerdict:
    """What kind of machine mail this is, and the evidence."""

    kind: MailKind
    bounced: tuple[str, ...]
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class _Patterns:
    daemon_sender: re.Pattern[str]
    daemon_name: re.Pattern[str]
    bounce_subject: re.Pattern[str]
    failure_text: re.Pattern[str]
    transient_text: re.Pattern[str]
    auto_reply_subject: re.Pattern[str]
    absence_subject: re.Pattern[str]
    auto_reply_text: re.Pattern[str]


@cache
def _patterns() -> _Patterns:
    """Compiled once, on first use."""
    return _Patterns(
        daemon_sender=re.compile(lexicon_machine.DAEMON_SENDER, re.I),
        daemon_name=re.compile(lexicon_machine.DAEMON_NAME, re.I),
        bounce_subject=re.compile("|".join(lexicon_machine.BOUNCE_SUBJECT), re.I),
        failure_text=re.compile(lexicon_machine.FAILURE_TEXT, re.I),
        transient_text=re.compile(lexicon_machine.TRANSIENT_TEXT, re.I),
        auto_reply_subject=re.compile("|".join(lexicon_machine.AUTO_REPLY_SUBJECT), re.I),
        absence_subject=re.compile(lexicon_machine.ABSENCE_SUBJECT, re.I),
        auto_reply_text=re.compile(lexicon_machine.AUTO_REPLY_TEXT, re.I),
    )


def classify_machine_mail(mail: ParsedMail) -> MachineVerdict | None:
    """BOUNCE, AUTO_REPLY or BULK with evidence; None for mail a person wrote."""
    verdict = _bounce(mail) or _auto_reply(mail) or _bulk(mail)
    if verdict is None:
        return None
    return replace(verdict, evidence=tuple(phrase[:_MAX_EVIDENCE_CHARS] for phrase in verdict.evidence))


def _bounce(mail: ParsedMail) -> MachineVerdict | None:
    if mail.delivery_status:
        return _from_delivery_status(mail)
    daemon = _is_daemon(mail)
    # Anyone can write an X-Failed-Recipients header or paste SES JSON: believed only from a mail system.
    if daemon or _AWS_NOTIFICATION_SENDER_RE.search(mail.from_address or ""):
        ses = _from_ses_notification(mail)
        if ses is not None:
            return ses
    report = mail.report_type == "delivery-status"
    failed_header = mail.header("x-failed-recipients") if daemon or report else ""
    if report or failed_header:
        evidence = f"X-Failed-Recipients: {failed_header}" if failed_header else "report-type=delivery-status"
        return _text_bounce(mail, evidence, find_addresses(failed_header))
    patterns = _patterns()
    text = mail.text[:_MAX_SCANNED_CHARS]
    subject = patterns.bounce_subject.search(mail.subject)
    failure = patterns.failure_text.search(text)
    if (daemon and (subject or failure)) or (subject and failure):
        evidence = f"Subject: {mail.subject[:70]}" if subject else f"From: {mail.from_header[:70]}"
        return _text_bounce(mail, evidence, ())
    return None


def _is_daemon(mail: ParsedMail) -> bool:
    patterns = _patterns()
    from_header = decode_words(mail.from_header[:MAX_HEADER_CHARS])
    sender = (mail.from_address or from_header.strip().strip("<>")).lower()
    return bool(patterns.daemon_sender.search(sender) or patterns.daemon_name.search(from_header))


def _from_delivery_status(mail: ParsedMail) -> MachineVerdict:
    """Read the per-recipient fields of message/delivery-status parts."""
    failed: list[str] = []
    actions: set[str] = set()
    for status_text in mail.delivery_status:
        for block in re.split(r"\n\s*\n", status_text.replace("\r\n", "\n")):
            fields = {name.lower(): value.strip() for name, value in _FIELD_RE.findall(block)}
            action = fields.get("action", "").lower().split(" ")[0]
            status = fields.get("status", "")
            recipient = fields.get("final-recipient") or fields.get("original-recipient") or ""
            if action:
                actions.add(action)
            if action == "failed" or (not action and status.startswith("5")):
                failed.extend(find_addresses(recipient[:MAX_HEADER_CHARS]))
    if actions and actions <= {"delivered", "relayed", "expanded", "deliverable"}:
        return MachineVerdict(MailKind.AUTO_REPLY, (), (f"Action: {', '.join(sorted(actions))}",))
    evidence = "message/delivery-status" + (f" (Action: {', '.join(sorted(actions))})" if actions else "")
    if not failed and not actions:
        return _text_bounce(mail, evidence, ())
    return MachineVerdict(MailKind.BOUNCE, _unique(failed), (evidence,))


def _from_ses_notification(mail: ParsedMail) -> MachineVerdict | None:
    """Amazon SES/SNS notifications (bounce, complaint, delivery) sent as mail with a JSON body."""
    text = mail.text[:_MAX_SCANNED_CHARS]
    match = _SES_TYPE_RE.search(text)
    if not match:
        return None
    kind = match.group(1)
    evidence = (f"SES notification: {kind}",)
    if kind == "Bounce":
        bounce_type = _SES_BOUNCE_TYPE_RE.search(text)
        recipients = _SES_RECIPIENTS_RE.search(text)
        if bounce_type and bounce_type.group(1) == "Permanent" and recipients:
            addresses = [address.lower() for address in _SES_ADDRESS_RE.findall(recipients.group(1))]
            return MachineVerdict(MailKind.BOUNCE, _unique(addresses), evidence)
        return MachineVerdict(MailKind.BOUNCE, (), evidence)
    if kind in ("Complaint", "Delivery", "DeliveryDelay", "Send", "Open", "Click", "Reject", "Received"):
        return MachineVerdict(MailKind.AUTO_REPLY, (), evidence)
    return None


def _text_bounce(mail: ParsedMail, evidence: str, known: tuple[str, ...]) -> MachineVerdict:
    """A report without usable delivery-status fields: failed addresses are read from its text."""
    explanation = _explanation(mail.text)
    if known:
        return MachineVerdict(MailKind.BOUNCE, known, (evidence,))
    patterns = _patterns()
    if patterns.transient_text.search(explanation) and not _PERMANENT_RE.search(explanation):
        return MachineVerdict(MailKind.BOUNCE, (), (evidence,))
    excluded = {mail.from_address or ""} | set(find_addresses(mail.header("to")))
    found = [
        address
        for address in find_addresses(explanation)
        if address not in excluded and not patterns.daemon_sender.search(address)
    ]
    return MachineVerdict(MailKind.BOUNCE, _unique(found), (evidence,))


def _explanation(text: str) -> str:
    """The part of a report before the quoted original message."""
    text = text[:_MAX_SCANNED_CHARS]
    match = _RETURNED_MESSAGE_RE.search(text)
    return text[: match.start()] if match else text[:_SHORT_REPORT_CHARS]


def _auto_reply(mail: ParsedMail) -> MachineVerdict | None:
    if mail.report_type == "feedback-report" or "message/feedback-report" in mail.part_types:
        return MachineVerdict(MailKind.AUTO_REPLY, (), ("report-type=feedback-report",))
    auto_submitted = mail.header("auto-submitted").strip().lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return MachineVerdict(MailKind.AUTO_REPLY, (), (f"Auto-Submitted: {auto_submitted[:60]}",))
    for name in ("x-autoreply", "x-autorespond", "x-autoresponder"):
        value = mail.header(name).strip().lower()
        if value and value not in ("no", "false", "0"):
            return MachineVerdict(MailKind.AUTO_REPLY, (), (f"{name}: {value[:60]}",))
    if mail.header("precedence").strip().lower() == "auto_reply":
        return MachineVerdict(MailKind.AUTO_REPLY, (), ("Precedence: auto_reply",))
    patterns = _patterns()
    subject = mail.subject[:MAX_HEADER_CHARS]
    if patterns.auto_reply_subject.search(subject):
        return MachineVerdict(MailKind.AUTO_REPLY, (), (f"Subject: {subject[:70]}",))
    # A person may mention being away; only an absence subject and auto-reply wording together tell.
    if patterns.absence_subject.search(subject):
        match = patterns.auto_reply_text.search(mail.text[:_SHORT_REPORT_CHARS])
        if match:
            return MachineVerdict(MailKind.AUTO_REPLY, (), (f"Subject: {subject[:70]}",))
    return None


def _bulk(mail: ParsedMail) -> MachineVerdict | None:
    for name in ("list-id", "list-unsubscribe"):
        if name in mail.headers:
            return MachineVerdict(MailKind.BULK, (), (f"{name}: {mail.header(name)[:60]}",))
    precedence = mail.header("precedence").strip().lower()
    if precedence in ("bulk", "list", "junk"):
        return MachineVerdict(MailKind.BULK, (), (f"Precedence: {precedence}",))
    return None


def _unique(addresses: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(addresses))

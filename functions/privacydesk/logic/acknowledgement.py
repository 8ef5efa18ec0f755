"""The acknowledgement a requester receives at once: reference, what was understood, what comes next."""

from datetime import datetime

from privacydesk.config import Settings
from privacydesk.logic.outgoing_mail import header_text
from privacydesk.logic.render import render_message
from privacydesk.models.case import Case
from privacydesk.models.outbox import OutboxItem
from privacydesk.models.rights import OPT_OUT_RIGHTS

# Leaves room for "Re: " and the reference within the 200 characters a header may carry.
_ECHO_CHARS = 150


def acknowledgement(
    case: Case,
    settings: Settings,
    now: datetime,
    *,
    cause: str,
    in_reply_to: str | None = None,
    their_subject: str = "",
) -> OutboxItem:
    """The acknowledgement of a new case, in the requester's language, threaded to their mail if any."""
    rendered = render_message(
        "acknowledgement",
        case.language,
        ref=case.ref,
        rights=[r.value for r in case.rights],
        needs_verification=any(i.needs_verification for i in case.items),
        opt_out=any(r in OPT_OUT_RIGHTS for r in case.rights),
        # Opt-outs are applied as the case opens: with nothing else asked, there is no answer to wait for.
        only_opt_out=all(r in OPT_OUT_RIGHTS for r in case.rights),
        due=case.due,
        organisation=settings.organisation,
    )
    return OutboxItem(
        outbox_id=f"ack-{cause}",
        to=case.requester,
        # Echo their subject only when DMARC shows the sender's domain sent it: a forged From must not
        # turn the acknowledgement into a carrier for someone else's words.
        subject=(case.verdicts.get("dmarc") == "PASS" and reply_subject(their_subject, case.ref))
        or rendered.subject,
        text=rendered.text,
        template="acknowledgement",
        language=rendered.language,
        case_ref=case.ref,
        created_at=now,
        in_reply_to=in_reply_to,
        references=(in_reply_to,) if in_reply_to else (),
    )


def reply_subject(their_subject: str, ref: str) -> str:
    """'Re: <their subject> [ref]' so the answer threads with their mail; '' when they gave none."""
    subject = header_text(their_subject)
    while subject[:3].lower() in {"re:", "aw:", "sv:"}:
        subject = subject[3:].strip()
    if not subject:
        return ""
    subject = subject.replace(f"[{ref}]", "").strip()[:_ECHO_CHARS].rstrip()
    return f"Re: {subject} [{ref}]"

"""Raw inbound bytes to the few facts triage needs, degrading instead of raising on broken mail."""

import base64
import binascii
import re
from dataclasses import dataclass, field
from email import policy
from email.errors import MessageError
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesParser
from email.utils import parseaddr

from privacydesk.logic.html_text import html_to_text
from privacydesk.models.triage import Attachment

# The stdlib parsers raise an assortment of errors on hostile input; each is caught where it can occur.
_STDLIB_ERRORS = (
    ValueError,
    LookupError,
    IndexError,
    AttributeError,
    TypeError,
    UnicodeError,
    MessageError,
    RecursionError,
)
# Real mail nests a handful of levels; torture files nest thousands. Past these bounds we stop looking.
_MAX_DEPTH = 12
_MAX_PARTS = 200
_MAX_TEXT_CHARS = 200_000
_MAX_ATTACHMENT_BYTES = 10_000_000
_MAX_PARSED_HEADER_CHARS = 2_000

# What regexes see of one header value: enough for any real header, and it bounds their work.
MAX_HEADER_CHARS = 4_000

_ADDR_SPEC_RE = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+$")
# An address starts where its local part starts (the lookbehind), so a long run without '@' is read once.
_ATOM = r"[\w.!#$%&'*+/=?^`{|}~-]"
_ADDRESS_RE = re.compile(rf"(?<!{_ATOM}){_ATOM}+@[\w-]+(?:\.[\w-]+)+")
_NEWLINES_RE = re.compile(r"\r\n?")
# Charsets that mail clients declare for text that is really UTF-8 or Windows-1252 (its superset).
_LEGACY_LABELS = frozenset({"iso-8859-1", "iso8859-1", "latin-1", "latin1", "l1", "us-ascii", "ascii"})


@dataclass(frozen=True)
class ParsedMail:
    """The parts of one email that triage looks at."""

    headers: dict[str, list[str]] = field(repr=False)
    from_address: str | None = field(repr=False)
    from_header: str = field(repr=False)
    subject: str = field(repr=False)
    message_id: str | None
    in_reply_to: tuple[str, ...]
    content_type: str
    report_type: str | None
    text: str = field(repr=False)
    attachments: tuple[Attachment, ...] = field(default=(), repr=False)
    delivery_status: tuple[str, ...] = ()
    part_types: tuple[str, ...] = ()

    def header(self, name: str) -> str:
        """The first value of a top-level header (at most MAX_HEADER_CHARS), or ''."""
        return _first(self.headers, name.lower())[:MAX_HEADER_CHARS]


def find_addresses(text: str) -> tuple[str, ...]:
    """The e-mail addresses in `text`, lower-cased, in order (linear time, whatever the input)."""
    return tuple(address.lower().strip(".") for address in _ADDRESS_RE.findall(text))


def parse_mail(raw: bytes) -> ParsedMail:
    """Parse raw RFC 5322 bytes; never raises on malformed mail."""
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
        headers_only = False
    except _STDLIB_ERRORS:
        # Too deep or too broken for the MIME parser: keep the headers, read the body as plain text.
        try:
            message = BytesParser(policy=policy.default).parsebytes(raw, headersonly=True)
        except _STDLIB_ERRORS:
            return _empty_mail(raw)
        headers_only = True
    headers = _raw_headers(message)
    collector = _BodyCollector()
    if headers_only:
        collector.plain.append(_decode_bytes(_payload_bytes(message, ""), None))
    else:
        collector.visit(message, depth=0)
    content_type, params = _content_type(headers)
    from_header = _first(headers, "from")
    return ParsedMail(
        headers=headers,
        from_address=_from_address(message, from_header),
        from_header=from_header,
        subject=_subject(message, headers),
        message_id=_first(headers, "message-id").strip() or None,
        in_reply_to=tuple(
            decode_words(v[:MAX_HEADER_CHARS])
            for v in headers.get("in-reply-to", []) + headers.get("references", [])
        ),
        content_type=content_type,
        report_type=params.get("report-type"),
        text=collector.text(),
        attachments=tuple(collector.attachments),
        delivery_status=tuple(collector.delivery_status),
        part_types=tuple(collector.part_types),
    )


def _empty_mail(raw: bytes) -> ParsedMail:
    """What is left when even the stdlib parser gives up: the bytes as text."""
    return ParsedMail(
        headers={},
        from_address=None,
        from_header="",
        subject="",
        message_id=None,
        in_reply_to=(),
        content_type="text/plain",
        report_type=None,
        text=_normalise_newlines(_decode_bytes(raw[: _MAX_TEXT_CHARS * 2], None))[:_MAX_TEXT_CHARS],
    )


def _raw_headers(part: Message) -> dict[str, list[str]]:
    """Header values as sent (unfolded, 8-bit bytes decoded), keyed by lower-cased name."""
    headers: dict[str, list[str]] = {}
    for name, value in part.raw_items():
        headers.setdefault(name.lower(), []).append(_unfold(_unescape(str(value))))
    return headers


def _first(headers: dict[str, list[str]], name: str) -> str:
    values = headers.get(name)
    return values[0] if values else ""


def _unfold(value: str) -> str:
    return _NEWLINES_RE.sub("\n", value).replace("\n", "").strip()


def _unescape(value: str) -> str:
    """Undo the parser's surrogate escapes of 8-bit header bytes (UTF-8 per RFC 6532, else cp1252)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return _decode_bytes(value.encode("utf-8", "surrogateescape"), None)
    return value


def decode_words(value: str) -> str:
    """Decode RFC 2047 encoded words (also found in threading headers), keeping malformed ones as sent."""
    if "=?" not in value:
        return value
    try:
        return str(make_header(decode_header(value)))
    except _STDLIB_ERRORS:
        return value


def _subject(message: Message, headers: dict[str, list[str]]) -> str:
    raw = _first(headers, "subject")
    if len(raw) > _MAX_PARSED_HEADER_CHARS or not raw.isascii():
        # The stdlib header parser is slow on huge headers, and turns 8-bit bytes into U+FFFD; the raw
        # value already holds those bytes decoded (UTF-8, else Windows-1252).
        return _one_line(decode_words(raw[:_MAX_PARSED_HEADER_CHARS]))
    try:
        value = message.get("subject")
        subject = str(value) if value is not None else ""
    except _STDLIB_ERRORS:
        subject = decode_words(raw)
    return _one_line(_unescape(subject))


def _one_line(value: str) -> str:
    return value.replace("\n", " ").replace("\r", " ").strip()


def _from_address(message: Message, raw_from: str) -> str | None:
    """The lower-cased addr-spec of the From header, or None."""
    if len(raw_from) > _MAX_PARSED_HEADER_CHARS:
        return None
    try:
        header = message.get("from")
        addresses = getattr(header, "addresses", ())
        candidates = [str(address.addr_spec) for address in addresses]
    except _STDLIB_ERRORS:
        candidates = []
    if not candidates and raw_from:
        candidates = [parseaddr(decode_words(raw_from))[1]]
    for candidate in candidates:
        address = candidate.strip().strip("<>").lower()
        if _ADDR_SPEC_RE.match(address):
            return address
    return None


def _content_type(headers: dict[str, list[str]]) -> tuple[str, dict[str, str]]:
    """Content type and its parameters, parsed leniently (compat32) from the raw header."""
    view = Message()
    raw = _first(headers, "content-type")
    if raw:
        view["Content-Type"] = raw
    params = {key.lower(): str(value) for key, value in (view.get_params() or [])[1:]}
    return view.get_content_type(), params


def _part_view(part: Message) -> Message:
    """A compat32 copy of the part's MIME headers: lenient and cheap to query."""
    view = Message()
    for name, value in part.raw_items():
        if name.lower() in ("content-type", "content-disposition", "content-transfer-encoding"):
            view[name] = _unescape(str(value))
    return view


def _payload_bytes(part: Message, transfer_encoding: str) -> bytes:
    """The payload of a leaf part as the bytes that were sent, transfer encoding undone."""
    # Base64 is decoded here, leniently; the rest comes from get_payload(decode=True), which returns
    # 8-bit bodies byte for byte (its decode=False form has already applied the charset once).
    try:
        if transfer_encoding == "base64":
            text = part.get_payload()
            return _decode_base64(text.encode("ascii", "ignore")) if isinstance(text, str) else b""
        data = part.get_payload(decode=True)
    except _STDLIB_ERRORS:
        return b""
    return data if isinstance(data, bytes) else b""


def _decode_base64(data: bytes) -> bytes:
    compact = re.sub(rb"[^A-Za-z0-9+/]", b"", data)
    compact = compact[: len(compact) - len(compact) % 4]
    try:
        return base64.b64decode(compact)
    except binascii.Error:
        return b""


def _decode_bytes(data: bytes, charset: str | None) -> str:
    """Bytes to text with the declared charset, else UTF-8, else cp1252 with replacements."""
    # Non-ASCII bytes that happen to be valid UTF-8 are UTF-8, whatever a legacy label says.
    candidates = ("utf-8", "cp1252") if charset and charset.lower() in _LEGACY_LABELS else (charset, "utf-8")
    for candidate in candidates:
        if not candidate:
            continue
        try:
            return data.decode(candidate)
        except (LookupError, UnicodeError, ValueError):
            continue
    return data.decode("cp1252", errors="replace")


def _normalise_newlines(text: str) -> str:
    return _NEWLINES_RE.sub("\n", text)


class _BodyCollector:
    """Walks the MIME tree once, bounded in depth and parts, collecting body, attachments and DSNs."""

    def __init__(self) -> None:
        self.plain: list[str] = []
        self.html: list[str] = []
        self.attachments: list[Attachment] = []
        self.delivery_status: list[str] = []
        self.part_types: list[str] = []
        self._parts = 0

    def text(self) -> str:
        """The body text: the plain parts, else the HTML parts turned into text."""
        chosen = self.plain if any(chunk.strip() for chunk in self.plain) else self.html
        return _normalise_newlines("\n\n".join(chosen))[:_MAX_TEXT_CHARS]

    def visit(self, part: Message, depth: int, in_report: bool = False) -> None:
        """Collect what one part holds, then its children."""
        self._parts += 1
        if depth > _MAX_DEPTH or self._parts > _MAX_PARTS:
            return
        view = _part_view(part)
        content_type = view.get_content_type()
        self.part_types.append(content_type)
        payload = part.get_payload()
        if isinstance(payload, list):
            children = [child for child in payload if isinstance(child, Message)]
            if content_type == "message/delivery-status":
                self.delivery_status.append(_status_text(children))
            elif content_type.startswith("message/"):
                # The copy of our own mail that a delivery or feedback report returns is not kept.
                if not in_report:
                    self._attach_message(children, view)
            else:
                in_report = in_report or content_type == "multipart/report"
                for child in children:
                    self.visit(child, depth + 1, in_report)
            return
        self._leaf(part, view, content_type)

    def _leaf(self, part: Message, view: Message, content_type: str) -> None:
        encoding = str(view.get("content-transfer-encoding", "")).strip().lower()
        data = _payload_bytes(part, encoding)
        filename = _filename(view)
        disposition = view.get_content_disposition()
        charset = view.get_content_charset()
        if content_type == "message/delivery-status":
            self.delivery_status.append(_normalise_newlines(_decode_bytes(data, charset)))
        elif disposition == "attachment" or filename or not _is_body_type(content_type):
            self.attachments.append(Attachment(filename or "", content_type, data[:_MAX_ATTACHMENT_BYTES]))
        elif content_type == "text/html":
            self.html.append(html_to_text(_decode_bytes(data, charset)))
        else:
            self.plain.append(_decode_bytes(data, charset))

    def _attach_message(self, payload: list[Message], view: Message) -> None:
        """An enclosed message is kept as an attachment, never read as the sender's text."""
        data = b""
        # Serialising thousands of nested levels costs seconds; such a message is kept by name only.
        if not any(_nesting_exceeds(item, _MAX_DEPTH) for item in payload):
            try:
                # compat32 writes the stored header text back instead of re-parsing every header.
                data = b"".join(item.as_bytes(policy=policy.compat32) for item in payload)
            except _STDLIB_ERRORS:
                data = b""
        self.attachments.append(
            Attachment(
                _filename(view) or "message.eml", view.get_content_type(), data[:_MAX_ATTACHMENT_BYTES]
            )
        )


def _nesting_exceeds(part: Message, limit: int) -> bool:
    """Whether the MIME tree under `part` is deeper than `limit` (checked without recursion)."""
    stack = [(part, 0)]
    seen = 0
    while stack:
        current, depth = stack.pop()
        seen += 1
        if depth > limit or seen > _MAX_PARTS:
            return True
        children = current.get_payload()
        if isinstance(children, list):
            stack.extend((child, depth + 1) for child in children if isinstance(child, Message))
    return False


def _is_body_type(content_type: str) -> bool:
    # A multipart with a broken boundary arrives as one text blob: read it as plain text.
    return content_type in ("text/plain", "text/html") or content_type.startswith("multipart/")


def _filename(view: Message) -> str | None:
    try:
        name = view.get_filename()
    except _STDLIB_ERRORS:
        return None
    return decode_words(name) if name else None


def _status_text(blocks: list[Message]) -> str:
    """The header blocks of a parsed message/delivery-status part, back as text."""
    lines: list[str] = []
    for block in blocks:
        lines.extend(f"{name}: {_unfold(_unescape(str(value)))}" for name, value in block.raw_items())
        lines.append("")
    return "\n".join(lines)

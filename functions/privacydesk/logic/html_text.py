"""HTML mail bodies to readable text, in linear time (the stdlib HTMLParser is quadratic on '<<<<')."""

import re
from html import unescape

# Mail bodies are rarely over 100 KB of HTML; past these bounds nothing is read.
MAX_HTML_CHARS = 400_000
MAX_TEXT_CHARS = 200_000
_MAX_QUOTE_DEPTH = 10

_BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "fieldset",
        "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
        "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tr", "ul",
    }
)  # fmt: skip
_HIDDEN_TAGS = frozenset({"script", "style", "head", "title", "template", "noscript"})
_CELL_TAGS = frozenset({"td", "th"})
# A tag never spans a '<', so each match stops at the next '<' or '>': the scan stays linear.
_TOKEN_RE = re.compile(r"<!--|<(/?)([A-Za-z][A-Za-z0-9]*)([^<>]*)>|<[!?][^<>]*>")


def html_to_text(html: str) -> str:
    """Readable text from HTML: no scripts or styles, line breaks at blocks, quotes marked with '>'."""
    html = html[:MAX_HTML_CHARS]
    text = _TextLines()
    position = 0
    while position < len(html):
        token = _TOKEN_RE.search(html, position)
        if token is None:
            text.add(unescape(html[position:]))
            break
        text.add(unescape(html[position : token.start()]))
        position = token.end()
        if token.group(0) == "<!--":
            end = html.find("-->", position)
            position = len(html) if end < 0 else end + 3
            continue
        name = (token.group(2) or "").lower()
        closing = bool(token.group(1))
        if name in _HIDDEN_TAGS and not closing and not token.group(3).endswith("/"):
            position = _after_closing_tag(html, name, position)
        elif name in _BLOCK_TAGS:
            text.block(name, closing)
        elif name in _CELL_TAGS and not closing:
            text.add(" ")
    return text.result()[:MAX_TEXT_CHARS]


def _after_closing_tag(html: str, name: str, position: int) -> int:
    """Where the content of a hidden element ends: after its closing tag, or at the end of the input."""
    closing = re.compile(rf"</{name}\s*>", re.I).search(html, position)
    return closing.end() if closing else len(html)


class _TextLines:
    """Collects text per line; lines inside <blockquote> get '> ' prefixes like plain-text quotes."""

    def __init__(self) -> None:
        self._lines: list[str] = []
        self._line: list[str] = []
        self._line_has_text = False
        self._quote = 0
        self._line_quote = 0
        self._chars = 0

    def add(self, data: str) -> None:
        """Append text to the current line (bounded: past the output cap nothing is kept)."""
        if not data or self._chars > MAX_TEXT_CHARS:
            return
        if not self._line_has_text and data.strip():
            self._line_has_text = True
            self._line_quote = min(self._quote, _MAX_QUOTE_DEPTH)
        self._line.append(data)
        self._chars += len(data)

    def block(self, name: str, closing: bool) -> None:
        """A block element starts or ends: the current line ends."""
        self._break()
        if name == "blockquote":
            self._quote = max(0, self._quote - 1) if closing else self._quote + 1

    def _break(self) -> None:
        line = " ".join("".join(self._line).split())
        if line:
            self._lines.append("> " * self._line_quote + line)
            self._chars += 2 * self._line_quote
        elif self._lines and self._lines[-1]:
            self._lines.append("")
        self._line = []
        self._line_has_text = False

    def result(self) -> str:
        """The text collected so far."""
        self._break()
        return "\n".join(self._lines).strip()

"""Which rights a requester's text asks for, with the phrases that decided it."""

import re
from dataclasses import dataclass
from functools import cache

from privacydesk.logic import lexicon, lexicon_context
from privacydesk.models.rights import Right

MAX_ANALYSED_CHARS = 8_000
_MAX_EVIDENCE = 3
_EXCERPT_CHARS = 80
_CLAUSE_LOOKBACK = 70
_RIGHT_ORDER = tuple(Right)
_WORD_RE = re.compile(r"[^\W_]+(?:'[^\W_]+)?")


@dataclass(frozen=True)
class _Patterns:
    asks: tuple[tuple[Right, re.Pattern[str]], ...]
    refuses: tuple[tuple[Right, re.Pattern[str]], ...]
    negation: re.Pattern[str]
    not_a_negation: re.Pattern[str]
    negation_after: re.Pattern[str]
    condition: re.Pattern[str]
    polite_condition: re.Pattern[str]
    clause_break: re.Pattern[str]
    direct_lead: re.Pattern[str]
    list_object: re.Pattern[str]
    message_object: re.Pattern[str]
    article: re.Pattern[str]
    follow_up: re.Pattern[str]


@cache
def _patterns() -> _Patterns:
    """Compile the lexicon once, on first use (not at import: cold starts matter)."""

    def union(parts: tuple[str, ...]) -> re.Pattern[str]:
        # Phrases start at a word start (or anywhere in CJK text, which has no spaces); saying so up
        # front lets the regex engine skip the middles of words, which halves the scanning time.
        alternatives = "|".join(f"(?:{part})" for part in parts)
        return re.compile(rf"(?:(?<!\w)|(?=[\u3040-\u30ff\u4e00-\u9fff]))(?:{alternatives})", re.I)

    return _Patterns(
        asks=tuple((right, union(parts)) for right, parts in lexicon.ASKS.items() if parts),
        refuses=tuple((right, union(parts)) for right, parts in lexicon.REFUSES.items() if parts),
        negation=re.compile(lexicon.NEGATION, re.I),
        not_a_negation=re.compile(lexicon.NOT_A_NEGATION, re.I),
        negation_after=re.compile(lexicon.NEGATION_AFTER, re.I),
        condition=re.compile(lexicon.CONDITION, re.I),
        polite_condition=re.compile(lexicon.POLITE_CONDITION, re.I),
        clause_break=re.compile(lexicon.CLAUSE_BREAK, re.I),
        direct_lead=re.compile(lexicon.DIRECT_LEAD, re.I),
        list_object=re.compile(lexicon.LIST_OBJECT, re.I),
        message_object=re.compile(lexicon.MESSAGE_OBJECT, re.I),
        article=re.compile(lexicon.ARTICLE, re.I),
        follow_up=union(lexicon_context.FOLLOW_UP),
    )


def find_rights(text: str) -> tuple[tuple[Right, ...], dict[str, list[str]]]:
    """The rights asked for (QUESTION when none), and the phrases that decided each."""
    text = text[:MAX_ANALYSED_CHARS]
    patterns = _patterns()
    # A reminder about an earlier request, or a complaint to a regulator, names rights it does not ask
    # for now: in such a mail only rights asked for directly ("... again: please delete my data") count.
    follow_up = _find_follow_up(text, patterns)
    found: dict[Right, list[str]] = {}

    def note(right: Right, start: int, end: int) -> None:
        phrases = found.setdefault(right, [])
        if len(phrases) < _MAX_EVIDENCE:
            phrases.append(_excerpt(text, start, end))

    for right, pattern in patterns.asks:
        for match in pattern.finditer(text):
            if _is_negated(text, match.start(), patterns) or patterns.negation_after.match(text, match.end()):
                continue
            if follow_up is not None and not _is_direct(text, match.start(), patterns):
                continue
            if right is Right.ERASURE and patterns.list_object.match(text, match.end()):
                note(Right.MARKETING_OPT_OUT, match.start(), match.end())
                continue
            if right is Right.ERASURE and patterns.message_object.match(text, match.end()):
                continue
            note(right, match.start(), match.end())
    for right, pattern in patterns.refuses:
        for match in pattern.finditer(text):
            if follow_up is None or _is_direct(text, match.start(), patterns):
                note(right, match.start(), match.end())
    if follow_up is None:
        for article in patterns.article.finditer(text):
            named = lexicon.ARTICLE_RIGHTS.get(int(article.group(1)))
            if named is not None:
                note(named, article.start(), article.end())
    if not found:
        return (Right.QUESTION,), ({Right.QUESTION.value: [follow_up]} if follow_up else {})
    rights = tuple(right for right in _RIGHT_ORDER if right in found)
    return rights, {right.value: found[right] for right in rights}


def _excerpt(text: str, start: int, end: int) -> str:
    """A short, single-line excerpt around a match (at most 80 characters)."""
    left = max(0, start - 20)
    snippet = " ".join(text[left : max(end, start + 40) + 20].split())
    if len(snippet) > _EXCERPT_CHARS:
        snippet = snippet[:_EXCERPT_CHARS].rsplit(" ", 1)[0]
    return snippet


def _find_follow_up(text: str, patterns: _Patterns) -> str | None:
    """The phrase showing the text chases an earlier request or complains to a regulator, or None."""
    match = patterns.follow_up.search(text)
    if match:
        return _excerpt(text, match.start(), match.end())
    for article in patterns.article.finditer(text):
        if int(article.group(1)) == lexicon_context.COMPLAINT_ARTICLE:
            return _excerpt(text, article.start(), article.end())
    return None


def _clause_before(text: str, start: int, patterns: _Patterns) -> str:
    """The words of the clause that lead up to `start` (at most 70 characters of them)."""
    window = text[max(0, start - _CLAUSE_LOOKBACK) : start]
    clause_start = 0
    for boundary in patterns.clause_break.finditer(window):
        clause_start = boundary.end()
    return window[clause_start:]


def _is_negated(text: str, start: int, patterns: _Patterns) -> bool:
    """A negation governing the phrase ('do NOT delete', 'not asking you to delete') or a condition ('if')."""
    clause = patterns.not_a_negation.sub(" ", _clause_before(text, start, patterns))
    negations = list(patterns.negation.finditer(clause))
    if negations and len(_WORD_RE.findall(clause[negations[-1].end() :])) <= lexicon.NEGATION_REACH:
        return True
    condition = patterns.condition.search(clause)
    return bool(condition and not patterns.polite_condition.search(clause))


def _is_direct(text: str, start: int, patterns: _Patterns) -> bool:
    """Whether the phrase is asked for now: its clause holds nothing before it but politeness and 'I ask'."""
    return patterns.direct_lead.fullmatch(_clause_before(text, start, patterns)) is not None

"""Escape untrusted article text, then wrap chosen spans in <mark>.

Article text is never trusted: every character outside and inside a mark goes through
`markupsafe.escape`; only the <mark> tags themselves are written by us.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

# Words too common to be worth highlighting (the fts extension drops them from queries too).
_STOP = frozenset(
    {
        "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "have", "in", "is",
        "it", "its", "of", "on", "or", "that", "the", "to", "was", "were", "with",
    }
)  # fmt: skip
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open character span `[start, end)` to mark, with an optional anchor id."""

    start: int
    end: int
    anchor: str | None = None


def mark_spans(text: str, spans: Iterable[Span]) -> Markup:
    """Return `text` escaped, with each span wrapped in <mark>; overlapping spans merge.

    Spans outside the text are clipped; empty spans are ignored.
    """
    clipped = sorted(
        (Span(max(0, s.start), min(len(text), s.end), s.anchor) for s in spans),
        key=lambda s: (s.start, s.end),
    )
    merged: list[Span] = []
    for span in clipped:
        if span.end <= span.start:
            continue
        if merged and span.start <= merged[-1].end:
            last = merged[-1]
            merged[-1] = Span(last.start, max(last.end, span.end), last.anchor or span.anchor)
        else:
            merged.append(span)
    out: list[str] = []
    pos = 0
    for span in merged:
        out.append(escape(text[pos : span.start]))
        anchor = Markup(' id="{}"').format(span.anchor) if span.anchor else ""
        out.append(Markup("<mark{}>{}</mark>").format(anchor, text[span.start : span.end]))
        pos = span.end
    out.append(escape(text[pos:]))
    return Markup("").join(out)


def query_terms(query: str) -> list[str]:
    """Return the words of a search query worth highlighting, lower-cased, longest first."""
    words = {w.lower() for w in _WORD.findall(query) if len(w) > 1 and w.lower() not in _STOP}
    return sorted(words, key=len, reverse=True)


def term_pattern(terms: Sequence[str]) -> re.Pattern[str] | None:
    """Return a pattern matching words that start with each term's stem-like prefix.

    The fts index stems words (Porter), so "deliveries" finds "delivered": matching a
    prefix of at least four letters marks the same word forms in the text.
    """
    if not terms:
        return None
    prefixes = sorted({t if len(t) <= 4 else t[: max(4, len(t) - 3)] for t in terms}, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(p) for p in prefixes) + r")\w*", re.IGNORECASE)


def highlight_terms(text: str, terms: Sequence[str], *, phrases: Sequence[str] = ()) -> Markup:
    """Return `text` escaped with every occurrence of the query terms and phrases marked."""
    spans: list[Span] = []
    pattern = term_pattern(terms)
    if pattern is not None:
        spans.extend(Span(m.start(), m.end()) for m in pattern.finditer(text))
    lowered = text.lower()
    for phrase in phrases:
        needle = phrase.lower()
        start = lowered.find(needle) if needle else -1
        while start >= 0:
            spans.append(Span(start, start + len(needle)))
            start = lowered.find(needle, start + len(needle))
    return mark_spans(text, spans)


def snippet(text: str, terms: Sequence[str], *, phrases: Sequence[str] = (), width: int = 280) -> Markup:
    """Return a window of `text` around the first hit, escaped and highlighted."""
    if len(text) <= width:
        return highlight_terms(text, terms, phrases=phrases)
    first = -1
    lowered = text.lower()
    for phrase in phrases:
        at = lowered.find(phrase.lower())
        if at >= 0 and (first < 0 or at < first):
            first = at
    pattern = term_pattern(terms)
    if first < 0 and pattern is not None:
        hit = pattern.search(text)
        first = hit.start() if hit else -1
    start = max(0, first - width // 3) if first >= 0 else 0
    # Start and end on word boundaries so the window does not cut a word in half.
    if start > 0:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < start + 30 else start
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start + width // 2 else end
    body = highlight_terms(text[start:end], terms, phrases=phrases)
    prefix = Markup("… ") if start > 0 else Markup("")
    suffix = Markup(" …") if end < len(text) else Markup("")
    return prefix + body + suffix

"""Find quoted passages in a body: curly and straight double quotes, single quotes.

`find_quoted(body)` returns the text between each pair of marks as a body span. A quote
that runs over a paragraph break without a closing mark (news style: the next paragraph
reopens it) gives one span per paragraph, linked by `continues`. Apostrophes inside words
("Myanmar’s", "don't") never open or close a quote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_OPEN_DOUBLE = "“„«"
_CLOSE_DOUBLE = "”»"
_OPENERS_BEFORE = " \t\n([{—–-/:;,\"“‘"
# The scanners jump from one of these characters to the next: every other character
# leaves their state unchanged.
_DOUBLE_STOPS = re.compile("[\n\"" + _OPEN_DOUBLE + _CLOSE_DOUBLE + "]")
_SINGLE_OPENS = re.compile("[‘']")
_SINGLE_CLOSES = {"‘": re.compile("’"), "'": re.compile("['’]")}


@dataclass(frozen=True, slots=True)
class QuotedSpan:
    """The text between one pair of quotation marks: `body[start:end]`."""

    start: int
    end: int
    mark: str  # the opening mark
    continues: bool  # continues the previous span's quote across a paragraph break
    closed: bool  # a closing mark was found (not cut by a paragraph end)


def _paragraph_end(body: str, pos: int) -> int:
    end = body.find("\n", pos)
    return len(body) if end < 0 else end


def _double(body: str) -> list[QuotedSpan]:
    out: list[QuotedSpan] = []
    open_at: int | None = None
    open_mark = ""
    continuing = False
    i = 0
    n = len(body)
    while i < n:
        stop = _DOUBLE_STOPS.search(body, i)
        if stop is None:
            break
        i = stop.start()
        ch = body[i]
        if ch == "\n" and open_at is not None:
            # paragraph ends inside a quote: keep it when the next paragraph reopens it
            out.append(QuotedSpan(open_at, i, open_mark, continuing, False))
            j = i
            while j < n and body[j].isspace():
                j += 1
            if j < n and (body[j] in _OPEN_DOUBLE or body[j] == '"'):
                open_at, open_mark, continuing = j + 1, body[j], True
                i = j + 1
                continue
            open_at, continuing = None, False
        elif ch in _OPEN_DOUBLE and open_at is None:
            open_at, open_mark, continuing = i + 1, ch, False
        elif ch in _CLOSE_DOUBLE and open_at is not None:
            out.append(QuotedSpan(open_at, i, open_mark, continuing, True))
            open_at, continuing = None, False
        elif ch == '"':
            prev = body[i - 1] if i > 0 else " "
            nxt = body[i + 1] if i + 1 < n else " "
            if open_at is None:
                if prev in _OPENERS_BEFORE or not nxt.isspace():
                    open_at, open_mark, continuing = i + 1, ch, False
            else:
                out.append(QuotedSpan(open_at, i, open_mark, continuing, True))
                open_at, continuing = None, False
        i += 1
    if open_at is not None:
        out.append(QuotedSpan(open_at, n, open_mark, continuing, False))
    return out


def _single(body: str, taken: list[tuple[int, int]]) -> list[QuotedSpan]:
    """Single-quoted passages outside double quotes (‘...’ or '...')."""
    out: list[QuotedSpan] = []
    i = 0
    n = len(body)
    while i < n:
        opener = _SINGLE_OPENS.search(body, i)
        if opener is None:
            break
        i = opener.start()
        ch = body[i]
        if (i == 0 or body[i - 1] in _OPENERS_BEFORE) and i + 1 < n and body[i + 1].isalnum() \
                and not any(s - 1 <= i < e + 1 for s, e in taken):
            closes = _SINGLE_CLOSES[ch]  # "’" after "‘"; "'" or "’" after "'"
            stop = _paragraph_end(body, i)
            j = i + 1
            found = -1
            while j < stop:
                mark = closes.search(body, j, stop)
                if mark is None:
                    break
                j = mark.start()
                after = body[j + 1] if j + 1 < n else " "
                if not after.isalnum() and not body[j - 1].isspace():
                    # "protesters’ demands": a plural possessive, not a close, when a noun follows
                    found = j
                    break
                j += 1
            if found > 0:
                out.append(QuotedSpan(i + 1, found, ch, False, True))
                i = found + 1
                continue
        i += 1
    return out


def find_quoted(body: str) -> list[QuotedSpan]:
    """Return every quoted span of the body in order of position."""
    doubles = _double(body)
    singles = _single(body, [(q.start, q.end) for q in doubles])
    return sorted(doubles + singles, key=lambda q: q.start)

"""The date a figure refers to (`as_of`), from the time expressions of its sentence.

The entity stage resolves time expressions (`ParsedArticle.timexes`); when it gives none,
a small reader here finds the absolute forms a figure's sentence uses ("by June 2024",
"from 2014-2019", "on 3 March 2022", "in March"), resolving a missing year from the
article's date. Relative phrases ("last week") are left to the entity stage.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from dossier.clean.records import Precision
from dossier.nlp.records import TimeExpression

MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}
WEEKDAYS = frozenset({
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun",
})

_MONTH = r"(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_YEAR = r"(?:1[89]\d\d|20\d\d)"
_TIMEX = re.compile(
    rf"""
    (?P<period>(?P<y1>{_YEAR})\s?[-–—/]\s?(?P<y2>{_YEAR}|\d\d)\b
      |(?:from|between)\s+(?P<y3>{_YEAR})\s+(?:to|and|until)\s+(?P<y4>{_YEAR})\b)
    |(?P<mdy>\b(?P<m1>{_MONTH})\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<yr1>{_YEAR}))?\b)
    |(?P<dmy>\b(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m2>{_MONTH})(?:,?\s+(?P<yr2>{_YEAR}))?\b)
    |(?P<my>\b(?P<m3>{_MONTH})(?:\s+of)?,?\s+(?P<yr3>{_YEAR})\b)
    |(?P<mo>\b(?:in|by|since|until|through|during|as\s+of)\s+(?:(?:early|late|mid)\s*-?\s*)?(?P<m4>{_MONTH})\b)
    |(?P<y>\b(?P<yr4>{_YEAR})\b)
    """,
    re.IGNORECASE | re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class DatedSpan:
    """A date in the body with the role its wording gives it."""

    start: int
    end: int
    date: str
    precision: Precision
    role: str  # "period", "by" (as of / by / until), "since", "modifier", "at"


def _iso(y: int, m: int = 1, d: int = 1) -> str | None:
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return None


def _year_for(month: int, day: int, article: date | None) -> int | None:
    """The year of a month/day written without one: the latest not after the article date."""
    if article is None:
        return None
    year = article.year
    if (month, day) > (article.month, article.day):
        year -= 1
    return year


def find_dates(text: str, offset: int, article: date | None) -> list[tuple[int, int, str, Precision, bool]]:
    """Return `(start, end, iso, precision, is_period)` for the absolute dates in `text`.

    `offset` is added to every position (the text's start in the body).
    """
    out: list[tuple[int, int, str, Precision, bool]] = []
    for m in _TIMEX.finditer(text):
        start, end = m.start() + offset, m.end() + offset
        iso: str | None = None
        precision: Precision = "day"
        period = False
        if m.group("period"):
            y2 = m.group("y2") or m.group("y4")
            y1 = m.group("y1") or m.group("y3")
            if len(y2) == 2:
                y2 = y1[:2] + y2
            if int(y2) < int(y1):
                continue  # "2019-05" is not a period
            iso, precision, period = _iso(int(y2)), "year", True
        elif m.group("mdy") or m.group("dmy"):
            month = MONTHS[(m.group("m1") or m.group("m2")).rstrip(".").casefold()]
            day = int(m.group("d1") or m.group("d2"))
            yr = m.group("yr1") or m.group("yr2")
            year = int(yr) if yr else _year_for(month, day, article)
            if year is None:
                continue
            iso = _iso(year, month, day)
        elif m.group("my"):
            month = MONTHS[m.group("m3").rstrip(".").casefold()]
            iso, precision = _iso(int(m.group("yr3")), month), "month"
        elif m.group("mo"):
            word = m.group("m4").rstrip(".").casefold()
            if word == "may" or word == "mar":
                continue  # the modal verb and "mar" are too often not months
            month = MONTHS[word]
            year = _year_for(month, 1, article)
            if year is None:
                continue
            iso, precision = _iso(year, month), "month"
            start = m.start("m4") + offset
        else:
            iso, precision = _iso(int(m.group("yr4"))), "year"
        if iso is not None:
            out.append((start, end, iso, precision, period))
    return out


_BY = frozenset({"by", "as of", "as at", "until", "till", "through", "up to", "end of"})
_SINCE = frozenset({"since", "from", "after", "between", "before"})
_PREPOSITIONS = _BY | _SINCE | {"in", "on", "during", "of", "at", "for", "to"}


# "since the start of this year": the "of" inside these phrases does not govern the date
_PART_OF = frozenset({"start of", "beginning of", "outset of", "middle of", "course of", "rest of", "half of"})


def _preposition(words: list[str]) -> str | None:
    """The preposition that governs a date, looking back over determiners and modifiers."""
    i = len(words) - 1
    while i >= 0:
        two = " ".join(words[i - 1:i + 1]) if i > 0 else ""
        if two in _PART_OF:
            i -= 2
            continue
        if two in _PREPOSITIONS:
            return two
        if words[i] in _PREPOSITIONS:
            return words[i]
        i -= 1
    return None


def _leading_words(text: str) -> list[str]:
    """Words a time expression starts with before its date proper ("since", "by the end of")."""
    out: list[str] = []
    for word in re.findall(r"[a-z]+|\d+", text.casefold()):
        if word in MONTHS or word.isdigit() or word in {"last", "this", "next", "year", "month", "week"}:
            break
        out.append(word)
    return out


def dated_spans(
    body: str, start: int, end: int, timexes: tuple[TimeExpression, ...], article: date | None
) -> list[DatedSpan]:
    """Return the dates inside `body[start:end]` with the role their wording gives them.

    Time expressions from the entity stage are used where they overlap the span; the
    built-in reader fills in periods and anything the entity stage did not resolve.
    """
    found: list[tuple[int, int, str, Precision, bool]] = []
    for tx in timexes:
        if tx.start >= start and tx.end <= end and tx.date is not None and tx.precision != "unknown":
            found.append((tx.start, tx.end, tx.date, tx.precision, False))
    for item in find_dates(body[start:end], start, article):
        if item[4] or not any(f[0] < item[1] and item[0] < f[1] for f in found):
            found = [f for f in found if not (item[4] and f[0] < item[1] and item[0] < f[1])]
            found.append(item)
    spans = []
    for s, e, iso, precision, period in sorted(found):
        # the entity stage's expressions may include their preposition ("since September")
        before = [*re.findall(r"[a-z]+", body[max(start, s - 30):s].casefold())[-4:], *_leading_words(body[s:e])]
        after = body[e:e + 12].casefold()
        prep = _preposition(before)
        if period:
            role = "period"
        elif prep in _BY:
            role = "by"
        elif prep in _SINCE:
            role = "since"
        elif re.match(r"\s+[a-z]", after) and precision == "year" and not re.match(r"\s+(?:and|to|when|,)", after) \
                and not (before and before[-1] in _PREPOSITIONS):
            role = "modifier"  # "a 2020 study", "the 2022 invasion": the year names something else
        else:
            role = "at"
        spans.append(DatedSpan(s, e, iso, precision, role))
    return spans


_ROLE_RANK = {"period": 0, "by": 1, "at": 2}


def choose_as_of(
    spans: list[DatedSpan], position: int, distance: Callable[[DatedSpan], float] | None = None
) -> DatedSpan | None:
    """Return the date a figure at `position` refers to, or None when the spans give none.

    A period's end and an explicit "by"/"as of" date come first; dates that only start a
    period ("since the coup") or name something else ("a 2020 study") are not the figure's.
    Ties go to the nearest date: by `distance` when given (the parse), else by characters.
    """
    usable = [s for s in spans if s.role in _ROLE_RANK]
    if not usable:
        return None
    near = distance or (lambda s: float(abs(s.start - position)))
    return min(usable, key=lambda s: (_ROLE_RANK[s.role], near(s)))


def parse_iso(value: str | None) -> date | None:
    """Return the date of an ISO `YYYY-MM-DD` string, or None."""
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None

"""Time expressions in a body, resolved against the article's publication date.

Absolute dates ("Feb. 1, 2021", "June 2024", "2020") resolve without the article date;
relative ones ("on Friday", "last week", "in June", "July last year", "earlier this
year") need it, and resolve to `None` with precision `unknown` when it is not known:
a date is never guessed. A weekday refers to the most recent such day on or before the
article date, unless the clause is in the future tense ("will meet on Monday").
Numeric dates ("12/05/2022") go through dateparser.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from datetime import date, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

from dossier.clean.records import Precision, PublishedDate, iso_at_precision
from dossier.nlp.records import TimeExpression

if TYPE_CHECKING:
    from spacy.tokens import Doc

MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9
FULL_MONTHS = {name.lower() for name in calendar.month_name if name}
WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}
_MON = r"(?:January|February|March|April|May|June|July|August|September|October|November|December|" \
       r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.?"
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:1[89]\d\d|20\d\d)"
_WD = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
FUTURE = {"will", "shall", "'ll", "next", "upcoming", "scheduled", "due", "plans", "planned", "expected"}

# Ordered: the first pattern that matches at a position wins; each has a rule name.
PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("absolute-mdy", re.compile(rf"\b(?P<mon>{_MON})\s+(?P<day>{_DAY}),?\s+(?P<year>{_YEAR})\b")),
    ("absolute-dmy", re.compile(rf"\b(?P<day>{_DAY})\s+(?P<mon>{_MON})\s+(?P<year>{_YEAR})\b")),
    ("numeric", re.compile(r"\b(?P<num>\d{1,2}[/.-]\d{1,2}[/.-](?:19|20)\d\d|(?:19|20)\d\d-\d\d-\d\d)\b")),
    ("month-rel-year", re.compile(rf"\b(?P<mon>{_MON})\s+(?P<rel>last|this|next)\s+year\b", re.I)),
    # Function words match in any case ("In February" opens a sentence); month names stay
    # capitalised so that "may" and "march" as words never read as months.
    ("rel-month-name", re.compile(rf"\b(?P<rel>(?i:last|this|next))\s+(?P<mon>{_MON})(?![\w])")),
    ("month-year", re.compile(rf"\b(?P<mon>{_MON}),?\s+(?P<year>{_YEAR})\b")),
    ("month-day", re.compile(rf"\b(?P<mon>{_MON})\s+(?P<day>{_DAY})\b(?!\s*(?:,\s*)?(?:1[89]|20)\d\d)")),
    ("day-month", re.compile(rf"\b(?P<day>{_DAY})\s+(?P<mon>{_MON})\b")),
    ("weekday", re.compile(rf"\b(?:(?P<rel>last|this|next|on|previous)\s+)?(?P<wd>{_WD})\b", re.I)),
    ("relative-day", re.compile(r"\b(?P<word>yesterday|today|tomorrow)\b", re.I)),
    ("relative-period", re.compile(
        r"\b(?:(?P<mod>earlier|later|late|early)\s+)?(?P<rel>last|this|next|past|previous|coming)\s+"
        r"(?P<unit>week|month|year)\b", re.I)),
    ("ago", re.compile(r"\b(?P<n>\d+|a|one|two|three|four|five|six|seven|eight|nine|ten)\s+"
                       r"(?P<unit>day|week|month|year)s?\s+ago\b", re.I)),
    ("in-month", re.compile(rf"\b(?i:in|since|by|until|during|from|of)\s+(?i:early\s+|late\s+|mid-)?"
                            rf"(?P<mon>{_MON})(?![\w])")),
    ("year", re.compile(rf"(?<![\d,.$-])(?:(?i:in|since|by|until|of|from|to|between|and|during)\s+)?"
                        rf"(?P<year>{_YEAR})(?:s)?(?![\d%])")),
]
NUMBERS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
           "nine": 9, "ten": 10}


def _month(name: str) -> int:
    return MONTHS[name.lower().rstrip(".")]


def _add_months(d: date, n: int) -> date:
    m = d.month - 1 + n
    return date(d.year + m // 12, m % 12 + 1, 1)


@lru_cache(maxsize=4096)
def _numeric(text: str) -> date | None:
    import dateparser

    got = dateparser.parse(text, languages=["en"], settings={"PREFER_DAY_OF_MONTH": "first"})
    return got.date() if got else None


def anchor_of(published: PublishedDate) -> tuple[date | None, Precision]:
    """The article date as a `date` and its precision (None when unknown)."""
    if not published.date or published.precision == "unknown":
        return None, "unknown"
    try:
        return date.fromisoformat(published.date[:10]), published.precision
    except ValueError:
        return None, "unknown"


def find_timexes(text: str, published: PublishedDate, doc: Doc | None = None) -> list[TimeExpression]:
    """Every dated expression in `text`, resolved against `published`; spans never overlap."""
    anchor, anchor_prec = anchor_of(published)
    taken = bytearray(len(text) + 1)
    out: list[TimeExpression] = []
    for rule, pat in PATTERNS:
        for m in pat.finditer(text):
            s, e = m.start(), m.end()
            if any(taken[s:e]):
                continue
            got = _resolve(rule, m, text, anchor, anchor_prec, doc)
            if got is None:
                continue
            value, precision, rule_name = got
            last = text[s:e - 1].split()[-1] if text[e - 1] == "." else ""
            if last.lower() in FULL_MONTHS:
                e -= 1  # "in March." ends a sentence; "Feb." keeps its abbreviation point
            taken[s:e] = b"\x01" * (e - s)
            out.append(TimeExpression(s, e, text[s:e], value, precision, rule_name))
    out.sort(key=lambda t: t.start)
    return out


def _future(text: str, pos: int, doc: Doc | None) -> bool:
    """Whether the clause around `pos` speaks of the future ("will meet on Monday")."""
    # The clause so far: back to the previous sentence end (cheaper than the parse's sentences).
    start = max(text.rfind(". ", 0, pos), text.rfind("\n", 0, pos), 0)
    return any(w in FUTURE for w in re.findall(r"[\w']+", text[start:pos].lower()))


def _resolve(rule: str, m: re.Match[str], text: str, anchor: date | None, prec: Precision,
             doc: Doc | None) -> tuple[str | None, Precision, str] | None:
    g = m.groupdict()
    try:
        if rule in {"absolute-mdy", "absolute-dmy"}:
            d = date(int(g["year"]), _month(g["mon"]), int(re.sub(r"\D", "", g["day"])))
            return d.isoformat(), "day", "absolute"
        if rule == "numeric":
            got = _numeric(g["num"])
            return (got.isoformat(), "day", "absolute-numeric") if got else None
        if rule == "month-year":
            return iso_at_precision(date(int(g["year"]), _month(g["mon"]), 1), "month"), "month", "absolute-month"
        if rule == "year":
            if int(g["year"]) > 2100:
                return None
            return f"{int(g['year']):04d}-01-01", "year", "absolute-year"
    except ValueError:
        return None
    if rule in {"month-day", "day-month"} and g["mon"].rstrip(".").lower() == "may" and rule == "day-month":
        return None
    needs_year = anchor is None or prec == "unknown"
    if rule == "month-rel-year":
        if needs_year:
            return None, "unknown", "month-relative-year-no-anchor"
        assert anchor is not None
        year = anchor.year + {"last": -1, "this": 0, "next": 1}[g["rel"].lower()]
        return iso_at_precision(date(year, _month(g["mon"]), 1), "month"), "month", "month-relative-year"
    if rule == "rel-month-name":
        if needs_year:
            return None, "unknown", "relative-month-no-anchor"
        assert anchor is not None
        mon = _month(g["mon"])
        rel = g["rel"].lower()
        year = anchor.year
        if rel == "last" and mon >= anchor.month:
            year -= 1
        if rel == "next" and mon <= anchor.month:
            year += 1
        return iso_at_precision(date(year, mon, 1), "month"), "month", f"{rel}-month-name"
    if rule in {"month-day", "day-month"}:
        if needs_year or prec == "year":
            return None, "unknown", "month-day-no-year"
        assert anchor is not None
        try:
            d = date(anchor.year, _month(g["mon"]), int(re.sub(r"\D", "", g["day"])))
        except ValueError:
            return None
        # A date well after the article date belongs to the previous year, unless the
        # clause is about the future.
        if d > anchor + timedelta(days=31) and not _future(text, m.start(), doc):
            d = d.replace(year=d.year - 1)
        return d.isoformat(), "day", "month-day-anchor-year"
    if rule == "in-month":
        if needs_year or prec == "year":
            return None, "unknown", "month-no-year"
        assert anchor is not None
        mon = _month(g["mon"])
        year = anchor.year
        if mon > anchor.month and not _future(text, m.start(), doc):
            year -= 1
        if mon < anchor.month and _future(text, m.start(), doc):
            year += 1
        return iso_at_precision(date(year, mon, 1), "month"), "month", "month-before-anchor"
    if rule == "weekday":
        if needs_year or prec != "day":
            return None, "unknown", "weekday-no-anchor"
        assert anchor is not None
        wd = WEEKDAYS[g["wd"].lower()]
        rel = (g.get("rel") or "").lower()
        back = (anchor.weekday() - wd) % 7
        if rel in {"last", "previous"} and back == 0:
            back = 7
        if rel == "next" or (rel != "last" and _future(text, m.start(), doc)):
            fwd = (wd - anchor.weekday()) % 7 or 7
            return (anchor + timedelta(days=fwd)).isoformat(), "day", "weekday-after-anchor"
        return (anchor - timedelta(days=back)).isoformat(), "day", "weekday-before-anchor"
    if rule == "relative-day":
        if needs_year or prec != "day":
            return None, "unknown", "relative-day-no-anchor"
        assert anchor is not None
        shift = {"yesterday": -1, "today": 0, "tomorrow": 1}[g["word"].lower()]
        return (anchor + timedelta(days=shift)).isoformat(), "day", f"relative-day-{g['word'].lower()}"
    if rule == "relative-period":
        unit = g["unit"].lower()
        rel = g["rel"].lower()
        step = {"last": -1, "past": -1, "previous": -1, "this": 0, "next": 1, "coming": 1}[rel]
        if needs_year or (unit != "year" and prec == "year") or (unit == "week" and prec != "day"):
            return None, "unknown", f"{rel}-{unit}-no-anchor"
        assert anchor is not None
        if unit == "year":
            return f"{anchor.year + step:04d}-01-01", "year", f"{rel}-year"
        if unit == "month":
            return iso_at_precision(_add_months(anchor.replace(day=1), step), "month"), "month", f"{rel}-month"
        # A week has no precision of its own: the month it falls in, when it is one month.
        monday = anchor - timedelta(days=anchor.weekday()) + timedelta(days=7 * step)
        sunday = monday + timedelta(days=6)
        if monday.month == sunday.month:
            return iso_at_precision(monday, "month"), "month", f"{rel}-week"
        return iso_at_precision(monday, "month"), "month", f"{rel}-week-spans-months"
    if rule == "ago":
        n = NUMBERS.get(g["n"].lower()) or int(g["n"])
        unit = g["unit"].lower()
        if needs_year:
            return None, "unknown", f"{unit}s-ago-no-anchor"
        assert anchor is not None
        if unit == "year":
            return f"{anchor.year - n:04d}-01-01", "year", "years-ago"
        if unit == "month":
            return iso_at_precision(_add_months(anchor.replace(day=1), -n), "month"), "month", "months-ago"
        if prec != "day":
            return None, "unknown", f"{unit}s-ago-no-anchor"
        days = n * (7 if unit == "week" else 1)
        return (anchor - timedelta(days=days)).isoformat(), "day" if unit == "day" else "month", f"{unit}s-ago"
    return None


def expressions_in(timexes: Iterable[TimeExpression], start: int, end: int) -> list[TimeExpression]:
    """The time expressions inside body span `[start, end)` (for a sentence or clause)."""
    return [t for t in timexes if t.start >= start and t.end <= end]

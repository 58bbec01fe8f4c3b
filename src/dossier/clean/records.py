"""Records emitted by the clean stage: article body, offset map and metadata."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

Precision = Literal["day", "month", "year", "unknown"]


def iso_at_precision(d: date, precision: Precision) -> str:
    """Write `d` the gold way: month precision as YYYY-MM-01, year precision as YYYY-01-01."""
    if precision == "year":
        return f"{d.year:04d}-01-01"
    if precision == "month":
        return f"{d.year:04d}-{d.month:02d}-01"
    return d.isoformat()


@dataclass(frozen=True, slots=True)
class OffsetMap:
    """Maps character offsets of the cleaned body back into the raw input.

    `segments` are sorted `(body_start, raw_start, length)` triples: within a segment,
    `body[b:b+n] == raw[r:r+n]` character for character. Body characters that fall
    between segments (text produced by unescaping entities or joining lines) map to the
    raw text between the neighbouring segments, so a mapped span always covers the raw
    text it came from, and `start <= end`.
    """

    segments: tuple[tuple[int, int, int], ...] = ()
    _starts: tuple[int, ...] = field(init=False, repr=False, compare=False, default=())

    def __post_init__(self) -> None:
        # Cached for bisect: to_raw is called for every mention and fact.
        object.__setattr__(self, "_starts", tuple(seg[0] for seg in self.segments))

    def to_raw(self, body_start: int, body_end: int) -> tuple[int, int]:
        """Return the raw `(start, end)` span covering `body[body_start:body_end]`."""
        return self._point(body_start, is_end=False), self._point(body_end, is_end=True)

    def _point(self, pos: int, *, is_end: bool) -> int:
        if not self.segments:
            return pos
        i = bisect.bisect_right(self._starts, pos) - 1
        if i < 0:  # before the first segment
            return self.segments[0][1]
        b, r, n = self.segments[i]
        if pos < b + n or (is_end and pos == b + n):
            return r + (pos - b)
        # In the gap after segment i: a start reaches back to the segment's end, an end
        # forward to the next segment's start, so the span covers the raw text between.
        if not is_end or i + 1 == len(self.segments):
            return r + n
        return self.segments[i + 1][1]


@dataclass(frozen=True, slots=True)
class PublishedDate:
    """The story's publication date, with how precise it is and how it was found.

    `date` is ISO `YYYY-MM-DD`; month precision is written `YYYY-MM-01` and year
    precision `YYYY-01-01`; `None` with precision `unknown` when the text gives no year.
    """

    date: str | None
    precision: Precision
    basis: str


@dataclass(frozen=True, slots=True)
class CleanArticle:
    """An article's body and metadata. `body` is what every later stage reads."""

    doc_id: str
    name: str
    source: str
    raw: str
    media_type: str
    body: str
    offsets: OffsetMap
    published: PublishedDate
    title: str | None = None
    outlet: str | None = None
    site_name: str | None = None  # outlet without the wire credit
    wire: str | None = None  # "Reuters", "AFP", "EFE", ...
    authors: tuple[str, ...] = ()
    credits: tuple[str, ...] = ()  # "Reporting by ... Editing by ..." lines, verbatim
    url: str | None = None
    language: str | None = None
    boilerplate: tuple[str, ...] = ()  # lines dropped from the body, verbatim
    hints: dict[str, str] = field(default_factory=dict)

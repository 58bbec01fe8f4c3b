"""Records emitted by the clean stage: article body, offset map and metadata."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Literal

Precision = Literal["day", "month", "year", "unknown"]


@dataclass(frozen=True, slots=True)
class OffsetMap:
    """Maps character offsets of the cleaned body back into the raw input.

    `segments` are sorted `(body_start, raw_start, length)` triples: within a segment,
    `body[b:b+n] == raw[r:r+n]` character for character. Body characters that fall
    between segments (text produced by unescaping entities or joining lines) map to the
    nearest segment boundary, so a mapped span always covers the raw text it came from.
    """

    segments: tuple[tuple[int, int, int], ...] = ()

    def to_raw(self, body_start: int, body_end: int) -> tuple[int, int]:
        """Return the raw `(start, end)` span covering `body[body_start:body_end]`."""
        return self._point(body_start, is_end=False), self._point(body_end, is_end=True)

    def _point(self, pos: int, *, is_end: bool) -> int:
        if not self.segments:
            return pos
        starts = [seg[0] for seg in self.segments]
        i = bisect.bisect_right(starts, pos) - 1
        if i >= 0:
            b, r, n = self.segments[i]
            if pos <= b + n and (pos < b + n or is_end):
                return r + (pos - b)
        # pos falls in a gap: a start snaps forward to the next segment, an end back.
        if is_end:
            b, r, n = self.segments[max(i, 0)]
            return r + min(n, max(0, pos - b))
        nxt = self.segments[min(i + 1, len(self.segments) - 1)]
        return nxt[1]


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

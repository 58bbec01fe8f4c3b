"""Records of the fuse stage: what it reads from the store and the clusters it builds."""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

PRECISION_RANK = {"day": 0, "month": 1, "year": 2, "unknown": 3}


def stable_id(prefix: str, parts: Iterable[str]) -> str:
    """Return `prefix` + 16 hex digits of SHA-1 over the sorted `parts` (order-free)."""
    digest = hashlib.sha1("\x1f".join(sorted(parts)).encode("utf-8")).hexdigest()
    return f"{prefix}{digest[:16]}"


@functools.lru_cache(maxsize=65536)
def date_interval(date: dt.date | None, precision: str) -> tuple[dt.date, dt.date] | None:
    """Return the first and last day a date at `precision` covers; None when unknown.

    Month precision is stored as the first of the month, year precision as 1 January.
    """
    if date is None or precision == "unknown":
        return None
    if precision == "month":
        last = calendar.monthrange(date.year, date.month)[1]
        return date.replace(day=1), date.replace(day=last)
    if precision == "year":
        return dt.date(date.year, 1, 1), dt.date(date.year, 12, 31)
    return date, date


def interval_gap(a: tuple[dt.date, dt.date], b: tuple[dt.date, dt.date]) -> int:
    """Return the days between two intervals (0 when they overlap)."""
    return max(0, (b[0] - a[1]).days, (a[0] - b[1]).days)


@dataclass(frozen=True, slots=True)
class Doc:
    """A taking-part document: ok status and not superseded by a newer version."""

    doc_id: str
    name: str
    outlet: str | None
    published: dt.date | None


@dataclass(frozen=True, slots=True)
class Party:
    """An event participant resolved to its canonical entity (or free text)."""

    key: str  # canonical entity_id, or "text:<lower name>"
    entity_id: str | None
    name: str
    country: str | None


@dataclass(frozen=True, slots=True)
class EventRow:
    """One extracted event with its canonical participants and evidence."""

    event_id: str
    doc_id: str
    type: str
    mode: str | None
    date: dt.date | None
    precision: str
    place: str | None
    negated: bool
    source: str | None
    evidence_id: str
    evidence: str
    extra_evidence: tuple[tuple[str, str], ...]  # (evidence_id, text) beyond the main sentence
    actors: tuple[Party, ...]
    targets: tuple[Party, ...]

    @property
    def interval(self) -> tuple[dt.date, dt.date] | None:
        """The days this event's date covers at its precision."""
        return date_interval(self.date, self.precision)


@dataclass(frozen=True, slots=True)
class FigureRow:
    """One extracted figure with its evidence sentence."""

    figure_id: str
    doc_id: str
    value: float
    qualifier: str | None
    unit: str | None
    category: str
    subject: str | None
    as_of: dt.date | None
    as_of_precision: str
    evidence_id: str
    evidence: str  # "" when read for regrouping only (fuse.inputs.load_keyed_figures)
    # Countries it can be about: those of the places named in its own sentence, else its
    # document's main countries (share of the document's place mentions).
    countries: tuple[str, ...] = ()
    # Content words of its subject (fuse.figures.content_words; the document's place names left out).
    words: frozenset[str] = frozenset()

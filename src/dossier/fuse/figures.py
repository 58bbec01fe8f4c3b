"""Figure series: the same measure (a death toll, an arrest count) reported over time.

Figures join when they have the same category, the same unit class and similar subjects.
Subjects are compared on their content words: stop words and the words listed in
data/fuse/figure_words.txt (what is counted, qualifiers, months) are dropped, and two
subjects match when the share of the smaller word set found in the other (tokens compared
with rapidfuzz, so "protest"/"protests" and transliterations match) reaches
`fuse.figure_subject_threshold` percent. Two subjects with no content words left match
each other; one with and one without do not. A series is a connected component of matches,
so the result does not depend on document order.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from rapidfuzz import fuzz

from dossier.fuse.config import FuseConfig
from dossier.fuse.records import Doc, FigureRow, date_interval, stable_id

_TOKEN = re.compile(r"[^\W\d_]+(?:[-'][^\W\d_]+)*", re.UNICODE)


def unit_class(unit: str | None, config: FuseConfig) -> str:
    """Return the comparable class of a unit ("civilians" and "people" are one class)."""
    if not unit:
        return ""
    u = " ".join(unit.lower().split())
    if u in config.unit_classes:
        return config.unit_classes[u]
    if u.endswith("s") and u[:-1] in config.unit_classes:
        return config.unit_classes[u[:-1]]
    return u[:-1] if u.endswith("s") and len(u) > 3 else u


def content_words(subject: str | None, config: FuseConfig) -> frozenset[str]:
    """Return the words of a subject that say which measure it is."""
    if not subject:
        return frozenset()
    out = set()
    for tok in _TOKEN.findall(subject.lower()):
        tok = re.sub(r"'s?$", "", tok)
        if len(tok) > 1 and tok not in config.subject_stopwords:
            out.add(tok)
    return frozenset(out)


def subject_score(a: frozenset[str], b: frozenset[str]) -> float:
    """Percent of the smaller word set matched (rapidfuzz ratio >= 85) in the other; 100 when both empty."""
    if not a and not b:
        return 100.0
    if not a or not b:
        return 0.0
    small, big = (a, b) if (len(a), sorted(a)) <= (len(b), sorted(b)) else (b, a)
    hit = sum(1 for w in small if w in big or any(fuzz.ratio(w, o) >= 85 for o in big))
    return 100.0 * hit / len(small)


@dataclass(frozen=True, slots=True)
class Series:
    """Figures of one measure from several documents, ordered by as_of."""

    series_id: str
    category: str
    unit: str | None
    subject: str | None
    members: tuple[FigureRow, ...]
    backwards: frozenset[str]  # figure_ids lower than a value of an earlier as_of
    trend: str


def _components(items: list[FigureRow], words: dict[str, frozenset[str]], threshold: float) -> list[list[FigureRow]]:
    # Compare distinct word sets once; figures with equal word sets are one node.
    by_words: dict[frozenset[str], list[FigureRow]] = defaultdict(list)
    for f in items:
        by_words[words[f.figure_id]].append(f)
    keys = sorted(by_words, key=lambda k: sorted(k))
    parent = list(range(len(keys)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i in range(len(keys)):
        for j in range(i + 1, len(keys)):
            if subject_score(keys[i], keys[j]) >= threshold:
                a, b = find(i), find(j)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    groups: dict[int, list[FigureRow]] = defaultdict(list)
    for i, k in enumerate(keys):
        groups[find(i)].extend(by_words[k])
    return list(groups.values())


def _as_of_key(f: FigureRow) -> tuple[bool, dt.date, float, str]:
    return (f.as_of is None, f.as_of or dt.date.max, f.value, f.figure_id)


def _backwards(members: list[FigureRow]) -> tuple[frozenset[str], str]:
    dated = [(f, date_interval(f.as_of, f.as_of_precision)) for f in members]
    dated_ok = [(f, iv) for f, iv in dated if iv is not None]
    back = set()
    for f, iv in dated_ok:
        earlier = [g.value for g, giv in dated_ok if giv[1] < iv[0]]
        if earlier and f.value < max(earlier):
            back.add(f.figure_id)
    if len({iv for _, iv in dated_ok}) < 2:
        return frozenset(back), "undated"
    first = max(f.value for f, iv in dated_ok if iv == dated_ok[0][1])
    last = max(f.value for f, iv in dated_ok if iv == dated_ok[-1][1])
    rises = any(
        g.value > f.value for f, iv in dated_ok for g, giv in dated_ok if iv[1] < giv[0]
    )
    if back:
        trend = "mixed" if rises else "falling"
    elif last > first:
        trend = "rising"
    else:
        trend = "flat" if not rises else "rising"
    return frozenset(back), trend


def build_series(figures: list[FigureRow], config: FuseConfig) -> list[Series]:
    """Return every series of figures from at least `series_min_documents` documents."""
    blocks: dict[tuple[str, str], list[FigureRow]] = defaultdict(list)
    for f in figures:
        blocks[(f.category, unit_class(f.unit, config))].append(f)
    words = {f.figure_id: content_words(f.subject, config) for f in figures}
    out = []
    for (category, _), items in sorted(blocks.items()):
        for comp in _components(items, words, config.figure_subject_threshold):
            if len({f.doc_id for f in comp}) < config.series_min_documents:
                continue
            members = sorted(comp, key=_as_of_key)
            back, trend = _backwards(members)
            out.append(
                Series(
                    series_id=stable_id("fs_", (f.figure_id for f in members)),
                    category=category,
                    unit=_common(f.unit for f in members),
                    subject=_common(f.subject for f in members),
                    members=tuple(members),
                    backwards=back,
                    trend=trend,
                )
            )
    return sorted(out, key=lambda s: s.series_id)


def _common(values: object) -> str | None:
    counts = Counter(v for v in values if v)  # type: ignore[attr-defined]
    return min(counts, key=lambda v: (-counts[v], v)) if counts else None


@dataclass(frozen=True, slots=True)
class FigureConflict:
    """Two groups of figures of one series and one as_of with different values."""

    series: Series
    a: tuple[FigureRow, ...]
    b: tuple[FigureRow, ...]


def _differ(a: FigureRow, b: FigureRow, config: FuseConfig) -> bool:
    approx = {"about", "around", "nearly", "almost", "approximately", "some"}
    tol = config.figure_value_tolerance
    if (a.qualifier or "").lower() in approx or (b.qualifier or "").lower() in approx:
        tol = max(tol, config.figure_about_tolerance)
    return abs(a.value - b.value) > tol * max(abs(a.value), abs(b.value))


def figure_conflicts(
    series: list[Series], config: FuseConfig, source_group: dict[str, str], docs: dict[str, Doc]
) -> list[FigureConflict]:
    """Return disagreeing values for the same measure and the same day or month."""
    out = []
    for s in series:
        by_date: dict[tuple[dt.date, str], list[FigureRow]] = defaultdict(list)
        for f in s.members:
            if f.as_of is not None and f.as_of_precision in ("day", "month"):
                by_date[(f.as_of, f.as_of_precision)].append(f)
        for _, figs in sorted(by_date.items()):
            # Values within tolerance of the group's first value form one side.
            sides: list[list[FigureRow]] = []
            for f in sorted(figs, key=lambda x: (x.value, x.figure_id)):
                if sides and not _differ(sides[-1][0], f, config):
                    sides[-1].append(f)
                else:
                    sides.append([f])
            for i in range(len(sides)):
                for j in range(i + 1, len(sides)):
                    ga = {source_group.get(f.doc_id, f.doc_id) for f in sides[i]}
                    gb = {source_group.get(f.doc_id, f.doc_id) for f in sides[j]}
                    if ga == gb and len(ga) == 1:
                        continue  # one source (or copies of it) correcting itself
                    out.append(FigureConflict(s, tuple(sides[i]), tuple(sides[j])))
    return out

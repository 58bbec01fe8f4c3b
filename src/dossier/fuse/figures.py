"""Figure series: the same measure (a death toll, an arrest count) reported over time.

Figures are compared inside blocks of the same category, unit class and scope:
- unit class: data/fuse/units.toml ("people", "civilians", "protesters" are one class); a
  sub-population named in the unit or subject ("women", "children") is a class of its own;
- scope: a running total ("883 people have been killed since the coup") or the count of one
  occasion ("114 people killed on Saturday"), from data/fuse/figure_scope.toml.
Inside a block, each figure gets a context country: the country of the places named in its
own sentence, else the one of its document's main countries that most figures of the block
share (so a Moscow-datelined story about Myanmar's toll still counts for Myanmar, and the
Gaza toll never joins the Sudan toll). Within one context, subjects only split clearly
different measures: their content words (stop words, data/fuse/figure_words.txt and the
document's place names dropped) must match (`fuse.figure_subject_threshold`) when both
have some; a bare subject ("people killed") joins the largest matching group of its
context. Occasion counts also need compatible dates (the same occasion). Every choice is
made on the whole block with sorted keys, so the result does not depend on document order.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from rapidfuzz import fuzz

from dossier.fuse.config import FuseConfig
from dossier.fuse.records import Doc, FigureRow, date_interval, interval_gap, stable_id

_TOKEN = re.compile(r"[^\W\d_]+(?:[-'][^\W\d_]+)*", re.UNICODE)


def _singular(word: str) -> str:
    return word[:-1] if word.endswith("s") and len(word) > 3 else word


def unit_class(unit: str | None, config: FuseConfig, subject: str | None = None) -> str:
    """Return the comparable class of a unit ("civilians" and "people" are one class).

    A sub-population named in the unit or the subject ("women", "children") is its own class.
    """
    u = " ".join((unit or "").lower().split())
    words = set(_TOKEN.findall(f"{u} {(subject or '').lower()}"))
    subs = sorted(w for w in words if w in config.subpopulations)
    if subs:
        return "sub:" + _singular(subs[0])
    if not u:
        return ""
    if u in config.unit_classes:
        return config.unit_classes[u]
    if u.endswith("s") and u[:-1] in config.unit_classes:
        return config.unit_classes[u[:-1]]
    return _singular(u)


def figure_scope(f: FigureRow, config: FuseConfig) -> str:
    """Return "total" for a running total, "occasion" for the count of one occasion."""
    sc = config.scope
    subject = " ".join(_TOKEN.findall((f.subject or "").lower()))
    if any(_has_phrase(subject, w) for w in sc.occasion_subject):
        return "occasion"
    sentence = " ".join(f.evidence.lower().split())
    if any(p.search(sentence) for p in sc.cumulative):
        return "total"
    plain = " ".join(_TOKEN.findall(sentence))
    if any(_has_phrase(plain, w) for w in sc.occasion_sentence):
        return "occasion"
    return "total"


def _has_phrase(text: str, phrase: str) -> bool:
    return f" {phrase} " in f" {text} "


def block_key(f: FigureRow, config: FuseConfig) -> str:
    """Return the block a figure is compared in: category, unit class and scope."""
    return f"{f.category}|{unit_class(f.unit, config, f.subject)}|{figure_scope(f, config)}"


def content_words(subject: str | None, config: FuseConfig, drop: frozenset[str] = frozenset()) -> frozenset[str]:
    """Return the words of a subject that say which measure it is (words in `drop` left out)."""
    if not subject:
        return frozenset()
    out = set()
    for tok in _TOKEN.findall(subject.lower()):
        tok = re.sub(r"'s?$", "", tok)
        if len(tok) > 1 and tok not in config.subject_stopwords and tok not in drop:
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


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _context(items: list[FigureRow]) -> dict[str, str]:
    """Return figure_id -> context country ("" when none is known), chosen on the whole block."""
    freq: Counter[str] = Counter()
    for f in items:
        freq.update(set(f.countries))
    out = {}
    for f in items:
        options = f.countries
        out[f.figure_id] = min(options, key=lambda c: (-freq[c], c)) if options else ""
    return out


def _group(items: list[FigureRow], config: FuseConfig, occasion: bool) -> list[list[FigureRow]]:
    """Split one context of one block into measures (see the module docstring)."""
    words = {f.figure_id: f.words for f in items}
    gap = config.max_date_gap_days
    # Nodes: figures with equal word sets (and, for occasions, equal dates) are one node.
    nodes: dict[tuple[frozenset[str], tuple[dt.date, dt.date] | None], list[FigureRow]] = defaultdict(list)
    for f in items:
        iv = date_interval(f.as_of, f.as_of_precision) if occasion else None
        nodes[(words[f.figure_id], iv)].append(f)
    keys = sorted(nodes, key=lambda k: (sorted(k[0]), k[1] or (dt.date.min, dt.date.min)))

    def dates_ok(a: tuple[dt.date, dt.date] | None, b: tuple[dt.date, dt.date] | None) -> bool:
        if not occasion:
            return True
        return a is not None and b is not None and interval_gap(a, b) <= gap

    full = [i for i, k in enumerate(keys) if k[0]]
    bare = [i for i, k in enumerate(keys) if not k[0]]
    uf = _UnionFind(len(keys))
    threshold = config.figure_subject_threshold
    dated: list[int] = []
    starts: list[dt.date] = []
    longest = 0
    if occasion:
        # Only nodes with dates that fit can join: compare along the start order, not all pairs.
        spans = {i: iv for i in full if (iv := keys[i][1]) is not None}
        dated = sorted(spans, key=lambda i: (spans[i], i))
        starts = [spans[i][0] for i in dated]
        longest = max(((spans[i][1] - spans[i][0]).days for i in dated), default=0)
        for x, i in enumerate(dated):
            iv = keys[i][1]
            assert iv is not None
            stop = bisect.bisect_right(starts, iv[1] + dt.timedelta(days=gap))
            for j in dated[x + 1 : stop]:
                if dates_ok(iv, keys[j][1]) and subject_score(keys[i][0], keys[j][0]) >= threshold:
                    uf.union(i, j)
    else:
        for x, i in enumerate(full):
            for j in full[x + 1 :]:
                if subject_score(keys[i][0], keys[j][0]) >= threshold:
                    uf.union(i, j)
    comps: dict[int, list[int]] = defaultdict(list)
    for i in full:
        comps[uf.find(i)].append(i)

    def size(root: int) -> tuple[int, int, str]:
        figs = [f for i in comps[root] for f in nodes[keys[i]]]
        return (-len({f.doc_id for f in figs}), -len(figs), min(f.figure_id for f in figs))

    ranked = {root: n for n, root in enumerate(sorted(comps, key=size))}  # decided before bare subjects join
    root_of = {i: uf.find(i) for i in full}
    loose = []
    for i in bare:
        # A bare subject joins the first-ranked group it fits (for occasions: a member of fitting date).
        if not occasion:
            fit = list(ranked)
        else:
            iv = keys[i][1]
            if iv is None:
                continue
            lo = bisect.bisect_left(starts, iv[0] - dt.timedelta(days=gap + longest))
            hi = bisect.bisect_right(starts, iv[1] + dt.timedelta(days=gap))
            fit = [root_of[j] for j in dated[lo:hi] if dates_ok(iv, keys[j][1])]
        if fit:
            uf.union(i, min(fit, key=ranked.__getitem__))
        else:
            loose.append(i)
    # Bare subjects that fit no group: one group per run of fitting dates (all of them for totals).
    if not occasion:
        for i in loose[1:]:
            uf.union(loose[0], i)
    else:
        end: dt.date | None = None
        prev = -1
        loose_spans = {i: iv for i in loose if (iv := keys[i][1]) is not None}
        for i in sorted(loose_spans, key=lambda i: (loose_spans[i], i)):
            iv = loose_spans[i]
            if end is not None and (iv[0] - end).days <= gap:
                uf.union(prev, i)
            end = iv[1] if end is None else max(end, iv[1])
            prev = i
    groups: dict[int, list[FigureRow]] = defaultdict(list)
    for i, k in enumerate(keys):
        groups[uf.find(i)].extend(nodes[k])
    return list(groups.values())


def group_block(items: list[FigureRow], config: FuseConfig, block: str) -> list[list[FigureRow]]:
    """Split the figures of one block (`block`, their `block_key`) into measures."""
    # The scope is read from the key: figures read for regrouping carry no sentence.
    occasion = block.rsplit("|", 1)[-1] == "occasion"
    ctx = _context(items)
    by_ctx: dict[str, list[FigureRow]] = defaultdict(list)
    for f in items:
        by_ctx[ctx[f.figure_id]].append(f)
    out = []
    for key in sorted(by_ctx):
        out.extend(_group(sorted(by_ctx[key], key=lambda f: f.figure_id), config, occasion))
    return out


def _as_of_key(f: FigureRow) -> tuple[bool, dt.date, float, str]:
    return (f.as_of is None, f.as_of or dt.date.max, f.value, f.figure_id)


def _backwards(members: list[FigureRow]) -> tuple[frozenset[str], str]:
    """Return the figures lower than a value of an earlier as_of, and the trend (O(n log n))."""
    dated = [(f, iv) for f in members if (iv := date_interval(f.as_of, f.as_of_precision)) is not None]
    if len({iv for _, iv in dated}) < 2:
        return frozenset(), "undated"
    by_end = sorted(dated, key=lambda x: x[1][1])
    ends = [iv[1] for _, iv in by_end]
    run_max: list[float] = []
    run_min: list[float] = []
    for f, _ in by_end:
        run_max.append(max(run_max[-1], f.value) if run_max else f.value)
        run_min.append(min(run_min[-1], f.value) if run_min else f.value)
    back = set()
    rises = False
    for f, iv in dated:
        n = bisect.bisect_left(ends, iv[0])  # members whose interval ends before this one starts
        if n:
            if f.value < run_max[n - 1]:
                back.add(f.figure_id)
            if f.value > run_min[n - 1]:
                rises = True
    first = max(f.value for f, iv in dated if iv == dated[0][1])
    last = max(f.value for f, iv in dated if iv == dated[-1][1])
    if back:
        trend = "mixed" if rises else "falling"
    elif last > first:
        trend = "rising"
    else:
        trend = "flat" if not rises else "rising"
    return frozenset(back), trend


def block_keys(figures: list[FigureRow], config: FuseConfig) -> dict[str, str]:
    """Return figure_id -> `block_key`, computed once per distinct (category, unit, subject, sentence)."""
    memo: dict[tuple[str, str | None, str | None, str], str] = {}
    out = {}
    for f in figures:
        k = (f.category, f.unit, f.subject, f.evidence)
        if k not in memo:
            memo[k] = block_key(f, config)
        out[f.figure_id] = memo[k]
    return out


def build_series(figures: list[FigureRow], config: FuseConfig, keys: dict[str, str] | None = None) -> list[Series]:
    """Return every series of figures from at least `series_min_documents` documents."""
    keys = block_keys(figures, config) if keys is None else keys
    blocks: dict[str, list[FigureRow]] = defaultdict(list)
    for f in figures:
        blocks[keys[f.figure_id]].append(f)
    out = []
    for block, items in sorted(blocks.items()):
        for comp in group_block(items, config, block):
            if len({f.doc_id for f in comp}) < config.series_min_documents:
                continue
            members = sorted(comp, key=_as_of_key)
            back, trend = _backwards(members)
            out.append(
                Series(
                    # Its smallest figure_id: unique, and kept as later figures join the series.
                    series_id=stable_id("fs_", (min(f.figure_id for f in members),)),
                    category=members[0].category,
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
    series: list[Series], config: FuseConfig, source_group: Mapping[str, str], docs: Mapping[str, Doc]
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

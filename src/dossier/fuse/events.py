"""Event fusion: the same real-world event reported by several articles becomes one.

Events fuse when they have the same type and `negated`, compatible modes, compatible
participants and compatible dates (rules in docs/views.md, "fused_events"). Clusters are
built greedily in a fixed order (finest precision first, then date, then event_id), with
complete linkage (a new member must be compatible with every member), so the result never
depends on the order documents were stored, and a coarse date ("2021") cannot bridge two
different visits.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from dossier.fuse.config import FuseConfig
from dossier.fuse.records import PRECISION_RANK, Doc, EventRow, Party, date_interval, interval_gap, stable_id


def participants_compatible(a: EventRow, b: EventRow, symmetric: frozenset[str]) -> bool:
    """Return True when two events can be about the same participants.

    Aligned roles: a shared actor and targets not disjoint (when both have targets), or a
    shared target and actors not disjoint. For symmetric types ("talks between X and Y")
    roles may be swapped: two shared participants (or all of the smaller side) suffice.
    """
    return _signatures_compatible(_signature(a), _signature(b), a.type in symmetric)


# What participants_compatible looks at: linked actor keys and linked target keys.
_Signature = tuple[frozenset[str], frozenset[str]]


def _signature(ev: EventRow) -> _Signature:
    return _keys(ev.actors), _keys(ev.targets)


def _signatures_compatible(a: _Signature, b: _Signature, symmetric: bool) -> bool:
    (a_act, a_tg), (b_act, b_tg) = a, b
    if a_act & b_act and (not a_tg or not b_tg or a_tg & b_tg):
        return True
    if a_tg & b_tg and (not a_act or not b_act or a_act & b_act):
        return True
    if symmetric:
        pa, pb = a_act | a_tg, b_act | b_tg
        need = min(2, len(pa), len(pb))
        return need > 0 and len(pa & pb) >= need
    return False


def _keys(parties: Iterable[Party]) -> frozenset[str]:
    # Free-text participants ("people", "the delegation") never link two reports.
    return frozenset(p.key for p in parties if p.entity_id)


@dataclass(slots=True)
class _Cluster:
    pos: int
    first: EventRow
    members: list[EventRow] = field(default_factory=list)
    signatures: set[_Signature] = field(default_factory=set)  # distinct ones of the members
    docs: set[str] = field(default_factory=set)
    modes: set[str] = field(default_factory=set)
    lo: dt.date | None = None  # intersection of member intervals (None: all unknown)
    hi: dt.date | None = None
    # Publication dates of the undated members' documents: earliest, latest, and whether one
    # is unknown. Only a cluster with no dated member compares them (`_undated_fits`).
    first_published: dt.date | None = None
    last_published: dt.date | None = None
    unpublished: bool = False

    def add(self, ev: EventRow, signature: _Signature, docs: Mapping[str, Doc]) -> None:
        self.members.append(ev)
        self.signatures.add(signature)
        self.docs.add(ev.doc_id)
        if ev.mode:
            self.modes.add(ev.mode)
        iv = ev.interval
        if iv is not None:
            self.lo = iv[0] if self.lo is None else max(self.lo, iv[0])
            self.hi = iv[1] if self.hi is None else min(self.hi, iv[1])
            return
        published = docs[ev.doc_id].published
        if published is None:
            self.unpublished = True
        else:
            self.first_published = min(published, self.first_published or published)
            self.last_published = max(published, self.last_published or published)


def _compatible(
    ev: EventRow, signature: _Signature, cl: _Cluster, config: FuseConfig, docs: Mapping[str, Doc],
    memo: dict[tuple[bool, _Signature, _Signature], bool],
) -> bool:
    if ev.doc_id in cl.docs:
        return False  # the extractor already split one article's actions
    if ev.mode and cl.modes and cl.modes != {ev.mode}:
        return False
    iv = ev.interval
    gap = config.max_date_gap_days
    if iv is not None and cl.lo is not None and cl.hi is not None:
        if (iv[0] - cl.hi).days > gap or (cl.lo - iv[1]).days > gap:
            return False
    elif iv is None and not _undated_fits(ev, cl, config, docs):
        return False
    # Complete linkage, checked once per distinct participant signature of the members
    # (reports of one event mostly name the same participants).
    symmetric = ev.type in config.weights.symmetric
    for other in cl.signatures:
        pair = (symmetric, signature, other)
        ok = memo.get(pair)
        if ok is None:
            ok = memo[pair] = _signatures_compatible(signature, other, symmetric)
        if not ok:
            return False
    return True


def _undated_fits(ev: EventRow, cl: _Cluster, config: FuseConfig, docs: Mapping[str, Doc]) -> bool:
    """An undated report is news: it joins what happened shortly before it was published.

    It needs a known publication date; a dated cluster must fall within
    `unknown_attach_max_days` before it (never after), and an undated cluster's documents
    must all be published within that many days of it.
    """
    published = docs[ev.doc_id].published
    if published is None:
        return False
    window = config.unknown_attach_max_days
    gap = config.max_date_gap_days
    if cl.lo is not None and cl.hi is not None:
        return (cl.lo - published).days <= gap and (published - cl.hi).days <= window
    if cl.unpublished or cl.first_published is None or cl.last_published is None:
        return False
    return (published - cl.first_published).days <= window and (cl.last_published - published).days <= window


def cluster_events(events: list[EventRow], config: FuseConfig, docs: Mapping[str, Doc]) -> list[list[EventRow]]:
    """Group events into fused clusters; every event is in exactly one cluster."""
    order = sorted(events, key=cluster_order)
    clusters: list[_Cluster] = []
    # Clusters by (type, negated, participant, year of their first member; None = undated),
    # so a report is compared only with clusters of nearby years, not every cluster of an actor.
    index: dict[tuple[str, bool, str, int | None], list[int]] = defaultdict(list)
    memo: dict[tuple[bool, _Signature, _Signature], bool] = {}
    for ev in order:
        cand_ids: set[int] = set()
        for p in ev.actors + ev.targets:
            for year in _years(ev, docs, config):
                cand_ids.update(index.get((ev.type, ev.negated, p.key, year), ()))
        signature = _signature(ev)
        cands = [clusters[i] for i in sorted(cand_ids) if _compatible(ev, signature, clusters[i], config, docs, memo)]
        chosen: _Cluster | None = None
        if len(cands) == 1:
            chosen = cands[0]
        elif cands and ev.precision == "day":
            # A day-precise report goes to the nearest, best-matching cluster.
            chosen = min(cands, key=lambda c: (-_shared(ev, c), _distance(ev, c), c.first.event_id))
        # Coarser or unknown dates with several candidates are ambiguous: keep them apart.
        if chosen is None:
            chosen = _Cluster(pos=len(clusters), first=ev)
            clusters.append(chosen)
            iv = ev.interval
            for p in ev.actors + ev.targets:
                if iv is None:
                    index[(ev.type, ev.negated, p.key, None)].append(chosen.pos)
                else:
                    for year in range(iv[0].year, iv[1].year + 1):
                        index[(ev.type, ev.negated, p.key, year)].append(chosen.pos)
        chosen.add(ev, signature, docs)
    return [c.members for c in clusters]


def _years(ev: EventRow, docs: Mapping[str, Doc], config: FuseConfig) -> list[int | None]:
    """Index years where a compatible cluster can sit (its first member's year)."""
    iv = ev.interval
    if iv is not None:
        # A neighbouring year: date gaps across New Year, or a year-precision first member.
        return list(range(iv[0].year - 1, iv[1].year + 2))
    published = docs[ev.doc_id].published
    if published is None:
        return []
    back = (config.unknown_attach_max_days + 365) // 365
    return [None, *range(published.year - back - 1, published.year + 2)]


def _shared(ev: EventRow, cl: _Cluster) -> int:
    keys = {p.key for p in ev.actors + ev.targets}
    return max(len(keys & {p.key for p in m.actors + m.targets}) for m in cl.members)


def _distance(ev: EventRow, cl: _Cluster) -> int:
    iv = ev.interval
    if iv is None or cl.lo is None or cl.hi is None:
        return 10**6
    return interval_gap(iv, (min(cl.lo, cl.hi), max(cl.lo, cl.hi)))


@dataclass(frozen=True, slots=True)
class FusedEvent:
    """One fused event with everything the tables need."""

    fused_event_id: str
    type: str
    mode: str | None
    date: dt.date | None
    precision: str
    place: str | None
    negated: bool
    actors: tuple[Party, ...]
    targets: tuple[Party, ...]
    sources: tuple[str, ...]
    members: tuple[EventRow, ...]  # earliest report first
    doc_ids: tuple[str, ...]
    first_doc_id: str
    first_reported: dt.date | None

    @property
    def interval(self) -> tuple[dt.date, dt.date] | None:
        """The days `date` covers at `precision`."""
        return date_interval(self.date, self.precision)


def _most_common(values: Iterable[str | None]) -> str | None:
    counts = Counter(v for v in values if v)
    if not counts:
        return None
    return min(counts, key=lambda v: (-counts[v], v))


def cluster_order(e: EventRow) -> tuple[int, dt.date, str]:
    """The order clusters are built in: finest precision first, then date, then event_id."""
    return (PRECISION_RANK.get(e.precision, 3), e.date or dt.date.max, e.event_id)


def fused_id(members: Iterable[EventRow]) -> str:
    """Return the id of the fused event of `members`: a hash of its first event in cluster order.

    That event founded the cluster, so the id stays when later reports join it (an update
    rewrites only the new member rows), and it is unique, an event being in one cluster.
    """
    return stable_id("fe_", (min(members, key=cluster_order).event_id,))


def report_key(e: EventRow, docs: Mapping[str, Doc]) -> tuple[bool, dt.date, str, str]:
    """The order of a fused event's members: earliest published report first."""
    pub = docs[e.doc_id].published
    return (pub is None, pub or dt.date.max, e.doc_id, e.event_id)


def fuse(members: list[EventRow], docs: Mapping[str, Doc]) -> FusedEvent:
    """Summarise one cluster: best-resolved date, canonical participants, earliest report."""
    ordered = sorted(members, key=lambda e: report_key(e, docs))
    best_rank = min(PRECISION_RANK.get(e.precision, 3) for e in ordered)
    finest = [e for e in ordered if PRECISION_RANK.get(e.precision, 3) == best_rank and e.date is not None]
    if finest:
        counts = Counter(e.date for e in finest)
        date: dt.date | None = min(counts, key=lambda d: (-counts[d], d))
        precision = finest[0].precision
    else:
        date, precision = None, "unknown"
    role_count: dict[str, Counter[str]] = defaultdict(Counter)
    party: dict[str, Party] = {}
    first_seen: dict[str, tuple[int, int]] = {}
    for i, e in enumerate(ordered):
        for role, parties in (("actor", e.actors), ("target", e.targets)):
            for j, p in enumerate(parties):
                role_count[p.key][role] += 1
                party.setdefault(p.key, p)
                first_seen.setdefault(p.key, (i, j if role == "actor" else 100 + j))
    actors: list[Party] = []
    targets: list[Party] = []
    for key in sorted(party, key=lambda k: (-sum(role_count[k].values()), first_seen[k], k)):
        # A participant coded in both roles (swapped symmetric reports) keeps its majority role.
        (actors if role_count[key]["actor"] >= role_count[key]["target"] else targets).append(party[key])
    doc_ids = tuple(dict.fromkeys(e.doc_id for e in ordered))
    first = ordered[0]
    return FusedEvent(
        fused_event_id=fused_id(members),
        type=first.type,
        mode=_most_common(e.mode for e in ordered),
        date=date,
        precision=precision,
        place=_most_common(e.place for e in ordered),
        negated=first.negated,
        actors=tuple(actors),
        targets=tuple(targets),
        sources=tuple(sorted({e.source for e in ordered if e.source})),
        members=tuple(ordered),
        doc_ids=doc_ids,
        first_doc_id=first.doc_id,
        first_reported=docs[first.doc_id].published,
    )


def fuse_events(events: list[EventRow], config: FuseConfig, docs: Mapping[str, Doc]) -> list[FusedEvent]:
    """Cluster and summarise every event; sorted by fused_event_id."""
    fused = [fuse(members, docs) for members in cluster_events(events, config, docs)]
    return sorted(fused, key=lambda f: f.fused_event_id)


def _start_key(e: EventRow) -> tuple[dt.date, dt.date, str]:
    iv = e.interval
    assert iv is not None
    return (iv[0], iv[1], e.event_id)


def entity_keys(ev: EventRow) -> list[str]:
    """The canonical entity keys of an event's participants (what can link it to other reports)."""
    return sorted({p.key for p in ev.actors + ev.targets if p.entity_id})


def event_components(events: list[EventRow], config: FuseConfig, docs: Mapping[str, Doc]) -> dict[str, str]:
    """Return event_id -> component label (smallest event_id of the component).

    Two events are linked when they have the same type and `negated`, share a canonical
    participant and their dates could fit one fused event (dated: intervals at most
    `max_date_gap_days` apart; undated: published at most `unknown_attach_max_days` after a
    dated one, or within that many days of another undated one). Every fused event lies
    inside one component and `cluster_events` decides each component from its own events
    alone, so a refresh re-clusters only the components that new documents touch.
    """
    parent = {e.event_id: e.event_id for e in events}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    gap, window = config.max_date_gap_days, config.unknown_attach_max_days
    blocks: dict[tuple[str, bool, str], list[EventRow]] = defaultdict(list)
    for ev in events:
        for key in entity_keys(ev):
            blocks[(ev.type, ev.negated, key)].append(ev)
    for _, items in sorted(blocks.items()):
        dated = sorted((e for e in items if e.interval is not None), key=_start_key)
        undated = sorted(
            ((p, e) for e in items if e.interval is None and (p := docs[e.doc_id].published) is not None),
            key=lambda x: (x[0], x[1].event_id),
        )
        # Dated: an interval graph; a sweep in start order with the running end finds its
        # components, each a run of consecutive events (`run_end[i]`: where i's run ends).
        end: dt.date | None = None
        run_end = [len(dated)] * len(dated)
        run_start = 0
        for i, e in enumerate(dated):
            iv = e.interval
            assert iv is not None
            if i and end is not None and (iv[0] - end).days <= gap:
                union(dated[i - 1].event_id, e.event_id)
            else:
                run_end[run_start:i] = [i] * (i - run_start)
                run_start = i
            end = iv[1] if end is None else max(end, iv[1])
        starts = [e.interval[0] for e in dated]  # type: ignore[index]
        longest = max(((e.interval[1] - e.interval[0]).days for e in dated), default=0)  # type: ignore[index]
        for pub, u in undated:
            # Dated events overlapping [pub - window, pub + gap]; once linked to one event of
            # a run, the rest of the run is in the same component already.
            i = bisect.bisect_left(starts, pub - dt.timedelta(days=window + longest))
            hi = bisect.bisect_right(starts, pub + dt.timedelta(days=gap))
            while i < hi:
                iv = dated[i].interval
                assert iv is not None
                if (iv[0] - pub).days <= gap and (pub - iv[1]).days <= window:
                    union(u.event_id, dated[i].event_id)
                    i = run_end[i]
                else:
                    i += 1
        for (p1, u1), (p2, u2) in itertools.pairwise(undated):
            if (p2 - p1).days <= window:
                union(u1.event_id, u2.event_id)
    return {e.event_id: find(e.event_id) for e in events}

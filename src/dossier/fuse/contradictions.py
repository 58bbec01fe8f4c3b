"""Contradictions between sources: denied events, one event given two dates, and figures.

Rules (docs/views.md, "contradictions"):
- event_negation: a fused event asserted and a fused event denied (`negated`) with the same
  type, compatible modes, compatible canonical participants (the fusion rule; a shared
  country is not enough: "Lavrov did not meet the NUG" denies no other Russia-Myanmar
  meeting) and compatible dates (unknown fits any).
- event_date: same type and mode, the same actors and targets, both dated to the day or
  month, dates apart beyond precision but by less than `fuse.date_conflict_max_days`.
- figure_value: see `figures.figure_conflicts`.
Sides whose documents are all copies of one source are not a contradiction.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from dossier.fuse.config import FuseConfig
from dossier.fuse.events import FusedEvent, participants_compatible
from dossier.fuse.figures import FigureConflict
from dossier.fuse.records import Doc, EventRow, FigureRow, interval_gap, stable_id


@dataclass(frozen=True, slots=True)
class Side:
    """One side of a contradiction: its ids, value, documents, outlets and evidence."""

    ids: tuple[str, ...]
    value: str
    documents: tuple[str, ...]
    outlets: tuple[str, ...]
    evidence: tuple[str, ...]
    evidence_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Contradiction:
    """Two sides that cannot both be right."""

    contradiction_id: str
    kind: str
    description: str
    a: Side
    b: Side


def _label(fe: FusedEvent) -> str:
    actors = ", ".join(p.name for p in fe.actors) or "?"
    targets = ", ".join(p.name for p in fe.targets)
    mode = f"/{fe.mode}" if fe.mode else ""
    return f"{fe.type}{mode} {actors}" + (f" → {targets}" if targets else "")


def _date_text(fe: FusedEvent) -> str:
    if fe.date is None:
        return "date unknown"
    iso = fe.date.isoformat()
    return {"month": iso[:7], "year": iso[:4]}.get(fe.precision, iso) + f" ({fe.precision})"


def event_side(fe: FusedEvent, value: str, docs: Mapping[str, Doc]) -> Side:
    """Summarise a fused event as one side."""
    return Side(
        ids=(fe.fused_event_id,),
        value=value,
        documents=tuple(dict.fromkeys(docs[d].name for d in fe.doc_ids)),
        outlets=tuple(sorted({o for d in fe.doc_ids if (o := docs[d].outlet)})),
        evidence=tuple(m.evidence for m in fe.members),
        evidence_ids=tuple(m.evidence_id for m in fe.members),
    )


def figure_side(figs: tuple[FigureRow, ...], docs: Mapping[str, Doc]) -> Side:
    """Summarise a group of equal figures as one side."""
    value = figs[0].value
    text = f"{value:g}" + (f" {figs[0].unit}" if figs[0].unit else "")
    quals = sorted({f.qualifier for f in figs if f.qualifier})
    if quals:
        text = f"{'/'.join(quals)} {text}"
    return Side(
        ids=tuple(f.figure_id for f in figs),
        value=text,
        documents=tuple(dict.fromkeys(docs[f.doc_id].name for f in figs)),
        outlets=tuple(sorted({o for f in figs if (o := docs[f.doc_id].outlet)})),
        evidence=tuple(f.evidence for f in figs),
        evidence_ids=tuple(f.evidence_id for f in figs),
    )


def _as_row(fe: FusedEvent) -> EventRow:
    # A fused event behaves as one event for the participant rules.
    m = fe.members[0]
    return EventRow(
        fe.fused_event_id, m.doc_id, fe.type, fe.mode, fe.date, fe.precision, fe.place, fe.negated,
        None, m.evidence_id, m.evidence, (), fe.actors, fe.targets,
    )


def _start(fe: FusedEvent) -> tuple[dt.date, dt.date, str]:
    iv = fe.interval
    assert iv is not None
    return (iv[0], iv[1], fe.fused_event_id)


def _span(fe: FusedEvent) -> int:
    iv = fe.interval
    return (iv[1] - iv[0]).days if iv else 0


def _groups(fe: FusedEvent, source_group: Mapping[str, str]) -> set[str]:
    return {source_group.get(d, d) for d in fe.doc_ids}


def event_contradictions(
    fused: list[FusedEvent], config: FuseConfig, docs: Mapping[str, Doc], source_group: Mapping[str, str]
) -> list[Contradiction]:
    """Return event_negation and event_date contradictions among fused events."""
    out: list[Contradiction] = []
    rows = {fe.fused_event_id: _as_row(fe) for fe in fused}
    symmetric = config.weights.symmetric
    # 1. Asserted vs denied, blocked by type and participant key, then by date (sorted starts).
    index: dict[tuple[str, str], list[FusedEvent]] = defaultdict(list)
    for fe in fused:
        if not fe.negated:
            for p in fe.actors + fe.targets:
                index[(fe.type, p.key)].append(fe)
    by_date: dict[tuple[str, str], tuple[list[FusedEvent], list[dt.date], list[FusedEvent], int]] = {}
    for type_key, items in index.items():
        dated = sorted((f for f in items if f.interval is not None), key=_start)
        undated = [f for f in items if f.interval is None]
        longest = max((_span(f) for f in dated), default=0)
        by_date[type_key] = (dated, [_start(f)[0] for f in dated], undated, longest)
    gap = config.max_date_gap_days
    for neg in (fe for fe in fused if fe.negated):
        seen: set[str] = set()
        keys = [p.key for p in neg.actors + neg.targets]
        niv = neg.interval
        for key in keys:
            if (neg.type, key) not in by_date:
                continue
            dated, starts, undated, longest = by_date[(neg.type, key)]
            if niv is None:
                candidates = dated + undated
            else:
                lo = bisect.bisect_left(starts, niv[0] - dt.timedelta(days=gap + longest))
                hi = bisect.bisect_right(starts, niv[1] + dt.timedelta(days=gap))
                candidates = dated[lo:hi] + undated
            for pos in candidates:
                if pos.fused_event_id in seen:
                    continue
                seen.add(pos.fused_event_id)
                if neg.mode and pos.mode and neg.mode != pos.mode:
                    continue
                piv = pos.interval
                if niv is not None and piv is not None and interval_gap(niv, piv) > config.max_date_gap_days:
                    continue
                if not participants_compatible(rows[neg.fused_event_id], rows[pos.fused_event_id], symmetric):
                    continue
                if _groups(neg, source_group) == _groups(pos, source_group) and len(_groups(neg, source_group)) == 1:
                    continue
                a = event_side(pos, "asserted", docs)
                b = event_side(neg, "denied", docs)
                out.append(
                    Contradiction(
                        stable_id("cx_", ("event_negation", pos.fused_event_id, neg.fused_event_id)),
                        "event_negation",
                        f"{_label(pos)}: reported by {len(a.documents)} document(s), denied by {len(b.documents)}",
                        a,
                        b,
                    )
                )
    # 2. One event, two dates: same type, mode, actors and targets.
    blocks: dict[tuple[object, ...], list[FusedEvent]] = defaultdict(list)
    for fe in fused:
        if fe.precision in ("day", "month") and fe.targets and fe.actors:
            block = (fe.type, fe.mode, fe.negated, frozenset(p.key for p in fe.actors),
                     frozenset(p.key for p in fe.targets))
            blocks[block].append(fe)
    for group in blocks.values():
        group.sort(key=_start)
        for i, x in enumerate(group):
            for y in group[i + 1 :]:
                xiv, yiv = x.interval, y.interval
                assert xiv is not None and yiv is not None
                if (yiv[0] - xiv[1]).days >= config.date_conflict_max_days:
                    break  # later starts are further still
                gap = interval_gap(xiv, yiv)
                if gap <= config.max_date_gap_days or gap >= config.date_conflict_max_days:
                    continue
                if _groups(x, source_group) == _groups(y, source_group) and len(_groups(x, source_group)) == 1:
                    continue
                out.append(
                    Contradiction(
                        stable_id("cx_", ("event_date", x.fused_event_id, y.fused_event_id)),
                        "event_date",
                        f"{_label(x)}: dated {_date_text(x)} and {_date_text(y)}",
                        event_side(x, _date_text(x), docs),
                        event_side(y, _date_text(y), docs),
                    )
                )
    return out


def figure_contradictions(conflicts: list[FigureConflict], docs: Mapping[str, Doc]) -> list[Contradiction]:
    """Turn figure conflicts into contradiction rows."""
    out = []
    for c in conflicts:
        a, b = figure_side(c.a, docs), figure_side(c.b, docs)
        as_of = c.a[0].as_of.isoformat() if c.a[0].as_of else "?"
        subject = c.series.subject or c.series.category
        out.append(
            Contradiction(
                stable_id("cx_", ("figure_value", *a.ids, "|", *b.ids)),
                "figure_value",
                f"{c.series.category}: {subject} as of {as_of}: {a.value} vs {b.value}",
                a,
                b,
            )
        )
    return out

"""Dyads: cooperation and conflict per ordered actor→target pair and month.

Only fused events dated to the day or month and not negated count (a year or an unknown
date cannot be placed in a month). Each actor × target pair of an event is one dyad event;
a symmetric type with no target ("X and Y agreed") pairs its actors both ways. At the
`country` level keys are the ISO3 countries of the canonical entities, and pairs inside one
country are left out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import permutations

from dossier.fuse.config import FuseConfig
from dossier.fuse.events import FusedEvent
from dossier.fuse.records import Party


@dataclass(frozen=True, slots=True)
class DyadEvent:
    """One fused event counted for one ordered pair."""

    fused_event_id: str
    level: str
    actor: str
    actor_name: str
    target: str
    target_name: str
    month: dt.date
    type: str
    mode: str | None
    quad_class: str
    weight: float


def _pairs(fe: FusedEvent, symmetric: frozenset[str]) -> list[tuple[Party, Party]]:
    if fe.targets:
        return [(a, t) for a in fe.actors for t in fe.targets if a.key != t.key]
    if fe.type in symmetric:
        return list(permutations(fe.actors, 2))
    return []


def dyad_events(fused: list[FusedEvent], config: FuseConfig) -> list[DyadEvent]:
    """Return the dyad events of every datable, asserted fused event."""
    out = []
    for fe in fused:
        if fe.negated or fe.date is None or fe.precision not in ("day", "month"):
            continue
        month = fe.date.replace(day=1)
        quad, weight = config.weights.of(fe.type, fe.mode)
        pairs = _pairs(fe, config.weights.symmetric)
        seen: set[tuple[str, str, str]] = set()
        for a, t in pairs:
            rows = [("entity", a.key, a.name, t.key, t.name)]
            if a.country and t.country and a.country != t.country:
                rows.append(("country", a.country, a.country, t.country, t.country))
            for level, ak, an, tk, tn in rows:
                if (level, ak, tk) in seen:
                    continue  # several people of one country count the event once
                seen.add((level, ak, tk))
                out.append(DyadEvent(fe.fused_event_id, level, ak, an, tk, tn, month, fe.type, fe.mode, quad, weight))
    return out

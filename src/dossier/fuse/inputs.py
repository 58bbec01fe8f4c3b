"""Read the per-article tables the fuse stage works from (one query per table)."""

from __future__ import annotations

from collections import defaultdict

import duckdb

from dossier.fuse.records import Doc, EventRow, FigureRow, Party

# Documents that take part: stored fine and not replaced by a newer version of their source.
LIVE_DOCS_SQL = """
SELECT d.doc_id, d.name, d.outlet, d.published_date
FROM documents d
WHERE d.status = 'ok'
  AND NOT EXISTS (SELECT 1 FROM documents n WHERE n.supersedes = d.doc_id AND n.status = 'ok')
ORDER BY d.doc_id
"""


def load_docs(con: duckdb.DuckDBPyConnection) -> dict[str, Doc]:
    """Return the taking-part documents by doc_id."""
    return {row[0]: Doc(row[0], row[1], row[2], row[3]) for row in con.execute(LIVE_DOCS_SQL).fetchall()}


def canonical_entities(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str, str | None]]:
    """Return entity_id -> (surviving entity_id, its name, its country), following merges."""
    rows = con.execute("SELECT entity_id, name, country, merged_into FROM entities").fetchall()
    info = {r[0]: (r[1], r[2]) for r in rows}
    into = {r[0]: r[3] for r in rows if r[3]}
    out: dict[str, tuple[str, str, str | None]] = {}
    for entity_id in info:
        seen = {entity_id}
        cur = entity_id
        # A merge chain ends at an entity not merged further; a cycle (corrupt store) stops.
        while cur in into and into[cur] in info and into[cur] not in seen:
            cur = into[cur]
            seen.add(cur)
        name, country = info[cur]
        out[entity_id] = (cur, name, country)
    return out


def _party(name: str, entity_id: str | None, canon: dict[str, tuple[str, str, str | None]]) -> Party:
    if entity_id and entity_id in canon:
        cid, cname, country = canon[entity_id]
        return Party(cid, cid, cname, country)
    text = " ".join(name.split())
    return Party(f"text:{text.lower()}", None, text, None)


def load_events(con: duckdb.DuckDBPyConnection, docs: dict[str, Doc]) -> list[EventRow]:
    """Return every event of a taking-part document, sorted by event_id."""
    canon = canonical_entities(con)
    parts: dict[str, dict[str, list[tuple[int, Party]]]] = defaultdict(lambda: {"actor": [], "target": []})
    for event_id, role, position, name, entity_id in con.execute(
        "SELECT event_id, role, position, name, entity_id FROM event_participants"
    ).fetchall():
        if role in ("actor", "target"):
            parts[event_id][role].append((position, _party(name, entity_id, canon)))
    extra: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
    for event_id, position, evidence_id, text in con.execute(
        "SELECT ee.event_id, ee.position, ee.evidence_id, ev.text FROM event_evidence ee "
        "JOIN evidence ev USING (evidence_id)"
    ).fetchall():
        extra[event_id].append((position, evidence_id, text))
    rows = con.execute(
        "SELECT e.event_id, e.doc_id, e.type, e.mode, e.date, e.precision, e.place, e.negated, e.source, "
        "e.evidence_id, coalesce(ev.text, '') FROM events e LEFT JOIN evidence ev USING (evidence_id) "
        "ORDER BY e.event_id"
    ).fetchall()
    out = []
    for event_id, doc_id, etype, mode, date, precision, place, negated, source, evidence_id, text in rows:
        if doc_id not in docs:
            continue
        p = parts.get(event_id, {"actor": [], "target": []})
        actors = _dedupe(p["actor"])
        targets = tuple(t for t in _dedupe(p["target"]) if t.key not in {a.key for a in actors})
        more = tuple((eid, t) for _, eid, t in sorted(extra.get(event_id, [])) if eid != evidence_id)
        out.append(
            EventRow(
                event_id, doc_id, etype, mode or None, date, precision or "unknown", place, bool(negated),
                source, evidence_id, text, more, actors, targets,
            )
        )
    return out


def _dedupe(items: list[tuple[int, Party]]) -> tuple[Party, ...]:
    seen: set[str] = set()
    out = []
    for _, party in sorted(items, key=lambda x: (x[0], x[1].key)):
        if party.key not in seen:
            seen.add(party.key)
            out.append(party)
    return tuple(out)


def load_figures(con: duckdb.DuckDBPyConnection, docs: dict[str, Doc]) -> list[FigureRow]:
    """Return every figure of a taking-part document, sorted by figure_id."""
    rows = con.execute(
        "SELECT f.figure_id, f.doc_id, f.value, f.qualifier, f.unit, f.category, f.subject, f.as_of, "
        "f.as_of_precision, f.evidence_id, coalesce(ev.text, '') FROM figures f "
        "LEFT JOIN evidence ev USING (evidence_id) ORDER BY f.figure_id"
    ).fetchall()
    return [
        FigureRow(r[0], r[1], float(r[2]), r[3], r[4], r[5], r[6], r[7], r[8] or "unknown", r[9], r[10])
        for r in rows
        if r[1] in docs
    ]

"""Recompute the cross-source tables (docs/views.md) from the per-article tables.

One set-based pass: read the taking-part documents, events and figures, fuse them in
memory (sorted, content-derived keys, so the result is independent of document order) and
replace every fuse table's rows in one transaction. MinHash signatures are cached, so only
new documents are hashed. When the inputs and settings have not changed since the last
refresh (`fuse_state.fingerprint`), nothing is recomputed.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

from dossier.errors import StoreError
from dossier.fuse.config import FuseConfig, load_config
from dossier.fuse.contradictions import Contradiction, event_contradictions, figure_contradictions
from dossier.fuse.duplicates import find_duplicates, update_signatures
from dossier.fuse.dyads import dyad_events
from dossier.fuse.events import FusedEvent, fuse_events
from dossier.fuse.figures import build_series, figure_conflicts
from dossier.fuse.inputs import load_docs, load_events, load_figures
from dossier.fuse.records import Doc
from dossier.settings import Settings, data_path

log = logging.getLogger(__name__)

# Bump when the fusion logic changes, so stores refresh once after an upgrade.
FUSE_VERSION = "fuse.v1"

FUSE_TABLES = (
    "doc_duplicates", "doc_sources", "fused_events", "fused_event_members", "fused_event_participants",
    "figure_series", "figure_series_members", "contradictions", "dyad_events", "dyad_monthly",
)

_FINGERPRINT_SQL = """
SELECT
  (SELECT count(*) || ':' || coalesce(bit_xor(hash(doc_id, status, supersedes, outlet, published_date)), 0)
     FROM documents),
  (SELECT count(*) || ':' || coalesce(bit_xor(hash(event_id, type, mode, date, precision, negated, place,
     source, evidence_id)), 0) FROM events),
  (SELECT count(*) || ':' || coalesce(bit_xor(hash(event_id, role, position, name, entity_id)), 0)
     FROM event_participants),
  (SELECT count(*) || ':' || coalesce(bit_xor(hash(event_id, position, evidence_id)), 0) FROM event_evidence),
  (SELECT count(*) || ':' || coalesce(bit_xor(hash(entity_id, name, country, merged_into)), 0) FROM entities),
  (SELECT count(*) || ':' || coalesce(bit_xor(hash(figure_id, value, unit, category, subject, as_of)), 0)
     FROM figures)
"""


@dataclass(frozen=True, slots=True)
class RefreshReport:
    """What one refresh did and how long it took."""

    skipped: bool
    seconds: float
    documents: int = 0
    hashed: int = 0
    copies: int = 0
    events: int = 0
    fused_events: int = 0
    series: int = 0
    contradictions: int = 0
    dyad_events: int = 0


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the fuse tables and views when missing (and refresh the view definitions)."""
    con.execute(data_path("fuse", "tables.sql").read_text(encoding="utf-8"))


def fingerprint(con: duckdb.DuckDBPyConnection, config: FuseConfig) -> str:
    """Return a hash of every input the fuse tables depend on, and of the settings."""
    row = con.execute(_FINGERPRINT_SQL).fetchone()
    blob = "|".join(str(v) for v in (row or ())) + "|" + config.fingerprint + "|" + FUSE_VERSION
    return hashlib.sha1(blob.encode()).hexdigest()


def refresh(con: duckdb.DuckDBPyConnection, settings: Settings, *, force: bool = False) -> RefreshReport:
    """Bring the fused tables and views up to date with the stored documents.

    Idempotent and deterministic; a no-op when nothing changed since the last refresh
    (unless `force`). Runs in its own transaction, or inside the caller's when one is open.
    """
    started = time.perf_counter()
    config = load_config(settings)
    try:
        ensure_tables(con)
    except duckdb.Error as err:
        raise StoreError(f"cannot create the fuse tables ({err}); is the store opened read-only?") from None
    fp = fingerprint(con, config)
    last = con.execute("SELECT fingerprint FROM fuse_state ORDER BY refreshed_at DESC LIMIT 1").fetchone()
    if not force and last is not None and last[0] == fp:
        log.info("fuse: inputs unchanged since the last refresh; nothing to do")
        return RefreshReport(skipped=True, seconds=time.perf_counter() - started)
    own = _begin(con)
    try:
        report = _recompute(con, config, fp, started)
        if own:
            con.execute("COMMIT")
    except BaseException:
        if own:
            con.execute("ROLLBACK")
        raise
    log.info("fuse: %s", report)
    return report


def _begin(con: duckdb.DuckDBPyConnection) -> bool:
    try:
        con.execute("BEGIN TRANSACTION")
    except duckdb.TransactionException:
        return False  # the caller's transaction covers us
    return True


def _recompute(con: duckdb.DuckDBPyConnection, config: FuseConfig, fp: str, started: float) -> RefreshReport:
    docs = load_docs(con)
    hashed = update_signatures(con, docs, config)
    dups = find_duplicates(con, docs, config)
    copy_of = {d.doc_id: d.copy_of for d in dups}
    source_group = {d: copy_of.get(d, d) for d in docs}
    events = load_events(con, docs)
    fused = fuse_events(events, config, docs)
    figures = load_figures(con, docs)
    series = build_series(figures, config)
    contras = event_contradictions(fused, config, docs, source_group)
    contras += figure_contradictions(figure_conflicts(series, config, source_group, docs), docs)
    contras.sort(key=lambda c: c.contradiction_id)
    dyads = dyad_events(fused, config)

    for table in FUSE_TABLES:
        con.execute(f"DELETE FROM {table}")
    _insert(con, "doc_duplicates", [
        {"doc_id": d.doc_id, "copy_of": d.copy_of, "similarity": d.similarity, "method": "minhash"} for d in dups
    ])
    _insert(con, "doc_sources", [
        {"doc_id": d, "source_group": source_group[d], "is_copy": d in copy_of} for d in sorted(docs)
    ])
    _write_events(con, fused, docs, copy_of, config)
    _write_series(con, series, docs, source_group)
    _write_contradictions(con, contras)
    _insert(con, "dyad_events", [
        {"fused_event_id": d.fused_event_id, "level": d.level, "actor": d.actor, "actor_name": d.actor_name,
         "target": d.target, "target_name": d.target_name, "month": d.month, "type": d.type, "mode": d.mode,
         "quad_class": d.quad_class, "weight": d.weight}
        for d in dyads
    ])
    con.execute(
        "INSERT INTO dyad_monthly SELECT level, actor, any_value(actor_name), target, any_value(target_name), "
        "month, type, count(*), round(sum(weight), 4) FROM dyad_events GROUP BY level, actor, target, month, type"
    )
    seconds = time.perf_counter() - started
    con.execute("DELETE FROM fuse_state")
    con.execute(
        "INSERT INTO fuse_state (fingerprint, seconds, n_documents, n_events, n_fused_events) VALUES (?, ?, ?, ?, ?)",
        [fp, seconds, len(docs), len(events), len(fused)],
    )
    return RefreshReport(
        skipped=False, seconds=seconds, documents=len(docs), hashed=hashed, copies=len(dups), events=len(events),
        fused_events=len(fused), series=len(series), contradictions=len(contras), dyad_events=len(dyads),
    )


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: Sequence[dict[str, Any]]) -> None:
    """Insert dict rows by column name through one Arrow table (far faster than executemany)."""
    if not rows:
        return
    arrow = pa.Table.from_pylist(list(rows))
    con.register("_fuse_rows", arrow)
    try:
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _fuse_rows")
    finally:
        con.unregister("_fuse_rows")


def _write_events(
    con: duckdb.DuckDBPyConnection, fused: list[FusedEvent], docs: dict[str, Doc], copy_of: dict[str, str],
    config: FuseConfig,
) -> None:
    ev_rows, member_rows, part_rows = [], [], []
    for fe in fused:
        quad, weight = config.weights.of(fe.type, fe.mode)
        evidence: list[tuple[str, str]] = []
        for m in fe.members:
            evidence.append((m.evidence_id, m.evidence))
            evidence.extend(m.extra_evidence)
        iv = fe.interval
        ev_rows.append({
            "fused_event_id": fe.fused_event_id, "type": fe.type, "mode": fe.mode, "date": fe.date,
            "precision": fe.precision, "date_start": iv[0] if iv else None, "date_end": iv[1] if iv else None,
            "place": fe.place, "negated": fe.negated,
            "actors": [p.name for p in fe.actors], "actor_ids": [p.key for p in fe.actors],
            "targets": [p.name for p in fe.targets], "target_ids": [p.key for p in fe.targets],
            "sources": list(fe.sources), "n_mentions": len(fe.members), "n_documents": len(fe.doc_ids),
            "n_sources": len({copy_of.get(d, d) for d in fe.doc_ids}),
            "documents": list(dict.fromkeys(docs[d].name for d in fe.doc_ids)), "doc_ids": list(fe.doc_ids),
            "outlets": sorted({o for d in fe.doc_ids if (o := docs[d].outlet)}),
            "first_reported": fe.first_reported, "first_doc_id": fe.first_doc_id,
            "evidence": [t for _, t in evidence], "evidence_ids": [i for i, _ in evidence],
            "quad_class": quad, "weight": 0.0 if fe.negated else weight,
        })
        for m in fe.members:
            doc = docs[m.doc_id]
            member_rows.append({
                "fused_event_id": fe.fused_event_id, "event_id": m.event_id, "doc_id": m.doc_id,
                "document": doc.name, "outlet": doc.outlet, "published_date": doc.published, "date": m.date,
                "precision": m.precision, "negated": m.negated, "evidence_id": m.evidence_id,
                "evidence": m.evidence, "is_copy": m.doc_id in copy_of,
            })
        for role, parties in (("actor", fe.actors), ("target", fe.targets)):
            for i, p in enumerate(parties):
                part_rows.append({
                    "fused_event_id": fe.fused_event_id, "role": role, "position": i, "entity_key": p.key,
                    "entity_id": p.entity_id, "name": p.name, "country": p.country,
                })
    _insert(con, "fused_events", ev_rows)
    _insert(con, "fused_event_members", member_rows)
    _insert(con, "fused_event_participants", part_rows)


def _write_series(
    con: duckdb.DuckDBPyConnection, series: list[Any], docs: dict[str, Doc], source_group: dict[str, str]
) -> None:
    s_rows, m_rows = [], []
    for s in series:
        dated = [f for f in s.members if f.as_of is not None]
        first = max((f.value for f in dated if f.as_of == dated[0].as_of), default=None) if dated else None
        last = max((f.value for f in dated if f.as_of == dated[-1].as_of), default=None) if dated else None
        s_rows.append({
            "series_id": s.series_id, "category": s.category, "unit": s.unit, "subject": s.subject,
            "n_figures": len(s.members), "n_documents": len({f.doc_id for f in s.members}),
            "n_sources": len({source_group.get(f.doc_id, f.doc_id) for f in s.members}),
            "first_as_of": dated[0].as_of if dated else None, "last_as_of": dated[-1].as_of if dated else None,
            "first_value": first, "last_value": last,
            "min_value": min(f.value for f in s.members), "max_value": max(f.value for f in s.members),
            "trend": s.trend, "goes_backwards": bool(s.backwards),
            "outlets": sorted({o for f in s.members if (o := docs[f.doc_id].outlet)}),
        })
        for i, f in enumerate(s.members):
            m_rows.append({
                "series_id": s.series_id, "figure_id": f.figure_id, "ordinal": i, "doc_id": f.doc_id,
                "document": docs[f.doc_id].name, "outlet": docs[f.doc_id].outlet, "value": f.value,
                "qualifier": f.qualifier, "unit": f.unit, "subject": f.subject, "as_of": f.as_of,
                "as_of_precision": f.as_of_precision, "backwards": f.figure_id in s.backwards,
                "evidence_id": f.evidence_id, "evidence": f.evidence,
            })
    _insert(con, "figure_series", s_rows)
    _insert(con, "figure_series_members", m_rows)


def _write_contradictions(con: duckdb.DuckDBPyConnection, contras: list[Contradiction]) -> None:
    rows = []
    for c in contras:
        row: dict[str, Any] = {"contradiction_id": c.contradiction_id, "kind": c.kind, "description": c.description}
        for prefix, side in (("a", c.a), ("b", c.b)):
            row[f"{prefix}_ids"] = list(side.ids)
            row[f"{prefix}_value"] = side.value
            row[f"{prefix}_documents"] = list(side.documents)
            row[f"{prefix}_outlets"] = list(side.outlets)
            row[f"{prefix}_evidence"] = list(side.evidence)
            row[f"{prefix}_evidence_ids"] = list(side.evidence_ids)
        rows.append(row)
    _insert(con, "contradictions", rows)



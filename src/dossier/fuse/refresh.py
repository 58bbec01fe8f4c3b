"""Bring the cross-source tables (docs/views.md) up to date with the per-article tables.

A refresh works on what changed since the last one: documents added (and documents that left,
superseded by a new version), entities whose canonical form changed, and documents whose
duplicate group changed. From those it finds the affected units and recomputes only them:
- duplicate groups, through the LSH buckets of the new documents (`doc_lsh`);
- event components (events that could fuse: same type, shared canonical participant,
  compatible dates; `fuse_event_keys`): re-clustered whole, so the result is what a full
  pass gives;
- figure blocks (category, unit class, scope; `fuse_figure_keys`, which also keeps what
  regrouping needs of each figure): regrouped whole; only series whose members changed are
  rewritten;
- contradictions of the fused events and series that changed, against their neighbours;
- dyad rows of the changed fused events and the months they fall in.
New documents are taken `fuse.refresh_batch_documents` at a time, oldest first, each batch
an incremental update of what the ones before it stored (committed after each, unless the
caller holds a transaction); the figure blocks are regrouped after the last. A full refresh
(first run, changed settings or logic, `force`) is the same code with every document new,
so incremental and full results are equal by construction, whatever the batch size (tests
check both). Its memory holds one batch and what the batch reaches, then one figure block
at a time, never every event and figure of the store.
When the inputs and settings have not changed (`fuse_state.fingerprint`), nothing is done.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import time
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

import duckdb

from dossier.errors import StoreError
from dossier.fuse.config import FuseConfig, load_config
from dossier.fuse.contradictions import Contradiction, event_contradictions, figure_contradictions
from dossier.fuse.duplicates import insert_rows, update_duplicates, update_signatures
from dossier.fuse.dyads import dyad_events
from dossier.fuse.events import (
    FusedEvent,
    cluster_events,
    entity_keys,
    event_components,
    fuse,
    fused_id,
    report_key,
)
from dossier.fuse.figures import FigureConflict, Series, block_keys, build_series, figure_conflicts
from dossier.fuse.inputs import (
    CANONICAL_ENTITIES_SQL,
    LIVE_DOCS_SQL,
    LiveDocs,
    figure_evidence,
    load_events,
    load_figures,
    load_keyed_figures,
    select,
)
from dossier.fuse.records import Doc, EventRow, FigureRow, Party
from dossier.settings import Settings, data_path
from dossier.store.connection import create_statement, drop_primary_key, in_transaction, transaction

log = logging.getLogger(__name__)

# Bump when the fusion logic changes, so stores recompute fully once after an upgrade.
FUSE_VERSION = "fuse.v4"  # v4: fuse_figure_keys holds each figure's countries and subject words

FUSE_TABLES = (
    "doc_duplicates", "doc_sources", "fused_events", "fused_event_members", "fused_event_participants",
    "figure_series", "figure_series_member_rows", "contradictions", "dyad_events", "dyad_monthly",
)
# Tables with rows per document, event or figure: no primary key (see tables.sql).
UNKEYED_FUSE_TABLES = (
    "doc_signatures", "doc_sources", "fuse_figure_keys", "fused_events", "figure_series", "contradictions",
)
# Series member rows written per insert: a full refresh rewrites whole figure blocks, and one
# block's rows with their sentences (as dicts, then an Arrow table) were the largest
# allocation at the end of a build (69 MiB for the 18,824 figures of a block of a
# 40,000-document store).
MEMBER_ROWS_PER_INSERT = 2_000
# Figures regrouped together: touched blocks are packed into runs of about this many (a
# larger block alone), so memory holds one run (~586 bytes a figure) and a refresh does not
# scan the member rows once per small block.
FIGURES_PER_REGROUP = 20_000

# Internal state of the incremental refresh (derived too; emptied by a full refresh).
STATE_TABLES = ("doc_lsh", "fuse_event_keys", "fuse_figure_keys", "fuse_entity_canon")

# hash(hash(...)): DuckDB combines column hashes linearly, so a bare bit_xor(hash(a, b)) is
# unchanged when an even number of rows change column b alike (a merge rewriting two rows).
_FINGERPRINT_SQL = """
SELECT
  (SELECT count(*) || ':' || coalesce(bit_xor(hash(hash(doc_id, status, supersedes, outlet, published_date))), 0)
     FROM documents),
  (SELECT count(*) || ':' || coalesce(bit_xor(hash(hash(event_id, type, mode, date, precision, negated, place,
     source, evidence_id))), 0) FROM events),
  (SELECT count(*) || ':' || coalesce(bit_xor(hash(hash(event_id, role, position, name, entity_id))), 0)
     FROM event_participants),
  (SELECT count(*) || ':' || coalesce(bit_xor(hash(hash(event_id, position, evidence_id))), 0) FROM event_evidence),
  (SELECT count(*) || ':' || coalesce(bit_xor(hash(hash(entity_id, name, country, merged_into))), 0) FROM entities),
  (SELECT count(*) || ':' || coalesce(bit_xor(hash(hash(figure_id, value, unit, category, subject, as_of))), 0)
     FROM figures),
  (SELECT count(*) || ':' || coalesce(bit_xor(hash(hash(doc_entity_id, entity_id, country))), 0) FROM doc_entities),
  (SELECT count(*) FROM mentions)
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
    mode: str = "full"  # full | incremental
    new_documents: int = 0
    events_reclustered: int = 0
    figures_regrouped: int = 0


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the fuse tables and views when missing; tables of an older layout are dropped first."""
    cols = {r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'fuse_state'"
    ).fetchall()}
    if cols and "config" not in cols:
        # Derived data of an older Dossier: drop it; the next refresh recomputes everything.
        for view in ("dyad_trend", "timeline", "fused_event_outlets"):
            con.execute(f"DROP VIEW IF EXISTS {view}")
        for table in ("fuse_state", "doc_signatures", *FUSE_TABLES, *STATE_TABLES):
            con.execute(f"DROP TABLE IF EXISTS {table}")
    old_members = con.execute(
        "SELECT 1 FROM information_schema.tables "
        "WHERE table_name = 'figure_series_members' AND table_type = 'BASE TABLE'"
    ).fetchone()
    if old_members:
        # Before fuse.v3 the member rows were a table with stored ordinals; now a view numbers them.
        con.execute("DROP TABLE figure_series_members")
    key_cols = {r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'fuse_figure_keys'"
    ).fetchall()}
    if key_cols and "words" not in key_cols:
        # Internal state before fuse.v4 (no countries or words); the version bump refreshes fully.
        con.execute("DROP TABLE fuse_figure_keys")
    sql = data_path("fuse", "tables.sql").read_text(encoding="utf-8")
    # Before store schema 3 these had a primary key, and doc_lsh an index (see tables.sql).
    with transaction(con):
        for table in UNKEYED_FUSE_TABLES:
            drop_primary_key(con, table, create_statement(sql, table))
        con.execute("DROP INDEX IF EXISTS doc_lsh_bucket")
    con.execute(sql)


def fingerprint(con: duckdb.DuckDBPyConnection, config: FuseConfig) -> str:
    """Return a hash of every input the fuse tables depend on, and of the settings."""
    row = con.execute(_FINGERPRINT_SQL).fetchone()
    blob = "|".join(str(v) for v in (row or ())) + "|" + config_key(config)
    return hashlib.sha1(blob.encode()).hexdigest()


def config_key(config: FuseConfig) -> str:
    """Hash of the settings and logic version: when it changes, a refresh is a full one."""
    return hashlib.sha1(f"{config.fingerprint}|{FUSE_VERSION}".encode()).hexdigest()


def refresh(con: duckdb.DuckDBPyConnection, settings: Settings, *, force: bool = False) -> RefreshReport:
    """Bring the fused tables and views up to date with the stored documents.

    Incremental (only what new or removed documents touch) unless `force`, the first run or a
    change of settings asks for a full recompute; both give the same rows. Idempotent and
    deterministic; a no-op when nothing changed since the last refresh (unless `force`). Runs
    in its own transaction, or inside the caller's when one is open.
    """
    started = time.perf_counter()
    config = load_config(settings)
    try:
        ensure_tables(con)
    except duckdb.Error as err:
        raise StoreError(f"cannot create the fuse tables ({err}); is the store opened read-only?") from None
    fp = fingerprint(con, config)
    last = con.execute("SELECT fingerprint, config FROM fuse_state ORDER BY refreshed_at DESC LIMIT 1").fetchone()
    if not force and last is not None and last[0] == fp:
        log.info("fuse: inputs unchanged since the last refresh; nothing to do")
        return RefreshReport(skipped=True, seconds=time.perf_counter() - started)
    full = force or last is None or last[1] != config_key(config)
    own = not in_transaction(con)
    if own:
        # Committed batch by batch (DuckDB holds a transaction's changes in memory); a refresh
        # cut short leaves no fuse_state row, so the next one starts over in full.
        with transaction(con):
            con.execute("DELETE FROM fuse_state")
    with transaction(con), _gc_paused():
        report = _Update(con, config, full, commit_batches=own).run(fp, started)
    log.info("fuse: %s", report)
    return report


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector: a refresh builds ~10^5 records without cycles,
    and the collections their allocations trigger re-scan every object of the process (they
    took 40-55% of the time spent reading events, measured on a 20,000-document store)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@dataclass(slots=True)
class _FigureChanges:
    """What the batches of one refresh changed of the figures, for the regrouping after them."""

    blocks: set[str] = field(default_factory=set)  # blocks with a new, re-read or gone figure
    seeds: set[str] = field(default_factory=set)  # figures re-read (their rows are rewritten)
    # block -> its figures whose documents left or were regrouped (by their stored block)
    gone: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))


def _stage_new_documents(con: duckdb.DuckDBPyConnection) -> int:
    """Number the taking-part documents not fused yet in `_fuse_new`, by publication date
    (undated last), and return how many there are.

    The list stays in the store: a first refresh of 10^7 documents would otherwise hold
    every doc_id in Python.
    """
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _fuse_new AS SELECT doc_id, row_number() OVER "
        "(ORDER BY published_date IS NULL, published_date, doc_id) AS pos "
        f"FROM ({LIVE_DOCS_SQL}) live ANTI JOIN doc_sources USING (doc_id)"
    )
    row = con.execute("SELECT count(*) FROM _fuse_new").fetchone()
    return int(row[0]) if row else 0


def _batches(con: duckdb.DuckDBPyConnection, n_new: int, size: int) -> Iterator[set[str]]:
    """The staged new documents (`_stage_new_documents`) in batches of `size`, oldest first.

    Always yields one batch, empty when nothing is new (removed documents and changed
    entities are handled with the first).
    """
    if not n_new:
        yield set()
    for start in range(0, n_new, size):
        yield _ids(con, "SELECT doc_id FROM _fuse_new WHERE pos > ? AND pos <= ?", [start, start + size])


def _buckets(lo: str, hi: str, widen: int, width: int) -> str:
    """SQL for the list of `width`-day buckets that the days [lo, hi] cover, `widen` days either side."""
    return (f"range(((({lo} - {widen}) - DATE '1970-01-01') // {width}), "
            f"((({hi} + {widen}) - DATE '1970-01-01') // {width}) + 1)")


def _ids(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> set[str]:
    return {r[0] for r in con.execute(sql, list(params)).fetchall()}


class _Update:
    """One refresh: find what changed, recompute the affected units, replace their rows."""

    def __init__(self, con: duckdb.DuckDBPyConnection, config: FuseConfig, full: bool, *, commit_batches: bool) -> None:
        self.con, self.config, self.full = con, config, full
        self.commit_batches = commit_batches

    def run(self, fp: str, started: float) -> RefreshReport:
        con = self.con
        if self.full:
            for table in (*FUSE_TABLES, *STATE_TABLES):
                con.execute(f"DELETE FROM {table}")
        # Documents are read per batch (LiveDocs), and the new ones listed in the store, so
        # that nothing held here grows with the number of documents.
        self.docs = docs = LiveDocs(con)
        n_new = _stage_new_documents(con)
        removed = _ids(con, f"SELECT doc_id FROM doc_sources ANTI JOIN ({LIVE_DOCS_SQL}) live USING (doc_id)")
        hashed = update_signatures(con, self.config, after_batch=self._commit)
        changed_entities = self._update_canon()
        n_events, figures = 0, _FigureChanges()
        # New documents a batch at a time, oldest first: each batch is an incremental update
        # of what the batches before it stored, so memory holds one batch and the components
        # it reaches, and reports of one story mostly meet in one batch.
        for i, batch in enumerate(_batches(con, n_new, self.config.batch_documents)):
            gone_docs, entities = (removed, changed_entities) if i == 0 else (set(), set())
            dup = update_duplicates(con, docs, batch, gone_docs, self.config)
            docs.clear()  # their source groups changed
            n, fused_new, fused_gone = self._events(batch, gone_docs, dup.regrouped, entities)
            self._event_contradictions(fused_new, fused_gone)
            self._dyads(fused_new, fused_gone)
            self._key_figures(batch, gone_docs, dup.regrouped, entities, figures)
            n_events += n
            self._commit()
        n_figures = self._regroup_figures(figures)
        seconds = time.perf_counter() - started
        totals = con.execute(
            f"SELECT (SELECT count(*) FROM ({LIVE_DOCS_SQL})), (SELECT count(DISTINCT event_id) FROM fuse_event_keys), "
            "(SELECT count(*) FROM fused_events), "
            "(SELECT count(*) FROM figure_series), (SELECT count(*) FROM contradictions), "
            "(SELECT count(*) FROM dyad_events), (SELECT count(*) FROM doc_duplicates)"
        ).fetchone()
        assert totals is not None
        con.execute("DELETE FROM fuse_state")
        con.execute(
            "INSERT INTO fuse_state (fingerprint, seconds, n_documents, n_events, n_fused_events, config, mode) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [fp, seconds, totals[0], totals[1], totals[2], config_key(self.config),
             "full" if self.full else "incremental"],
        )
        return RefreshReport(
            skipped=False, seconds=seconds, documents=totals[0], hashed=hashed, copies=totals[6],
            events=totals[1], fused_events=totals[2], series=totals[3], contradictions=totals[4],
            dyad_events=totals[5], mode="full" if self.full else "incremental", new_documents=n_new,
            events_reclustered=n_events, figures_regrouped=n_figures,
        )

    def _commit(self) -> None:
        """Commit what the refresh wrote so far, when it runs in its own transaction."""
        if self.commit_batches:
            self.con.execute("COMMIT")
            self.con.execute("BEGIN TRANSACTION")

    # -- entities ---------------------------------------------------------------------------
    def _update_canon(self) -> set[str]:
        """Store the canonical form of every entity; return the entity_ids whose form changed.

        Compared in the store, so nothing per entity is held here (a full refresh returns
        no ids: every event is read anyway).
        """
        con = self.con
        con.execute(f"CREATE OR REPLACE TEMP TABLE _fuse_canon AS {CANONICAL_ENTITIES_SQL}")
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _fuse_canon_changed AS SELECT entity_id FROM "
            "(SELECT * FROM _fuse_canon EXCEPT SELECT * FROM fuse_entity_canon) "
            "UNION SELECT entity_id FROM fuse_entity_canon ANTI JOIN _fuse_canon USING (entity_id)"
        )
        con.execute("DELETE FROM fuse_entity_canon WHERE entity_id IN (SELECT entity_id FROM _fuse_canon_changed)")
        con.execute(
            "INSERT INTO fuse_entity_canon SELECT c.* FROM _fuse_canon c "
            "JOIN _fuse_canon_changed USING (entity_id) ORDER BY c.entity_id"
        )
        changed = set() if self.full else _ids(con, "SELECT entity_id FROM _fuse_canon_changed")
        con.execute("DROP TABLE _fuse_canon")
        con.execute("DROP TABLE _fuse_canon_changed")
        return changed

    # -- events -------------------------------------------------------------------------------
    def _events(
        self, new: set[str], removed: set[str], regrouped: set[str], entities: set[str]
    ) -> tuple[int, list[FusedEvent], set[str]]:
        """Re-cluster the components the changes touch; write only the fused events that changed.

        Returns the events re-clustered, the fused events (re)written and the ids of stored
        fused events that were rewritten or are gone.
        """
        con, config, docs = self.con, self.config, self.docs
        select(con, "_fuse_docs", new | regrouped)
        seeds = _ids(con, "SELECT event_id FROM events JOIN _fuse_docs ON id = doc_id")
        if entities:
            select(con, "_fuse_ent", entities)
            seeds |= _ids(con, "SELECT DISTINCT event_id FROM event_participants JOIN _fuse_ent ON id = entity_id")
        select(con, "_fuse_docs", removed | regrouped)
        gone_events = _ids(con, "SELECT event_id FROM fuse_event_keys JOIN _fuse_docs ON id = doc_id")
        seed_rows = load_events(con, docs, seeds)
        select(con, "_fuse_evs", seeds | gone_events)
        comps = _ids(con, "SELECT DISTINCT comp FROM fuse_event_keys JOIN _fuse_evs ON id = event_id")
        comps |= self._adjacent_components(seed_rows)
        select(con, "_fuse_comps", comps)
        members = _ids(con, "SELECT event_id FROM fuse_event_keys JOIN _fuse_comps ON id = comp")
        # Every stored fused event lies inside one component: these hold all its members.
        select(con, "_fuse_evs", members | gone_events | seeds)
        # event_id -> its fused_event_id, and its component label, before this update.
        stored: dict[str, str] = dict(con.execute(
            "SELECT event_id, fused_event_id FROM fused_event_members JOIN _fuse_evs ON id = event_id"
        ).fetchall())
        stored_comp: dict[str, str] = dict(con.execute(
            "SELECT DISTINCT event_id, comp FROM fuse_event_keys JOIN _fuse_evs ON id = event_id"
        ).fetchall())
        known = {e.event_id for e in seed_rows}
        events = seed_rows + load_events(con, docs, (members - known) - gone_events)
        comp = event_components(events, config, docs)
        # Key rows depend on the event and its component: rewrite those of new, changed and
        # removed events and of events whose component was merged or split.
        rekey = [e for e in events if e.event_id in seeds or stored_comp.get(e.event_id) != comp[e.event_id]]
        select(con, "_fuse_evs", {e.event_id for e in rekey} | gone_events)
        con.execute("DELETE FROM fuse_event_keys WHERE event_id IN (SELECT id FROM _fuse_evs)")
        by_comp: dict[str, list[EventRow]] = defaultdict(list)
        for ev in events:
            by_comp[comp[ev.event_id]].append(ev)
        clusters = {fused_id(c): c for label in sorted(by_comp) for c in cluster_events(by_comp[label], config, docs)}
        current = {m.event_id: fid for fid, cluster in clusters.items() for m in cluster}
        # Member rows to (re)write: events new to their fused event, or whose content changed.
        moved, left = _member_changes(stored, current, seeds)
        n_stored = Counter(stored.values())
        fused: list[FusedEvent] = []
        for fid, cluster in clusters.items():
            kept = sum(1 for m in cluster if m.event_id not in moved)
            if kept < len(cluster) or kept != n_stored[fid]:
                fused.append(fuse(cluster, docs))
        fused.sort(key=lambda f: f.fused_event_id)
        # Stored fused events rewritten (same id, other members) or gone (no cluster has the id).
        gone = (set(stored.values()) - set(current.values())) | ({f.fused_event_id for f in fused} & set(n_stored))
        if gone:
            select(con, "_fuse_fe", gone)
            for table in ("fused_events", "fused_event_participants"):
                con.execute(f"DELETE FROM {table} WHERE fused_event_id IN (SELECT id FROM _fuse_fe)")
        if left:
            select(con, "_fuse_evs", left)
            con.execute("DELETE FROM fused_event_members WHERE event_id IN (SELECT id FROM _fuse_evs)")
        self._write_keys(rekey, comp)
        _write_events(con, fused, docs, docs.groups, config, moved)
        return len(events), fused, gone

    def _write_keys(self, events: list[EventRow], comp: dict[str, str]) -> None:
        rows = []
        for ev in events:
            iv = ev.interval
            pub = self.docs[ev.doc_id].published
            keys: list[str | None] = list(entity_keys(ev)) or [None]
            for key in keys:
                rows.append({
                    "event_id": ev.event_id, "doc_id": ev.doc_id, "comp": comp[ev.event_id], "type": ev.type,
                    "negated": ev.negated, "ekey": key, "lo": iv[0] if iv else None, "hi": iv[1] if iv else None,
                    "pub": pub,
                })
        insert_rows(self.con, "fuse_event_keys", rows)

    def _adjacent_components(self, seeds: list[EventRow]) -> set[str]:
        """Components of stored events that a seed event could join (same block, dates that fit)."""
        rows = []
        for ev in seeds:
            iv = ev.interval
            for key in entity_keys(ev):
                rows.append({"type": ev.type, "negated": ev.negated, "ekey": key, "lo": iv[0] if iv else None,
                             "hi": iv[1] if iv else None, "pub": self.docs[ev.doc_id].published})
        if not rows:
            return set()
        con = self.con
        con.execute("CREATE OR REPLACE TEMP TABLE _fuse_seed_keys (type VARCHAR, negated BOOLEAN, ekey VARCHAR, "
                    "lo DATE, hi DATE, pub DATE)")
        insert_rows(con, "_fuse_seed_keys", rows)
        g, w = self.config.max_date_gap_days, self.config.unknown_attach_max_days
        # Every condition below puts the two rows' days (dates, else publication) at most
        # `reach` apart: an equi-join on the time buckets both cover keeps a popular
        # participant's stored rows from being paired with every seed.
        reach = max(g, w)
        seed_span = _buckets("coalesce(n.lo, n.pub)", "coalesce(n.hi, n.pub)", reach, reach + 1)
        key_span = _buckets("coalesce(k.lo, k.pub)", "coalesce(k.hi, k.pub)", 0, reach + 1)
        return _ids(con, f"""
            SELECT DISTINCT k.comp
            FROM (SELECT *, unnest({seed_span}) AS bucket FROM _fuse_seed_keys n
                  WHERE n.lo IS NOT NULL OR n.pub IS NOT NULL) n
            JOIN (SELECT *, unnest({key_span}) AS bucket FROM fuse_event_keys k
                  WHERE k.lo IS NOT NULL OR k.pub IS NOT NULL) k
              ON k.type = n.type AND k.negated = n.negated AND k.ekey = n.ekey AND k.bucket = n.bucket
            WHERE (n.lo IS NOT NULL AND k.lo IS NOT NULL AND k.lo - n.hi <= {g} AND n.lo - k.hi <= {g})
               OR (n.lo IS NOT NULL AND k.lo IS NULL AND k.pub IS NOT NULL
                   AND n.lo - k.pub <= {g} AND k.pub - n.hi <= {w})
               OR (n.lo IS NULL AND n.pub IS NOT NULL AND k.lo IS NOT NULL
                   AND k.lo - n.pub <= {g} AND n.pub - k.hi <= {w})
               OR (n.lo IS NULL AND n.pub IS NOT NULL AND k.lo IS NULL AND k.pub IS NOT NULL
                   AND abs(k.pub - n.pub) <= {w})
        """)

    def _stored_fused(self, ids: set[str]) -> list[FusedEvent]:
        """Stored fused events as contradictions read them, from their own rows.

        Their members carry only what a contradiction side shows (document and evidence):
        these fused events were not rewritten, so their rows are current.
        """
        if not ids:
            return []
        con, docs = self.con, self.docs
        select(con, "_fuse_fe", ids)
        parts: dict[str, dict[str, list[Party]]] = defaultdict(lambda: {"actor": [], "target": []})
        for fid, role, key, entity_id, name, country in con.execute(
            "SELECT fused_event_id, role, entity_key, entity_id, name, country FROM fused_event_participants "
            "JOIN _fuse_fe ON id = fused_event_id ORDER BY fused_event_id, role, position"
        ).fetchall():
            parts[fid][role].append(Party(key, entity_id, name, country))
        members: dict[str, list[list[Any]]] = defaultdict(list)
        for fid, *member in con.execute(
            "SELECT fused_event_id, event_id, doc_id, date, precision, negated, evidence_id, evidence "
            "FROM fused_event_members JOIN _fuse_fe ON id = fused_event_id"
        ).fetchall():
            members[fid].append(member)
        docs.load(m[1] for listed in members.values() for m in listed)
        out = []
        for fid, etype, mode, date, precision, place, negated, sources, doc_ids, first_doc, first_pub in con.execute(
            "SELECT fused_event_id, type, mode, date, precision, place, negated, sources, doc_ids, first_doc_id, "
            "first_reported FROM fused_events JOIN _fuse_fe ON id = fused_event_id ORDER BY fused_event_id"
        ).fetchall():
            rows = [EventRow(m[0], m[1], etype, None, m[2], m[3], None, m[4], None, m[5], m[6], (), (), ())
                    for m in members[fid]]
            out.append(FusedEvent(
                fid, etype, mode, date, precision, place, negated, tuple(parts[fid]["actor"]),
                tuple(parts[fid]["target"]), tuple(sources), tuple(sorted(rows, key=lambda e: report_key(e, docs))),
                tuple(doc_ids), first_doc, first_pub,
            ))
        return out

    # -- contradictions between fused events ----------------------------------------------------
    def _event_contradictions(self, fused_new: list[FusedEvent], gone: set[str]) -> int:
        con, config = self.con, self.config
        new_ids = {f.fused_event_id for f in fused_new}
        stale = gone | new_ids
        if stale:
            select(con, "_fuse_fe", stale)
            _drop_contradictions(con, "kind IN ('event_negation', 'event_date')", "_fuse_fe")
        if not fused_new:
            return 0
        # Neighbours: stored fused events of the same type sharing a participant, with dates
        # close enough (undated ones always), that could contradict a new one: the opposite
        # `negated` (a denial), or the same mode and participants at day or month precision
        # (a date conflict). See event_contradictions.
        rows = []
        for fe in fused_new:
            iv = fe.interval
            dates_kind = fe.precision in ("day", "month") and bool(fe.actors) and bool(fe.targets)
            for p in fe.actors + fe.targets:
                rows.append({
                    "type": fe.type, "key": p.key, "lo": iv[0] if iv else None, "hi": iv[1] if iv else None,
                    "negated": fe.negated, "mode": fe.mode, "dates_kind": dates_kind,
                    "actors": sorted(a.key for a in fe.actors), "targets": sorted(t.key for t in fe.targets),
                })
        con.execute("CREATE OR REPLACE TEMP TABLE _fuse_seed_fe (type VARCHAR, key VARCHAR, lo DATE, hi DATE, "
                    "negated BOOLEAN, mode VARCHAR, dates_kind BOOLEAN, actors VARCHAR[], targets VARCHAR[])")
        insert_rows(con, "_fuse_seed_fe", rows)
        reach = max(config.date_conflict_max_days, config.max_date_gap_days) + 1
        dates_fit = (f"(n.lo IS NULL OR f.date_start IS NULL "
                     f"OR (f.date_start - n.hi <= {reach} AND n.lo - f.date_end <= {reach}))")
        # Two equi-joins, one per kind, so that a popular participant's stored events are not
        # paired with every new one: a denial has the opposite `negated`; a date conflict
        # has the same participants.
        near = _ids(con, f"""
            WITH stored AS (
              SELECT p.entity_key, f.* FROM fused_event_participants p JOIN fused_events f USING (fused_event_id)
            )
            SELECT f.fused_event_id
            FROM (SELECT *, unnest({_buckets("n.lo", "n.hi", reach, reach + 1)}) AS bucket
                  FROM _fuse_seed_fe n WHERE n.lo IS NOT NULL) n
            JOIN (SELECT *, unnest({_buckets("f.date_start", "f.date_end", 0, reach + 1)}) AS bucket
                  FROM stored f WHERE f.date_start IS NOT NULL) f
              ON f.entity_key = n.key AND f.type = n.type AND f.negated <> n.negated AND f.bucket = n.bucket
            WHERE {dates_fit}
            UNION
            SELECT f.fused_event_id FROM _fuse_seed_fe n JOIN stored f
              ON f.entity_key = n.key AND f.type = n.type AND f.negated <> n.negated
            WHERE n.lo IS NULL OR f.date_start IS NULL
            UNION
            SELECT f.fused_event_id FROM (SELECT DISTINCT * EXCLUDE (key) FROM _fuse_seed_fe WHERE dates_kind) n
            JOIN fused_events f ON f.type = n.type AND list_sort(f.actor_ids) = n.actors
                 AND list_sort(f.target_ids) = n.targets
            WHERE f.precision IN ('day', 'month') AND f.mode IS NOT DISTINCT FROM n.mode AND {dates_fit}
        """) - new_ids
        neighbours = self._stored_fused(near)
        contras = [
            c for c in event_contradictions(fused_new + neighbours, config, self.docs, self.docs.groups)
            if set(c.a.ids) & new_ids or set(c.b.ids) & new_ids
        ]
        _write_contradictions(con, contras)
        return len(contras)

    # -- dyads --------------------------------------------------------------------------------------
    def _dyads(self, fused_new: list[FusedEvent], gone: set[str]) -> int:
        con = self.con
        new_ids = {f.fused_event_id for f in fused_new}
        if not (gone | new_ids):
            return 0
        select(con, "_fuse_fe", gone | new_ids)
        # Months of the dyads of the fused events rewritten or gone, then of the new rows.
        con.execute("CREATE OR REPLACE TEMP TABLE _fuse_dyad_keys AS SELECT DISTINCT level, actor, target, "
                    "month, type FROM dyad_events JOIN _fuse_fe ON id = fused_event_id")
        con.execute("DELETE FROM dyad_events WHERE fused_event_id IN (SELECT id FROM _fuse_fe)")
        dyads = dyad_events(fused_new, self.config)
        _insert(con, "dyad_events", [
            {"fused_event_id": d.fused_event_id, "level": d.level, "actor": d.actor, "actor_name": d.actor_name,
             "target": d.target, "target_name": d.target_name, "month": d.month, "type": d.type, "mode": d.mode,
             "quad_class": d.quad_class, "weight": d.weight}
            for d in dyads
        ])
        aggregate = (
            "SELECT level, actor, min(actor_name), target, min(target_name), month, type, count(*), "
            "round(sum(weight), 4) FROM dyad_events {where} GROUP BY level, actor, target, month, type"
        )
        con.execute("INSERT INTO _fuse_dyad_keys SELECT DISTINCT level, actor, target, month, type FROM dyad_events "
                    "JOIN _fuse_fe ON id = fused_event_id")
        con.execute(
            "DELETE FROM dyad_monthly USING _fuse_dyad_keys k WHERE dyad_monthly.level = k.level AND "
            "dyad_monthly.actor = k.actor AND dyad_monthly.target = k.target AND dyad_monthly.month = k.month "
            "AND dyad_monthly.type = k.type"
        )
        con.execute("INSERT INTO dyad_monthly " + aggregate.format(
            where="SEMI JOIN _fuse_dyad_keys k USING (level, actor, target, month, type)"
        ))
        return len(dyads)

    # -- figures ------------------------------------------------------------------------------------
    def _key_figures(
        self, new: set[str], removed: set[str], regrouped: set[str], entities: set[str], changes: _FigureChanges
    ) -> None:
        """Write the `fuse_figure_keys` rows of new and re-read figures; note the blocks they touch.

        A figure's block and context depend on the figure and its document alone, so only
        these figures are read in full; regrouping reads every figure from its key row.
        """
        con, config = self.con, self.config
        select(con, "_fuse_docs", new | regrouped)
        seeds = _ids(con, "SELECT figure_id FROM figures JOIN _fuse_docs ON id = doc_id")
        if entities:
            # A figure's context comes from its document's places: re-read documents naming them.
            select(con, "_fuse_ent", entities)
            seeds |= _ids(con, "SELECT f.figure_id FROM figures f WHERE f.doc_id IN (SELECT doc_id FROM "
                               "doc_entities JOIN _fuse_ent ON id = entity_id)")
        select(con, "_fuse_docs", removed | regrouped)
        gone = _ids(con, "SELECT figure_id FROM fuse_figure_keys JOIN _fuse_docs ON id = doc_id")
        select(con, "_fuse_figs", seeds | gone)
        stored_block: dict[str, str] = dict(con.execute(
            "SELECT figure_id, block FROM fuse_figure_keys JOIN _fuse_figs ON id = figure_id"
        ).fetchall())
        changes.blocks |= set(stored_block.values())
        con.execute("DELETE FROM fuse_figure_keys WHERE figure_id IN (SELECT id FROM _fuse_figs)")
        figures = load_figures(con, self.docs, config, seeds)
        keys = block_keys(figures, config)
        changes.blocks |= set(keys.values())
        insert_rows(con, "fuse_figure_keys", [
            {"figure_id": f.figure_id, "doc_id": f.doc_id, "block": keys[f.figure_id],
             "countries": list(f.countries), "words": sorted(f.words)}
            for f in figures
        ])
        if not self.full:
            # A full refresh stores nothing before it regroups, so every member row is new anyway.
            changes.seeds |= seeds
            # A re-read figure keeps its block: the block follows from the figure's own row
            # and the settings, and other settings make the refresh a full one.
            for f in gone & stored_block.keys():
                changes.gone[stored_block[f]].add(f)

    def _regroup_figures(self, changes: _FigureChanges) -> int:
        """Regroup the touched blocks, a run of them at a time; return the figures read.

        A series lies inside one block, so the series, member rows and conflicts of a run of
        blocks are replaced on their own, and memory holds one run (`FIGURES_PER_REGROUP`).
        """
        if not changes.blocks:
            return 0
        return sum(
            self._regroup(run, set().union(*(changes.gone.get(b, set()) for b in run)), changes.seeds)
            for run in self._block_runs(changes.blocks)
        )

    def _block_runs(self, blocks: set[str]) -> list[set[str]]:
        """`blocks` in key order, packed into runs of at most `FIGURES_PER_REGROUP` figures (or one block)."""
        select(self.con, "_fuse_blocks", blocks)
        sizes = dict(self.con.execute(
            "SELECT block, count(*) FROM fuse_figure_keys JOIN _fuse_blocks ON id = block GROUP BY block"
        ).fetchall())
        runs: list[set[str]] = []
        held = 0
        for block in sorted(blocks):
            size = sizes.get(block, 0)
            if not runs or held + size > FIGURES_PER_REGROUP:
                runs.append(set())
                held = 0
            runs[-1].add(block)
            held += size
        return runs

    def _regroup(self, blocks: set[str], gone: set[str], seeds: set[str]) -> int:
        """Regroup `blocks` whole; write only the series (and their conflicts) whose members changed.

        `gone` are the figures of these blocks that left, `seeds` the figures re-read.
        """
        con, config, docs = self.con, self.config, self.docs
        docs.clear()  # runs of blocks are regrouped one after another: hold one run's documents
        select(con, "_fuse_blocks", blocks)
        members = _ids(con, "SELECT figure_id FROM fuse_figure_keys JOIN _fuse_blocks ON id = block")
        select(con, "_fuse_figs", members | gone)
        # figure_id -> (series_id, backwards) before this refresh
        stored: dict[str, tuple[str, bool]] = {r[0]: (r[1], r[2]) for r in con.execute(
            "SELECT figure_id, series_id, backwards FROM figure_series_member_rows JOIN _fuse_figs ON id = figure_id"
        ).fetchall()}
        figures, keys = load_keyed_figures(con, docs, members)
        series = build_series(figures, config, keys)
        # Member rows change only for figures that moved, changed or turned backwards; a
        # series with no such member keeps its row and its conflicts.
        now = {f.figure_id: (s.series_id, f.figure_id in s.backwards) for s in series for f in s.members}
        rewrite, left = _member_changes(stored, now, seeds)
        changed = {now[f][0] for f in rewrite} | {stored[f][0] for f in left}
        series = [s for s in series if s.series_id in changed]
        if stored:
            select(con, "_fuse_series", changed)
            con.execute("DELETE FROM figure_series WHERE series_id IN (SELECT id FROM _fuse_series)")
            select(con, "_fuse_figs", {f for f, v in stored.items() if v[0] in changed}
                   | {f for f, v in now.items() if v[0] in changed})
            _drop_contradictions(con, "kind = 'figure_value'", "_fuse_figs")
        if left:
            select(con, "_fuse_figs", left)
            con.execute("DELETE FROM figure_series_member_rows WHERE figure_id IN (SELECT id FROM _fuse_figs)")
        conflicts = self._with_evidence(figure_conflicts(series, config, docs.groups, docs))
        _write_series(con, series, docs, docs.groups, rewrite)
        _write_contradictions(con, figure_contradictions(conflicts, docs))
        return len(figures)

    def _with_evidence(self, conflicts: list[FigureConflict]) -> list[FigureConflict]:
        """Fill in the sentences of the conflicting figures (regrouped ones carry none)."""
        texts = figure_evidence(self.con, {f.figure_id for c in conflicts for f in (*c.a, *c.b)})

        def fill(figs: tuple[FigureRow, ...]) -> tuple[FigureRow, ...]:
            return tuple(replace(f, evidence=texts[f.figure_id]) if f.figure_id in texts else f for f in figs)

        return [replace(c, a=fill(c.a), b=fill(c.b)) for c in conflicts]


def _member_changes(stored: dict[str, Any], now: dict[str, Any], seeds: set[str]) -> tuple[set[str], set[str]]:
    """Member rows to write and to delete, by member id, from what each member belongs to.

    `stored` and `now` map a member (event or figure) to what its row records of its group
    (fused event id; series id and `backwards`) before and after; a seed's own content
    changed, so its row is rewritten even when the group is the same.
    """
    write = {m for m, v in now.items() if m in seeds or stored.get(m) != v}
    drop = {m for m, v in stored.items() if m in seeds or now.get(m) != v}
    return write, drop


def _drop_contradictions(con: duckdb.DuckDBPyConnection, kinds: str, ids_table: str) -> None:
    """Delete the contradictions of `kinds` with a side among the ids of `ids_table` (a hash join)."""
    con.execute(
        "DELETE FROM contradictions WHERE contradiction_id IN (SELECT c.contradiction_id FROM "
        f"(SELECT contradiction_id, unnest(a_ids || b_ids) AS id FROM contradictions WHERE {kinds}) c "
        f"JOIN {ids_table} USING (id))"
    )


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: Sequence[dict[str, Any]]) -> None:
    insert_rows(con, table, list(rows))


def _write_events(
    con: duckdb.DuckDBPyConnection, fused: list[FusedEvent], docs: Mapping[str, Doc], source_group: Mapping[str, str],
    config: FuseConfig, members: set[str] | None = None,
) -> None:
    """Insert the rows of `fused`; member rows only for the event_ids in `members` (None: all)."""
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
            "n_sources": len({source_group.get(d, d) for d in fe.doc_ids}),
            "documents": list(dict.fromkeys(docs[d].name for d in fe.doc_ids)), "doc_ids": list(fe.doc_ids),
            "outlets": sorted({o for d in fe.doc_ids if (o := docs[d].outlet)}),
            "first_reported": fe.first_reported, "first_doc_id": fe.first_doc_id,
            "evidence": [t for _, t in evidence], "evidence_ids": [i for i, _ in evidence],
            "quad_class": quad, "weight": 0.0 if fe.negated else weight,
        })
        for m in fe.members:
            if members is not None and m.event_id not in members:
                continue
            doc = docs[m.doc_id]
            member_rows.append({
                "fused_event_id": fe.fused_event_id, "event_id": m.event_id, "doc_id": m.doc_id,
                "document": doc.name, "outlet": doc.outlet, "published_date": doc.published, "date": m.date,
                "precision": m.precision, "negated": m.negated, "evidence_id": m.evidence_id,
                "evidence": m.evidence, "is_copy": source_group.get(m.doc_id, m.doc_id) != m.doc_id,
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
    con: duckdb.DuckDBPyConnection, series: list[Series], docs: Mapping[str, Doc], source_group: Mapping[str, str],
    members: set[str] | None = None,
) -> None:
    """Insert the rows of `series`; member rows only for the figure_ids in `members` (None: all).

    Member rows are written `MEMBER_ROWS_PER_INSERT` at a time, each batch with the sentences
    of its figures (regrouped figures carry none).
    """
    s_rows = []
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
    _insert(con, "figure_series", s_rows)
    todo = [(s, f) for s in series for f in s.members if members is None or f.figure_id in members]
    for start in range(0, len(todo), MEMBER_ROWS_PER_INSERT):
        chunk = todo[start : start + MEMBER_ROWS_PER_INSERT]
        texts = figure_evidence(con, [f.figure_id for _, f in chunk if not f.evidence])
        _insert(con, "figure_series_member_rows", [{
            "series_id": s.series_id, "figure_id": f.figure_id, "doc_id": f.doc_id,
            "document": docs[f.doc_id].name, "outlet": docs[f.doc_id].outlet, "value": f.value,
            "qualifier": f.qualifier, "unit": f.unit, "subject": f.subject, "as_of": f.as_of,
            "as_of_precision": f.as_of_precision, "backwards": f.figure_id in s.backwards,
            "evidence_id": f.evidence_id, "evidence": texts.get(f.figure_id, f.evidence),
        } for s, f in chunk])


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



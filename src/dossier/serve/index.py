"""Precomputed lookup tables that keep the server's lists, search and event pages fast.

The server opens the store read-only, so everything it needs precomputed is written here,
at build time: the build driver calls `build_index(con)` after every build, and
`dossier serve --index` runs it on demand. It writes

- the full-text indexes (`fts_main_documents`, `fts_main_evidence`, see `search.py`) with
  their term-sorted postings and per-term top lists;
- schema `serve_index`: fused events in timeline order with a dense `rank` (`fused`); one
  row per filter key and event, sorted by key (`fused_keys`: actor ids and names, any
  participant, outlet), so a filtered list reads one contiguous, zone-mapped range; each
  fused event's participants, members and evidence spans sorted by rank; figures in as-of
  order with their outlet and evidence (`figures`); entity event counts (`entity_events`);
- `serve_index.meta`: a fingerprint of every source table each part was built from.

At first use the server recomputes those fingerprints (count and hash of the rows it
copied); a part whose sources changed since (a later `dossier fuse`, a merge) is not used,
and the queries fall back to the source tables: slower, never stale.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

import duckdb

from dossier.errors import StoreError
from dossier.serve.db import StoreReader
from dossier.serve.search import TOP_K, build_fts
from dossier.store import open_store
from dossier.store.connection import begin_if_needed

log = logging.getLogger(__name__)

SCHEMA = "serve_index"
# Bump when the layout of the serve_index tables changes: an older index is then ignored.
VERSION = 1

# Per part: the source tables and the row expression hashed into its fingerprint. Hashing
# whole rows catches in-place UPDATEs (entity merges rewrite participants' entity ids).
SOURCES: dict[str, tuple[tuple[str, str], ...]] = {
    "fused": (
        ("fused_events", "hash(t)"),
        ("fused_event_participants", "hash(t)"),
        ("fused_event_members", "hash(t)"),
        ("entity_aliases", "hash(t.entity_id, t.alias)"),
        ("events", "hash(t.event_id, t.evidence_id)"),
        ("event_evidence", "hash(t.event_id, t.evidence_id)"),
        # Evidence rows are insert-only, keyed by content: their ids are enough.
        ("evidence", "hash(t.evidence_id)"),
    ),
    "figures": (
        ("figures", "hash(t)"),
        ("documents", "hash(t.doc_id, t.outlet, t.name)"),
        ("evidence", "hash(t.evidence_id)"),
    ),
    "entities": (("event_participants", "hash(t.event_id, t.entity_id)"),),
}

FUSED_COLUMNS = (
    "fused_event_id, type, mode, date, precision, date_start, date_end, place, negated, actors, actor_ids, "
    "targets, target_ids, sources, n_mentions, n_documents, n_sources, documents, outlets, first_reported, "
    "evidence, quad_class, weight"
)
FUSED_ORDER = "date_start NULLS LAST, precision, type, fused_event_id"

_FUSED_SQL = (
    f"CREATE OR REPLACE TABLE {SCHEMA}.fused AS SELECT "
    f"(row_number() OVER (ORDER BY {FUSED_ORDER}) - 1)::INTEGER AS rank, {FUSED_COLUMNS} "
    "FROM fused_events ORDER BY rank",
    # Filter keys: 'a:' exact actor id or key, 'n:' lower-cased actor name or alias of its
    # entity, 'p:' id or key of any participant, 'o:' lower-cased outlet of a member. The
    # same matching rules as the direct queries in queries.py, precomputed.
    f"""CREATE OR REPLACE TABLE {SCHEMA}.fused_keys AS
    WITH k AS (
        SELECT 'a:' || entity_id AS key, fused_event_id FROM fused_event_participants WHERE role = 'actor'
        UNION SELECT 'a:' || entity_key, fused_event_id FROM fused_event_participants WHERE role = 'actor'
        UNION SELECT 'n:' || lower(name), fused_event_id FROM fused_event_participants WHERE role = 'actor'
        UNION SELECT 'n:' || lower(a.alias), p.fused_event_id FROM fused_event_participants p
            JOIN entity_aliases a ON a.entity_id = p.entity_id WHERE p.role = 'actor'
        UNION SELECT 'p:' || entity_id, fused_event_id FROM fused_event_participants
        UNION SELECT 'p:' || entity_key, fused_event_id FROM fused_event_participants
        UNION SELECT 'o:' || lower(outlet), fused_event_id FROM fused_event_members
    )
    SELECT k.key, f.rank, f.type, f.date_start, f.date_end FROM k JOIN {SCHEMA}.fused f USING (fused_event_id)
    WHERE k.key IS NOT NULL ORDER BY k.key, f.rank""",
    f"""CREATE OR REPLACE TABLE {SCHEMA}.fused_participants AS
    SELECT f.rank, p.role, p.position, p.entity_key, p.entity_id, p.name, p.country
    FROM fused_event_participants p JOIN {SCHEMA}.fused f USING (fused_event_id)
    ORDER BY f.rank, p.role, p.position""",
    f"""CREATE OR REPLACE TABLE {SCHEMA}.fused_members AS
    SELECT f.rank, m.event_id, m.doc_id, m.document, m.outlet, m.published_date, m.date, m.precision, m.negated,
        m.evidence, m.is_copy
    FROM fused_event_members m JOIN {SCHEMA}.fused f USING (fused_event_id)
    ORDER BY f.rank, m.published_date NULLS LAST, m.event_id""",
    # Every evidence span of every member event (main sentence and extra evidence), once per
    # span; the event page marks them inside their articles.
    f"""CREATE OR REPLACE TABLE {SCHEMA}.event_spans AS
    WITH x AS (
        SELECT m.rank, e.event_id, e.evidence_id FROM {SCHEMA}.fused_members m JOIN events e USING (event_id)
        UNION SELECT m.rank, x.event_id, x.evidence_id FROM {SCHEMA}.fused_members m
            JOIN event_evidence x USING (event_id)
    )
    SELECT x.rank, min(x.event_id) AS event_id, ev.evidence_id, ev.doc_id, ev.body_start, ev.body_end, ev.text
    FROM x JOIN evidence ev USING (evidence_id)
    GROUP BY x.rank, ev.evidence_id, ev.doc_id, ev.body_start, ev.body_end, ev.text
    ORDER BY x.rank, ev.doc_id, ev.body_start""",
    # Event id -> rank is a point lookup.
    f"CREATE UNIQUE INDEX serve_fused_id ON {SCHEMA}.fused (fused_event_id)",
    f"""CREATE OR REPLACE TABLE {SCHEMA}.months AS
    SELECT date_trunc('month', date_start)::DATE AS month, type, count(*)::INTEGER AS n FROM fused_events
    WHERE precision IN ('day', 'month') AND date_start IS NOT NULL GROUP BY ALL ORDER BY month, type""",
)

_FIGURES_SQL = (
    f"""CREATE OR REPLACE TABLE {SCHEMA}.figures AS
    SELECT (row_number() OVER (ORDER BY fg.as_of NULLS LAST, fg.figure_id) - 1)::INTEGER AS rank,
        fg.figure_id, fg.doc_id, fg.value, fg.qualifier, fg.unit, fg.category, fg.subject, fg.source, fg.as_of,
        fg.as_of_precision, fg.surface, d.outlet, d.name AS document, coalesce(ev.text, '') AS evidence,
        lower(d.outlet) AS outlet_l, lower(fg.subject) AS subject_l, lower(fg.source) AS source_l
    FROM figures fg JOIN documents d ON d.doc_id = fg.doc_id LEFT JOIN evidence ev ON ev.evidence_id = fg.evidence_id
    ORDER BY rank""",
)

_ENTITIES_SQL = (
    f"""CREATE OR REPLACE TABLE {SCHEMA}.entity_events AS
    SELECT entity_id, count(DISTINCT event_id) AS events FROM event_participants
    WHERE entity_id IS NOT NULL GROUP BY entity_id ORDER BY entity_id""",
)

PARTS = {"fused": _FUSED_SQL, "figures": _FIGURES_SQL, "entities": _ENTITIES_SQL}


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {
        r[0] if r[1] == "main" else f"{r[1]}.{r[0]}"
        for r in con.execute("SELECT table_name, table_schema FROM information_schema.tables").fetchall()
    }


def table_fingerprint(con: duckdb.DuckDBPyConnection, table: str, expr: str) -> str:
    """Row count and order-free hash of `expr` over `table` (fixed names from SOURCES, never input)."""
    row = con.execute(f"SELECT count(*), coalesce(bit_xor({expr}), 0) FROM {table} t").fetchone()
    return f"{row[0]}:{row[1]}" if row else "0:0"


def build_index(con: duckdb.DuckDBPyConnection, *, top_k: int = TOP_K) -> None:
    """(Re)build everything the server reads precomputed: search indexes and `serve_index`.

    Needs a writable connection; the build driver runs it after every build. `top_k` is
    the length of each frequent word's precomputed list of best rows (see `search.TOP_K`).
    """
    started = time.perf_counter()
    build_fts(con, top_k=top_k)
    build_serve_index(con)
    log.info("serve: indexes built in %.1f s", time.perf_counter() - started)


def index_store(db: str | os.PathLike[str]) -> None:
    """Open the store writable, (re)build its indexes, and close it."""
    con = open_store(Path(db))
    try:
        build_index(con)
    except duckdb.Error as err:
        raise StoreError(f"{db}: cannot build the search index ({err}); is another process writing it?") from None
    finally:
        con.close()


def build_serve_index(con: duckdb.DuckDBPyConnection) -> list[str]:
    """(Re)write schema `serve_index` from the store's tables; return the parts written.

    A part whose source tables are missing (e.g. no fuse stage yet) is skipped; the server
    then answers those lists from the source tables.
    """
    started = time.perf_counter()
    own = begin_if_needed(con)
    try:
        con.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        con.execute(f"CREATE SCHEMA {SCHEMA}")
        con.execute(f"CREATE TABLE {SCHEMA}.meta (name VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)")
        tables = _tables(con)
        written: list[str] = []
        for part, statements in PARTS.items():
            if not all(table in tables for table, _ in SOURCES[part]):
                log.info("serve index: no %s tables in this store; skipped", part)
                continue
            for sql in statements:
                con.execute(sql)
            rows = [(f"{part}:{table}", table_fingerprint(con, table, expr)) for table, expr in SOURCES[part]]
            con.executemany(f"INSERT INTO {SCHEMA}.meta VALUES (?, ?)", rows)
            written.append(part)
        con.execute(f"INSERT INTO {SCHEMA}.meta VALUES ('version', ?)", [str(VERSION)])
        if own:
            con.execute("COMMIT")
    except BaseException:
        if own:
            con.execute("ROLLBACK")
        raise
    log.info("serve index: %s in %.1f s", ", ".join(written) or "nothing", time.perf_counter() - started)
    return written




def ready(reader: StoreReader, part: str) -> bool:
    """True when `part` of the serve index exists and matches its source tables now.

    Computed once per reader (the store is read-only while served) and kept out of the
    evictable memo entries.
    """
    key = f"serve-index:{part}"
    if key not in reader.cache:
        reader.cache[key] = _check(reader, part)
    found: bool = reader.cache[key]
    return found


def _check(reader: StoreReader, part: str) -> bool:
    if not reader.has(f"{SCHEMA}.meta"):
        return False
    stored = {r["name"]: r["value"] for r in reader.rows(f"SELECT name, value FROM {SCHEMA}.meta")}
    if stored.get("version") != str(VERSION):
        log.info("serve index: built by another version; lists use the source tables (run `dossier serve --index`)")
        return False
    cur = reader.cursor()
    for table, expr in SOURCES[part]:
        key = f"{part}:{table}"
        if key not in stored:
            return False
        memo = f"fingerprint:{table}:{expr}"
        if memo not in reader.cache:
            reader.cache[memo] = table_fingerprint(cur, table, expr)
        now = reader.cache[memo]
        if now != stored[key]:
            log.warning(
                "serve index: %s changed since the index was built; %s use the source tables (slower) "
                "until `dossier serve --index` or the next build",
                table,
                part,
            )
            return False
    return True

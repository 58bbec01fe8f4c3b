"""Precomputed lookup tables that keep the server's lists, search and event pages fast.

The server opens the store read-only, so everything it needs precomputed is written here,
at build time: the build driver writes the full-text indexes before its fusion refresh and
`build_serve_index` after it, and `dossier serve --index` runs `build_index` (both) on
demand. It writes

- the full-text indexes (`fts_main_documents`, `fts_main_evidence`, see `search.py`) with
  their term-sorted postings and per-term top lists;
- schema `serve_index`: fused events in timeline order (`fused`); one row per filter key
  and event, sorted by key (`fused_keys`: actor ids and names, any participant, outlet),
  so a filtered list reads one contiguous, zone-mapped range; each fused event's
  participants, members and evidence spans by event id; figures in as-of order with their
  outlet and evidence (`figures`); events per month and type (`months`); entity event
  counts (`entity_events`);
- `serve_index.meta`: a fingerprint of every source table each part was built from.

Rows are keyed by their own id and sort fields (no dense rank) and carry a hash `h` of
everything they are made of, so an update compares those hashes with the sources' and
rewrites only the fused events and figures that changed (added, removed, new members,
participants rewritten by an entity merge); the two small aggregates are recomputed.

At first use the server recomputes those fingerprints (count and hash of the rows it
copied); a part whose sources changed since (a later `dossier fuse`, a merge) is not used,
and the queries fall back to the source tables: slower, never stale.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import NamedTuple

import duckdb

from dossier.errors import StoreError
from dossier.serve.db import StoreReader
from dossier.serve.fts import build_fts
from dossier.serve.search import TOP_K
from dossier.store import open_store
from dossier.store.connection import transaction

log = logging.getLogger(__name__)

SCHEMA = "serve_index"
# Bump when the layout of the serve_index tables changes: an older index is then ignored.
# 2: rows keyed by their own sort fields and id (no dense rank) and a per-row hash `h`.
# 3: no unique index on fused/figures ids: DuckDB holds such an index whole in memory
#    while rows are inserted, so it grew the indexing step with every event and figure.
VERSION = 3

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
# The timeline order, from each row's own fields: rows can be added and removed without
# renumbering the others (the queries page with ORDER BY ... LIMIT/OFFSET on it).
FUSED_ORDER = "date_start NULLS LAST, precision, type, fused_event_id"
FIGURES_ORDER = "as_of NULLS LAST, figure_id"

# An incremental update appends its rows after the sorted ones, so a filter key's rows
# drift out of their contiguous, zone-mapped run; past this share of changed rows the part
# is rewritten sorted instead (amortised, still proportional to the changes).
REWRITE_SHARE = 0.25

# One hash per fused event over everything its index rows are made of: its row, its
# participants, members, the aliases of its actors ('n:' keys) and its members' evidence
# ids (spans; evidence rows are insert-only, keyed by content). XOR of the rehashed hashes
# of distinct rows (see `table_fingerprint`), so the order rows were written in does not matter.
_FUSED_HASH = """
WITH p AS (SELECT fused_event_id, bit_xor(hash(hash(t))) AS h FROM fused_event_participants t GROUP BY ALL),
m AS (SELECT fused_event_id, bit_xor(hash(hash(t))) AS h FROM fused_event_members t GROUP BY ALL),
ea AS (
    SELECT entity_id, bit_xor(hash(hash(entity_id, alias))) AS h FROM _entity_alias_set GROUP BY ALL
),
a AS (
    SELECT fused_event_id, bit_xor(hash(hash(ea.entity_id, ea.h))) AS h FROM (
        SELECT DISTINCT fused_event_id, entity_id FROM fused_event_participants WHERE role = 'actor'
    ) JOIN ea USING (entity_id) GROUP BY ALL
),
e AS (
    SELECT m.fused_event_id, bit_xor(hash(hash(x.k, x.event_id, x.evidence_id))) AS h FROM fused_event_members m JOIN (
        SELECT DISTINCT 0 AS k, event_id, evidence_id FROM events
        UNION ALL SELECT DISTINCT 1, event_id, evidence_id FROM event_evidence
    ) x USING (event_id) GROUP BY ALL
)
SELECT f.fused_event_id, hash(hash(f), coalesce(p.h, 0), coalesce(m.h, 0), coalesce(a.h, 0), coalesce(e.h, 0)) AS h
FROM fused_events f LEFT JOIN p USING (fused_event_id) LEFT JOIN m USING (fused_event_id)
LEFT JOIN a USING (fused_event_id) LEFT JOIN e USING (fused_event_id)
"""

_FIGURES_HASH = """
SELECT fg.figure_id, hash(hash(fg), d.outlet, d.name) AS h FROM figures fg JOIN documents d ON d.doc_id = fg.doc_id
"""

# Each table of a part: (name, SELECT of its rows restricted by `{only}` (an id filter, or
# nothing for all rows), sort order of a full write). `_changed` holds the new hashes of
# the rows to write.
_FUSED_TABLES = (
    (
        "fused",
        f"SELECT c.h, {', '.join(f'f.{c.strip()}' for c in FUSED_COLUMNS.split(','))} "
        "FROM fused_events f JOIN _changed c USING (fused_event_id)",
        FUSED_ORDER,
    ),
    # Filter keys: 'a:' exact actor id or key, 'n:' lower-cased actor name or alias of its
    # entity, 'p:' id or key of any participant, 'o:' lower-cased outlet of a member. The
    # same matching rules as the direct queries in queries.py, precomputed; each key's rows
    # carry the event's sort fields and filters, so a filtered list reads one key run.
    (
        "fused_keys",
        """WITH fp AS (SELECT * FROM fused_event_participants
        WHERE fused_event_id IN (SELECT fused_event_id FROM _changed)),
    k AS (
        SELECT 'a:' || entity_id AS key, fused_event_id FROM fp WHERE role = 'actor'
        UNION SELECT 'a:' || entity_key, fused_event_id FROM fp WHERE role = 'actor'
        UNION SELECT 'n:' || lower(name), fused_event_id FROM fp WHERE role = 'actor'
        UNION SELECT 'n:' || lower(a.alias), p.fused_event_id FROM fp p
            JOIN _entity_alias_set a ON a.entity_id = p.entity_id WHERE p.role = 'actor'
        UNION SELECT 'p:' || entity_id, fused_event_id FROM fp
        UNION SELECT 'p:' || entity_key, fused_event_id FROM fp
        UNION SELECT 'o:' || lower(outlet), fused_event_id FROM fused_event_members
            WHERE fused_event_id IN (SELECT fused_event_id FROM _changed)
    )
    SELECT k.key, f.fused_event_id, f.date_start, f.precision, f.type, f.date_end
    FROM k JOIN fused_events f USING (fused_event_id) WHERE k.key IS NOT NULL""",
        f"key, {FUSED_ORDER}",
    ),
    (
        "fused_participants",
        "SELECT p.fused_event_id, p.role, p.position, p.entity_key, p.entity_id, p.name, p.country "
        "FROM fused_event_participants p JOIN _changed USING (fused_event_id)",
        "fused_event_id, role, position",
    ),
    (
        "fused_members",
        "SELECT m.fused_event_id, m.event_id, m.doc_id, m.document, m.outlet, m.published_date, m.date, "
        "m.precision, m.negated, m.evidence, m.is_copy "
        "FROM fused_event_members m JOIN _changed USING (fused_event_id)",
        "fused_event_id, published_date NULLS LAST, event_id",
    ),
    # Every evidence span of every member event (main sentence and extra evidence), once per
    # span; the event page marks them inside their articles. Grouped by ids before the
    # sentences are joined (an evidence id is unique: a hash of its document and offsets), so
    # the aggregate holds no text.
    (
        "event_spans",
        """WITH fm AS (SELECT fused_event_id, event_id FROM fused_event_members
        WHERE fused_event_id IN (SELECT fused_event_id FROM _changed)),
    x AS (
        SELECT m.fused_event_id, e.event_id, e.evidence_id FROM fm m JOIN events e USING (event_id)
        UNION SELECT m.fused_event_id, x.event_id, x.evidence_id FROM fm m JOIN event_evidence x USING (event_id)
    ),
    s AS (SELECT fused_event_id, evidence_id, min(event_id) AS event_id FROM x GROUP BY ALL)
    SELECT s.fused_event_id, s.event_id, ev.evidence_id, ev.doc_id, ev.body_start, ev.body_end, ev.text
    FROM s JOIN evidence ev USING (evidence_id)""",
        "fused_event_id, doc_id, body_start",
    ),
)

_FIGURES_TABLES = (
    (
        "figures",
        """SELECT c.h, fg.figure_id, fg.doc_id, fg.value, fg.qualifier, fg.unit, fg.category, fg.subject, fg.source,
        fg.as_of, fg.as_of_precision, fg.surface, d.outlet, d.name AS document, coalesce(ev.text, '') AS evidence,
        lower(d.outlet) AS outlet_l, lower(fg.subject) AS subject_l, lower(fg.source) AS source_l
    FROM figures fg JOIN _changed c USING (figure_id) JOIN documents d ON d.doc_id = fg.doc_id
    LEFT JOIN evidence ev ON ev.evidence_id = fg.evidence_id""",
        FIGURES_ORDER,
    ),
)

# Small aggregates (one row per month and type, per entity): one GROUP BY over their
# sources each time anything changed, measured at a few ms on a 20k-document store.
_AGGREGATES = {
    "fused": (
        (
            "months",
            "SELECT date_trunc('month', date_start)::DATE AS month, type, count(*)::INTEGER AS n FROM fused_events "
            "WHERE precision IN ('day', 'month') AND date_start IS NOT NULL GROUP BY ALL",
            "month, type",
        ),
    ),
    "figures": (),
    "entities": (
        (
            "entity_events",
            "SELECT entity_id, count(DISTINCT event_id) AS events FROM event_participants "
            "WHERE entity_id IS NOT NULL GROUP BY entity_id",
            "entity_id",
        ),
    ),
}


class _Keyed(NamedTuple):
    """A part whose rows are keyed: `hash_sql` gives (id, h) per source row; `tables` are rewritten by id."""

    id: str
    hash_sql: str
    tables: tuple[tuple[str, str, str], ...]


_KEYED = {
    "fused": _Keyed("fused_event_id", _FUSED_HASH, _FUSED_TABLES),
    "figures": _Keyed("figure_id", _FIGURES_HASH, _FIGURES_TABLES),
}


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {
        r[0] if r[1] == "main" else f"{r[1]}.{r[0]}"
        for r in con.execute("SELECT table_name, table_schema FROM information_schema.tables").fetchall()
    }


def table_fingerprint(con: duckdb.DuckDBPyConnection, table: str, expr: str) -> str:
    """Row count and order-free hash of `expr` over `table` (fixed names from SOURCES, never input).

    DuckDB combines a row's (or several arguments') column hashes linearly, so the XOR over
    rows of `hash(a, b)` would cancel when an even number of rows change `b` alike (a merge
    rewriting two participants' entity id): each row's hash is hashed again first.
    """
    row = con.execute(f"SELECT count(*), coalesce(bit_xor(hash({expr})), 0) FROM {table} t").fetchone()
    return f"{row[0]}:{row[1]}" if row else "0:0"


def build_index(con: duckdb.DuckDBPyConnection, *, top_k: int = TOP_K, full: bool = False) -> None:
    """Bring everything the server reads precomputed up to date: search indexes and `serve_index`.

    Needs a writable connection; the build driver runs it after every build. Only what the
    rows added since the last call touch is updated, unless `full` (rebuild from scratch).
    `top_k` is the length of each frequent word's precomputed list of best rows (see
    `search.TOP_K`); a different value rebuilds the search index.
    """
    started = time.perf_counter()
    build_fts(con, top_k=top_k, full=full)
    build_serve_index(con, full=full)
    log.info("serve: indexes built in %.1f s", time.perf_counter() - started)


def index_store(db: str | os.PathLike[str]) -> None:
    """Open the store writable, rebuild its indexes from scratch, and close it."""
    con = open_store(Path(db))
    try:
        build_index(con, full=True)
    except duckdb.Error as err:
        raise StoreError(f"{db}: cannot build the search index ({err}); is another process writing it?") from None
    finally:
        con.close()


def build_serve_index(con: duckdb.DuckDBPyConnection, *, full: bool = True) -> list[str]:
    """Write schema `serve_index` from the store's tables; return the parts written.

    A part whose source tables are missing (e.g. no fuse stage yet) is skipped; the server
    then answers those lists from the source tables. Unless `full`, a part whose sources'
    fingerprints equal those it was built from is kept as it is (a build that added
    nothing, or nothing that part reads), and a part that changed has only its changed
    rows rewritten (see `_write_part`).
    """
    started = time.perf_counter()
    with transaction(con):
        tables = _tables(con)
        stored: dict[str, str] = {}
        if not full and f"{SCHEMA}.meta" in tables:
            stored = dict(con.execute(f"SELECT name, value FROM {SCHEMA}.meta").fetchall())
        if stored.get("version") != str(VERSION):
            stored = {}
            con.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
            con.execute(f"CREATE SCHEMA {SCHEMA}")
            con.execute(f"CREATE TABLE {SCHEMA}.meta (name VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)")
            con.execute(f"INSERT INTO {SCHEMA}.meta VALUES ('version', ?)", [str(VERSION)])
            tables = _tables(con)
        written: list[str] = []
        if "entity_aliases" in tables:
            # One row per alias and document (hundreds of thousands); the distinct pairs are few.
            con.execute("CREATE OR REPLACE TEMP TABLE _entity_alias_set AS "
                        "SELECT DISTINCT entity_id, alias FROM entity_aliases")
        for part in SOURCES:
            if not all(table in tables for table, _ in SOURCES[part]):
                log.info("serve index: no %s tables in this store; skipped", part)
                continue
            rows = [(f"{part}:{table}", table_fingerprint(con, table, expr)) for table, expr in SOURCES[part]]
            if stored and all(stored.get(name) == value for name, value in rows):
                continue  # built from these very rows
            # A part without a stored fingerprint was never completely written: rewrite it.
            changed = _write_part(con, part, tables, incremental=any(n in stored for n, _ in rows))
            con.execute(f"DELETE FROM {SCHEMA}.meta WHERE name LIKE ?", [f"{part}:%"])
            con.executemany(f"INSERT INTO {SCHEMA}.meta VALUES (?, ?)", rows)
            written.append(f"{part} ({changed})")
    log.info("serve index: %s in %.2f s", ", ".join(written) or "nothing new", time.perf_counter() - started)
    return [w.split(" ")[0] for w in written]


def _write_part(con: duckdb.DuckDBPyConnection, part: str, tables: set[str], *, incremental: bool) -> str:
    """Write one part's tables; return what was written ("all" or the count of changed rows).

    Incrementally: the rows whose hash differs from the sources' (or whose source row is
    gone) are deleted from every table of the part, and the changed source rows inserted;
    the cost follows the changes, apart from hashing the source rows.
    """
    what = "all"
    keyed = _KEYED.get(part)
    if keyed is not None:
        key, main = keyed.id, f"{SCHEMA}.{keyed.tables[0][0]}"
        con.execute(f"CREATE OR REPLACE TEMP TABLE _new AS {keyed.hash_sql}")
        incremental = incremental and all(f"{SCHEMA}.{name}" in tables for name, _, _ in keyed.tables)
        if incremental:
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE _gone AS SELECT o.{key} FROM {main} o LEFT JOIN _new n USING ({key}) "
                "WHERE n.h IS DISTINCT FROM o.h"
            )
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE _changed AS SELECT n.{key}, n.h FROM _new n "
                f"LEFT JOIN {main} o USING ({key}) WHERE o.h IS DISTINCT FROM n.h"
            )
            got = con.execute(
                "SELECT (SELECT count(*) FROM _gone), (SELECT count(*) FROM _changed), (SELECT count(*) FROM _new)"
            ).fetchone()
            gone, changed, total = got if got else (0, 0, 0)
            incremental = gone + changed <= REWRITE_SHARE * max(total, 1)
            what = f"-{gone} +{changed}"
        if incremental:
            for name, select, _ in keyed.tables:
                con.execute(f"DELETE FROM {SCHEMA}.{name} WHERE {key} IN (SELECT {key} FROM _gone)")
                con.execute(f"INSERT INTO {SCHEMA}.{name} {select}")
        else:
            what = "all"
            con.execute("CREATE OR REPLACE TEMP TABLE _changed AS SELECT * FROM _new")
            for name, select, order in keyed.tables:
                _write_sorted(con, f"{SCHEMA}.{name}", select, order)
        for temp in ("_new", "_gone", "_changed"):
            con.execute(f"DROP TABLE IF EXISTS {temp}")
    for name, select, order in _AGGREGATES[part]:
        con.execute(f"CREATE OR REPLACE TABLE {SCHEMA}.{name} AS {select} ORDER BY {order}")
    return what


def _write_sorted(con: duckdb.DuckDBPyConnection, table: str, select: str, order: str) -> None:
    """Write `table` as the rows of `select` in `order`, joining first and sorting after.

    One statement that joins and sorts wide rows (figures with their evidence sentences)
    ran out of a 128MB cap at 40,000 documents, though the join alone took 0.2 s and the
    sort of its materialized result 0.5 s under the same cap: written in two steps, the
    server's index fits the cap of the other end-of-build steps.
    """
    con.execute(f"CREATE OR REPLACE TEMP TABLE _unsorted AS {select}")
    con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM _unsorted ORDER BY {order}")
    con.execute("DROP TABLE _unsorted")


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

"""The resolve stage's own tables: bases, blocking keys and links kept between batches.

They are created by resolve code (`ensure_tables`), not by the store schema, and are
derived data: deleting their rows (`reset`) makes the next `canonicalize_pending` rebuild
them from `doc_entities` in one pass, writing only the entity rows that differ.

- `resolve_bases`: one row per base entity with its aggregates (name counts, types,
  countries, sectors, roles, aliases, document count) and its blocking keys;
- `resolve_blocks`: one row per blocking key with its size and, up to `BLOCK_CAP`, its members;
- `resolve_links`: the pairs of bases that `link` joins (a < b), with rule and score;
- `resolve_rows`: which base each folded `doc_entities` row belongs to;
- `resolve_state`: the layout version and the signature of the rules they were built with
  (a different one, e.g. a changed `resolve.spelling_threshold`, makes the next call rebuild).

DuckDB 1.5 has no index joins: a lookup of a batch's keys is a hash join that scans the
keyed column, so these tables are kept narrow (ids and keys) and the wide data is read only
for the rows a batch touches.
"""

from __future__ import annotations

import contextlib
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import duckdb

from dossier.resolve.canonical import Base, Profile
from dossier.store.connection import arrow_stream, id_table

# Bump when the layout or the meaning of the tables changes: the next call rebuilds them.
LAYOUT_VERSION = "1"

DDL = """
CREATE TABLE IF NOT EXISTS resolve_bases (
    base_id       VARCHAR NOT NULL,           -- the base's entity id (entities.entity_id)
    grp           VARCHAR NOT NULL,           -- type group: PERSON, ORG, PLACE, EVENT, ...
    key           VARCHAR NOT NULL,           -- content key the id derives from
    dictionary_id VARCHAR,
    names         VARCHAR NOT NULL,           -- JSON object: surface name -> rows
    types         VARCHAR NOT NULL,           -- JSON object: entity type -> rows
    countries     VARCHAR NOT NULL,           -- JSON object: ISO3 -> rows
    sectors       VARCHAR NOT NULL,           -- JSON object: sector -> rows
    roles         VARCHAR[] NOT NULL,
    aliases       VARCHAR[] NOT NULL,
    docs          INTEGER NOT NULL,           -- documents that mention it
    blocks        VARCHAR[] NOT NULL,         -- its blocking keys (canonical.blocks)
    -- Its canonical.Profile, what `link` reads of a candidate (kept so a candidate is not rebuilt):
    core          VARCHAR NOT NULL,           -- name without titles
    core_key      VARCHAR NOT NULL,           -- norm(core)
    country       VARCHAR,                    -- the most frequent country
    folded        VARCHAR[] NOT NULL,         -- fold() of each word of core_key
    link_aliases  VARCHAR[] NOT NULL,         -- norms of the aliases that may link
    initials      VARCHAR NOT NULL,           -- initials of core
    abbr          BOOLEAN NOT NULL            -- core may be an abbreviation
);
CREATE TABLE IF NOT EXISTS resolve_blocks (
    block         VARCHAR NOT NULL,           -- group || '|' || key, e.g. 'PERSON|w:alex'
    size          INTEGER NOT NULL,           -- bases holding the key
    members       VARCHAR[]                   -- their ids, sorted; NULL above BLOCK_CAP
);
CREATE TABLE IF NOT EXISTS resolve_links (
    a             VARCHAR NOT NULL,           -- the smaller base id
    b             VARCHAR NOT NULL,
    reason        VARCHAR NOT NULL,
    score         DOUBLE NOT NULL
);
CREATE TABLE IF NOT EXISTS resolve_rows (
    doc_entity_id VARCHAR NOT NULL,
    base_id       VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS resolve_state (
    key           VARCHAR NOT NULL,
    value         VARCHAR NOT NULL
);
"""

TABLES = ("resolve_bases", "resolve_blocks", "resolve_links", "resolve_rows", "resolve_state")


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the resolve tables when missing (idempotent, no migration needed)."""
    con.execute(DDL)


def layout_ok(con: duckdb.DuckDBPyConnection, signature: str) -> bool:
    """Whether the tables hold a complete index of the folded rows, built under `signature`."""
    row = con.execute("SELECT value FROM resolve_state WHERE key = 'layout'").fetchone()
    return row is not None and row[0] == f"{LAYOUT_VERSION}:{signature}"


def mark_built(con: duckdb.DuckDBPyConnection, signature: str) -> None:
    """Record that the tables are complete, built under `signature` (rules and their settings)."""
    con.execute("DELETE FROM resolve_state WHERE key = 'layout'")
    con.execute("INSERT INTO resolve_state VALUES ('layout', ?)", [f"{LAYOUT_VERSION}:{signature}"])


def reset(con: duckdb.DuckDBPyConnection) -> None:
    """Empty the resolve tables; the next `canonicalize_pending` rebuilds them from every row."""
    ensure_tables(con)
    for table in TABLES:
        con.execute(f"DELETE FROM {table}")


def ids_table(con: duckdb.DuckDBPyConnection, name: str, ids: Iterable[str]) -> None:
    """(Re)create the temp table `name(v)` holding `ids` (`id_table`)."""
    id_table(con, name, ids, column="v")


def drop_ids(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Drop an `ids_table`; quietly, so that when the statement using it failed, its error is the one raised."""
    with contextlib.suppress(duckdb.Error):
        con.execute(f"DROP TABLE IF EXISTS {name}")


def insert(con: duckdb.DuckDBPyConnection, table: str, schema: Sequence[tuple[str, Any]],
           rows: Sequence[Sequence[Any]], *, temp: bool = False) -> None:
    """Bulk insert through an Arrow table (DuckDB's executemany is row by row).

    `schema` names each column with its Arrow type, so empty lists keep their type.
    """
    import pyarrow as pa

    if not rows and not temp:
        return
    arrow = pa.schema([(name, typ) for name, typ in schema])
    data = pa.table({name: [r[i] for r in rows] for i, (name, _) in enumerate(schema)}, schema=arrow)
    with arrow_stream(con, "_dossier_rows", data):
        if temp:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM _dossier_rows")
        else:
            names = ", ".join(name for name, _ in schema)
            con.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM _dossier_rows")


def _string() -> Any:
    import pyarrow as pa

    return pa.string()


def _strings() -> Any:
    import pyarrow as pa

    return pa.list_(pa.string())


def base_schema() -> list[tuple[str, Any]]:
    """Arrow schema of `resolve_bases` rows."""
    import pyarrow as pa

    s, ls = _string(), _strings()
    return [("base_id", s), ("grp", s), ("key", s), ("dictionary_id", s), ("names", s), ("types", s),
            ("countries", s), ("sectors", s), ("roles", ls), ("aliases", ls), ("docs", pa.int32()),
            ("blocks", ls), ("core", s), ("core_key", s), ("country", s), ("folded", ls), ("link_aliases", ls),
            ("initials", s), ("abbr", pa.bool_())]


def _counter_json(c: Counter[str]) -> str:
    return json.dumps(dict(sorted(c.items())), ensure_ascii=False)


def base_row(b: Base, keys: set[str], p: Profile) -> list[Any]:
    """The `resolve_bases` row of a base, its blocking keys and its profile."""
    return [b.entity_id, b.group, b.key, b.dictionary_id, _counter_json(b.names), _counter_json(b.types),
            _counter_json(b.countries), _counter_json(b.sectors), sorted(b.roles), sorted(b.aliases), b.docs,
            sorted(keys), p.core, p.key, p.country, list(p.folded), sorted(p.aliases), p.initials, p.abbr]


def load_bases(con: duckdb.DuckDBPyConnection, ids: Iterable[str]) -> dict[str, tuple[Base, set[str]]]:
    """Stored bases with these ids, each with its stored blocking keys (missing ids are left out)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    ids_table(con, "_rb_ids", wanted)
    try:
        rows = con.execute(
            "SELECT base_id, grp, key, dictionary_id, names, types, countries, sectors, roles, aliases, docs, blocks "
            "FROM resolve_bases WHERE base_id IN (SELECT v FROM _rb_ids)").fetchall()
    finally:
        drop_ids(con, "_rb_ids")
    out: dict[str, tuple[Base, set[str]]] = {}
    for bid, grp, key, dict_id, names, types, countries, sectors, roles, aliases, docs, keys in rows:
        b = Base(bid, key, grp, names=Counter(json.loads(names)), types=Counter(json.loads(types)),
                 countries=Counter(json.loads(countries)), sectors=Counter(json.loads(sectors)),
                 roles=set(roles or ()), aliases=set(aliases or ()), docs=int(docs), dictionary_id=dict_id)
        out[bid] = (b, set(keys or ()))
    return out


def load_profiles(con: duckdb.DuckDBPyConnection, ids: Iterable[str]) -> dict[str, tuple[Profile, set[str]]]:
    """Profiles and blocking keys of the stored bases with these ids (cheaper than `load_bases`)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    ids_table(con, "_rpr_ids", wanted)
    try:
        rows = con.execute(
            f"SELECT base_id, {PROFILE_COLS}, blocks FROM resolve_bases "
            "WHERE base_id IN (SELECT v FROM _rpr_ids)").fetchall()
    finally:
        drop_ids(con, "_rpr_ids")
    return {r[0]: (profile(r[1:9]), set(r[9])) for r in rows}


PROFILE_COLS = "grp, country, core, core_key, folded, link_aliases, initials, abbr"


def profile(cols: Sequence[Any]) -> Profile:
    """A Profile from the PROFILE_COLS of a `resolve_bases` row."""
    grp, country, core, key, folded, aliases, initials, abbr = cols
    return Profile(grp, country, core, key, tuple(folded), frozenset(aliases), initials, bool(abbr))


def members_of(con: duckdb.DuckDBPyConnection, key: str) -> set[str]:
    """Every stored base holding a key (a scan: used only when a key falls back under the cap)."""
    return {r[0] for r in con.execute(
        "SELECT base_id FROM resolve_bases WHERE list_contains(blocks, ?)", [key]).fetchall()}


def links_touching(con: duckdb.DuckDBPyConnection, ids: Iterable[str]) -> dict[tuple[str, str], tuple[str, float]]:
    """Stored links with either end in `ids`."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    ids_table(con, "_rl_ids", wanted)
    try:
        rows = con.execute(
            "SELECT a, b, reason, score FROM resolve_links WHERE a IN (SELECT v FROM _rl_ids) "
            "OR b IN (SELECT v FROM _rl_ids)").fetchall()
    finally:
        drop_ids(con, "_rl_ids")
    return {(a, b): (reason, float(score)) for a, b, reason, score in rows}

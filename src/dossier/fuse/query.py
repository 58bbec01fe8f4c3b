"""Read the fuse tables for the CLI (and anyone else): events, timeline, figures, dyads, SQL.

All functions take a connection (read-only is enough) and return plain dicts/lists.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import duckdb
from rapidfuzz import fuzz, process

from dossier.errors import InputError, StoreError

EVENT_COLUMNS = (
    "fused_event_id, type, mode, actors, targets, date, precision, place, negated, sources, documents, "
    "outlets, evidence, n_mentions, n_documents, n_sources, first_reported, actor_ids, target_ids, "
    "evidence_ids, doc_ids, quad_class, weight"
)


def require_fused(con: duckdb.DuckDBPyConnection, db: object = "the store") -> None:
    """Raise StoreError when the fuse tables were never built in this store."""
    row = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'fuse_state'"
    ).fetchone()
    if not row or not row[0]:
        raise StoreError(
            f"{db}: no fused tables yet; run `dossier build INPUT --db {db}` or `dossier fuse --db {db}`"
        )


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    cur = con.execute(sql, params or [])
    cols = [d[0] for d in cur.description or []]
    return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]


def resolve_actor(con: duckdb.DuckDBPyConnection, name: str) -> tuple[set[str], str]:
    """Return the entity keys a user's NAME refers to, and the canonical name found.

    Exact (case-insensitive) match on canonical names and aliases first, then the one
    participant name containing every word given, then the best fuzzy match (rapidfuzz
    WRatio >= 85) over the names of fused-event participants. A name that
    matches nothing is an InputError listing close names.
    """
    needle = " ".join(name.split()).lower()
    rows = con.execute(
        "SELECT DISTINCT entity_key, name, entity_id FROM fused_event_participants"
    ).fetchall()
    keys = {k for k, n, _ in rows if n.lower() == needle or k == name}
    alias_rows = con.execute(
        "SELECT DISTINCT a.entity_id FROM entity_aliases a WHERE lower(a.alias) = ? "
        "UNION SELECT entity_id FROM entities WHERE lower(name) = ?",
        [needle, needle],
    ).fetchall()
    ids = {r[0] for r in alias_rows}
    if ids:
        # Follow merges to the surviving entity.
        merged = dict(
            con.execute("SELECT entity_id, merged_into FROM entities WHERE merged_into IS NOT NULL").fetchall()
        )
        for entity_id in list(ids):
            seen = {entity_id}
            while entity_id in merged and merged[entity_id] not in seen:
                entity_id = merged[entity_id]
                seen.add(entity_id)
            ids.add(entity_id)
        keys |= {k for k, _, eid in rows if eid in ids}
    if keys:
        found = next((n for k, n, _ in rows if k in keys), name)
        return keys, found
    names = sorted({n for _, n, _ in rows})
    # A short form ("Shoigu") names the one participant whose name contains all its words.
    words = set(needle.split())
    partial = [n for n in names if words <= set(n.lower().split())]
    if len(partial) == 1:
        return {k for k, n, _ in rows if n == partial[0]}, partial[0]
    best = process.extractOne(name, names, scorer=fuzz.WRatio, score_cutoff=85)
    if best:
        return {k for k, n, _ in rows if n == best[0]}, str(best[0])
    close = [m[0] for m in process.extract(name, names, scorer=fuzz.WRatio, limit=3)]
    hint = f"; close names: {', '.join(close)}" if close else ""
    raise InputError(f"actor {name!r}: no such participant in the fused events{hint}")


def fused_events(
    con: duckdb.DuckDBPyConnection, *, actor: str | None = None, since: dt.date | None = None
) -> list[dict[str, Any]]:
    """Return fused events in date order (unknown dates last), filtered by actor and date."""
    where: list[str] = []
    params: list[Any] = []
    if actor:
        keys, _ = resolve_actor(con, actor)
        where.append(
            "fused_event_id IN (SELECT fused_event_id FROM fused_event_participants WHERE list_contains(?, entity_key))"
        )
        params.append(sorted(keys))
    if since:
        where.append("date_end >= ?")
        params.append(since)
    sql = f"SELECT {EVENT_COLUMNS} FROM fused_events"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY date_start NULLS LAST, precision, type, fused_event_id"
    return _rows(con, sql, params)


def figure_series(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Return every series with its members (ordered by as_of)."""
    series = _rows(con, "SELECT * FROM figure_series ORDER BY category, first_as_of NULLS LAST, series_id")
    members = _rows(con, "SELECT * FROM figure_series_members ORDER BY series_id, ordinal")
    by_series: dict[str, list[dict[str, Any]]] = {}
    for m in members:
        by_series.setdefault(m["series_id"], []).append(m)
    for s in series:
        s["members"] = by_series.get(s["series_id"], [])
    return series


def figures(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Return every stored figure of a taking-part document with its series (or NULL)."""
    return _rows(
        con,
        "SELECT f.figure_id, f.category, f.value, f.qualifier, f.unit, f.subject, f.as_of, f.as_of_precision, "
        "d.name AS document, d.outlet, m.series_id, ev.text AS evidence FROM figures f "
        "JOIN doc_sources s USING (doc_id) JOIN documents d USING (doc_id) "
        "LEFT JOIN figure_series_members m USING (figure_id) LEFT JOIN evidence ev ON ev.evidence_id = f.evidence_id "
        "ORDER BY f.category, f.as_of NULLS LAST, f.value, f.figure_id",
    )


def contradictions(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Return every contradiction, by kind then id."""
    return _rows(con, "SELECT * FROM contradictions ORDER BY kind, contradiction_id")


_ISO3 = re.compile(r"^[A-Z]{3}$")


def dyad_key(con: duckdb.DuckDBPyConnection, name: str) -> tuple[str, set[str], str]:
    """Return (level, keys, label) for a dyad side: an ISO3 code or an actor name."""
    if _ISO3.match(name):
        row = con.execute("SELECT count(*) FROM dyad_events WHERE level = 'country' AND (actor = ? OR target = ?)",
                          [name, name]).fetchone()
        if row and row[0]:
            return "country", {name}, name
    keys, label = resolve_actor(con, name)
    return "entity", keys, label


def dyad_monthly(con: duckdb.DuckDBPyConnection, a: str, b: str) -> dict[str, Any]:
    """Return the monthly table of the ordered dyad A→B: counts by type and score per month."""
    level_a, keys_a, label_a = dyad_key(con, a)
    level_b, keys_b, label_b = dyad_key(con, b)
    if level_a != level_b:
        # Mixed input ("RUS" and "Min Aung Hlaing"): compare countries.
        raise InputError(
            f"dyad {a!r} → {b!r}: give two country codes (e.g. RUS MMR) or two actor names, not one of each"
        )
    rows = _rows(
        con,
        "SELECT month, type, count(*)::INTEGER AS n, round(sum(weight), 2) AS score FROM dyad_events "
        "WHERE level = ? AND list_contains(?, actor) AND list_contains(?, target) GROUP BY month, type "
        "ORDER BY month, type",
        [level_a, sorted(keys_a), sorted(keys_b)],
    )
    months: dict[dt.date, dict[str, Any]] = {}
    types: set[str] = set()
    for r in rows:
        m = months.setdefault(r["month"], {"month": r["month"], "counts": {}, "n_events": 0, "score": 0.0})
        m["counts"][r["type"]] = r["n"]
        m["n_events"] += r["n"]
        m["score"] = round(m["score"] + float(r["score"]), 2)
        types.add(r["type"])
    return {"level": level_a, "actor": label_a, "target": label_b, "types": sorted(types),
            "months": [months[k] for k in sorted(months)]}


_LEADING = re.compile(r"^\s*(?:(?:--[^\n]*\n)|(?:/\*.*?\*/)|\s)*", re.DOTALL)


def check_read_only_sql(sql: str) -> str:
    """Return the statement when it is one SELECT/WITH (or a read-only inspection); else InputError."""
    body = _LEADING.sub("", sql).strip().rstrip(";").strip()
    if not body:
        raise InputError("sql: empty query; give one SELECT statement, e.g. \"SELECT * FROM fused_events\"")
    word = body.split(None, 1)[0].upper()
    if word not in {"SELECT", "WITH", "FROM", "SHOW", "DESCRIBE", "SUMMARIZE", "EXPLAIN", "VALUES", "TABLE"}:
        raise InputError(
            f"sql: only read-only queries (SELECT or WITH) are allowed, got {word}; "
            "the store is changed by `dossier build` only"
        )
    return body


def run_sql(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run one read-only query; return column names and rows."""
    body = check_read_only_sql(sql)
    try:
        statements = con.extract_statements(body)
    except duckdb.Error as err:
        raise InputError(f"sql: {err}") from None
    if len(statements) != 1:
        raise InputError(f"sql: give exactly one statement, got {len(statements)}")
    if statements[0].type not in (duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN):
        raise InputError(f"sql: only read-only queries (SELECT or WITH) are allowed, got {statements[0].type.name}")
    try:
        cur = con.execute(body)
        cols = [d[0] for d in cur.description or []]
        return cols, cur.fetchall()
    except duckdb.Error as err:
        raise InputError(f"sql: {str(err).splitlines()[0]}") from None

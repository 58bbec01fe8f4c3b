"""Full-text indexes (BM25) kept up to date in time proportional to the new rows.

Layout (one schema per indexed table, `fts_main_documents` and `fts_main_evidence`, the
names and the `docs`/`dict`/`stats`/`stopwords` tables of DuckDB's fts extension, so the
extension's `stem` and stop-word list define the terms):

- `docs(docid, name, len)`: docid is the source row's `rowid` (the tables are insert-only,
  so rowids only grow); `state.hw` is the highest docid indexed, and the rows to index
  next are `rowid > hw`: finding them costs nothing per stored row.
- `dict(termid, term, df)`, `stats(num_docs, avgdl)`: updated by the new rows' terms.
- `postings(termid, docid, tf, len)`: sorted by term (zone maps skip other terms' blocks);
  new postings are appended sorted, and the table is re-sorted when the unsorted tail
  passes COMPACT of its rows (amortised cost proportional to the new rows).
- `top(termid, docid, tf, len, name)`: for each term in more than `top_k` rows, a list of
  candidates that holds its best rows: at (re)build the best `keep` rows at that time's
  avgdl, plus every later posting of the term. `top_meta` bounds the rows left out
  (their best BM25 length-normalised badness `h0` at avgdl `a0`, and their tf range), so
  a query knows from the current avgdl whether the list's first N rows are the true best
  N (`list_covers`); when not, it ranks the term's postings instead. So the answers are
  exactly those of an index built from scratch, whatever the lists' age. A term's list
  is cut back to its best `keep` rows when it grows past `2 * keep` (from its own rows: the
  rows cut join the bound), and rebuilt from the postings when the avgdl drifted DRIFT from `a0`.

Tokens: the fts extension's tokenizer (its `tokenize` macro: lower case, accents
stripped, split on digits, punctuation and white space), its English stop words, porter
stems. `tests/serve/test_fts.py` checks the terms against an index the extension built.
"""

from __future__ import annotations

import functools
import logging
import math
import time
from dataclasses import dataclass

import duckdb

from dossier.store import load_fts
from dossier.store.connection import transaction

log = logging.getLogger(__name__)

# Bump when the layout changes: an index of another layout is rebuilt in full.
LAYOUT = 2
# The fts extension's tokenizer pattern (duckdb 1.5.5, macro `tokenize`).
TOKEN_PATTERN = r"""[0-9!@#$%^&*()_+={}\[\]:;<>,.?~\\/\|''"`-]+"""
# Rows kept per frequent term at a list's (re)build, as a multiple of top_k: the margin
# lets the first top_k rows stay provably complete while the avgdl drifts a little.
KEEP = 1.25
# Re-sort postings (and top lists) when rows appended since the last sort pass this
# fraction of the table: each row is re-sorted O(1/COMPACT) times on average.
COMPACT = 0.25
# Rebuild a term's list once the avgdl moved this far (relative) from the list's: beyond
# it the bound on the rows left out rarely proves a page complete. Not tuned: on the
# synthetic s20k corpus (many identical rows, so ties at the list's edge) the bound proves
# few pages even at a 0.7% drift and queries fall back to the postings (exact, slower).
DRIFT = 0.05
# Text tokenised per statement: a row's terms are counted within the row, so the new rows
# go in rowid runs of about this many characters and the working set of a first build stays
# the same at any store size. In one statement, the 1.26 million evidence rows (45 million
# characters) of a 38,000-document store ran out of a 256MB cap.
WINDOW_CHARS = 8_000_000

# BM25 (k1 = 1.2, b = 0.75) ranks a term's rows by tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * len / avgdl)),
# that is by h = 0.3 / tf + 0.9 * len / (tf * avgdl) ascending (the search's own score order).
_NORM = "{p}.tf * 2.2 / ({p}.tf + 1.2 * (0.25 + 0.75 * {p}.len / {avgdl}))"
_BADNESS = "(0.3 / {p}.tf + 0.9 * {p}.len / ({p}.tf * {avgdl}))"


@dataclass(frozen=True, slots=True)
class Source:
    """A table indexed for search: its key column and its text columns."""

    table: str
    key: str
    fields: tuple[str, ...]

    @property
    def schema(self) -> str:
        return f"fts_main_{self.table}"


SOURCES = (Source("documents", "doc_id", ("title", "body")), Source("evidence", "evidence_id", ("text",)))


@dataclass(slots=True)
class _State:
    layout: int
    top_k: int
    keep: int
    hw: int
    num_docs: int
    total_len: int
    postings_sorted: int
    top_sorted: int


def build_fts(con: duckdb.DuckDBPyConnection, *, top_k: int, full: bool = False) -> dict[str, int]:
    """Bring the search indexes up to date with the store; return the rows added per table.

    Indexes only the rows added since the last call (everything when `full`, when no index
    of this layout exists, or when `top_k` changed). Needs a writable connection; runs in
    one transaction (the caller's when one is open).
    """
    load_fts(con)
    with transaction(con):
        added = {src.table: _update(con, src, top_k, full) for src in SOURCES}
    return added


def _state(con: duckdb.DuckDBPyConnection, schema: str) -> _State | None:
    try:
        row = con.execute(
            f"SELECT layout, top_k, keep, hw, num_docs, total_len, postings_sorted, top_sorted FROM {schema}.state"
        ).fetchone()
    except duckdb.CatalogException:
        return None
    return _State(*(int(v) for v in row)) if row else None


def _save(con: duckdb.DuckDBPyConnection, schema: str, st: _State) -> None:
    con.execute(f"DELETE FROM {schema}.state")
    con.execute(
        f"INSERT INTO {schema}.state VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [st.layout, st.top_k, st.keep, st.hw, st.num_docs, st.total_len, st.postings_sorted, st.top_sorted],
    )
    con.execute(f"DELETE FROM {schema}.stats")
    avgdl = st.total_len / st.num_docs if st.num_docs else 0.0
    con.execute(f"INSERT INTO {schema}.stats VALUES (?, ?)", [st.num_docs, avgdl])


def _create(con: duckdb.DuckDBPyConnection, src: Source, top_k: int) -> _State:
    s = src.schema
    con.execute(f"DROP SCHEMA IF EXISTS {s} CASCADE")
    con.execute(f"CREATE SCHEMA {s}")
    con.execute(f"CREATE TABLE {s}.stopwords (sw VARCHAR)")
    con.execute(f"INSERT INTO {s}.stopwords SELECT unnest(?::VARCHAR[])", [list(stopwords())])
    con.execute(f"CREATE TABLE {s}.docs (docid BIGINT, name VARCHAR, len BIGINT)")
    con.execute(f"CREATE UNIQUE INDEX docs_docid ON {s}.docs (docid)")
    con.execute(f"CREATE TABLE {s}.dict (termid BIGINT, term VARCHAR, df BIGINT)")
    con.execute(f"CREATE TABLE {s}.stats (num_docs BIGINT, avgdl DOUBLE)")
    con.execute(f"CREATE TABLE {s}.postings (termid BIGINT, docid BIGINT, tf INTEGER, len INTEGER)")
    con.execute(f"CREATE TABLE {s}.top (termid BIGINT, docid BIGINT, tf INTEGER, len INTEGER, name VARCHAR)")
    con.execute(
        f"CREATE TABLE {s}.top_meta (termid BIGINT, a0 DOUBLE, h0 DOUBLE, tf_min INTEGER, tf_max INTEGER, n BIGINT)"
    )
    con.execute(f"CREATE TABLE {s}.top_k (top_k INTEGER)")
    con.execute(f"INSERT INTO {s}.top_k VALUES (?)", [top_k])
    con.execute(
        f"CREATE TABLE {s}.state (layout INTEGER, top_k INTEGER, keep INTEGER, hw BIGINT, num_docs BIGINT, "
        "total_len BIGINT, postings_sorted BIGINT, top_sorted BIGINT)"
    )
    st = _State(LAYOUT, top_k, max(top_k, math.ceil(top_k * KEEP)), -1, 0, 0, 0, 0)
    _save(con, s, st)
    return st


@functools.cache
def stopwords() -> tuple[str, ...]:
    """The fts extension's English stop words, read from an index of an empty table.

    In a private in-memory database: creating and dropping an fts index inside the
    store's transaction makes DuckDB refuse the commit.
    """
    scratch = duckdb.connect()
    try:
        load_fts(scratch)
        scratch.execute("CREATE TABLE seed (k VARCHAR, t VARCHAR)")
        scratch.execute("PRAGMA create_fts_index('seed', 'k', 't')")
        return tuple(r[0] for r in scratch.execute("SELECT sw FROM fts_main_seed.stopwords").fetchall())
    finally:
        scratch.close()


def _update(con: duckdb.DuckDBPyConnection, src: Source, top_k: int, full: bool) -> int:
    started = time.perf_counter()
    s = src.schema
    st = _state(con, s)
    if full or st is None or st.layout != LAYOUT or st.top_k != top_k:
        st = _create(con, src, top_k)
    # The new rows, tokenised like the extension: split, drop stop words, stem.
    hw = int(st.hw)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _fts_new AS SELECT rowid AS docid, {src.key} AS name "
        f"FROM {src.table} WHERE rowid > {hw}"
    )
    new = int(_scalar(con, "SELECT count(*) FROM _fts_new"))
    if not new:
        con.execute("DROP TABLE _fts_new")
        return 0
    con.execute("CREATE OR REPLACE TEMP TABLE _fts_tf (term VARCHAR, docid BIGINT, tf INTEGER)")
    for lo, hi in _windows(con, src, hw):
        con.execute(f"INSERT INTO _fts_tf {_term_counts_sql(src, lo, hi)}")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _fts_docs AS SELECT n.docid, n.name, coalesce(t.len, 0)::BIGINT AS len "
        "FROM _fts_new n LEFT JOIN (SELECT docid, sum(tf) AS len FROM _fts_tf GROUP BY docid) t USING (docid)"
    )
    con.execute(f"INSERT INTO {s}.docs SELECT docid, name, len FROM _fts_docs ORDER BY docid")
    # Dictionary: new terms get the next ids (in term order), every touched term its new df.
    con.execute("CREATE OR REPLACE TEMP TABLE _fts_df AS SELECT term, count(*) AS df FROM _fts_tf GROUP BY term")
    con.execute(
        f"INSERT INTO {s}.dict SELECT (SELECT coalesce(max(termid), -1) FROM {s}.dict) "
        f"+ row_number() OVER (ORDER BY n.term), n.term, 0 FROM _fts_df n ANTI JOIN {s}.dict d ON d.term = n.term"
    )
    con.execute(f"UPDATE {s}.dict SET df = {s}.dict.df + n.df FROM _fts_df n WHERE {s}.dict.term = n.term")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _fts_post AS SELECT d.termid, t.docid, t.tf, dc.len::INTEGER AS len, "
        f"dc.name, d.df FROM _fts_tf t JOIN {s}.dict d ON d.term = t.term JOIN _fts_docs dc ON dc.docid = t.docid"
    )
    con.execute(f"INSERT INTO {s}.postings SELECT termid, docid, tf, len FROM _fts_post ORDER BY termid, docid")
    st.hw = int(_scalar(con, "SELECT max(docid) FROM _fts_new"))
    st.num_docs += new
    st.total_len += int(_scalar(con, "SELECT coalesce(sum(len), 0) FROM _fts_docs"))
    total = int(_scalar(con, f"SELECT count(*) FROM {s}.postings"))
    fresh = st.num_docs == new  # the first rows: inserted in order, nothing to re-sort
    if fresh:
        st.postings_sorted = total
    elif total - st.postings_sorted > COMPACT * total:
        _sort(con, f"{s}.postings", "termid, docid")
        st.postings_sorted = total
    _save(con, s, st)
    _update_top(con, s, st, fresh)
    for tmp in ("_fts_new", "_fts_tf", "_fts_docs", "_fts_df", "_fts_post"):
        con.execute(f"DROP TABLE IF EXISTS {tmp}")
    log.info("search index %s: %d new rows in %.2f s", src.table, new, time.perf_counter() - started)
    return new


def _windows(con: duckdb.DuckDBPyConnection, src: Source, hw: int) -> list[tuple[int, int]]:
    """Rowid ranges [lo, hi] that split the rows after `hw` into runs of about WINDOW_CHARS of text."""
    chars = " + ".join(f"coalesce(length(CAST({f} AS VARCHAR)), 0)" for f in src.fields)
    return [(int(lo), int(hi)) for lo, hi in con.execute(
        f"SELECT min(docid), max(docid) FROM (SELECT rowid AS docid, sum({chars}) OVER (ORDER BY rowid "
        f"ROWS UNBOUNDED PRECEDING) // {WINDOW_CHARS} AS w FROM {src.table} WHERE rowid > {hw}) GROUP BY w ORDER BY 1"
    ).fetchall()]


def _term_counts_sql(src: Source, lo: int, hi: int) -> str:
    """SELECT of (term, docid, tf) for the rows with rowid in [lo, hi], tokenised like the extension."""
    pattern = TOKEN_PATTERN.replace("'", "''")
    words = " UNION ALL ".join(
        f"SELECT docid, unnest(string_split_regex(regexp_replace(lower(strip_accents(CAST({f} AS VARCHAR))), "
        f"'{pattern}', ' ', 'g'), '\\s+')) AS w FROM (SELECT rowid AS docid, {f} FROM {src.table} "
        f"WHERE rowid BETWEEN {lo} AND {hi})"
        for f in src.fields
    )
    return (
        f"WITH w AS ({words}) SELECT stem(w.w, 'porter') AS term, w.docid, count(*)::INTEGER AS tf FROM w "
        f"WHERE w.w IS NOT NULL AND len(w.w) > 0 AND w.w NOT IN (SELECT sw FROM {src.schema}.stopwords) GROUP BY ALL"
    )


def _update_top(con: duckdb.DuckDBPyConnection, s: str, st: _State, fresh: bool) -> None:
    """Lists of the frequent terms: append the new postings, trim or rebuild what needs it."""
    avgdl = st.total_len / st.num_docs if st.num_docs else 1.0
    # Rebuild from the postings: terms now frequent without a list, and lists built at an
    # avgdl too far from today's. Trim: lists past twice their kept length.
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _fts_rebuild AS SELECT termid, bool_or(rebuild) AS rebuild FROM ("
        "SELECT DISTINCT p.termid, m.termid IS NULL AS rebuild FROM _fts_post p LEFT JOIN "
        f"{s}.top_meta m ON m.termid = p.termid WHERE p.df > ? AND (m.termid IS NULL OR m.n + "
        "(SELECT count(*) FROM _fts_post q WHERE q.termid = p.termid) > 2 * ?) "
        f"UNION SELECT termid, true FROM {s}.top_meta WHERE abs(? / a0 - 1) > ?) GROUP BY termid",
        [st.top_k, st.keep, avgdl, DRIFT],
    )
    # Other listed terms: their new postings join the candidates (the rows left out stay bounded).
    con.execute(
        f"INSERT INTO {s}.top SELECT p.termid, p.docid, p.tf, p.len, p.name FROM _fts_post p "
        f"SEMI JOIN {s}.top_meta m ON m.termid = p.termid "
        "ANTI JOIN (SELECT termid FROM _fts_rebuild WHERE rebuild) r ON r.termid = p.termid "
        "ORDER BY p.termid, p.docid"
    )
    con.execute(
        f"UPDATE {s}.top_meta SET n = {s}.top_meta.n + c.n FROM (SELECT termid, count(*) AS n FROM _fts_post "
        f"GROUP BY termid) c WHERE {s}.top_meta.termid = c.termid"
    )
    if int(_scalar(con, "SELECT count(*) FROM _fts_rebuild WHERE NOT rebuild")):
        _trim_top(con, s, st.keep, avgdl)
    written = 0
    if int(_scalar(con, "SELECT count(*) FROM _fts_rebuild WHERE rebuild")):
        written = _rebuild_top(con, s, st.keep, avgdl)
    con.execute("DROP TABLE _fts_rebuild")
    # A first build writes every list in one statement; DuckDB 1.5.5 then counts 0 rows in
    # `top` until the commit (seen at 7x10^5 rows), so take the statement's own count.
    total = written if fresh else int(_scalar(con, f"SELECT count(*) FROM {s}.top"))
    if fresh or total - st.top_sorted > COMPACT * total:
        if not fresh:
            _sort(con, f"{s}.top", "termid, docid")
        st.top_sorted = total
        con.execute(f"UPDATE {s}.state SET top_sorted = ?", [total])


def _trim_top(con: duckdb.DuckDBPyConnection, s: str, keep: int, avgdl: float) -> None:
    """Cut grown lists back to their best `keep` rows; the rows cut join those the bound covers.

    Costs the length of the lists, not of the terms' postings: a list holds every row of
    its term that could beat the rows left out, so its best rows are found among its own.
    """
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _fts_cut AS SELECT * FROM ({_ranked(f'{s}.top', rebuild=False)}) WHERE pos > ?",
        [avgdl, keep],
    )
    # The bound is kept at the list's own avgdl a0: the cut rows' badness is taken there.
    bad = _BADNESS.format(p="c", avgdl="m.a0")
    con.execute(
        f"UPDATE {s}.top_meta SET h0 = least({s}.top_meta.h0, x.h), tf_min = least({s}.top_meta.tf_min, x.tf_min), "
        f"tf_max = greatest({s}.top_meta.tf_max, x.tf_max), n = {s}.top_meta.n - x.n FROM ("
        f"SELECT c.termid, min({bad}) AS h, min(c.tf) AS tf_min, max(c.tf) AS tf_max, count(*) AS n "
        f"FROM _fts_cut c JOIN {s}.top_meta m USING (termid) GROUP BY c.termid) x "
        f"WHERE {s}.top_meta.termid = x.termid"
    )
    con.execute(f"DELETE FROM {s}.top USING _fts_cut c WHERE {s}.top.termid = c.termid AND {s}.top.docid = c.docid")
    con.execute("DROP TABLE _fts_cut")


def _rebuild_top(con: duckdb.DuckDBPyConnection, s: str, keep: int, avgdl: float) -> int:
    """Rank the postings of the terms to rebuild; keep their best `keep` rows and bound the rest.

    Returns the rows written to `top`.
    """
    con.execute(
        f"DELETE FROM {s}.top WHERE termid IN (SELECT termid FROM _fts_rebuild WHERE rebuild)"
    )
    con.execute(f"DELETE FROM {s}.top_meta WHERE termid IN (SELECT termid FROM _fts_rebuild WHERE rebuild)")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _fts_ranked AS {_ranked(f'{s}.postings', rebuild=True)}", [avgdl])
    row = con.execute(
        f"INSERT INTO {s}.top SELECT r.termid, r.docid, r.tf, r.len, d.name FROM _fts_ranked r "
        f"JOIN {s}.docs d ON d.docid = r.docid WHERE r.pos <= ? ORDER BY r.termid, r.pos",
        [keep],
    ).fetchone()
    bad = _BADNESS.format(p="r", avgdl="?")
    con.execute(
        f"INSERT INTO {s}.top_meta SELECT r.termid, ?, min({bad}) FILTER (WHERE r.pos > ?), "
        "min(r.tf) FILTER (WHERE r.pos > ?), max(r.tf) FILTER (WHERE r.pos > ?), "
        "count(*) FILTER (WHERE r.pos <= ?) FROM _fts_ranked r GROUP BY r.termid",
        [avgdl, avgdl, keep, keep, keep, keep],
    )
    con.execute("DROP TABLE _fts_ranked")
    return int(row[0]) if row else 0


def _ranked(table: str, *, rebuild: bool) -> str:
    """SELECT of `table`'s rows (termid, docid, tf, len) for the terms of `_fts_rebuild` marked
    `rebuild` (or not), each with its rank `pos` in its term at the avgdl given as the parameter."""
    norm = _NORM.format(p="x", avgdl="?")
    return (
        f"SELECT x.termid, x.docid, x.tf, x.len, row_number() OVER (PARTITION BY x.termid ORDER BY {norm} DESC, "
        f"x.docid) AS pos FROM {table} x SEMI JOIN (SELECT termid FROM _fts_rebuild WHERE "
        f"{'' if rebuild else 'NOT '}rebuild) r ON r.termid = x.termid"
    )


def _sort(con: duckdb.DuckDBPyConnection, table: str, order: str) -> None:
    con.execute(f"CREATE OR REPLACE TEMP TABLE _fts_sorted AS SELECT * FROM {table} ORDER BY {order}")
    con.execute(f"DELETE FROM {table}")
    con.execute(f"INSERT INTO {table} SELECT * FROM _fts_sorted ORDER BY {order}")
    con.execute("DROP TABLE _fts_sorted")


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> int | float:
    row = con.execute(sql).fetchone()
    return row[0] if row and row[0] is not None else 0


def list_covers(
    rows: list[tuple[int, int]], want: int, avgdl: float, meta: tuple[float, float | None, int, int] | None
) -> bool:
    """True when a term's candidate list, ranked at `avgdl`, holds its true best `want` rows.

    `rows` are the (tf, len) of the list's first rows in rank order; `meta` is the list's
    (a0, h0, tf_min, tf_max): every row left out had badness h >= h0 at avgdl a0, and a tf
    in [tf_min, tf_max]. A row left out, with u = 1/tf and w = 0.9 len / (tf a0) >= h0 - 0.3 u,
    has badness 0.3 u + (a0 / avgdl) w today; its least value over the tf range bounds
    them all. The list covers the page when its `want`-th row is strictly better.
    """
    if meta is None:
        return False
    a0, h0, tf_min, tf_max = meta
    if h0 is None:
        return True  # nothing was left out: the list is every posting of the term
    if len(rows) < want or not rows:
        return False
    tf, length = rows[want - 1]
    h_want = 0.3 / tf + 0.9 * length / (tf * avgdl)
    r = a0 / avgdl
    lo, hi = 1.0 / max(tf_max, 1), 1.0 / max(tf_min, 1)
    points = [lo, hi]
    kink = h0 / 0.3
    if lo < kink < hi:
        points.append(kink)
    bound = min(0.3 * u + r * max(0.0, h0 - 0.3 * u) for u in points)
    # A margin far above floating-point error: a tie is never taken as proof.
    return h_want < bound * (1 - 1e-9)

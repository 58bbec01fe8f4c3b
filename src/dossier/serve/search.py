"""Full-text search over article bodies and evidence sentences (DuckDB fts, BM25).

The fts index lives in the store (schemas `fts_main_documents`, `fts_main_evidence`) and
must be built on a writable connection: the build calls `build_index(con)` after it
writes documents. When the index is missing or older than the documents, search falls
back to substring matching, which is slower but never wrong.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
from markupsafe import Markup

from dossier.errors import StoreError
from dossier.serve.db import StoreReader
from dossier.serve.highlight import query_terms, snippet
from dossier.store import load_fts, open_store

log = logging.getLogger(__name__)

_PHRASE = re.compile(r'"([^"]+)"')


# Per-term top lists: the best postings of each frequent term by its own BM25 score. A
# one-word query pages from this list; a query whose every word is frequent takes its
# candidates from the union of its words' lists. 1,000 covers 50 pages of 20 hits; deeper
# pages of a one-word query are computed from the full postings.
TOP_K = 1000
# Conjunctive queries whose rarest word is in at most this many rows are ranked and counted
# exactly (its postings are the candidates); above it, candidates come from the top lists
# and the total is a lower bound ("at least N"). 10,000 postings score in ~5 ms here
# (bench/api.py, 100,000-event store); exact counts of two words each in 100,000+ rows
# cost 50-100 ms under load.
EXACT_MAX_DF = 10_000
# "Quoted phrases" are checked in the text of at most this many best-ranked candidates
# (articles are long, evidence sentences short); beyond it the total is a lower bound.
PHRASE_CHECK = {"documents": 200, "evidence": 2000}


def build_fts(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)build the fts indexes of documents (title, body) and evidence (text).

    Needs a writable connection. Adds, per index, `postings` (term frequencies sorted by
    term, so a query reads only its terms' rows) and `top` (each frequent term's best
    TOP_K postings in score order).
    """
    load_fts(con)
    con.execute("PRAGMA create_fts_index('documents', 'doc_id', 'title', 'body', overwrite=1)")
    con.execute("PRAGMA create_fts_index('evidence', 'evidence_id', 'text', overwrite=1)")
    for schema in ("fts_main_documents", "fts_main_evidence"):
        # Term frequencies per (term, document), sorted by term so DuckDB's zone maps skip every
        # block without a query term: BM25 then reads only the matching postings, not all of them.
        con.execute(
            f"CREATE OR REPLACE TABLE {schema}.postings AS SELECT t.termid, t.docid, count(*)::INTEGER AS tf, "
            f"any_value(d.len)::INTEGER AS len FROM {schema}.terms t JOIN {schema}.docs d ON d.docid = t.docid "
            "GROUP BY t.termid, t.docid ORDER BY t.termid, t.docid"
        )
        con.execute(
            f"CREATE OR REPLACE TABLE {schema}.top AS SELECT termid, pos, docid, tf, len FROM ("
            "SELECT p.termid, p.docid, p.tf, p.len, row_number() OVER (PARTITION BY p.termid ORDER BY "
            f"{_TF_NORM.format(p='p', avgdl='st.avgdl')} DESC, p.docid)::INTEGER AS pos "
            f"FROM {schema}.postings p JOIN {schema}.dict d ON d.termid = p.termid, {schema}.stats st "
            f"WHERE d.df > {TOP_K}) WHERE pos <= {TOP_K} ORDER BY termid, pos"
        )


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed search query: words for BM25 and "quoted phrases" that must appear verbatim."""

    text: str
    terms: tuple[str, ...]
    phrases: tuple[str, ...]

    @property
    def phrase_words(self) -> tuple[str, ...]:
        """The words of the phrases, for the index lookup when the query is only phrases."""
        return tuple(w for p in self.phrases for w in query_terms(p))

    @classmethod
    def parse(cls, text: str) -> Query:
        phrases = tuple(p.strip() for p in _PHRASE.findall(text) if p.strip())
        return cls(text=text, terms=tuple(query_terms(text)), phrases=phrases)


@dataclass(slots=True)
class SearchResult:
    """One page of hits of one scope (documents or evidence)."""

    scope: str
    query: str
    total: int
    limit: int
    offset: int
    indexed: bool  # False when the fts index was missing or stale and substring matching was used
    hits: list[dict[str, Any]] = field(default_factory=list)


def index_ready(reader: StoreReader, scope: str) -> bool:
    """Return True when the fts index for `scope` exists and covers every row."""
    table = "documents" if scope == "documents" else "evidence"
    schema = f"fts_main_{table}"
    key = f"ready:{table}"
    if key not in reader.cache:
        ok = reader.fts_loaded and reader.has(f"{schema}.docs") and reader.has(f"{schema}.postings")
        if ok:
            indexed = reader.scalar(f"SELECT count(*) FROM {schema}.docs")  # schema name is ours, not input
            ok = indexed == reader.scalar(f"SELECT count(*) FROM {table}")
        # The store is read-only while served, so the answer holds for the server's life.
        reader.cache[key] = bool(ok)
    ready: bool = reader.cache[key]
    return ready


# BM25 (k1 = 1.2, b = 0.75, the fts extension's defaults) over the postings of the query terms
# only, grouped by the index's integer docid; every term must occur (conjunctive). Parameter 1
# is the list of query words. Document lengths are stored in the postings so scoring joins
# nothing but the few query terms.
_BM25 = """
WITH q AS (SELECT DISTINCT stem(lower(strip_accents(w)), 'porter') AS term FROM unnest(?::VARCHAR[]) u(w)),
qt AS (SELECT d.termid, ln((st.num_docs - d.df + 0.5) / (d.df + 0.5) + 1) AS idf, st.avgdl
       FROM {s}.dict d JOIN q ON d.term = q.term, {s}.stats st)
SELECT p.docid, sum(qt.idf * p.tf * 2.2 / (p.tf + 1.2 * (0.25 + 0.75 * p.len / qt.avgdl))) AS score
FROM {s}.postings p JOIN qt ON qt.termid = p.termid
GROUP BY p.docid HAVING count(*) = (SELECT count(*) FROM q)
"""


def _stopwords(reader: StoreReader, scope: str) -> frozenset[str]:
    table = "documents" if scope == "documents" else "evidence"
    key = f"stopwords:{table}"
    if key not in reader.cache:
        reader.cache[key] = frozenset(r["sw"] for r in reader.rows(f"SELECT sw FROM fts_main_{table}.stopwords"))
    stop: frozenset[str] = reader.cache[key]
    return stop


def _phrase_filter(columns: tuple[str, ...], phrases: tuple[str, ...]) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    for phrase in phrases:
        ors = " OR ".join(f"contains(lower(coalesce({c}, '')), ?)" for c in columns)
        clauses.append(f"({ors})")
        params.extend([phrase.lower()] * len(columns))
    return (" AND ".join(clauses) or "TRUE"), params


def search(
    reader: StoreReader, text: str, *, scope: str = "documents", limit: int = 20, offset: int = 0
) -> SearchResult:
    """Return one page of documents (or evidence sentences) matching `text`, best first.

    Every word must occur (stemmed); "quoted phrases" must occur verbatim. Hits carry a
    `snippet` of escaped text with the matches in <mark>.
    """
    query = Query.parse(text)
    indexed = ready = index_ready(reader, scope)
    index_words: list[str] = []
    if ready:
        # A stop word in a conjunctive BM25 query matches nothing: leave the index's stop words out.
        stop = _stopwords(reader, scope)
        query = Query(query.text, tuple(t for t in query.terms if t not in stop), query.phrases)
        index_words = [w for w in (query.terms or query.phrase_words) if w not in stop]
        # Only stop words (e.g. "to be or not"): nothing to look up, match the text instead.
        ready = bool(index_words)
    result = SearchResult(scope, text, 0, limit, offset, indexed)
    if not query.terms and not query.phrases:
        return result
    if scope == "documents":
        table, key = "documents", "doc_id"
        text_cols: tuple[str, ...] = ("x.title", "x.body")
        cols = "x.doc_id, x.name, x.title, x.outlet, x.published_date, x.body"
        order = "x.published_date DESC NULLS LAST, x.doc_id"
    else:
        table, key, text_cols = "evidence", "evidence_id", ("x.text",)
        cols = "x.evidence_id, x.doc_id, x.text, d.name, d.title, d.outlet, d.published_date"
        order = "x.evidence_id"
    source = f"{table} x" + ("" if scope == "documents" else " JOIN documents d ON d.doc_id = x.doc_id")
    phrase_sql, phrase_params = _phrase_filter(text_cols, query.phrases)
    if ready:
        schema = f"fts_main_{table}"
        bm25 = _BM25.format(s=schema)
        if query.phrases:
            # Phrases are checked on the text of every candidate, so the count stays exact.
            ranked = (
                f"SELECT h.docid, h.score FROM ({bm25}) h JOIN {schema}.docs dc ON dc.docid = h.docid "
                f"JOIN {table} x ON x.{key} = dc.name WHERE {phrase_sql}"
            )
        else:
            ranked = bm25
        page = reader.rows(
            f"WITH page AS (SELECT docid, score, count(*) OVER () AS total FROM ({ranked}) "
            "ORDER BY score DESC, docid LIMIT ? OFFSET ?) "
            f"SELECT dc.name, page.score, page.total FROM page JOIN {schema}.docs dc ON dc.docid = page.docid "
            "ORDER BY page.score DESC, page.docid",
            [index_words, *(phrase_params if query.phrases else []), limit, offset],
        )
        # The page's rows by key: constant IN lists use the primary-key index, a join would scan.
        marks = ", ".join("?" for _ in page) or "NULL"
        found = {
            r[key]: r
            for r in reader.rows(f"SELECT {cols} FROM {source} WHERE x.{key} IN ({marks})", [p["name"] for p in page])
        }
        rows = [{**found[p["name"]], "score": p["score"], "total": p["total"]} for p in page if p["name"] in found]
        count_sql = f"SELECT count(*) FROM ({ranked})"
        count_params: list[Any] = [index_words, *(phrase_params if query.phrases else [])]
    else:
        term_sql, term_params = _phrase_filter(text_cols, query.terms)
        where = f"WHERE {term_sql} AND {phrase_sql}"
        sql = (
            f"SELECT {cols}, 0.0::DOUBLE AS score, count(*) OVER () AS total FROM {source} {where} "
            f"ORDER BY {order} LIMIT ? OFFSET ?"
        )
        params = [*term_params, *phrase_params, limit, offset]
        count_sql, count_params = f"SELECT count(*) FROM {source} {where}", params[:-2]
        rows = reader.rows(sql, params)
    if rows:
        result.total = int(rows[0]["total"])
    elif offset:
        result.total = int(reader.scalar(count_sql, count_params) or 0)
    for row in rows:
        row.pop("total")
        if scope == "documents":
            body = row.pop("body") or ""
            row["snippet"] = snippet(body, query.terms, phrases=query.phrases)
            row["title_html"] = snippet(row["title"] or row["name"], query.terms, phrases=query.phrases)
        else:
            row["snippet"] = snippet(row["text"], query.terms, phrases=query.phrases, width=600)
        result.hits.append(row)
    return result


def as_json(hit: dict[str, Any]) -> dict[str, Any]:
    """Return a hit for the JSON API: the highlighted snippet as an HTML string."""
    return {k: (str(v) if isinstance(v, Markup) else v) for k, v in hit.items()}


def index_store(db: str | os.PathLike[str]) -> None:
    """Open the store writable, (re)build its search index, and close it."""
    con = open_store(Path(db))
    try:
        build_index(con)
    except duckdb.Error as err:
        raise StoreError(f"{db}: cannot build the search index ({err})") from None
    finally:
        con.close()

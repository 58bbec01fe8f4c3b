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
from pathlib import Path
from dataclasses import dataclass, field
from typing import Any

import duckdb
from markupsafe import Markup

from dossier.serve.db import StoreReader
from dossier.serve.highlight import query_terms, snippet
from dossier.errors import StoreError
from dossier.store import load_fts, open_store

log = logging.getLogger(__name__)

_PHRASE = re.compile(r'"([^"]+)"')


def build_index(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)build the fts indexes of documents (title, body) and evidence (text).

    Needs a writable connection; run it after every build so search sees new documents.
    """
    load_fts(con)
    con.execute("PRAGMA create_fts_index('documents', 'doc_id', 'title', 'body', overwrite=1)")
    con.execute("PRAGMA create_fts_index('evidence', 'evidence_id', 'text', overwrite=1)")


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed search query: words for BM25 and "quoted phrases" that must appear verbatim."""

    text: str
    terms: tuple[str, ...]
    phrases: tuple[str, ...]

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
    if not reader.fts_loaded or not reader.has(f"{schema}.docs"):
        return False
    indexed = reader.scalar(f"SELECT count(*) FROM {schema}.docs")  # schema name is ours, not input
    stored = reader.scalar(f"SELECT count(*) FROM {table}")
    return bool(indexed == stored)


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


def search(reader: StoreReader, text: str, *, scope: str = "documents", limit: int = 20, offset: int = 0) -> SearchResult:
    """Return one page of documents (or evidence sentences) matching `text`, best first.

    Every word must occur (stemmed); "quoted phrases" must occur verbatim. Hits carry a
    `snippet` of escaped text with the matches in <mark>.
    """
    query = Query.parse(text)
    ready = index_ready(reader, scope)
    if ready:
        # A stop word in a conjunctive BM25 query matches nothing: leave the index's stop words out.
        stop = _stopwords(reader, scope)
        query = Query(query.text, tuple(t for t in query.terms if t not in stop), query.phrases)
    result = SearchResult(scope, text, 0, limit, offset, ready)
    if not query.terms and not query.phrases:
        return result
    words = " ".join(query.terms) or " ".join(query.phrases)
    if scope == "documents":
        phrase_sql, phrase_params = _phrase_filter(("d.title", "d.body"), query.phrases)
        if ready:
            score = "fts_main_documents.match_bm25(d.doc_id, ?, conjunctive := 1)"
            base = f"FROM (SELECT *, {score} AS score FROM documents d) d WHERE score IS NOT NULL AND {phrase_sql}"
            params: list[Any] = [words, *phrase_params]
        else:
            term_sql, term_params = _phrase_filter(("d.title", "d.body"), query.terms)
            base = f"FROM (SELECT *, 0.0::DOUBLE AS score FROM documents d) d WHERE {term_sql} AND {phrase_sql}"
            params = [*term_params, *phrase_params]
        result.total = int(reader.scalar(f"SELECT count(*) {base}", params) or 0)
        rows = reader.rows(
            "SELECT d.doc_id, d.name, d.title, d.outlet, d.published_date, d.score, d.body "
            f"{base} ORDER BY d.score DESC, d.published_date DESC NULLS LAST, d.doc_id LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        for row in rows:
            body = row.pop("body") or ""
            row["snippet"] = snippet(body, query.terms, phrases=query.phrases)
            row["title_html"] = snippet(row["title"] or row["name"], query.terms, phrases=query.phrases)
            result.hits.append(row)
        return result
    phrase_sql, phrase_params = _phrase_filter(("e.text",), query.phrases)
    join = "JOIN documents d ON d.doc_id = e.doc_id"
    if ready:
        score = "fts_main_evidence.match_bm25(e.evidence_id, ?, conjunctive := 1)"
        base = f"FROM (SELECT *, {score} AS score FROM evidence e) e {join} WHERE score IS NOT NULL AND {phrase_sql}"
        params = [words, *phrase_params]
    else:
        term_sql, term_params = _phrase_filter(("e.text",), query.terms)
        base = f"FROM (SELECT *, 0.0::DOUBLE AS score FROM evidence e) e {join} WHERE {term_sql} AND {phrase_sql}"
        params = [*term_params, *phrase_params]
    result.total = int(reader.scalar(f"SELECT count(*) {base}", params) or 0)
    rows = reader.rows(
        "SELECT e.evidence_id, e.doc_id, e.text, e.score, d.name, d.title, d.outlet, d.published_date "
        f"{base} "
        "ORDER BY e.score DESC, e.evidence_id LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )
    for row in rows:
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

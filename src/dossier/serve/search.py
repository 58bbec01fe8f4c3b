"""Full-text search over article bodies and evidence sentences (DuckDB fts, BM25).

The fts index lives in the store (schemas `fts_main_documents`, `fts_main_evidence`, see
`fts.py`) and is kept up to date on a writable connection: `dossier.serve.build_index(con)`
(run after every build: it indexes the new rows only; `dossier serve --index` rebuilds it)
calls `build_fts`. Ranking is top-k with bounded
work (per-term top lists, the rarest word's postings as candidates, phrases checked on
the best candidates only); when a count would cost more than that bound, the result says
its total is a lower bound. When the index is missing or older than the documents, search
falls back to substring matching, which is slower but never wrong.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from dossier.serve.db import Row, StoreReader
from dossier.serve.fts import LAYOUT, list_covers
from dossier.serve.highlight import query_terms, snippet

log = logging.getLogger(__name__)

_PHRASE = re.compile(r'"([^"]+)"')


# Per-term top lists: the best postings of each frequent term by its own BM25 score. A
# one-word query pages from this list; a query whose every word is frequent takes its
# candidates from the union of its words' lists. 1,000 covers 50 pages of 20 hits; deeper
# pages of a one-word query are computed from the full postings.
TOP_K = 1000
# Queries of several words whose rarest word is in at most this many rows are ranked and
# counted exactly (its postings are the candidates); above it, the candidates are its top
# list and this many of its rows, and the total is a lower bound ("at least N"). Joining
# two posting lists of 113,000 rows each takes ~6 ms here (bench/api.py, 100,000-event
# store): 200,000 keeps every query on such a store exact, and a store ten times larger
# bounded.
EXACT_MAX_DF = 200_000
# "Quoted phrases" are checked in the text of at most this many best-ranked candidates
# (articles are long, evidence sentences short); beyond it the total is a lower bound.
PHRASE_CHECK = {"documents": 200, "evidence": 2000}
# Candidates read per round of the phrase check, at least (the first round reads the page).
PHRASE_BATCH = 20


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
    # False when counting every match would cost more than the bound: `total` is then a
    # lower bound ("at least N") and the order is BM25 over the best candidates.
    total_exact: bool = True


def index_ready(reader: StoreReader, scope: str) -> bool:
    """Return True when the fts index for `scope` exists and covers every row."""
    table = "documents" if scope == "documents" else "evidence"
    schema = f"fts_main_{table}"
    key = f"ready:{table}"
    if key not in reader.cache:
        ok = (
            reader.fts_loaded
            and reader.has(f"{schema}.docs")
            and reader.has(f"{schema}.postings")
            and reader.has(f"{schema}.top")
            and reader.has(f"{schema}.top_k")
            and reader.has(f"{schema}.top_meta")
            and reader.has(f"{schema}.state")
        )
        if ok:
            ok = reader.scalar(f"SELECT max(layout) FROM {schema}.state") == LAYOUT
        if ok:
            indexed = reader.scalar(f"SELECT count(*) FROM {schema}.docs")  # schema name is ours, not input
            ok = indexed == reader.scalar(f"SELECT count(*) FROM {table}")
        # The store is read-only while served, so the answer holds for the server's life.
        reader.cache[key] = bool(ok)
    ready: bool = reader.cache[key]
    return ready


# BM25 as the fts extension computes it (k1 = 1.2, b = 0.75): idf * _TF_NORM per query word.
_TF_NORM = "{p}.tf * 2.2 / ({p}.tf + 1.2 * (0.25 + 0.75 * {p}.len / {avgdl}))"

# The query's words, stemmed and normalised like the index, with their term ids and idf
# (NULL termid: the word is in no row). Parameter: the list of words.
_TERMS = """
WITH q AS (SELECT DISTINCT stem(lower(strip_accents(w)), 'porter') AS term FROM unnest(?::VARCHAR[]) u(w))
SELECT q.term, d.termid, d.df, ln((st.num_docs - d.df + 0.5) / (d.df + 0.5) + 1) AS idf, st.avgdl
FROM q LEFT JOIN {s}.dict d ON d.term = q.term CROSS JOIN {s}.stats st
"""


@dataclass(frozen=True, slots=True)
class _Term:
    termid: int
    df: int
    idf: float


@dataclass(slots=True)
class _Ranked:
    """Index rows (docid, score) best first: the first `len(order)` of `total` matches."""

    order: list[tuple[int, float]]
    total: int
    exact: bool  # total counts every match and the order is the full BM25 order
    names: dict[int, str] = field(default_factory=dict)  # keys already known (from a top list)


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


def _rank(reader: StoreReader, schema: str, words: list[str], want: int) -> _Ranked:
    """The best `want` rows having every word (conjunctive BM25), with bounded work.

    One word: its top list (or its postings past the list), exact. Several: a chain of
    joins from the rarest word's postings when it has at most EXACT_MAX_DF rows (exact);
    otherwise from its top list and EXACT_MAX_DF of its rows (the total is a lower bound).
    """
    # The index is read-only while served: a word list's term ids and idf never change.
    found: list[Row] = reader.memo(
        ("terms", schema, tuple(words)), lambda: reader.rows(_TERMS.format(s=schema), [words])
    )
    if not found or any(r["termid"] is None for r in found):
        return _Ranked([], 0, True)
    avgdl = float(found[0]["avgdl"])
    top_k = _top_k(reader, schema)
    terms = sorted((_Term(int(r["termid"]), int(r["df"]), float(r["idf"])) for r in found), key=lambda t: t.df)
    norm = _TF_NORM.format(p="p", avgdl="?")
    if len(terms) == 1:
        term = terms[0]
        if term.df > top_k and want <= top_k:
            # The candidate list holds the term's best rows (and carries their keys) unless the
            # avgdl moved too far since it was built: `list_covers` proves it from its bound.
            got = reader.cursor().execute(
                f"SELECT p.docid, ? * {norm} AS score, p.name, p.tf, p.len FROM {schema}.top p "
                "WHERE p.termid = ? ORDER BY score DESC, p.docid LIMIT ?",
                [term.idf, avgdl, term.termid, want],
            )
            listed = got.fetchall()
            if list_covers([(int(r[3]), int(r[4])) for r in listed], want, avgdl, _list_meta(reader, schema, term)):
                names = {int(d): str(n) for d, _, n, _, _ in listed}
                return _Ranked([(int(d), float(sc)) for d, sc, _, _, _ in listed], term.df, True, names)
        sql = (
            f"SELECT p.docid, ? * {norm} AS score FROM {schema}.postings p WHERE p.termid = ? "
            "ORDER BY score DESC, p.docid LIMIT ?"
        )
        order = [
            (int(d), float(sc))
            for d, sc in reader.cursor().execute(sql, [term.idf, avgdl, term.termid, want]).fetchall()
        ]
        return _Ranked(order, term.df, True)
    # Conjunction as a chain of hash joins on the row id, starting from the rarest word: the
    # work is linear in the words' posting lists (a GROUP BY over them all is ~8x slower).
    # A rarest word without a top list has few rows: its postings are the candidates, exactly.
    # Above the bound: its top list and its first EXACT_MAX_DF rows (a sample in index order,
    # so that words whose best rows never meet still find their common rows).
    exact = terms[0].df <= max(EXACT_MAX_DF, top_k)
    first = f"SELECT docid, tf, len FROM {schema}.postings WHERE termid = ?"
    first_params: list[Any] = [terms[0].termid]
    if not exact:
        first = (
            f"(SELECT docid, tf, len FROM {schema}.postings WHERE termid = ? ORDER BY docid LIMIT ?) "
            f"UNION (SELECT p.docid, p.tf, p.len FROM {schema}.top p WHERE p.termid = ? "
            f"ORDER BY {norm} DESC, p.docid LIMIT ?)"
        )
        first_params = [terms[0].termid, EXACT_MAX_DF, terms[0].termid, avgdl, top_k]
    norm0 = _TF_NORM.format(p="p0", avgdl="?")
    joins = " ".join(
        f"JOIN (SELECT docid, tf, len FROM {schema}.postings WHERE termid = ?) p{i} ON p{i}.docid = p0.docid"
        for i in range(1, len(terms))
    )
    score = " + ".join(
        [f"? * {norm0}", *(f"? * {_TF_NORM.format(p=f'p{i}', avgdl='?')}" for i in range(1, len(terms)))]
    )
    sql = (
        f"SELECT p0.docid, {score} AS score, count(*) OVER () AS total "
        f"FROM ({first}) p0 {joins} "
        "ORDER BY score DESC, p0.docid LIMIT ?"
    )
    params = [
        *(v for t in terms for v in (t.idf, avgdl)),
        *first_params,
        *(t.termid for t in terms[1:]),
        want,
    ]
    rows = reader.cursor().execute(sql, params).fetchall()
    total = int(rows[0][2]) if rows else 0
    return _Ranked([(int(d), float(sc)) for d, sc, _ in rows], total, exact)


def _list_meta(reader: StoreReader, schema: str, term: _Term) -> tuple[float, float | None, int, int] | None:
    """A term's list bound (see `fts.list_covers`); None when the term has no list."""
    row = (
        reader.cursor()
        .execute(
            f"SELECT a0, h0, coalesce(tf_min, 1), coalesce(tf_max, 1) FROM {schema}.top_meta WHERE termid = ?",
            [term.termid],
        )
        .fetchone()
    )
    if row is None:
        return None
    return float(row[0]), (None if row[1] is None else float(row[1])), int(row[2]), int(row[3])


def _marks(values: list[Any]) -> str:
    # Constant IN lists (values still bound as parameters) are filters pushed into the scan.
    return ", ".join("?" for _ in values)


def _top_k(reader: StoreReader, schema: str) -> int:
    key = f"top_k:{schema}"
    if key not in reader.cache:
        reader.cache[key] = int(reader.scalar(f"SELECT top_k FROM {schema}.top_k") or 0)
    found: int = reader.cache[key]
    return found


def _names(reader: StoreReader, schema: str, docids: list[int], known: dict[int, str]) -> dict[int, str]:
    """Index row ids to the table's keys (doc_id or evidence_id), reading only unknown ones."""
    missing = [d for d in docids if d not in known]
    names = {d: known[d] for d in docids if d in known}
    if missing:
        got = reader.cursor().execute(
            f"SELECT docid, name FROM {schema}.docs WHERE docid IN ({_marks(missing)})", missing
        )
        names.update((int(d), str(n)) for d, n in got.fetchall())
    return names


# Up to this many evidence rows are read by row id, one pruned lookup each (~0.3 ms on a
# 20k-document store); more, by one scan of the id column (~13 ms there, growing with it).
ROWID_LOOKUPS = 32

_DOC_COLS = "x.doc_id, x.name, x.title, x.outlet, x.published_date, x.body"
_DOC_META = "d.doc_id, d.name, d.title, d.outlet, d.published_date"


def _rows(reader: StoreReader, scope: str, names: dict[int, str]) -> dict[str, dict[str, Any]]:
    """The rows of these index row ids (`names`: row id to key), by key (documents with their
    body, evidence sentences without their document's metadata: see `_with_documents`)."""
    if not names:
        return {}
    keys = list(names.values())
    if scope == "documents":
        found = reader.rows(f"SELECT {_DOC_COLS} FROM documents x WHERE x.doc_id IN ({_marks(keys)})", keys)
        return {r["doc_id"]: r for r in found}
    cols = "x.evidence_id, x.doc_id, x.text"
    if len(names) <= ROWID_LOOKUPS:
        # The evidence table has no key index (store/schema.sql); a rowid is a pruned lookup.
        sql = " UNION ALL ".join(f"SELECT {cols} FROM evidence x WHERE x.rowid = ?" for _ in names)
        spans = reader.rows(sql, list(names))
        # A row id names its row only while the table is insert-only: check the key too.
        wanted = set(keys)
        return {r["evidence_id"]: r for r in spans if r["evidence_id"] in wanted}
    spans = reader.rows(f"SELECT {cols} FROM evidence x WHERE x.evidence_id IN ({_marks(keys)})", keys)
    return {r["evidence_id"]: r for r in spans}


def _with_documents(reader: StoreReader, scope: str, hits: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Evidence hits with their article's name, title, outlet and date (one query for the page)."""
    if scope == "documents" or not hits:
        return hits
    ids = sorted({h["doc_id"] for h in hits})
    docs = {
        r["doc_id"]: r
        for r in reader.rows(f"SELECT {_DOC_META} FROM documents d WHERE d.doc_id IN ({_marks(ids)})", ids)
    }
    out = []
    for hit in hits:
        doc = docs.get(hit["doc_id"], {})
        meta = {k: doc.get(k) for k in ("name", "title", "outlet", "published_date")}
        out.append(
            {
                "evidence_id": hit["evidence_id"],
                "doc_id": hit["doc_id"],
                "text": hit["text"],
                **meta,
                "score": hit["score"],
            }
        )
    return out


def _has_phrases(row: dict[str, Any], scope: str, phrases: tuple[str, ...]) -> bool:
    fields = (row.get("title"), row.get("body")) if scope == "documents" else (row.get("text"),)
    lowered = [(f or "").lower() for f in fields]
    return all(any(p.lower() in f for f in lowered) for p in phrases)


def _indexed(reader: StoreReader, query: Query, words: list[str], scope: str, limit: int, offset: int) -> SearchResult:
    schema = f"fts_main_{scope}"
    result = SearchResult(scope, query.text, 0, limit, offset, True)
    if not query.phrases:
        ranked = _rank(reader, schema, words, offset + limit)
        page = ranked.order[offset : offset + limit]
        names = _names(reader, schema, [d for d, _ in page], ranked.names)
        rows = _rows(reader, scope, {d: names[d] for d, _ in page if d in names})
        hits = [{**rows[names[d]], "score": sc} for d, sc in page if names.get(d) in rows]
        result.hits = _with_documents(reader, scope, hits)
        result.total, result.total_exact = ranked.total, ranked.exact
        return result
    # Phrases: rank by the words, then check the phrases in the text of the best candidates
    # only, batch by batch, until the page and one more hit are found or the budget is spent.
    budget = max(PHRASE_CHECK[scope], offset + limit + 1)
    ranked = _rank(reader, schema, words, budget)
    need = offset + limit + 1
    matched: list[dict[str, Any]] = []
    checked = 0
    batch = max(need, PHRASE_BATCH)
    while checked < len(ranked.order) and len(matched) < need:
        part = ranked.order[checked : checked + batch]
        checked += len(part)
        names = _names(reader, schema, [d for d, _ in part], ranked.names)
        rows = _rows(reader, scope, names)
        for d, sc in part:
            row = rows.get(names.get(d, ""))
            if row is not None and _has_phrases(row, scope, query.phrases):
                matched.append({**row, "score": sc})
        batch *= 2
    complete = ranked.exact and checked >= ranked.total
    result.hits = _with_documents(reader, scope, matched[offset : offset + limit])
    result.total, result.total_exact = len(matched), complete
    return result


def search(
    reader: StoreReader, text: str, *, scope: str = "documents", limit: int = 20, offset: int = 0
) -> SearchResult:
    """Return one page of documents (or evidence sentences) matching `text`, best first.

    Every word must occur (stemmed); "quoted phrases" must occur verbatim. Hits carry a
    `snippet` of escaped text with the matches in <mark>. With the index, work is bounded
    (see `_rank` and PHRASE_CHECK) and `total_exact` says whether `total` is a lower bound.
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
    if ready:
        result = _indexed(reader, query, index_words, scope, limit, offset)
        result.query = text
    else:
        result.hits, result.total = _substring(reader, query, scope, limit, offset)
    for row in result.hits:
        if scope == "documents":
            body = row.pop("body") or ""
            row["snippet"] = snippet(body, query.terms, phrases=query.phrases)
            row["title_html"] = snippet(row["title"] or row["name"], query.terms, phrases=query.phrases)
        else:
            row["snippet"] = snippet(row["text"], query.terms, phrases=query.phrases, width=600)
    return result


def _substring(
    reader: StoreReader, query: Query, scope: str, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """Without an index: every word and phrase as a case-insensitive substring, unranked, exact."""
    if scope == "documents":
        text_cols: tuple[str, ...] = ("x.title", "x.body")
        cols, order, source = _DOC_COLS, "x.published_date DESC NULLS LAST, x.doc_id", "documents x"
    else:
        text_cols = ("x.text",)
        cols = "x.evidence_id, x.doc_id, x.text, d.name, d.title, d.outlet, d.published_date"
        order, source = "x.evidence_id", "evidence x JOIN documents d ON d.doc_id = x.doc_id"
    phrase_sql, phrase_params = _phrase_filter(text_cols, query.phrases)
    term_sql, term_params = _phrase_filter(text_cols, query.terms)
    where = f"WHERE {term_sql} AND {phrase_sql}"
    params = [*term_params, *phrase_params]
    rows = reader.rows(
        f"SELECT {cols}, 0.0::DOUBLE AS score, count(*) OVER () AS total FROM {source} {where} "
        f"ORDER BY {order} LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )
    if rows:
        total = int(rows[0]["total"])
    else:
        total = int(reader.scalar(f"SELECT count(*) FROM {source} {where}", params) or 0) if offset else 0
    for row in rows:
        row.pop("total")
    return rows, total


def as_json(hit: dict[str, Any]) -> dict[str, Any]:
    """Return a hit for the JSON API: the highlighted snippet as an HTML string."""
    return {k: (str(v) if isinstance(v, Markup) else v) for k, v in hit.items()}

"""The precomputed serve index answers exactly like the source tables, and is never used stale."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest

from dossier.serve import index, pages, queries, search
from dossier.serve.db import StoreReader
from dossier.serve.index import build_index

PARTS = tuple(index.SOURCES)


def _direct(path: Path) -> StoreReader:
    """A reader told that no part of the serve index is usable: every list from the source tables."""
    reader = StoreReader(path)
    for part in PARTS:
        reader.cache[f"serve-index:{part}"] = False
    return reader


@pytest.fixture(scope="module")
def readers(store: Path) -> Iterator[tuple[StoreReader, StoreReader]]:
    fast, slow = StoreReader(store), _direct(store)
    yield fast, slow
    fast.close()
    slow.close()


def _one(reader: StoreReader, sql: str) -> list[Any]:
    return [r[0] for r in reader.cursor().execute(sql).fetchall()]


def test_index_is_built_and_fresh(readers: tuple[StoreReader, StoreReader]) -> None:
    fast, _ = readers
    assert queries.has_fused(fast)
    assert all(index.ready(fast, part) for part in PARTS)


def _filters(reader: StoreReader) -> list[queries.Filters]:
    names = _one(reader, "SELECT DISTINCT name FROM fused_event_participants WHERE role = 'actor' ORDER BY 1 LIMIT 4")
    ids = _one(reader, "SELECT DISTINCT entity_id FROM fused_event_participants WHERE entity_id IS NOT NULL ORDER BY 1")
    aliases = _one(reader, "SELECT DISTINCT alias FROM entity_aliases ORDER BY 1 LIMIT 3")
    keys = _one(reader, "SELECT DISTINCT entity_key FROM fused_event_participants ORDER BY 1 LIMIT 3")
    outlets = _one(reader, "SELECT DISTINCT outlet FROM fused_event_members WHERE outlet IS NOT NULL ORDER BY 1")
    types = _one(reader, "SELECT DISTINCT type FROM fused_events ORDER BY 1")
    assert names and ids and outlets and types, "the example corpus should give actors, outlets and types"
    out = [queries.Filters(actor=a) for a in [*names, *ids[:3], *aliases, names[0].upper(), "no such actor"]]
    out += [queries.Filters(type=t) for t in types]
    out += [queries.Filters(outlet=o) for o in [*outlets, outlets[0].upper()]]
    out += [queries.Filters(extra={"participant": k}) for k in [*keys, *ids[:2]]]
    out += [
        queries.Filters(actor=names[0], type=types[0], since=dt.date(2021, 1, 1), until=dt.date(2024, 12, 31)),
        queries.Filters(since=dt.date(2022, 1, 1)),
        queries.Filters(until=dt.date(2021, 12, 31), outlet=outlets[0]),
        queries.Filters(actor=ids[0], outlet=outlets[-1], extra={"participant": ids[0]}),
    ]
    return out


@pytest.mark.parametrize(("limit", "offset"), [(50, 0), (3, 2), (5, 400)])
def test_index_fused_lists_match_source_tables(
    readers: tuple[StoreReader, StoreReader], limit: int, offset: int
) -> None:
    fast, slow = readers
    for f in [queries.Filters(), *_filters(fast)]:
        got, want = queries.fused(fast, f, limit, offset), queries.fused(slow, f, limit, offset)
        assert (got.total, got.items) == (want.total, want.items), f


def test_index_figures_entities_and_months_match_source_tables(readers: tuple[StoreReader, StoreReader]) -> None:
    fast, slow = readers
    subjects = _one(fast, "SELECT DISTINCT subject FROM figures WHERE subject IS NOT NULL ORDER BY 1 LIMIT 3")
    categories = _one(fast, "SELECT DISTINCT category FROM figures ORDER BY 1")
    outlets = _one(fast, "SELECT DISTINCT outlet FROM documents WHERE outlet IS NOT NULL ORDER BY 1 LIMIT 2")
    cases = [queries.Filters(), *(queries.Filters(type=c) for c in categories)]
    cases += [queries.Filters(actor=s.split()[0].upper()) for s in subjects]
    cases += [queries.Filters(outlet=o.lower(), since=dt.date(2020, 1, 1)) for o in outlets]
    assert len(cases) > 3
    for f in cases:
        for limit, offset in [(50, 0), (4, 3)]:
            got, want = queries.list_figures(fast, f, limit, offset), queries.list_figures(slow, f, limit, offset)
            assert (got.total, got.items) == (want.total, want.items), f
    assert queries.list_entities(fast, 50, 0).items == queries.list_entities(slow, 50, 0).items
    assert queries.events_by_month(fast) == queries.events_by_month(slow)


@pytest.mark.parametrize(
    ("table", "order"), [(name, order) for keyed in index._KEYED.values() for name, _, order in keyed.tables]
)
def test_index_tables_are_stored_in_their_sort_order(
    readers: tuple[StoreReader, StoreReader], table: str, order: str
) -> None:
    # A filtered list reads one contiguous, zone-mapped run of its key only if the rows were
    # written sorted: the scan order must be the sort order (ties may come in any order).
    fast, _ = readers
    sort_keys = [re.sub(r"\s+NULLS LAST$", "", key.strip()) for key in order.split(",")]
    columns = ", ".join(sort_keys)
    stored = fast.cursor().execute(f"SELECT {columns} FROM {index.SCHEMA}.{table}").fetchall()
    wanted = fast.cursor().execute(f"SELECT {columns} FROM {index.SCHEMA}.{table} ORDER BY {order}").fetchall()
    assert len(stored) > 3
    assert stored == wanted


def test_index_event_pages_match_source_tables(readers: tuple[StoreReader, StoreReader]) -> None:
    fast, slow = readers
    ids = _one(fast, "SELECT fused_event_id FROM fused_events ORDER BY 1")
    for event_id in ids:
        got, want = queries.get_fused(fast, event_id), queries.get_fused(slow, event_id)
        assert got is not None and want is not None
        for event in (got, want):
            for doc in event["mentions"]:
                for span in doc["spans"]:
                    span.pop("event_id")  # which of two events citing one sentence is named is arbitrary
        assert got == want, event_id
    member = _one(fast, "SELECT event_id FROM fused_event_members ORDER BY 1 LIMIT 1")[0]
    assert queries.get_fused(fast, member) == queries.get_fused(slow, member)
    assert queries.get_fused(fast, "no-such-event") is None
    context = pages.event(fast, ids[0])
    assert context is not None and context["event"]["mentions"][0]["article"].count("<mark") >= 1


@pytest.fixture
def copy(store: Path, tmp_path: Path) -> Path:
    target = tmp_path / "copy.duckdb"
    shutil.copy(store, target)
    return target


def test_index_stale_part_falls_back_to_source_tables(copy: Path) -> None:
    con = duckdb.connect(str(copy))
    # An entity merge rewrites participants in place; a later fuse run rewrites fused rows.
    con.execute(
        "UPDATE event_participants SET entity_id = NULL WHERE rowid = (SELECT min(rowid) FROM event_participants)"
    )
    con.execute("DELETE FROM fused_event_participants WHERE rowid = (SELECT min(rowid) FROM fused_event_participants)")
    con.close()
    reader, direct = StoreReader(copy), _direct(copy)
    try:
        assert not index.ready(reader, "fused") and not index.ready(reader, "entities")
        assert index.ready(reader, "figures")
        for f in _filters(direct)[:6]:
            assert queries.fused(reader, f, 20, 0).items == queries.fused(direct, f, 20, 0).items
    finally:
        reader.close()
        direct.close()
    con = duckdb.connect(str(copy))
    build_index(con)
    con.close()
    reader = StoreReader(copy)
    try:
        assert all(index.ready(reader, part) for part in PARTS)
    finally:
        reader.close()


def test_index_missing_or_old_version_is_ignored(copy: Path) -> None:
    con = duckdb.connect(str(copy))
    con.execute(f"UPDATE {index.SCHEMA}.meta SET value = '0' WHERE name = 'version'")
    con.close()
    reader = StoreReader(copy)
    try:
        assert not any(index.ready(reader, part) for part in PARTS)
        assert queries.fused(reader, queries.Filters(), 5, 0).total > 0
    finally:
        reader.close()
    con = duckdb.connect(str(copy))
    con.execute(f"DROP SCHEMA {index.SCHEMA} CASCADE")
    con.close()
    reader = StoreReader(copy)
    try:
        assert not any(index.ready(reader, part) for part in PARTS)
        assert queries.list_figures(reader, queries.Filters(), 5, 0).total > 0
    finally:
        reader.close()


# The fts extension's own ranking: conjunctive BM25 over every posting of the query's stems.
_REFERENCE = """
WITH q AS (SELECT DISTINCT stem(lower(strip_accents(w)), 'porter') AS term FROM unnest(?::VARCHAR[]) u(w)),
qt AS (SELECT d.termid, ln((st.num_docs - d.df + 0.5) / (d.df + 0.5) + 1) AS idf, st.avgdl
       FROM {s}.dict d JOIN q ON d.term = q.term, {s}.stats st)
SELECT dc.name, sum(qt.idf * p.tf * 2.2 / (p.tf + 1.2 * (0.25 + 0.75 * p.len / qt.avgdl))) AS score
FROM {s}.postings p JOIN qt ON qt.termid = p.termid JOIN {s}.docs dc ON dc.docid = p.docid
GROUP BY dc.name, p.docid HAVING count(*) = (SELECT count(*) FROM q) ORDER BY score DESC, p.docid
"""


def _key(hit: dict[str, Any]) -> str:
    return str(hit.get("evidence_id") or hit["doc_id"])


@pytest.fixture(scope="module")
def short_lists(store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StoreReader]:
    """The store indexed with top lists of 2 rows, so a small corpus takes every ranking path."""
    target = tmp_path_factory.mktemp("short-lists") / "store.duckdb"
    shutil.copy(store, target)
    con = duckdb.connect(str(target))
    build_index(con, top_k=2)
    con.close()
    reader = StoreReader(target)
    yield reader
    reader.close()


def _reference(reader: StoreReader, scope: str, words: str) -> list[tuple[str, float]]:
    sql = _REFERENCE.format(s=f"fts_main_{scope}")
    return [(str(r[0]), float(r[1])) for r in reader.cursor().execute(sql, [words.lower().split()]).fetchall()]


@pytest.mark.parametrize(
    ("words", "scope"),
    [("Russia", "evidence"), ("junta", "documents"), ("Russia Myanmar", "evidence"), ("military junta", "documents")],
)
@pytest.mark.parametrize(("limit", "offset"), [(2, 0), (3, 3)])
def test_search_ranking_matches_full_bm25(
    short_lists: StoreReader, words: str, scope: str, limit: int, offset: int
) -> None:
    reference = _reference(short_lists, scope, words)
    assert len(reference) > 4, "the example corpus should match these words"
    # (2, 0) pages from a one-word top list; (3, 3) reads past it, into the postings.
    result = search.search(short_lists, words, scope=scope, limit=limit, offset=offset)
    assert result.total == len(reference) and result.total_exact
    want = reference[offset : offset + limit]
    assert [_key(h) for h in result.hits] == [name for name, _ in want]
    assert [round(h["score"], 9) for h in result.hits] == [round(score, 9) for _, score in want]


def test_search_above_exact_bound_reports_lower_bound(
    short_lists: StoreReader, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = dict(_reference(short_lists, "evidence", "Russia Myanmar"))
    rarest = min(len(_reference(short_lists, "evidence", w)) for w in ("Russia", "Myanmar"))
    # Candidates: the rarest word's top list (2 rows) and all but two of its rows.
    monkeypatch.setattr(search, "EXACT_MAX_DF", rarest - 2)
    bounded = search.search(short_lists, "Russia Myanmar", scope="evidence", limit=100)
    assert not bounded.total_exact
    assert 0 < bounded.total <= len(reference)
    assert len(bounded.hits) == bounded.total and all(_key(h) in reference for h in bounded.hits)
    scores = [h["score"] for h in bounded.hits]
    assert scores == sorted(scores, reverse=True)


def test_search_phrase_checks_only_the_best_candidates(
    readers: tuple[StoreReader, StoreReader], monkeypatch: pytest.MonkeyPatch
) -> None:
    fast, _ = readers
    phrase = '"Min Aung Hlaing"'
    full = search.search(fast, phrase, scope="evidence", limit=200)
    matching = fast.scalar("SELECT count(*) FROM evidence WHERE contains(lower(text), 'min aung hlaing')")
    assert full.total_exact and full.total == matching > 3
    monkeypatch.setattr(search, "PHRASE_BATCH", 1)
    first = search.search(fast, phrase, scope="evidence", limit=1)
    # One hit and one more to show there is a next page: the rest are never read.
    assert not first.total_exact and first.total == 2 and len(first.hits) == 1
    assert "min aung hlaing" in first.hits[0]["text"].lower()
    assert "<mark>" in str(first.hits[0]["snippet"])


def test_search_api_and_page_say_when_total_is_a_lower_bound(client: httpx.Client) -> None:
    body = client.get("/api/search", params={"q": '"Min Aung Hlaing"', "scope": "evidence", "limit": 1}).json()
    assert body["total_exact"] is False and body["total"] >= 2 and body["next_offset"] == 1
    assert client.get("/api/search", params={"q": "junta"}).json()["total_exact"] is True
    html = client.get("/search", params={"q": '"Min Aung Hlaing"', "scope": "evidence", "limit": 1}).text
    assert re.search(r"At least \d+ hits", html) and "Page 1 · at least" in html


def test_reader_makes_missing_pandas_fail_fast(readers: tuple[StoreReader, StoreReader]) -> None:
    import importlib
    import sys

    if "pandas" in sys.modules and sys.modules["pandas"] is not None:
        pytest.skip("pandas is installed here")
    # DuckDB imports pandas while binding parameters: absent, it must fail at once, not search sys.path.
    assert "pandas" in sys.modules and sys.modules["pandas"] is None
    with pytest.raises(ImportError):
        importlib.import_module("pandas")

"""The search index updated row batch by row batch answers exactly like one built from scratch."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from dossier.serve import fts, search
from dossier.serve.db import StoreReader
from dossier.store import load_fts
from dossier.store.connection import SCHEMA_VERSION

TABLES = ("documents", "evidence")


def _copy_rows(con: duckdb.DuckDBPyConnection, source: Path, part: int, parts: int) -> None:
    """Append the `part`-th of `parts` slices (in row order) of the source store's searchable tables."""
    con.execute(f"ATTACH '{source}' AS src (READ_ONLY)")
    if part == 0:  # the reader checks the store's schema version
        con.execute("CREATE TABLE schema_version AS SELECT * FROM src.schema_version")
    for table in TABLES:
        con.execute(f"CREATE TABLE IF NOT EXISTS {table} AS SELECT * FROM src.{table} LIMIT 0")
        n = con.execute(f"SELECT count(*) FROM src.{table}").fetchone()[0]  # type: ignore[index]
        lo, hi = n * part // parts, n * (part + 1) // parts
        con.execute(
            f"INSERT INTO {table} SELECT * FROM src.{table} WHERE rowid >= ? AND rowid < ? ORDER BY rowid", [lo, hi]
        )
    con.execute("DETACH src")


def _stepwise(source: Path, target: Path, steps: int, top_k: int) -> None:
    con = duckdb.connect(str(target))
    try:
        for step in range(steps):
            _copy_rows(con, source, step, steps)
            added = fts.build_fts(con, top_k=top_k)
            assert sum(added.values()) > 0
        # Nothing new: nothing indexed.
        assert fts.build_fts(con, top_k=top_k) == {"documents": 0, "evidence": 0}
    finally:
        con.close()


# (top_k, drift): top lists of 2 and 3 rows take every ranking path on a small corpus; a
# drift that never rebuilds a list leaves lists built at an old avgdl, which the query's
# bound must catch (falling back to the postings) or prove complete.
CASES = [(2, fts.DRIFT), (3, 1e9), (search.TOP_K, fts.DRIFT)]


@pytest.fixture(scope="module", params=CASES, ids=lambda c: f"top_k={c[0]}-drift={c[1]:g}")
def pair(
    request: pytest.FixtureRequest, store: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[StoreReader, StoreReader]]:
    """(updated in four steps, built from scratch) indexes of the same rows."""
    top_k, drift = request.param
    root = tmp_path_factory.mktemp(f"fts-{top_k}")
    steps, scratch = root / "steps.duckdb", root / "scratch.duckdb"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(fts, "DRIFT", drift)
        _stepwise(store, steps, 4, top_k)
    con = duckdb.connect(str(scratch))
    _copy_rows(con, store, 0, 1)
    fts.build_fts(con, top_k=top_k, full=True)
    con.close()
    a, b = StoreReader(steps), StoreReader(scratch)
    yield a, b
    a.close()
    b.close()


def _queries(reader: StoreReader, scope: str) -> list[str]:
    s = f"fts_main_{scope}"
    frequent = [r["term"] for r in reader.rows(f"SELECT term FROM {s}.dict ORDER BY df DESC, term LIMIT 25")]
    rare = [r["term"] for r in reader.rows(f"SELECT term FROM {s}.dict WHERE df = 1 ORDER BY term LIMIT 3")]
    words = [*frequent, *rare]
    pairs = [f"{a} {b}" for a, b in itertools.combinations(frequent[:8], 2)]
    triples = [" ".join(frequent[i : i + 3]) for i in range(0, 9, 3)]
    phrases = ['"the army"', f'{frequent[0]} "said"', '"military"', "the"]
    return [*words, *pairs, *triples, *phrases]


def _answer(reader: StoreReader, scope: str, text: str, limit: int, offset: int) -> tuple[Any, ...]:
    got = search.search(reader, text, scope=scope, limit=limit, offset=offset)
    key = "doc_id" if scope == "documents" else "evidence_id"
    return got.total, got.total_exact, got.indexed, [(h[key], h["score"]) for h in got.hits]


@pytest.mark.parametrize("scope", TABLES)
def test_fts_stepwise_update_answers_like_full_build(pair: tuple[StoreReader, StoreReader], scope: str) -> None:
    steps, scratch = pair
    assert search.index_ready(steps, scope) and search.index_ready(scratch, scope)
    compared = 0
    for text in _queries(scratch, scope):
        for limit, offset in [(20, 0), (2, 0), (3, 3), (5, 1)]:
            got, want = _answer(steps, scope, text, limit, offset), _answer(scratch, scope, text, limit, offset)
            assert got[:3] == want[:3], (text, limit, offset)
            assert [k for k, _ in got[3]] == [k for k, _ in want[3]], (text, limit, offset)
            assert all(abs(x - y) <= 1e-9 for (_, x), (_, y) in zip(got[3], want[3], strict=True)), text
            compared += len(want[3])
    assert compared > 100


def test_fts_tables_equal_after_stepwise_update(pair: tuple[StoreReader, StoreReader]) -> None:
    steps, scratch = pair
    for scope in TABLES:
        s = f"fts_main_{scope}"
        for sql in (
            f"SELECT docid, name, len FROM {s}.docs ORDER BY docid",
            f"SELECT term, df FROM {s}.dict ORDER BY term",
            f"SELECT d.term, p.docid, p.tf, p.len FROM {s}.postings p JOIN {s}.dict d USING (termid) ORDER BY ALL",
            f"SELECT num_docs, avgdl FROM {s}.stats",
        ):
            assert steps.rows(sql) == scratch.rows(sql), sql


def test_fts_text_tokenised_in_windows_gives_the_same_index(
    store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows tokenised a window of text at a time (a first build of a large store) index like one pass."""
    tables: dict[int, list[list[tuple[Any, ...]]]] = {}
    for chars in (10**12, 5_000):
        monkeypatch.setattr(fts, "WINDOW_CHARS", chars)
        con = duckdb.connect(str(tmp_path / f"w{chars}.duckdb"))
        try:
            _copy_rows(con, store, 0, 1)
            windows = fts._windows(con, fts.SOURCES[1], -1)
            assert len(windows) == 1 if chars == 10**12 else len(windows) > 3, windows
            assert windows[0][0] == 0 and all(a[1] + 1 == b[0] for a, b in itertools.pairwise(windows))
            fts.build_fts(con, top_k=3, full=True)
            tables[chars] = [
                con.execute(f"SELECT * FROM fts_main_{scope}.{t} ORDER BY ALL").fetchall()
                for scope in TABLES for t in ("docs", "dict", "postings", "top", "top_meta", "stats")
            ]
        finally:
            con.close()
    assert tables[5_000] == tables[10**12]
    assert sum(len(t) for t in tables[5_000]) > 5_000


def test_fts_terms_match_the_fts_extension(store: Path, tmp_path: Path) -> None:
    """Our tokenizer, stop words and stems give the extension's own terms and lengths."""
    con = duckdb.connect(str(tmp_path / "x.duckdb"))
    try:
        _copy_rows(con, store, 0, 1)
        fts.build_fts(con, top_k=5)
        load_fts(con)
        con.execute("CREATE TABLE ext_docs AS SELECT doc_id, title, body FROM documents ORDER BY rowid")
        con.execute("PRAGMA create_fts_index('ext_docs', 'doc_id', 'title', 'body')")
        ours = con.execute("SELECT term, df FROM fts_main_documents.dict ORDER BY term").fetchall()
        theirs = con.execute("SELECT term, df FROM fts_main_ext_docs.dict ORDER BY term").fetchall()
        assert len(ours) > 500 and ours == theirs
        lens = "SELECT name, len FROM {}.docs ORDER BY name"
        assert (
            con.execute(lens.format("fts_main_documents")).fetchall()
            == con.execute(lens.format("fts_main_ext_docs")).fetchall()
        )
    finally:
        con.close()


def test_fts_list_covers_rejects_a_page_past_its_bound() -> None:
    # One row left out: tf 1, len 10 at avgdl 10 -> h0 = 0.3 + 0.9 = 1.2.
    meta = (10.0, 1.2, 1, 1)
    assert fts.list_covers([(2, 10)], 1, 10.0, meta)  # h = 0.15 + 0.45 = 0.6 < 1.2
    assert not fts.list_covers([(1, 10)], 1, 10.0, meta)  # a tie is not proof
    # Longer average documents make the left-out row better (h falls to 0.3 + 0.45 = 0.75 at avgdl 20).
    assert fts.list_covers([(1, 5)], 1, 20.0, meta)  # h = 0.3 + 0.225
    assert not fts.list_covers([(1, 12)], 1, 20.0, meta)  # h = 0.3 + 0.54 > 0.75
    assert fts.list_covers([(1, 12)], 1, 20.0, (10.0, None, 1, 1))  # nothing left out


def _synthetic(con: duckdb.DuckDBPyConnection, docs: list[tuple[str, str]]) -> None:
    con.execute(
        "CREATE TABLE IF NOT EXISTS documents (doc_id VARCHAR, name VARCHAR, title VARCHAR, outlet VARCHAR, "
        "published_date DATE, body VARCHAR)"
    )
    con.execute("CREATE TABLE IF NOT EXISTS evidence (evidence_id VARCHAR, doc_id VARCHAR, text VARCHAR)")
    con.execute(f"CREATE TABLE IF NOT EXISTS schema_version AS SELECT {SCHEMA_VERSION} AS version")
    con.executemany("INSERT INTO documents VALUES (?, ?, NULL, NULL, NULL, ?)", [(k, k, body) for k, body in docs])


def _words(n: int, seed: int) -> str:
    return " ".join(f"filler{chr(97 + (seed + i) % 26)}{chr(97 + i // 26 % 26)}word" for i in range(n))


def test_fts_stale_list_after_average_length_grows(tmp_path: Path) -> None:
    """A list built while documents were short misses the best row once they are long: never served stale.

    "alpha" once in 5 words beats "alpha" 4 times in 60 words at an average length of 21
    (the list keeps the two short rows), and loses to it at 120 (after long documents
    without the word): the answer must be the long row, as from a fresh index.
    """
    first = [("short1", f"alpha {_words(4, 1)}"), ("short2", f"alpha {_words(4, 2)}")]
    first += [("long", " ".join(["alpha"] * 4) + " " + _words(56, 3))]
    first += [(f"filler{i}", _words(20, 10 + i)) for i in range(5)]
    later = [(f"big{i}", _words(200, 40 + i)) for i in range(10)]
    steps, scratch = tmp_path / "steps.duckdb", tmp_path / "scratch.duckdb"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(fts, "DRIFT", 1e9)  # the list is never rebuilt
        con = duckdb.connect(str(steps))
        _synthetic(con, first)
        fts.build_fts(con, top_k=1)
        listed = (
            "SELECT count(*) FROM fts_main_documents.top JOIN fts_main_documents.dict USING (termid) "
            "WHERE term = 'alpha'"
        )
        assert con.execute(listed).fetchone() == (2,)
        _synthetic(con, later)
        fts.build_fts(con, top_k=1)
        con.close()
    con = duckdb.connect(str(scratch))
    _synthetic(con, first + later)
    fts.build_fts(con, top_k=1)
    con.close()
    got = {}
    for path in (steps, scratch):
        reader = StoreReader(path)
        try:
            got[path] = _answer(reader, "documents", "alpha", 1, 0)
        finally:
            reader.close()
    assert got[steps] == got[scratch]
    assert got[steps][3][0][0] == "long"

"""The serve index updated build by build holds the very rows, and answers, of one built from scratch."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest

from dossier.build import build
from dossier.serve import index
from dossier.serve.db import StoreReader
from dossier.serve.index import build_index, build_serve_index
from dossier.settings import Settings

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "examples" / "corpus"
SEEDS = REPO.parent / "shared" / "seeds"


def _fused(db: Path) -> dict[str, set[str]]:
    """Each fused event's member documents."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute(
            "SELECT fused_event_id, list(DISTINCT doc_id) FROM fused_event_members GROUP BY 1"
        ).fetchall()
    finally:
        con.close()
    return {r[0]: set(r[1]) for r in rows}


def _merge(con: duckdb.DuckDBPyConnection) -> tuple[str, str]:
    """Merge one actor entity into another the way an entity merge writes: ids rewritten in place."""
    ids = [
        r[0]
        for r in con.execute(
            "SELECT entity_id FROM fused_event_participants WHERE role = 'actor' AND entity_id IS NOT NULL "
            "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 2"
        ).fetchall()
    ]
    assert len(ids) == 2, "the corpus should name two actor entities"
    into, gone = ids
    for table in ("event_participants", "fused_event_participants"):
        con.execute(f"UPDATE {table} SET entity_id = ? WHERE entity_id = ?", [into, gone])
    con.execute("UPDATE entity_aliases SET entity_id = ? WHERE entity_id = ?", [into, gone])
    return into, gone


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory, settings: Settings) -> tuple[Path, Path, dict[str, Any]]:
    """(updated in two builds and a merge, indexed from scratch) copies of the same store."""
    root = tmp_path_factory.mktemp("index-update")
    corpus = CORPUS if CORPUS.is_dir() and any(CORPUS.iterdir()) else SEEDS
    files = sorted(corpus.iterdir())
    first, second = files[0::2], files[1::2]
    steps = root / "steps.duckdb"
    seen: dict[str, Any] = {}
    with pytest.MonkeyPatch.context() as mp:
        # Every update takes the incremental path, however large its share of the rows.
        mp.setattr(index, "REWRITE_SHARE", 1.0)
        build(first, db=steps, settings=settings)
        seen["before"] = _fused(steps)
        build(second, db=steps, settings=settings)
        seen["after"] = _fused(steps)
        con = duckdb.connect(str(steps))
        try:
            seen["merged"] = _merge(con)
            seen["written"] = build_serve_index(con, full=False)
        finally:
            con.close()
    scratch = root / "scratch.duckdb"
    shutil.copy(steps, scratch)
    con = duckdb.connect(str(scratch))
    try:
        build_index(con, full=True)
    finally:
        con.close()
    return steps, scratch, seen


def test_index_update_sees_joined_new_and_merged_events(stores: tuple[Path, Path, dict[str, Any]]) -> None:
    steps, _, seen = stores
    before, after = seen["before"], seen["after"]
    old_docs = set().union(*before.values())
    # The second build added members to events of the first, and events of its own.
    assert any(docs & old_docs and docs - old_docs for docs in after.values())
    assert any(not docs & old_docs for docs in after.values())
    assert seen["written"][0] == "fused" and "figures" not in seen["written"]  # the merge touches no figure
    reader = StoreReader(steps)
    try:
        assert all(index.ready(reader, part) for part in index.SOURCES)
        into, gone = seen["merged"]
        assert reader.scalar(f"SELECT count(*) FROM {index.SCHEMA}.fused_participants WHERE entity_id = ?", [gone]) == 0
        assert reader.scalar(f"SELECT count(*) FROM {index.SCHEMA}.fused_keys WHERE key = 'a:' || ?", [into]) > 0
    finally:
        reader.close()


def _tables(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = ? ORDER BY 1", [index.SCHEMA]
            ).fetchall()
        ]
        return {n: con.execute(f"SELECT * FROM {index.SCHEMA}.{n} ORDER BY ALL").fetchall() for n in names}
    finally:
        con.close()


def test_index_update_tables_equal_full_build(stores: tuple[Path, Path, dict[str, Any]]) -> None:
    steps, scratch, _ = stores
    got, want = _tables(steps), _tables(scratch)
    assert set(got) == set(want) >= {"fused", "fused_keys", "fused_members", "event_spans", "figures", "meta"}
    for name in want:
        assert want[name], name
        assert got[name] == want[name], name  # the physical order aside


def _api_paths(client: httpx.Client) -> list[tuple[str, dict[str, Any]]]:
    events = client.get("/api/events", params={"limit": 500}).json()["items"]
    actors = (
        sorted({a for e in events for a in e["actors"]})[:4] + sorted({a for e in events for a in e["actor_ids"]})[:3]
    )
    outlets = sorted({o for e in events for o in e["outlets"]})
    types = sorted({e["type"] for e in events})
    assert actors and outlets and types
    filters: list[dict[str, Any]] = [{}, *({"actor": a} for a in actors), *({"type": t} for t in types)]
    filters += [{"outlet": o} for o in outlets]
    filters += [{"since": "2022-01-01"}, {"until": "2021-12-31", "outlet": outlets[0]}]
    filters += [{"actor": actors[0], "type": types[0], "since": "2021-01-01", "until": "2024-12-31"}]
    out: list[tuple[str, dict[str, Any]]] = []
    for path in ("/api/events", "/api/timeline"):
        for f in filters:
            out += [(path, {**f, "limit": limit, "offset": offset}) for limit, offset in [(50, 0), (3, 2), (2, 7)]]
    for f in [{}, {"since": "2020-01-01"}, *({"outlet": o} for o in outlets[:2])]:
        out += [("/api/figures", {**f, "limit": limit, "offset": offset}) for limit, offset in [(50, 0), (4, 3)]]
    out += [("/api/entities", {"limit": 50}), ("/api/stats", {})]
    out += [(f"/api/events/{e['fused_event_id']}", {}) for e in events]
    return out


def test_index_update_api_answers_equal_full_build(
    stores: tuple[Path, Path, dict[str, Any]],
    serve_store: Callable[[Path], contextlib.AbstractContextManager[str]],
) -> None:
    steps, scratch, _ = stores
    with (
        serve_store(steps) as a,
        serve_store(scratch) as b,
        httpx.Client(base_url=a, timeout=30) as ca,
        httpx.Client(base_url=b, timeout=30) as cb,
    ):
        paths = _api_paths(cb)
        assert len(paths) > 100
        for path, params in paths:
            got, want = ca.get(path, params=params), cb.get(path, params=params)
            assert want.status_code == 200, (path, params)
            assert got.json() == want.json(), (path, params)


def test_index_update_of_nothing_writes_nothing(stores: tuple[Path, Path, dict[str, Any]], tmp_path: Path) -> None:
    target = tmp_path / "again.duckdb"
    shutil.copy(stores[0], target)
    con = duckdb.connect(str(target))
    try:
        assert build_serve_index(con, full=False) == []
    finally:
        con.close()


@contextlib.contextmanager
def _open(db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(db))
    try:
        yield con
    finally:
        con.close()


def test_index_update_removed_event_leaves_no_rows(stores: tuple[Path, Path, dict[str, Any]], tmp_path: Path) -> None:
    target = tmp_path / "removed.duckdb"
    shutil.copy(stores[0], target)
    with _open(target) as con:
        gone = con.execute("SELECT min(fused_event_id) FROM fused_events").fetchone()[0]  # type: ignore[index]
        for table in ("fused_events", "fused_event_participants", "fused_event_members"):
            con.execute(f"DELETE FROM {table} WHERE fused_event_id = ?", [gone])
        assert build_serve_index(con, full=False) == ["fused"]
        for table in ("fused", "fused_keys", "fused_participants", "fused_members", "event_spans"):
            n = con.execute(f"SELECT count(*) FROM {index.SCHEMA}.{table} WHERE fused_event_id = ?", [gone]).fetchone()
            assert n == (0,), table


def test_index_fingerprint_sees_rows_changed_alike() -> None:
    # DuckDB's hash(a, b) is linear in XOR: two rows rewriting b alike would cancel out.
    con = duckdb.connect()
    try:
        con.execute("CREATE TABLE p AS SELECT i AS event_id, 'ent_a' AS entity_id FROM range(4) r(i)")
        expr = "hash(t.event_id, t.entity_id)"
        before, rows = index.table_fingerprint(con, "p", expr), index.table_fingerprint(con, "p", "hash(t)")
        con.execute("UPDATE p SET entity_id = 'ent_b' WHERE event_id < 2")
        assert index.table_fingerprint(con, "p", expr) != before
        assert index.table_fingerprint(con, "p", "hash(t)") != rows
    finally:
        con.close()

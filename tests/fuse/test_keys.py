"""Tables that grow with the corpus carry no key or index; stores of schema 2 migrate keeping every row."""

from __future__ import annotations

import re
import shutil
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb

from dossier.fuse import refresh
from dossier.fuse.inputs import select
from dossier.fuse.refresh import UNKEYED_FUSE_TABLES
from dossier.settings import data_path
from dossier.store import open_store
from dossier.store.connection import UNKEYED_IN_V3, create_statement

# Tables with one row per entity, site line, build or setting: the only keyed ones.
KEYED = {"builds", "entities", "entity_merges", "fuse_entity_canon", "site_lines", "store_state"}


def _keyed(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute(
        "SELECT table_name FROM duckdb_constraints() WHERE schema_name = 'main' "
        "AND constraint_type IN ('PRIMARY KEY', 'UNIQUE')"
    ).fetchall()
    return {r[0] for r in rows}


def _indexed(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute("SELECT table_name FROM duckdb_indexes() WHERE schema_name = 'main'").fetchall()}


def _rows(con: duckdb.DuckDBPyConnection, tables: list[str]) -> dict[str, list[tuple[Any, ...]]]:
    return {t: sorted(con.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables}


def _rowids(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    return [
        *con.execute("SELECT rowid, doc_id FROM documents ORDER BY rowid").fetchall(),
        *con.execute("SELECT rowid, evidence_id FROM evidence ORDER BY rowid").fetchall(),
    ]


def _with_keys(sql: str, keys: dict[str, str]) -> str:
    """The schema script as schema 2 had it: `column VARCHAR PRIMARY KEY` for these tables' keys."""
    for table, column in keys.items():
        old = create_statement(sql, table)
        new, n = re.subn(rf"^(\s+{column}\s+VARCHAR) NOT NULL", r"\1 PRIMARY KEY", old, count=1, flags=re.MULTILINE)
        assert n == 1, table
        sql = sql.replace(old, new)
    return sql


def _schema2_copy(src: Path, dst: Path) -> list[str]:
    """Copy the store at `src` into a new file laid out as schema 2 (keys on the per-fact tables,
    doc_lsh indexed); return the tables copied."""
    store_sql = resources.files("dossier.store").joinpath("schema.sql").read_text(encoding="utf-8")
    fuse_sql = data_path("fuse", "tables.sql").read_text(encoding="utf-8")
    store_keys = {
        "documents": "doc_id", "evidence": "evidence_id", "doc_entities": "doc_entity_id", "events": "event_id",
        "figures": "figure_id", "quotes": "quote_id", "timexes": "timex_id",
    }
    fuse_keys = {
        "doc_signatures": "doc_id", "doc_sources": "doc_id", "fuse_figure_keys": "figure_id",
        "fused_events": "fused_event_id", "figure_series": "series_id", "contradictions": "contradiction_id",
    }
    con = duckdb.connect(str(dst))
    con.execute(_with_keys(store_sql, store_keys))
    con.execute(_with_keys(fuse_sql, fuse_keys))
    con.execute("CREATE INDEX documents_source ON documents (source)")
    con.execute("CREATE INDEX doc_lsh_bucket ON doc_lsh (band, bucket)")
    con.execute(f"ATTACH '{src}' AS src (READ_ONLY)")
    tables = [r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = 'src' AND schema_name = 'main'"
    ).fetchall()]
    for table in tables:
        con.execute(f"CREATE TABLE IF NOT EXISTS main.{table} AS SELECT * FROM src.main.{table} LIMIT 0")
        con.execute(f"INSERT INTO main.{table} BY NAME SELECT * FROM src.main.{table} ORDER BY rowid")
    con.execute("DELETE FROM schema_version")
    con.execute("INSERT INTO schema_version (version) VALUES (1), (2)")
    assert set(UNKEYED_IN_V3) | set(UNKEYED_FUSE_TABLES) <= _keyed(con)
    con.close()
    return [t for t in tables if t != "schema_version"]


def test_keys_only_on_tables_that_do_not_grow_with_the_corpus(refreshed: Path, tmp_path: Path) -> None:
    path = tmp_path / "store.duckdb"
    shutil.copy(refreshed, path)
    con = open_store(path)
    try:
        assert con.execute("SELECT count(*) FROM evidence").fetchone()[0] > 10
        assert _keyed(con) == KEYED
        assert _indexed(con) == set()
    finally:
        con.close()


def test_keys_none_on_the_refresh_id_tables(tmp_path: Path) -> None:
    """The refresh replaces its id tables many times a transaction: a key's index would stay
    in memory until the commit, for every replaced table."""
    con = duckdb.connect(str(tmp_path / "ids.duckdb"))
    try:
        select(con, "_fuse_docs", ["b", "a", "b"])
        assert con.execute("SELECT id FROM _fuse_docs ORDER BY id").fetchall() == [("a",), ("b",)]
        constraints = con.execute(
            "SELECT constraint_type FROM duckdb_constraints() WHERE table_name = '_fuse_docs'"
        ).fetchall()
        assert ("PRIMARY KEY",) not in constraints and ("UNIQUE",) not in constraints
    finally:
        con.close()


def test_keys_a_schema_2_store_migrates_keeping_rows_and_rowids(refreshed: Path, tmp_path: Path, settings: Any) -> None:
    old = tmp_path / "v2.duckdb"
    tables = _schema2_copy(refreshed, old)
    con = duckdb.connect(str(old), read_only=True)
    before = _rows(con, tables)
    # The full-text indexes point at documents and evidence rows by rowid.
    rowids = _rowids(con)
    con.close()

    con = open_store(old)
    try:
        versions = con.execute("SELECT version FROM schema_version ORDER BY version").fetchall()
        assert [v for v, in versions] == [1, 2, 3]
        assert not set(UNKEYED_IN_V3) & _keyed(con)
        report = refresh(con, settings)  # the fuse tables lose theirs when fusion next opens them
        assert report.skipped, "the migrated store's fusion is still current: nothing to recompute"
        assert _keyed(con) == KEYED
        assert _indexed(con) == set()
        assert _rows(con, tables) == before
        assert _rowids(con) == rowids
        assert con.execute("SELECT count(*) FROM current_documents").fetchone() == (len(before["documents"]),)
    finally:
        con.close()

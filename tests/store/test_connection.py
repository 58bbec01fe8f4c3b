"""Opening the store: the driver's DuckDB memory cap, a bad cap as a clear error, a missing pandas."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from dossier.errors import StoreError
from dossier.store import open_store
from dossier.store.connection import arrow_stream, transaction


def test_connection_memory_limit_is_applied(tmp_path: Path) -> None:
    con = open_store(tmp_path / "s.duckdb", memory_limit="256MB")
    row = con.execute("SELECT current_setting('memory_limit')").fetchone()
    con.close()
    assert row == ("244.1 MiB",)  # 256 MB as DuckDB reports it


@pytest.mark.parametrize("bad", ["1GB'; DROP TABLE documents; --", "lots"])
def test_connection_bad_memory_limit_names_the_setting(tmp_path: Path, bad: str) -> None:
    with pytest.raises(StoreError, match=r"store\.memory_limit .*use a size such as '1GB'"):
        open_store(tmp_path / "s.duckdb", memory_limit=bad)


def test_connection_begin_if_needed_joins_an_open_transaction(tmp_path: Path) -> None:
    from dossier.store.connection import begin_if_needed, in_transaction

    con = open_store(tmp_path / "s.duckdb")
    try:
        assert not in_transaction(con)
        con.execute("BEGIN TRANSACTION")
        assert in_transaction(con)
        # Joining must not abort the caller's transaction (a nested BEGIN would).
        assert begin_if_needed(con) is False
        con.execute("INSERT INTO store_state VALUES ('probe', 'x')")
        con.execute("ROLLBACK")
        assert con.execute("SELECT count(*) FROM store_state WHERE key = 'probe'").fetchone() == (0,)
        assert begin_if_needed(con) is True
        con.execute("COMMIT")
        assert not in_transaction(con)
    finally:
        con.close()


def test_connection_parameters_never_search_sys_path_for_a_missing_pandas(tmp_path: Path) -> None:
    import importlib.abc
    import importlib.util
    import sys

    import pyarrow as pa

    if "pandas" in sys.modules and sys.modules["pandas"] is not None:
        pytest.skip("pandas is installed here")
    searched: list[str] = []

    class Spy(importlib.abc.MetaPathFinder):
        def find_spec(self, fullname: str, path: object = None, target: object = None) -> None:
            searched.append(fullname)

    con = open_store(tmp_path / "s.duckdb")
    sys.meta_path.insert(0, Spy())
    try:
        # DuckDB's client imports pandas while binding parameters (once per value type, per call).
        for i in range(20):
            con.execute("SELECT count(*) FROM documents WHERE doc_id = ? OR byte_size = ?", [str(i), i]).fetchall()
        # The store writer's pyarrow still works, and still finds pandas absent.
        table = pa.table({"doc_id": pa.array(["a", "b"])})
        con.register("_ids", table)
        assert con.execute("SELECT count(*) FROM _ids").fetchone() == (2,)
        assert importlib.util.find_spec("pandas") is None
    finally:
        sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, Spy)]
        con.close()
    assert "pandas" not in searched


def _insert_tables(con: duckdb.DuckDBPyConnection, register: Callable[[str, pa.Table], Any]) -> int:
    """Bytes of Arrow memory still held after five inserts in one open transaction."""
    before = pa.total_allocated_bytes()
    with transaction(con):
        for i in range(5):
            data = pa.table({"a": [f"row {i} {j} of the batch" for j in range(20_000)]})
            with register("_rows", data):
                con.execute("INSERT INTO t SELECT a FROM _rows")
            del data
        held = pa.total_allocated_bytes() - before
    return held


def test_connection_arrow_stream_frees_each_table_before_the_transaction_ends(tmp_path: Path) -> None:
    con = open_store(tmp_path / "s.duckdb")
    con.execute("CREATE TABLE t (a VARCHAR)")

    @contextlib.contextmanager
    def registered(name: str, data: pa.Table) -> Iterator[None]:
        con.register(name, data)
        yield
        con.unregister(name)

    one_table = pa.table({"a": [f"row 0 {j} of the batch" for j in range(20_000)]}).nbytes
    # The plain way keeps every table alive until the commit (why arrow_stream exists) ...
    assert _insert_tables(con, registered) >= 4 * one_table
    # ... the stream is released as soon as it is read, and every row is stored.
    assert _insert_tables(con, lambda name, data: arrow_stream(con, name, data)) < one_table
    assert con.execute("SELECT count(*), count(DISTINCT a) FROM t").fetchone() == (200_000, 100_000)

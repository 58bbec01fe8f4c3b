"""Opening the store: the driver's DuckDB memory cap, and a bad cap as a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from dossier.errors import StoreError
from dossier.store import open_store


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

"""Read-only access to a store for the server and the static report.

One DuckDB connection is opened read-only; each thread gets its own cursor (DuckDB
connections are not thread-safe, cursors over one database are). Every query takes its
values as parameters: request input is never formatted into SQL.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import duckdb

from dossier.errors import DossierError
from dossier.store import load_fts, open_store

log = logging.getLogger(__name__)

Row = dict[str, Any]
T = TypeVar("T")


class StoreReader:
    """A read-only store shared by request threads, with the names of its tables and views."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._con = open_store(self.path, read_only=True)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._cursors: list[duckdb.DuckDBPyConnection] = []
        # Small read-mostly lookups computed once per server (the store is read-only while served).
        self.cache: dict[Any, Any] = {}
        try:
            load_fts(self._con)
            self.fts_loaded = True
        except (DossierError, duckdb.Error) as err:
            # Search degrades to substring matching; the rest of the site works.
            log.warning("full-text search unavailable: %s", err)
            self.fts_loaded = False
        self.columns: dict[str, frozenset[str]] = self._read_columns()

    def _read_columns(self) -> dict[str, frozenset[str]]:
        rows = self._con.execute(
            "SELECT table_schema, table_name, column_name FROM information_schema.columns"
        ).fetchall()
        columns: dict[str, set[str]] = {}
        for schema, table, column in rows:
            name = table if schema == "main" else f"{schema}.{table}"
            columns.setdefault(name, set()).add(column)
        return {name: frozenset(cols) for name, cols in columns.items()}

    def has(self, relation: str, *columns: str) -> bool:
        """Return True when the table or view exists with every named column."""
        cols = self.columns.get(relation)
        return cols is not None and all(c in cols for c in columns)

    def memo(self, key: tuple[Any, ...], compute: Callable[[], T], *, limit: int = 512) -> T:
        """Return a cached result for `key`, computing it once.

        Sound because the store is opened read-only: no writer can change it while served.
        """
        with self._lock:
            if key in self.cache:
                value: T = self.cache[key]
                return value
        value = compute()
        with self._lock:
            if len(self.cache) >= limit:
                self.cache.pop(next(k for k in self.cache if isinstance(k, tuple)), None)
            self.cache[key] = value
        return value

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """Return this thread's cursor, creating it on first use."""
        cur: duckdb.DuckDBPyConnection | None = getattr(self._local, "cursor", None)
        if cur is None:
            cur = self._con.cursor()
            self._local.cursor = cur
            with self._lock:
                self._cursors.append(cur)
        return cur

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Run a parameterised query and return its rows as dicts."""
        result = self.cursor().execute(sql, list(params))
        names = [d[0] for d in result.description or ()]
        return [dict(zip(names, values, strict=True)) for values in result.fetchall()]

    def row(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """Return the first row of a parameterised query, or None."""
        found = self.rows(sql, params)
        return found[0] if found else None

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """Return the first value of the first row, or None."""
        got = self.cursor().execute(sql, list(params)).fetchone()
        return got[0] if got else None

    def close(self) -> None:
        """Close every cursor and the connection."""
        with self._lock:
            for cur in self._cursors:
                cur.close()
            self._cursors.clear()
        self._con.close()

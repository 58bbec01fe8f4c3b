"""Opening the store: create, migrate, and load the bundled full-text-search extension."""

from __future__ import annotations

import contextlib
import importlib.util
import re
import sys
from collections.abc import Iterable, Iterator
from importlib import resources
from pathlib import Path

import duckdb
import pyarrow as pa

from dossier.errors import StoreError

SCHEMA_VERSION = 3
# Tables that lost their PRIMARY KEY in version 3 (why: the comment atop schema.sql).
UNKEYED_IN_V3 = ("documents", "evidence", "doc_entities", "events", "figures", "quotes", "timexes")


def _schema_sql() -> str:
    return resources.files("dossier.store").joinpath("schema.sql").read_text(encoding="utf-8")


def _current_version(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
    ).fetchone()
    if not row or not row[0]:
        return 0
    got = con.execute("SELECT max(version) FROM schema_version").fetchone()
    return int(got[0]) if got and got[0] is not None else 0


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Bring the store to SCHEMA_VERSION; return the version it had before."""
    before = _current_version(con)
    if before > SCHEMA_VERSION:
        raise StoreError(
            f"the store has schema version {before}, newer than this Dossier ({SCHEMA_VERSION}); "
            "upgrade Dossier to open it"
        )
    if before < 1:
        with transaction(con):
            con.execute(_schema_sql())
            con.execute("INSERT INTO schema_version (version) VALUES (1)")
    if before < 2:
        # v2: learnt site lines count distinct stories, not documents (a no-op on new stores).
        with transaction(con):
            con.execute("ALTER TABLE site_lines ADD COLUMN IF NOT EXISTS stories UBIGINT[]")
            con.execute("INSERT INTO schema_version (version) VALUES (2)")
    if before < 3:
        with transaction(con):
            sql = _schema_sql()
            con.execute("DROP INDEX IF EXISTS documents_source")
            for table in UNKEYED_IN_V3:
                drop_primary_key(con, table, create_statement(sql, table))
            con.execute("INSERT INTO schema_version (version) VALUES (3)")
    # Later versions add `if before < N:` steps here, each in its own transaction.
    return before


def create_statement(sql: str, table: str) -> str:
    """The `CREATE TABLE IF NOT EXISTS table (...);` statement of `table` in the script `sql`."""
    found = re.search(rf"^CREATE TABLE IF NOT EXISTS {re.escape(table)} \(.*?^\);", sql, re.DOTALL | re.MULTILINE)
    if not found:
        raise StoreError(f"no CREATE TABLE statement for {table} in the schema; the installation is damaged")
    return found.group(0)


def drop_primary_key(con: duckdb.DuckDBPyConnection, table: str, create_sql: str) -> bool:
    """Rebuild `table` of the main schema from `create_sql`, its definition without a key, keeping
    every row; return whether it had a PRIMARY KEY (a table without one is left alone).

    DuckDB cannot drop a key in place. The rows are copied by column name, so the new
    definition may order its columns differently.
    """
    keyed = con.execute(
        "SELECT count(*) FROM duckdb_constraints() WHERE schema_name = 'main' AND table_name = ? "
        "AND constraint_type = 'PRIMARY KEY'",
        [table],
    ).fetchone()
    if not keyed or not keyed[0]:
        return False
    old = f"{table}__keyed"
    con.execute(f"ALTER TABLE {table} RENAME TO {old}")
    con.execute(create_sql)
    con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {old}")
    con.execute(f"DROP TABLE {old}")
    return True


def missing_modules_fail_fast() -> None:
    """Record pandas as absent when it is not installed.

    DuckDB's Python client tries `import pandas` while binding query parameters; without
    pandas each failed attempt searches all of sys.path again (~0.1 ms, 30-100 times per
    search request: a third of its time in bench/api.py; ~2 ms per document stored, a third
    of the build driver's own CPU). A None entry in sys.modules makes that ImportError
    immediate; code importing pandas still gets ImportError, and `importlib.util.find_spec`
    still answers None, as before.
    """
    if "pandas" not in sys.modules and importlib.util.find_spec("pandas") is None:
        # pyarrow looks pandas up once per process and then reads sys.modules["pandas"]
        # directly (it fails on None): let it settle on "absent" first.
        pa.array([])
        sys.modules["pandas"] = None  # type: ignore[assignment]


def open_store(
    path: Path | str, *, read_only: bool = False, memory_limit: str | None = None,
    limit_setting: str = "store.memory_limit",
) -> duckdb.DuckDBPyConnection:
    """Open the DuckDB store at `path`; a writable open creates and migrates it.

    `memory_limit` (e.g. "1GB") caps DuckDB's buffer pool, which otherwise caches the
    store as it grows (by default up to 80% of the machine's memory); `limit_setting`
    is the setting it came from, named in errors.
    """
    missing_modules_fail_fast()
    path = Path(path)
    if read_only and not path.exists():
        raise StoreError(f"{path}: no such store; build one with `dossier build INPUT --db {path}`")
    size = _checked_size(memory_limit, limit_setting) if memory_limit else None
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as err:
        raise StoreError(f"{path}: cannot open the store ({err}); is another process writing it?") from None
    if size:
        try:
            set_size(con, "memory_limit", size, limit_setting)
        except StoreError:
            con.close()
            raise
    if read_only:
        version = _current_version(con)
        if version != SCHEMA_VERSION:
            con.close()
            raise StoreError(
                f"{path}: schema version {version}, expected {SCHEMA_VERSION}; "
                f"run `dossier build --db {path}` with no inputs to migrate it"
            )
    else:
        migrate(con)
    return con


def set_size(con: duckdb.DuckDBPyConnection, option: str, size: str, setting: str) -> None:
    """Set DuckDB's `option` (a size such as "64MB") on `con`; `setting` names its source in errors."""
    checked = _checked_size(size, setting)
    try:
        con.execute(f"SET {option} = '{checked}'")
    except duckdb.Error as err:
        raise StoreError(f"{setting} {size!r}: {err}; use a size such as '1GB'") from None


def _checked_size(size: str, setting: str) -> str:
    # Only digits, a decimal point, spaces and unit letters reach the SET statement.
    if not size or any(not (c.isalnum() or c in ". ") for c in size):
        raise StoreError(f"{setting} {size!r}: not a size; use a size such as '1GB'")
    return size


def in_transaction(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether `con` has an explicit transaction open.

    In autocommit mode every statement runs in a transaction of its own, so two reads of
    the transaction id differ; inside an explicit transaction they are the same. (A
    BEGIN attempted inside a transaction would fail and abort the open transaction.)
    """
    first = con.execute("SELECT txid_current()").fetchone()
    second = con.execute("SELECT txid_current()").fetchone()
    return first == second


def begin_if_needed(con: duckdb.DuckDBPyConnection) -> bool:
    """Begin a transaction unless one is open; return whether this call began it."""
    if in_transaction(con):
        return False  # the caller's transaction covers us (and the caller commits)
    con.execute("BEGIN TRANSACTION")
    return True


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Run the block in one transaction: the caller's when one is open, else a new one.

    A transaction begun here is committed after the block, or rolled back when it raises;
    one the caller holds is left to the caller.
    """
    own = begin_if_needed(con)
    try:
        yield
    except BaseException:
        if own:
            with contextlib.suppress(duckdb.Error):
                con.execute("ROLLBACK")
        raise
    if own:
        con.execute("COMMIT")


@contextlib.contextmanager
def arrow_stream(con: duckdb.DuckDBPyConnection, name: str, data: pa.Table) -> Iterator[None]:
    """Make `data` readable as the view `name` inside the block, for one scan only.

    DuckDB keeps a registered Python object alive until the transaction ends, even after
    `unregister`, so a transaction that registered a table per insert held every one of them
    (a fusion refresh: all the rows it wrote). A stream holds only what has not been read
    yet, so once the statement has scanned it nothing is left. The flip side: a second scan
    in the block finds it empty, so use it in one statement that reads it once.
    """
    # From an iterator: a list iterator lets go of its batches once exhausted, where
    # `Table.to_reader()` keeps the whole table.
    con.register(name, pa.RecordBatchReader.from_batches(data.schema, iter(data.to_batches())))
    try:
        yield
    finally:
        con.unregister(name)


def id_table(con: duckdb.DuckDBPyConnection, name: str, ids: Iterable[str], *, column: str = "id") -> None:
    """(Re)create the temp table `name(column)` holding `ids`, for joins that read part of the store.

    Through Arrow, since binding Python lists is slow in DuckDB. No key: DuckDB joins it by
    hashing anyway, and a replaced table's key index stays in memory until the transaction
    ends (29 MiB of them while a 20,000-document store's signatures were computed in one
    transaction).
    """
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} ({column} VARCHAR)")
    with arrow_stream(con, "_dossier_ids", pa.table({column: pa.array(sorted(set(ids)), pa.string())})):
        con.execute(f"INSERT INTO {name} SELECT {column} FROM _dossier_ids")


def fts_extension_path() -> Path:
    """Return the fts extension file shipped by the `duckdb-extension-fts` package."""
    import duckdb_extension_fts

    root = Path(duckdb_extension_fts.__file__).parent / "extensions" / f"v{duckdb.__version__}"
    path = root / "fts.duckdb_extension"
    if not path.exists():
        raise StoreError(
            f"{path}: full-text-search extension missing for DuckDB {duckdb.__version__}; "
            "reinstall with `make test` so the locked duckdb-extension-fts is installed"
        )
    return path


def load_fts(con: duckdb.DuckDBPyConnection) -> None:
    """Load DuckDB's fts extension from the installed package (never downloaded)."""
    con.execute(f"LOAD '{fts_extension_path()}'")

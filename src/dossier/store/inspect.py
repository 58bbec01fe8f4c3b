"""Reading the store for people: table counts, failed documents, and exports.

Table and view names are checked against `information_schema` before they are quoted
into SQL; no other user text is ever formatted into a query.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

import duckdb

from dossier.errors import InputError

ExportFormat = Literal["jsonl", "csv", "parquet"]
EXPORT_FORMATS: tuple[ExportFormat, ...] = ("jsonl", "csv", "parquet")
_BATCH_ROWS = 10_000


@dataclass(frozen=True, slots=True)
class FailedDocument:
    """A document stored with status failed or skipped, with the error recorded for it."""

    name: str
    source: str
    status: str
    stage: str | None
    error_class: str | None
    message: str | None


@dataclass(frozen=True, slots=True)
class StoreStatus:
    """Counts per table and view, documents by status, and every failed or skipped document."""

    schema_version: int
    tables: tuple[tuple[str, str, int], ...]  # (name, "table" | "view", rows)
    documents_by_status: tuple[tuple[str, int], ...]
    failed: tuple[FailedDocument, ...]
    last_build: tuple[str, int, int, int, int, float] | None  # finished_at, ok, failed, skipped, unchanged, s


def relations(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """Return every table and view of the store as (name, "table" | "view"), sorted by name."""
    rows = con.execute(
        "SELECT table_name, table_type FROM information_schema.tables "
        "WHERE table_schema = 'main' AND table_catalog = current_database() ORDER BY table_name"
    ).fetchall()
    return [(name, "view" if kind == "VIEW" else "table") for name, kind in rows]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def check_relation(con: duckdb.DuckDBPyConnection, name: str) -> str:
    """Return `name` quoted for SQL when it is a table or view of the store; else InputError listing them."""
    known = [n for n, _ in relations(con)]
    if name not in known:
        raise InputError(f"{name}: no such table or view; available: {', '.join(known)}")
    return _quote(name)


def store_status(con: duckdb.DuckDBPyConnection) -> StoreStatus:
    """Return the store's counts and its failed and skipped documents (oldest first)."""
    version_row = con.execute("SELECT max(version) FROM schema_version").fetchone()
    tables = []
    for name, kind in relations(con):
        row = con.execute(f"SELECT count(*) FROM {_quote(name)}").fetchone()
        tables.append((name, kind, int(row[0]) if row else 0))
    by_status = con.execute("SELECT status, count(*) FROM documents GROUP BY status ORDER BY status").fetchall()
    failed = con.execute(
        "SELECT name, source, status, stage, error_class, error_message FROM documents "
        "WHERE status <> 'ok' ORDER BY ingested_at, source"
    ).fetchall()
    last = con.execute(
        "SELECT strftime(finished_at, '%Y-%m-%d %H:%M:%S'), documents_ok, documents_failed, documents_skipped, "
        "documents_unchanged, seconds FROM builds ORDER BY finished_at DESC LIMIT 1"
    ).fetchone()
    return StoreStatus(
        schema_version=int(version_row[0]) if version_row and version_row[0] is not None else 0,
        tables=tuple(tables),
        documents_by_status=tuple((s, int(n)) for s, n in by_status),
        failed=tuple(FailedDocument(*row) for row in failed),
        last_build=tuple(last) if last else None,
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list | tuple | dict):
        return json.dumps(_jsonable(value), ensure_ascii=False)
    return _jsonable(value)


def _rows(con: duckdb.DuckDBPyConnection, quoted: str) -> Iterator[tuple[list[str], list[dict[str, Any]]]]:
    reader = con.execute(f"SELECT * FROM {quoted}").to_arrow_reader(_BATCH_ROWS)
    names = list(reader.schema.names)
    for batch in reader:
        yield names, batch.to_pylist()


def export_relation(
    con: duckdb.DuckDBPyConnection, name: str, fmt: ExportFormat, out: Path | None, *, stdout: IO[str] | None = None
) -> int:
    """Write table or view `name` to `out` (stdout for jsonl/csv when None); return the row count.

    Rows stream in Arrow record batches, so a large table is never held whole in memory.
    Lists and objects are JSON in CSV cells; dates are ISO strings in JSONL and CSV.
    """
    if fmt not in EXPORT_FORMATS:
        raise InputError(f"{fmt}: unknown export format; use one of {', '.join(EXPORT_FORMATS)}")
    quoted = check_relation(con, name)
    if fmt == "parquet":
        if out is None:
            raise InputError("parquet is a binary format; pass --out FILE to write it")
        import pyarrow.parquet as pq

        reader = con.execute(f"SELECT * FROM {quoted}").to_arrow_reader(_BATCH_ROWS)
        n = 0
        with pq.ParquetWriter(str(out), reader.schema) as writer:
            for batch in reader:
                writer.write_batch(batch)
                n += batch.num_rows
        return n
    fh: IO[str]
    own = out is not None
    if out is not None:
        try:
            fh = out.open("w", encoding="utf-8", newline="")
        except OSError as err:
            raise InputError(f"{out}: cannot write ({err.strerror or err}); check the folder exists") from None
    else:
        import sys

        fh = stdout or sys.stdout
    n = 0
    try:
        if fmt == "jsonl":
            for _, rows in _rows(con, quoted):
                for row in rows:
                    fh.write(json.dumps(_jsonable(row), ensure_ascii=False) + "\n")
                    n += 1
        else:
            writer = None
            for names, rows in _rows(con, quoted):
                if writer is None:
                    writer = csv.writer(fh)
                    writer.writerow(names)
                for row in rows:
                    writer.writerow([_cell(row[c]) for c in names])
                    n += 1
            if writer is None:  # an empty table still gets its header
                cols = [d[0] for d in con.execute(f"SELECT * FROM {quoted} LIMIT 0").description]
                csv.writer(fh).writerow(cols)
    finally:
        if own:
            fh.close()
        else:
            fh.flush()
    return n


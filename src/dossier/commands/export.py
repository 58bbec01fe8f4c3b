"""`dossier export`: any table or view of the store as JSONL, CSV or Parquet."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dossier.commands.common import err_console, user_errors


def register(app: typer.Typer) -> None:
    """Add `export` to the app."""

    @app.command("export")
    def export_cli(
        db: Annotated[Path, typer.Option("--db", "-d", help="The DuckDB store to read.")],
        table: Annotated[str, typer.Option("--table", "-t", help="Table or view to export (see `dossier status`).")],
        fmt: Annotated[str, typer.Option("--format", "-f", help="jsonl, csv or parquet.")] = "jsonl",
        out: Annotated[
            Path | None, typer.Option("--out", "-o", help="Output file (default: stdout; parquet needs a file).")
        ] = None,
    ) -> None:
        """Write one table or view of the store as JSONL, CSV or Parquet."""
        from dossier.errors import InputError
        from dossier.store import open_store
        from dossier.store.inspect import EXPORT_FORMATS, export_relation

        with user_errors():
            if fmt not in EXPORT_FORMATS:
                raise InputError(f"{fmt}: unknown export format; use one of {', '.join(EXPORT_FORMATS)}")
            con = open_store(db, read_only=True)
            try:
                n = export_relation(con, table, fmt, out)
            finally:
                con.close()
        if out is not None:
            err_console.print(f"{n} rows of {table} written to {out}", highlight=False, soft_wrap=True)

"""`dossier status`: what the store holds, and every document that failed or was skipped."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from dossier.commands.common import console, user_errors


def register(app: typer.Typer) -> None:
    """Add `status` to the app."""

    @app.command("status")
    def status_cli(
        db: Annotated[Path, typer.Option("--db", "-d", help="The DuckDB store to inspect.")],
        as_json: Annotated[bool, typer.Option("--json", help="Print the status as JSON.")] = False,
    ) -> None:
        """Show row counts per table and view, and every failed or skipped document with its error."""
        from dossier.store import open_store
        from dossier.store.inspect import store_status

        with user_errors():
            con = open_store(db, read_only=True)
            try:
                status = store_status(con)
            finally:
                con.close()
        if as_json:
            console.print_json(json.dumps(asdict(status), default=str))
            return
        counts = Table(title=f"{db} (schema version {status.schema_version})", title_justify="left")
        counts.add_column("table")
        counts.add_column("kind")
        counts.add_column("rows", justify="right")
        for name, kind, rows in status.tables:
            counts.add_row(name, kind, str(rows))
        console.print(counts)
        by_status = ", ".join(f"{n} {s}" for s, n in status.documents_by_status) or "none"
        console.print(f"documents: {by_status}", highlight=False)
        if status.last_build:
            when, ok, failed, skipped, unchanged, seconds = status.last_build
            console.print(
                f"last build: {when}, {ok} ok, {failed} failed, {skipped} skipped, {unchanged} unchanged "
                f"in {seconds:.1f} s",
                highlight=False,
            )
        if not status.failed:
            console.print("no failed or skipped documents")
            return
        console.print(f"failed or skipped documents ({len(status.failed)}):", highlight=False)
        for doc in status.failed:
            # One line each, not a table: messages are long and must stay greppable.
            console.print(
                f"  {doc.status} [{doc.stage}/{doc.error_class}] {doc.message}",
                highlight=False, markup=False, soft_wrap=True,
            )

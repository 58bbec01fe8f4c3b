"""`dossier entities`: canonical entities in a store, and undoing a merge."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from dossier.commands.common import console, fail, user_errors


def register(app: typer.Typer) -> None:
    """Add the `entities` command to the app."""

    @app.command("entities")
    def entities_cli(
        db: Annotated[Path, typer.Option("--db", "-d", help="DuckDB store built by `dossier build`.")],
        query: Annotated[
            str | None, typer.Option("--query", "-q", help="Only entities whose name or an alias contains this.")
        ] = None,
        fmt: Annotated[str, typer.Option("--format", "-f", help="table or jsonl.")] = "table",
        limit: Annotated[int, typer.Option("--limit", "-n", help="At most this many entities.")] = 100,
        unmerge_id: Annotated[str | None, typer.Option("--unmerge", help="Undo the merge with this id.")] = None,
        rebuild_all: Annotated[
            bool, typer.Option("--rebuild", help="Recompute every canonical entity from all document entities.")
        ] = False,
    ) -> None:
        """List canonical entities with aliases, roles, countries and the documents that mention them."""
        from dossier.resolve import rebuild
        from dossier.resolve.listing import list_entities, unmerge
        from dossier.settings import load_settings
        from dossier.store.connection import open_store

        if fmt not in {"table", "jsonl"}:
            fail(f"--format {fmt}: choose table or jsonl")
        with user_errors():
            if rebuild_all:
                con = open_store(db)
                try:
                    # Builds add to these incrementally; a rebuild gives the same rows in one pass.
                    rebuild(con, load_settings())
                    count = con.execute("SELECT count(*) FROM entities WHERE merged_into IS NULL").fetchone()
                finally:
                    con.close()
                console.print(f"rebuilt canonical entities: {count[0] if count else 0} entities")
                return
            if unmerge_id:
                con = open_store(db)
                try:
                    got = unmerge(con, unmerge_id, load_settings())
                finally:
                    con.close()
                note = " (it was already undone)" if got["already_undone"] else ""
                console.print(
                    f"undid merge {got['merge_id']}: {got['from_id']} is separate from {got['into_id']}{note}"
                )
                return
            con = open_store(db, read_only=True)
            try:
                rows = list_entities(con, query, limit)
            finally:
                con.close()
        if fmt == "jsonl":
            for row in rows:
                typer.echo(json.dumps(row, ensure_ascii=False))
            return
        table = Table(title=f"{len(rows)} entities" + (f" matching {query!r}" if query else ""))
        for col in ("name", "type", "country", "sector", "aliases", "roles", "documents", "merges"):
            table.add_column(col, overflow="fold")
        for r in rows:
            table.add_row(
                r["name"], r["type"], r["country"] or "", r["sector"] or "",
                "; ".join(r["aliases"][:8]), "; ".join(r["roles"][:4]), "; ".join(r["documents"][:5]),
                "; ".join(f"{m['merge_id']} {m['reason']} {m['score']}" for m in r["merges"]),
            )
        console.print(table)

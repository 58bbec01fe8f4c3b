"""`dossier serve` (HTTP API and pages) and `dossier report` (static site)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dossier.commands.common import console, user_errors


def register(app: typer.Typer) -> None:
    """Add `serve` and `report` to the CLI."""

    @app.command("serve")
    def serve_cli(
        db: Annotated[Path, typer.Option("--db", "-d", help="store to serve (opened read-only)")],
        host: Annotated[str, typer.Option(help="address to bind; 127.0.0.1 keeps it on this machine")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="TCP port", min=1, max=65535)] = 8000,
        index: Annotated[
            bool, typer.Option("--index", help="(re)build the search and list indexes first (writes the store)")
        ] = False,
        config: Annotated[Path | None, typer.Option("--config", help="settings TOML overriding the defaults")] = None,
    ) -> None:
        """Serve the store: JSON API (/api, /openapi.json), HTML pages and search."""
        with user_errors():
            from dossier.serve.app import serve
            from dossier.serve.index import index_store
            from dossier.settings import load_settings

            settings = load_settings(config)
            if index:
                index_store(db)
            console.print(f"serving {db} on http://{host}:{port}/ (API reference at /api); Ctrl-C stops")
            serve(db, host=host, port=port, settings=settings)

    @app.command("report")
    def report_cli(
        db: Annotated[Path, typer.Option("--db", "-d", help="store to read (opened read-only)")],
        out: Annotated[Path, typer.Option("--out", "-o", help="folder to write the static site into")],
    ) -> None:
        """Write the pages as a static site (open OUT/index.html from disk, no server needed)."""
        with user_errors():
            from dossier.report import write_report

            summary = write_report(db, out)
            console.print(
                f"wrote {summary.pages} pages ({summary.events} events, {summary.entities} entities, "
                f"{summary.documents} documents) to {summary.out} in {summary.seconds:.1f} s; "
                f"open {summary.out / 'index.html'}"
            )

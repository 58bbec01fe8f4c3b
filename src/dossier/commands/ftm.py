"""`dossier ftm`: entities and fused events as FollowTheMoney entities."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dossier.commands.common import console, user_errors


def register(app: typer.Typer) -> None:
    """Add the FollowTheMoney export command."""

    @app.command("ftm")
    def ftm_cli(
        db: Annotated[Path, typer.Option("--db", "-d", help="DuckDB store written by `dossier build`.")],
        out: Annotated[Path, typer.Option("--out", "-o", help="Output file (JSON lines of FtM entities).")],
    ) -> None:
        """Export entities, fused events and their links as FollowTheMoney entities (Aleph, OpenSanctions)."""
        with user_errors():
            from dossier.fuse.ftm import export_ftm
            from dossier.fuse.query import require_fused
            from dossier.store import open_store

            con = open_store(db, read_only=True)
            require_fused(con, db)
            counts = export_ftm(con, out)
            total = sum(counts.values())
            detail = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
            console.print(f"{total} entities written to {out} ({detail})")

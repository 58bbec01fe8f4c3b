"""`dossier explain`: why an event was coded (trigger, pattern, participants, date rule, evidence)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dossier.commands.common import console, user_errors


def register(app: typer.Typer) -> None:
    """Add `dossier explain` to the app."""

    @app.command("explain")
    def explain_cli(
        event_id: Annotated[str, typer.Argument(help="Event id as stored (doc_id:evN).")],
        db: Annotated[Path, typer.Option("--db", "-d", help="The DuckDB store.")] = Path("dossier.duckdb"),
    ) -> None:
        """Show why EVENT_ID was coded: trigger, lexicon pattern, participants, date rule and evidence."""
        from dossier.extract.event_explain import explain_event
        from dossier.store.connection import open_store

        with user_errors():
            con = open_store(db, read_only=True)
            try:
                ex = explain_event(con, event_id)
            finally:
                con.close()
        mode = f"/{ex.mode}" if ex.mode else ""
        out = console.print
        negated = "  (NEGATED)" if ex.negated else ""
        out(f"[bold]{ex.event_id}[/]  {ex.type}{mode}{negated}", highlight=False, soft_wrap=True)
        out(f"document:  {ex.document or ex.doc_id}", highlight=False, soft_wrap=True)
        out(f"trigger:   {ex.trigger or '-'}", highlight=False, soft_wrap=True)
        out(f"pattern:   {ex.pattern or '-'}", highlight=False, soft_wrap=True)
        for role, name, entity_id in ex.participants:
            ref = f"  [{entity_id}]" if entity_id else ""
            out(f"{role + ':':10} {name}{ref}", highlight=False, soft_wrap=True)
        out(f"date:      {ex.date or 'unknown'} ({ex.precision})", highlight=False, soft_wrap=True)
        out(f"date rule: {ex.date_rule or '-'}", highlight=False, soft_wrap=True)
        out(f"place:     {ex.place or '-'}", highlight=False, soft_wrap=True)
        out(f"source:    {ex.source or '-'}", highlight=False, soft_wrap=True)
        for i, (start, end, text) in enumerate(ex.evidence):
            label = "evidence:" if i == 0 else "also:"
            out(f"{label:10} [{start}:{end}] {text}", highlight=False, soft_wrap=True)

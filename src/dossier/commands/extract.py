"""`dossier extract`: per-article records in the gold schema (plus `body`), for eyes or for `dossier eval`."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from dossier.commands.common import console, err_console, user_errors
from dossier.evaluate.extraction import extract_paths
from dossier.ingest.records import InputFailure
from dossier.settings import load_settings


class OutputFormat(StrEnum):
    """How `dossier extract` prints its records."""

    jsonl = "jsonl"
    json = "json"
    table = "table"


def report_failure(failure: InputFailure) -> None:
    """Print one failed or skipped input as one line on stderr."""
    err_console.print(f"{failure.status} [{failure.error_class}]: {failure.message}",
                      markup=False, highlight=False, soft_wrap=True)


def _table(rows: list[dict[str, Any] | InputFailure]) -> Table:
    table = Table(title="dossier extract", title_justify="left")
    table.add_column("article", no_wrap=True)
    table.add_column("status")
    table.add_column("published", no_wrap=True)
    for col in ("body", "ent", "ev", "fig", "quo"):
        table.add_column(col, justify="right")
    table.add_column("title / outlet or error", overflow="fold", ratio=1)
    for row in rows:
        if isinstance(row, InputFailure):
            table.add_row(row.name, f"[red]{row.status}[/]", "", "", "", "", "", "",
                          Text(f"{row.error_class}: {row.message}", style="red"))
            continue
        pub = row.get("published") or {}
        when = f"{pub.get('date')} {str(pub.get('precision'))[:1]}" if pub.get("date") else "unknown"
        table.add_row(
            str(row["article"]), "ok", when, str(len(row.get("body") or "")),
            *(str(len(row.get(k) or [])) for k in ("entities", "events", "figures", "quotes")),
            Text(f"{row.get('title') or '-'} / {row.get('outlet') or '-'}"),
        )
    return table


def register(app: typer.Typer) -> None:
    """Add `dossier extract` to the app."""

    @app.command("extract")
    def extract_cli(
        paths: Annotated[list[Path], typer.Argument(help="Article files or folders (walked).", show_default=False)],
        fmt: Annotated[OutputFormat, typer.Option("--format", "-f", help="jsonl: one object per line; "
                                                  "json: one list; table: a summary for people.")] = OutputFormat.jsonl,
        strict: Annotated[bool, typer.Option("--strict", help="Exit with status 1 when any input failed.")] = False,
        config: Annotated[Path | None, typer.Option("--config", "-c", help="Your settings.toml.")] = None,
    ) -> None:
        """Extract each article under PATHS as one record in the gold schema plus `body`.

        Records go to stdout (jsonl keeps stdout clean for piping into `dossier eval`); failed
        and skipped inputs are reported on stderr, one line each, and never stop the run.
        """
        with user_errors():
            settings = load_settings(config)
            rows: list[dict[str, Any] | InputFailure] = []
            ok = failed = skipped = 0
            for item in extract_paths(paths, settings):
                if isinstance(item, InputFailure):
                    failed += item.status == "failed"
                    skipped += item.status == "skipped"
                    if fmt is not OutputFormat.table:
                        report_failure(item)
                else:
                    ok += 1
                    if fmt is OutputFormat.jsonl:
                        sys.stdout.write(json.dumps(item, ensure_ascii=False) + "\n")
                        sys.stdout.flush()
                        continue
                if fmt is not OutputFormat.jsonl:
                    rows.append(item)
            if fmt is OutputFormat.json:
                sys.stdout.write(json.dumps([r for r in rows if not isinstance(r, InputFailure)],
                                            ensure_ascii=False, indent=2) + "\n")
            elif fmt is OutputFormat.table:
                console.print(_table(rows))
            err_console.print(f"{ok} extracted, {failed} failed, {skipped} skipped", highlight=False)
        if strict and failed:
            raise typer.Exit(1)

"""`dossier eval`: score extractions against gold (SCORING.md), with quality floors.

`dossier eval --gold DIR PATH...` runs the `score` subcommand. Other evaluations add their
own subcommands to `eval_app` from their command module's `register(app)`:

    from dossier.commands.evaluate import eval_app

    @eval_app.command("plover")
    def plover_cli(...) -> None: ...
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from dossier.commands.common import console, err_console, fail, user_errors
from dossier.commands.extract import report_failure
from dossier.evaluate.extraction import extract_paths
from dossier.evaluate.floors import (
    check_floors,
    default_floors_path,
    floors_for,
    load_floors,
    set_key,
    update_floors,
)
from dossier.evaluate.loading import is_prediction_file, load_gold, load_predictions
from dossier.evaluate.render import as_json, breaches_text, detail, tables
from dossier.evaluate.scoring import score_set
from dossier.ingest.records import InputFailure
from dossier.settings import load_settings

DEFAULT_COMMAND = "score"


class _DefaultToScore(TyperGroup):
    """`dossier eval --gold ...` (no subcommand name) means `dossier eval score --gold ...`."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = [DEFAULT_COMMAND, *args]
        return super().parse_args(ctx, args)


eval_app = typer.Typer(
    cls=_DefaultToScore,
    no_args_is_help=True,
    help="Score extractions against gold: `dossier eval --gold DIR PRED.jsonl` or `dossier eval --gold DIR PATH...`.",
)


def _predictions(paths: list[Path], config: Path | None) -> list[dict[str, Any]]:
    if len(paths) == 1 and is_prediction_file(paths[0]):
        return load_predictions(paths[0])
    records: list[dict[str, Any]] = []
    for item in extract_paths(paths, load_settings(config)):
        if isinstance(item, InputFailure):
            report_failure(item)
        else:
            records.append(item)
    return records


@eval_app.command(DEFAULT_COMMAND)
def score_cli(
    paths: Annotated[list[Path], typer.Argument(
        help="A predictions file from `dossier extract` (JSONL or JSON), or articles/folders to extract first.",
        show_default=False)],
    gold: Annotated[Path, typer.Option("--gold", "-g", help="Folder of gold *.json files (SCHEMA.md).",
                                       show_default=False)],
    show_detail: Annotated[bool, typer.Option("--detail", help="List every missed and spurious item per article.")]
    = False,
    as_json_out: Annotated[bool, typer.Option("--json", help="Print the results as JSON.")] = False,
    check: Annotated[bool, typer.Option("--check", help="Exit 1 when a figure is below its floor.")] = False,
    update: Annotated[bool, typer.Option("--update", help="Raise floors to the current figures (never lowers one).")]
    = False,
    floors: Annotated[Path | None, typer.Option("--floors", help="Floors file [default: tests/eval/floors.json].")]
    = None,
    key: Annotated[str | None, typer.Option("--set", help="Floors key of this gold set [default: "
                                            "<gold parent>/<gold name>, e.g. shared/gold].")] = None,
    config: Annotated[Path | None, typer.Option("--config", "-c", help="Your settings.toml.")] = None,
) -> None:
    """Score predictions (or PATHS extracted on the fly) against the gold in --gold, as SCORING.md says."""
    with user_errors():
        gold_records = load_gold(gold)
        report = score_set(gold_records, _predictions(paths, config))
        floors_path = floors or default_floors_path()
        floors_key = key or set_key(gold)
        metrics = report.metrics()
        breaches = None
        if check:
            breaches = check_floors(metrics, floors_for(load_floors(floors_path), floors_key, floors_path))
        if as_json_out:
            sys.stdout.write(json.dumps(as_json(report, with_items=show_detail, breaches=breaches, key=floors_key),
                                        ensure_ascii=False, indent=2) + "\n")
        else:
            console.print(tables(report))
            if show_detail:
                console.print(detail(report))
            if breaches is not None:
                console.print(breaches_text(breaches, floors_key))
        if update:
            changed = update_floors(floors_path, floors_key, metrics)
            summary = ", ".join(f"{m} {old if old is not None else '-'} -> {new}" for m, (old, new) in changed.items())
            err_console.print(f"floors ({floors_key}) in {floors_path}: "
                              + (f"raised {summary}" if changed else "nothing to raise"), highlight=False)
    if breaches:
        fail(f"{len(breaches)} figure(s) below their floor in {floors_path} ({floors_key})")


def register(app: typer.Typer) -> None:
    """Add `dossier eval` (with its `score` subcommand) to the app."""
    app.add_typer(eval_app, name="eval")

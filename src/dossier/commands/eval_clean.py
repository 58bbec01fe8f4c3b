"""`dossier eval-extraction` and `dossier eval-dates`: the clean stage on third-party sets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from dossier.commands.common import console, user_errors

_Limit = Annotated[int | None, typer.Option("--limit", "-n", help="only the first N pages (quick runs)")]
_Root = Annotated[Path | None, typer.Option("--root", help="folder holding the sets (default ../shared/external)")]
_Json = Annotated[bool, typer.Option("--json", help="print JSON instead of a table")]


def _table(title: str, results: list, keys: tuple[str, ...]) -> Table:  # type: ignore[type-arg]
    table = Table(title=title)
    table.add_column("system")
    for key in keys:
        table.add_column(key, justify="right")
    table.add_column("CPU s", justify="right")
    for r in results:
        table.add_row(r.name, *(f"{r.scores[k]:.4f}" for k in keys), f"{r.seconds:.1f}")
    return table


def register(app: typer.Typer) -> None:
    """Add the evaluation commands of the clean stage."""

    @app.command("eval-extraction")
    def eval_extraction_cli(
        set_name: Annotated[str, typer.Option("--set", "-s", help="scrapinghub or trafilatura")] = "scrapinghub",
        limit: _Limit = None,
        root: _Root = None,
        as_json: _Json = False,
    ) -> None:
        """Score Dossier's body extraction beside bare trafilatura.extract on the same pages."""
        from dossier.evaluate.clean_sets import eval_extraction

        with user_errors():
            results = eval_extraction(set_name, root=root, limit=limit)
        if as_json:
            console.print_json(json.dumps([{"system": r.name, **r.scores, "seconds": r.seconds} for r in results]))
            return
        scoring = "4-gram shingle F1, macro" if set_name == "scrapinghub" else "with/without snippets, micro"
        console.print(_table(f"{set_name}: {scoring}", results, ("precision", "recall", "f1", "accuracy")))

    @app.command("eval-dates")
    def eval_dates_cli(
        limit: _Limit = None,
        root: _Root = None,
        with_url: Annotated[bool, typer.Option("--with-url", help="give both systems the page URL")] = False,
        as_json: _Json = False,
    ) -> None:
        """Score Dossier's publication dates beside htmldate.find_date on MediaCloud-2020."""
        from dossier.evaluate.clean_sets import eval_dates

        with user_errors():
            results = eval_dates(root=root, limit=limit, with_url=with_url)
        if as_json:
            console.print_json(json.dumps([{"system": r.name, **r.scores, "seconds": r.seconds} for r in results]))
            return
        keys = ("accuracy", "precision", "recall", "f1")
        console.print(_table("htmldate MediaCloud-2020: day accuracy", results, keys))

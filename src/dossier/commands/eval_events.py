"""`dossier eval-events`: third-party event regression sets (PLOVER GSR, PETRARCH2)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from dossier.commands.common import console, fail, user_errors

REPO_EXTERNAL = Path(__file__).resolve().parents[3].parent / "shared" / "external"
DEFAULT_FLOORS = Path(__file__).resolve().parents[3] / "tests" / "eval" / "event_floors.json"


def register(app: typer.Typer) -> None:
    """Add `dossier eval-events` to the app."""

    @app.command("eval-events")
    def eval_events_cli(
        sets: Annotated[
            list[str], typer.Option("--set", "-s", help="plover (type accuracy) or petrarch (triple F1); repeatable.")
        ],
        external: Annotated[
            Path | None, typer.Option("--external", help="Folder holding the third-party sets.")
        ] = None,
        detail: Annotated[bool, typer.Option("--detail", help="List every sentence coded wrong.")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
        check: Annotated[bool, typer.Option("--check", help="Fail when a score is below its floor.")] = False,
        floors: Annotated[Path, typer.Option("--floors", help="Floors file for --check.")] = DEFAULT_FLOORS,
        config: Annotated[Path | None, typer.Option("--config", help="Settings TOML.")] = None,
    ) -> None:
        """Score the event extractor on third-party regression sets (stylised sentences, not news)."""
        from dossier.evaluate.event_sets import SETS, check_floors, score_set
        from dossier.pipeline import load_models
        from dossier.settings import load_settings

        with user_errors():
            for name in sets:
                if name not in SETS:
                    fail(f"unknown event set {name!r}; choose one of {', '.join(SETS)}")
            root = external or (Path("../shared/external") if Path("../shared/external").is_dir() else REPO_EXTERNAL)
            models = load_models(load_settings(config))
            scores = [score_set(name, models, root) for name in sets]
            breaches: list[str] = []
            if check:
                try:
                    limits = json.loads(floors.read_text(encoding="utf-8"))
                except (OSError, json.JSONDecodeError) as err:
                    fail(f"{floors}: cannot read the floors file ({err})")
                breaches = check_floors(scores, limits)
        if as_json:
            console.print_json(json.dumps({s.name: {"items": s.items, **s.metrics} for s in scores}))
        else:
            for s in scores:
                metrics = "  ".join(f"{k} {v:.3f}" for k, v in s.metrics.items())
                console.print(f"[bold]{s.name}[/] ({s.items} sentences): {metrics}", highlight=False, soft_wrap=True)
                if detail:
                    for miss in s.misses:
                        console.print(f"  {miss}", highlight=False, soft_wrap=True)
        if breaches:
            for b in breaches:
                console.print(f"below floor: {b}", highlight=False)
            fail(f"{len(breaches)} score(s) below their floor in {floors}")

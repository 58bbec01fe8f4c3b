"""`dossier build`: inputs into the DuckDB store, with a progress bar on a terminal."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from dossier.build import ExecutorFactory, ProgressFn
    from dossier.scale.executor import BatchExecutor

from dossier.commands.common import console, err_console, fail, one_line_logging, user_errors
from dossier.settings import Settings, load_settings


def _quiet_logging(verbose: bool) -> None:
    # Warnings from the stages (e.g. an internal error on one document) reach the user as
    # one line each; -v adds one line per stored batch.
    one_line_logging(logging.INFO if verbose else logging.WARNING)


def _settings(config: Path | None, batch_size: int | None) -> Settings:
    settings = load_settings(config)
    if batch_size is not None:
        values = dict(settings.values)
        values["build"] = {**values.get("build", {}), "batch_size": batch_size}
        settings = Settings(values=values, extra_files=settings.extra_files)
    return settings


@contextmanager
def _progress_bar(inputs: list[str], settings: Settings, enabled: bool) -> Iterator[ProgressFn | None]:
    """Yield a progress callback: a Rich bar on a terminal, None otherwise."""
    if not enabled or not err_console.is_terminal:
        yield None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from dossier.build import ProgressUpdate, count_documents

    total = count_documents(inputs, settings=settings)
    columns = (
        TextColumn("[bold]building"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]} docs/s"),
        TextColumn("[red]{task.fields[failures]} failed/skipped"),
        TextColumn("{task.fields[unchanged]} unchanged"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task("build", total=total, rate="-", failures=0, unchanged=0)

        def update(p: ProgressUpdate) -> None:
            elapsed = bar.tasks[0].elapsed or 0.0
            rate = f"{(p.done - p.unchanged) / elapsed:.1f}" if elapsed > 0 else "-"
            bar.update(task, completed=min(p.done, total), rate=rate, failures=p.failures, unchanged=p.unchanged)

        yield update


def _executor_factory(workers: int, dask: str | None) -> ExecutorFactory | None:
    """Return how the build runs its batches: in process, a local pool, or Dask."""
    if workers == 0 and not dask:
        return None  # the pipeline in this process (SerialExecutor)
    from dossier.scale import make_executor

    def factory(settings: Settings, *, site_lines: dict[str, frozenset[str]] | None = None) -> BatchExecutor:
        executor = make_executor(settings, workers=workers, dask=dask, site_lines=site_lines)
        link = getattr(executor, "dashboard_link", None)
        if link:
            err_console.print(f"Dask dashboard: {link}", highlight=False)
        return executor

    return factory


def register(app: typer.Typer) -> None:
    """Add `build` to the app."""

    @app.command("build")
    def build_cli(
        db: Annotated[Path, typer.Option("--db", "-d", help="The DuckDB store to create or update.")],
        inputs: Annotated[
            list[str] | None,
            typer.Argument(
                metavar="INPUT",
                help="Files, folders, glob patterns, .gz, JSONL or WARC files. None: create/migrate the store."
            ),
        ] = None,
        config: Annotated[
            Path | None, typer.Option("--config", "-c", help="A settings.toml overriding the defaults.")
        ] = None,
        strict: Annotated[
            bool, typer.Option("--strict", help="Exit with code 1 when any document failed or was skipped.")
        ] = False,
        batch_size: Annotated[
            int | None, typer.Option("--batch-size", "-b", min=1, help="Documents per batch (one transaction each).")
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
        no_progress: Annotated[
            bool, typer.Option("--no-progress", help="No progress bar, even on a terminal.")
        ] = False,
        verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log each stored batch on stderr.")] = False,
        workers: Annotated[
            int,
            typer.Option(
                "--workers", "-w", min=0,
                help="Worker processes running the pipeline (one spaCy model each), besides the driver that "
                "writes the store; 0 runs the pipeline in the driver's own process.",
            ),
        ] = 1,
        dask: Annotated[
            str | None,
            typer.Option("--dask", help="Run batches on Dask: 'local' (a LocalCluster on 127.0.0.1) or tcp://HOST:PORT."),
        ] = None,
    ) -> None:
        """Read articles from INPUT... through the pipeline into the store (documents already stored are skipped)."""
        from dossier.build import StrictBuildError, build

        _quiet_logging(verbose)
        with user_errors():
            settings = _settings(config, batch_size)
            paths = list(inputs or [])
            try:
                show = bool(paths) and not (no_progress or as_json or verbose)
                executor = _executor_factory(workers, dask) if paths else None
                with _progress_bar(paths, settings, enabled=show) as cb:
                    report = build(paths, db=db, settings=settings, executor=executor, progress=cb, strict=False)
            except StrictBuildError as err:  # pragma: no cover - build() is called with strict=False
                report = err.report
            if as_json:
                console.print_json(json.dumps(report.to_dict()))
            else:
                console.print(report.summary(), highlight=False, soft_wrap=True)
            if strict and (report.failed or report.skipped):
                fail(str(StrictBuildError(report)))

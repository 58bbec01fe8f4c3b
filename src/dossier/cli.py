"""The `dossier` command: a thin Typer app; each command lives in `dossier/commands/`."""

from __future__ import annotations

import importlib

import typer

from dossier.commands import COMMAND_MODULES
from dossier.commands.common import one_line_logging

app = typer.Typer(
    name="dossier",
    help="Turn news coverage into an evidence-backed record (entities, PLOVER events, figures, quotes).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for _module in COMMAND_MODULES:
    importlib.import_module(f"dossier.commands.{_module}").register(app)


def main() -> None:
    """Run the CLI."""
    one_line_logging()
    app()


if __name__ == "__main__":
    main()

"""The `dossier` command: a thin Typer app; each command lives in `dossier/commands/`."""

from __future__ import annotations

import importlib
import logging

import typer

from dossier.commands import COMMAND_MODULES

app = typer.Typer(
    name="dossier",
    help="Turn news coverage into an evidence-backed record (entities, PLOVER events, figures, quotes).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for _module in COMMAND_MODULES:
    importlib.import_module(f"dossier.commands.{_module}").register(app)


class _OneLineFormatter(logging.Formatter):
    """Log records as `level: message` on one line: users never see a Python traceback."""

    def format(self, record: logging.LogRecord) -> str:
        return f"{record.levelname.lower()}: {record.getMessage()}".splitlines()[0]


def _one_line_logging() -> None:
    logger = logging.getLogger("dossier")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setLevel(logging.WARNING)
        handler.setFormatter(_OneLineFormatter())
        logger.addHandler(handler)


def main() -> None:
    """Run the CLI."""
    _one_line_logging()
    app()


if __name__ == "__main__":
    main()

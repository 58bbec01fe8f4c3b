"""Shared CLI helpers: consoles, error exit, and the no-traceback guard."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import NoReturn, TypeVar

import typer
from rich.console import Console

from dossier.errors import DossierError

console = Console()
err_console = Console(stderr=True)

T = TypeVar("T")


def fail(message: str, code: int = 1) -> NoReturn:
    """Print `error: message` on stderr and exit with `code`; never a traceback."""
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn DossierError (and a broken pipe) into a one-line message and exit code 1."""
    try:
        yield
    except DossierError as err:
        fail(str(err))
    except BrokenPipeError:
        sys.stderr.close()
        raise typer.Exit(0) from None
    except KeyboardInterrupt:
        fail("interrupted", code=130)


def guarded(fn: Callable[[], T]) -> T:
    """Call `fn` inside `user_errors`."""
    with user_errors():
        return fn()
    raise AssertionError("unreachable")  # pragma: no cover


class _OneLineFormatter(logging.Formatter):
    """Log records as `level: message` on one line: users never see a Python traceback."""

    def format(self, record: logging.LogRecord) -> str:
        return f"{record.levelname.lower()}: {record.getMessage()}".splitlines()[0]


def one_line_logging(level: int = logging.WARNING) -> None:
    """Send the `dossier` loggers to stderr, one line per record, from `level` up."""
    logger = logging.getLogger("dossier")
    logger.setLevel(min(level, logger.level or logging.WARNING))
    handler = next((h for h in logger.handlers if isinstance(h.formatter, _OneLineFormatter)), None)
    if handler is None:
        handler = logging.StreamHandler()
        handler.setFormatter(_OneLineFormatter())
        logger.addHandler(handler)
    handler.setLevel(level)

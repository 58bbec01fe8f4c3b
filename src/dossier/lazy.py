"""Package entry points loaded on first use (PEP 562 module `__getattr__`).

A stage package names its entry points, but the module behind them (and the heavy
libraries it imports: spaCy, trafilatura, DuckDB, FastAPI) loads only when one is asked
for, so that importing a stage's records or a sibling module stays light.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from typing import Any


def exports(package: str, module: str, names: Iterable[str]) -> Callable[[str], Any]:
    """Return a `__getattr__` for `package` that takes `names` from `module`, importing it on first use."""
    wanted = frozenset(names)

    def __getattr__(name: str) -> Any:
        if name in wanted:
            return getattr(importlib.import_module(module), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__

"""The report tests build their store the same way as the serve tests (corpus + hostile article)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location("serve_fixtures", Path(__file__).parents[1] / "serve" / "conftest.py")
assert _spec is not None and _spec.loader is not None
_serve = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_serve)


@pytest.fixture(scope="session")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _serve.store.__wrapped__(tmp_path_factory)  # type: ignore[no-any-return]

"""Shared fixtures: real files from ../shared and examples/, one spaCy model per session."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SEEDS = SHARED / "seeds"
GOLD = SHARED / "gold"
EXTERNAL = SHARED / "external"
CORPUS = REPO / "examples" / "corpus"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--screenshots", default=None, help="folder where browser tests save page screenshots")


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.fail(f"{SHARED} is missing: clone the repo with ../shared beside it")
    return SHARED


@pytest.fixture(scope="session")
def settings():  # type: ignore[no-untyped-def]
    from dossier.settings import load_settings

    return load_settings()


@pytest.fixture(scope="session")
def models(settings):  # type: ignore[no-untyped-def]
    """The whole pipeline's models, loaded once for the test session."""
    from dossier.pipeline import load_models

    return load_models(settings)


@pytest.fixture
def fixture_path():  # type: ignore[no-untyped-def]
    def _path(rel: str) -> Path:
        path = FIXTURES / rel
        assert path.exists(), f"missing fixture {path}"
        return path

    return _path

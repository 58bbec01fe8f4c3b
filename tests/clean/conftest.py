"""Fixtures of the clean-stage tests: one cleaner per session, documents from files."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from dossier.ingest.records import RawDocument


def make_doc(
    raw: str, name: str = "doc.txt", *, media_type: str = "text", url: str | None = None
) -> RawDocument:
    """Build a RawDocument the way ingest does (id from the bytes)."""
    data = raw.encode("utf-8")
    return RawDocument(
        doc_id=hashlib.sha256(data).hexdigest(), source=name, name=name, raw=raw,
        media_type=media_type,  # type: ignore[arg-type]
        encoding="utf-8", byte_size=len(data), url=url,
    )


def doc_from(path: Path) -> RawDocument:
    """Read a fixture or seed file as a document."""
    media_type = "html" if path.suffix == ".html" else "text"
    return make_doc(path.read_text(encoding="utf-8"), path.name, media_type=media_type)


@pytest.fixture(name="make_doc", scope="session")
def make_doc_fixture():  # type: ignore[no-untyped-def]
    """`make_doc(raw, name, media_type=..., url=...)` as a fixture."""
    return make_doc


@pytest.fixture(scope="session")
def cleaner(settings):  # type: ignore[no-untyped-def]
    from dossier.clean import load_cleaner

    return load_cleaner(settings)


@pytest.fixture(scope="session")
def cleaned(cleaner):  # type: ignore[no-untyped-def]
    """Clean a fixture of tests/fixtures/clean once per session."""
    cache: dict[str, object] = {}
    base = Path(__file__).resolve().parents[1] / "fixtures" / "clean"

    def _clean(name: str):  # type: ignore[no-untyped-def]
        if name not in cache:
            cache[name] = cleaner.clean(doc_from(base / name))
        return cache[name]

    return _clean

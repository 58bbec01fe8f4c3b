"""A real store built from the example corpus plus a hostile article, and a real server on 127.0.0.1."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "examples" / "corpus"
SEEDS = REPO.parent / "shared" / "seeds"
HOSTILE = Path(__file__).resolve().parents[1] / "fixtures" / "serve" / "hostile_article.txt"
DOSSIER = [str(Path(sys.executable).parent / "dossier")]


def _build(db: Path, inputs: list[Path]) -> None:
    """Build with the real CLI; the build's own exit code is reported, the store is checked by the tests."""
    run = subprocess.run(
        [*DOSSIER, "build", *map(str, inputs), "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if not db.exists():
        pytest.fail(f"dossier build made no store:\n{run.stdout}\n{run.stderr}")
    from dossier.serve.index import index_store

    index_store(db)


@pytest.fixture(scope="session")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example corpus (seeds when it is missing) and the hostile article, built into one store."""
    override = os.environ.get("DOSSIER_TEST_STORE")
    if override:  # a developer's prepared store; CI always builds
        return Path(override)
    # One build per session, shared with tests/report (which loads this file under another name).
    root = tmp_path_factory.getbasetemp() / "dossier-serve-store"
    db = root / "store.duckdb"
    if db.exists():
        return db
    inputs = root / "inputs"
    inputs.mkdir(parents=True)
    shutil.copy(HOSTILE, inputs / HOSTILE.name)
    corpus = CORPUS if CORPUS.is_dir() and any(CORPUS.iterdir()) else SEEDS
    _build(db, [corpus, inputs])
    return db


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def serving(db: Path) -> Iterator[str]:
    """`dossier serve` of `db` in a subprocess on a free port; yields its base URL."""
    port = _free_port()
    proc = subprocess.Popen(
        [*DOSSIER, "serve", "--db", str(db), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                if httpx.get(f"{base}/api/stats", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                out = proc.stdout.read() if proc.stdout else ""
                pytest.fail(f"dossier serve did not start:\n{out}")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout:
            proc.stdout.close()


@pytest.fixture(scope="session")
def server(store: Path) -> Iterator[str]:
    """`dossier serve` of the session store; yields its base URL."""
    with serving(store) as base:
        yield base


@pytest.fixture(scope="session")
def client(server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server, timeout=30) as c:
        yield c


@pytest.fixture(scope="session")
def serve_store() -> Callable[[Path], contextlib.AbstractContextManager[str]]:
    """`serving` for tests that serve stores of their own."""
    return serving

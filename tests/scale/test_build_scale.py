"""Multi-process builds: same rows for any worker count, bad documents isolated, resume after a kill."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
from pathlib import Path
from typing import Any

import pytest

from dossier.build import ProgressUpdate, build
from dossier.scale import make_executor
from dossier.settings import Settings
from dossier.store import open_store

SEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "seeds"

pytestmark = pytest.mark.slow

# Columns that record when a row was written, not what it says.
CLOCK_COLUMNS = {"ingested_at", "failed_at", "merged_at", "applied_at"}
TABLES = ("documents", "failures", "evidence", "entities", "doc_entities", "events",
          "event_participants", "event_evidence", "figures", "quotes")


def _corpus(tmp: Path, copies: int, *, bad: bool = False) -> Path:
    folder = tmp / "corpus"
    folder.mkdir()
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        for i in range(copies):
            (folder / f"{path.stem}-{i}.txt").write_text(text + f"\n\nArchive reference {i:04d}\n", encoding="utf-8")
    if bad:
        (folder / "001a-empty.txt").write_bytes(b"")
        (folder / "001b-binary.txt").write_bytes(bytes(range(256)) * 4)
    return folder


def _table_hash(db: Path, table: str) -> str:
    con = open_store(db, read_only=True)
    cols = [r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'main' AND table_name = ? "
        "ORDER BY ordinal_position",
        [table]).fetchall() if r[0] not in CLOCK_COLUMNS]
    quoted = ", ".join(f'"{c}"' for c in cols)
    rows = con.execute(f"SELECT {quoted} FROM {table}").fetchall()  # column names come from the catalogue
    con.close()
    return hashlib.sha256(repr(sorted(map(repr, rows))).encode()).hexdigest()


def _build(inputs: list[Path], db: Path, settings: Any, **executor_kw: Any) -> Any:
    def factory(settings_: Any, *, site_lines: Any = None) -> Any:
        return make_executor(settings_, site_lines=site_lines, **executor_kw)

    return build([str(p) for p in inputs], db=db, settings=settings, executor=factory)


def test_build_scale_worker_count_never_changes_rows(tmp_path: Path, settings: Any) -> None:
    corpus = _corpus(tmp_path, copies=2, bad=True)
    hashes = {}
    # 0: the pipeline in the driver's process; N: N worker processes and a writing driver.
    for workers in (0, 1, 2, 4):
        db = tmp_path / f"w{workers}.duckdb"
        report = _build([corpus], db, settings, workers=workers)
        assert report.ok == 10 and report.failed == 2
        hashes[workers] = {t: _table_hash(db, t) for t in TABLES}
    assert hashes[0] == hashes[1] == hashes[2] == hashes[4]


def test_build_scale_bad_document_inside_a_partition_is_recorded(tmp_path: Path, settings: Any) -> None:
    corpus = _corpus(tmp_path, copies=1, bad=True)
    db = tmp_path / "s.duckdb"
    _build([corpus], db, settings, workers=2)
    con = open_store(db, read_only=True)
    statuses = dict(con.execute("SELECT name, status FROM documents").fetchall())
    con.close()
    assert statuses["001a-empty.txt"] == "failed"
    assert statuses["001b-binary.txt"] == "failed"
    assert sum(1 for s in statuses.values() if s == "ok") == 5


def test_build_scale_incremental_processes_only_new_documents(tmp_path: Path, settings: Any) -> None:
    corpus = _corpus(tmp_path, copies=1)
    db = tmp_path / "s.duckdb"
    first = _build([corpus], db, settings, workers=2)
    assert first.ok == 5
    again = _build([corpus], db, settings, workers=2)
    assert again.nothing_to_do and again.unchanged == 5
    extra = tmp_path / "extra"
    extra.mkdir()
    shutil.copy(next(iter(sorted(corpus.iterdir()))), extra / "new.txt")
    (extra / "new.txt").write_text((extra / "new.txt").read_text() + "\nOne more line.\n")
    added = _build([corpus, extra], db, settings, workers=2)
    assert (added.ok, added.unchanged) == (1, 5)


def test_build_scale_dask_kill_and_resume_stores_each_document_once(tmp_path: Path, settings: Any) -> None:
    corpus = _corpus(tmp_path, copies=4)
    db = tmp_path / "s.duckdb"
    # Small batches, so that the kill lands between stored batches.
    settings = Settings(values={**settings.values, "build": {**settings.values["build"], "batch_size": 2}})
    executor = make_executor(settings, workers=2, dask="local")
    pids = sorted(executor.client.run(os.getpid).values())  # type: ignore[attr-defined]
    killed_at: list[int] = []

    def kill_after_first_batch(update: ProgressUpdate) -> None:
        # Mid-run: some documents are stored, the rest are queued or in flight.
        if not killed_at and update.done > 0:
            os.kill(pids[0], signal.SIGKILL)
            killed_at.append(update.done)

    try:
        build([str(corpus)], db=db, settings=settings, executor=executor, progress=kill_after_first_batch)
    finally:
        executor.close()
    assert killed_at and killed_at[0] < 20
    # Resume: whatever the kill cost is retried; nothing is stored twice.
    _build([corpus], db, settings, workers=2, dask="local")
    con = open_store(db, read_only=True)
    counts = con.execute(
        "SELECT count(*), count(DISTINCT doc_id), count(*) FILTER (WHERE status = 'ok') FROM documents"
    ).fetchone()
    dup_events = con.execute("SELECT count(*) - count(DISTINCT event_id) FROM events").fetchone()
    con.close()
    assert counts == (20, 20, 20)
    assert dup_events == (0,)

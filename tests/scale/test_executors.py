"""Executors give the same results as the in-process pipeline, and survive a killed worker."""

from __future__ import annotations

import hashlib
import os
import signal
from pathlib import Path

import psutil
import pyarrow.compute as pc
import pytest

from dossier.ingest.records import InputFailure, RawDocument
from dossier.scale import make_executor
from dossier.scale.executor import SerialExecutor
from dossier.store.rows import ITEM, PreparedBatch, PreparedDoc

SEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "seeds"

pytestmark = pytest.mark.slow


def _docs(copies: int = 1) -> list[RawDocument]:
    docs = []
    for path in sorted(SEEDS.glob("*.txt")):
        for i in range(copies):
            text = path.read_text(encoding="utf-8") + ("" if i == 0 else f"\n\ncopy {i}\n")
            digest = hashlib.sha256(text.encode()).hexdigest()
            docs.append(RawDocument(digest, str(path), f"{path.stem}-{i}.txt", text, "text", "utf-8", len(text)))
    return docs


def _fingerprint(batches: list[PreparedBatch]) -> list[str]:
    """One hash per document of every row prepared for it, whatever batch it was in."""
    out = []
    for batch in batches:
        for i, item in enumerate(batch.items):
            if isinstance(item, PreparedDoc):
                rows = {name: table.filter(pc.equal(table[ITEM], i)).drop_columns([ITEM]).to_pylist()
                        for name, table in sorted(batch.tables.items())}
                out.append(hashlib.sha256(repr((item, rows)).encode()).hexdigest())
            else:
                out.append(f"failure:{item.doc_id}:{item.error_class}")
    return sorted(out)


def _items(batches: list[PreparedBatch]) -> list[PreparedDoc | InputFailure]:
    return [item for batch in batches for item in batch.items]


def _run(executor, batches):  # type: ignore[no-untyped-def]
    try:
        return list(executor.run(batches))
    finally:
        executor.close()


def test_executors_pool_matches_serial(settings) -> None:  # type: ignore[no-untyped-def]
    docs = _docs()
    batches = [docs[i : i + 2] for i in range(0, len(docs), 2)]
    serial = _run(SerialExecutor(settings), batches)
    pool = make_executor(settings, workers=2)
    pooled = list(pool.run(list(reversed(batches))))
    workers = [psutil.Process(p.pid) for p in pool._pool._pool]  # type: ignore[attr-defined]
    assert len(workers) == 2 and all(w.is_running() for w in workers)
    pool.close()
    # Closing stops and reaps every worker process (none left running or as a zombie).
    assert not any(psutil.pid_exists(w.pid) for w in workers)
    assert len(_items(serial)) == len(docs)
    assert all(isinstance(item, PreparedDoc) and item.events for item in _items(serial))
    assert _fingerprint(serial) == _fingerprint(pooled)


def test_executors_dask_local_survives_a_killed_worker(settings) -> None:  # type: ignore[no-untyped-def]
    docs = _docs(copies=4)
    batches = [[d] for d in docs]
    executor = make_executor(settings, workers=2, dask="local")
    assert executor.dashboard_link.startswith("http://127.0.0.1:")  # type: ignore[attr-defined]
    worker_pids = executor.client.run(os.getpid)  # type: ignore[attr-defined]
    assert len(worker_pids) == 2
    victim = sorted(worker_pids.values())[0]
    results: list[PreparedDoc | InputFailure] = []
    batches_out = executor.run(batches)
    try:
        results.extend(next(batches_out).items)  # the first batch is back: the rest are queued or running
        os.kill(victim, signal.SIGKILL)
        for batch in batches_out:
            results.extend(batch.items)
    finally:
        executor.close()
    assert not psutil.pid_exists(victim)  # the kill landed while batches were still queued
    done = [r.doc_id for r in results if isinstance(r, PreparedDoc)]
    failed = [r.doc_id for r in results if isinstance(r, InputFailure)]
    # Every document comes back exactly once: processed, or reported for a retry.
    assert sorted(done + failed) == sorted(d.doc_id for d in docs)
    assert len(set(done)) == len(done)
    assert all(r.stage == "worker" for r in results if isinstance(r, InputFailure))


@pytest.mark.parametrize(("workers", "kind", "processes"), [(0, "SerialExecutor", 0), (1, "PoolExecutor", 1),
                                                            (3, "PoolExecutor", 3)])
def test_executors_worker_count_is_processes_besides_the_driver(settings, workers, kind, processes) -> None:  # type: ignore[no-untyped-def]
    executor = make_executor(settings, workers=workers)
    try:
        assert type(executor).__name__ == kind
        assert getattr(executor, "workers", 0) == processes  # the pool starts on the first batch
    finally:
        executor.close()

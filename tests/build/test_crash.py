"""Crash safety: a `dossier build` killed with SIGKILL mid-run, then resumed, stores every document once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from build_helpers import ModelsExecutor, article

from dossier.build import build
from dossier.settings import Settings

DOSSIER = Path(sys.executable).parent / "dossier"
N_DOCS = 12
TABLES = ("documents", "failures", "evidence", "doc_entities", "mentions", "timexes", "events", "event_participants",
          "event_evidence", "figures", "quotes", "entities", "site_lines")


def snapshot(db: Path) -> dict[str, object]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        out: dict[str, object] = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}  # type: ignore[index]
        out["doc_ids"] = sorted(r[0] for r in con.execute("SELECT doc_id FROM documents").fetchall())
        out["versions"] = con.execute("SELECT DISTINCT version FROM documents").fetchall()
        out["site_line_docs"] = con.execute("SELECT coalesce(sum(doc_count), 0) FROM site_lines").fetchone()
        out["mention_dups"] = con.execute(
            "SELECT count(*) FROM (SELECT doc_id, doc_entity_id, evidence_id, count(*) n FROM mentions "
            "GROUP BY ALL HAVING n > 1)").fetchone()
        return out
    finally:
        con.close()


def run_build(corpus: Path, db: Path, config: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(DOSSIER), "build", str(corpus), "--db", str(db), "--config", str(config), "--verbose"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


@pytest.mark.slow
def test_crash_killed_build_resumes_and_stores_each_document_once(
    tmp_path: Path, settings: Settings, executor: ModelsExecutor
) -> None:
    assert DOSSIER.exists(), f"{DOSSIER} missing: install the package into the venv"
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i in range(N_DOCS):
        (corpus / f"flood_{i:03d}.txt").write_text(article(i), encoding="utf-8")
    config = tmp_path / "one_per_batch.toml"
    # One document per transaction, resolved in it, so the kill lands between stored batches.
    config.write_text("[build]\nbatch_size = 1\nwrite_batches = 1\nresolve_every_docs = 1\n")
    db = tmp_path / "killed.duckdb"

    proc = run_build(corpus, db, config)
    stored = 0
    deadline = time.monotonic() + 240
    assert proc.stderr is not None
    for line in proc.stderr:  # one line per committed batch
        if line.startswith("info: batch stored"):
            stored += 1
            if stored == 3:
                break
        assert time.monotonic() < deadline, "the build never stored a batch"
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    partial = snapshot(db)
    assert 3 <= partial["documents"] < N_DOCS  # type: ignore[operator]

    # Resume (in this process, with the session's models: the recovery is the store's).
    resumed = build([corpus], db=db, settings=settings, executor=executor)
    assert resumed.unchanged == partial["documents"]
    assert resumed.processed == N_DOCS - partial["documents"]  # type: ignore[operator]
    after = snapshot(db)
    assert after["documents"] == N_DOCS
    assert len(set(after["doc_ids"])) == N_DOCS  # type: ignore[arg-type]
    assert after["versions"] == [(1,)]
    assert after["mention_dups"] == (0,)

    # The same corpus built in one go gives exactly the same rows.
    one_go = tmp_path / "one_go.duckdb"
    build([corpus], db=one_go, settings=settings, executor=ModelsExecutor(executor.models))
    assert snapshot(one_go) == after

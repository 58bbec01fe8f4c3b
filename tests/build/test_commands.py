"""`dossier build`, `status` and `export` as a user runs them: exit codes and messages word for word."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from build_helpers import ModelsExecutor, write_corpus
from typer.testing import CliRunner

from dossier.build import build
from dossier.cli import app
from dossier.pipeline import PipelineModels
from dossier.settings import Settings

runner = CliRunner()


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, settings: Settings, models: PipelineModels) -> Path:
    root = tmp_path_factory.mktemp("cmd")
    corpus = write_corpus(root / "corpus", n_text=2)
    db = root / "store.duckdb"
    build([corpus], db=db, settings=settings, executor=ModelsExecutor(models))
    return db


def test_status_lists_counts_and_every_failed_document(store: Path) -> None:
    result = runner.invoke(app, ["status", "--db", str(store)], terminal_width=200)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "│ documents " in out and "│ failures " in out and "current_documents" in out
    assert "failed or skipped documents (" in out
    corpus = store.parent / "corpus"
    assert (f"failed [ingest/EmptyInput] {corpus}/empty.txt: empty file (0 bytes); remove it or export the "
            "article again") in out
    assert f"failed [ingest/InvalidJSONL] {corpus}/wire.jsonl: line 2: not valid JSON" in out
    assert "last build: " in out


def test_status_json_matches_the_store(store: Path) -> None:
    result = runner.invoke(app, ["status", "--db", str(store), "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    con = duckdb.connect(str(store), read_only=True)
    n_docs = con.execute("SELECT count(*) FROM documents").fetchone()[0]  # type: ignore[index]
    con.close()
    assert ["documents", "table", n_docs] in data["tables"]
    assert {f["error_class"] for f in data["failed"]} >= {"EmptyInput", "BinaryInput", "InvalidJSONL"}


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_export_writes_every_row(fmt: str, store: Path, tmp_path: Path) -> None:
    out = tmp_path / f"documents.{fmt}"
    result = runner.invoke(app, ["export", "--db", str(store), "--table", "documents", "--format", fmt,
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    con = duckdb.connect(str(store), read_only=True)
    expected = {r[0]: r[1] for r in con.execute("SELECT doc_id, status FROM documents").fetchall()}
    con.close()
    if fmt == "jsonl":
        rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    else:
        rows = pq.read_table(out).to_pylist()
    assert {r["doc_id"]: r["status"] for r in rows} == expected
    assert f"{len(expected)} rows of documents written to {out}" in result.output


def test_export_jsonl_to_stdout_keeps_lists_and_dates(store: Path) -> None:
    result = runner.invoke(app, ["export", "--db", str(store), "--table", "documents"])
    assert result.exit_code == 0
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows and all(isinstance(r["ingested_at"], str) for r in rows)
    assert any(isinstance(r["authors"], list) for r in rows)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--table", "nope"], "error: nope: no such table or view; available: "),
        (["--table", "documents; DROP TABLE documents"],
         "error: documents; DROP TABLE documents: no such table or view; available: "),
        (["--table", "documents", "--format", "xml"],
         "error: xml: unknown export format; use one of jsonl, csv, parquet"),
        (["--table", "documents", "--format", "parquet"], "error: parquet is a binary format; pass --out FILE to "
                                                          "write it"),
    ],
)
def test_export_bad_request_is_one_clear_line(args: list[str], message: str, store: Path) -> None:
    result = runner.invoke(app, ["export", "--db", str(store), *args])
    assert result.exit_code == 1
    assert result.output.startswith(message)
    assert "Traceback" not in result.output
    if "available" in message:
        available = result.output.split("available: ", 1)[1].strip().split(", ")
        assert {"documents", "current_documents", "events", "evidence"} <= set(available)
        assert available == sorted(available)
    con = duckdb.connect(str(store), read_only=True)
    assert con.execute("SELECT count(*) FROM documents").fetchone()[0] > 0  # type: ignore[index]
    con.close()


def test_status_of_a_missing_store_is_one_clear_line(tmp_path: Path) -> None:
    db = tmp_path / "none.duckdb"
    result = runner.invoke(app, ["status", "--db", str(db)])
    assert result.exit_code == 1
    assert result.output == f"error: {db}: no such store; build one with `dossier build INPUT --db {db}`\n"


def test_build_command_reports_bad_inputs_and_strict_exits_1(tmp_path: Path) -> None:
    # Only broken inputs: nothing reaches the pipeline, so no model is loaded.
    (tmp_path / "empty.txt").write_bytes(b"")
    db = tmp_path / "s.duckdb"
    args = ["build", str(tmp_path / "empty.txt"), str(tmp_path / "gone.html"), "--db", str(db)]
    result = runner.invoke(app, [*args, "--strict"], terminal_width=300)
    assert result.exit_code == 1
    assert "documents: 0 ok, 2 failed, 0 skipped" in result.output
    assert result.output.rstrip().endswith(
        f"error: 2 documents failed or were skipped (--strict); see them with `dossier status --db {db}`")
    assert "Traceback" not in result.output
    again = runner.invoke(app, args, terminal_width=300)
    assert again.exit_code == 0
    assert again.output.startswith(f"nothing to do: all 2 documents are already in {db} (")


def test_build_command_without_inputs_creates_the_store(tmp_path: Path) -> None:
    db = tmp_path / "fresh.duckdb"
    result = runner.invoke(app, ["build", "--db", str(db)])
    assert result.exit_code == 0
    assert result.output == f"store {db} is ready (schema up to date, 0 documents)\n"
    assert db.exists()


def test_build_command_bad_config_is_one_clear_line(tmp_path: Path) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text("[build\nbatch_size = 2\n")
    result = runner.invoke(app, ["build", "--db", str(tmp_path / "x.duckdb"), "--config", str(cfg)])
    assert result.exit_code == 1
    assert result.output.startswith(f"error: {cfg}: not valid TOML (")

"""`dossier eval` and `dossier extract` on real files: the seeds' gold, the example corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dossier.cli import app
from dossier.evaluate.loading import load_gold

REPO = Path(__file__).resolve().parents[2]
GOLD = REPO.parent / "shared" / "gold"
SEEDS = REPO.parent / "shared" / "seeds"
CORPUS = REPO / "examples" / "corpus"
EXAMPLE_GOLD = REPO / "examples" / "gold"

runner = CliRunner()


def gold_as_predictions(tmp_path: Path, drop_event: bool = False) -> Path:
    """Write the seeds' gold as a prediction file, each body the raw span the gold names."""
    lines = []
    for g in load_gold(GOLD):
        raw = (SEEDS / g["article"]).read_text(encoding="utf-8")
        start = raw.index(g["body_starts_with"])
        end = raw.index(g["body_ends_with"]) + len(g["body_ends_with"])
        rec = dict(g, body=raw[start:end])
        if drop_event:
            rec["events"] = rec["events"][1:]
        lines.append(json.dumps(rec))
    path = tmp_path / "pred.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_eval_cli_scores_a_prediction_file(tmp_path):
    result = runner.invoke(app, ["eval", "--gold", str(GOLD), str(gold_as_predictions(tmp_path)), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["articles_scored"] == 5
    assert data["metrics"]["entities.f1"] == 1.0
    assert data["metrics"]["strict_events.f1"] == 1.0
    # a body cut as one raw span leaks exactly the three in-body clutter lines (NOTES.md)
    kept = data["shares"]["boilerplate_kept"]
    assert kept["total"] - kept["right"] == 3


def test_eval_cli_detail_lists_missed_items(tmp_path):
    pred = gold_as_predictions(tmp_path, drop_event=True)
    result = runner.invoke(app, ["eval", "--gold", str(GOLD), str(pred), "--detail"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "missed   event" in result.stdout
    assert "leaked boilerplate: For the latest headlines" in result.stdout
    data = json.loads(runner.invoke(app, ["eval", "--gold", str(GOLD), str(pred), "--json", "--detail"]).stdout)
    missed = [m for a in data["articles"] for m in a["missed"]["events"]]
    assert len(missed) == 5  # the first event of each article


def test_eval_cli_check_fails_below_a_floor_and_update_never_lowers(tmp_path):
    pred = gold_as_predictions(tmp_path, drop_event=True)
    floors = tmp_path / "floors.json"
    floors.write_text(json.dumps({"shared/gold": {"events.recall": 0.99, "entities.f1": 0.5}}), encoding="utf-8")
    args = ["eval", "--gold", str(GOLD), str(pred), "--floors", str(floors), "--set", "shared/gold"]
    failed = runner.invoke(app, [*args, "--check"])
    assert failed.exit_code == 1
    assert "events.recall" in failed.stdout
    assert "below their floor" in failed.stderr
    updated = runner.invoke(app, [*args, "--update"])
    assert updated.exit_code == 0, updated.output
    saved = json.loads(floors.read_text(encoding="utf-8"))["shared/gold"]
    assert saved["events.recall"] == 0.99  # 50/55 = 0.909 is lower: the floor stays
    assert saved["entities.f1"] == 1.0  # raised
    assert saved["figures.f1"] == 1.0  # a new metric starts at its value
    assert runner.invoke(app, [*args, "--check"]).exit_code == 1
    full = gold_as_predictions(tmp_path)
    ok = runner.invoke(app, ["eval", "--gold", str(GOLD), str(full), "--floors", str(floors), "--set", "shared/gold",
                             "--check"])
    assert ok.exit_code == 0, ok.output
    assert "every figure at or above its floor" in ok.stdout


def test_eval_cli_missing_gold_folder_is_one_line_error(tmp_path):
    result = runner.invoke(app, ["eval", "--gold", str(tmp_path / "nope"), str(tmp_path)])
    assert result.exit_code == 1
    assert "gold folder not found" in result.stderr
    assert "Traceback" not in result.output


def test_eval_cli_help_names_both_forms():
    result = runner.invoke(app, ["eval", "--help"])
    assert result.exit_code == 0
    assert "PRED.jsonl" in result.stdout


def test_extract_cli_corpus_jsonl_is_clean_and_failures_go_to_stderr():
    result = runner.invoke(app, ["extract", str(CORPUS), "--strict"])
    assert result.exit_code == 1  # --strict: the corpus has broken inputs on purpose
    records = [json.loads(line) for line in result.stdout.splitlines()]
    names = {r["article"] for r in records}
    assert {"t01_parade_irrawaddy_ledger.txt", "h02_lavrov_naypyitaw_visit.html"} <= names
    assert len(records) >= 15
    fields = {"article", "title", "outlet", "published", "body", "entities", "events", "figures", "quotes"}
    for rec in records:
        assert fields <= set(rec)
    failures = [line for line in result.stderr.splitlines() if line.startswith("failed")]
    assert any("empty_download.txt" in line for line in failures)
    assert any("photo_parade_0327.jpg" in line for line in failures)
    assert any("line 3" in line for line in failures)
    assert "extracted" in result.stderr


@pytest.mark.parametrize("fmt", ["json", "table"])
def test_extract_cli_other_formats(fmt):
    path = CORPUS / "t01_parade_irrawaddy_ledger.txt"
    result = runner.invoke(app, ["extract", str(path), "--format", fmt, "--strict"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    if fmt == "json":
        assert [r["article"] for r in json.loads(result.stdout)] == [path.name]
    else:
        assert path.name in result.stdout


def test_extract_cli_missing_path_reported_not_raised(tmp_path):
    result = runner.invoke(app, ["extract", str(tmp_path / "missing.txt")])
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "missing.txt" in result.stderr

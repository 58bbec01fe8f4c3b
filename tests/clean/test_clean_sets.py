"""Scoring of the third-party sets, and quick runs of the evaluation commands."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from dossier.evaluate.clean_sets import ShingleScore, SnippetScore


def test_clean_sets_shingle_score_macro_per_document():
    score = ShingleScore()
    score.add("one two three four five", "one two three four five")  # exact
    score.add("one two three four", "one two three four five six")  # 1 of 3 gold shingles
    result = score.result()
    assert result["precision"] == pytest.approx(1.0)
    assert result["recall"] == pytest.approx((1.0 + 1 / 3) / 2)
    assert result["accuracy"] == pytest.approx(0.5)


def test_clean_sets_snippet_score_micro():
    score = SnippetScore()
    score.add("The body  text here.", {"with": ["body text"], "without": ["Share this"]})
    score.add(None, {"with": ["missing"], "without": ["menu"]})
    assert (score.tp, score.fn, score.fp, score.tn) == (1, 1, 0, 2)
    assert score.result()["f1"] == pytest.approx(2 / 3)


@pytest.mark.parametrize("args", [["eval-extraction", "--set", "scrapinghub"], ["eval-extraction", "--set",
                                  "trafilatura"], ["eval-dates"]])
def test_clean_sets_commands_run_on_a_few_pages(shared_dir, args):
    from dossier.cli import app

    result = CliRunner().invoke(app, [*args, "--limit", "3", "--json", "--root", str(shared_dir / "external")])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert rows[0]["system"] == "dossier"
    assert all(0.0 <= r["f1"] <= 1.0 for r in rows)


def test_clean_sets_missing_set_is_a_clear_error(tmp_path):
    from dossier.cli import app

    result = CliRunner().invoke(app, ["eval-dates", "--root", str(tmp_path)])
    assert result.exit_code == 1
    assert "evaluation set not found; pass --root" in result.output

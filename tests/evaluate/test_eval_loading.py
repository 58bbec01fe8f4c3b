"""Reading gold folders and telling prediction files from input batches."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dossier.errors import InputError
from dossier.evaluate.loading import is_prediction_file, load_gold, load_predictions

CORPUS = Path(__file__).resolve().parents[2] / "examples" / "corpus"


def test_loading_input_batch_is_not_a_prediction_file(tmp_path):
    assert not is_prediction_file(CORPUS / "batch_meridian_2021_2023.jsonl")
    pred = tmp_path / "pred.jsonl"
    pred.write_text(json.dumps({"article": "a.txt", "body": "x", "entities": []}) + "\n", encoding="utf-8")
    assert is_prediction_file(pred)
    listed = tmp_path / "pred.json"
    listed.write_text(json.dumps([{"article": "a.txt", "body": "x"}]), encoding="utf-8")
    assert is_prediction_file(listed)
    assert [r["article"] for r in load_predictions(listed)] == ["a.txt"]


def test_loading_bad_prediction_line_names_the_line(tmp_path):
    pred = tmp_path / "pred.jsonl"
    pred.write_text('{"article": "a.txt"}\n{"article": \n', encoding="utf-8")
    with pytest.raises(InputError, match=r"pred.jsonl:2: not a JSON line"):
        load_predictions(pred)


def test_loading_gold_folder_reads_only_json_objects_with_article(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps({"article": "a.txt"}), encoding="utf-8")
    (tmp_path / "SCHEMA.md").write_text("# not gold", encoding="utf-8")
    assert [g["article"] for g in load_gold(tmp_path)] == ["a.txt"]
    (tmp_path / "b.json").write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(InputError, match=r"b\.json: a gold file must be one JSON object"):
        load_gold(tmp_path)


def test_loading_example_gold_evidence_is_verbatim():
    gold_dir = CORPUS.parent / "gold"
    golds = load_gold(gold_dir)
    assert len(golds) >= 3
    for g in golds:
        raw = (CORPUS / g["article"]).read_text(encoding="utf-8")
        for area in ("events", "figures", "quotes"):
            for item in g[area]:
                assert item["evidence"] in raw, (g["article"], item["evidence"])
        assert g["body_starts_with"] in raw and g["body_ends_with"] in raw

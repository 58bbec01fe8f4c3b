"""Floors: check, update (never lowers), file validation."""

from __future__ import annotations

import json

import pytest

from dossier.errors import ConfigError
from dossier.evaluate.floors import check_floors, floors_for, load_floors, set_key, update_floors


def test_floors_check_reports_each_breach_and_uncounted_metric():
    breaches = check_floors({"a": 0.5, "b": 0.9, "c": None}, {"a": 0.6, "b": 0.9, "c": 0.1})
    assert [(b.metric, b.value) for b in breaches] == [("a", 0.5), ("c", None)]


def test_floors_update_raises_rounds_down_and_never_lowers(tmp_path):
    path = tmp_path / "floors.json"
    path.write_text(json.dumps({"_comment": "kept", "s": {"a": 0.8, "b": 0.2}}), encoding="utf-8")
    changed = update_floors(path, "s", {"a": 0.5, "b": 0.33339, "c": 1.0, "d": None})
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["_comment"] == "kept"
    assert data["s"] == {"a": 0.8, "b": 0.3333, "c": 1.0}
    assert set(changed) == {"b", "c"}
    assert not check_floors({"a": 0.8, "b": 0.33339, "c": 1.0}, floors_for(data, "s", path))


def test_floors_bad_file_is_config_error(tmp_path):
    path = tmp_path / "floors.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"floors\.json: not a readable floors file"):
        load_floors(path)
    with pytest.raises(ConfigError, match="must be a number"):
        floors_for({"s": {"a": "high"}}, "s", path)


def test_floors_set_key_is_parent_and_name(tmp_path):
    gold = tmp_path / "shared" / "gold"
    gold.mkdir(parents=True)
    assert set_key(gold) == "shared/gold"

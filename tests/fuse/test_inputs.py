"""Reading the fuse stage's inputs: canonical entities in the store, not in Python."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from dossier.fuse import refresh
from dossier.fuse.inputs import CANONICAL_ENTITIES_SQL
from dossier.store import open_store

# entity_id, name, country, merged_into
ENTITIES = [
    ("a", "Alpha", None, "b"),
    ("b", "Beta", "RUS", "c"),
    ("c", "Gamma", "MMR", None),
    ("x", "Ex", "THA", "y"),  # x and y merged into each other: a corrupt store
    ("y", "Why", "LAO", "x"),
    ("m", "Em", "IND", "gone"),  # merged into an entity no longer stored
    ("p", "Pe", None, None),
]


def test_canonical_entities_follow_merge_chains_and_stop_at_cycles(tmp_path: Path) -> None:
    con = open_store(tmp_path / "canon.duckdb")
    con.executemany("INSERT INTO entities (entity_id, name, type, country, merged_into) VALUES (?, ?, 'ORG', ?, ?)",
                    ENTITIES)
    canon = {r[0]: r[1:] for r in con.execute(CANONICAL_ENTITIES_SQL).fetchall()}
    con.close()
    assert canon == {
        "a": ("c", "Gamma", "MMR"), "b": ("c", "Gamma", "MMR"), "c": ("c", "Gamma", "MMR"),
        # a walk stops before an entity it already met: x ends at y, y at x
        "x": ("y", "Why", "LAO"), "y": ("x", "Ex", "THA"),
        "m": ("m", "Em", "IND"), "p": ("p", "Pe", None),
    }


def test_incremental_refresh_re_reads_only_the_entities_whose_canonical_form_changed(
    fuse_store: Any, settings: Any, monkeypatch: Any
) -> None:
    path = fuse_store()
    con = open_store(path)
    refresh(con, settings)
    refresh_module = importlib.import_module("dossier.fuse.refresh")
    seen: list[set[str]] = []
    events = refresh_module._Update._events

    def watched(self: Any, new: set[str], removed: set[str], regrouped: set[str], entities: set[str]) -> Any:
        seen.append(set(entities))
        return events(self, new, removed, regrouped, entities)

    monkeypatch.setattr(refresh_module._Update, "_events", watched)
    renamed, merged_away = con.execute(
        "SELECT entity_id FROM entities WHERE merged_into IS NULL ORDER BY entity_id LIMIT 2"
    ).fetchall()
    followers = {r[0] for r in con.execute("SELECT entity_id FROM entities WHERE merged_into = ?", renamed).fetchall()}
    con.execute("UPDATE entities SET name = name || ' (renamed)' WHERE entity_id = ?", renamed)
    con.execute("UPDATE entities SET merged_into = ? WHERE entity_id = ?", [renamed[0], merged_away[0]])
    followers |= {r[0] for r in con.execute("SELECT entity_id FROM entities WHERE merged_into = ?",
                                            merged_away).fetchall()}
    report = refresh(con, settings)
    stored = sorted(con.execute("SELECT * FROM fuse_entity_canon").fetchall())
    now = sorted(con.execute(CANONICAL_ENTITIES_SQL).fetchall())
    con.close()
    assert report.mode == "incremental"
    # The renamed entity, the one merged into it, and the entities that followed either.
    assert seen[0] == {renamed[0], merged_away[0]} | followers
    assert stored == now

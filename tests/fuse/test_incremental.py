"""Incremental refresh: adding, superseding and re-resolving documents gives the rows of a full refresh."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import duckdb

from dossier.fuse import FUSE_TABLES, refresh
from dossier.store import open_store


def _snapshot(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {t: sorted(con.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in FUSE_TABLES}
    finally:
        con.close()


def _full(path: Path, settings: Any) -> dict[str, list[tuple[Any, ...]]]:
    con = open_store(path)
    report = refresh(con, settings, force=True)
    con.close()
    assert report.mode == "full"
    return _snapshot(path)


def test_incremental_adding_documents_equals_full_refresh(
    fuse_store: Any, settings: Any, fuse_spec: Any, add_fixture_article: Any
) -> None:
    arts = {a["name"]: a for a in fuse_spec["articles"]}
    names = sorted(arts)
    # Two different arrival orders, in three refreshes each.
    for order in (names, names[1::2] + names[::2]):
        path = fuse_store(order[:4])
        con = open_store(path)
        assert refresh(con, settings).mode == "full"
        for batch in (order[4:8], order[8:]):
            for name in batch:
                add_fixture_article(con, arts[name], fuse_spec["entities"])
            report = refresh(con, settings)
            assert report.mode == "incremental" and report.new_documents == len(batch)
        con.close()
        incremental = _snapshot(path)
        assert incremental["fused_events"] and incremental["contradictions"] and incremental["figure_series"]
        assert incremental == _full(path, settings)


def test_incremental_touches_only_what_new_documents_reach(
    fuse_store: Any, settings: Any, fuse_spec: Any, add_fixture_article: Any
) -> None:
    arts = {a["name"]: a for a in fuse_spec["articles"]}
    path = fuse_store([n for n in arts if n != "mizzima_shoigu_2022.txt"])
    con = open_store(path)
    refresh(con, settings)
    add_fixture_article(con, arts["mizzima_shoigu_2022.txt"], fuse_spec["entities"])
    report = refresh(con, settings)
    con.close()
    # The 2022 visit shares its participants with the 2021 visit, but not its dates: alone.
    assert report.mode == "incremental" and report.events_reclustered == 1
    assert report.figures_regrouped == 0


def test_incremental_superseded_document_and_entity_merge_equal_full_refresh(
    fuse_store: Any, settings: Any, fuse_spec: Any, add_fixture_article: Any
) -> None:
    path = fuse_store()
    con = open_store(path)
    refresh(con, settings)
    # A new version of the Irrawaddy story replaces the old one (its figure says 330 now).
    old = next(a for a in fuse_spec["articles"] if a["name"] == "irrawaddy_fomin.txt")
    new = dict(old, body=old["body"].replace("328", "330"),
               figures=[dict(f, value=330, evidence=f["evidence"].replace("328", "330")) for f in old["figures"]])
    new_id = add_fixture_article(con, new, fuse_spec["entities"])
    old_id = hashlib.sha256(old["body"].encode()).hexdigest()
    con.execute("UPDATE documents SET supersedes = ?, version = 2 WHERE doc_id = ?", [old_id, new_id])
    # The resolver merges Shoigu into Fomin (wrongly, but it could): events of both re-fuse.
    con.execute("UPDATE entities SET merged_into = (SELECT entity_id FROM entities WHERE name = 'Alexander Fomin') "
                "WHERE name = 'Sergei Shoigu'")
    report = refresh(con, settings)
    con.close()
    assert report.mode == "incremental"
    incremental = _snapshot(path)
    values = [r for r in incremental["figure_series_members"] if r[6] in (328.0, 330.0)]
    assert [r[6] for r in values] == [330.0]
    assert incremental == _full(path, settings)


def test_incremental_build_no_change_is_a_no_op(fuse_store: Any, settings: Any) -> None:
    path = fuse_store()
    con = open_store(path)
    refresh(con, settings)
    again = refresh(con, settings)
    con.close()
    assert again.skipped

"""Incremental refresh: adding, superseding and re-resolving documents gives the rows of a full refresh."""

from __future__ import annotations

import hashlib
import importlib
from pathlib import Path
from typing import Any

import duckdb

from dossier.fuse import FUSE_TABLES, refresh
from dossier.store import open_store


def _snapshot(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        # The view too: its ordinals number the member rows.
        tables = (*FUSE_TABLES, "figure_series_members")
        return {t: sorted(con.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables}
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


def _copy(art: dict[str, Any], k: int) -> dict[str, Any]:
    # A near-copy (wire republication): same facts and dates, one line more, so it joins the
    # original's duplicate group, fused events and figure series.
    return dict(art, name=f"copy{k}_{art['name']}", body=art["body"] + f"\nRepublished by partner site {k}.")


def test_incremental_refresh_regroups_figure_blocks_a_run_at_a_time(
    fuse_store: Any, settings: Any, fuse_spec: Any, add_fixture_article: Any, monkeypatch: Any
) -> None:
    # A series lies inside one block, so an update holds one run of blocks at a time (it
    # held every touched block at once: 823 MiB where a first build peaked at 660, adding 100
    # documents to a 40,000-document store). New copies join series; a superseded story's
    # figures leave theirs.
    refresh_module = importlib.import_module("dossier.fuse.refresh")
    monkeypatch.setattr(refresh_module, "FIGURES_PER_REGROUP", 4)
    regroup = refresh_module._Update._regroup
    calls: list[tuple[set[str], set[str], int]] = []

    def watched(self: Any, blocks: set[str], gone: set[str], seeds: set[str]) -> int:
        n = int(regroup(self, blocks, gone, seeds))
        calls.append((set(blocks), set(gone), n))
        return n

    monkeypatch.setattr(refresh_module._Update, "_regroup", watched)
    path = fuse_store()
    con = open_store(path)
    refresh(con, settings)
    calls.clear()
    for art in fuse_spec["articles"][::2]:
        add_fixture_article(con, _copy(art, 1), fuse_spec["entities"])
    old = next(a for a in fuse_spec["articles"] if a["name"] == "irrawaddy_fomin.txt")
    new_id = add_fixture_article(con, dict(old, body=old["body"] + "\nCorrected."), fuse_spec["entities"])
    con.execute("UPDATE documents SET supersedes = ?, version = 2 WHERE doc_id = ?",
                [hashlib.sha256(old["body"].encode()).hexdigest(), new_id])
    report = refresh(con, settings)
    keys = dict(con.execute("SELECT figure_id, block FROM fuse_figure_keys").fetchall())
    con.close()
    assert report.mode == "incremental"
    assert len(calls) >= 2 and all(len(blocks) == 1 or n <= 4 for blocks, _, n in calls)
    assert sum(n for *_, n in calls) == report.figures_regrouped
    # Each run is given only its own figures that left: the superseded story's (no key row
    # now) and the re-read ones of documents whose copy group changed (same block).
    superseded = hashlib.sha256(old["body"].encode()).hexdigest()
    gone = [(blocks, f) for blocks, figs, _ in calls for f in figs]
    assert any(f.startswith(superseded) for _, f in gone)
    assert all((f in keys and keys[f] in blocks) or f.startswith(superseded) for blocks, f in gone)
    assert _snapshot(path) == _full(path, settings)


def test_incremental_copies_joining_existing_groups_equal_full_refresh(
    fuse_store: Any, settings: Any, fuse_spec: Any, add_fixture_article: Any
) -> None:
    path = fuse_store()
    con = open_store(path)
    refresh(con, settings)
    before = {t: n for t, n in (("series", "figure_series_members"), ("dyads", "dyad_events"))
              for n in [con.execute(f"SELECT count(*) FROM {n}").fetchone()[0]]}  # type: ignore[index]
    for k in (1, 2):
        for art in fuse_spec["articles"][k - 1 :: 2]:
            add_fixture_article(con, _copy(art, k), fuse_spec["entities"])
        report = refresh(con, settings)
        assert report.mode == "incremental" and report.new_documents > 0
    grown = con.execute("SELECT count(*) FROM figure_series_members").fetchone()
    con.close()
    assert grown is not None and grown[0] > before["series"]
    incremental = _snapshot(path)
    assert incremental["dyad_events"] and incremental["dyad_monthly"] and incremental["contradictions"]
    assert any(r[2] for r in incremental["doc_sources"])  # copies were recognised
    assert incremental == _full(path, settings)


def test_incremental_two_rows_changed_alike_are_not_a_no_op(fuse_store: Any, settings: Any) -> None:
    # A merge rewrites the entity id of several participants the same way; an even number of
    # such rows must still change the inputs' fingerprint.
    path = fuse_store()
    con = open_store(path)
    refresh(con, settings)
    rows = con.execute(
        "SELECT event_id, role, position FROM event_participants WHERE entity_id = (SELECT entity_id "
        "FROM event_participants GROUP BY entity_id HAVING count(*) >= 2 ORDER BY entity_id LIMIT 1) "
        "ORDER BY ALL LIMIT 2"
    ).fetchall()
    assert len(rows) == 2
    for event_id, role, position in rows:
        con.execute("UPDATE event_participants SET entity_id = 'merged-into-x' WHERE event_id = ? AND role = ? "
                    "AND position = ?", [event_id, role, position])
    again = refresh(con, settings)
    con.close()
    assert not again.skipped


def test_incremental_keeps_the_member_rows_of_events_and_series_that_new_reports_join(
    fuse_store: Any, settings: Any, fuse_spec: Any, add_fixture_article: Any, monkeypatch: Any
) -> None:
    # A fused event is named after its founding report and a series after its smallest
    # figure, so one that later reports join keeps its id, and only the joining reports'
    # member rows are written.
    refresh_module = importlib.import_module("dossier.fuse.refresh")  # not the function of that name
    arts = {a["name"]: a for a in fuse_spec["articles"]}
    names = sorted(arts)
    path = fuse_store(names[::2])
    con = open_store(path)
    refresh(con, settings)
    groups = {"fused_event_members": "fused_event_id", "figure_series_member_rows": "series_id"}
    sizes = {t: f"SELECT {g}, count(*) FROM {t} GROUP BY ALL" for t, g in groups.items()}
    before = {t: dict(con.execute(sql).fetchall()) for t, sql in sizes.items()}
    written: dict[str, list[dict[str, Any]]] = {t: [] for t in groups}
    real_insert = refresh_module._insert

    def spy(con_: Any, table: str, rows: Any) -> None:
        if table in written:
            written[table].extend(rows)
        real_insert(con_, table, rows)

    monkeypatch.setattr(refresh_module, "_insert", spy)
    new_docs = {add_fixture_article(con, arts[name], fuse_spec["entities"]) for name in names[1::2]}
    refresh(con, settings)
    after = {t: dict(con.execute(sql).fetchall()) for t, sql in sizes.items()}
    con.close()
    for table, group in groups.items():
        grown = {g for g, n in after[table].items() if n > before[table].get(g, n)}
        assert grown, table  # some stored events and series were joined by new reports
        for g in grown:
            rows = [r for r in written[table] if r[group] == g]
            assert len(rows) == after[table][g] - before[table][g], (table, g)  # the new members only
            assert {r["doc_id"] for r in rows} <= new_docs
        assert len(written[table]) < sum(after[table].values())  # not a rewrite of every member row
    assert _snapshot(path) == _full(path, settings)



def _with_batches(tmp_path: Path, size: int) -> Any:
    from dossier.settings import load_settings

    path = tmp_path / f"batch{size}.toml"
    path.write_text(f"[fuse]\nrefresh_batch_documents = {size}\n", encoding="utf-8")
    return load_settings(path)


def _state(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    from dossier.fuse.refresh import STATE_TABLES

    con = duckdb.connect(str(path), read_only=True)
    try:
        return {t: sorted(con.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in STATE_TABLES}
    finally:
        con.close()


def test_full_refresh_in_batches_equals_one_batch(
    fuse_store: Any, fuse_spec: Any, add_fixture_article: Any, tmp_path: Path
) -> None:
    # A full refresh takes the documents a batch at a time (oldest first); the batch size
    # bounds its memory and must never change a row, of the tables or of the refresh's state.
    results = []
    for size in (10**6, 3, 1):
        path = fuse_store()
        con = open_store(path)
        for art in fuse_spec["articles"][::3]:
            add_fixture_article(con, _copy(art, 1), fuse_spec["entities"])
        report = refresh(con, _with_batches(tmp_path, size), force=True)
        con.close()
        assert report.mode == "full"
        results.append((_snapshot(path), _state(path)))
    tables, _ = results[0]
    assert tables["fused_events"] and tables["contradictions"] and tables["figure_series"] and tables["dyad_monthly"]
    assert any(r[2] for r in tables["doc_sources"])  # copies were recognised
    assert results[0] == results[1] == results[2]


def test_full_refresh_holds_one_batch_of_documents(
    fuse_store: Any, fuse_spec: Any, add_fixture_article: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    # The refresh reads documents as its batches reach them (LiveDocs) instead of holding
    # every document of the store; each one it needs must be loaded with its batch's query,
    # not read on its own.
    refresh_module = importlib.import_module("dossier.fuse.refresh")
    inputs = importlib.import_module("dossier.fuse.inputs")
    made: list[Any] = []
    held: list[int] = []

    class Watched(inputs.LiveDocs):  # type: ignore[misc,name-defined]
        def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
            super().__init__(con)
            made.append(self)

        def clear(self) -> None:
            held.append(len(self))
            super().clear()

    monkeypatch.setattr(refresh_module, "LiveDocs", Watched)
    path = fuse_store()
    con = open_store(path)
    for art in fuse_spec["articles"][::2]:
        add_fixture_article(con, _copy(art, 1), fuse_spec["entities"])
    report = refresh(con, _with_batches(tmp_path, 2), force=True)
    con.close()
    (docs,) = made
    held.append(len(docs))
    assert report.documents > 15
    assert docs.single_reads == 0
    assert max(held) < report.documents, held  # never every document at once
    assert _snapshot(path) == _full(path, _with_batches(tmp_path, 10**6))


def test_series_member_rows_written_in_chunks_equal_one_insert(
    fuse_store: Any, fuse_spec: Any, add_fixture_article: Any, settings: Any, monkeypatch: Any
) -> None:
    # A full refresh writes a block's member rows a few at a time, each chunk with its
    # figures' sentences: the rows must be those of one insert, sentences included.
    refresh_module = importlib.import_module("dossier.fuse.refresh")
    path = fuse_store()
    con = open_store(path)
    for art in fuse_spec["articles"][::2]:
        add_fixture_article(con, _copy(art, 1), fuse_spec["entities"])
    con.close()
    monkeypatch.setattr(refresh_module, "MEMBER_ROWS_PER_INSERT", 2)
    chunked = _full(path, settings)
    monkeypatch.setattr(refresh_module, "MEMBER_ROWS_PER_INSERT", 10**6)
    rows = chunked["figure_series_member_rows"]
    assert len(rows) > 4
    assert all(r[-1] for r in rows)  # every member row has its sentence
    assert chunked == _full(path, settings)


def test_refresh_cut_short_is_redone_in_full(
    fuse_store: Any, settings: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    # Batches are committed one by one: a refresh that fails half-way must leave the store
    # marked as not refreshed, so that the next refresh starts over and gives the full result.
    refresh_module = importlib.import_module("dossier.fuse.refresh")
    path = fuse_store()
    expected_con = open_store(path)
    refresh(expected_con, settings)
    expected_con.close()
    expected = _snapshot(path)
    path = fuse_store()
    con = open_store(path)
    calls = []
    original = refresh_module._Update._key_figures

    def failing(self: Any, *args: Any) -> None:
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("cut short")
        original(self, *args)

    monkeypatch.setattr(refresh_module._Update, "_key_figures", failing)
    try:
        refresh(con, _with_batches(tmp_path, 2))
    except RuntimeError:
        pass
    else:
        raise AssertionError("the refresh was not cut short")
    assert con.execute("SELECT count(*) FROM fuse_state").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM fused_events").fetchone() != (0,)  # two batches were committed
    monkeypatch.undo()
    report = refresh(con, settings)
    con.close()
    assert report.mode == "full" and not report.skipped
    assert _snapshot(path) == expected

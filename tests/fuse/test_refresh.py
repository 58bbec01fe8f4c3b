"""Fusion on a real DuckDB store filled with fixture articles (tests/fixtures/fuse/articles.toml)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import pytest

from dossier.fuse import FUSE_TABLES, refresh
from dossier.store import open_store


def _q(path: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _events_with(path: Path, document: str) -> list[tuple[Any, ...]]:
    return _q(
        path,
        "SELECT fused_event_id, type, date, precision, documents, outlets, n_documents, n_sources FROM fused_events "
        "WHERE list_contains(documents, ?) ORDER BY fused_event_id",
        [document],
    )


def test_refresh_wire_copy_is_linked_and_counts_once(refreshed: Path) -> None:
    dups = _q(refreshed, "SELECT d.name, o.name, similarity FROM doc_duplicates JOIN documents d USING (doc_id) "
                         "JOIN documents o ON o.doc_id = copy_of")
    assert [(a, b) for a, b, _ in dups] == [("automirror_copy.txt", "reuters_fomin.txt")]
    assert dups[0][2] >= 0.6
    (fomin,) = [e for e in _events_with(refreshed, "reuters_fomin.txt") if e[1] == "CONSULT"]
    assert fomin[6] == 3  # Reuters, its copy, The Irrawaddy
    assert fomin[7] == 2  # the copy is not corroboration


def test_refresh_fuses_precisions_and_keeps_best_date(refreshed: Path) -> None:
    (fomin,) = [e for e in _events_with(refreshed, "irrawaddy_fomin.txt") if e[1] == "CONSULT"]
    assert fomin[2] == dt.date(2021, 3, 26) and fomin[3] == "day"  # month report joined the day report
    assert set(fomin[5]) == {"Reuters", "Daily Auto Mirror", "The Irrawaddy"}
    row = _q(refreshed, "SELECT first_reported, evidence FROM fused_events WHERE fused_event_id = ?", [fomin[0]])
    assert row[0][0] == dt.date(2021, 3, 26)  # earliest report
    assert len(row[0][1]) == 3


MUST_NOT_MERGE = [  # (document A, document B, why)
    ("xinhua_shoigu_2021.txt", "mizzima_shoigu_2022.txt", "two visits by the same minister a year apart"),
    ("tass_moscow.txt", "globalnewlight_moscow.txt", "dates 12 days apart at day precision"),
    ("tass_fomin.txt", "jfm_arms.txt", "an assertion and a denial"),
    ("efe_moscow.txt", "tass_fomin.txt", "different people visited"),
]


@pytest.mark.parametrize(("doc_a", "doc_b", "why"), MUST_NOT_MERGE)
def test_refresh_must_not_merge(refreshed: Path, doc_a: str, doc_b: str, why: str) -> None:
    shared = _q(refreshed, "SELECT count(*) FROM fused_events WHERE list_contains(documents, ?) "
                           "AND list_contains(documents, ?)", [doc_a, doc_b])
    assert shared[0][0] == 0, why


MUST_MERGE = [  # (documents that report one event, type, target)
    (["tass_moscow.txt", "efe_moscow.txt", "frontier_trip.txt"], "CONSULT", "Russia"),
    (["tass_moscow.txt", "efe_moscow.txt"], "CONSULT", "Nikolai Patrushev"),
    (["reuters_fomin.txt", "automirror_copy.txt", "irrawaddy_fomin.txt"], "CONSULT", "Min Aung Hlaing"),
]


@pytest.mark.parametrize(("docs", "etype", "target"), MUST_MERGE)
def test_refresh_must_merge(refreshed: Path, docs: list[str], etype: str, target: str) -> None:
    rows = _q(refreshed, "SELECT documents FROM fused_events WHERE type = ? AND list_contains(targets, ?) "
                         "AND list_contains(documents, ?)", [etype, target, docs[0]])
    assert len(rows) == 1
    assert sorted(rows[0][0]) == sorted(docs)


def test_refresh_undated_report_joins_only_the_unambiguous_trip(refreshed: Path) -> None:
    rows = _q(refreshed, "SELECT date FROM fused_events WHERE list_contains(documents, 'frontier_trip.txt')")
    assert rows == [(dt.date(2021, 6, 20),)]  # not the 2 July report published after it


def test_refresh_merged_entities_count_as_one(refreshed: Path) -> None:
    # The copy names "Sr. Gen. Min Aung Hlaing", merged into "Min Aung Hlaing" in entities.
    rows = _q(refreshed, "SELECT targets FROM fused_events WHERE list_contains(documents, 'automirror_copy.txt')")
    assert rows == [(["Min Aung Hlaing"],)]


def _snapshot(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    out = {}
    for table in FUSE_TABLES:
        out[table] = sorted(_q(path, f"SELECT * FROM {table}"), key=repr)
    return out


def test_refresh_same_result_in_any_document_order(fuse_store: Any, settings: Any, fuse_spec: Any) -> None:
    names = [a["name"] for a in fuse_spec["articles"]]
    snaps = []
    for order in (names, list(reversed(names)), names[1::2] + names[::2]):
        path = fuse_store(order)
        con = open_store(path)
        refresh(con, settings)
        con.close()
        snaps.append(_snapshot(path))
    assert snaps[0]["fused_events"]
    assert snaps[0] == snaps[1] == snaps[2]


def test_refresh_is_idempotent_and_skips_unchanged(fuse_store: Any, settings: Any) -> None:
    path = fuse_store()
    con = open_store(path)
    first = refresh(con, settings)
    again = refresh(con, settings)
    con.close()
    before = _snapshot(path)
    con = open_store(path)
    forced = refresh(con, settings, force=True)
    con.close()
    assert not first.skipped and again.skipped and not forced.skipped
    assert forced.fused_events == first.fused_events
    assert _snapshot(path) == before


def test_refresh_new_document_updates_tables(
    fuse_store: Any, settings: Any, fuse_spec: Any, add_fixture_article: Any
) -> None:
    spec = fuse_spec
    names = [a["name"] for a in spec["articles"]]
    path = fuse_store([n for n in names if n != "irrawaddy_fomin.txt"])
    con = open_store(path)
    refresh(con, settings)
    art = next(a for a in spec["articles"] if a["name"] == "irrawaddy_fomin.txt")
    add_fixture_article(con, art, spec["entities"])
    report = refresh(con, settings)
    con.close()
    assert not report.skipped and report.hashed == 1  # only the new body is hashed
    assert len(_events_with(path, "irrawaddy_fomin.txt")) == 1
    assert _q(path, "SELECT count(*) FROM contradictions WHERE kind = 'figure_value'")[0][0] == 1


def test_refresh_series_rise_and_go_backwards(refreshed: Path) -> None:
    series = dict(_q(refreshed, "SELECT category, trend FROM figure_series"))
    assert series == {"killed": "rising", "arrested": "mixed"}
    killed = _q(refreshed, "SELECT value, document FROM figure_series_members JOIN figure_series USING (series_id) "
                           "WHERE category = 'killed' ORDER BY ordinal")
    assert [v for v, _ in killed] == [320, 320, 328, 883, 5280]
    assert "aljazeera_toll.txt" in {d for _, d in killed}
    back = _q(refreshed, "SELECT value FROM figure_series_members WHERE backwards")
    assert back == [(4800.0,)]
    # The earthquake toll (other subject) stays out of the crackdown series.
    assert _q(refreshed, "SELECT count(*) FROM figure_series_members WHERE value = 12")[0][0] == 0


CONTRADICTIONS = [  # kind, a outlet, b outlet
    ("figure_value", "Reuters", "The Irrawaddy"),
    ("event_negation", "Justice for Myanmar", "TASS"),
    ("event_date", "TASS", "Global New Light of Myanmar"),
]


@pytest.mark.parametrize(("kind", "a_outlet", "b_outlet"), CONTRADICTIONS)
def test_refresh_contradictions_have_both_sides(refreshed: Path, kind: str, a_outlet: str, b_outlet: str) -> None:
    rows = _q(refreshed, "SELECT a_outlets, b_outlets, a_evidence, b_evidence FROM contradictions WHERE kind = ?",
              [kind])
    assert len(rows) == 1
    a_out, b_out, a_ev, b_ev = rows[0]
    assert a_outlet in a_out and b_outlet in b_out
    assert a_ev and b_ev and a_ev != b_ev


def test_refresh_wire_copy_is_not_a_contradiction(fuse_store: Any, settings: Any) -> None:
    path = fuse_store(["reuters_fomin.txt", "automirror_copy.txt"])
    con = open_store(path)
    refresh(con, settings)
    con.close()
    assert _q(path, "SELECT count(*) FROM contradictions")[0][0] == 0


def test_refresh_dyad_months_and_scores(refreshed: Path) -> None:
    rows = _q(refreshed, "SELECT month, n_events, n_cooperation, n_conflict, score FROM dyad_trend "
                         "WHERE level = 'country' AND actor = 'RUS' AND target = 'MMR' ORDER BY month")
    months = [r[0] for r in rows]
    assert months == [dt.date(2021, 1, 1), dt.date(2021, 3, 1), dt.date(2022, 1, 1)]
    assert rows[1][1] == 2 and rows[1][4] == pytest.approx(1.9 + 8.3)
    # The year-precision and negated events are not placed in a month.
    assert _q(refreshed, "SELECT count(*) FROM dyad_events d JOIN fused_events f USING (fused_event_id) "
                         "WHERE f.negated OR f.precision NOT IN ('day', 'month')")[0][0] == 0


def test_refresh_upgrades_a_store_with_the_old_series_member_table(fuse_store: Any, settings: Any) -> None:
    # Before fuse.v3, figure_series_members was a table with stored ordinals.
    path = fuse_store()
    con = open_store(path)
    refresh(con, settings)
    expected = con.execute("SELECT * FROM figure_series_members ORDER BY series_id, ordinal").fetchall()
    con.execute("CREATE TABLE old_rows AS SELECT * FROM figure_series_members")
    con.execute("DROP VIEW figure_series_members")
    con.execute("ALTER TABLE old_rows RENAME TO figure_series_members")
    con.execute("UPDATE fuse_state SET config = 'fuse.v2 settings'")
    report = refresh(con, settings)
    kind = con.execute("SELECT table_type FROM information_schema.tables "
                       "WHERE table_name = 'figure_series_members'").fetchone()
    rows = con.execute("SELECT * FROM figure_series_members ORDER BY series_id, ordinal").fetchall()
    con.close()
    assert report.mode == "full"
    assert kind == ("VIEW",)
    assert rows == expected and rows


def test_refresh_commits_signatures_a_batch_at_a_time(
    fuse_store: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first refresh's signatures are committed batch by batch, not held in one transaction."""
    import importlib

    from dossier.fuse import duplicates

    module = importlib.import_module("dossier.fuse.refresh")
    con = open_store(fuse_store())
    other = con.cursor()  # sees committed rows only
    committed: list[int] = []

    def small_batches(con: duckdb.DuckDBPyConnection, config: Any, *, after_batch: Any = None) -> int:
        def count_then_commit() -> None:
            assert after_batch is not None
            after_batch()
            committed.append(other.execute("SELECT count(*) FROM doc_signatures").fetchone()[0])  # type: ignore[index]

        return duplicates.update_signatures(con, config, batch=2, after_batch=count_then_commit)

    monkeypatch.setattr(module, "update_signatures", small_batches)
    try:
        refresh(con, settings)
        n = con.execute("SELECT count(*) FROM documents WHERE status = 'ok'").fetchone()[0]  # type: ignore[index]
    finally:
        con.close()
    assert n > 4
    assert committed == [min(n, 2 * (i + 1)) for i in range((n + 1) // 2)]

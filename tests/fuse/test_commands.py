"""The cross-source commands on a real store: output fields, errors, chart, SQL guard, FtM export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from followthemoney import model
from typer.testing import CliRunner

from dossier.cli import app

runner = CliRunner()


def test_fuse_events_jsonl_has_every_field(refreshed: Path) -> None:
    result = runner.invoke(app, ["events", "--db", str(refreshed), "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert len(rows) == 9
    for key in ("type", "mode", "actors", "targets", "date", "precision", "place", "negated", "documents",
                "outlets", "evidence", "fused_event_id"):
        assert all(key in r for r in rows), key
    fomin = next(r for r in rows if r["actors"] == ["Alexander Fomin"] and r["precision"] == "day")
    assert fomin["date"] == "2021-03-26" and fomin["place"] == "Naypyitaw"
    assert sorted(fomin["documents"]) == ["automirror_copy.txt", "irrawaddy_fomin.txt", "reuters_fomin.txt"]


def test_fuse_timeline_orders_by_date_and_filters(refreshed: Path) -> None:
    result = runner.invoke(app, ["timeline", "--db", str(refreshed), "--actor", "Sergei Shoigu", "-f", "jsonl"])
    assert result.exit_code == 0, result.output
    dates = [json.loads(line)["date"] for line in result.output.splitlines()]
    assert dates == ["2021-01-21", "2022-01-20"]
    since = runner.invoke(app, ["timeline", "--db", str(refreshed), "--actor", "shoigu", "--since", "2021-06"])
    assert since.exit_code == 0 and "2022-01-20 (day)" in since.output and "2021-01-21" not in since.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["timeline", "--actor", "Nobody Atall"], "actor 'Nobody Atall': no such participant"),
        (["timeline", "--since", "last year"], "--since 'last year': not a date"),
        (["sql", "DROP TABLE events"], "only read-only queries (SELECT or WITH) are allowed, got DROP"),
        (["sql", "WITH x AS (SELECT 1) INSERT INTO events SELECT * FROM events"], "only read-only queries"),
        (["sql", "SELECT 1; DELETE FROM events"], "exactly one statement"),
        (["sql", "SELECT nope FROM fused_events"], "sql: Binder Error"),
    ],
)
def test_fuse_commands_refuse_with_a_clear_error(refreshed: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, [*args[:1], "--db", str(refreshed), *args[1:]])
    assert result.exit_code == 1
    assert message in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_fuse_sql_reads_views(refreshed: Path) -> None:
    result = runner.invoke(app, ["sql", "--db", str(refreshed), "-f", "jsonl",
                                 "SELECT actor, target, sum(n_events) AS n FROM dyad_trend WHERE level = 'country' "
                                 "GROUP BY ALL ORDER BY n DESC"])
    assert result.exit_code == 0, result.output
    top = json.loads(result.output.splitlines()[0])
    assert (top["actor"], top["target"]) == ("RUS", "MMR")


def test_fuse_commands_on_a_store_never_fused(tmp_path: Path) -> None:
    from dossier.store import open_store

    db = tmp_path / "empty.duckdb"
    open_store(db).close()
    result = runner.invoke(app, ["events", "--db", str(db)])
    assert result.exit_code == 1
    assert "no fused tables yet; run `dossier build INPUT" in " ".join(result.output.split())


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_fuse_dyad_prints_months_and_draws_chart(refreshed: Path, tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"dyad{suffix}"
    result = runner.invoke(app, ["dyad", "RUS", "MMR", "--db", str(refreshed), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "2021-03" in result.output and "+10.2" in result.output
    head = out.read_bytes()[:200]
    assert head.startswith(b"\x89PNG") if suffix == ".png" else b"<svg" in head or b"<?xml" in head


def test_fuse_figures_series_flags_backwards(refreshed: Path) -> None:
    result = runner.invoke(app, ["figures", "--db", str(refreshed), "--series"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "GOES BACKWARDS" in text and "↓ backwards" in text and "rising" in text


def test_fuse_contradictions_jsonl_both_sides(refreshed: Path) -> None:
    result = runner.invoke(app, ["contradictions", "--db", str(refreshed), "-f", "jsonl"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert {r["kind"] for r in rows} == {"figure_value", "event_negation", "event_date"}
    assert all(r["a_evidence"] and r["b_evidence"] and r["a_outlets"] and r["b_outlets"] for r in rows)


def test_fuse_ftm_export_validates_with_followthemoney(refreshed: Path, tmp_path: Path) -> None:
    out = tmp_path / "ftm.jsonl"
    result = runner.invoke(app, ["ftm", "--db", str(refreshed), "--out", str(out)])
    assert result.exit_code == 0, result.output
    entities = [json.loads(line) for line in out.read_text().splitlines()]
    ids = {e["id"] for e in entities}
    for e in entities:
        proxy = model.get_proxy(e)  # raises on an unknown schema or property
        proxy.schema.validate(e)
    links = [e for e in entities if e["schema"] == "UnknownLink"]
    assert links and all(set(link["properties"]["subject"]) <= ids for link in links)
    assert all(set(link["properties"]["object"]) <= ids for link in links)
    events = [e for e in entities if e["schema"] == "Event"]
    assert all(set(e["properties"].get("involved", [])) <= ids for e in events)
    assert sum(1 for e in events if e["properties"].get("involved")) >= 8
    people = {e["properties"]["name"][0] for e in entities if e["schema"] == "Person"}
    assert "Min Aung Hlaing" in people and "Sr. Gen. Min Aung Hlaing" not in people  # merged away

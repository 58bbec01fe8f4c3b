"""Cross-document canonical entities in a real DuckDB store."""

from __future__ import annotations

from dataclasses import asdict

import pytest
from typer.testing import CliRunner

from dossier.clean.records import CleanArticle, OffsetMap, PublishedDate
from dossier.resolve import canonicalize_pending
from dossier.resolve.canonical import Base, base_key, entity_id_for, link  # noqa: F401
from dossier.resolve.listing import list_entities, unmerge
from dossier.store.connection import open_store

ARTICLES = {
    "a.txt": "Russia's deputy defence minister, Aleksandr Fomin, met Myanmar's junta chief in Naypyitaw on Friday. "
             "The Arakan Liberation Party said the visit legitimised the regime.",
    "b.txt": "Alexander Fomin, Russia's deputy defence minister, told TASS the ALP had no role. Fomin also met "
             "officials in Naypyidaw.",
    "c.txt": "Political analyst Soe Win, a Yangon-based writer from Myanmar, said the talks failed.",
    "d.txt": "Police in Yangon arrested the activist Soe Min on Tuesday, Myanmar media said.",
}


def _rows(parser, names):  # type: ignore[no-untyped-def]
    arts = [CleanArticle(n, n, n, ARTICLES[n], "text", ARTICLES[n], OffsetMap(),
                         PublishedDate("2021-03-26", "day", "t")) for n in names]
    rows = []
    for art, parsed in zip(arts, parser.parse(arts), strict=True):
        for e in parsed.entities:
            d = asdict(e)
            rows.append([f"{art.doc_id}:{e.key}", art.doc_id, e.key, d["name"], d["type"], d["country"],
                         d["sector"], list(d["aliases"]), list(d["roles"]), d["dictionary_id"]])
    return rows


def _insert(con, rows) -> None:  # type: ignore[no-untyped-def]
    con.executemany(
        "INSERT INTO doc_entities (doc_entity_id, doc_id, key, name, type, country, sector, aliases, roles, "
        "dictionary_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    for doc_id in sorted({r[1] for r in rows}):
        con.execute("INSERT INTO documents (doc_id, source, name, status) SELECT ?, ?, ?, 'ok' "
                    "WHERE NOT EXISTS (SELECT 1 FROM documents WHERE doc_id = ?)", [doc_id] * 4)


def _canonical_of(con, doc_id: str, alias: str) -> str:  # type: ignore[no-untyped-def]
    row = con.execute("SELECT entity_id FROM doc_entities WHERE doc_id = ? AND list_contains(aliases, ?)",
                      [doc_id, alias]).fetchone()
    assert row is not None, f"{alias} not in {doc_id}"
    return str(row[0])


@pytest.fixture
def store(tmp_path, parser_empty, settings):  # type: ignore[no-untyped-def]
    con = open_store(tmp_path / "resolve.duckdb")
    _insert(con, _rows(parser_empty, sorted(ARTICLES)))
    assert canonicalize_pending(con, settings) > 0
    yield con
    con.close()


def test_canonical_spelling_variants_become_one_person(store):
    assert _canonical_of(store, "a.txt", "Aleksandr Fomin") == _canonical_of(store, "b.txt", "Alexander Fomin")
    reason = store.execute("SELECT reason FROM entity_merges WHERE NOT undone AND reason = 'spelling'").fetchall()
    assert reason


def test_canonical_transliterated_city_and_abbreviation_merge(store):
    assert _canonical_of(store, "a.txt", "Naypyitaw") == _canonical_of(store, "b.txt", "Naypyidaw")
    assert _canonical_of(store, "a.txt", "Arakan Liberation Party") == _canonical_of(store, "b.txt", "ALP")


def test_canonical_similar_names_stay_apart(store):
    assert _canonical_of(store, "c.txt", "Soe Win") != _canonical_of(store, "d.txt", "Soe Min")


def test_canonical_same_rows_whatever_the_batch_order(tmp_path, parser_empty, settings):
    dumps = []
    for n, order in enumerate([sorted(ARTICLES), sorted(ARTICLES, reverse=True)]):
        con = open_store(tmp_path / f"order{n}.duckdb")
        for name in order:  # one document per batch
            _insert(con, _rows(parser_empty, [name]))
            canonicalize_pending(con, settings)
        dumps.append((
            con.execute("SELECT doc_entity_id, entity_id FROM doc_entities ORDER BY 1").fetchall(),
            con.execute("SELECT entity_id, name, type, country, merged_into FROM entities ORDER BY 1").fetchall(),
            con.execute("SELECT merge_id, from_id, into_id, reason, score FROM entity_merges ORDER BY 1").fetchall(),
            con.execute("SELECT * FROM entity_aliases ORDER BY ALL").fetchall(),
        ))
        con.close()
    assert dumps[0] == dumps[1]


def test_canonical_unmerge_separates_and_stays_separate(store, settings):
    merge_id, from_id, _into_id = store.execute(
        "SELECT merge_id, from_id, into_id FROM entity_merges WHERE reason = 'spelling' AND NOT undone "
        "ORDER BY merge_id LIMIT 1").fetchone()
    got = unmerge(store, merge_id, settings)
    assert got["from_id"] == from_id
    assert store.execute("SELECT merged_into FROM entities WHERE entity_id = ?", [from_id]).fetchone() == (None,)
    # a later batch recomputes but honours the undo
    store.execute("UPDATE doc_entities SET entity_id = NULL WHERE doc_id = 'b.txt'")
    canonicalize_pending(store, settings)
    assert store.execute("SELECT merged_into FROM entities WHERE entity_id = ?", [from_id]).fetchone() == (None,)


def test_canonical_list_and_cli(store, tmp_path):
    rows = list_entities(store, "fomin")
    assert len(rows) == 1
    assert {"Aleksandr Fomin", "Alexander Fomin"} <= set(rows[0]["aliases"])
    assert rows[0]["documents"] == ["a.txt", "b.txt"]
    store.execute("CHECKPOINT")
    from dossier.cli import app

    db = store.execute("SELECT path FROM duckdb_databases() WHERE NOT internal").fetchone()[0]
    store.close()
    result = CliRunner().invoke(app, ["entities", "--db", db, "--query", "Fomin", "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    assert "Alexander Fomin" in result.output and "RUS" in result.output
    bad = CliRunner().invoke(app, ["entities", "--db", db, "--unmerge", "mrg_nope"])
    assert bad.exit_code == 1
    assert "mrg_nope: no such merge" in bad.output
    before = CliRunner().invoke(app, ["entities", "--db", db, "--format", "jsonl"]).output
    rebuilt = CliRunner().invoke(app, ["entities", "--db", db, "--rebuild"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "rebuilt canonical entities:" in rebuilt.output
    assert CliRunner().invoke(app, ["entities", "--db", db, "--format", "jsonl"]).output == before


def test_canonical_link_rules():
    def base(name: str, country: str | None, group: str = "PERSON") -> Base:
        b = Base(entity_id_for(name), name, group)
        b.names[name] += 1
        if country:
            b.countries[country] += 1
        return b

    assert link(base("Kim Jong Un", "PRK"), base("Kim Jong Il", "PRK"), 85) is None
    assert link(base("Volodymyr Zelensky", "UKR"), base("Volodymyr Zelenskyy", "UKR"), 85) is not None
    assert link(base("Alexander Fomin", "RUS"), base("Alexander Fomin", "UKR"), 85) is None
    nug = link(base("NUG", "MMR", "ORG"), base("National Unity Government", "MMR", "ORG"), 85)
    assert nug == ("abbreviation", 100.0)

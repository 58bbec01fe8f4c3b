"""Store writer: rows, evidence links, idempotency, versions, failures, learnt site lines."""

from __future__ import annotations

import dataclasses
import hashlib
import pickle
from pathlib import Path

import duckdb
import pytest

from dossier.clean.records import CleanArticle, OffsetMap, PublishedDate
from dossier.extract.records import ArticleExtraction, Event, Evidence, Figure, Participant, Quote
from dossier.ingest.records import InputFailure
from dossier.nlp.records import Entity, Mention, TimeExpression
from dossier.store import open_store
from dossier.store.rows import ITEM, evidence_id, prepare_batch
from dossier.store.writer import DocMeta, load_site_lines, write_batch, write_prepared

RAW = (
    "Menu | World | Sport\n"
    "Rescuers reach flooded villages\n"
    "Army engineers reached three flooded villages in Sindh province on Monday, officials said. "
    "At least 42 people have died since the rains began, the disaster agency said.\n"
    '"We need boats more than anything," said district chief Amna Baloch.\n'
)
BODY_START = RAW.index("Rescuers")
BODY = RAW[BODY_START:].rstrip("\n")


def span(doc_id: str, text: str, body: str = BODY) -> Evidence:
    b = body.index(text)
    return Evidence(doc_id, BODY_START + b, BODY_START + b + len(text), b, b + len(text), text)


def extraction(raw: str = RAW, source: str = "/corpus/flood.txt",
               title: str = "Rescuers reach flooded villages") -> ArticleExtraction:
    doc_id = hashlib.sha256(raw.encode()).hexdigest()
    body = raw[raw.index("Rescuers"):].rstrip("\n")
    offsets = OffsetMap(((0, raw.index("Rescuers"), len(body)),))
    article = CleanArticle(
        doc_id=doc_id, name=Path(source).name, source=source, raw=raw, media_type="text", body=body,
        offsets=offsets, published=PublishedDate("2022-08-29", "day", "dateline"),
        title=title,
        outlet="Indus Herald", authors=("Staff",), boilerplate=("Menu | World | Sport",), language="en",
        hints={"title": "Rescuers reach flooded villages"},
    )
    sentence = "Army engineers reached three flooded villages in Sindh province on Monday, officials said."
    sind, amna = "Sindh province", "Amna Baloch"
    entities = (
        Entity("e0", "Sindh", "GPE", "PAK", None, ("Sindh",), ()),
        Entity("e1", "Amna Baloch", "PERSON", "PAK", "GOV", ("Amna Baloch",), ("district chief",)),
    )
    s_at = body.index(sind)
    a_at = body.index(amna)
    mentions = (Mention("e0", s_at, s_at + 5, "Sindh", "name"), Mention("e1", a_at, a_at + len(amna), amna, "name"))
    m_at = body.index("on Monday")
    timexes = (TimeExpression(m_at, m_at + 9, "on Monday", "2022-08-29", "day", "weekday-before-anchor"),)
    event = Event(
        "AID", "humanitarian", (Participant("army engineers", None),), (Participant("Sindh", "e0"),), "2022-08-29",
        "day", "Sindh province", False, "officials", (span(doc_id, sentence, body),), "reached", "reach/nsubj-dobj",
        "weekday",
    )
    toll = next(s for s in body.split("\n")[1].split(". ") if s.startswith("At least"))
    value = int(toll.split()[2])
    figure = Figure(value, "at least", None, "killed", "people", "the disaster agency", "2022-08-29", "day",
                    span(doc_id, toll, body), str(value))
    words = "We need boats more than anything,"
    quote = Quote(Participant(amna, "e1"), None, "request", words, True, span(doc_id, words, body))
    return ArticleExtraction(article, entities, mentions, timexes, (event,), (figure,), (quote,))


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    c = open_store(tmp_path / "store.duckdb")
    yield c
    c.close()


def counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    tables = ["documents", "failures", "evidence", "doc_entities", "mentions", "timexes", "events",
              "event_participants", "event_evidence", "figures", "quotes"]
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}  # type: ignore[index]


def test_writer_stores_every_fact_with_its_evidence(con: duckdb.DuckDBPyConnection) -> None:
    ex = extraction()
    stats = write_batch(con, [ex], meta={ex.article.doc_id: DocMeta("text", "utf-8", len(RAW.encode()))})
    assert (stats.ok, stats.entities, stats.events, stats.figures, stats.quotes) == (1, 2, 1, 1, 1)
    assert counts(con) == {"documents": 1, "failures": 0, "evidence": 6, "doc_entities": 2, "mentions": 2,
                           "timexes": 1, "events": 1, "event_participants": 2, "event_evidence": 1, "figures": 1,
                           "quotes": 1}
    doc = con.execute(
        "SELECT status, version, supersedes, encoding, byte_size, title, outlet, authors, published_date::VARCHAR, "
        "published_precision, boilerplate, hints, raw = ?, body = ? FROM documents"
    , [RAW, ex.article.body]).fetchone()
    assert doc == ("ok", 1, None, "utf-8", len(RAW.encode()), "Rescuers reach flooded villages", "Indus Herald",
                   ["Staff"], "2022-08-29", "day", ["Menu | World | Sport"],
                   '{"title": "Rescuers reach flooded villages"}', True, True)
    # Every fact row points at an evidence row whose raw span is the verbatim text.
    for table in ("events", "figures", "quotes", "mentions", "timexes"):
        rows = con.execute(
            f"SELECT e.start, e.\"end\", e.text FROM {table} f JOIN evidence e USING (evidence_id)"
        ).fetchall()
        assert rows, table
        for start, end, text in rows:
            assert RAW[start:end] == text
    dangling = con.execute(
        "SELECT count(*) FROM (SELECT evidence_id FROM events UNION ALL SELECT evidence_id FROM figures "
        "UNION ALL SELECT evidence_id FROM quotes UNION ALL SELECT evidence_id FROM mentions "
        "UNION ALL SELECT evidence_id FROM event_evidence) f ANTI JOIN evidence USING (evidence_id)"
    ).fetchone()
    assert dangling == (0,)
    doc_id = ex.article.doc_id
    assert con.execute("SELECT event_id FROM events").fetchone() == (f"{doc_id}:ev0",)
    assert con.execute("SELECT figure_id, value, qualifier FROM figures").fetchone() == (f"{doc_id}:fig0", 42.0,
                                                                                         "at least")
    assert con.execute("SELECT quote_id, speaker_doc_entity_id FROM quotes").fetchone() == (f"{doc_id}:q0",
                                                                                            f"{doc_id}:e1")
    assert con.execute(
        "SELECT role, name, doc_entity_id FROM event_participants ORDER BY role"
    ).fetchall() == [("actor", "army engineers", None), ("target", "Sindh", f"{doc_id}:e0")]
    ev = ex.events[0].evidence[0]
    assert con.execute("SELECT evidence_id FROM events").fetchone() == (
        evidence_id(doc_id, ev.start, ev.end, ev.body_start, ev.body_end),)


def test_writer_is_idempotent(con: duckdb.DuckDBPyConnection) -> None:
    ex = extraction()
    write_batch(con, [ex, ex])  # twice in one batch
    before = counts(con)
    stats = write_batch(con, [ex])  # and again in a later batch
    assert stats.ok == 0 and stats.already_stored == 1
    assert counts(con) == before
    assert before["documents"] == 1


def test_writer_changed_source_is_a_new_version_and_the_old_is_kept(con: duckdb.DuckDBPyConnection) -> None:
    old = extraction()
    new = extraction(RAW.replace("At least 42", "At least 57"))
    write_batch(con, [old])
    stats = write_batch(con, [new])
    assert stats.new_versions == 1
    rows = con.execute("SELECT doc_id, version, supersedes FROM documents ORDER BY version").fetchall()
    assert rows == [(old.article.doc_id, 1, None), (new.article.doc_id, 2, old.article.doc_id)]
    assert con.execute("SELECT doc_id FROM current_documents").fetchall() == [(new.article.doc_id,)]
    assert sorted(v for (v,) in con.execute("SELECT value FROM figures").fetchall()) == [42.0, 57.0]


def test_writer_records_failures_in_both_tables(con: duckdb.DuckDBPyConnection) -> None:
    failed = InputFailure("/corpus/empty.txt", "empty.txt", "e3b0", "ingest", "EmptyInput",
                          "corpus/empty.txt: empty file (0 bytes); remove it or export the article again", "failed", 0)
    skipped = InputFailure("/corpus/es.txt", "es.txt", "abcd", "clean", "SkippedInput",
                           "es.txt: written in Spanish (es), not English; skipped", "skipped")
    stats = write_batch(con, [failed, skipped], meta={"abcd": DocMeta("text", "utf-8", 120, raw="Hola")})
    assert (stats.failed, stats.skipped) == (1, 1)
    assert con.execute(
        "SELECT name, status, stage, error_class, byte_size, raw FROM documents ORDER BY name"
    ).fetchall() == [("empty.txt", "failed", "ingest", "EmptyInput", 0, None),
                     ("es.txt", "skipped", "clean", "SkippedInput", 120, "Hola")]
    assert con.execute("SELECT name, status, message FROM failures ORDER BY name").fetchall() == [
        ("empty.txt", "failed", failed.message), ("es.txt", "skipped", skipped.message)]


def test_writer_drops_a_fact_whose_evidence_is_not_in_the_body(con: duckdb.DuckDBPyConnection) -> None:
    ex = extraction()
    bad = Evidence(ex.article.doc_id, 0, 10, 0, 10, "invented!!")
    fig = ex.figures[0]
    invented = Figure(99, None, None, "killed", "people", None, None, "unknown", bad, "99")
    ex = ArticleExtraction(ex.article, ex.entities, ex.mentions, ex.timexes, ex.events, (fig, invented), ex.quotes)
    stats = write_batch(con, [ex])
    assert stats.figures == 1
    assert con.execute("SELECT value FROM figures").fetchall() == [(42.0,)]


def _menu_and_id_lines(article: CleanArticle) -> tuple[str | None, frozenset[str]]:
    lines = frozenset(line.strip().lower() for line in article.raw.splitlines()[:2])
    return "indusherald.example", lines | {article.doc_id[:6]}


def test_writer_counts_site_lines_and_loads_those_seen_often(con: duckdb.DuckDBPyConnection) -> None:
    for i in range(3):
        write_batch(con, [extraction(RAW + f"Updated {i}.\n", source=f"/corpus/f{i}.txt", title=f"Story {i}")],
                    site_lines=_menu_and_id_lines)
    assert con.execute("SELECT doc_count FROM site_lines WHERE line_norm = 'menu | world | sport'").fetchone() == (3,)
    learnt = load_site_lines(con, 3)["indusherald.example"]
    assert "menu | world | sport" in learnt and "rescuers reach flooded villages" in learnt
    assert len(learnt) == 2
    assert len(load_site_lines(con, 1)["indusherald.example"]) == 5


def test_writer_versions_of_one_story_never_teach_its_own_lines(con: duckdb.DuckDBPyConnection) -> None:
    # Five reposts of one article (same title): its lines are in five documents but one story.
    for i in range(5):
        write_batch(con, [extraction(RAW + f"Updated {i}.\n", source=f"/corpus/v{i}.txt")],
                    site_lines=_menu_and_id_lines)
    assert con.execute("SELECT doc_count FROM site_lines WHERE line_norm = 'menu | world | sport'").fetchone() == (5,)
    assert load_site_lines(con, 3) == {}
    write_batch(con, [extraction(RAW + "Other.\n", source="/corpus/o1.txt", title="Second story"),
                      extraction(RAW + "Third.\n", source="/corpus/o2.txt", title="Third story")],
                site_lines=_menu_and_id_lines)
    assert "menu | world | sport" in load_site_lines(con, 3)["indusherald.example"]


def test_writer_keeps_a_fact_whose_raw_span_falls_in_an_offset_gap(con: duckdb.DuckDBPyConnection) -> None:
    ex = extraction()
    fig = ex.figures[0]
    ev = fig.evidence
    # What OffsetMap.to_raw gives for body text between two segments: start after end.
    gap = Evidence(ev.doc_id, ev.end, ev.start, ev.body_start, ev.body_end, ev.text)
    moved = Figure(fig.value, fig.qualifier, fig.unit, fig.category, fig.subject, fig.source, fig.as_of,
                   fig.as_of_precision, gap, fig.surface)
    ex = ArticleExtraction(ex.article, ex.entities, ex.mentions, ex.timexes, ex.events, (moved,), ex.quotes)
    assert write_batch(con, [ex]).figures == 1
    assert con.execute(
        "SELECT e.start, e.\"end\" FROM figures JOIN evidence e USING (evidence_id)").fetchone() == (ev.start, ev.end)


def test_writer_stores_prepared_batches_once_each_in_input_order(con: duckdb.DuckDBPyConnection) -> None:
    # What a worker returns crosses a process boundary: pickled, as the pool and Dask send it.
    a = extraction()
    b = extraction(RAW + "Later.\n", source="/corpus/later.txt", title="Later story")
    b = dataclasses.replace(b, article=dataclasses.replace(b.article, hints={}, url=None))
    bad = InputFailure("/corpus/es.txt", "es.txt", "abcd", "clean", "SkippedInput", "es.txt: Spanish; skipped",
                       "skipped")
    first = pickle.loads(pickle.dumps(prepare_batch([a, bad], site_lines=_menu_and_id_lines)))
    second = pickle.loads(pickle.dumps(prepare_batch([b, a], site_lines=_menu_and_id_lines)))  # `a` again
    assert first.tables["events"][ITEM].to_pylist() == [0]
    meta = {b.article.doc_id: DocMeta("text", "latin-1", 99, url="https://example.org/later", hints={"k": "v"}),
            "abcd": DocMeta("text", "utf-8", 4, raw="Hola")}
    stats = write_prepared(con, [first, second], meta=meta)
    assert (stats.ok, stats.skipped, stats.already_stored, stats.events) == (2, 1, 1, 2)
    assert con.execute("SELECT doc_id, status, encoding, byte_size, url, hints, raw IS NOT NULL FROM documents "
                       "ORDER BY rowid").fetchall() == [
        (a.article.doc_id, "ok", None, None, None, '{"title": "Rescuers reach flooded villages"}', True),
        ("abcd", "skipped", "utf-8", 4, None, None, True),
        (b.article.doc_id, "ok", "latin-1", 99, "https://example.org/later", '{"k": "v"}', True)]
    assert counts(con) | {"documents": 0, "failures": 0} == {
        "documents": 0, "failures": 0, "evidence": 12, "doc_entities": 4, "mentions": 4, "timexes": 2, "events": 2,
        "event_participants": 4, "event_evidence": 2, "figures": 2, "quotes": 2}
    # The repeated document's lines are counted once: two documents, one line each.
    assert con.execute("SELECT doc_count FROM site_lines WHERE line_norm = 'menu | world | sport'").fetchone() == (2,)

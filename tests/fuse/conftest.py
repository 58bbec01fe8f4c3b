"""A real DuckDB store filled with the rows the per-article stages would write.

`build_store(path, articles=None)` inserts the articles of tests/fixtures/fuse/articles.toml
(or a chosen subset, in a chosen order) into a fresh store and returns its path.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tomllib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from dossier.store import open_store

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "fuse" / "articles.toml"


def load_spec() -> dict[str, Any]:
    with FIXTURE.open("rb") as fh:
        return tomllib.load(fh)


def _entity_id(name: str, etype: str) -> str:
    return "ent_" + hashlib.sha1(f"{etype}|{name}".encode()).hexdigest()[:16]


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def build_store(path: Path, names: Sequence[str] | None = None, *, spec: dict[str, Any] | None = None) -> Path:
    """Write the chosen fixture articles (all by default, in the given order) into a store at `path`."""
    spec = spec or load_spec()
    articles = {a["name"]: a for a in spec["articles"]}
    chosen = [articles[n] for n in names] if names is not None else spec["articles"]
    con = open_store(path)
    ents = spec["entities"]
    for name, e in sorted(ents.items()):
        merged = _entity_id(e["merged_into"], ents[e["merged_into"]]["type"]) if "merged_into" in e else None
        con.execute(
            "INSERT INTO entities (entity_id, name, type, country, merged_into) SELECT ?, ?, ?, ?, ? "
            "WHERE NOT EXISTS (SELECT 1 FROM entities WHERE name = ?)",
            [_entity_id(name, e["type"]), name, e["type"], e.get("country"), merged, name],
        )
    for art in chosen:
        add_article(con, art, ents)
    con.close()
    return path


def add_article(con: Any, art: dict[str, Any], ents: dict[str, Any]) -> str:
    body = art["body"]
    doc_id = hashlib.sha256(body.encode()).hexdigest()
    con.execute(
        "INSERT INTO documents (doc_id, source, name, status, raw, body, title, outlet, published_date, "
        "published_precision) VALUES (?, ?, ?, 'ok', ?, ?, ?, ?, ?, ?)",
        [doc_id, f"/corpus/{art['name']}", art["name"], body, body, body.split("\n")[0][:80], art["outlet"],
         _date(art.get("published")), "day" if art.get("published") else "unknown"],
    )

    def evidence(text: str, tag: str) -> str:
        start = body.index(text)  # a fixture whose evidence is not verbatim fails here
        ev_id = f"{doc_id}:{tag}"
        con.execute(
            'INSERT INTO evidence (evidence_id, doc_id, start, "end", body_start, body_end, text) '
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [ev_id, doc_id, start, start + len(text), start, start + len(text), text],
        )
        return ev_id

    for i, ev in enumerate(art.get("events", [])):
        event_id = f"{doc_id}:ev{i}"
        ev_id = evidence(ev["evidence"], f"e{i}")
        con.execute(
            "INSERT INTO events (event_id, doc_id, type, mode, date, precision, place, negated, source, trigger, "
            "pattern, date_rule, evidence_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'fixture', 'fixture', 'fixture', ?)",
            [event_id, doc_id, ev["type"], ev.get("mode"), _date(ev.get("date")), ev["precision"], ev.get("place"),
             bool(ev.get("negated", False)), ev.get("source"), ev_id],
        )
        con.execute("INSERT INTO event_evidence VALUES (?, 0, ?)", [event_id, ev_id])
        for role in ("actors", "targets"):
            for pos, name in enumerate(ev.get(role, [])):
                ent = ents.get(name)
                entity_id = _entity_id(name, ent["type"]) if ent else None
                con.execute(
                    "INSERT INTO event_participants VALUES (?, ?, ?, ?, ?, ?)",
                    [event_id, role[:-1], pos, name, f"{doc_id}:{name}" if ent else None, entity_id],
                )
    for i, place in enumerate(art.get("places", [])):
        # A place named in the body: one doc entity and a mention at every occurrence.
        ent = ents[place]
        de_id = f"{doc_id}:p{i}"
        con.execute(
            "INSERT INTO doc_entities (doc_entity_id, doc_id, key, entity_id, name, type, country, aliases) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [de_id, doc_id, f"p{i}", _entity_id(place, ent["type"]), place, ent["type"], ent.get("country"), [place]],
        )
        start = body.find(place)
        n = 0
        while start >= 0:
            ev_id = f"{doc_id}:m{i}.{n}"
            con.execute(
                'INSERT INTO evidence (evidence_id, doc_id, start, "end", body_start, body_end, text) '
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [ev_id, doc_id, start, start + len(place), start, start + len(place), place],
            )
            con.execute("INSERT INTO mentions VALUES (?, ?, 'name', ?)", [doc_id, de_id, ev_id])
            start, n = body.find(place, start + 1), n + 1
    for i, fig in enumerate(art.get("figures", [])):
        ev_id = evidence(fig["evidence"], f"f{i}")
        con.execute(
            "INSERT INTO figures (figure_id, doc_id, value, qualifier, unit, category, subject, source, as_of, "
            "as_of_precision, surface, evidence_id) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?)",
            [f"{doc_id}:fig{i}", doc_id, fig["value"], fig.get("qualifier"), fig.get("unit"), fig["category"],
             fig.get("subject"), _date(fig.get("as_of")), fig["precision"], str(fig["value"]), ev_id],
        )
    return doc_id


@pytest.fixture
def fuse_store(tmp_path: Path) -> Callable[..., Path]:
    """Return a function building a store of fixture articles in tmp_path."""
    counter = iter(range(1000))

    def _make(names: Sequence[str] | None = None, **kw: Any) -> Path:
        return build_store(tmp_path / f"store{next(counter)}.duckdb", names, **kw)

    return _make


@pytest.fixture(scope="session")
def refreshed(tmp_path_factory: pytest.TempPathFactory, settings: Any) -> Path:
    """A store of every fixture article with the fuse tables refreshed (shared: read it only)."""
    from dossier.fuse import refresh

    path = build_store(tmp_path_factory.mktemp("fuse") / "all.duckdb")
    con = open_store(path)
    refresh(con, settings)
    con.close()
    return path


@pytest.fixture
def fuse_spec() -> dict[str, Any]:
    """The parsed fixture articles and entities."""
    return load_spec()


@pytest.fixture
def add_fixture_article() -> Callable[[Any, dict[str, Any], dict[str, Any]], str]:
    """Return `add_article(con, article, entities)` to insert one more article into an open store."""
    return add_article


@pytest.fixture(scope="session")
def store_builder() -> Callable[..., Path]:
    """Return `build_store(path, names=None, *, spec=None)` for stores of other fixture articles."""
    return build_store

"""Incremental canonicalisation: batch by batch equals one pass, and equals the first implementation.

The document entities are generated (seeded) from pools of real-world name variants, so
every rule fires: spelling variants, abbreviations, aliases, name subsets, conflicting
countries, dictionary ids, and a blocking key growing past the cap.
"""

from __future__ import annotations

import random

import pytest

from dossier.resolve import canonicalize_pending, rebuild
from dossier.resolve.canonical import BLOCK_CAP, GROUPS
from dossier.resolve.listing import unmerge
from dossier.store.connection import open_store

from . import legacy_canonical

PEOPLE = [  # variants of one person's name, their country
    (["Aleksandr Fomin", "Alexander Fomin", "Gen. Alexander Fomin"], "RUS"),
    (["Sergei Shoigu", "Sergey Shoigu", "Sergei Shoygu"], "RUS"),
    (["Min Aung Hlaing", "Sr. Gen. Min Aung Hlaing", "Senior General Min Aung Hlaing"], "MMR"),
    (["Aung Hlaing"], "MMR"),
    (["Soe Win"], "MMR"),
    (["Soe Min"], "MMR"),
    (["Kim Jong Un"], "PRK"),
    (["Kim Jong Il"], "PRK"),
    (["Volodymyr Zelensky", "Volodymyr Zelenskyy", "Volodymyr Zelenskiy"], "UKR"),
    (["Mohammed Bin Salman", "Muhammad bin Salman", "Mohamed Bin Salman"], "SAU"),
    (["Dmitry Peskov", "Dmitri Peskov"], "RUS"),
    (["Maria Zakharova"], "RUS"),
    (["Jürgen Müller", "Jurgen Muller", "Jürgen Mueller"], "DEU"),
    (["Recep Tayyip Erdoğan", "Recep Tayyip Erdogan", "Tayyip Erdogan"], "TUR"),
]
ORGS = [  # full name, abbreviation, whether articles give the abbreviation as an alias
    ("National Unity Government", "NUG", True),
    ("Arakan Liberation Party", "ALP", True),
    ("Union Solidarity and Development Party", "USDP", True),
    ("Kachin Independence Army", "KIA", False),
    ("United Nations", "UN", False),
    ("Rosoboronexport", None, False),
    ("Ministry of Defence", None, False),
    ("Tatmadaw", None, False),
]
PLACES = [  # variants, dictionary id (None: not in a dictionary)
    (["Naypyitaw", "Naypyidaw"], None),
    (["Yangon", "Rangoon"], None),
    (["Moscow"], None),
    (["Kyiv", "Kiev"], None),
    (["Köln", "Koln", "Cologne"], None),
    (["Russia"], "RUS"),
    (["Myanmar"], "MMR"),
]
COUNTRIES = ["RUS", "MMR", "UKR", "CHN"]


def _entity(rng: random.Random) -> tuple[str, str, str | None, list[str], list[str], str | None]:
    """(name, type, country, aliases, roles, dictionary_id) of one made-up mention."""
    kind = rng.random()
    if kind < 0.5:
        variants, country = rng.choice(PEOPLE)
        name = rng.choice(variants)
        aliases = [name] + ([rng.choice(variants)] if rng.random() < 0.3 else [])
        # A missing or wrong country, as an article sometimes gives.
        got: str | None = country if rng.random() < 0.7 else rng.choice([None, *COUNTRIES])
        return name, "PERSON", got, aliases, ["minister"] if rng.random() < 0.2 else [], None
    if kind < 0.8:
        full, abbr, as_alias = rng.choice(ORGS)
        name = abbr if abbr and rng.random() < 0.4 else full
        aliases = [name] + ([abbr] if abbr and as_alias and name == full and rng.random() < 0.3 else [])
        return name, "ORG", rng.choice([None, "MMR", "RUS"]), aliases, [], None
    variants, dict_id = rng.choice(PLACES)
    name = rng.choice(variants)
    etype = "GPE" if rng.random() < 0.8 else "LOC"
    return name, etype, dict_id if dict_id else rng.choice([None, "MMR", "RUS", "UKR"]), [name], [], dict_id


def _corpus(seed: int, docs: int) -> dict[str, list[list[object]]]:
    """doc_id -> its doc_entities rows."""
    rng = random.Random(seed)
    out: dict[str, list[list[object]]] = {}
    for d in range(docs):
        doc_id = f"doc{seed}-{d:03d}"
        rows = []
        for k in range(rng.randint(3, 8)):
            name, etype, country, aliases, roles, dict_id = _entity(rng)
            rows.append([f"{doc_id}:e{k}", doc_id, f"e{k}", name, etype, country, None, aliases, roles, dict_id])
        out[doc_id] = rows
    return out


def _insert(con, rows) -> None:  # type: ignore[no-untyped-def]
    con.executemany(
        "INSERT INTO doc_entities (doc_entity_id, doc_id, key, name, type, country, sector, aliases, roles, "
        "dictionary_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def _dump(con):  # type: ignore[no-untyped-def]
    return (
        con.execute("SELECT doc_entity_id, entity_id FROM doc_entities ORDER BY 1").fetchall(),
        con.execute("SELECT entity_id, name, type, country, sector, roles, dictionary_id, merged_into "
                    "FROM entities ORDER BY 1").fetchall(),
        con.execute("SELECT merge_id, from_id, into_id, reason, score, undone FROM entity_merges "
                    "ORDER BY 1").fetchall(),
        con.execute("SELECT entity_id, alias, norm, doc_id FROM entity_aliases ORDER BY ALL").fetchall(),
    )


def _legacy(tmp_path, name, corpus, settings):  # type: ignore[no-untyped-def]
    con = open_store(tmp_path / f"{name}.duckdb")
    _insert(con, [r for rows in corpus.values() for r in rows])
    for group in sorted(set(GROUPS.values())):
        legacy_canonical.recompute(con, settings, [group])
    got = _dump(con)
    con.close()
    return got


def _batches(con, corpus, settings, seed, max_batch):  # type: ignore[no-untyped-def]
    rng = random.Random(seed)
    order = sorted(corpus)
    rng.shuffle(order)
    while order:
        n = rng.randint(1, max_batch)
        batch, order = order[:n], order[n:]
        _insert(con, [r for d in batch for r in corpus[d]])
        canonicalize_pending(con, settings)


def test_incremental_batches_equal_one_pass_and_first_implementation(tmp_path, settings):
    corpus = _corpus(7, 120)
    expected = _legacy(tmp_path, "legacy", corpus, settings)
    reasons = {m[3] for m in expected[2]}
    assert {"alias", "abbreviation", "spelling", "subset"} <= reasons, reasons

    one = open_store(tmp_path / "one.duckdb")
    _insert(one, [r for rows in corpus.values() for r in rows])
    assert canonicalize_pending(one, settings) == sum(len(v) for v in corpus.values())
    assert _dump(one) == expected
    one.close()

    for seed, max_batch in [(1, 1), (2, 9)]:
        con = open_store(tmp_path / f"inc{seed}.duckdb")
        _batches(con, corpus, settings, seed, max_batch)
        assert _dump(con) == expected, f"order seed {seed}, batches up to {max_batch}"
        # A rebuild from scratch finds nothing to change.
        rebuild(con, settings)
        assert _dump(con) == expected
        con.close()


def test_incremental_key_past_the_cap_unlinks_like_one_pass(tmp_path, settings):
    # Naypyitaw/Naypyidaw share only two keys (folded prefix "naip", initial "N"); once
    # more than BLOCK_CAP places share them they are stop words and the two stay apart.
    corpus = {"doc-a": [["doc-a:e0", "doc-a", "e0", "Naypyitaw", "GPE", "MMR", None, ["Naypyitaw"], [], None]],
              "doc-b": [["doc-b:e0", "doc-b", "e0", "Naypyidaw", "GPE", "MMR", None, ["Naypyidaw"], [], None]]}
    rng = random.Random(3)
    names: set[str] = set()
    while len(names) < BLOCK_CAP + 5:
        names.add("Naip" + "".join(rng.choice("bdgkmrstuvz") for _ in range(7)))
    for i, name in enumerate(sorted(names)):
        doc = f"doc-n{i:03d}"
        corpus[doc] = [[f"{doc}:e0", doc, "e0", name, "GPE", None, None, [name], [], None]]
    expected = _legacy(tmp_path, "legacy", corpus, settings)

    con = open_store(tmp_path / "cap.duckdb")
    _insert(con, corpus["doc-a"] + corpus["doc-b"])
    canonicalize_pending(con, settings)
    merged = con.execute("SELECT count(DISTINCT entity_id) FROM doc_entities").fetchone()
    assert merged == (1,)  # linked while the keys are small
    rest = {k: v for k, v in corpus.items() if k not in {"doc-a", "doc-b"}}
    _batches(con, rest, settings, 5, 40)
    sql = "SELECT entity_id FROM doc_entities WHERE doc_id = ?"
    got = [con.execute(sql, [d]).fetchone() for d in ("doc-a", "doc-b")]
    assert got[0] != got[1]
    assert _dump(con) == expected
    con.close()


def test_incremental_undo_survives_later_batches(tmp_path, settings):
    corpus = _corpus(11, 60)
    docs = sorted(corpus)
    con = open_store(tmp_path / "undo.duckdb")
    _insert(con, [r for d in docs[:30] for r in corpus[d]])
    canonicalize_pending(con, settings)
    merge_id, from_id, into_id = con.execute(
        "SELECT merge_id, from_id, into_id FROM entity_merges WHERE reason = 'spelling' ORDER BY merge_id LIMIT 1"
    ).fetchone()
    unmerge(con, merge_id, settings)
    _batches(con, {d: corpus[d] for d in docs[30:]}, settings, 4, 6)
    survivors = {r[0] for r in con.execute(
        "SELECT coalesce(merged_into, entity_id) FROM entities WHERE entity_id IN (?, ?)", [from_id, into_id]
    ).fetchall()}
    assert len(survivors) == 2
    after = _dump(con)
    rebuild(con, settings)  # the undo is kept by a rebuild too
    assert _dump(con) == after
    con.close()


@pytest.mark.parametrize("table", ["resolve_bases", "resolve_blocks", "resolve_links", "resolve_rows"])
def test_incremental_tables_hold_only_derived_rows(tmp_path, settings, table):
    corpus = _corpus(13, 20)
    con = open_store(tmp_path / "t.duckdb")
    _insert(con, [r for rows in corpus.values() for r in rows])
    canonicalize_pending(con, settings)
    before = con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
    assert before
    rebuild(con, settings)
    assert con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall() == before
    con.close()


SPELLINGS = [  # (name, type, country): pairs only a rule on the names themselves can join
    ("Recep Tayyip Erdoğan", "PERSON", "TUR"), ("Recep Tayyip Erdogan", "PERSON", "TUR"),
    ("Tayyip Erdogan", "PERSON", "TUR"), ("Naypyitaw", "GPE", "MMR"), ("Naypyidaw", "GPE", "MMR"),
    ("Volodymyr Zelensky", "PERSON", "UKR"), ("Volodymyr Zelenskyy", "PERSON", None),
    ("Kim Jong Un", "PERSON", "PRK"), ("Kim Jong Il", "PERSON", "PRK"), ("Aleksandr Fomin", "PERSON", "RUS"),
    ("Alexander Fomin", "PERSON", "UKR"), ("Sergei Shoigu", "PERSON", "RUS"), ("Sergey Shoygu", "PERSON", "RUS"),
    ("National Unity Government", "ORG", "MMR"), ("NUG", "ORG", None), ("Kachin Independence Army", "ORG", None),
    ("KIA", "ORG", "MMR"), ("Ministry of Defence", "ORG", "RUS"), ("MOD", "ORG", "RUS"),
    ("Dnipropetrovsk", "GPE", "UKR"), ("Dnipropetrowsk", "GPE", None), ("Zaporizhzhia", "GPE", "UKR"),
    ("Zaporizhia", "GPE", "UKR"), ("Ahmed Ali", "PERSON", None), ("Ahmad Ali", "PERSON", None),
]


def test_incremental_sql_filter_keeps_every_pair_link_joins(tmp_path, settings):
    from dossier.resolve.canonical import link_profiles
    from dossier.resolve.tables import load_profiles

    con = open_store(tmp_path / "f.duckdb")
    rows = [[f"d{i}:e0", f"d{i}", "e0", n, t, c, None, [], [], None] for i, (n, t, c) in enumerate(SPELLINGS)]
    _insert(con, rows)
    canonicalize_pending(con, settings)
    stored = {(a, b): (r, s) for a, b, r, s in con.execute("SELECT a, b, reason, score FROM resolve_links").fetchall()}
    ids = [r[0] for r in con.execute("SELECT base_id FROM resolve_bases").fetchall()]
    profiles = load_profiles(con, ids)
    small = {r[0] for r in con.execute("SELECT block FROM resolve_blocks WHERE members IS NOT NULL").fetchall()}
    brute = {}
    for a in sorted(ids):
        for b in sorted(ids):
            if a < b and profiles[a][1] & profiles[b][1] & small:
                got = link_profiles(profiles[a][0], profiles[b][0], settings.get("resolve.spelling_threshold"))
                if got is not None:
                    brute[(a, b)] = got
    assert stored == brute
    assert {r for r, _ in stored.values()} == {"spelling", "abbreviation", "subset"}
    from dossier.resolve.canonical import base_key, entity_id_for

    pair = sorted(entity_id_for(base_key("PERSON", n, None)) for n in ("Recep Tayyip Erdoğan", "Recep Tayyip Erdogan"))
    assert stored[(pair[0], pair[1])][0] == "spelling"  # a non-ASCII word: the bound is not applied
    con.close()


def test_incremental_batch_touches_only_its_components(tmp_path, settings, caplog):
    corpus = _corpus(17, 80)
    con = open_store(tmp_path / "touch.duckdb")
    _insert(con, [r for rows in corpus.values() for r in rows])
    canonicalize_pending(con, settings)
    bases = con.execute("SELECT count(*) FROM resolve_bases").fetchone()[0]
    new = [["new:e0", "new", "e0", "Thandar Hlaing Oo", "PERSON", "MMR", None, ["Thandar Hlaing Oo"], [], None],
           ["new:e1", "new", "e1", "Sergey Shoigu", "PERSON", "RUS", None, ["Sergey Shoigu"], [], None]]
    _insert(con, new)
    with caplog.at_level("DEBUG", logger="dossier.resolve.incremental"):
        assert canonicalize_pending(con, settings) == 2
    settled = [r.args for r in caplog.records if r.getMessage().startswith("settled")]
    assert len(settled) == 1
    touched = settled[0][0]  # type: ignore[index]
    # The new name's own base, and the component of the known one (its spellings); nothing else.
    shoigu = con.execute("SELECT count(*) FROM entities WHERE name ILIKE '%sho%gu%'").fetchone()[0]
    assert touched == 1 + shoigu < bases / 4
    con.close()


def test_incremental_changed_threshold_rebuilds_under_the_new_rules(tmp_path, settings):
    from dossier.settings import Settings

    strict = Settings(values={**settings.values, "resolve": {"spelling_threshold": 95.0}})
    corpus = _corpus(19, 40)
    docs = sorted(corpus)
    con = open_store(tmp_path / "thr.duckdb")
    _insert(con, [r for d in docs[:30] for r in corpus[d]])
    canonicalize_pending(con, settings)
    loose = con.execute("SELECT count(*) FROM entity_merges WHERE reason = 'spelling'").fetchone()[0]
    _insert(con, [r for d in docs[30:] for r in corpus[d]])
    canonicalize_pending(con, strict)
    one = open_store(tmp_path / "thr_one.duckdb")
    _insert(one, [r for rows in corpus.values() for r in rows])
    canonicalize_pending(one, strict)
    assert _dump(con) == _dump(one)
    assert con.execute("SELECT count(*) FROM entity_merges WHERE reason = 'spelling'").fetchone()[0] < loose
    con.close()
    one.close()

"""Figure series across articles: which reports of a number join one series, which stay apart."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import duckdb
import pytest

from dossier.fuse import refresh
from dossier.store import open_store

ENTITIES = {
    "Myanmar": {"type": "GPE", "country": "MMR"},
    "Yangon": {"type": "GPE", "country": "MMR"},
    "Russia": {"type": "GPE", "country": "RUS"},
    "Moscow": {"type": "GPE", "country": "RUS"},
    "Sudan": {"type": "GPE", "country": "SDN"},
    "Khartoum": {"type": "GPE", "country": "SDN"},
}


def _art(name: str, published: str, body: str, places: list[str], figures: list[dict[str, Any]]) -> dict[str, Any]:
    return {"name": name, "outlet": name.split("_")[0], "published": published, "body": body, "places": places,
            "figures": figures}


def _fig(value: int, unit: str, category: str, subject: str, as_of: str | None, evidence: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "category": category, "subject": subject, "as_of": as_of,
            "precision": "day" if as_of else "unknown", "evidence": evidence}


ARTICLES = [
    # Myanmar's toll, reported with different subject phrases, in stories about Russia and Myanmar.
    _art("wire_a.txt", "2021-03-26",
         "MOSCOW - Russia sent a deputy minister to Moscow talks with Myanmar officials. Russia and Russia again. "
         "At least 320 people have been killed in the crackdown on dissent since the Feb. 1 coup, groups say.",
         ["Russia", "Moscow", "Myanmar"],
         [_fig(320, "people", "killed", "people killed in the crackdown on dissent since the Feb. 1 coup",
               "2021-03-26",
               "At least 320 people have been killed in the crackdown on dissent since the Feb. 1 coup")]),
    _art("paper_b.txt", "2021-06-28",
         "YANGON - Myanmar's junta chief flew to Russia. At least 883 people have been killed, the AAPP said. "
         "An air strike killed 40 people in Yangon on Sunday, witnesses said.",
         ["Yangon", "Myanmar", "Russia"],
         [_fig(883, "people", "killed", "people killed", "2021-06-28",
               "At least 883 people have been killed, the AAPP said"),
          _fig(40, "people", "killed", "people killed in Yangon", "2021-06-27",
               "An air strike killed 40 people in Yangon on Sunday, witnesses said")]),
    _art("un_c.txt", "2024-06-30",
         "By June 2024, at least 5,280 civilians in Myanmar had been killed, including 1,022 women.",
         ["Myanmar"],
         [_fig(5280, "civilians", "killed", "civilians in Myanmar killed", "2024-06-01",
               "By June 2024, at least 5,280 civilians in Myanmar had been killed, including 1,022 women"),
          _fig(1022, "women", "killed", "killed women", "2024-06-01",
               "By June 2024, at least 5,280 civilians in Myanmar had been killed, including 1,022 women")]),
    _art("monitor_d.txt", "2022-01-10",
         "Myanmar: the monitoring group says 1,400 women have been killed and 11,000 people have been arrested "
         "since the coup in Myanmar.",
         ["Myanmar"],
         [_fig(1400, "people", "killed", "women killed", "2022-01-10",
               "the monitoring group says 1,400 women have been killed"),
          _fig(11000, "people", "arrested", "people arrested since the coup", "2022-01-10",
               "11,000 people have been arrested")]),
    # Sudan's toll: another country, the same subject words.
    _art("agency_e.txt", "2023-06-01",
         "KHARTOUM - Fighting in Sudan goes on. At least 900 people have been killed in Sudan since April, "
         "doctors in Khartoum said.",
         ["Khartoum", "Sudan"],
         [_fig(900, "people", "killed", "people killed since April", "2023-06-01",
               "At least 900 people have been killed in Sudan since April")]),
    _art("agency_f.txt", "2023-08-01",
         "Sudan's war: at least 3,900 people have been killed, the health ministry in Khartoum said.",
         ["Sudan", "Khartoum"],
         [_fig(3900, "people", "killed", "people killed", "2023-08-01",
               "at least 3,900 people have been killed, the health ministry in Khartoum said")]),
    _art("paper_g.txt", "2021-06-29",
         "A military air strike killed 38 people in Yangon on Sunday, a local paper reported.",
         ["Myanmar", "Yangon"],
         [_fig(38, "people", "killed", "people killed in Yangon", "2021-06-27",
               "A military air strike killed 38 people in Yangon on Sunday")]),
    _art("paper_h.txt", "2021-07-12",
         "An air strike killed 25 people in Yangon on Sunday, residents of Myanmar's largest city said.",
         ["Yangon", "Myanmar"],
         [_fig(25, "people", "killed", "people killed in Yangon", "2021-07-11",
               "An air strike killed 25 people in Yangon on Sunday")]),
]


@pytest.fixture(scope="module")
def series_store(tmp_path_factory: pytest.TempPathFactory, settings: Any, store_builder: Any) -> Path:
    path: Path = store_builder(tmp_path_factory.mktemp("series") / "s.duckdb", spec={"entities": ENTITIES,
                                                                             "articles": ARTICLES})
    con = open_store(path)
    refresh(con, settings)
    con.close()
    return path


def _series_of(path: Path) -> dict[float, str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return dict(con.execute("SELECT value, series_id FROM figure_series_members").fetchall())
    finally:
        con.close()


MUST_JOIN = [  # values that are one measure, and why
    ((320, 883, 5280), "one country's death toll: 'people killed ... since the coup', 'people killed', "
     "'civilians in Myanmar killed' in stories datelined Moscow and Yangon"),
    ((900, 3900), "Sudan's toll: a subject naming a month and a bare one"),
    ((40, 38), "one day's toll reported by two papers"),
]

MUST_NOT_JOIN = [
    (320, 900, "two countries' death tolls"),
    (5280, 1400, "women killed is not the overall toll"),
    (883, 40, "a running total and one day's toll"),
    (40, 25, "one place's toll on two Sundays two weeks apart"),
    (883, 11000, "killed and arrested"),
    (5280, 1022, "a sub-population counted in the same sentence"),
]


@pytest.mark.parametrize(("values", "why"), MUST_JOIN)
def test_series_must_join(series_store: Path, values: tuple[int, ...], why: str) -> None:
    series = _series_of(series_store)
    assert all(float(v) in series for v in values), why
    assert len({series[float(v)] for v in values}) == 1, why


@pytest.mark.parametrize(("a", "b", "why"), MUST_NOT_JOIN)
def test_series_must_not_join(series_store: Path, a: int, b: int, why: str) -> None:
    series = _series_of(series_store)
    assert series.get(float(a)) is None or series.get(float(a)) != series.get(float(b)), why


def test_series_toll_rises(series_store: Path) -> None:
    con = duckdb.connect(str(series_store), read_only=True)
    try:
        row = con.execute("SELECT s.trend, s.goes_backwards, s.n_figures FROM figure_series s JOIN "
                          "figure_series_members m USING (series_id) WHERE m.value = 5280").fetchone()
    finally:
        con.close()
    assert row == ("rising", False, 3)


def test_figures_read_from_their_keys_group_like_figures_read_in_full(series_store: Path, settings: Any) -> None:
    # An incremental refresh regroups stored figures from `fuse_figure_keys` (no sentence):
    # every choice (context, subject words, scope) must come out as from the full read.
    from dossier.fuse.config import load_config
    from dossier.fuse.figures import block_keys, build_series
    from dossier.fuse.inputs import LiveDocs, load_figures, load_keyed_figures

    config = load_config(settings)
    con = duckdb.connect(str(series_store), read_only=True)
    try:
        docs = LiveDocs(con)
        full = load_figures(con, docs, config)
        keyed, keys = load_keyed_figures(con, docs, [f.figure_id for f in full])
    finally:
        con.close()
    assert keys == block_keys(full, config)
    blocks = Counter(keys.values())
    assert any(k.endswith("|occasion") and n > 1 for k, n in blocks.items())  # both scopes are regrouped
    assert any(k.endswith("|total") and n > 1 for k, n in blocks.items())
    assert all(f.evidence == "" for f in keyed)

    def members(series: list[Any]) -> list[tuple[str, list[str], frozenset[str], str]]:
        return [(s.series_id, [f.figure_id for f in s.members], s.backwards, s.trend) for s in series]

    expected = members(build_series(full, config, keys))
    assert expected
    assert members(build_series(sorted(keyed, key=lambda f: f.figure_id), config, keys)) == expected

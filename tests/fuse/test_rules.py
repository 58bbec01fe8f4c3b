"""Unit rules of the fuse stage: date intervals, participant compatibility, subjects, config errors."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from datasketch import MinHash
from tests.conftest import SEEDS

from dossier.errors import ConfigError
from dossier.fuse.config import load_config, load_weights
from dossier.fuse.duplicates import SCHEME, shingles, signature
from dossier.fuse.events import cluster_events, event_components, participants_compatible
from dossier.fuse.figures import content_words, subject_score
from dossier.fuse.records import Doc, EventRow, Party, date_interval, interval_gap

D = dt.date


@pytest.mark.parametrize(
    ("a", "b", "gap"),
    [
        ((D(2021, 3, 1), "month"), (D(2021, 3, 26), "day"), 0),  # March 2021 fits 26 March
        ((D(2021, 1, 1), "year"), (D(2021, 6, 20), "day"), 0),
        ((D(2021, 6, 20), "day"), (D(2021, 7, 2), "day"), 12),
        ((D(2021, 2, 1), "month"), (D(2021, 3, 2), "day"), 2),  # February has 28 days
        ((D(2021, 1, 21), "day"), (D(2022, 1, 20), "day"), 364),
    ],
)
def test_rules_date_gap_is_precision_aware(a: tuple[dt.date, str], b: tuple[dt.date, str], gap: int) -> None:
    ia, ib = date_interval(*a), date_interval(*b)
    assert ia is not None and ib is not None
    assert interval_gap(ia, ib) == gap == interval_gap(ib, ia)


def _ev(etype: str, actors: list[str], targets: list[str]) -> EventRow:
    def party(name: str) -> Party:
        if name.islower():  # free text, no canonical entity
            return Party(f"text:{name}", None, name, None)
        return Party(name, name, name, None)

    return EventRow("e", "d", etype, None, None, "unknown", None, False, None, "x", "", (),
                    tuple(party(a) for a in actors), tuple(party(t) for t in targets))


SYM = frozenset({"CONSULT", "AGREE", "COOPERATE"})


@pytest.mark.parametrize(
    ("a", "b", "ok"),
    [
        (("CONSULT", ["Fomin"], ["Hlaing"]), ("CONSULT", ["Fomin"], ["Hlaing"]), True),
        (("CONSULT", ["Fomin"], ["Hlaing"]), ("CONSULT", ["Hlaing"], ["Fomin"]), True),  # swapped, symmetric
        (("AID", ["Russia"], ["Army"]), ("AID", ["Army"], ["Russia"]), False),  # direction matters
        (("CONSULT", ["Hlaing"], ["Russia"]), ("CONSULT", ["Hlaing"], ["Patrushev"]), False),  # other host
        (("AID", ["Russia"], ["Army"]), ("AID", ["Russia"], []), True),  # target not reported
        (("AGREE", ["USDP", "United Russia"], []), ("AGREE", ["United Russia"], ["USDP"]), True),
        (("ASSAULT", [], []), ("ASSAULT", [], []), False),  # nothing shared
        (("ASSAULT", ["gunmen"], ["people"]), ("ASSAULT", ["gunmen"], ["people"]), False),  # free text only
        (("ASSAULT", ["Army"], ["people"]), ("ASSAULT", ["Army"], ["villagers"]), True),
    ],
)
def test_rules_participants_compatible(a: tuple[Any, ...], b: tuple[Any, ...], ok: bool) -> None:
    assert participants_compatible(_ev(*a), _ev(*b), SYM) is ok


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("people killed in the crackdown on dissent since the Feb. 1 coup",
         "civilians killed by the military since the 2021 coup", True),
        ("people killed in the crackdown", "people killed by the earthquake in Sagaing", False),
        ("people killed in Gaza since October", "people killed in Sudan since April", False),
        ("protesters detained", "protester detained", True),
        ("people killed", "people killed in the earthquake", False),  # a bare toll does not bridge tolls
    ],
)
def test_rules_figure_subjects(settings: Any, a: str, b: str, same: bool) -> None:
    config = load_config(settings)
    score = subject_score(content_words(a, config), content_words(b, config))
    assert (score >= config.figure_subject_threshold) is same


def test_rules_bad_weight_table_names_file_and_key(tmp_path: Path) -> None:
    path = tmp_path / "weights.toml"
    path.write_text('[types]\nAGREE = { quad_class = "friendly", weight = 4 }\n')
    with pytest.raises(ConfigError, match=r"weights.toml: types.AGREE: quad_class 'friendly' is not one of"):
        load_weights(path)


def test_rules_bad_threshold_is_a_config_error(settings: Any) -> None:
    from dossier.settings import Settings

    bad = Settings(values={**settings.values, "fuse": {**settings.values["fuse"], "duplicate_threshold": 3}})
    with pytest.raises(ConfigError, match=r"`fuse.duplicate_threshold` = 3 must be a number from 0.0 to 1.0"):
        load_config(bad)


def test_rules_signature_is_datasketch_minhash_of_the_shingles(settings: Any) -> None:
    """The signature's cached permutations give datasketch's own MinHash, for every seed article."""
    config = load_config(settings)
    other_seed = replace(config, seed=config.seed + 1)
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        grams = sorted(shingles(text, config.shingle_words))
        for cfg in (config, other_seed):
            plain = MinHash(num_perm=cfg.num_perm, seed=cfg.seed, scheme=SCHEME)
            plain.update_batch(grams)
            n, values = signature(text, cfg)
            assert n == len(grams) > 100
            assert (values == plain.hashvalues).all(), (path.name, cfg.seed)
    assert not (signature(text, config)[1] == signature(text, other_seed)[1]).all()


def test_rules_undated_reports_join_while_every_document_is_within_the_window(settings: Any) -> None:
    # Undated reports of one meeting, published on days 0, 31, 32 and 62 (window: 31 days).
    # The third would be 32 days after the first, so it starts a cluster the fourth joins;
    # linked pairwise, all four are one component (one re-clustering unit).
    config = load_config(settings)
    assert config.unknown_attach_max_days == 31
    days = [0, 31, 32, 62]
    events = [replace(_ev("CONSULT", ["Fomin"], ["Hlaing"]), event_id=f"e{i}", doc_id=f"d{i}") for i in range(4)]
    docs = {f"d{i}": Doc(f"d{i}", f"d{i}", None, D(2022, 1, 1) + dt.timedelta(days=day)) for i, day in enumerate(days)}
    clusters = cluster_events(events, config, docs)
    assert [[e.event_id for e in c] for c in clusters] == [["e0", "e1"], ["e2", "e3"]]
    assert set(event_components(events, config, docs).values()) == {"e0"}
    # A document with no publication date keeps an undated report out of every cluster.
    docs["d1"] = Doc("d1", "d1", None, None)
    assert [[e.event_id for e in c] for c in cluster_events(events, config, docs)] == [["e0"], ["e1"], ["e2", "e3"]]


def test_rules_an_undated_report_links_to_every_run_of_dated_reports_it_fits(settings: Any) -> None:
    # Dated reports on days 10-11 (one run) and day 20 (another); an undated report published
    # on day 25 fits both (within 31 days after them), so all are one component, while a
    # dated report 200 days later stays apart.
    config = replace(load_config(settings), max_date_gap_days=1, unknown_attach_max_days=31)
    base = _ev("CONSULT", ["Fomin"], ["Hlaing"])
    dated = [(f"a{i}", D(2022, 1, 10 + i)) for i in range(2)] + [("b0", D(2022, 1, 20)), ("z0", D(2022, 7, 30))]
    events = [replace(base, event_id=eid, doc_id=eid, date=day, precision="day") for eid, day in dated]
    events.append(replace(base, event_id="u0", doc_id="u0"))
    docs = {e.doc_id: Doc(e.doc_id, e.doc_id, None, e.date or D(2022, 1, 25)) for e in events}
    comps = event_components(events, config, docs)
    assert {eid: comps[eid] for eid in ("a0", "a1", "b0", "u0")} == dict.fromkeys(("a0", "a1", "b0", "u0"), "a0")
    assert comps["z0"] == "z0"

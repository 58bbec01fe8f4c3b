"""The five seed articles against their gold: body, boilerplate, title, outlet, date (SCORING.md rules)."""

from __future__ import annotations

import json

import pytest

from dossier.clean.patterns import norm

SEEDS = ["000_96a5b8e7f0653f74", "001_fa0f7e65801b5e04", "002_bf42aa199437ee22", "003_45ff1bc159233318",
         "004_664df0f13ebc9dc7"]


@pytest.fixture(scope="module")
def seed_pairs(cleaner, shared_dir, make_doc):
    pairs = {}
    for stem in SEEDS:
        path = shared_dir / "seeds" / f"{stem}.txt"
        gold = json.loads((shared_dir / "gold" / f"{stem}.json").read_text(encoding="utf-8"))
        pairs[stem] = (cleaner.clean(make_doc(path.read_text(encoding="utf-8"), path.name)), gold)
    return pairs


@pytest.mark.parametrize("stem", SEEDS)
def test_seeds_body_start_end_and_no_leaks(seed_pairs, stem):
    article, gold = seed_pairs[stem]
    body = norm(article.body)
    assert body.startswith(norm(gold["body_starts_with"]))
    assert body.endswith(norm(gold["body_ends_with"]))
    leaks = [b for b in gold["boilerplate"] if len(b) >= 8 and norm(b) in body]
    assert leaks == []


@pytest.mark.parametrize("stem", SEEDS)
def test_seeds_title_outlet_language(seed_pairs, stem):
    article, gold = seed_pairs[stem]
    assert norm(article.title or "") == norm(gold["title"] or "")
    predicted, wanted = norm(article.outlet or ""), norm(gold["outlet"])
    assert predicted and (predicted in wanted or wanted in predicted)
    assert article.language == gold["language"]


@pytest.mark.parametrize("stem", SEEDS)
def test_seeds_published_date_at_gold_precision(seed_pairs, stem):
    article, gold = seed_pairs[stem]
    want = gold["published"]
    if want["precision"] == "unknown":
        # Never a made-up date when the text gives no year.
        assert (article.published.date, article.published.precision) == (None, "unknown")
        return
    cut = {"year": 4, "month": 7, "day": 10}[want["precision"]]
    assert article.published.date is not None
    assert article.published.date[:cut] == want["date"][:cut]


@pytest.mark.parametrize("stem", SEEDS)
def test_seeds_offsets_are_exact_for_every_line(seed_pairs, stem):
    article, _ = seed_pairs[stem]
    pos = 0
    for para in article.body.split("\n\n"):
        start = article.body.index(para, pos)
        s, e = article.offsets.to_raw(start, start + len(para))
        assert article.raw[s:e] == para
        pos = start + len(para)

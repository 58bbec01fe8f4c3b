"""The blind set: gold that is internally sound, kept out of the code, and floors that hold.

tests/fixtures/blind/ is for measurement only (see its README): nobody develops against it. The
integrity tests are fast and guard the gold itself and its isolation; the gate runs
`dossier eval --check` against the "blind" floors.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from gold_sets import REPO, GoldSet

from dossier.evaluate.normalize import norm

BLIND_SET = GoldSet("blind", REPO / "tests" / "fixtures" / "blind")
BLIND = BLIND_SET.root
# Evidence this long is specific to one article: finding it elsewhere in the repo means the set leaked.
LEAK_MIN_WORDS = 8
SCANNED_SUFFIXES = {".py", ".json", ".jsonl", ".tsv", ".toml", ".txt", ".html", ".md", ".sql"}


def test_blind_readme_forbids_development_use() -> None:
    readme = (BLIND / "README.md").read_text(encoding="utf-8")
    assert "Never use these files for development" in readme
    assert "measurement" in readme.lower()


def test_blind_every_article_has_one_gold_file_of_the_same_name() -> None:
    BLIND_SET.check_one_gold_file_per_article(min_articles=6)
    assert {p.suffix for p in BLIND_SET.articles.iterdir()} == {".txt", ".html"}  # both input forms are measured


@pytest.mark.parametrize("path", BLIND_SET.gold_files(), ids=lambda p: p.stem)
def test_blind_gold_strings_are_verbatim_in_the_article(path: Path) -> None:
    BLIND_SET.check_verbatim(path)


@pytest.mark.parametrize("path", BLIND_SET.gold_files(), ids=lambda p: p.stem)
def test_blind_gold_follows_the_schema_and_names_its_entities(path: Path) -> None:
    BLIND_SET.check_schema(path, strict=True)


def test_blind_gold_boilerplate_is_not_also_body_text() -> None:
    """A clutter line whose words also occur in the body would count as leaked whatever the cleaner did."""
    for path in BLIND_SET.gold_files():
        gold, text = BLIND_SET.load(path)
        start = text.index(gold["body_starts_with"])
        end = text.rindex(gold["body_ends_with"]) + len(gold["body_ends_with"])
        span = text[start:end]
        for line in gold["boilerplate"]:
            span = span.replace(line, " ")
        body = norm(span)
        assert not [b for b in gold["boilerplate"] if len(b) >= 8 and norm(b) in body], path.name


def test_blind_evidence_appears_nowhere_else_in_the_repo() -> None:
    """Long evidence sentences of this set must not turn up in code, data files or other fixtures."""
    sentences = {
        item["evidence"]
        for path in BLIND_SET.gold_files()
        for area in ("events", "figures", "quotes")
        for item in json.loads(path.read_text(encoding="utf-8"))[area]
        if len(item["evidence"].split()) >= LEAK_MIN_WORDS
    }
    assert len(sentences) >= 30
    leaks = []
    for root in (REPO / "src", REPO / "tests", REPO / "bench", REPO / "examples"):
        for file in root.rglob("*"):
            if not file.is_file() or file.suffix not in SCANNED_SUFFIXES or BLIND in file.parents:
                continue
            content = file.read_text(encoding="utf-8", errors="replace")
            leaks += [f"{file.relative_to(REPO)}: {s[:60]}" for s in sentences if s in content]
    assert not leaks, "the blind set leaked into the repo:\n" + "\n".join(leaks)


@pytest.mark.slow
def test_blind_eval_stays_at_or_above_its_floors() -> None:
    BLIND_SET.check_floors(min_floors=20)

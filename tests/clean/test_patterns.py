"""Data files: user files extend the packaged ones; bad entries name file and line."""

from __future__ import annotations

from dataclasses import replace

import pytest

from dossier.clean import load_cleaner
from dossier.clean.patterns import load_clean_data, norm
from dossier.errors import ConfigError


def test_patterns_user_file_adds_a_drop_pattern(settings, tmp_path, make_doc):
    extra = tmp_path / "mine.toml"
    extra.write_text("drop = ['^Listen to the Harbour Times podcast']\n", encoding="utf-8")
    mine = replace(settings, extra_files={"clean_patterns": (extra,)})
    raw = (
        "Ferry fares rise again\n\n"
        "The ferry company raised fares on Monday for the second time this year, blaming the price of fuel.\n\n"
        "Listen to the Harbour Times podcast\n\n"
        "Passengers said the rise would hurt workers who cross the bay every day to reach the city.\n"
    )
    assert "Listen to the Harbour Times podcast" in load_cleaner(settings).clean(make_doc(raw)).body
    assert "Listen to the Harbour Times podcast" not in load_cleaner(mine).clean(make_doc(raw)).body


@pytest.mark.parametrize(
    "kind, name, content, message",
    [
        ("outlets", "o.jsonl", '{"name": "X", "kind": "site"}\n{"name": "", "kind": "site"}\n',
         r"o\.jsonl:2: `name` must be a non-empty string"),
        ("outlets", "o.jsonl", "{not json}\n", r"o\.jsonl:1: not valid JSON"),
        ("outlets", "o.jsonl", '{"name": "X", "kind": "blog"}\n', r"o\.jsonl:1: `kind` must be"),
        ("observances", "d.jsonl", '{"name": "Navy Day", "month": 13, "day": 1}\n', r"d\.jsonl:1: `month`"),
        ("clean_patterns", "p.toml", "drop = ['(unclosed']\n", r"p\.toml: `drop` pattern '\(unclosed' is not a valid"),
        ("clean_patterns", "p.toml", "junk = ['x']\n", r"p\.toml: unknown pattern kind `junk`"),
    ],
)
def test_patterns_bad_entries_name_the_file_and_line(settings, tmp_path, kind, name, content, message):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_clean_data(replace(settings, extra_files={kind: (path,)}))


def test_patterns_norm_follows_scoring():
    assert norm("The  Daily Star’s — “AFP”") == "daily star s afp"

"""The trigger lexicon loader: packaged entries, user extensions, and errors naming file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from dossier.errors import ConfigError
from dossier.extract.event_lexicon import EVENT_TYPES, load_event_lexicon


def test_events_lexicon_covers_all_plover_types():
    lexicon = load_event_lexicon()
    types = {e.type for entries in lexicon.entries.values() for e in entries}
    assert types == EVENT_TYPES
    assert lexicon.lookup("meet", "VERB")[0].type == "CONSULT"
    assert "drones" in lexicon.words("arms")


def test_events_lexicon_user_file_extends_and_overrides(tmp_path: Path):
    user = tmp_path / "mine.jsonl"
    user.write_text(
        '{"class": "arms", "words": ["howitzers"]}\n'
        '{"lemma": "snub", "pos": "VERB", "type": "REJECT", "pattern": "agent-target"}\n',
        encoding="utf-8",
    )
    lexicon = load_event_lexicon(extra=(user,))
    assert lexicon.lookup("snub", "VERB")[0].origin == f"{user}:2"
    assert "howitzers" in lexicon.words("arms") and "drones" in lexicon.words("arms")


@pytest.mark.parametrize(
    "line, problem",
    [
        ('{"lemma": "snub", "type": "SCOLD"}', "`type` must be a PLOVER event type"),
        ('{"type": "REJECT"}', "`lemma` is required"),
        ('{"lemma": "snub", "type": "REJECT", "if": ["obj:@nonsense"]}', "unknown word class '@nonsense'"),
        ('{"lemma": "snub", "type": "REJECT", "if": ["whenever"]}', "unknown condition 'whenever'"),
        ('{"lemma": "snub", "type": "REJECT", "pattern": "sideways"}', "`pattern` must be one of"),
        ("{not json", "not valid JSON"),
    ],
)
def test_events_lexicon_errors_name_file_and_line(tmp_path: Path, line: str, problem: str):
    user = tmp_path / "bad.jsonl"
    user.write_text('{"lemma": "snub", "type": "REJECT"}\n\n' + line + "\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_event_lexicon(extra=(user,))
    assert f"{user}:3: " in str(err.value)
    assert problem in str(err.value)


def test_events_lexicon_missing_user_file(tmp_path: Path):
    with pytest.raises(ConfigError, match="lexicon file not found"):
        load_event_lexicon(extra=(tmp_path / "nope.jsonl",))

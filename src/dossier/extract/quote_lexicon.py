"""Data files for quotes: speech verbs, topic verbs, statement nouns and stance cues.

`quote_cues.jsonl` lists lemmas by kind (`speech`: said/told/urged, with an optional stance
the verb itself carries; `topic`: discussed/raised, whose quoted object is a topic, not a
claim; `document`: statement/resolution, nouns that speak for their author; `body`:
ministry/embassy, nouns naming an organ of a state that speaks as itself, "China's defence ministry").
`stance_cues.jsonl` lists words and phrases with the stance they signal, a weight, and the
scope they count in (`quote`, `frame` - the attribution clause - or `both`).
Users add entries with extra files of kinds "quote_cues" and "stance_cues".
"""

from __future__ import annotations

from dataclasses import dataclass

from dossier.errors import ConfigError
from dossier.extract.figure_lexicon import cue_words, field, lexicon_files, read_jsonl
from dossier.settings import Settings

STANCES = ("support", "condemn", "request", "neutral")
_KINDS = ("speech", "topic", "document", "body")
_SCOPES = ("quote", "frame", "both")


@dataclass(frozen=True, slots=True)
class StanceCue:
    """A word or phrase (forms or lemmas) that signals a stance."""

    words: tuple[str, ...]
    stance: str
    weight: float
    scope: str


@dataclass(frozen=True, slots=True)
class QuoteLexicon:
    """Everything `QuoteExtractor` (and figure attribution) reads from data files."""

    speech: dict[str, str | None]  # lemma -> stance carried by the verb itself
    topic: frozenset[str]
    documents: frozenset[str]
    stance_cues: tuple[StanceCue, ...]
    bodies: frozenset[str] = frozenset()  # nouns naming an organ of a state ("ministry", "embassy")

    def is_speech(self, lemma: str) -> bool:
        """True when `lemma` is a verb of saying (or of a topic being discussed)."""
        return lemma in self.speech or lemma in self.topic


def load_quote_lexicon(settings: Settings) -> QuoteLexicon:
    """Read the packaged quote data files plus the user's extra ones."""
    speech: dict[str, str | None] = {}
    topic: set[str] = set()
    documents: set[str] = set()
    bodies: set[str] = set()
    for path in lexicon_files(settings, "quote_cues"):
        for where, entry in read_jsonl(path):
            lemma = field(where, entry, "lemma", str).casefold()
            kind = field(where, entry, "kind", str)
            if kind not in _KINDS:
                raise ConfigError(f"{where}: kind {kind!r} is not one of {list(_KINDS)}")
            stance = field(where, entry, "stance", str, required=False)
            if stance is not None and stance not in STANCES:
                raise ConfigError(f"{where}: stance {stance!r} is not one of {list(STANCES)}")
            if kind == "speech":
                speech[lemma] = stance
            elif kind == "topic":
                topic.add(lemma)
            elif kind == "body":
                bodies.add(lemma)
            else:
                documents.add(lemma)
    cues: list[StanceCue] = []
    for path in lexicon_files(settings, "stance_cues"):
        for where, entry in read_jsonl(path):
            stance = field(where, entry, "stance", str)
            if stance not in STANCES:
                raise ConfigError(f"{where}: stance {stance!r} is not one of {list(STANCES)}")
            scope = field(where, entry, "scope", str, required=False) or "both"
            if scope not in _SCOPES:
                raise ConfigError(f"{where}: scope {scope!r} is not one of {list(_SCOPES)}")
            weight = field(where, entry, "weight", float, required=False)
            cues.append(StanceCue(cue_words(field(where, entry, "cue", str)), stance,
                                  1.0 if weight is None else weight, scope))
    return QuoteLexicon(speech, frozenset(topic), frozenset(documents), tuple(cues), frozenset(bodies))

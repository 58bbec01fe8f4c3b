"""Data files for figures: units and currencies, category cues, qualifiers, non-figure words.

Each file is JSONL under `dossier/data/lexicons/`; users add entries with extra files of the
same kinds (`Settings.files("figure_units")`, ...). Entries are validated at load time and a
bad one raises ConfigError naming `file:line`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dossier.errors import ConfigError
from dossier.extract.numbers import Units
from dossier.settings import Settings, data_path


def read_jsonl(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield `("file:line", entry)` for each non-blank, non-comment line of a JSONL file."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as err:
        raise ConfigError(f"{path}: cannot read lexicon ({err.strerror}); check the path") from None
    for n, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        where = f"{path}:{n}"
        try:
            entry = json.loads(line)
        except json.JSONDecodeError as err:
            raise ConfigError(f"{where}: not valid JSON ({err.msg}); fix or remove the line") from None
        if not isinstance(entry, dict):
            raise ConfigError(f"{where}: expected a JSON object, got {type(entry).__name__}")
        yield where, entry


def field(where: str, entry: dict[str, Any], key: str, kind: type, *, required: bool = True) -> Any:
    """Return `entry[key]` checked against `kind`; a missing or mistyped value is a ConfigError."""
    if key not in entry:
        if required:
            raise ConfigError(f"{where}: missing field `{key}`; see the other lines of the file")
        return None
    value = entry[key]
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind):
        raise ConfigError(f"{where}: field `{key}` must be {kind.__name__}, got {value!r}")
    return value


def lexicon_files(settings: Settings, name: str) -> list[Path]:
    """Return the packaged `name.jsonl` followed by the user's extra files of kind `name`."""
    return [data_path("lexicons", f"{name}.jsonl"), *settings.files(name)]


def cue_words(phrase: str) -> tuple[str, ...]:
    """Split a cue phrase into the casefolded words it is matched on."""
    return tuple(phrase.casefold().split())


@dataclass(frozen=True, slots=True)
class CategoryCue:
    """A word or phrase (lemmas or forms) that gives the category of a nearby number."""

    words: tuple[str, ...]
    category: str
    needs_any: frozenset[str]  # the sentence must contain one of these (lowercased) words
    # categories this cue beats when both are near the number ("released 24 hostages": the
    # verb says what happened to the hostages, so `released` wins over the noun's `hostages`)
    outranks: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class FigureLexicon:
    """Everything `FigureExtractor` reads from data files."""

    units: Units
    measures: dict[tuple[str, ...], str]  # unit words -> category ("km" -> distance)
    time_units: frozenset[str]
    cues: tuple[CategoryCue, ...]
    qualifiers_before: dict[tuple[str, ...], str]
    qualifiers_after: dict[tuple[str, ...], str]
    labels: frozenset[str]
    placement_after: frozenset[tuple[str, ...]]
    placement_before: frozenset[tuple[str, ...]]
    span_nouns: frozenset[str]
    age_before: frozenset[tuple[str, ...]]
    strength_words: frozenset[str] = frozenset()  # "-strong": "a 13,000-strong force" is a count


_QUALIFIERS = {"at least", "at most", "about", "more than"}


def _units(paths: Iterable[Path]) -> tuple[Units, dict[tuple[str, ...], str], frozenset[str], frozenset[str]]:
    prefixes: dict[str, str] = {}
    suffixes: dict[str, str] = {}
    scales: dict[str, float] = {}
    glued: set[str] = set()
    measures: dict[tuple[str, ...], str] = {}
    time_units: set[str] = set()
    strength: set[str] = set()
    for path in paths:
        for where, entry in read_jsonl(path):
            kind = field(where, entry, "kind", str)
            surface = field(where, entry, "surface", str).casefold()
            if kind == "currency_prefix":
                prefixes[surface] = field(where, entry, "code", str)
            elif kind == "currency_suffix":
                suffixes[surface] = field(where, entry, "code", str)
            elif kind == "scale":
                scales[surface] = field(where, entry, "value", float)
                if field(where, entry, "glued_only", bool, required=False):
                    glued.add(surface)
            elif kind == "measure":
                measures[cue_words(surface)] = field(where, entry, "category", str)
            elif kind == "time_unit":
                time_units.add(surface)
            elif kind == "strength":
                strength.add(surface)
            else:
                raise ConfigError(
                    f"{where}: unknown kind {kind!r}; use currency_prefix, currency_suffix, "
                    "scale, measure, time_unit or strength"
                )
    units = Units(prefixes, suffixes, scales, frozenset(glued))
    return units, measures, frozenset(time_units), frozenset(strength)


def load_figure_lexicon(settings: Settings) -> FigureLexicon:
    """Read the packaged figure data files plus the user's extra ones."""
    units, measures, time_units, strength = _units(lexicon_files(settings, "figure_units"))
    cues: list[CategoryCue] = []
    for path in lexicon_files(settings, "figure_categories"):
        for where, entry in read_jsonl(path):
            needs = field(where, entry, "needs_any", list, required=False) or []
            outranks = field(where, entry, "outranks", list, required=False) or []
            cues.append(CategoryCue(
                cue_words(field(where, entry, "cue", str)),
                field(where, entry, "category", str),
                frozenset(str(w).casefold() for w in needs),
                frozenset(str(c) for c in outranks),
            ))
    before: dict[tuple[str, ...], str] = {}
    after: dict[tuple[str, ...], str] = {}
    for path in lexicon_files(settings, "figure_qualifiers"):
        for where, entry in read_jsonl(path):
            qualifier = field(where, entry, "qualifier", str)
            if qualifier not in _QUALIFIERS:
                raise ConfigError(f"{where}: qualifier {qualifier!r} is not one of {sorted(_QUALIFIERS)}")
            position = field(where, entry, "position", str)
            if position not in {"before", "after"}:
                raise ConfigError(f"{where}: position must be 'before' or 'after', got {position!r}")
            (before if position == "before" else after)[cue_words(field(where, entry, "phrase", str))] = qualifier
    words: dict[str, set[tuple[str, ...]]] = {
        "label": set(), "time_placement_after": set(), "time_placement_before": set(),
        "span_noun": set(), "age_before": set(),
    }
    for path in lexicon_files(settings, "figure_nonfigures"):
        for where, entry in read_jsonl(path):
            kind = field(where, entry, "kind", str)
            if kind not in words:
                raise ConfigError(f"{where}: unknown kind {kind!r}; use one of {sorted(words)}")
            words[kind].add(cue_words(field(where, entry, "word", str)))
    return FigureLexicon(
        units=units,
        measures=measures,
        time_units=time_units,
        cues=tuple(cues),
        qualifiers_before=before,
        qualifiers_after=after,
        labels=frozenset(" ".join(w) for w in words["label"]),
        placement_after=frozenset(words["time_placement_after"]),
        placement_before=frozenset(words["time_placement_before"]),
        span_nouns=frozenset(" ".join(w) for w in words["span_noun"]),
        age_before=frozenset(words["age_before"]),
        strength_words=strength,
    )


class PhraseIndex:
    """Finds cue phrases in a token sequence, matching each word on its form or its lemma."""

    def __init__(self, phrases: Iterable[tuple[tuple[str, ...], Any]]) -> None:
        self._by_first: dict[str, list[tuple[tuple[str, ...], Any]]] = {}
        for words, payload in phrases:
            if words:
                self._by_first.setdefault(words[0], []).append((words, payload))
        for entries in self._by_first.values():
            entries.sort(key=lambda e: -len(e[0]))  # longest phrase first

    def find(self, forms: list[str], lemmas: list[str]) -> list[tuple[int, int, Any]]:
        """Return `(start, end, payload)` for each phrase found, longest first at each start.

        `forms` and `lemmas` are the casefolded words and lemmas of the token sequence.
        """
        hits: list[tuple[int, int, Any]] = []
        n = len(forms)
        for i in range(n):
            cands = self._by_first.get(forms[i], [])
            if lemmas[i] != forms[i]:
                cands = cands + self._by_first.get(lemmas[i], [])
            for words, payload in cands:
                k = len(words)
                if i + k <= n and all(w in (forms[i + j], lemmas[i + j]) for j, w in enumerate(words)):
                    hits.append((i, i + k, payload))
        return hits

"""Fuse settings and data files: thresholds, event weights, unit classes, subject words."""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dossier.errors import ConfigError
from dossier.settings import Settings, data_path

QUAD_CLASSES = ("verbal_cooperation", "material_cooperation", "verbal_conflict", "material_conflict")
PLOVER_TYPES = (
    "AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "REQUEST",
    "ACCUSE", "REJECT", "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT",
)


@dataclass(frozen=True, slots=True)
class Weights:
    """Quad class and Goldstein-like weight per PLOVER type, with per-mode overrides."""

    types: dict[str, tuple[str, float]]
    modes: dict[tuple[str, str], tuple[str, float]]
    symmetric: frozenset[str]

    def of(self, etype: str, mode: str | None) -> tuple[str, float]:
        """Return (quad_class, weight) of a type and mode; unknown types weigh 0."""
        if mode and (etype, mode) in self.modes:
            return self.modes[(etype, mode)]
        return self.types.get(etype, ("unknown", 0.0))


@dataclass(frozen=True, slots=True)
class Scope:
    """Words and patterns telling a running total from the count of one occasion (figure_scope.toml)."""

    occasion_subject: frozenset[str]
    occasion_sentence: tuple[str, ...]
    cumulative: tuple[re.Pattern[str], ...]


@dataclass(frozen=True, slots=True)
class FuseConfig:
    """Everything the fuse stage is tuned by (see `[fuse]` in settings.toml)."""

    shingle_words: int
    num_perm: int
    seed: int
    duplicate_threshold: float
    duplicate_min_words: int
    max_date_gap_days: int
    date_conflict_max_days: int
    unknown_attach_max_days: int
    figure_subject_threshold: float
    series_min_documents: int
    figure_value_tolerance: float
    figure_about_tolerance: float
    context_min_share: float
    weights: Weights
    unit_classes: dict[str, str]
    subject_stopwords: frozenset[str]
    subpopulations: frozenset[str]
    scope: Scope
    fingerprint: str  # hash of all of the above, for the no-op check
    # How many new documents a refresh takes at a time: bounds its memory, never its result
    # (so it is not part of the fingerprint).
    batch_documents: int = 2000


def _number(settings: Settings, key: str, default: float, *, lo: float, hi: float) -> float:
    value = settings.get(f"fuse.{key}", default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not lo <= value <= hi:
        raise ConfigError(f"settings: `fuse.{key}` = {value!r} must be a number from {lo} to {hi}")
    return float(value)


def load_weights(path: Path) -> Weights:
    """Read and check an event weight table (format: data/fuse/event_weights.toml)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise ConfigError(f"{path}: cannot read the event weight table ({err}); fix or remove the file") from None

    def entry(where: str, raw: Any, base: tuple[str, float] | None) -> tuple[str, float]:
        if not isinstance(raw, dict):
            raise ConfigError(f"{path}: {where} must be a table {{quad_class = ..., weight = ...}}")
        quad = raw.get("quad_class", base[0] if base else None)
        weight = raw.get("weight")
        if quad not in QUAD_CLASSES:
            raise ConfigError(f"{path}: {where}: quad_class {quad!r} is not one of {', '.join(QUAD_CLASSES)}")
        if isinstance(weight, bool) or not isinstance(weight, int | float) or not -10 <= weight <= 10:
            raise ConfigError(f"{path}: {where}: weight {weight!r} must be a number from -10 to 10")
        return str(quad), float(weight)

    types: dict[str, tuple[str, float]] = {}
    for etype, raw in (data.get("types") or {}).items():
        if etype not in PLOVER_TYPES:
            raise ConfigError(f"{path}: types.{etype} is not a PLOVER event type")
        types[etype] = entry(f"types.{etype}", raw, None)
    missing = [t for t in PLOVER_TYPES if t not in types]
    if missing:
        raise ConfigError(f"{path}: no weight for {', '.join(missing)}; add them under [types]")
    modes: dict[tuple[str, str], tuple[str, float]] = {}
    for etype, table in (data.get("modes") or {}).items():
        if etype not in types or not isinstance(table, dict):
            raise ConfigError(f"{path}: modes.{etype} is not a PLOVER event type with a table of modes")
        for mode, raw in table.items():
            modes[(etype, mode)] = entry(f"modes.{etype}.{mode}", raw, types[etype])
    symmetric = data.get("symmetric", [])
    if not isinstance(symmetric, list) or any(s not in types for s in symmetric):
        raise ConfigError(f"{path}: symmetric must be a list of PLOVER event types")
    return Weights(types, modes, frozenset(symmetric))


def load_unit_classes(path: Path) -> dict[str, str]:
    """Return unit (lower case) -> class name from a units file (data/fuse/units.toml)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise ConfigError(f"{path}: cannot read the unit classes ({err}); fix the file") from None
    out: dict[str, str] = {}
    for name, units in (data.get("classes") or {}).items():
        if not isinstance(units, list) or not all(isinstance(u, str) for u in units):
            raise ConfigError(f"{path}: classes.{name} must be a list of unit strings")
        for unit in units:
            out[unit.lower()] = name
    return out


def load_subpopulations(path: Path) -> frozenset[str]:
    """Return the sub-population words of a units file (`[subpopulations] words`)."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    words = (data.get("subpopulations") or {}).get("words", [])
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        raise ConfigError(f"{path}: subpopulations.words must be a list of strings")
    return frozenset(w.lower() for w in words)


def load_scope(path: Path) -> Scope:
    """Read the figure scope words and patterns (format: data/fuse/figure_scope.toml)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise ConfigError(f"{path}: cannot read the figure scope file ({err}); fix the file") from None

    def words(table: str, key: str) -> list[str]:
        value = (data.get(table) or {}).get(key, [])
        if not isinstance(value, list) or not all(isinstance(w, str) for w in value):
            raise ConfigError(f"{path}: {table}.{key} must be a list of strings")
        return [" ".join(w.lower().split()) for w in value]

    patterns = []
    for i, pattern in enumerate(words("cumulative", "sentence_patterns")):
        try:
            patterns.append(re.compile(pattern))
        except re.error as err:
            raise ConfigError(f"{path}: cumulative.sentence_patterns[{i}] {pattern!r}: {err}") from None
    return Scope(
        frozenset(words("occasion", "subject_words")), tuple(words("occasion", "sentence_words")), tuple(patterns)
    )


def load_word_list(path: Path) -> frozenset[str]:
    """Return the words of a one-word-per-line file (`#` starts a comment)."""
    words = set()
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        word = line.split("#", 1)[0].strip().lower()
        if not word:
            continue
        if " " in word:
            raise ConfigError(f"{path}:{lineno}: one word per line, got {word!r}")
        words.add(word)
    return frozenset(words)


def load_config(settings: Settings) -> FuseConfig:
    """Return the checked fuse configuration of `settings`."""
    weights_file = settings.get("fuse.weights_file", "") or ""
    weights_path = Path(weights_file) if weights_file else data_path("fuse", "event_weights.toml")
    units_path = data_path("fuse", "units.toml")
    words_path = data_path("fuse", "figure_words.txt")
    weights = load_weights(weights_path)
    units = load_unit_classes(units_path)
    for extra in settings.files("fuse_units"):
        units.update(load_unit_classes(extra))
    words = load_word_list(words_path)
    scope_path = data_path("fuse", "figure_scope.toml")
    scope = load_scope(scope_path)
    subpopulations = load_subpopulations(units_path)
    values = {
        "shingle_words": int(_number(settings, "shingle_words", 5, lo=1, hi=50)),
        "num_perm": int(_number(settings, "minhash_num_perm", 128, lo=16, hi=1024)),
        "seed": int(_number(settings, "minhash_seed", 1, lo=0, hi=2**31)),
        "duplicate_threshold": _number(settings, "duplicate_threshold", 0.6, lo=0.0, hi=1.0),
        "duplicate_min_words": int(_number(settings, "duplicate_min_words", 40, lo=0, hi=10**6)),
        "max_date_gap_days": int(_number(settings, "max_date_gap_days", 1, lo=0, hi=3650)),
        "unknown_attach_max_days": int(_number(settings, "unknown_attach_max_days", 31, lo=0, hi=3650)),
        "date_conflict_max_days": int(_number(settings, "date_conflict_max_days", 45, lo=0, hi=3650)),
        "figure_subject_threshold": _number(settings, "figure_subject_threshold", 50, lo=0, hi=100),
        "series_min_documents": int(_number(settings, "series_min_documents", 2, lo=1, hi=10**6)),
        "figure_value_tolerance": _number(settings, "figure_value_tolerance", 0.0, lo=0.0, hi=1.0),
        "figure_about_tolerance": _number(settings, "figure_about_tolerance", 0.1, lo=0.0, hi=1.0),
        "context_min_share": _number(settings, "figure_context_min_share", 0.15, lo=0.0, hi=1.0),
    }
    blob = json.dumps(
        {
            "values": values,
            "weights": weights_path.read_text(encoding="utf-8"),
            "units": sorted(units.items()),
            "words": sorted(words),
            "scope": scope_path.read_text(encoding="utf-8"),
            "subpopulations": sorted(subpopulations),
        },
        sort_keys=True,
    )
    return FuseConfig(
        **values,  # type: ignore[arg-type]  # keys match the fields above
        weights=weights,
        unit_classes=units,
        subject_stopwords=words,
        subpopulations=subpopulations,
        scope=scope,
        fingerprint=hashlib.sha1(blob.encode()).hexdigest(),
        batch_documents=int(_number(settings, "refresh_batch_documents", 2000, lo=1, hi=10**7)),
    )

"""Data files of the clean stage: line patterns, outlets and wires, observances, word lists.

Packaged files live in `dossier/data/clean/`; users add their own of the same shape through
`Settings.files(kind)` with the kinds `clean_patterns` (TOML), `outlets` (JSONL),
`observances` (JSONL). A malformed entry is a ConfigError naming `file:line`.
"""

from __future__ import annotations

import json
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dossier.errors import ConfigError
from dossier.settings import Settings, data_path

PATTERN_KINDS = ("drop", "end", "caption", "credit", "byline", "published")

_DASHES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "“": '"', "”": '"', "„": '"', "–": "-", "—": "-",
                         "‐": "-", "‑": "-", "−": "-", "\u00a0": " "})
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def norm(text: str) -> str:
    """Normalise like SCORING.md: NFKC, casefold, ASCII quotes/dashes, non-alphanumerics to spaces.

    A leading "the " is dropped. Used for learnt site lines and outlet names.
    """
    text = unicodedata.normalize("NFKC", text).casefold().translate(_DASHES)
    text = " ".join(re.sub(r"[^\w]|_", " ", text).split())
    return text[4:] if text.startswith("the ") else text


def ascii_key(text: str) -> str:
    """A stricter key than `norm` (letters and digits only) for lookups in name tables."""
    return " ".join(_NON_ALNUM.sub(" ", norm(text)).split())


@dataclass(frozen=True, slots=True)
class Outlet:
    """A publishing site or wire agency known from `outlets.jsonl`."""

    name: str
    kind: str  # "site" or "wire"
    aliases: tuple[str, ...]
    domains: tuple[str, ...]
    signatures: tuple[str, ...]  # clutter lines specific to the site (normalised)
    date_order: str | None  # "dmy" or "mdy" for numeric dates, when known


@dataclass(frozen=True, slots=True)
class Observance:
    """A named day fixed in the calendar ("Armed Forces Day" of Myanmar, 27 March)."""

    name: str
    country: str | None
    month: int
    day: int


@dataclass(frozen=True, slots=True)
class CleanData:
    """Everything the cleaner reads from data files, loaded once per process."""

    patterns: dict[str, tuple[re.Pattern[str], ...]]
    outlets: tuple[Outlet, ...]
    observances: tuple[Observance, ...]
    stopwords: frozenset[str]
    section_words: frozenset[str]

    def wires(self) -> tuple[Outlet, ...]:
        """Return the wire agencies."""
        return tuple(o for o in self.outlets if o.kind == "wire")

    def sites(self) -> tuple[Outlet, ...]:
        """Return the publishing sites."""
        return tuple(o for o in self.outlets if o.kind == "site")


def _word_file(path: Path) -> frozenset[str]:
    words: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip().startswith("#"):
            words.update(w.casefold() for w in line.split())
    return frozenset(words)


def _load_patterns(path: Path, into: dict[str, list[re.Pattern[str]]]) -> None:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{path}: pattern file not found; check the path you added") from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: not valid TOML ({err}); fix the file") from None
    for kind, values in data.items():
        if kind not in PATTERN_KINDS:
            raise ConfigError(f"{path}: unknown pattern kind `{kind}`; use one of {', '.join(PATTERN_KINDS)}")
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise ConfigError(f"{path}: `{kind}` must be a list of regular-expression strings")
        for value in values:
            try:
                into[kind].append(re.compile(value, re.IGNORECASE))
            except re.error as err:
                raise ConfigError(f"{path}: `{kind}` pattern {value!r} is not a valid regex ({err})") from None


def _jsonl(path: Path) -> list[tuple[int, dict[str, Any]]]:
    rows: list[tuple[int, dict[str, Any]]] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise ConfigError(f"{path}: data file not found; check the path you added") from None
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            raise ConfigError(f"{path}:{number}: not valid JSON ({err.msg}); fix the line") from None
        if not isinstance(row, dict):
            raise ConfigError(f"{path}:{number}: each line must be a JSON object")
        rows.append((number, row))
    return rows


def _str_list(row: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = row.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{where}: `{key}` must be a list of non-empty strings")
    return tuple(value)


def _load_outlets(path: Path) -> list[Outlet]:
    outlets = []
    for number, row in _jsonl(path):
        where = f"{path}:{number}"
        name = row.get("name")
        kind = row.get("kind", "site")
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(f"{where}: `name` must be a non-empty string")
        if kind not in ("site", "wire"):
            raise ConfigError(f"{where}: `kind` must be \"site\" or \"wire\", not {kind!r}")
        order = row.get("date_order")
        if order not in (None, "dmy", "mdy"):
            raise ConfigError(f"{where}: `date_order` must be \"dmy\" or \"mdy\"")
        aliases = _str_list(row, "aliases", where) or (name,)
        outlets.append(
            Outlet(
                name=name,
                kind=kind,
                aliases=tuple(dict.fromkeys((name, *aliases))),
                domains=tuple(d.lower() for d in _str_list(row, "domains", where)),
                signatures=tuple(norm(s) for s in _str_list(row, "signatures", where)),
                date_order=order,
            )
        )
    return outlets


def _load_observances(path: Path) -> list[Observance]:
    found = []
    for number, row in _jsonl(path):
        where = f"{path}:{number}"
        name, month, day = row.get("name"), row.get("month"), row.get("day")
        country = row.get("country")
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(f"{where}: `name` must be a non-empty string")
        if not isinstance(month, int) or not 1 <= month <= 12 or not isinstance(day, int) or not 1 <= day <= 31:
            raise ConfigError(f"{where}: `month` (1-12) and `day` (1-31) must be integers")
        if country is not None and not isinstance(country, str):
            raise ConfigError(f"{where}: `country` must be a string when given")
        found.append(Observance(name, country, month, day))
    return found


def load_clean_data(settings: Settings) -> CleanData:
    """Load the packaged clean-stage data files plus the user's extra files."""
    patterns: dict[str, list[re.Pattern[str]]] = {kind: [] for kind in PATTERN_KINDS}
    for path in (data_path("clean", "patterns.toml"), *settings.files("clean_patterns")):
        _load_patterns(path, patterns)
    outlets: list[Outlet] = []
    for path in (data_path("clean", "outlets.jsonl"), *settings.files("outlets")):
        outlets.extend(_load_outlets(path))
    observances: list[Observance] = []
    for path in (data_path("clean", "observances.jsonl"), *settings.files("observances")):
        observances.extend(_load_observances(path))
    return CleanData(
        patterns={kind: tuple(found) for kind, found in patterns.items()},
        outlets=tuple(outlets),
        observances=tuple(observances),
        stopwords=_word_file(data_path("clean", "stopwords.txt")),
        section_words=_word_file(data_path("clean", "sections.txt")),
    )

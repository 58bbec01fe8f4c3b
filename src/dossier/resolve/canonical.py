"""Cross-document canonicalisation rules: one canonical entity per real-world actor.

Each `doc_entities` row belongs to a *base* entity whose id is derived from its content
(type group plus dictionary id, or plus its name without titles), so ids never depend on
processing order. Bases are then linked by rules, each recorded in `entity_merges` with
its reason and score:

- `alias`: one base's name is a name-like alias of the other ("USDP" seen beside the full name);
- `abbreviation`: a name in capitals equals the other's initials ("NUG");
- `spelling`: every word of the two names agrees after transliteration folding
  ("Naypyitaw"/"Naypyidaw", "Aleksandr"/"Alexander"), same word count, compatible country;
- `subset`: a person's name of two or more words inside another's, same known country.

Links only join the same type group and compatible countries; two people whose names
differ in any word ("Kim Jong Un", "Kim Jong Il") stay apart. Only bases sharing a blocking
key (`blocks`) are compared, and a key shared by more than `BLOCK_CAP` bases is a stop word,
not a name. `cluster` turns the links into components; `resolve.incremental` keeps bases,
keys and links in the store so that each batch recomputes only the components it touches.
An undone merge (`entity_merges.undone`) is a cannot-link constraint honoured by later calls.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from dossier.nlp.gazetteer import norm
from dossier.settings import data_path

GROUPS = {"PERSON": "PERSON", "ORG": "ORG", "GPE": "PLACE", "LOC": "PLACE", "EVENT": "EVENT"}
_FOLD = [("ks", "x"), ("kh", "h"), ("ph", "f"), ("dh", "d"), ("th", "t"), ("y", "i"), ("j", "i"), ("w", "v"),
         ("ou", "u"), ("oo", "u"), ("ee", "i"), ("ie", "i"), ("ck", "k"), ("c", "k"), ("q", "k")]
_STOP = {"of", "and", "the", "for", "in", "on", "de", "al"}
# A blocking key shared by more bases than this is a stop word ("w:mini" for every ministry),
# not a name: it links nothing. Kept from the first implementation; it bounds the candidates
# each new base is compared with, so a batch costs the same in a small or a large store.
BLOCK_CAP = 200


def _titles() -> set[str]:
    words = set()
    for line in data_path("gazetteer", "titles.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            words.add(line.split("\t")[0].strip().lower())
    return words


TITLES = _titles() | {"senior", "sr.", "sr", "vice", "deputy", "maj", "lt", "gen", "brig"}
_TITLE_FORMS = TITLES | {w.rstrip(".") for w in TITLES}


def strip_titles(name: str) -> str:
    """The name without leading titles and honorifics ("Sr. Gen. Min Aung Hlaing" -> "Min Aung Hlaing")."""
    words = name.split()
    while len(words) > 1 and words[0].lower().rstrip(",") in _TITLE_FORMS:
        words = words[1:]
    return " ".join(words)


def fold(word: str) -> str:
    """A transliteration skeleton of one word: common digraphs folded, doubled letters collapsed."""
    w = word.lower()
    for a, b in _FOLD:
        w = w.replace(a, b)
    return re.sub(r"(.)\1+", r"\1", w)


def base_key(etype: str, name: str, dictionary_id: str | None) -> str:
    """The content key of a document entity: type group plus dictionary id or title-less name."""
    group = GROUPS.get(etype, etype)
    if dictionary_id:
        return f"{group}|dict|{dictionary_id}"
    return f"{group}|name|{norm(strip_titles(name))}"


def rules_signature(threshold: float) -> str:
    """A digest of everything the stored bases and links depend on besides the rows themselves."""
    parts = [repr(threshold), str(BLOCK_CAP), repr(sorted(_TITLE_FORMS)), repr(_FOLD), repr(sorted(_STOP)),
             repr(sorted(GROUPS.items()))]
    return hashlib.sha1("|".join(parts).encode("utf-8")).hexdigest()[:16]


def entity_id_for(key: str) -> str:
    """Stable id of a base entity."""
    return "ent_" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def merge_id_for(from_id: str, into_id: str) -> str:
    """Stable id of a merge, so an undo survives recomputation."""
    return "mrg_" + hashlib.sha1(f"{from_id}>{into_id}".encode()).hexdigest()[:16]


@dataclass
class Base:
    """Everything known about one base entity, aggregated over its document rows."""

    entity_id: str
    key: str
    group: str
    names: Counter[str] = field(default_factory=Counter)
    types: Counter[str] = field(default_factory=Counter)
    countries: Counter[str] = field(default_factory=Counter)
    sectors: Counter[str] = field(default_factory=Counter)
    roles: set[str] = field(default_factory=set)
    aliases: set[str] = field(default_factory=set)
    docs: int = 0  # documents that mention it (each document's rows are folded in once, together)
    dictionary_id: str | None = None

    @property
    def name(self) -> str:
        return max(self.names, key=lambda n: (self.names[n], len(n), n)) if self.names else ""

    @property
    def country(self) -> str | None:
        return max(self.countries, key=lambda c: (self.countries[c], c)) if self.countries else None

    @property
    def type(self) -> str:
        return max(self.types, key=lambda t: (self.types[t], t))

    @property
    def sector(self) -> str | None:
        return max(self.sectors, key=lambda s: (self.sectors[s], s)) if self.sectors else None

    def core(self) -> str:
        return strip_titles(self.name)


def _name_like(alias: str) -> bool:
    words = alias.split()
    return bool(words) and all(w[:1].isupper() or w.lower() in _STOP for w in words) and words[0].lower() != "the"


def _initials(name: str) -> str:
    return "".join(w[0] for w in re.split(r"[\s-]+", name) if w and w.lower() not in _STOP and w[0].isalpha()).upper()


@dataclass(frozen=True, slots=True)
class Profile:
    """What `link` reads of a base, computed once (a base is compared with many candidates)."""

    group: str
    country: str | None
    core: str  # name without titles
    key: str  # norm(core)
    folded: tuple[str, ...]  # fold() of each word of key
    aliases: frozenset[str]  # norms of the name-like aliases that may link (multi-word for people)
    initials: str  # _initials(core)
    abbr: bool  # core may be an abbreviation: in capitals, 2 to 6 characters

    @classmethod
    def of(cls, b: Base) -> Profile:
        """The profile of a base."""
        core = b.core()
        key = norm(core)
        aliases = frozenset(norm(x) for x in b.aliases
                            if _name_like(x) and (b.group != "PERSON" or len(x.split()) > 1))
        return cls(b.group, b.country, core, key, tuple(fold(w) for w in key.split()), aliases, _initials(core),
                   core.isupper() and 2 <= len(core) <= 6)


def link(a: Base, b: Base, threshold: float) -> tuple[str, float] | None:
    """The rule that makes two bases one entity, with its score, or None."""
    return link_profiles(Profile.of(a), Profile.of(b), threshold)


def link_profiles(a: Profile, b: Profile, threshold: float) -> tuple[str, float] | None:
    """`link` on precomputed profiles."""
    if a.group != b.group or (a.country is not None and b.country is not None and a.country != b.country):
        return None
    na, nb = a.core, b.core
    ka, kb = a.key, b.key
    if not ka or not kb:
        return None
    if kb in a.aliases or ka in b.aliases:
        return "alias", 100.0
    if a.group in {"ORG", "EVENT"}:
        if a.abbr and b.initials == na:
            return "abbreviation", 100.0
        if b.abbr and a.initials == nb:
            return "abbreviation", 100.0
    if len(a.folded) == len(b.folded):
        scores = []
        for x, y in zip(a.folded, b.folded, strict=True):
            # Below the cutoff rapidfuzz returns 0 early; at or above it, the exact ratio.
            score = fuzz.ratio(x, y, score_cutoff=threshold)
            if score < threshold:
                break
            scores.append(score)
        else:
            return "spelling", round(sum(scores) / len(scores), 1)
    if a.group == "PERSON" and a.country and a.country == b.country:
        wa, wb = ka.split(), kb.split()
        short, long_ = (wa, wb) if len(wa) < len(wb) else (wb, wa)
        if len(short) >= 2 and any(long_[i:i + len(short)] == short for i in range(len(long_) - len(short) + 1)):
            return "subset", 90.0
    return None


def blocks(base: Base) -> set[str]:
    """Blocking keys of a base: only bases sharing one are compared with `link`.

    Keys carry the type group, since `link` never joins two groups: folded four-letter word
    prefixes ("w:"), initials ("i:"), and the norms of the name and its name-like aliases ("n:").
    """
    core = base.core()
    keys = {"w:" + fold(w)[:4] for w in norm(core).split() if w not in _STOP}
    keys.add("i:" + _initials(core))
    if core.isupper():
        keys.add("i:" + core)
    for alias in base.aliases:
        if _name_like(alias):
            keys.add("n:" + norm(alias))
    keys.add("n:" + norm(core))
    return {f"{base.group}|{k}" for k in keys}


def survivor_rank(b: Base) -> tuple[bool, int, bool, int, str]:
    """Order of preference for the base that names a merged component (the largest wins)."""
    return (b.dictionary_id is not None, len(b.core().split()), not b.core().isupper(), b.docs, b.entity_id)


def cluster(bases: Mapping[str, Base], edges: Mapping[tuple[str, str], tuple[str, float]],
            cannot: set[frozenset[str]]) -> dict[str, tuple[str, str, float]]:
    """Map each merged base id to (survivor id, reason, score), given the linking edges.

    `edges` maps (smaller id, larger id) to the rule that links them. Edges are taken
    strongest first (ties by ids), and one is skipped when it would join two bases an undone
    merge separated (`cannot`) or two different known countries. The result for a connected
    component of `edges` depends only on that component, which is what lets a caller
    recompute only the components that changed.
    """
    parent: dict[str, str] = {bid: bid for bid in bases}
    members_of: dict[str, set[str]] = {bid: {bid} for bid in bases}
    countries_of: dict[str, set[str]] = {bid: {b.country} if b.country else set() for bid, b in bases.items()}

    def find(i: str) -> str:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    joined_by: dict[str, tuple[str, float]] = {}
    for (i, j), (reason, score) in sorted(edges.items(), key=lambda kv: (-kv[1][1], kv[0][0], kv[0][1])):
        ri, rj = find(i), find(j)
        if ri == rj:
            continue
        if cannot and any(frozenset((x, y)) in cannot for x in members_of[ri] for y in members_of[rj]):
            continue
        # The two groups may still hold different countries: all known countries must agree.
        if len(countries_of[ri] | countries_of[rj]) > 1:
            continue
        parent[rj] = ri
        members_of[ri] |= members_of.pop(rj)
        countries_of[ri] |= countries_of.pop(rj)
        for bid in (i, j):
            joined_by.setdefault(bid, (reason, score))
    comps: dict[str, list[Base]] = defaultdict(list)
    for bid in sorted(bases):
        comps[find(bid)].append(bases[bid])
    out: dict[str, tuple[str, str, float]] = {}
    for group in comps.values():
        if len(group) < 2:
            continue
        survivor = max(group, key=survivor_rank)
        for b in group:
            if b is not survivor:
                reason, score = joined_by.get(b.entity_id, ("component", 0.0))
                out[b.entity_id] = (survivor.entity_id, reason, score)
    return out



"""Records emitted by the nlp stage: in-document entities, mentions and time expressions.

The spaCy `Doc` travels with the article inside one process (extraction reads the
parse); it is never stored or sent between processes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from dossier.clean.records import CleanArticle, Precision

if TYPE_CHECKING:
    from spacy.tokens import Doc

EntityType = Literal["PERSON", "ORG", "GPE", "LOC", "EVENT"]
MentionKind = Literal["name", "alias", "title", "descriptor", "pronoun", "metonym", "short"]
# Actor sectors in the style of CAMEO/PLOVER actor codes.
Sector = Literal["GOV", "MIL", "PTY", "REB", "OPP", "MED", "IGO", "NGO", "BUS", "JUD", "CVL", "LEG"]


@dataclass(frozen=True, slots=True)
class Mention:
    """One surface form in the body that refers to an entity."""

    entity_key: str  # the in-document entity it belongs to ("e0", "e1", ...)
    start: int  # character offsets into the cleaned body
    end: int
    text: str  # body[start:end]
    kind: MentionKind


@dataclass(frozen=True, slots=True)
class Entity:
    """An entity of one article: canonical name, every alias, roles, country and sector."""

    key: str  # unique within the article ("e0", ...)
    name: str  # the fullest common form
    type: EntityType
    country: str | None  # ISO 3166-1 alpha-3
    sector: str | None  # one of `Sector`, or None
    aliases: tuple[str, ...]  # every surface form in the article, verbatim
    roles: tuple[str, ...]
    dictionary_id: str | None = None  # actor dictionary key when the entity came from one


@dataclass(frozen=True, slots=True)
class TimeExpression:
    """A dated expression in the body, resolved against the article's date."""

    start: int  # character offsets into the cleaned body
    end: int
    text: str
    date: str | None  # ISO; month precision as YYYY-MM-01, year as YYYY-01-01
    precision: Precision
    rule: str  # how it was resolved, e.g. "weekday-before-anchor", "absolute"


@dataclass(slots=True)
class ParsedArticle:
    """An article with its parse, entities, mentions and time expressions."""

    article: CleanArticle
    doc: Doc
    entities: tuple[Entity, ...]
    mentions: tuple[Mention, ...]
    timexes: tuple[TimeExpression, ...]

    def entity(self, key: str) -> Entity:
        """Return the entity with this key."""
        for ent in self.entities:
            if ent.key == key:
                return ent
        raise KeyError(key)

    def mention_at(self, start: int, end: int) -> Mention | None:
        """Return the mention that overlaps body span `[start, end)` most, if any."""
        best: Mention | None = None
        best_overlap = 0
        for m in self.mentions:
            overlap = min(end, m.end) - max(start, m.start)
            if overlap > best_overlap:
                best, best_overlap = m, overlap
        return best

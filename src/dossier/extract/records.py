"""Records emitted by the extract stage: events, figures and quotes with evidence."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from dossier.clean.records import CleanArticle, Precision
from dossier.nlp.records import Entity, Mention, TimeExpression

EventType = Literal[
    "AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "REQUEST",
    "ACCUSE", "REJECT", "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT",
]
Stance = Literal["support", "condemn", "neutral", "request"]


@dataclass(frozen=True, slots=True)
class Evidence:
    """A verbatim span of an article that supports a fact.

    `body[body_start:body_end] == text` always holds. `start`/`end` index the raw input:
    for text inputs `raw[start:end] == text`; for HTML the raw span is the markup that
    renders as `text`.
    """

    doc_id: str
    start: int
    end: int
    body_start: int
    body_end: int
    text: str


@dataclass(frozen=True, slots=True)
class Participant:
    """An actor or target of an event: an in-document entity, or free text when none fits."""

    name: str  # the entity's canonical name, or the text as written
    entity_key: str | None  # in-document entity key, None for free text


@dataclass(frozen=True, slots=True)
class Event:
    """One real-world action in an article, coded in PLOVER."""

    type: EventType
    mode: str | None
    actors: tuple[Participant, ...]
    targets: tuple[Participant, ...]
    date: str | None
    precision: Precision
    place: str | None
    negated: bool
    source: str | None  # who reported or claimed it, when attributed
    evidence: tuple[Evidence, ...]  # first is the main sentence
    trigger: str  # the word or phrase that triggered the coding
    pattern: str  # lexicon entry and argument pattern used, for `dossier explain`
    date_rule: str  # how the date was found, for `dossier explain`


@dataclass(frozen=True, slots=True)
class Figure:
    """A number the article reports, with what it measures, its source and as-of date."""

    value: float
    qualifier: str | None  # "at least", "at most", "about", "more than"
    unit: str | None
    category: str
    subject: str | None
    source: str | None
    as_of: str | None
    as_of_precision: Precision
    evidence: Evidence
    surface: str  # the number as written, e.g. "$12.5m"


@dataclass(frozen=True, slots=True)
class Quote:
    """A direct quotation (or reported speech) with its speaker, target and stance."""

    speaker: Participant
    target: Participant | None
    stance: Stance
    text: str  # the quoted words without the marks
    direct: bool  # False for reported speech ("X said that ...")
    evidence: Evidence  # span of `text` itself


@dataclass(frozen=True, slots=True)
class ArticleExtraction:
    """Everything extracted from one article: what a worker returns and the store writes."""

    article: CleanArticle
    entities: tuple[Entity, ...]
    mentions: tuple[Mention, ...]
    timexes: tuple[TimeExpression, ...]
    events: tuple[Event, ...]
    figures: tuple[Figure, ...]
    quotes: tuple[Quote, ...]

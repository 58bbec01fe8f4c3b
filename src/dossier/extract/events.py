"""PLOVER events from parsed articles, each tied to its verbatim evidence sentence.

One pass over the sentences: each token is looked up in the trigger lexicon
(`event_lexicon.py`, data in `data/lexicons/event_*.jsonl`), the entry's conditions are
checked on the parse, participants are read off the dependency tree (`event_args.py`)
and the trigger's negation, modality, source, date and place are read from its clause
(`event_context.py`). Mentions of one real-world action are then merged into one event
with all their evidence.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from dossier.clean.records import Precision
from dossier.extract.event_args import (
    PARTICIPANT_TYPES,
    PLACE_TYPES,
    ArgumentResolver,
    agent_of,
    capital_state,
    clause_verb,
    conjuncts,
    country_names,
    direct_objects,
    prep_objects,
    subjects,
)
from dossier.extract.event_context import (
    UNKNOWN_DATE,
    VERBAL_TYPES,
    DateChoice,
    Modality,
    date_of,
    modality,
    place_of,
    source_of,
)
from dossier.extract.event_lexicon import Condition, EventLexicon, TriggerEntry, load_event_lexicon
from dossier.extract.records import Event, EventType, Evidence, Participant
from dossier.nlp.records import Entity, ParsedArticle, TimeExpression
from dossier.settings import Settings

if TYPE_CHECKING:
    from spacy.tokens import Span, Token

log = logging.getLogger(__name__)

# Triggers inside the complement of these speech acts are what is requested, alleged or
# rejected, not actions that happened ("called for ... to impose an embargo").
EMBEDDING_TYPES = frozenset({"REQUEST", "ACCUSE", "REJECT", "THREATEN"})
# Speech acts with different trigger words are different statements, even between the same parties.
SPEECH_ACTS = EMBEDDING_TYPES
# Material conflict a report may tell from the victim's side alone (passive, nominal).
ACTORLESS_TYPES = frozenset({"ASSAULT", "COERCE", "SANCTION"})
JOINT_WORDS = frozenset({"joint", "jointly", "together", "combined", "bilateral", "trilateral", "multilateral"})
POS_MAP = {"VERB": "VERB", "NOUN": "NOUN", "PROPN": "NOUN", "ADJ": "ADJ"}
QUOTE_RE = re.compile(r"“[^”]{1,1500}”|\"[^\"\n]{1,1500}\"")
PRECISION_RANK = {"day": 3, "month": 2, "year": 1, "unknown": 0}


@dataclass(slots=True)
class _Candidate:
    tok: Token
    entry: TriggerEntry
    sent: Span
    alleged_by: Token | None = None  # the accusing trigger when this action is what is alleged


@dataclass(slots=True)
class _Draft:
    """An event being assembled; merged drafts become one Event."""

    type: str
    mode: str | None
    actors: list[Participant]
    targets: list[Participant]
    date: DateChoice
    place: str | None
    negated: bool
    source: str | None
    evidence: list[tuple[int, int]]
    trigger: str
    pattern: str
    lemma: str = ""
    extra_triggers: list[str] = field(default_factory=list)


class EventExtractor:
    """Finds PLOVER events in a parsed article."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.lexicon = load_event_lexicon(settings)
        self.countries = country_names()

    def extract(self, parsed: ParsedArticle) -> tuple[Event, ...]:
        """Return the article's events, each with its evidence (first = main sentence)."""
        return _ArticleRun(parsed, self.lexicon, self.countries).run()


class _ArticleRun:
    def __init__(self, parsed: ParsedArticle, lexicon: EventLexicon, countries: frozenset[str]) -> None:
        self.parsed = parsed
        self.doc = parsed.doc
        self.body = parsed.article.body
        self.lexicon = lexicon
        self.countries = countries
        self.resolver = ArgumentResolver.build(parsed, lexicon)
        self.quoted = self._quoted_clauses()
        pub = parsed.article.published
        self.article_date: tuple[str | None, Precision] = (pub.date, pub.precision)
        first = next(iter(self.doc.sents), None)
        self.lede_end = first.end_char if first is not None else 0

    # -- finding triggers ------------------------------------------------------------

    def _quoted_clauses(self) -> list[tuple[int, int]]:
        """Spans of quotations that hold a whole clause (a verb): claims, not coded events."""
        out = []
        for m in QUOTE_RE.finditer(self.body):
            span = self.doc.char_span(m.start(), m.end(), alignment_mode="contract")
            if span is not None and any(t.tag_ in {"VBD", "VBZ", "VBP", "MD"} for t in span):
                out.append((m.start(), m.end()))
        return out

    def _in_quote(self, tok: Token) -> bool:
        return any(s <= tok.idx < e for s, e in self.quoted)

    def _matches(self, tok: Token, cond: Condition, mod: Modality) -> bool:
        kind, words = cond.kind, cond.words
        if kind == "obj":
            objs = direct_objects(tok)
            subj, passive = subjects(tok) if tok.pos_ == "VERB" else ([], False)
            if passive:
                objs.extend(subj)
            if tok.pos_ == "NOUN":
                objs.extend(prep_objects(tok, ("of",)))
            # "hundreds of drones", "a batch of missiles": the quantity's "of" noun counts.
            objs.extend(o2 for o in list(objs) for o2 in prep_objects(o, ("of",)))
            ok = any(
                o.lemma_.lower() in words or o.lower_ in words
                or any(c.dep_ == "compound" and c.lower_ in words for c in o.children)
                for o in objs
            )
        elif kind == "prt":
            ok = False
            for c in tok.children:
                if c.dep_ in {"prt", "prep", "agent", "dative"} and c.lower_ in words:
                    ok = True
                elif c.dep_ == "prep" and any(g.lower_ in words for g in c.children if g.dep_ == "pobj"):
                    ok = True  # "voted in favour"
        elif kind == "mod":
            mods = [c for c in tok.children if c.dep_ in {"amod", "compound", "nmod", "npadvmod"}]
            mods += prep_objects(tok, ("of",))
            ok = any(m.lemma_.lower() in words or m.lower_ in words for m in mods)
        elif kind == "sub":
            ok = any(t.lemma_.lower() in words or t.lower_ in words for t in tok.subtree if t.i != tok.i)
        elif kind == "joint":
            ok = any(c.lower_ in JOINT_WORDS for c in tok.children) or bool(prep_objects(tok, ("with",)))
            subj, _ = subjects(clause_verb(tok)) if tok.pos_ != "VERB" else subjects(tok)
            ok = ok or any(len(conjuncts(s)) > 1 for s in subj)
        elif kind == "intent":
            ok = mod.future
        elif kind == "light":
            light = self.lexicon.words("light")
            ok = tok.dep_ in {"dobj", "nsubjpass", "conj"} and tok.head.lemma_.lower() in light
        elif kind == "place-arg":
            ok = any(
                self.resolver.entity_at(t, PLACE_TYPES) is not None or t.ent_type_ in {"GPE", "LOC"}
                for o in prep_objects(tok, ("to", "in", "into"))
                for t in o.subtree
            )
        elif kind == "obj-actor":
            objs = direct_objects(tok)
            if tok.pos_ == "VERB":
                subj, passive = subjects(tok)
                objs += subj if passive else []
            ok = any(self.resolver.entity_at(t) is not None for o in objs for t in conjuncts(o))
        elif kind == "obj-nominal":
            ok = any(o.pos_ in {"NOUN", "PROPN", "PRON"} for o in direct_objects(tok))
        elif kind == "free-object":
            ok = tok.dep_ == "dobj" and tok.head.pos_ == "VERB" and tok.head.lemma_.lower() not in self.lexicon.words(
                "light")
        elif kind == "neg":
            ok = mod.negated and mod.governor is None
        else:  # pragma: no cover - the loader rejects unknown conditions
            ok = False
        return ok != cond.negate

    def _entries_for(self, tok: Token) -> list[TriggerEntry]:
        pos = POS_MAP.get(tok.pos_)
        if pos is None:
            return []
        entries = self.lexicon.lookup(tok.lemma_.lower(), pos)
        if not entries and tok.lower_ != tok.lemma_.lower():
            entries = self.lexicon.lookup(tok.lower_, pos)
        return entries

    def _select(self, tok: Token, mod: Modality) -> list[TriggerEntry]:
        chosen: list[TriggerEntry] = []
        main_found = False
        for entry in self._entries_for(tok):
            if entry.also and not main_found:
                continue
            if main_found and not entry.also:
                continue
            if all(self._matches(tok, c, mod) for c in entry.conditions):
                chosen.append(entry)
                main_found = True
        return chosen

    # -- participants --------------------------------------------------------------

    def _noun_agents(self, tok: Token, entry: TriggerEntry) -> list[Token]:
        out = [c for c in tok.children if c.dep_ == "poss"]
        out += prep_objects(tok, ("between",))
        out += agent_of(tok)
        for c in tok.children:
            named = c.pos_ == "PROPN" or c.ent_type_ == "NORP"
            if c.dep_ in {"compound", "amod", "nmod"} and named and self.resolver.resolve(c) is not None:
                out.append(c)
        if "of" not in entry.preps and entry.pattern in {"visit", "agent-target", "joint"}:
            out += [o for o in prep_objects(tok, ("of",)) if self.resolver.resolve(o) is not None]
        if out:
            return out
        head = tok.head
        if tok.dep_ in {"dobj", "nsubjpass", "attr"} and head.pos_ in {"VERB", "AUX"}:
            subj, passive = subjects(head)
            return agent_of(head) if passive else subj
        temporal = self.lexicon.words("temporal_preps")
        report = self.lexicon.words("report")
        if tok.dep_ == "pobj" and head.dep_ == "prep" and head.lower_ in temporal:
            gov = head.head
            if gov.pos_ in {"VERB", "AUX"} and gov.lemma_.lower() not in report:
                subj, passive = subjects(gov)
                return agent_of(gov) if passive else subj
        return []

    def _resolve_state(self, tok: Token) -> Participant | None:
        """Resolve a token, reading a demonym modifier as its state ("Russian-made")."""
        if self.resolver.entity_at(tok) is None and (tok.ent_type_ == "NORP" or tok.pos_ in {"ADJ", "PROPN"}):
            state = self.resolver.demonym_state(tok)
            if state is not None:
                return Participant(state.name, state.key)
        return self.resolver.resolve(tok)

    def _metonyms(self, actors: list[Participant]) -> list[Participant]:
        """A capital acting stands for its state ("Moscow said ..." -> Russia; CODEBOOK)."""
        out: list[Participant] = []
        for p in actors:
            ent = self.resolver.entities.get(p.entity_key or "")
            state = capital_state(ent.name) if ent is not None and ent.type == "GPE" else None
            if state is not None:
                iso3, country = state
                found = next(
                    (e for e in self.parsed.entities if e.type == "GPE" and (
                        e.name.lower() == country.lower() or (e.country == iso3 and e.name.lower() in self.countries))),
                    None,
                )
                p = Participant(found.name, found.key) if found is not None else Participant(country, None)
            if p not in out:
                out.append(p)
        return out

    def _host(self, ent: Entity) -> Entity | None:
        """Return the country entity hosting a city named in the article, if any."""
        if ent.name.lower() in self.countries or not ent.country:
            return None
        for other in self.parsed.entities:
            if other.type == "GPE" and other.country == ent.country and other.name.lower() in self.countries:
                return other
        return None

    def _participants(
        self, tok: Token, entry: TriggerEntry
    ) -> tuple[list[Participant], list[Participant], str | None] | None:
        """Return actors, targets and a visit destination place for one trigger."""
        res = self.resolver
        place: str | None = None
        if tok.pos_ == "NOUN":
            actor_toks = self._noun_agents(tok, entry)
            patients: list[Token] = []
        else:
            subj_holder = tok if tok.pos_ == "VERB" else clause_verb(tok)
            subj, passive = subjects(subj_holder)
            if passive:
                actor_toks = agent_of(tok) or agent_of(subj_holder)
                patients = subj
            else:
                actor_toks, patients = subj, direct_objects(tok)
        pattern = entry.pattern
        if pattern == "experiencer":
            holder = tok if tok.pos_ == "VERB" else clause_verb(tok)
            subj, _ = subjects(holder)
            return res.resolve_all(subj), res.resolve_all(prep_objects(tok, entry.preps)), None
        if tok.dep_ == "acl" and tok.tag_ == "VBG" and not res.resolve_all(actor_toks):
            # "justified the coup alleging fraud": the clause's subject acts.
            gov = tok.head.head
            if gov.pos_ in {"VERB", "AUX"}:
                actor_toks, _ = subjects(gov)
        objects = direct_objects(tok) if tok.pos_ == "VERB" else []
        if pattern == "predicative":
            return self._predicative(tok)
        if pattern == "host":
            return res.resolve_all(patients), res.resolve_all(actor_toks), None
        if pattern == "receive":
            givers = prep_objects(tok, entry.preps)
            for obj in objects:
                givers += prep_objects(obj, entry.preps)
            actors = res.resolve_all(givers)
            if not actors:
                for obj in objects:
                    for t in obj.subtree:
                        if t.ent_type_ == "NORP" or (t.pos_ == "PROPN" and t.i != obj.i):
                            got = self._resolve_state(t)
                            if got is not None and got not in actors:
                                actors.append(got)
            return actors, res.resolve_all(actor_toks), None
        actors = res.resolve_all(actor_toks)
        targets: list[Participant] = []
        if pattern == "joint":
            partners = prep_objects(tok, ("with", "between"))
            if tok.pos_ == "NOUN":  # "the signing of the accord between X and Y"
                objects = objects + prep_objects(tok, ("of",))
            for obj in objects:
                partners += prep_objects(obj, ("with", "between"))
            for p in res.resolve_all(partners):
                if p not in actors:
                    actors.append(p)
            others = entry.preps - {"with", "between"}
            targets = res.resolve_all(prep_objects(tok, others))
            return actors, targets, None
        if pattern == "visit":
            dest: list[Token] = []
            if entry.object == "target":
                dest += patients
            dest += prep_objects(tok, entry.preps)
            if tok.pos_ == "NOUN" and not actors:
                # "the visit to Myanmar of the deputy chairman" (the "of" hangs off the place).
                for d in list(dest):
                    actors += [p for p in res.resolve_all(prep_objects(d, ("of",))) if p not in actors]
            if entry.object == "gathering" or (entry.lemma == "take"):
                for obj in objects + prep_objects(tok, ("in",)):
                    dest += [t for t in obj.subtree if res.entity_at(t) is not None]
            for d in dest:
                for t in conjuncts(d):
                    ent = res.entity_at(t)
                    if ent is not None and ent.type in PLACE_TYPES:
                        place = place or ent.name
                        host = self._host(ent)
                        ent = host or ent
                        p = Participant(ent.name, ent.key)
                    else:
                        got = res.resolve(t)
                        if got is None:
                            # "the headquarters of Rosoboronexport": the named body inside.
                            inner = next(res.entities_in(t.subtree, PARTICIPANT_TYPES), None)
                            if inner is None:
                                continue
                            if inner.type in PLACE_TYPES:  # "sailed into Havana harbour": the host state
                                place = place or inner.name
                                inner = self._host(inner) or inner
                            got = Participant(inner.name, inner.key)
                        p = got
                    if p not in targets:
                        targets.append(p)
            return actors, targets, place
        # agent-target
        if entry.object == "target":
            targets += res.resolve_all(patients)
        preps = prep_objects(tok, entry.preps)
        if entry.object == "theme":
            for obj in objects:
                preps += prep_objects(obj, entry.preps)
        for c in tok.children:
            if c.dep_ == "dative" and c.pos_ in {"NOUN", "PROPN", "PRON"}:
                preps.append(c)
        for p in res.resolve_all(preps):
            if p not in targets:
                targets.append(p)
        if entry.object == "theme" and "from" in entry.preps and not targets:
            # "imported Russian crude": the goods' origin is the other party.
            for obj in objects:
                for c in obj.children:
                    if c.dep_ in {"amod", "compound", "nmod", "poss"} and (c.ent_type_ == "NORP" or c.pos_ == "PROPN"):
                        got = self._resolve_state(c)
                        if got is not None and got not in targets:
                            targets.append(got)
        if entry.type == "REQUEST" and not targets:
            for c in tok.children:
                if c.dep_ in {"ccomp", "xcomp"}:
                    subj, _ = subjects(c) if any(g.dep_ in {"nsubj", "nsubjpass"} for g in c.children) else ([], False)
                    targets += res.resolve_all(subj)
        return actors, targets, None

    def _predicative(self, tok: Token) -> tuple[list[Participant], list[Participant], str | None] | None:
        """ "X said Y was an ally", "X described Y as a partner": X praises Y."""
        base = tok
        while base.dep_ == "conj" and base.head.i != base.i:
            base = base.head
        res = self.resolver
        report = self.lexicon.words("report")
        if base.dep_ in {"attr", "oprd"}:
            cop = base.head
            targets, _ = subjects(cop)
            speaker: list[Token] = []
            cur = cop
            for _ in range(3):
                if cur.head.i == cur.i:
                    break
                if cur.dep_ in {"ccomp", "parataxis"} and cur.head.lemma_.lower() in report:
                    speaker, passive = subjects(cur.head)
                    if passive:
                        speaker = []
                    break
                cur = cur.head
            if not speaker:
                return None
            return res.resolve_all(speaker), res.resolve_all(targets), None
        if base.dep_ == "pobj" and base.head.lower_ == "as":
            verb = base.head.head
            if verb.pos_ == "VERB":
                speaker, passive = subjects(verb)
                if passive:
                    return res.resolve_all(agent_of(verb)), res.resolve_all(speaker), None
                return res.resolve_all(speaker), res.resolve_all(direct_objects(verb)), None
        return None

    # -- evidence ------------------------------------------------------------------

    def _evidence_span(self, tok: Token, sent: Span) -> tuple[int, int]:
        """The sentence around the trigger, cut at line breaks (never across paragraphs)."""
        start, end = sent.start_char, sent.end_char
        line_start = self.body.rfind("\n", start, tok.idx) + 1
        start = max(start, line_start)
        nl = self.body.find("\n", tok.idx, end)
        if nl != -1:
            end = nl
        text = self.body[start:end]
        start += len(text) - len(text.lstrip())
        end -= len(text) - len(text.rstrip())
        return start, end

    def _evidence(self, span: tuple[int, int]) -> Evidence:
        start, end = span
        raw_start, raw_end = self.parsed.article.offsets.to_raw(start, end)
        return Evidence(self.parsed.article.doc_id, raw_start, raw_end, start, end, self.body[start:end])

    # -- one trigger -----------------------------------------------------------------

    def _draft(self, cand: _Candidate, mod: Modality) -> _Draft | None:
        tok, entry, sent = cand.tok, cand.entry, cand.sent
        if mod.hypothetical or self._in_quote(tok) or tok.dep_ == "csubj":
            return None
        if tok.tag_ == "VBG" and tok.dep_ in {"ccomp", "csubj", "nsubj"} and not any(
            c.dep_.startswith("nsubj") for c in tok.children
        ):
            return None  # a gerund used as a noun ("Simply condemning X won't work"): no act
        etype, emode = entry.type, entry.mode
        negated = mod.negated
        alleged = cand.alleged_by is not None
        if any(c.kind == "neg" for c in entry.conditions):
            negated = False  # "did not allow": the refusal is the event
        elif mod.threat:
            etype, emode, negated = "THREATEN", None, False
        elif mod.future and not alleged and not any(c.kind == "intent" for c in entry.conditions):
            if entry.future is None:
                return None
            if entry.future != etype:
                etype, emode = entry.future, None
        elif any(c.kind == "intent" for c in entry.conditions):
            emode = None
        got = self._participants(tok, entry)
        if got is None:
            return None
        actors, targets, place = got
        if not actors and not self._actorless_ok(tok, etype, targets):
            return None
        actors = self._metonyms(actors)
        if entry.pattern != "visit":
            targets = self._metonyms(targets)
        targets = [t for t in targets if t not in actors]
        if place is None:
            place = place_of(tok, self.resolver, entry.pattern)
        source, _ = source_of(tok, sent, self.resolver, actors)
        if mod.governor is not None and mod.governor.lemma_.lower() in self.lexicon.words("deny"):
            subj, _ = subjects(mod.governor)
            denier = self.resolver.resolve_all(subj)
            if denier and (source is None or source in actors):
                source = denier[0]
        if alleged and cand.alleged_by is not None:
            subj, passive = subjects(cand.alleged_by)
            accuser = self.resolver.resolve_all(agent_of(cand.alleged_by) if passive else subj)
            if accuser:
                source = self._metonyms(accuser)[0]
        if etype == "AID":
            actors, source = self._states_of_people(actors, source)
        if source is not None and source in actors and not alleged and mod.governor is None:
            source = None
        sent_timexes = [t for t in self.parsed.timexes if sent.start_char <= t.start < sent.end_char]
        if alleged:  # an alleged action is dated only by its own words, never by the accusation
            inside = {t.idx for t in tok.subtree}
            sent_timexes = [t for t in sent_timexes if any(t.start <= i < t.end for i in inside)]
        verbal = etype in VERBAL_TYPES and not (etype == "AGREE" and emode is not None) and not alleged
        lede = sent.start_char < self.lede_end
        date = date_of(tok, verbal, sent, sent_timexes, self.article_date, self.lexicon, negated, lede)
        if date.date is None and not alleged:
            date = self._date_from_frame(tok, sent, sent_timexes, lede) or date
        return _Draft(
            type=etype,
            mode=emode,
            actors=actors,
            targets=targets,
            date=date,
            place=place,
            negated=negated,
            source=source.name if source else None,
            evidence=[self._evidence_span(tok, sent)],
            trigger=tok.text,
            lemma=tok.lemma_.lower(),
            pattern=entry.describe() + (f"; {mod.note}" if mod.note else ""),
        )

    def _actorless_ok(self, tok: Token, etype: str, targets: list[Participant]) -> bool:
        """News often names only the victim of force or coercion ("Sonko was arrested",
        "the village was shelled", "an attack on the embassy"): PLOVER leaves the actor
        implicit, and the event is kept when its target is a named entity."""
        if etype not in ACTORLESS_TYPES or not any(t.entity_key for t in targets):
            return False  # "320 people were killed": an aggregate toll is coded by its responsible actor
        if tok.pos_ == "VERB":
            _, passive = subjects(tok)
            return passive
        return tok.pos_ == "NOUN"

    def _date_from_frame(
        self, tok: Token, sent: Span, timexes: list[TimeExpression], lede: bool
    ) -> DateChoice | None:
        """A meeting or visit named in a time phrase ("after a meeting with X", "during the
        visit") is as recent as the clause it places in time: that clause's date, at month
        precision when the phrase says only before or after."""
        head = tok.head
        if tok.pos_ != "NOUN" or tok.dep_ != "pobj" or head.lower_ not in self.lexicon.words("frame_preps"):
            return None
        gov = head.head
        if gov.pos_ not in {"VERB", "AUX"}:
            return None
        got = date_of(gov, True, sent, timexes, self.article_date, self.lexicon, False, lede)
        if got.date is None:
            return None
        if head.lower_ in self.lexicon.words("bound_preps") and got.precision == "day":
            return DateChoice(got.date[:7] + "-01", "month", f"before or after a dated clause: {got.rule}")
        return DateChoice(got.date, got.precision, f"placed in a dated clause: {got.rule}")

    def _states_of_people(
        self, actors: list[Participant], source: Participant | None
    ) -> tuple[list[Participant], Participant | None]:
        """Arms and aid are given by states: an official named as the giver stands for the
        state the article ties them to, and becomes the source of the claim."""
        out: list[Participant] = []
        for p in actors:
            ent = self.resolver.entities.get(p.entity_key or "")
            state = None
            if ent is not None and ent.type == "PERSON" and ent.country:
                state = next((e for e in self.parsed.entities if e.type == "GPE" and e.country == ent.country
                              and e.name.lower() in self.countries), None)
            if state is not None:
                source = source or p
                p = Participant(state.name, state.key)
            if p not in out:
                out.append(p)
        return out, source

    # -- the article -------------------------------------------------------------------

    def run(self) -> tuple[Event, ...]:
        drafts: list[_Draft] = []
        for sent in self.doc.sents:
            cands: list[tuple[_Candidate, Modality]] = []
            for tok in sent:
                if tok.pos_ not in POS_MAP or not self._entries_for(tok):
                    continue
                mod = modality(tok, self.lexicon)
                for entry in self._select(tok, mod):
                    cands.append((_Candidate(tok, entry, sent), mod))
            if not cands:
                continue
            cands = self._drop_denials(cands)
            fired = {c.tok.i: c.entry for c, _ in cands}
            local: list[_Draft] = []
            for cand, mod in cands:
                embedder = self._embedded(cand, fired)
                if embedder is not None:
                    if not self._alleged(cand, embedder, fired):
                        continue
                    cand.alleged_by = embedder
                draft = self._draft(cand, mod)
                if draft is None:
                    continue
                # "met with X and discussed ...": one action told with two verbs.
                same = next((k for k in local if k.type == draft.type and k.negated == draft.negated
                             and _names(k.actors) & _names(draft.actors) and not draft.targets), None)
                if same is not None and draft.type not in SPEECH_ACTS:
                    same.extra_triggers.append(draft.trigger)
                    continue
                local.append(draft)
            drafts.extend(local)
        merged = _merge(self._visit_context(drafts))
        return tuple(self._event(d) for d in merged)

    def _embedded(self, cand: _Candidate, fired: dict[int, TriggerEntry]) -> Token | None:
        """The trigger whose content this one is (requested, alleged, or a nominal object), if any."""
        tok = cand.tok
        cur = tok
        for _ in range(8):
            head = cur.head
            if head.i == cur.i:
                return None
            other = fired.get(head.i)
            if other is not None and cur.dep_ not in {"nsubj", "nsubjpass", "csubj"}:
                if other.type in EMBEDDING_TYPES and cur.dep_ != "conj":
                    return head
                temporal = cur.dep_ == "prep" and cur.lower_ in self.lexicon.words("temporal_preps")
                nominal_object = cur.dep_ in {"dobj", "prep", "pobj", "xcomp"}
                if tok.pos_ == "NOUN" and head.pos_ == "VERB" and nominal_object and not temporal:
                    return head
            if cur.dep_ in {"relcl", "advcl", "parataxis"}:
                return None
            cur = head
        return None

    def _alleged(self, cand: _Candidate, embedder: Token, fired: dict[int, TriggerEntry]) -> bool:
        """An action that an accusation is about is coded too, with the accuser as source
        (CODEBOOK: alleged arms transfers are AID/military with the claimant as source)."""
        entry = fired[embedder.i]
        if entry.type != "ACCUSE" or entry.mode != "allege" or cand.entry.type in SPEECH_ACTS | VERBAL_TYPES:
            return False
        return cand.tok.pos_ == "VERB" or cand.entry.type in {"AID", "COOPERATE"}

    def _drop_denials(self, cands: list[tuple[_Candidate, Modality]]) -> list[tuple[_Candidate, Modality]]:
        """ "X denied supplying drones", "denied any plans to ...": the denied action is coded
        (negated), not a rejection by the denier."""
        deny = self.lexicon.words("deny")
        content = {c.tok.i for c, _ in cands}
        out = []
        for cand, mod in cands:
            tok = cand.tok
            if tok.lemma_.lower() in deny and any(t.i in content for t in tok.subtree if t.i != tok.i):
                continue
            out.append((cand, mod))
        return out

    def _visit_context(self, drafts: list[_Draft]) -> list[_Draft]:
        """Meetings of a visitor are CONSULT/visit with the visitor as actor (CODEBOOK)."""
        visitors = {
            p.name for d in drafts if d.type == "CONSULT" and d.mode == "visit" and not d.negated for p in d.actors
        }
        out = []
        for d in drafts:
            if d.type == "CONSULT" and d.mode is None and visitors:
                hosts = [p for p in d.actors if p.name not in visitors]
                guests = [p for p in d.actors if p.name in visitors]
                if guests:
                    d.mode = "visit"
                    if hosts:  # "the meeting between the host and the visitor"
                        d.actors, d.targets = guests, hosts + [t for t in d.targets if t not in hosts]
                elif any(p.name in visitors for p in d.targets):
                    d.actors, d.targets = d.targets, d.actors
                    d.mode = "visit"
            out.append(d)
        return out

    def _event(self, d: _Draft) -> Event:
        evidence = tuple(self._evidence(span) for span in d.evidence)
        trigger = d.trigger if not d.extra_triggers else f"{d.trigger} (+ {', '.join(d.extra_triggers)})"
        return Event(
            type=_event_type(d.type),
            mode=d.mode,
            actors=tuple(d.actors),
            targets=tuple(d.targets),
            date=d.date.date,
            precision=d.date.precision,
            place=d.place,
            negated=d.negated,
            source=d.source,
            evidence=evidence,
            trigger=trigger,
            pattern=d.pattern,
            date_rule=d.date.rule,
        )


def _event_type(name: str) -> EventType:
    from dossier.extract.event_lexicon import EVENT_TYPES

    if name not in EVENT_TYPES:  # pragma: no cover - the loader validates types
        raise ValueError(name)
    return name  # type: ignore[return-value]


def _names(parts: list[Participant]) -> set[str]:
    return {p.entity_key or p.name.lower() for p in parts}


def dates_compatible(a: DateChoice, b: DateChoice) -> bool:
    """Two dates fit one action when either is unknown or they agree at the coarser precision."""
    if a.date is None or b.date is None:
        return True
    coarse = min(PRECISION_RANK[a.precision], PRECISION_RANK[b.precision])
    width = {3: 10, 2: 7, 1: 4}.get(coarse, 0)
    return a.date[:width] == b.date[:width]


def _same_action(a: _Draft, b: _Draft) -> bool:
    if a.type != b.type or a.negated != b.negated or not dates_compatible(a.date, b.date):
        return False
    if a.type in SPEECH_ACTS and a.lemma != b.lemma:
        return False  # two statements ("called on", then "urged") are two speech acts
    aa, ab, ta, tb = _names(a.actors), _names(b.actors), _names(a.targets), _names(b.targets)
    if aa & ab and (ta & tb or not ta or not tb):
        return True
    return bool(aa | ta) and (aa | ta) == (ab | tb)


def _merge(drafts: list[_Draft]) -> list[_Draft]:
    """Merge drafts of one real-world action; the first keeps its main evidence first."""
    out: list[_Draft] = []
    for d in drafts:
        for kept in out:
            if _same_action(kept, d):
                for p in d.actors:
                    if p not in kept.actors and p not in kept.targets:
                        kept.actors.append(p)
                for p in d.targets:
                    if p not in kept.targets and p not in kept.actors:
                        kept.targets.append(p)
                for span in d.evidence:
                    if span not in kept.evidence:
                        kept.evidence.append(span)
                if PRECISION_RANK[d.date.precision] > PRECISION_RANK[kept.date.precision]:
                    kept.date = d.date
                kept.place = kept.place or d.place
                kept.source = kept.source or d.source
                kept.mode = kept.mode or d.mode
                if d.trigger != kept.trigger and d.trigger not in kept.extra_triggers:
                    kept.extra_triggers.append(d.trigger)
                break
        else:
            out.append(replace(d, actors=list(d.actors), targets=list(d.targets), evidence=list(d.evidence)))
    return out


__all__ = ["UNKNOWN_DATE", "EventExtractor", "dates_compatible"]

"""The circumstances of a trigger: negation, modality, attribution, date and place.

Each function reads the dependency parse around one trigger token. None of them
guesses: a date comes from the trigger's own clause, from the reporting verb for
statements, or from the article's date when the text implies it; else it is unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from dossier.clean.records import Precision
from dossier.extract.event_args import MAX_HEAD_WALK, ArgumentResolver, clause_verb, subjects
from dossier.extract.event_lexicon import EventLexicon
from dossier.extract.records import Participant
from dossier.nlp.records import TimeExpression

if TYPE_CHECKING:
    from spacy.tokens import Span, Token

# Event types that are speech acts: a statement reported in the story without a date of
# its own is taken to be of the story's date ("X urged Y ..." in a news report).
VERBAL_TYPES = frozenset({"AGREE", "REQUEST", "ACCUSE", "SUPPORT", "REJECT", "THREATEN", "CONCEDE"})
NEGATORS = frozenset({"not", "n't", "never", "no", "neither", "nor"})
COMPLEMENT_DEPS = frozenset({"xcomp", "ccomp", "dobj", "pcomp", "pobj", "prep", "acl", "advcl", "conj", "oprd", "attr"})


@dataclass(frozen=True, slots=True)
class Modality:
    """How a trigger's action is asserted."""

    negated: bool
    future: bool  # announced, planned, intended or expected
    hypothetical: bool  # conditional, or under a modal of possibility
    governor: Token | None  # the intent or refusal word that governs it, if any
    note: str
    threat: bool = False  # "would not hesitate to impose ...": a threat of the action, not the action


def _ancestors(tok: Token, limit: int = MAX_HEAD_WALK) -> list[Token]:
    out = []
    cur = tok
    for _ in range(limit):
        if cur.head.i == cur.i:
            break
        out.append(cur.head)
        cur = cur.head
    return out


def _has_neg(tok: Token) -> bool:
    return any(c.dep_ == "neg" or (c.dep_ == "advmod" and c.lower_ == "never") for c in tok.children)


def modality(tok: Token, lexicon: EventLexicon) -> Modality:
    """Return negation, future/intent and hypothetical readings of a trigger."""
    intent = lexicon.words("intent")
    refuse = lexicon.words("refuse")
    deny = lexicon.words("deny")
    hedges = lexicon.words("hedges")
    future_aux = lexicon.words("future")
    conditions = lexicon.words("conditions")
    report = lexicon.words("report")
    no_det = tok.pos_ == "NOUN" and any(c.dep_ == "det" and c.lower_ == "no" for c in tok.children)
    if tok.pos_ == "NOUN" and tok.dep_ == "pobj" and tok.head.lower_ in lexicon.words("temporal_preps"):
        # "after a meeting with X": the meeting is a fact, whatever its clause says.
        return Modality(no_det, False, False, None, "'no' determiner" if no_det else "")
    verb = clause_verb(tok)
    negated = _has_neg(tok) or (verb.i != tok.i and _has_neg(verb) and tok.dep_ in {"dobj", "nsubjpass", "attr"})
    note = "negated in its clause" if negated else ""
    if tok.pos_ == "NOUN" and any(c.dep_ == "det" and c.lower_ == "no" for c in tok.children):
        negated, note = True, "'no' determiner"
    if tok.pos_ == "VERB" and not negated and any(
        c.dep_ in {"dobj", "nsubjpass"} and any(g.dep_ == "det" and g.lower_ == "no" for g in c.children)
        for c in tok.children
    ):
        # "no agreements were signed", "signed no deal": the action did not happen.
        negated, note = True, "'no' on its object"
    future = hypothetical = False
    governor: Token | None = None
    aux = {c.lower_ for c in verb.children if c.dep_ in {"aux", "auxpass"}}
    if aux & future_aux:
        future, note = True, "future auxiliary"
    if aux & hedges:
        hypothetical, note = True, "modal of possibility"
    if "would" in aux:
        reported = any(a.lemma_.lower() in report for a in _ancestors(verb, 3))
        future, hypothetical = (True, hypothetical) if reported else (future, True)
        note = "reported future ('would')" if reported else "conditional ('would')"
    if any(c.dep_ == "mark" and c.lower_ in conditions for c in verb.children):
        hypothetical, note = True, "conditional clause"
    # Walk up through complements: "refused to condemn", "wants to strengthen",
    # "their intention to strengthen", "denied supplying".
    threat = False
    cur = verb
    intended = False
    for anc in _ancestors(verb):
        if cur.dep_ not in COMPLEMENT_DEPS:
            break
        lemma = anc.lemma_.lower()
        if lemma in refuse and cur.dep_ in {"xcomp", "dobj", "pcomp", "prep"} and not intended:
            if lemma in lexicon.words("threat_frames") and _has_neg(anc):
                # "would not hesitate to impose sanctions": a threat to do it.
                threat, governor, note = True, anc, f"threat ('not {anc.text}')"
                hypothetical = False
                break
            negated, governor, note = not negated, anc, f"governed by '{anc.text}'"
            break
        if lemma in deny and cur.dep_ in {"xcomp", "ccomp", "dobj", "pcomp"}:
            # "denied any plans to supply": the denied action itself is coded, negated.
            negated, governor, note, future = True, anc, f"denied ('{anc.text}')", False
            break
        if intended:
            if anc.pos_ in {"VERB", "AUX"}:
                break
            cur = anc
            continue
        if lemma in intent and cur.dep_ in {"xcomp", "acl", "pcomp", "prep", "ccomp", "advcl", "dobj", "pobj"}:
            if cur.dep_ == "advcl" and lemma not in {"aim", "seek"}:
                break
            future, governor, note = True, anc, f"intent ('{anc.text}')"
            if _has_neg(anc):
                negated = True
            if anc.pos_ != "NOUN" or anc.dep_ not in {"dobj", "pobj"}:
                break
            intended = True  # "denied any plans to ...": a denial may govern the intent noun
            cur = anc
            continue
        if cur.dep_ == "advcl" and cur.tag_ == "VB" and anc.pos_ in {"VERB", "AUX"} and lemma not in report:
            # "will travel to X to visit Y": a purpose clause shares its verb's futurity
            if {c.lower_ for c in anc.children if c.dep_ == "aux"} & future_aux:
                future, note = True, "purpose of a future action"
            cur = anc
            continue
        if lemma in report or (anc.pos_ in {"VERB", "AUX"} and cur.dep_ in {"ccomp", "advcl", "conj"}):
            # A reporting verb or a new clause ends the complement chain.
            if any(c.dep_ == "mark" and c.lower_ in conditions for c in anc.children):
                hypothetical, note = True, "conditional clause"
            break
        cur = anc
    for anc in _ancestors(verb):
        if any(c.dep_ == "mark" and c.lower_ in conditions for c in anc.children) and anc.dep_ == "advcl":
            hypothetical, note = True, "conditional clause"
    return Modality(negated, future, hypothetical, governor, note, threat)


def source_of(
    tok: Token, sent: Span, resolver: ArgumentResolver, actors: list[Participant]
) -> tuple[Participant | None, str]:
    """Return who the text says reported or claimed the event, and the rule used.

    "according to X" wins; else the outermost reporting verb above the trigger whose
    subject is not one of the event's own actors ("X said ..., state-run TASS said").
    """
    report = resolver.lexicon.words("report")
    for t in sent:
        if t.lower_ == "according" and t.i + 1 < len(t.doc) and t.doc[t.i + 1].lower_ == "to":
            objs = [g for g in t.doc[t.i + 1].children if g.dep_ == "pobj"] or [
                g for g in t.children if g.dep_ == "pobj"
            ]
            for g in objs:
                got = resolver.resolve(g)
                if got is None:
                    got = Participant(resolver.np_text(g), None)
                return got, "according to"
    actor_names = {a.name for a in actors}
    found: Participant | None = None
    cur = clause_verb(tok)
    for anc in _ancestors(cur, 8):
        complement = cur.dep_ in {"ccomp", "parataxis", "conj", "advcl", "xcomp", "dobj"}
        if anc.lemma_.lower() in report and anc.pos_ in {"VERB", "AUX"} and complement:
            subj, passive = subjects(anc)
            if subj and not passive:
                got = resolver.resolve(subj[0])
                if got is None and subj[0].pos_ in {"NOUN", "PROPN"}:
                    got = Participant(resolver.np_text(subj[0]), None)
                if got is not None and got.name not in actor_names:
                    found = got
        cur = anc
    if found is None:
        # "..., activists say": a reporting verb parsed as a dependent of the event's clause.
        holders = [clause_verb(tok), *_ancestors(clause_verb(tok), 3)]
        for holder in holders:
            for child in holder.children:
                if child.dep_ in {"parataxis", "ccomp", "advcl"} and child.lemma_.lower() in report and child.i > tok.i:
                    subj, passive = subjects(child)
                    if subj and not passive and subj[0].i > tok.i:
                        got = resolver.resolve(subj[0])
                        if got is None and subj[0].pos_ in {"NOUN", "PROPN"}:
                            got = Participant(resolver.np_text(subj[0]), None)
                        if got is not None and got.name not in actor_names:
                            return got, "trailing reporting clause"
    return found, "reporting verb" if found else ""


@dataclass(frozen=True, slots=True)
class DateChoice:
    """An event's date with precision and the rule that gave it."""

    date: str | None
    precision: Precision
    rule: str


UNKNOWN_DATE = DateChoice(None, "unknown", "no date in the event's clause; not implied by the text")


def _timex_root(timex: TimeExpression, doc_tokens: Span) -> Token | None:
    span = doc_tokens.doc.char_span(timex.start, timex.end, alignment_mode="expand")
    return None if span is None else span.root


def date_of(
    tok: Token,
    verbal: bool,
    sent: Span,
    timexes: list[TimeExpression],
    article_date: tuple[str | None, Precision],
    lexicon: EventLexicon,
    negated: bool,
    lede: bool = False,
) -> DateChoice:
    """Return the event's date from its own clause, a reporting verb, or the article date.

    1. a resolved time expression attached to the trigger or to the verbs it depends on
       within its clause; 2. for statements, the date of the reporting verb above it;
    3. for statements in the simple past or present, the article's date; in the present
       perfect ("have accused") only in the story's first sentence, where it is the news
       of the day, since elsewhere it tells undated background; else unknown.
    A participle modifying a noun ("a junta condemned by ...") is background like a
    relative clause: it takes no date from the clause around its noun.
    """
    report = lexicon.words("report")
    bounds = lexicon.words("bound_preps")
    own: list[Token] = [tok]
    reporting: list[Token] = []
    cur = tok
    crossed = False
    for anc in _ancestors(tok, 8):
        if cur.dep_ in {"ccomp", "parataxis"} or (crossed and anc.lemma_.lower() in report):
            crossed = True
        if cur.dep_ == "relcl":
            break
        if _participle(cur):
            own.append(anc)  # its noun, whose other modifiers may date it ("adopted on June 18 calling for")
            break
        (reporting if crossed else own).append(anc)
        cur = anc
    own_ids = {t.i for t in own}
    report_ids = {t.i for t in reporting if t.lemma_.lower() in report}
    best_own: tuple[int, TimeExpression] | None = None
    best_report: tuple[int, TimeExpression] | None = None
    subtree = {t.i for t in tok.subtree} if tok.pos_ == "NOUN" else set()
    for tx in timexes:
        if tx.date is None or tx.precision == "unknown":
            continue
        root = _timex_root(tx, sent)
        if root is None:
            continue
        distance = abs(root.i - tok.i)
        if root.i in subtree and not any(
            a.dep_ == "prep" and a.lower_ in bounds and a.i in subtree for a in root.ancestors
        ):
            if best_own is None or distance < best_own[0]:
                best_own = (distance, tx)
            continue
        node = root
        for _ in range(MAX_HEAD_WALK):
            if node.dep_ == "prep" and node.lower_ in bounds:
                break  # "by June 2024", "since the Feb. 1 coup": a bound, not the event's date
            sibling = _participle(node) and node.head.i in own_ids and node.head.pos_ in {"NOUN", "PROPN"}
            if (node.i != root.i and node.pos_ in {"VERB", "AUX"} and node.i not in own_ids
                    and node.i not in report_ids and not sibling):
                break  # the time expression belongs to another clause ("elections held in November")
            if node.i in own_ids and node.i != root.i:
                if best_own is None or distance < best_own[0]:
                    best_own = (distance, tx)
                break
            if node.i in report_ids:
                if best_report is None or distance < best_report[0]:
                    best_report = (distance, tx)
                break
            if node.head.i == node.i:
                break
            node = node.head
    if best_own is not None:
        tx = best_own[1]
        return DateChoice(tx.date, tx.precision, f"time expression '{tx.text}' in the event's clause ({tx.rule})")
    if best_report is not None and verbal:
        tx = best_report[1]
        return DateChoice(tx.date, tx.precision, f"statement dated by its reporting verb: '{tx.text}' ({tx.rule})")
    date, precision = article_date
    if verbal and not negated and date is not None and precision != "unknown":
        verbs = [t for t in own if t.pos_ in {"VERB", "AUX"}] or [clause_verb(tok)]
        tags = {v.tag_ for v in verbs} | {c.tag_ for v in verbs for c in v.children if c.dep_ in {"aux", "auxpass"}}
        if "MD" in tags:  # "X said it would provide ...": the statement is dated by its reporting verb's tense
            tags |= {r.tag_ for r in reporting if r.lemma_.lower() in report}
        in_relative = any(a.dep_ == "relcl" or _participle(a) for a in verbs)
        perfect = any(
            v.tag_ == "VBN" and any(c.dep_ == "aux" and c.lemma_.lower() == "have" for c in v.children)
            for v in verbs[:1]
        )
        if tags & {"VBD", "VBZ", "VBP"} and not in_relative and (lede or not perfect):
            rule = "statement reported in the story without a date of its own: article date"
            return DateChoice(date, precision, rule)
    return UNKNOWN_DATE


def _participle(tok: Token) -> bool:
    """A participle modifying a noun ("a junta condemned by ...", "a resolution calling for ...")."""
    return tok.dep_ == "acl" and tok.tag_ in {"VBN", "VBG"}


def place_of(tok: Token, resolver: ArgumentResolver, pattern: str) -> str | None:
    """Return the place named in the trigger's clause ("in the capital Naypyitaw")."""
    from dossier.extract.event_args import PLACE_TYPES, prep_objects

    holders = [tok]
    verb = clause_verb(tok)
    if verb.i != tok.i:
        holders.append(verb)
    # "met X in Naypyitaw": the place phrase often hangs off the object.
    holders += [c for h in list(holders) for c in h.children if c.dep_ in {"dobj", "pobj"}]
    preps = ("in", "at", "to") if pattern == "visit" else ("in", "at")
    for holder in holders:
        for obj in prep_objects(holder, preps):
            for ent in resolver.entities_in(obj.subtree, PLACE_TYPES):
                return ent.name
            for t in obj.subtree:  # a place the entity stage did not list: the NER span as written
                if t.ent_type_ in PLACE_TYPES:
                    span = next((e for e in t.doc.ents if e.start <= t.i < e.end), None)
                    if span is not None:
                        return span.text.removeprefix("the ").removeprefix("The ")
    return None

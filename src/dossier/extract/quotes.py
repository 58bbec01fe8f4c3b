"""Quotes from parsed articles: the words in quotation marks, their speaker, target and stance.

1. `quote_marks.find_quoted` finds the passages between marks; single scare-quoted words
   ("terrorism", "fraud") are dropped by `quotes.min_words`.
2. The speaker is the subject of the speech verb that governs the quote (climbing the parse
   from the quote to the nearest verb of saying, `quote_cues.jsonl`), with the forms news
   uses: `"...," X said`, `X said, "..."`, `X urged Y to "..."`, `described by X as "..."`,
   `TASS quoted X as telling ...` (X), `who said` (the relative's antecedent), `he said`
   (the subject of the latest verb of saying, else the entity stage's pronoun mention, else
   the latest person), `the statement said` (the statement's owner, else the latest
   organisation that spoke), `The resolution "deplores ..."` (the document's owner). A named
   person speaks, not the body in their title ("UN rights chief X said"); an organ of a state
   ("China's defence ministry", `body` nouns in `quote_cues.jsonl`) speaks as itself, not as
   its state. A subject that names nobody ("the vote showed") passes the quote up to the next
   verb of saying. A quote standing alone after another keeps that one's speaker. A speaker
   that resolves to no entity is kept when it is a proper name, else as written
   (`quotes.keep_unresolved_speakers`) or the quote is skipped.
3. Target: the speech verb's object or the quoted clause's subject, else the first entity the
   quote names other than the speaker.
4. Stance: weighted cues (`stance_cues.jsonl`) in the quote and its attribution clause (not
   a coordinated clause, not "Asked by ..."), the speech verb's own stance and an imperative
   quote ("Stop the war") as request; negation flips support to condemn and turns condemning
   words into weak support ("does not pose a threat"); none gives neutral.

Reported speech ("X said that ...") is off by default (`quotes.indirect`), since gold counts
only quoted text; when on, it gives `direct=False` quotes.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass

from spacy.tokens import Doc, Span, Token

from dossier.extract.figure_lexicon import PhraseIndex
from dossier.extract.quote_lexicon import QuoteLexicon, StanceCue, load_quote_lexicon
from dossier.extract.quote_marks import QuotedSpan, find_quoted
from dossier.extract.records import Evidence, Participant, Quote, Stance
from dossier.nlp.records import Entity, ParsedArticle
from dossier.settings import Settings

log = logging.getLogger(__name__)

_SUBJECTS = frozenset({"nsubj", "nsubjpass", "csubj"})
_RELATIVE = frozenset({"who", "which", "that", "whom"})
_PERSON_PRONOUNS = frozenset({"he", "she", "him", "her"})
_GROUP_PRONOUNS = frozenset({"it", "they", "them"})
_NEGATIONS = frozenset({"not", "n't", "never", "no", "without", "nor", "neither"})
_ACTOR_TYPES = frozenset({"PERSON", "ORG", "GPE"})
_WORD = re.compile(r"\w+(?:[-'’]\w+)*")


@dataclass(slots=True)
class _Speaker:
    participant: Participant
    entity: Entity | None


class QuoteExtractor:
    """Finds quotes in a parsed article."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.lex: QuoteLexicon = load_quote_lexicon(settings)
        self.stance_cues = PhraseIndex((c.words, c) for c in self.lex.stance_cues)
        # Quoted passages with fewer words are scare quotes, not quotes (CODEBOOK).
        self.min_words = int(settings.get("quotes.min_words", 2))
        self.keep_unresolved = bool(settings.get("quotes.keep_unresolved_speakers", False))
        self.indirect = bool(settings.get("quotes.indirect", False))
        # A speech verb's own stance counts this many cue words.
        self.verb_weight = float(settings.get("quotes.verb_stance_weight", 3.0))
        # A negated condemning word ("no crime") counts this much towards support.
        self.negated_condemn_weight = float(settings.get("quotes.negated_condemn_weight", 0.5))

    def extract(self, parsed: ParsedArticle) -> tuple[Quote, ...]:
        """Return the article's quotes, each with the span of its words as evidence."""
        body = parsed.article.body
        doc = parsed.doc
        if not body or len(doc) == 0:
            return ()
        spans = [q for q in find_quoted(body) if _trimmed(body, q) is not None]
        quote_ranges = [(q.start, q.end) for q in spans]
        out: list[Quote] = []
        previous: tuple[QuotedSpan, _Speaker, Quote | None] | None = None
        for q in spans:
            start, end = _trimmed(body, q) or (q.start, q.end)
            text = body[start:end]
            long_enough = len(_WORD.findall(text)) >= self.min_words
            span = doc.char_span(start, end, alignment_mode="expand")
            if span is None or len(span) == 0:
                continue
            verb, topic = self._speech_verb(doc, span, quote_ranges)
            speaker: _Speaker | None = None
            if verb is not None:
                speaker = self._speaker(parsed, verb, span, quote_ranges, out)
            if speaker is None and previous is not None and (q.continues or verb is None) \
                    and self._near(body, previous[0], q):
                # a quote with no attribution of its own goes on with the last speaker
                speaker = previous[1]
                verb = None
            if speaker is None:
                if long_enough:
                    log.debug("quote without a speaker skipped: %r", text[:60])
                continue
            inherited = previous[2] if previous is not None and previous[1] is speaker else None
            if not long_enough:
                previous = (q, speaker, inherited)
                continue
            target = self._target(parsed, verb, span, speaker)
            stance = "neutral" if topic else self._stance(doc, span, verb, quote_ranges)
            if stance is None:
                stance = inherited.stance if inherited is not None and verb is None else "neutral"
                if target is None and inherited is not None and verb is None:
                    target = inherited.target
            raw_start, raw_end = parsed.article.offsets.to_raw(start, end)
            quote = Quote(
                speaker=speaker.participant,
                target=target,
                stance=stance,
                text=text,
                direct=True,
                evidence=Evidence(parsed.article.doc_id, raw_start, raw_end, start, end, text),
            )
            out.append(quote)
            previous = (q, speaker, quote)
        if self.indirect:
            out.extend(self._reported(parsed, quote_ranges, out))
        return tuple(_dedupe(out))

    # -- speech verb and speaker --------------------------------------------------------

    def _speech_verb(self, doc: Doc, span: Span, quotes: list[tuple[int, int]]) -> tuple[Token | None, bool]:
        """The verb of saying that governs the quote, and whether a topic verb lies between.

        Climbs from every quote token whose head is outside the quote and takes the speech
        verb reached in the fewest steps; else the nearest speech verb of the quote's
        sentences; else the topic verb ("discussed the '...'") itself.
        """
        inside = set(range(span.start, span.end))
        best: tuple[int, Token] | None = None
        topic: tuple[int, Token] | None = None
        for tok in span:
            if tok.head.i in inside and tok.head.i != tok.i:
                continue
            for steps, anc in enumerate(_ancestors(tok, inside), 1):
                lemma = anc.lemma_.casefold()
                if lemma in self.lex.speech and anc.pos_ in {"VERB", "AUX", "NOUN"}:
                    if best is None or steps < best[0]:
                        best = (steps, anc)
                    break
                if lemma in self.lex.topic and anc.pos_ == "VERB" and (topic is None or steps < topic[0]):
                    topic = (steps, anc)
        is_topic = topic is not None and (best is None or topic[0] < best[0])
        if best is not None:
            return best[1], is_topic
        sents = {span[0].sent.start: span[0].sent, span[-1].sent.start: span[-1].sent}
        near: tuple[int, Token] | None = None
        for sent in sents.values():
            for tok in sent:
                if tok.i in inside or _inside(tok.idx, quotes):
                    continue
                if tok.pos_ in {"VERB", "AUX"} and tok.lemma_.casefold() in self.lex.speech:
                    dist = span.start - tok.i if tok.i < span.start else tok.i - span.end
                    if near is None or dist < near[0]:
                        near = (dist, tok)
        if near is not None:
            return near[1], is_topic
        if topic is not None:
            return topic[1], True
        # 'The resolution "deplores the aggression"': the quote is the predicate of a subject
        # written outside it, a document or a named body
        for tok in span:
            if tok.pos_ not in {"VERB", "AUX"}:
                continue
            subj = next((c for c in tok.children if c.dep_ in _SUBJECTS and c.i < span.start), None)
            if subj is not None and (subj.lemma_.casefold() in self.lex.documents or subj.pos_ == "PROPN"):
                return tok, False
        return None, False

    def _speaker(self, parsed: ParsedArticle, verb: Token, span: Span, quotes: list[tuple[int, int]],
                 done: list[Quote]) -> _Speaker | None:
        for _ in range(3):
            for head in self._speaker_tokens(verb, span):
                speaker = self._resolve(parsed, head, done)
                if speaker is not None:
                    return speaker
            # "X said the vote showed that '...'": a subject that names nobody passes the
            # quote up to the next verb of saying
            verb = next((a for a in verb.ancestors if a.lemma_.casefold() in self.lex.speech
                         and a.pos_ in {"VERB", "AUX"}), None)  # type: ignore[assignment]
            if verb is None:
                break
        return None

    def _speaker_tokens(self, verb: Token, span: Span) -> list[Token]:
        """Tokens that may name the speaker, best first: the verb's subject, then higher ones."""
        inside = range(span.start, span.end)
        out: list[Token] = []
        # "described by MRTV as ...": the agent of a passive
        agent = next((c for c in verb.children if c.dep_ == "agent"), None)
        if agent is not None:
            out.extend(c for c in agent.children if c.dep_ == "pobj" and c.i not in inside)
        has_subject = any(c.dep_ in _SUBJECTS for c in verb.children)
        before = verb.doc[verb.i - 1] if verb.i > verb.sent.start else None
        if not has_subject and before is not None and before.i not in inside and before.pos_ in {"NOUN", "PROPN"}:
            # '"...," a junta spokesperson said': the noun phrase right before the verb speaks,
            # even when the parser hangs it elsewhere
            out.append(before)
        tok = verb
        found_subject = False
        for _ in range(5):
            # above the first subject, only another verb of saying may name the speaker
            speech = tok.lemma_.casefold() in self.lex.speech
            if tok.lemma_.casefold() in {"quote", "cite"}:
                # "TASS quoted Fomin as telling ...": the one quoted speaks
                out.extend(c for c in tok.children if c.dep_ == "dobj" and c.i not in inside)
            subj = next((c for c in tok.children if c.dep_ in _SUBJECTS and c.i not in inside), None)
            if subj is not None and (not found_subject or speech):
                out.append(tok.head if subj.lower_ in _RELATIVE and tok.dep_ == "relcl" else subj)
                if tok.i == verb.i:
                    break  # the speech verb's own subject: nobody higher up is speaking
                found_subject = True
            elif subj is None and tok.dep_ == "relcl" and not found_subject:
                out.append(tok.head)
            if tok.head.i == tok.i:
                break
            tok = tok.head
        return out

    def _resolve(self, parsed: ParsedArticle, head: Token, done: list[Quote]) -> _Speaker | None:
        lower = head.lower_
        doc = head.doc
        if lower in _PERSON_PRONOUNS:
            # '"...," he said': the subject of the latest attribution, not the last person
            # named (a name inside the quote or the reported clause is not the one speaking)
            chained = self._chain_subject(parsed, head, persons=True, done=done)
            if chained is not None:
                return chained
        mention = parsed.mention_at(head.idx, head.idx + len(head.text))
        if mention is not None and lower not in _RELATIVE:
            entity = _entity(parsed, mention.entity_key)
            if entity is not None and not (lower in _GROUP_PRONOUNS and entity.type == "PERSON") \
                    and not (entity.type != "PERSON" and _person_name(head) is not None):
                return _Speaker(Participant(entity.name, entity.key), entity)
        if lower in _PERSON_PRONOUNS:
            return self._latest(parsed, head.idx, persons=True, done=done)
        if lower in _GROUP_PRONOUNS:
            return self._latest(parsed, head.idx, persons=False, done=done)
        if head.lemma_.casefold() in self.lex.documents:
            owner = _owner(head)
            if owner is None:
                # "the statement said" after "NUCC's statement called for ...": the same document
                lemma = head.lemma_
                owner = next((o for t in reversed(doc[:head.i]) if t.lemma_ == lemma
                              for o in [_owner(t)] if o is not None), None)
            if owner is not None:
                return self._resolve(parsed, owner, done)
            return self._latest(parsed, head.idx, persons=False, done=done, anywhere=True)
        # a mention somewhere in the subject phrase: "a junta spokesperson", "Russia's foreign ministry"
        subtree = doc[head.left_edge.i:head.right_edge.i + 1]
        person = _person_name(head) or next(
            (n for c in head.children if c.dep_ == "appos" for n in [_person_name(c) or _proper_name(c)] if n), None)
        if person is not None and not any(
                e is not None and e.type == "PERSON" for m in parsed.mentions
                if subtree.start_char <= m.start and m.end <= subtree.end_char
                for e in [_entity(parsed, m.entity_key)]):
            # "UN rights chief Volker Turk said": the named person speaks, not the body in
            # their title, even when the entity stage did not list them
            return _Speaker(Participant(person, None), None)
        if head.pos_ in {"NOUN", "PROPN"}:
            # "China's defence ministry said": the ministry, when the entity stage knows it
            whole = _alias_in(parsed, subtree.text)
            if whole is not None and _norm(subtree.text).endswith(_norm(head.text)) and any(
                    _norm(head.text) in _norm(a) for a in (whole.name, *whole.aliases)):
                return _Speaker(Participant(whole.name, whole.key), whole)
            if head.lower_ in self.lex.bodies or head.lemma_.casefold() in self.lex.bodies:
                # else the body as written: the state named in it is not the one speaking
                phrase = doc[head.left_edge.i:head.i + 1].text
                return _Speaker(Participant(re.sub(r"(?i)^(the|a|an)\s+", "", phrase), None), None)
        best: Entity | None = None
        for m in parsed.mentions:
            if subtree.start_char <= m.start and m.end <= subtree.end_char and m.kind != "pronoun":
                entity = _entity(parsed, m.entity_key)
                if entity is not None and (best is None or (entity.type == "PERSON") > (best.type == "PERSON")):
                    best = entity
        if best is None:
            best = _alias_in(parsed, subtree.text)
        if best is not None:
            return _Speaker(Participant(best.name, best.key), best)
        if head.pos_ == "NOUN" and any(c.lower_ in {"the", "this"} for c in head.children):
            # "the ministry added": a definite description of the body that spoke last, when
            # its name has that noun ("the vote showed" is not the last speaker talking)
            latest = self._latest(parsed, head.idx, persons=False, done=done, quotes_only=True)
            noun = _norm(head.lemma_)
            if latest is not None and latest.entity is not None and any(
                    noun in _norm(a).split() or _norm(head.text) in _norm(a).split()
                    for a in (latest.entity.name, *latest.entity.aliases)):
                return latest
        name = _proper_name(head)
        if name is not None:
            # "Minister of State for Mines Anil Kumar said": a name the entity stage missed
            return _Speaker(Participant(name, None), None)
        if self.keep_unresolved and head.pos_ in {"NOUN", "PROPN"}:
            text = subtree.text
            return _Speaker(Participant(text[4:] if text.casefold().startswith("the ") else text, None), None)
        return None

    def _chain_subject(self, parsed: ParsedArticle, pronoun: Token, *, persons: bool,
                       done: list[Quote]) -> _Speaker | None:
        """The named subject of the latest verb of saying before `pronoun` (same or previous paragraph).

        Names inside quotation marks are skipped: they are spoken about, not speaking.
        """
        doc = pronoun.doc
        body = parsed.article.body
        quotes = [(q.start, q.end) for q in find_quoted(body)]
        sent_start = pronoun.sent.start
        for tok in reversed(doc[:sent_start]):
            if body.count("\n\n", tok.idx, pronoun.idx) > 1:
                break
            if tok.pos_ not in {"VERB", "AUX"} or tok.lemma_.casefold() not in self.lex.speech \
                    or _inside(tok.idx, quotes):
                continue
            subj = next((c for c in tok.children if c.dep_ in _SUBJECTS and not _inside(c.idx, quotes)), None)
            if subj is None or subj.lower_ in _PERSON_PRONOUNS | _GROUP_PRONOUNS | _RELATIVE:
                continue
            speaker = self._resolve(parsed, subj, done)
            if speaker is not None and (speaker.entity is None or (speaker.entity.type == "PERSON") == persons):
                return speaker
        return None

    def _latest(self, parsed: ParsedArticle, pos: int, *, persons: bool, done: list[Quote],
                anywhere: bool = False, quotes_only: bool = False) -> _Speaker | None:
        """The latest speaker (else mention) before `pos`: a person, or a group for "it"/"they"."""
        for quote in reversed(done):
            key = quote.speaker.entity_key
            entity = _entity(parsed, key) if key else None
            # only a speaker of the same paragraph or the one before, unless `anywhere`
            if entity is not None and (entity.type == "PERSON") == persons and quote.evidence.body_start < pos \
                    and (anywhere or parsed.article.body.count("\n\n", quote.evidence.body_end, pos) <= 1):
                return _Speaker(quote.speaker, entity)
        if quotes_only:
            return None
        best = None
        for m in parsed.mentions:
            if m.end > pos or m.kind == "pronoun":
                continue
            entity = _entity(parsed, m.entity_key)
            if entity is None or (entity.type == "PERSON") != persons:
                continue
            if not persons and entity.type not in {"ORG", "GPE"}:
                continue
            if best is None or m.start > best[0]:
                best = (m.start, entity)
        if best is None:
            return None
        return _Speaker(Participant(best[1].name, best[1].key), best[1])

    @staticmethod
    def _near(body: str, prev: QuotedSpan, q: QuotedSpan) -> bool:
        return body.count("\n\n", prev.end, q.start) <= 1 and q.start - prev.end < 1500

    # -- target and stance ---------------------------------------------------------------

    def _target(self, parsed: ParsedArticle, verb: Token | None, span: Span, speaker: _Speaker) -> Participant | None:
        inside = range(span.start, span.end)
        speaker_key = speaker.participant.entity_key
        candidates: list[Token] = []
        if verb is not None:
            for child in verb.children:
                if child.i in inside:
                    continue
                if child.dep_ in {"dobj", "iobj", "dative"}:
                    candidates.append(child)
                elif child.dep_ == "prep" and child.lower_ in {"on", "to", "with", "against", "about", "for"}:
                    candidates.extend(g for g in child.children if g.dep_ == "pobj")
                elif child.dep_ in {"ccomp", "xcomp"}:
                    candidates.extend(g for g in child.children if g.dep_ in _SUBJECTS and g.i not in inside)
            # "quoted X as telling Y": the one told
            for tok in verb.subtree:
                if tok.i not in inside and tok.lemma_.casefold() in {"tell", "address", "thank", "praise", "urge"} \
                        and tok.i != verb.i:
                    candidates.extend(c for c in tok.children if c.dep_ in {"dobj", "dative"} and c.i not in inside)
        for tok in candidates:
            m = parsed.mention_at(tok.idx, tok.idx + len(tok.text))
            entity = _entity(parsed, m.entity_key) if m is not None else None
            if entity is not None and entity.key != speaker_key and entity.type in _ACTOR_TYPES:
                return Participant(entity.name, entity.key)
        for m in sorted(parsed.mentions, key=lambda m: m.start):
            if span.start_char <= m.start and m.end <= span.end_char and m.kind != "pronoun":
                entity = _entity(parsed, m.entity_key)
                if entity is not None and entity.key != speaker_key and entity.type in _ACTOR_TYPES:
                    return Participant(entity.name, entity.key)
        return None

    def _stance(self, doc: Doc, span: Span, verb: Token | None, quotes: list[tuple[int, int]]) -> Stance | None:
        """Return the stance the cues give, or None when there is no cue at all."""
        scores = {"support": 0.0, "condemn": 0.0, "request": 0.0}
        if verb is not None:
            lemma = verb.lemma_.casefold()
            if lemma in self.lex.topic:
                return "neutral"  # a topic discussed is not a position taken
            verb_stance = self.lex.speech.get(lemma)
            if verb_stance in scores and not _negated(verb):
                scores[verb_stance] += self.verb_weight
            self._score(self._frame(verb, quotes), scores, ("frame", "both"))
        self._score(list(span), scores, ("quote", "both"))
        if _imperative(span):
            scores["request"] += 1.0  # "Stop the shelling now": an order or appeal
        best = max(scores.items(), key=lambda kv: (kv[1], _PRIORITY[kv[0]]))
        if best[1] <= 0:
            return None
        return best[0]  # type: ignore[return-value]

    @staticmethod
    def _frame(verb: Token, quotes: list[tuple[int, int]]) -> list[Token]:
        """The attribution clause: the speech verb's words outside quotes.

        A coordinated clause ("... and urged the bloc to go further") is another act, and a
        passive participle with its agent ("Asked by reporters whether ...") is what others
        did to the speaker; neither says the speaker's attitude to the quoted words.
        """
        skip: set[int] = set()
        for child in verb.children:
            passive = child.tag_ == "VBN" and any(g.dep_ == "agent" for g in child.children)
            if child.dep_ in {"conj", "cc"} or passive:
                skip.update(t.i for t in child.subtree)
        return [t for t in verb.subtree if t.i not in skip and not _inside(t.idx, quotes)]

    def _score(self, tokens: list[Token], scores: dict[str, float], scopes: tuple[str, ...]) -> None:
        if not tokens:
            return
        forms = [t.lower_ for t in tokens]
        lemmas = [t.lemma_.casefold() for t in tokens]
        used: set[int] = set()
        for start, end, cue in self.stance_cues.find(forms, lemmas):
            if not isinstance(cue, StanceCue) or cue.scope not in scopes:
                continue
            if any(i in used for i in range(start, end)):
                continue  # a longer phrase already counted these words
            used.update(range(start, end))
            stance = cue.stance
            weight = cue.weight
            if any(_negated(tokens[i]) for i in range(start, end)):
                if stance == "support":
                    stance = "condemn"
                elif stance == "condemn":
                    # "does not pose a threat", "committed no crime": a defence, weakly
                    stance, weight = "support", weight * self.negated_condemn_weight
                else:
                    continue
            if stance in scores:
                scores[stance] += weight

    # -- reported speech ------------------------------------------------------------------

    def _reported(self, parsed: ParsedArticle, quotes: list[tuple[int, int]], done: list[Quote]) -> list[Quote]:
        out: list[Quote] = []
        doc = parsed.doc
        for tok in doc:
            if tok.pos_ != "VERB" or tok.lemma_.casefold() not in self.lex.speech or _inside(tok.idx, quotes):
                continue
            comp = next((c for c in tok.children if c.dep_ == "ccomp"), None)
            if comp is None or any(_inside(t.idx, quotes) for t in comp.subtree):
                continue
            span = doc[comp.left_edge.i:comp.right_edge.i + 1]
            if len(span) < 3:
                continue
            speaker = self._speaker(parsed, tok, span, quotes, done)
            if speaker is None:
                continue
            start, end = span.start_char, span.end_char
            if span[0].lower_ == "that":
                start = span[1].idx
            raw_start, raw_end = parsed.article.offsets.to_raw(start, end)
            text = parsed.article.body[start:end]
            out.append(Quote(
                speaker=speaker.participant,
                target=self._target(parsed, tok, span, speaker),
                stance=self._stance(doc, span, tok, quotes) or "neutral",
                text=text,
                direct=False,
                evidence=Evidence(parsed.article.doc_id, raw_start, raw_end, start, end, text),
            ))
        return out


_PRIORITY = {"condemn": 3, "request": 2, "support": 1}


def _trimmed(body: str, q: QuotedSpan) -> tuple[int, int] | None:
    start, end = q.start, q.end
    while start < end and body[start].isspace():
        start += 1
    while end > start and body[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None


def _inside(pos: int, ranges: list[tuple[int, int]]) -> bool:
    return any(s <= pos < e for s, e in ranges)


def _ancestors(tok: Token, inside: set[int]) -> list[Token]:
    """Heads above `tok` that are not inside the quote, nearest first."""
    out: list[Token] = []
    for _ in range(8):
        if tok.head.i == tok.i:
            break
        tok = tok.head
        if tok.i not in inside:
            out.append(tok)
    return out


def _entity(parsed: ParsedArticle, key: str | None) -> Entity | None:
    if key is None:
        return None
    try:
        return parsed.entity(key)
    except KeyError:
        return None


def _alias_in(parsed: ParsedArticle, text: str) -> Entity | None:
    """The entity whose alias occurs in `text` as whole words ("a junta spokesperson" -> junta)."""
    folded = f" {_norm(text)} "
    best: tuple[int, Entity] | None = None
    for entity in parsed.entities:
        if entity.type not in {"PERSON", "ORG", "GPE"}:
            continue
        for alias in (entity.name, *entity.aliases):
            form = _norm(alias)
            for det in ("the ", "a ", "an "):
                form = form.removeprefix(det)
            if len(form) >= 3 and f" {form} " in folded and (best is None or len(form) > best[0]):
                best = (len(form), entity)
    return best[1] if best is not None else None


def _owner(head: Token) -> Token | None:
    """The author of a statement noun: "NUCC's statement", "the statement from the NUCC"."""
    for child in head.children:
        if child.dep_ == "poss":
            return child
    for child in head.children:
        if child.dep_ == "prep" and child.lower_ in {"from", "by", "of"}:
            pobj = next((g for g in child.children if g.dep_ == "pobj"), None)
            if pobj is not None:
                return pobj
    for child in head.children:
        if child.dep_ == "compound" and child.pos_ == "PROPN":
            return child
    return None


def _proper_name(head: Token) -> str | None:
    """The proper name `head` ends ("Anil Kumar"): its run of proper-noun compounds, two words or more."""
    if head.pos_ != "PROPN" or head.ent_type_ in {"GPE", "NORP", "LOC", "DATE"}:
        return None
    start = head.i
    while start > 0 and head.doc[start - 1].pos_ == "PROPN" and head.doc[start - 1].dep_ == "compound" \
            and head.doc[start - 1].head.i == head.i:
        start -= 1
    if start == head.i:
        return None  # a single word ("Reuters", "Kyiv") is too often a place or a metonym
    return head.doc[start:head.i + 1].text


def _person_name(head: Token) -> str | None:
    """The PERSON name (spaCy's tagger) that `head` ends, e.g. "Volker Turk" for "Turk"."""
    if head.ent_type_ != "PERSON":
        return None
    doc = head.doc
    for ent in doc.ents:
        if ent.start <= head.i < ent.end and ent.label_ == "PERSON":
            return ent.text
    return None


def _negated(tok: Token) -> bool:
    """True when the parse negates the cue word ("do not support", "is not complicit", "pose no threat")."""
    if any(c.dep_ == "neg" or (c.dep_ == "det" and c.lower_ == "no") for c in tok.children):
        return True
    head = tok
    for _ in range(2):
        # "does not represent a threat to": the verb governing the cue word is negated
        if head.dep_ not in {"acomp", "attr", "xcomp", "ccomp", "dobj"} or head.head.i == head.i:
            break
        head = head.head
        if any(c.dep_ == "neg" for c in head.children):
            return True
    return tok.i > tok.sent.start and tok.doc[tok.i - 1].lower_ in _NEGATIONS


def _imperative(span: Span) -> bool:
    """True when a sentence of the quote opens with a bare verb and no subject ("Stop the war")."""
    starts = {span.start} | {t.i for t in span if t.is_sent_start}
    for i in sorted(starts):
        first = next((t for t in span.doc[i:span.end] if not t.is_punct), None)
        if first is None:
            continue
        if first.tag_ == "VB" and first.dep_ in {"ROOT", "ccomp", "parataxis"} \
                and not any(c.dep_ in _SUBJECTS or c.dep_ == "aux" for c in first.children) \
                and first.lower_ not in {"let", "thank", "please"}:
            return True
    return False


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.findall(r"\w+", text))


def _dedupe(quotes: list[Quote]) -> list[Quote]:
    """One quote per passage: a passage repeated (a standfirst, a pull quote) is kept once."""
    out: list[Quote] = []
    for quote in quotes:
        key = _norm(quote.text)
        clash = next((i for i, q in enumerate(out) if key in _norm(q.text) or _norm(q.text) in key), None)
        if clash is None:
            out.append(quote)
        elif len(key) > len(_norm(out[clash].text)) and quote.speaker.entity_key is not None:
            out[clash] = quote
    return out

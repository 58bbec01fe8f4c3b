"""Figures from parsed articles: value, qualifier, unit, category, subject, source, as-of date.

Every number the grammar in `numbers.py` finds in the body is checked against the things
that are not figures (dates, years, ages, times, ordinals, labels such as "Article 5", names
such as "COVID-19", time spans that only place an event, vague plurals such as "thousands
of"); what remains gets a category from cue words near it in the dependency tree
(`figure_categories.jsonl`), a qualifier from the words before it, a source from the
sentence's attribution (or the subject that asks for the number: "prosecutors sought 15
years") and an as-of date from the dates of the figure's own clause or phrase ("killed in late
March last year", "a contract signed in 2018"); a date that only starts a period ("since 24
February") or dates another clause of the sentence is not the figure's. A figure whose
sentence gives no date or source takes those of the last figure on the same topic in its
paragraph, else the article date. A number repeated in an article (same value and category;
for counts, of the same thing) is one figure.
"""

from __future__ import annotations

import itertools
import logging
import re
from dataclasses import dataclass, field, replace

from spacy.tokens import Doc, Span, Token

from dossier.clean.records import Precision
from dossier.extract.figure_dates import MONTHS as MONTH_NAMES
from dossier.extract.figure_dates import WEEKDAYS, DatedSpan, choose_as_of, dated_spans, parse_iso
from dossier.extract.figure_lexicon import CategoryCue, PhraseIndex, load_figure_lexicon
from dossier.extract.numbers import NumberGrammar, NumberMatch
from dossier.extract.quote_lexicon import load_quote_lexicon
from dossier.extract.records import Evidence, Figure
from dossier.nlp.records import ParsedArticle
from dossier.settings import Settings

log = logging.getLogger(__name__)

# Numbers inside these named entities belong to a name ("World War Two", "Boeing 737").
_NAME_ENTS = frozenset({
    "PERSON", "ORG", "GPE", "LOC", "FAC", "PRODUCT", "EVENT", "LAW", "WORK_OF_ART", "NORP", "LANGUAGE",
})
_DETERMINERS = frozenset({
    "the", "these", "those", "both", "all", "its", "their", "his", "her", "our", "my", "your", "each", "every",
})
# Label words that number things even in lower case ("page 12", "no. 5").
_LOWER_LABELS = frozenset({
    "page", "pages", "p.", "pp.", "no.", "nos.", "number", "article", "resolution", "section", "paragraph",
    "chapter", "clause", "item",
})
_TIME_OF_DAY = re.compile(r"\s?(?:a\.m\.|p\.m\.|am\b|pm\b|gmt\b|utc\b|hrs\b|o'clock\b|:\d\d)", re.IGNORECASE)
_AGE_AFTER = re.compile(r"\s?-?\s?years?\s?-?\s?old\b|-year-old\b", re.IGNORECASE)
_RANGE_JOIN = re.compile(r"^\s*(?:-|–|—|to)\s*$", re.IGNORECASE)
# "one of", "one another", "one day": "one" as a pronoun or article, not a count.
_ONE_AS_PRONOUN = frozenset({"of", "another", "day", "side", "hand", "way", "time", "point", "after"})
_MODIFIER_DEPS = frozenset({"nummod", "quantmod", "compound", "amod", "nmod", "appos", "prep", "npadvmod"})
_BETWEEN_JOIN = re.compile(r"^\s*and\s*$", re.IGNORECASE)
# Categories a listed number may take from the number it is listed under (cue categories).
_FORM_CATEGORIES = frozenset({"money", "share_percent", "duration", "count"})
# Nouns for the documents behind a figure ("figures from X", "a study by X").
_SOURCE_NOUNS = frozenset({
    "figure", "figures", "data", "study", "report", "count", "tally", "survey", "estimate", "estimates",
    "statistics", "toll", "record", "records", "analysis", "research", "census", "numbers",
})
# Verbs whose subject is the source of the figures in their clause ("activist groups say").
_SOURCE_VERBS = frozenset({
    "say", "report", "estimate", "count", "document", "record", "tally", "show", "state", "announce", "claim",
    "confirm", "tell", "add", "put", "find", "indicate", "reveal", "disclose", "publish", "verify",
})
_PRONOUNS = frozenset({"it", "they", "he", "she", "we", "i", "you", "this", "that", "which", "who"})
_RELATIVES = frozenset({"who", "which", "that"})
# Verbs whose subject puts forward the number they govern ("prosecutors asked for 18 years").
_CLAIM_VERBS = frozenset({"ask", "seek", "demand", "request", "propose", "offer", "estimate", "claim", "put"})
# Named entities a count may start ("220 Shahed drones", "three Kims"); in other kinds a
# leading number belongs to the name ("10 Downing Street", "7-Eleven").
_COUNTABLE_ENTS = frozenset({"PRODUCT", "NORP", "GPE", "LOC", "PERSON", "LANGUAGE"})
# Categories that only a number of time units can take ("18 years" requested, "477 days" spent).
_TIME_CATEGORIES = frozenset({"sentence", "duration"})
# Figures about people hurt, held or moved are one topic: a source or date given for one
# carries to the next sentence's figures of the same topic ("Another 26,865 arrested").
_TOPICS = {
    **dict.fromkeys(("killed", "injured", "casualties", "arrested", "detained", "displaced", "missing",
                     "sexual_violence"), "toll"),
    **dict.fromkeys(("votes_for", "votes_against", "abstentions"), "vote"),
}
_VOTE_CATEGORIES = frozenset({"votes_for", "votes_against", "abstentions"})
_CLAUSE_CUTS = frozenset({"conj", "parataxis"})  # a coordinated clause has its own dates
# Subordinate clauses whose date bounds a period rather than dating the figure.
_START_MARKS = frozenset({"since", "after", "before", "once"})
_FRACTION_AFTER = re.compile(
    r"\s?-?\s?(?:thirds?|quarters?|fifths?|sixths?|tenths?|halves)\b|\s+in\s+(?:every\s+)?(?:three|four|five|six|"
    r"seven|eight|nine|ten|\d{1,2})\b(?![,.]?\d)", re.IGNORECASE)
_DENOMINATOR_BEFORE = re.compile(r"\b(?:one|two|three|four|\d{1,2})\s+in\s+(?:every\s+)?$", re.IGNORECASE)
# A vote tally written as two numbers ("14-0", "voted 120 to 14"), and a zero written in words
# ("by 13 votes to none", "there were no votes against").
_VOTE_WORDS = re.compile(r"\b(?:vot(?:e|es|ed|ing)|abstain\w*|abstention\w*|ballots?)\b", re.IGNORECASE)
_TALLY_WORDS = re.compile(r"\b(?:adopt\w*|pass(?:ed|es)?|approv\w*|resolution|motion|bill|reject\w*)\b",
                          re.IGNORECASE)
_ZERO_VOTES = re.compile(
    r"\bvotes?\s+to\s+(?P<none>none|nil|zero)\b"
    r"|\b(?P<no>no|zero)\s+(?:votes?\s+against|negative\s+votes?|(?:\w+\s+)?vot(?:ed|es)\s+against)\b"
    r"|\b(?P<nobody>none)\s+(?:voted\s+)?against\b",
    re.IGNORECASE,
)
_YEAR_PREPOSITIONS = frozenset({"of", "in", "since", "until", "till", "from", "before", "after", "during", "through"})
_REFERENCE_NOUNS = frozenset({
    "side", "country", "nation", "leader", "party", "government", "state", "power", "neighbour", "neighbor",
})
_HYPHEN_WORD = re.compile(r"\s?-\s?([A-Za-z]+)\b")


@dataclass(slots=True)
class _Candidate:
    """A number that survived the non-figure checks, while its category is decided."""

    match: NumberMatch
    tokens: Span
    sent: Span
    anchor: Token  # the counted noun, or the number's own head token
    noun: Token | None
    unit: str | None
    category: str | None  # fixed by the form (money, percent, measure, time), else from cues
    time_unit: bool = False
    determiner: bool = False
    qualifier: str | None = None
    range_role: str | None = None  # "low"/"high" for the bounds of "10-20"
    cue: tuple[int, int] | None = None  # token span of the category cue used
    extra: dict[str, str] = field(default_factory=dict)


class FigureExtractor:
    """Finds figures in a parsed article."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.lex = load_figure_lexicon(settings)
        self.speech = load_quote_lexicon(settings)
        self.grammar = NumberGrammar(self.lex.units)
        self.cues = PhraseIndex((c.words, c) for c in self.lex.cues)
        self.measures = PhraseIndex((words, cat) for words, cat in self.lex.measures.items())
        self.qual_before = sorted(self.lex.qualifiers_before.items(), key=lambda kv: -len(kv[0]))
        self.qual_after = sorted(self.lex.qualifiers_after.items(), key=lambda kv: -len(kv[0]))
        # How far (tree steps + 0.3 per token between) a cue may be from its number.
        self.max_cue_distance = float(settings.get("figures.max_cue_distance", 6.0))
        self.max_evidence_chars = int(settings.get("figures.max_evidence_chars", 400))

    # -- public -----------------------------------------------------------------------

    def extract(self, parsed: ParsedArticle) -> tuple[Figure, ...]:
        """Return the article's figures, each with its evidence sentence (or clause)."""
        body = parsed.article.body
        doc = parsed.doc
        if not body or len(doc) == 0:
            return ()
        matches = self.grammar.scan(body)
        forced: dict[int, str] = {}
        for zero in _ZERO_VOTES.finditer(body):
            word = next(g for g in ("none", "no", "nobody") if zero.group(g) is not None)
            start, end = zero.start(word), zero.end(word)
            zero_span = doc.char_span(start, end, alignment_mode="expand")
            if zero_span is None or not _VOTE_WORDS.search(zero_span.sent.text) or any(
                    n.start <= start < n.end for n in matches):
                continue
            forced[start] = "votes_against"
            matches.append(NumberMatch(start, end, 0.0, body[start:end], None, False, False, True, False, False))
        matches.sort(key=lambda n: n.start)
        candidates = self._candidates(doc, body, matches, forced)
        by_sentence: dict[int, list[_Candidate]] = {}
        for cand in candidates:
            by_sentence.setdefault(cand.sent.start, []).append(cand)
        article_date = parse_iso(parsed.article.published.date)
        figures: list[Figure] = []
        seen: set[tuple[float, str, str]] = set()
        # per paragraph and topic: the last figure's (as_of, precision, dated by its text, source)
        state: dict[tuple[int, str], tuple[str | None, Precision, bool, str | None]] = {}
        for sent_start in sorted(by_sentence):
            group = by_sentence[sent_start]
            sent = group[0].sent
            self._categorise(group, sent)
            dates = dated_spans(body, sent.start_char, sent.end_char, parsed.timexes, article_date)
            sent_source = self._source(parsed, sent)
            paragraph = body.rfind("\n", 0, sent.start_char)
            for cand in group:
                if cand.category is None:
                    continue
                if cand.category == "count" and "strength" not in cand.extra \
                        and (cand.determiner or (cand.match.value == 1 and cand.match.words)):
                    continue  # "the two countries", "one of": references, not counts
                if cand.determiner and cand.noun is not None and cand.noun.lemma_.casefold() in _REFERENCE_NOUNS:
                    continue  # "the two sides exchanged ...": the parties, whatever the cue nearby
                as_of, precision, explicit = self._as_of(cand, dates, parsed)
                source = self._claimant(parsed, cand) or sent_source
                topic = (paragraph, _topic(cand))
                prev = state.get(topic)
                if prev is not None:
                    # A figure on the same topic in the same paragraph as a dated, sourced one
                    # continues its report ("Another 26,865 people have been arrested"); only
                    # when its own clause gives no date and its sentence names no source.
                    if not explicit and prev[2]:
                        as_of, precision, explicit = prev[0], prev[1], True
                    if source is None:
                        source = prev[3]
                state[topic] = (as_of, precision, explicit, source)
                # a number repeated is one figure; counts of different things are not repeats
                key = (cand.match.value, cand.category, _topic(cand) if cand.category == "count" else "")
                if key in seen:
                    continue
                seen.add(key)
                figures.append(Figure(
                    value=cand.match.value,
                    qualifier=cand.qualifier,
                    unit=cand.unit,
                    category=cand.category,
                    subject=self._subject(cand),
                    source=source,
                    as_of=as_of,
                    as_of_precision=precision,
                    evidence=self._evidence(parsed, cand),
                    surface=cand.match.surface,
                ))
        return tuple(figures)

    # -- finding numbers that are figures ----------------------------------------------

    def _candidates(self, doc: Doc, body: str, matches: list[NumberMatch],
                    forced: dict[int, str]) -> list[_Candidate]:
        """Numbers that are figures; `forced` gives the category of numbers read by a pattern."""
        out: list[_Candidate] = []
        skip_next = False
        for i, m in enumerate(matches):
            if skip_next:
                skip_next = False
                continue
            if m.vague:
                continue
            nxt = matches[i + 1] if i + 1 < len(matches) else None
            joined = nxt is not None and not nxt.vague and (
                _RANGE_JOIN.match(body[m.end:nxt.start])
                or (_BETWEEN_JOIN.match(body[m.end:nxt.start])
                    and body[:m.start].casefold().rstrip().endswith("between"))
            )
            if nxt is not None and joined and not _is_year(m) and self._is_tally(doc, m, nxt):
                # "passed 14-0", "voted 120 to 14": for and against, not a range
                for bound, category in ((m, "votes_for"), (nxt, "votes_against")):
                    forced[bound.start] = category
                    cand = self._candidate(doc, body, bound, forced)
                    if cand is not None:
                        out.append(cand)
                skip_next = True
                continue
            if nxt is not None and joined and not _is_year(m):
                low, high = _range_bounds(m, nxt)
                for bound, role in ((low, "low"), (high, "high")):
                    cand = self._candidate(doc, body, bound, forced)
                    if cand is not None:
                        cand.range_role = role
                        cand.qualifier = "at least" if role == "low" else "at most"
                        if role == "low":
                            cand.unit, cand.category = _merge_low(cand, self._candidate(doc, body, high, forced))
                        out.append(cand)
                skip_next = True
                continue
            cand = self._candidate(doc, body, m, forced)
            if cand is not None:
                out.append(cand)
        return out

    @staticmethod
    def _is_tally(doc: Doc, first: NumberMatch, second: NumberMatch) -> bool:
        """True when two joined numbers are a vote count ("14-0", "120 to 14"), not a range."""
        if first.currency or first.percent or second.currency or second.percent or first.scaled:
            return False
        span = doc.char_span(first.start, first.end, alignment_mode="expand")
        if span is None or len(span) == 0:
            return False
        text = span.sent.text
        return bool(_VOTE_WORDS.search(text)) or (second.value < first.value and bool(_TALLY_WORDS.search(text)))

    def _candidate(self, doc: Doc, body: str, m: NumberMatch,
                   forced: dict[int, str] | None = None) -> _Candidate | None:
        span = doc.char_span(m.start, m.end, alignment_mode="expand")
        if span is None or len(span) == 0:
            return None
        reason = self._not_a_figure(doc, body, m, span)
        if reason is not None:
            log.debug("not a figure: %r (%s)", m.surface, reason)
            return None
        sent = span.sent
        root = span.root
        noun: Token | None = None
        anchor = root
        tok = root
        for _ in range(3):
            # "two-thousand 155mm shells": climb over a following number or unit to the noun
            if tok.dep_ not in _MODIFIER_DEPS or tok.head.i < span.end:
                break
            if tok.head.pos_ in {"NOUN", "PROPN"}:
                noun = anchor = tok.head
                break
            if tok.head.pos_ != "NUM" and not (tok.head.pos_ == "VERB" and tok.head.dep_ == "amod"):
                break  # climb "220 Iranian-made drones" over the participle to the noun
            tok = tok.head
        if noun is None:
            # "around 2,400 of the drones": the number heads its phrase, the noun follows "of"
            of = next((c for c in root.children if c.dep_ == "prep" and c.lower_ == "of"), None)
            pobj = next((g for g in of.children if g.dep_ == "pobj"), None) if of is not None else None
            if pobj is not None and pobj.pos_ == "NOUN":
                noun = pobj
        cand = _Candidate(m, span, sent, anchor, noun, None, None)
        cand.determiner = self._has_determiner(doc, span)
        cand.qualifier = self._qualifier(body, m)
        if forced and m.start in forced:
            cand.category, cand.unit = forced[m.start], "votes"
            return cand
        hyphen = _HYPHEN_WORD.match(body[m.end:m.end + 30])
        if hyphen is not None and hyphen.group(1).casefold() in self.lex.strength_words and not m.currency:
            # "a 13,000-strong force": the size of the body the compound describes
            cand.category = "count"
            cand.unit = next((t.text for t in doc[span.end:min(len(doc), span.end + 6)] if t.pos_ == "NOUN"), None)
            cand.extra["strength"] = hyphen.group(1)
            return cand
        # 1. the form of the number fixes the category: money, percent, measures, time spans
        if m.currency is not None:
            cand.category, cand.unit = "money", m.currency
            return cand
        if m.percent:
            cand.category, cand.unit = "share_percent", "percent"
            return cand
        follow = body[m.end:m.end + 40]
        measure = self._measure_after(doc, span)
        if measure is not None:
            cand.category, cand.unit = measure
            if cand.category == "caliber" and noun is not None and noun.i > span.end:
                pass
            return cand
        unit_word = re.match(r"\s?-?\s?([A-Za-z]+)", follow)
        if unit_word and unit_word.group(1).casefold() in self.lex.time_units:
            cand.time_unit = True
            cand.unit = unit_word.group(1).casefold()
            if self._only_places_in_time(doc, body, m, unit_word):
                return None
            return cand
        if noun is not None:
            cand.unit = noun.text
        return cand

    def _not_a_figure(self, doc: Doc, body: str, m: NumberMatch, span: Span) -> str | None:
        after = body[m.end:m.end + 1]
        if after.isalpha() and not m.words:
            glued = re.match(r"[A-Za-z/]+", body[m.end:])
            word = glued.group(0).casefold() if glued else ""
            if (word,) not in self.lex.measures:
                return "glued letters (ordinal or code)"
        if (m.start > 0 and body[m.start - 1] in "#/:") or (after in {":", "/"} and not m.words):
            return "code, time or fraction"
        if _FRACTION_AFTER.match(body[m.end:m.end + 12]) \
                or _DENOMINATOR_BEFORE.search(body[max(0, m.start - 24):m.start]):
            return "part of a fraction"  # "two-thirds of", "one in five": shares without a figure
        first = span[0]
        counted = first.ent_iob_ == "B" and first.ent_type_ in _COUNTABLE_ENTS
        for tok in span:
            if tok.ent_type_ in _NAME_ENTS and not (m.currency or m.percent or counted):
                return f"inside a {tok.ent_type_} name"
        label = self._compound_label(doc, body, m, span)
        if label is not None:
            return label
        prev = _prev_word(doc, span)
        nxt = doc[span.end] if span.end < len(doc) else None
        if (prev is not None and _month(prev)) or (nxt is not None and _month(nxt)):
            return "day of a date"
        if prev is not None and prev.lower_ in WEEKDAYS:
            return "date"
        if _is_year(m) and (nxt is None or nxt.tag_ != "NNS" or nxt.lower_ in self.lex.time_units
                            or (prev is not None and prev.lower_ in _YEAR_PREPOSITIONS)):
            return "year"  # "in 2021", "a 2020 study", "the Act of 1979"; "2000 soldiers" stays a count
        if _TIME_OF_DAY.match(body[m.end:m.end + 8]):
            return "time of day"
        if _AGE_AFTER.match(body[m.end:m.end + 14]):
            return "age"
        before = body[max(0, m.start - 16):m.start].casefold().split()
        if before and any(tuple(before[-len(w):]) == w for w in self.lex.age_before):
            return "age"
        if prev is not None and prev.text == "," and span.end < len(doc) and doc[span.end].text == "," \
                and span.start >= 2 and doc[span.start - 2].ent_type_ == "PERSON":
            return "age after a name"
        if prev is not None:
            label = prev.lower_
            if label in self.lex.labels and (prev.text[:1].isupper() or label in _LOWER_LABELS):
                return "label"
        if m.words and m.value == 1 and nxt is not None and nxt.lower_ in _ONE_AS_PRONOUN:
            return "pronoun use of 'one'"
        if m.words and span[0].text[:1].isupper() and span.start > span.sent.start and prev is not None \
                and prev.text[:1].isupper():
            return "part of a name"
        return None

    def _compound_label(self, doc: Doc, body: str, m: NumberMatch, span: Span) -> str | None:
        """A number glued to a noun that describes another noun ("21-gun salute", "15-member council").

        Such compounds classify the thing named; they are not counts the article reports. Units
        of time and measure ("three-day", "500-km") and strengths ("13,000-strong") are decided
        elsewhere.
        """
        hyphen = _HYPHEN_WORD.match(body[m.end:m.end + 30])
        if hyphen is None or m.currency or m.percent:
            return None
        word = hyphen.group(1).casefold()
        if word in self.lex.time_units or (word,) in self.lex.measures or word in self.lex.strength_words:
            return None
        end = m.end + hyphen.end()
        after = doc.char_span(end, min(len(body), end + 40), alignment_mode="expand")
        glued = doc.char_span(m.end + hyphen.start(1), end, alignment_mode="expand")
        if after is None or glued is None or len(after) == 0 or len(glued) == 0:
            return None
        if glued[-1].tag_ in {"NN", "NNP"} and after[0].pos_ in {"NOUN", "PROPN", "ADJ"}:
            return "compound modifier (size class)"
        return None

    def _only_places_in_time(self, doc: Doc, body: str, m: NumberMatch, unit_word: re.Match[str]) -> bool:
        """True for spans such as "three-day conference", "five months after", "in the past 10 years"."""
        rest = body[m.end + unit_word.end():m.end + unit_word.end() + 40].casefold()
        hyphenated = "-" in unit_word.group(0)
        words = re.findall(r"[a-z]+", rest)
        if rest.startswith("-long") or rest.startswith(" long"):
            return True
        if (words and (words[0],) in self.lex.placement_after) or tuple(words[:2]) in self.lex.placement_after:
            return True
        if hyphenated:
            noun = next((w for w in words if w not in {"long", "old"}), "")
            if words and words[0] == "old":
                return True
            if noun in self.lex.span_nouns or (len(words) > 1 and words[1] in self.lex.span_nouns):
                return True
        before = body[max(0, m.start - 40):m.start].casefold()
        for qual, _ in self.qual_before:
            text = " ".join(qual)
            if before.rstrip().endswith(text):
                before = before.rstrip()[: -len(text)]
                break
        prev_words = tuple(re.findall(r"[a-z]+", before)[-6:])
        return any(prev_words[-len(p):] == p for p in self.lex.placement_before if len(p) <= len(prev_words))

    def _measure_after(self, doc: Doc, span: Span) -> tuple[str, str] | None:
        """Return (category, unit) when a measure unit follows the number ("5 km", "155mm")."""
        toks = doc[span.end:min(len(doc), span.end + 4)]
        forms = [t.lower_ for t in toks]
        lemmas = [t.lemma_.casefold() for t in toks]
        for start, end, cat in self.measures.find(forms, lemmas):
            if start == 0:
                return str(cat), " ".join(forms[start:end])
        # glued units: spaCy splits "155mm" into "155" "mm" but keeps e.g. "5km" in one token
        last = span[-1].lower_
        glued = re.match(r"^[\d.,]+([a-z/]+)$", last)
        if glued:
            cat = self.lex.measures.get((glued.group(1),))
            if cat is not None:
                return cat, glued.group(1)
        return None

    def _has_determiner(self, doc: Doc, span: Span) -> bool:
        i = span.start - 1
        while i >= span.sent.start and doc[i].lower_ in {"only", "just", "all", "some"} and doc[i].lower_ != "all":
            i -= 1
        if i < span.sent.start:
            return False
        tok = doc[i]
        # "the bloc's 27 foreign ministers": the whole membership, not a count
        return tok.lower_ in _DETERMINERS or tok.tag_ in {"PRP$", "POS"} or tok.dep_ == "poss"

    def _qualifier(self, body: str, m: NumberMatch) -> str | None:
        before = " " + " ".join(re.findall(r"[\w.'-]+", body[max(0, m.start - 40):m.start].casefold()))
        for words, qualifier in self.qual_before:
            if before.endswith(" " + " ".join(words)):
                return qualifier
        after = body[m.end:m.end + 20].casefold()
        for words, qualifier in self.qual_after:
            text = " ".join(words)
            if after.startswith(" " + text) or (text.startswith("-") and after.startswith(text)):
                return qualifier
        return None

    # -- category from cue words ---------------------------------------------------------

    def _categorise(self, group: list[_Candidate], sent: Span) -> None:
        """Give every candidate of one sentence a category from its nearest cue, if any."""
        forms = [t.lower_ for t in sent]
        lemmas = [t.lemma_.casefold() for t in sent]
        vocab = set(forms) | set(lemmas)
        hits: list[tuple[int, int, CategoryCue]] = []
        for start, end, cue in self.cues.find(forms, lemmas):
            if not isinstance(cue, CategoryCue) or (cue.needs_any and not cue.needs_any & vocab):
                continue
            hits.append((start + sent.start, end + sent.start, cue))
        number_spans = [(c.tokens.start, c.tokens.end) for c in group]
        anchors = {c.anchor.i: c for c in group}
        for cand in group:
            if cand.category is not None and not cand.time_unit:
                continue
            best: tuple[float, CategoryCue, tuple[int, int]] | None = None
            near: list[tuple[float, CategoryCue, tuple[int, int]]] = []
            for start, end, cue in hits:
                if start < cand.tokens.end and cand.tokens.start < end:
                    continue
                if (cue.category in _TIME_CATEGORIES) != cand.time_unit:
                    continue  # "18 years" takes only sentence/duration cues, and only it does
                dist = self._cue_distance(cand, sent.doc, start, end, number_spans)
                if start == cand.tokens.end:
                    dist = min(dist, 0.5)  # "23 abstentions": the word right after is what is counted
                if dist <= self.max_cue_distance:
                    near.append((dist, cue, (start, end)))
                    if best is None or dist < best[0]:
                        best = (dist, cue, (start, end))
            if best is not None:
                # "released 24 hostages": a cue that outranks the nearest one's category wins
                winner = best[1].category
                over = [h for h in near if winner in h[1].outranks]
                if over:
                    best = min(over, key=lambda h: h[0])
            if cand.noun is not None and cand.noun.lemma_.casefold() == "vote" \
                    and (best is None or best[1].category not in _VOTE_CATEGORIES
                         or not any(best[2][0] <= t.i < best[2][1] for t in cand.noun.subtree)):
                # "won 13 votes", "by 14 votes to none": counted votes are for, unless the
                # phrase itself says against or abstaining ("5 votes against")
                cand.category = "votes_for"
                continue
            if best is not None:
                cand.category = best[1].category
                cand.cue = best[2]
            elif cand.time_unit:
                cand.category = "duration"
            else:
                inherited = self._inherit(cand, anchors)
                if inherited is not None:
                    cand.category = inherited
                elif cand.noun is not None and cand.noun.pos_ == "NOUN":
                    cand.category = "count"
        # the bounds of "10-20 people killed" share one category
        for a, b in itertools.pairwise(group):
            if a.range_role == "low" and b.range_role == "high":
                a.category = a.category if b.category in {None, "count"} else b.category
                b.category = b.category or a.category

    def _cue_distance(self, cand: _Candidate, doc: Doc, start: int, end: int,
                      number_spans: list[tuple[int, int]]) -> float:
        tree = min(_tree_distance(cand.anchor, doc[i]) for i in range(start, end))
        tree = min(tree, min(_tree_distance(tok, doc[i]) for tok in cand.tokens for i in range(start, end)))
        lo, hi = (cand.tokens.end, start) if start >= cand.tokens.end else (end, cand.tokens.start)
        gap = max(0, hi - lo)
        if cand.time_unit and any(a.i == start for a in cand.anchor.ancestors):
            gap = 0  # "sentenced X, a journalist for ..., to six years": the verb governs the term

        blocked = any(lo <= s and e <= hi for s, e in number_spans if (s, e) != (cand.tokens.start, cand.tokens.end))
        return tree + 0.3 * gap + (3.0 if blocked else 0.0)

    @staticmethod
    def _inherit(cand: _Candidate, anchors: dict[int, _Candidate]) -> str | None:
        """A number listed under another ("including 1,022 women") takes that one's category."""
        tok = cand.anchor
        for _ in range(3):
            if tok.head.i == tok.i:
                return None
            tok = tok.head
            other = anchors.get(tok.i)
            if other is not None and other is not cand and other.category is not None \
                    and other.category not in _FORM_CATEGORIES and other.cue is not None:
                return other.category
        return None

    # -- subject, source, as-of, evidence -----------------------------------------------

    def _subject(self, cand: _Candidate) -> str | None:
        """A short phrase from the sentence saying what the number counts."""
        doc = cand.tokens.doc
        keep: set[int] = set()
        head = cand.noun
        if head is None:
            # "worth €1.5bn", "spent 3.2 billion roubles on": the word the amount hangs from
            head = cand.tokens.root
            for _ in range(3):
                if head.head.i == head.i or (head.pos_ in {"VERB", "NOUN"} and head.i not in range(
                        cand.tokens.start, cand.tokens.end)):
                    break
                head = head.head
        if head.i not in range(cand.tokens.start, cand.tokens.end):
            keep.add(head.i)
            for child in head.rights:
                if child.dep_ in {"prep", "acl", "relcl", "amod", "compound"} and child.i not in range(
                        cand.tokens.start, cand.tokens.end):
                    keep.update(t.i for t in child.subtree)
            for child in head.lefts:
                if child.dep_ in {"amod", "compound"}:
                    keep.update(t.i for t in child.subtree)
        if cand.cue is not None:
            keep.update(range(*cand.cue))
            cue_head = doc[cand.cue[0]]
            if cue_head.pos_ in {"VERB", "NOUN", "ADJ"}:
                for child in cue_head.rights:
                    if child.dep_ == "prep" and child.lower_ in {"in", "since", "during", "on", "at", "across"}:
                        keep.update(t.i for t in child.subtree)
        if not keep:
            keep.update(t.i for t in cand.tokens.root.subtree)
        number = set(range(cand.tokens.start, cand.tokens.end))
        for i in list(number):
            # the qualifier and the number's own modifiers ("at least", "some") are not the subject
            number.update(t.i for t in doc[i].subtree if t.dep_ in {"advmod", "quantmod", "nummod", "compound"})
        keep -= number
        keep = {i for i in keep if cand.sent.start <= i < cand.sent.end}
        words = [doc[i].text for i in sorted(keep) if not doc[i].is_punct or doc[i].text in {"-"}]
        if not words:
            return cand.unit
        return " ".join(words[:16]).replace(" ’s", "’s").replace(" 's", "'s")

    def _source(self, parsed: ParsedArticle, sent: Span) -> str | None:
        """Return who the sentence attributes its figures to ("according to X", "X say")."""
        for tok in sent:
            if tok.lower_ == "according":
                to = next((c for c in tok.children if c.lower_ == "to"), None)
                if to is None and tok.i + 1 < sent.end and sent.doc[tok.i + 1].lower_ == "to":
                    to = sent.doc[tok.i + 1]
                obj = next((c for c in to.children if c.dep_ == "pobj"), None) if to is not None else None
                if obj is not None:
                    return self._source_name(parsed, obj)
        for tok in sent:
            if tok.pos_ not in {"VERB", "AUX"} or tok.lemma_.casefold() not in _SOURCE_VERBS:
                continue
            subj = next((c for c in tok.children if c.dep_ in {"nsubj"}), None)
            if subj is None or subj.lower_ in _PRONOUNS or any(t.like_num for t in subj.subtree):
                continue  # "... involve two warships, ... said": a phrase with a number is not the source
            if any(c.dep_ in {"ccomp", "parataxis"} or (c.dep_ == "dobj" and c.like_num) for c in tok.children) \
                    or tok.dep_ in {"parataxis"} or (tok.dep_ == "ROOT" and tok.i > sent.start + 3):
                return self._source_name(parsed, subj)
        return None

    def _claimant(self, parsed: ParsedArticle, cand: _Candidate) -> str | None:
        """The subject of a verb that puts the figure forward ("prosecutors had asked for 18 years")."""
        tok = cand.anchor
        for _ in range(3):
            if tok.head.i == tok.i or tok.dep_ not in {"dobj", "pobj", "prep", "nummod", "npadvmod"}:
                return None
            tok = tok.head
            if tok.pos_ in {"VERB", "AUX"}:
                break
        if tok.pos_ not in {"VERB", "AUX"} or tok.lemma_.casefold() not in _CLAIM_VERBS:
            return None
        subj = next((c for c in tok.children if c.dep_ == "nsubj"), None)
        if subj is None or subj.lower_ in _PRONOUNS or subj.lower_ in _RELATIVES:
            return None
        return self._source_name(parsed, subj)

    def _source_name(self, parsed: ParsedArticle, head: Token) -> str:
        # "figures from the AAPP", "a 2020 study by SIPRI": the body behind the document
        for _ in range(3):
            if head.lemma_.casefold() not in _SOURCE_NOUNS and head.lower_ not in _SOURCE_NOUNS:
                break
            inner = next((g for c in head.children if c.dep_ == "prep" and c.lower_ in {"from", "by", "of"}
                          for g in c.children if g.dep_ == "pobj"), None)
            owner = next((c for c in head.children if c.dep_ in {"poss", "compound"} and c.pos_ == "PROPN"), None)
            if inner is None and owner is None:
                break
            head = inner if inner is not None else owner  # type: ignore[assignment]
        # the phrase without its trailing clauses ("..., Tom Andrews, published in May")
        right = head.i
        named_right = head.i
        for child in head.rights:
            if child.dep_ in {"relcl", "acl", "appos", "punct", "cc", "conj", "advcl"}:
                if child.dep_ == "appos" and child.pos_ == "PROPN" and named_right == right:
                    named_right = child.right_edge.i  # "the UN special rapporteur, Tom Andrews"
                    continue
                if child.dep_ == "punct" and named_right == right:
                    continue
                break
            right = named_right = child.right_edge.i
        span = head.doc[head.left_edge.i:right + 1]
        mention = parsed.mention_at(head.idx, head.idx + len(head.text))
        if mention is None:
            # a named body or person inside the phrase; the one nearest its end names the
            # phrase ("the UN humanitarian office OCHA"), while a descriptive appositive
            # ("..., a fraction of its Soviet-era level") is not part of the source
            named = head.doc[head.left_edge.i:max(right, named_right) + 1]
            inside = [m for m in parsed.mentions if named.start_char <= m.start and m.end <= named.end_char
                      and m.kind not in {"pronoun", "descriptor"}]
            mention = max(inside, key=lambda m: (m.kind == "name", m.end), default=None)
        if mention is not None:
            try:
                return parsed.entity(mention.entity_key).name
            except KeyError:
                pass
        text = span.text
        return text[4:] if text.casefold().startswith("the ") else text

    def _as_of(self, cand: _Candidate, dates: list[DatedSpan],
               parsed: ParsedArticle) -> tuple[str | None, Precision, bool]:
        """Return (as_of, precision, from_the_clause).

        Only dates attached to the figure's own clause count: to the words above it in the
        parse ("killed ... by June 2024"), to its own phrase ("a contract signed in 2018"), to a
        when-clause of its verb, or a trailing date shared by coordinated verbs. A date of
        another clause of the sentence ("took delivery last year, and has ordered eight") is
        not the figure's.
        """
        today = parse_iso(parsed.article.published.date)
        # a later "at" date is a plan ("due to decide next month on the 13,000-strong mission"),
        # not the date a reported number refers to; "by 2030" projections keep theirs
        own = [d for d in dates if _dates_figure(cand, d) and not (
            d.role == "at" and today is not None and (parse_iso(d.date) or today) > today)]
        chosen = choose_as_of(own, cand.match.start, lambda d: _date_distance(cand, d))
        if chosen is not None:
            return chosen.date, chosen.precision, True
        published = parsed.article.published
        if published.date is None:
            return None, "unknown", False
        return published.date, published.precision, False

    def _evidence(self, parsed: ParsedArticle, cand: _Candidate) -> Evidence:
        body = parsed.article.body
        start, end = cand.sent.start_char, cand.sent.end_char
        if end - start > self.max_evidence_chars:
            # a long sentence: the clause of the verb that governs the number
            tok = cand.anchor
            while tok.pos_ not in {"VERB", "AUX"} and tok.head.i != tok.i:
                tok = tok.head
            start, end = tok.left_edge.idx, tok.right_edge.idx + len(tok.right_edge.text)
            start, end = min(start, cand.match.start), max(end, cand.match.end)
        while start < end and body[start].isspace():
            start += 1
        while end > start and body[end - 1].isspace():
            end -= 1
        raw_start, raw_end = parsed.article.offsets.to_raw(start, end)
        return Evidence(parsed.article.doc_id, raw_start, raw_end, start, end, body[start:end])


def _topic(cand: _Candidate) -> str:
    """What a figure is about, for carrying a source or date to the next sentence's figures."""
    category = cand.category or ""
    if category in _TOPICS:
        return _TOPICS[category]
    tok = cand.noun
    if tok is None:
        tok = cand.tokens.root
        for _ in range(4):
            if tok.head.i == tok.i or (tok.pos_ in {"VERB", "NOUN"} and tok not in cand.tokens):
                break
            tok = tok.head
    return f"{category}:{tok.lemma_.casefold()}"


def _clause_chain(tok: Token) -> set[int]:
    """`tok` and the words above it, stopping where a coordinated clause joins another."""
    out = {tok.i}
    for _ in range(14):
        if tok.head.i == tok.i or (tok.dep_ in _CLAUSE_CUTS and tok.pos_ in {"VERB", "AUX"}):
            break
        tok = tok.head
        out.add(tok.i)
    return out


def _date_head(cand: _Candidate, date: DatedSpan) -> tuple[Token, Span] | None:
    """The word a date's phrase modifies ("signed" for "signed in 2018"), with the date's tokens."""
    doc = cand.tokens.doc
    span = doc.char_span(date.start, date.end, alignment_mode="expand")
    if span is None or len(span) == 0:
        return None
    tok = span.root
    for _ in range(4):
        if tok.head.i == tok.i:
            break
        if tok.head.i in range(span.start, span.end) or tok.head.pos_ == "ADP":
            tok = tok.head
            continue
        return tok.head, span
    return tok, span


def _dates_figure(cand: _Candidate, date: DatedSpan) -> bool:
    """True when the date belongs to the figure's own clause or phrase."""
    found = _date_head(cand, date)
    if found is None:
        return False
    head, span = found
    if any(t.i in range(cand.tokens.start, cand.tokens.end) for t in span):
        return False
    chain = _clause_chain(cand.anchor) | _clause_chain(cand.tokens.root)
    tok = head
    for _ in range(6):
        # "injured in the attack on Sunday": a date on a noun of the clause dates the clause
        if tok.i in chain:
            return True
        if tok.pos_ in {"VERB", "AUX"} or tok.head.i == tok.i:
            break
        tok = tok.head
    clause = tok
    for _ in range(3):
        if tok.i in chain:
            return True  # the date modifies the figure's clause or a phrase above it
        if tok.dep_ != "advcl" or tok.head.i == tok.i:
            break
        if any(c.dep_ == "mark" and c.lower_ in _START_MARKS for c in tok.children):
            return False  # "fled since troops crossed the border on 24 February": a start bound
        tok = tok.head  # "killed when troops opened fire on Sunday": a when-clause of the verb
    if cand.anchor.left_edge.i <= head.i <= cand.anchor.right_edge.i and head.i != cand.anchor.i \
            and any(a.i == cand.anchor.i for a in head.ancestors):
        return True  # inside the figure's own phrase: "the contract signed in 2018"
    # "killed 45 and injured 120 on Sunday": a trailing date of the last coordinated verb
    return clause.dep_ == "conj" and clause.head.i in chain and date.start > cand.match.end


def _date_distance(cand: _Candidate, date: DatedSpan) -> float:
    found = _date_head(cand, date)
    if found is None:
        return 99.0
    return float(_tree_distance(cand.anchor, found[0])) + abs(date.start - cand.match.start) / 1000


def _is_year(m: NumberMatch) -> bool:
    return m.plain_digits and len(m.surface.strip()) == 4 and 1800 <= m.value <= 2100


def _month(tok: Token) -> bool:
    return tok.lower_.rstrip(".") in MONTH_NAMES and (tok.text[:1].isupper() or tok.lower_ != "may")


def _prev_word(doc: Doc, span: Span) -> Token | None:
    i = span.start - 1
    while i >= 0 and doc[i].text in {"$", "€", "£", "¥", "₹"}:
        i -= 1
    return doc[i] if i >= 0 else None


def _range_bounds(low: NumberMatch, high: NumberMatch) -> tuple[NumberMatch, NumberMatch]:
    """"$10-20 million": the high bound's scale, currency and percent apply to the low one."""
    value = low.value * (high.multiplier if not low.scaled else 1.0)
    return replace(low, value=value, currency=low.currency or high.currency,
                   percent=low.percent or high.percent), high


def _merge_low(low: _Candidate, high: _Candidate | None) -> tuple[str | None, str | None]:
    if high is None:
        return low.unit, low.category
    return low.unit or high.unit, low.category or high.category


def _tree_distance(a: Token, b: Token) -> int:
    """Number of dependency arcs between two tokens of one sentence."""
    depth_a: dict[int, int] = {}
    tok, d = a, 0
    while True:
        depth_a[tok.i] = d
        if tok.head.i == tok.i or d > 12:
            break
        tok, d = tok.head, d + 1
    tok, d = b, 0
    while True:
        if tok.i in depth_a:
            return depth_a[tok.i] + d
        if tok.head.i == tok.i or d > 12:
            return 99
        tok, d = tok.head, d + 1

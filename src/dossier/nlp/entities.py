"""In-document entities from a spaCy parse, the actor dictionary and the gazetteer.

Steps, per document (each a function below):

1. candidate name spans: dictionary aliases (longest first), gazetteer countries/regions,
   spaCy entities with titles, determiners and possessives stripped;
2. typing: country/city/region look-ups, person cues (titles, apposition heads,
   office-holder name tokens), organisation words; one type per surface form per document;
3. clustering: dictionary id, country code, normalised name; then short names ("Fomin")
   and initials ("NUCC") joined to the full name they abbreviate;
4. descriptive references: title prefixes ("junta leader Senior General X"), appositions
   ("X, the chairman of Y"), role references ("the general"), armed-force descriptors
   ("the junta", "security forces") mapped to "<Country> military", metonymy ("Moscow has
   denied"), and pronouns ("he") as mentions only.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from dossier.nlp.actors import Actor, ActorDictionary
from dossier.nlp.gazetteer import Gazetteer, key, norm
from dossier.nlp.records import Entity, EntityType, Mention, MentionKind

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token

SPACY_LABELS = {"PERSON": "PERSON", "ORG": "ORG", "GPE": "GPE", "LOC": "LOC", "EVENT": "EVENT", "FAC": "LOC"}
PLACE_PREPS = {"in", "to", "from", "at", "near", "into", "outside", "inside", "via", "across", "around", "toward",
               "towards", "through", "within", "over"}
EVENT_HEADS = {"day", "conference", "summit", "forum", "war", "games", "olympics", "festival", "parade", "expo",
               "dialogue", "talks", "election", "elections", "revolution", "uprising"}
_MIL_OWNER = re.compile(r"\b([A-Z][\w-]+(?: [A-Z][\w-]+)?)(?:'s|’s)? (?:ruling |new |military )*"
                        r"(?:junta|regime|army|armed forces|military)\b")
_WORD = re.compile(r"\w+")
PLACE_NOUNS = {"town", "city", "village", "capital", "region", "province", "district", "state", "port"}
PRONOUNS = {"he", "him", "his", "she", "her"}
SPEECH_VERBS = {"say", "tell", "add", "state", "write", "insist", "argue", "note", "warn", "explain", "reply"}
# Lower-case words that join the parts of a hyphenated place name ("Komsomolsk-on-Amur").
HYPHEN_JOINERS = {"on", "upon", "sur", "am", "an", "en", "de", "la", "le", "les", "du", "sous", "in", "by"}
STOP_INITIALS = {"of", "and", "the", "for", "in", "on", "de", "&"}
POSSESSIVE = {"'s", "’s", "'", "’"}


@dataclass(slots=True)
class Cand:
    """A mention candidate in one document (character and token offsets)."""

    start: int
    end: int
    ts: int
    te: int
    text: str
    label: str
    kind: MentionKind
    source: str  # dict | gaz | spacy | desc | meto | role | pron | prefix | appos
    actor: Actor | None = None
    country: str | None = None
    ckey: str = ""
    person_cue: bool = False
    roles: list[str] = field(default_factory=list)
    sector: str | None = None
    fixed: bool = False  # typed by a class noun next to it ("firm Kpler"): typing rules leave it


@dataclass(slots=True)
class Cluster:
    """Mentions judged to refer to one entity."""

    ckey: str
    label: str
    cands: list[Cand] = field(default_factory=list)
    country: str | None = None
    sector: str | None = None
    actor: Actor | None = None
    roles: list[str] = field(default_factory=list)
    name: str | None = None


class EntityFinder:
    """Finds the entity list and mentions of one parsed document."""

    def __init__(self, actors: ActorDictionary, gazetteer: Gazetteer, *, name_token_share: float) -> None:
        self.actors = actors
        self.gz = gazetteer
        self.name_token_share = name_token_share
        self.org_words = set(gazetteer.org_words)
        self.org_sectors = {w: sec for w, sec in gazetteer.org_words.items() if sec}
        self._cache_doc: Doc | None = None
        self._cache_toks: list[Token] = []
        self._cache_text = ""
        self._prev_doc: Doc | None = None
        self._prev_toks: list[Token] = []
        self._prev_text = ""
        self._vessels: set[str] = set()  # names of ships seen in the current document
        self._drop: set[str] = set()  # names found to be projects in the current document
        self._doc_countries: set[str] = set()  # countries named in the current document
        self.place_index: dict[str, list[tuple[str, str, str]]] = {}
        for k, iso in gazetteer.country_names.items():
            self._index_place(k, "country", iso)
        for k, region in gazetteer.regions.items():
            self._index_place(k, "region", region)
        for v in self.place_index.values():
            v.sort(key=lambda t: -len(t[0]))
        self.desc_heads: dict[str, list[tuple[list[str], str, bool, str]]] = {}
        for phrase, target in gazetteer.descriptors.items():
            words = phrase.split()
            required, template = gazetteer.descriptor_info.get(phrase, (False, ""))
            self.desc_heads.setdefault(words[-1], []).append((words, target, required, template))
        for heads in self.desc_heads.values():
            heads.sort(key=lambda t: -len(t[0]))

    def _index_place(self, k: str, kind: str, value: str) -> None:
        words = k.split()
        if words:
            self.place_index.setdefault(words[0], []).append((k, kind, value))

    # ---------------------------------------------------------------- candidates
    def candidates(self, doc: Doc) -> list[Cand]:
        """Name spans of the document, non-overlapping, dictionary first."""
        text = self._text(doc)
        low = text.lower()
        self._vessels = set()
        found: list[tuple[int, Cand]] = []
        for tok in self._tokens(doc):
            if not tok.text[:1].isupper():
                continue
            words = _WORD.findall(low, tok.idx, tok.idx + 80)[:2]
            if not words:
                continue
            options = self.actors.candidates(" ".join(words))
            if len(words) == 2:
                options = options + self.actors.candidates(words[0])
            for alias_low, alias, idx in options:
                end = tok.idx + len(alias_low)
                if not low.startswith(alias_low, tok.idx) or (end < len(text) and text[end].isalnum()):
                    continue
                actor = self.actors.actors[idx]
                surface = text[tok.idx:end]
                if alias.isupper() and len(alias) <= 5 and surface != alias:
                    continue  # acronyms match in capitals only ("AP", not "Ap")
                span = doc.char_span(tok.idx, end, alignment_mode="expand")
                if span is None:
                    continue
                if not actor.curated and any(w.lower() in self.gz.titles for w in alias.split()):
                    continue  # Phoenix lists titles as aliases ("US Secretary of State"): the parse finds titles
                single = len(span) == 1
                inside_longer = span[0].ent_iob_ == "I" or (span.end < len(doc) and doc[span.end].ent_iob_ == "I")
                if single and not actor.curated and (not any(t.ent_type_ for t in span) or self.gz.demonym(surface)
                                                     or inside_longer):
                    continue  # a lone capitalised word from Phoenix needs spaCy's agreement; "Soviet" is a demonym
                c = Cand(tok.idx, end, span.start, span.end, surface, actor.type, "name", "dict", actor=actor,
                         country=actor.country, sector=actor.sector)
                if single and actor.type == "PERSON" and norm(alias) != norm(actor.name):
                    c.kind = "short"
                found.append((3, c))
                break
            if tok.lower_ not in self.place_index:
                continue
            for phrase, kind, value in self.place_index[tok.lower_]:
                span = self._match_words(doc, tok.i, phrase)
                if span is None:
                    continue
                if (span.end + 1 < len(doc) and doc[span.end].text == "-"
                        and doc[span.end + 1].lower_ in {"based", "led", "backed", "made", "born"}):
                    break  # "Thailand-based": an adjective, not an entity
                label = "GPE" if kind == "country" else "LOC"
                c = Cand(span.start_char, span.end_char, span.start, span.end, span.text, label, "name", "gaz",
                         country=value if kind == "country" else None)
                c.ckey = f"country:{value}" if kind == "country" else f"region:{value}"
                found.append((2, c))
                break
        for ent in doc.ents:
            c2 = self._spacy_cand(doc, ent)
            if c2 is not None:
                found.append((1, c2))
        found.extend((1, c3) for c3 in self._class_noun_names(doc))
        # A longer spaCy name that starts with a dictionary alias wins ("UN Human Rights Commission").
        dict_spans = [c for p, c in found if p == 3]
        for i, (prio, c) in enumerate(found):
            if prio == 1 and c.label in {"ORG", "EVENT"} and len(c.text.split()) >= 3 and any(
                    d.start == c.start and d.end < c.end for d in dict_spans) and all(
                    w[:1].isupper() or w in STOP_INITIALS for w in c.text.split()):
                found[i] = (4, c)
            elif prio == 1 and c.label == "ORG" and any(
                    d.end == c.end and d.start > c.start and self._national_prefix(text[c.start:d.start])
                    for d in dict_spans):
                found[i] = (4, c)  # "U.S. National Security Council": the country stays in the name
        if self._vessels:
            # A ship named once after "the frigate" is no entity anywhere in the document.
            found = [(p, c) for p, c in found if norm(c.text) not in self._vessels]
        found.sort(key=lambda pc: (-pc[0], -(pc[1].end - pc[1].start), pc[1].start))
        taken: list[Cand] = []
        used = bytearray(len(text) + 1)
        for _, c in found:
            if any(used[c.start:c.end]):
                continue
            used[c.start:c.end] = b"\x01" * (c.end - c.start)
            taken.append(c)
        taken.sort(key=lambda c: c.start)
        return self._join_split_names(doc, taken)

    def _national_prefix(self, prefix: str) -> bool:
        """Whether `prefix` is only a country name or national adjective ("U.S. ", "Russian ")."""
        prefix = prefix.strip()
        return bool(prefix) and bool(self.gz.country_of_name(prefix) or self.gz.demonym(prefix))

    @staticmethod
    def _match_words(doc: Doc, i: int, phrase: str) -> Span | None:
        words = phrase.split()
        j = i
        for w in words:
            while j < len(doc) and not key(doc[j].text):
                j += 1
            if j >= len(doc) or key(doc[j].text) != w:
                return None
            j += 1
        span = doc[i:j]
        if not span.text[:1].isupper():
            return None
        return span

    def _spacy_cand(self, doc: Doc, ent: Span) -> Cand | None:
        if ent.label_ not in SPACY_LABELS:
            # spaCy calls some cities products or works of art ("Naypyidaw").
            if ent.label_ in {"PRODUCT", "WORK_OF_ART", "PERSON"} and len(ent) == 1 and self.gz.city(ent.text):
                return Cand(ent.start_char, ent.end_char, ent.start, ent.end, ent.text, "GPE", "name", "spacy")
            return None
        ts, te = ent.start, ent.end
        cue = stripped_demonym = False
        # An organisation keeps its national prefix ("U.S. National Security Council", "Russian Navy").
        org_body = ent.label_ == "ORG" and any(t.lower_ in self.org_words for t in ent)
        # Strip determiners, titles and demonyms in front, possessive endings behind.
        while ts < te and (doc[ts].lower_ in {"the", "a", "an"} or self._title_word(doc[ts])
                           or (self.gz.demonym(doc[ts].text) and not org_body) or doc[ts].is_punct):
            if self._title_word(doc[ts]):
                cue = True
            if self.gz.demonym(doc[ts].text):
                stripped_demonym = True
            ts += 1
        while te > ts and (doc[te - 1].text in POSSESSIVE or doc[te - 1].is_punct or doc[te - 1].is_space):
            te -= 1
        # A possessive inside ("Myanmar’s Armed Forces Day"): keep the part after it.
        for i in range(ts, te - 1):
            if doc[i].text in POSSESSIVE:
                ts = i + 1
        if ts >= te:
            return None
        te = self._hyphen_tail(doc, te)
        span = doc[ts:te]
        stext = span.text
        if not stext[:1].isupper() or len(stext) < 2 or "\n" in stext or norm(stext) in self.gz.not_entities:
            return None
        if not re.search(r"[A-Za-z]{2}", stext) or re.search(r"\d{2}", stext):
            return None
        if len(span) == 1 and (span[0].pos_ not in {"PROPN", "NOUN"} or stripped_demonym or (
                te < len(doc) and self._title_word(doc[te]))):
            return None  # "Simply", "Russian Defense"
        if len(span) == 1 and self.gz.demonym(stext) and not self.gz.country_of_name(stext):
            return None  # "Soviet", "Burmese": an adjective or a people, not an entity
        if stext.lower() in self.gz.descriptors or stext.lower() in self.gz.titles:
            return None  # "Junta": a descriptor, handled by `descriptors`
        if te < len(doc) and doc[te].text == "-" and te + 1 < len(doc) and doc[te + 1].lower_ in {"based", "led",
                                                                                                "backed", "made"}:
            return None  # "Thailand-based": an adjective
        if (ent.label_ == "LOC" and len(span) == 1 and span[0].dep_ in {"compound", "amod"}
                and span[0].head.i == te and span[0].head.text.islower()):
            return None  # "the Pacific port": an ocean or region as a bare adjective
        label = SPACY_LABELS[ent.label_]
        if span[-1].lower_ in EVENT_HEADS and label in {"ORG", "EVENT", "LOC"}:
            label = "EVENT"
        c = Cand(span.start_char, span.end_char, ts, te, stext, label, "name", "spacy", person_cue=cue)
        return self._class_noun_type(doc, c)

    @staticmethod
    def _hyphen_tail(doc: Doc, te: int) -> int:
        """Extend a name over a hyphenated tail: "Komsomolsk" + "-on-Amur", "Sea Guardian" + "-3"."""
        n = len(doc)
        if te + 1 < n and doc[te].text == "-" and not doc[te - 1].whitespace_ and not doc[te].whitespace_:
            nxt = doc[te + 1]
            if nxt.is_digit and len(nxt.text) <= 2:
                return te + 2
            if (nxt.lower_ in HYPHEN_JOINERS and te + 3 < n and not nxt.whitespace_ and doc[te + 2].text == "-"
                    and not doc[te + 2].whitespace_ and doc[te + 3].text[:1].isupper()):
                return te + 4
        # spaCy sometimes keeps "on-Amur" as tokens "-on-" or "on-Amur": compare by characters.
        return te

    def _class_noun_names(self, doc: Doc) -> list[Cand]:
        """Names spaCy missed right after a class noun ("the exercise Northern Shield-2", "firm Kpler")."""
        out: list[Cand] = []
        toks = self._tokens(doc)
        for t in toks:
            if not t.text.islower():
                continue
            if t.i > 0 and self.gz.class_noun(t.lower_, "after") == "GPE":
                # "the Belgorod region" where spaCy saw no place: the capitalised words before the noun.
                ts = t.i
                while ts > 0 and toks[ts - 1].text[:1].isupper() and toks[ts - 1].pos_ in {"PROPN", "ADJ"} and (
                        toks[ts - 1].ent_type_ in {"", "NORP"}) and t.i - ts < 2 and not toks[ts - 1].is_sent_start:
                    ts -= 1
                if ts < t.i and not self.gz.country_of_name(doc[ts:t.i].text):
                    span = doc[ts:t.i + 1]
                    out.append(Cand(span.start_char, span.end_char, span.start, span.end, span.text, "GPE", "name",
                                    "spacy", fixed=True))
                continue
            if t.i + 1 >= len(toks):
                continue
            got = self.gz.class_noun(t.lower_, "before")
            if got not in {"ORG", "LOC", "EVENT"}:
                continue
            te = t.i + 1
            while te < len(toks) and toks[te].pos_ == "PROPN" and toks[te].text[:1].isupper() and not (
                    self._title_word(toks[te])) and not toks[te].ent_type_:
                te += 1
            if te == t.i + 1 or te - t.i - 1 > 4:
                continue
            te = self._hyphen_tail(doc, te)
            span = doc[t.i + 1:te]
            if (norm(span.text) in self.gz.not_entities or self.gz.country_of_name(span.text)
                    or self.gz.demonym(span.text) or not re.search(r"[A-Za-z]{2}", span.text)):
                continue
            out.append(Cand(span.start_char, span.end_char, span.start, span.end, span.text, got, "name", "spacy",
                            fixed=True))
        return out

    def _class_noun_type(self, doc: Doc, c: Cand) -> Cand | None:
        """Type a name by a common noun next to it ("firm Kpler", "the Tver region"); None for vessels."""
        first = c.text.split()[0]
        if len(c.text.split()) > 1 and self.gz.class_noun(c.text.split()[-1], "last") == "NONE":
            # "China-Pakistan Economic Corridor (CPEC)": a project; its initials go with it.
            self._vessels.update({norm(c.text), _initials_of(c.text).lower()})
            return None
        if len(c.text.split()) > 1 and self.gz.class_noun(first, "first") == "NONE":
            self._vessels.update({norm(c.text), norm(" ".join(c.text.split()[1:]))})
            return None  # "PNS Taimur": a ship
        got = None
        j = c.ts - 1
        while j >= 0 and doc[j].text[:1].isupper() and self._title_word(doc[j]):
            j -= 1  # "the frigate Admiral Gorshkov": look past the title
        before = doc[j] if j >= 0 else None
        if before is not None and before.lower_ == "of" and j > 0:
            before = doc[j - 1]  # "the fortress of La Cabana"
            if self.gz.class_noun(before.lower_, "before") not in {"LOC", "GPE"}:
                before = None
        if before is not None and before.text.islower():
            got = self.gz.class_noun(before.lower_, "before")
        after = doc[c.te] if c.te < len(doc) else None
        if got is None and after is not None and after.text.islower() and after.pos_ in {"NOUN", "PROPN"}:
            got = self.gz.class_noun(after.lower_, "after")
            if got == "GPE" and c.label in {"GPE", "LOC", "PERSON", "ORG"} and len(c.text.split()) <= 2:
                # "the Tver region": the region keeps its noun in its name.
                c.te += 1
                c.end = after.idx + len(after.text)
                c.text = self._text(doc)[c.start:c.end]
        if got is None:
            return c
        if got == "NONE":
            self._vessels.add(norm(doc[j + 1:c.te].text))
            self._vessels.add(norm(c.text))
            self._vessels.add(norm(c.text.split()[-1]))
            return None
        if got == "ORG" and self.gz.country_of_name(c.text):
            return c  # "the party Russia": not a name of its own
        c.label, c.fixed = got, True
        return c

    def _title_word(self, tok: Token) -> bool:
        return tok.lower_ in self.gz.titles or tok.lower_.rstrip(".") + "." in self.gz.titles

    def _join_split_names(self, doc: Doc, cands: list[Cand]) -> list[Cand]:
        """Join spaCy's split names ("Min Aung" + "Hlaing") when only a space separates them."""
        out: list[Cand] = []
        for c in cands:
            prev = out[-1] if out else None
            if (prev is not None and prev.source == "spacy" and c.source == "spacy"
                    and prev.label in {"PERSON", "ORG"} and c.label in {"PERSON", "ORG"}
                    and self._text(doc)[prev.end:c.start] == " " and prev.te == c.ts):
                prev.end, prev.te = c.end, c.te
                prev.text = self._text(doc)[prev.start:prev.end]
                if "PERSON" in (prev.label, c.label):
                    prev.label = "PERSON"
                continue
            out.append(c)
        return out

    # ---------------------------------------------------------------- typing
    def type_candidates(self, doc: Doc, cands: list[Cand]) -> None:
        """Fix spaCy's types with the gazetteer and person cues; one type per surface form."""
        self._extend_person_names(doc, cands)
        for c in cands:
            if c.source != "spacy" or c.fixed:
                continue
            words = c.text.split()
            lows = {w.lower().strip(".,") for w in words}
            iso = self.gz.country_of_name(c.text)
            region = self.gz.regions.get(key(c.text))
            if iso and c.label in {"GPE", "LOC", "ORG", "PERSON"}:
                c.label, c.country, c.ckey = "GPE", iso, f"country:{iso}"
                continue
            if region:
                c.label, c.ckey = "LOC", f"region:{region}"
                continue
            if c.label == "EVENT":
                continue
            if lows & self.org_words:
                if c.label in {"PERSON", "GPE"}:
                    c.label = "ORG"
                continue
            # An office-holder's title right before the name ("Foreign Minister X", "envoy Vassily X").
            name_like = 2 <= len(words) <= 4 and all(w[:1].isupper() and w.replace("-", "").isalpha() for w in words)
            if c.ts > 0 and self._title_word(doc[c.ts - 1]) and (doc[c.ts - 1].text[:1].isupper() or name_like):
                c.person_cue = True
            if (c.label in {"ORG", "PERSON"} and 2 <= len(words) <= 4 and all(w[:1].isupper() for w in words)
                    and self.actors.country_of_person_name(words, 0.0)):
                c.person_cue = True
            if (not c.person_cue and name_like and c.label in {"ORG", "GPE"} and len(words) <= 3
                    and not self.gz.city(c.text) and (
                        (self.actors.is_given_name(words[0]) and not self.actors.is_given_name(words[-1]))
                        or self._speaker_with_pronoun(doc, c))):
                c.person_cue = True  # "Josep Borrell", "X said ... he": a person spaCy called an organisation
            may_be_city = c.label in {"GPE", "PERSON", "LOC", "ORG"} and not c.text.isupper()
            city = self.gz.city(c.text) if may_be_city else None
            # A small town needs a place context: "in Moura", "the town of Moura".
            prev = [doc[i].lower_ for i in range(max(0, c.ts - 2), c.ts)]
            named_place = len(prev) == 2 and prev[1] == "of" and prev[0] in PLACE_NOUNS
            placed = bool(prev) and (prev[-1] in PLACE_PREPS or named_place)
            if named_place and city is None and c.label == "ORG" and len(words) == 1:
                c.label = "GPE"  # a town too small for the gazetteer: a place, country unknown
                continue
            if city is not None and not c.person_cue and (c.label == "GPE" or city.population > 100_000 or placed):
                c.label, c.country = "GPE", city.country
                continue
            if c.person_cue and c.label in {"ORG", "PERSON", "GPE"}:
                c.label = "PERSON"
        # One type per surface form: a class noun or a person cue anywhere retypes every occurrence.
        fixed = {norm(c.text): c.label for c in cands if c.fixed}
        for c in cands:
            if c.source == "spacy" and not c.fixed and norm(c.text) in fixed:
                c.label, c.fixed = fixed[norm(c.text)], True
        persons = {norm(c.text) for c in cands if c.label == "PERSON" and (c.person_cue or c.source == "dict")}
        for c in cands:
            if c.source == "spacy" and c.label in {"ORG", "GPE"} and not c.fixed and norm(c.text) in persons and (
                    c.label == "ORG" or not self.gz.place(c.text)):
                c.label = "PERSON"

    def _speaker_with_pronoun(self, doc: Doc, c: Cand) -> bool:
        """Whether the name is the subject of "said"/"told" and "he"/"she" follows before any other name."""
        root = doc[c.ts:c.te].root
        if root.dep_ != "nsubj" or root.head.lemma_.lower() not in SPEECH_VERBS:
            return False
        sent_end = root.sent.end
        nxt = doc[sent_end].sent.end if sent_end < len(doc) else sent_end
        for t in doc[c.te:nxt]:
            if t.ent_type_ == "PERSON" or (t.ent_type_ == "ORG" and t.i > root.head.i):
                return False
            if t.lower_ in PRONOUNS and t.tag_ in {"PRP", "PRP$"}:
                return True
        return False

    def _extend_person_names(self, doc: Doc, cands: list[Cand]) -> None:
        """Take in a capitalised name word spaCy left out ("Than" of "Than Soe Naing")."""
        starts = {c.te for c in cands}
        for c in cands:
            from_phoenix = c.source == "dict" and c.actor is not None and not c.actor.curated
            if (c.source != "spacy" and not from_phoenix) or c.label not in {"PERSON", "ORG"}:
                continue
            while c.ts > 0:
                t = doc[c.ts - 1]
                # A capitalised function word inside a sentence is a name part ("analyst Than Soe Naing").
                mid_cap = (t.is_stop and c.label == "PERSON" and c.te - c.ts >= 2 and t.i > 0
                           and doc[t.i - 1].text.islower() and doc[t.i - 1].is_alpha)
                if (not t.text[:1].isupper() or self._title_word(t) or c.ts in starts or t.is_sent_start
                        or not ((t.pos_ == "PROPN" and t.lower_ in self.actors.name_tokens) or mid_cap)):
                    break
                c.ts -= 1
                c.start = t.idx
                c.text = self._text(doc)[c.start:c.end]
                if c.source == "dict":  # "Than Soe Naing" is not the listed "Soe Naing"
                    c.source, c.actor, c.country, c.sector, c.person_cue = "spacy", None, None, None, True

    # ---------------------------------------------------------------- clustering
    def cluster(self, cands: list[Cand]) -> list[Cluster]:
        """Group candidates by dictionary id, country, city or normalised name."""
        clusters: dict[str, Cluster] = {}
        for c in cands:
            if not c.ckey:
                if c.actor is not None:
                    c.ckey = self._actor_key(c.actor)
                elif c.label == "GPE":
                    c.ckey = f"place:{key(c.text)}"
                else:
                    group = "GPE" if c.label in {"GPE", "LOC"} else c.label
                    c.ckey = f"{group}:{key(c.text)}"
            cl = clusters.get(c.ckey)
            if cl is None:
                cl = clusters[c.ckey] = Cluster(c.ckey, c.label)
            cl.cands.append(c)
        # Short names and token subsets join a longer person name ("Fomin", "Aung Hlaing").
        persons = [cl for cl in clusters.values() if cl.label == "PERSON"]
        for cl in list(persons):
            toks = key(cl.cands[0].text).split()
            if len(toks) >= 3 or (cl.ckey.startswith("actor:") and len(toks) > 1):
                continue
            hosts = [h for h in persons if h is not cl and len(key(h.cands[0].text).split()) > len(toks)
                     and _contains(key(h.cands[0].text).split(), toks)]
            if len({h.ckey for h in hosts}) == 1:
                self._merge(clusters, cl, hosts[0], "short")
        # A surname that spaCy called an organisation or place ("Kurmasheva") joins the one
        # person whose name ends with it.
        persons = [cl for cl in clusters.values() if cl.label == "PERSON"]
        for cl in [cl for cl in clusters.values() if cl.label in {"ORG", "GPE"}]:
            c0 = cl.cands[0]
            toks = key(c0.text).split()
            if (len(toks) != 1 or c0.source != "spacy" or c0.fixed or c0.country or c0.text.isupper()
                    or toks[0] in self.org_words or self.gz.place(c0.text)):
                continue
            hosts = [h for h in persons if len(key(h.cands[0].text).split()) > 1
                     and key(h.cands[0].text).split()[-1] == toks[0]]
            if len({h.ckey for h in hosts}) == 1:
                for c in cl.cands:
                    c.label = "PERSON"
                self._merge(clusters, cl, hosts[0], "short")
        # The tail of a longer organisation's name ("the Times" after "the Financial Times").
        orgs = [cl for cl in clusters.values() if cl.label == "ORG"]
        for cl in orgs:
            c0 = cl.cands[0]
            toks = key(c0.text).split()
            if c0.source != "spacy" or c0.text.isupper() or cl.ckey not in clusters or len(toks) > 2:
                continue
            hosts = [h for h in orgs if h is not cl and h.ckey in clusters
                     and len(key(h.cands[0].text).split()) > len(toks)
                     and key(h.cands[0].text).split()[-len(toks):] == toks]
            if len({h.ckey for h in hosts}) == 1:
                self._merge(clusters, cl, hosts[0], "short")
        # ORG/PERSON candidates that are really a short form of an ORG (initials).
        orgs = [cl for cl in clusters.values() if cl.label == "ORG"]
        for cl in orgs:
            t = cl.cands[0].text
            if not (t.isupper() and 2 <= len(t) <= 6 and cl.ckey in clusters):
                continue
            hosts = [h for h in orgs if h is not cl and h.ckey in clusters and _initials(h) == t]
            if len(hosts) == 1:
                self._merge(clusters, cl, hosts[0], "alias")
        return list(clusters.values())

    @staticmethod
    def _merge(clusters: dict[str, Cluster], src: Cluster, dst: Cluster, kind: MentionKind) -> None:
        for c in src.cands:
            c.ckey = dst.ckey
            if c.kind == "name":
                c.kind = kind
            dst.cands.append(c)
        clusters.pop(src.ckey, None)

    def _actor_key(self, actor: Actor) -> str:
        if actor.sector == "MIL" and actor.country and actor.type == "ORG" and (
            norm(actor.name) == norm(f"{self.gz.short(actor.country)} military")
        ):
            return f"mil:{actor.country}"
        return f"actor:{actor.actor_id}"

    # ---------------------------------------------------------------- descriptions
    def prefixes_and_appositions(self, doc: Doc, cands: list[Cand], extra: list[Cand]) -> None:
        """Title prefixes and appositions of person and organisation names become aliases and roles."""
        by_tok = {}
        for c in cands:
            for i in range(c.ts, c.te):
                by_tok[i] = c
        for c in cands:
            if c.label in {"LOC", "GPE"} and c.kind == "name" and not c.ckey.startswith("country:"):
                # "Russia's Far East": a region or city of the owner country; the phrase is an alias.
                owner = self._possessive_owner(doc, c.ts, by_tok)
                if owner is not None:
                    c.country = c.country or owner.country
                    extra.append(self._alias_cand(doc, c, owner.ts, c.te, "descriptor", "prefix"))
                continue
            if c.label not in {"PERSON", "ORG"} or (c.kind != "name" and c.kind != "short"):
                continue
            # 1. Prefix: tokens to the left inside the same noun phrase.
            p = c.ts
            while p > 0:
                t = doc[p - 1]
                if (t.is_punct and t.text not in {".", "-"}) or t.pos_ in {"VERB", "AUX", "ADP", "SCONJ", "CCONJ"} \
                        or t.tag_.startswith("VB"):
                    break
                if t.lower_ in {"the", "a", "an", "and", "or", "with", "by", "of", "to"} or t.is_space:
                    break
                if not (c.ts <= t.head.i < c.te or p <= t.head.i < c.te):
                    break
                if t.i in by_tok and by_tok[t.i].label in {"PERSON"}:
                    break
                p -= 1
            if p < c.ts:
                prefix = doc[p:c.ts]
                has_title = any(self._title_word(t) for t in prefix)
                if c.label == "PERSON" or not has_title:
                    extra.append(self._alias_cand(doc, c, p, c.te, "title", "prefix"))
                    caps = c.ts
                    while caps > p and doc[caps - 1].text[:1].isupper() and not self.gz.demonym(doc[caps - 1].text) \
                            and not (doc[caps - 1].i in by_tok and by_tok[doc[caps - 1].i].label == "GPE"):
                        caps -= 1
                    if p < caps < c.ts and any(self._title_word(t) for t in doc[caps:c.ts]):
                        extra.append(self._alias_cand(doc, c, caps, c.te, "title", "prefix"))
                    role_words = [t for t in prefix if not self.gz.demonym(t.text) and t.lower_ not in {"its", "their"}
                                  and not (t.i in by_tok and by_tok[t.i].label == "GPE") and t.text not in POSSESSIVE]
                    if role_words:
                        c.roles.append(" ".join(t.text for t in role_words))
                    if has_title:
                        c.person_cue = True
                        for t in prefix:
                            sector = self.gz.titles.get(t.lower_)
                            if sector:
                                c.sector = c.sector or sector
                    c.country = c.country or self._country_in(doc, prefix, by_tok)
                    owner = self._possessive_owner(doc, p, by_tok)
                    if owner is not None and (has_title or c.label == "ORG"):
                        # "North Korea's defence minister X": the office's country is the person's.
                        c.country = c.country or owner.country
                        extra.append(self._alias_cand(doc, c, owner.ts, c.te, "title", "prefix"))
            # 2. Apposition: "X, the chairman of Y" and "Russia's deputy minister, X".
            root = doc[c.ts:c.te].root
            appos = [ch for ch in root.children if ch.dep_ == "appos" and ch.i >= c.te]
            if root.dep_ == "appos" and root.head.i < c.ts and root.head.i not in by_tok:
                head = root.head
                left = head.left_edge.i
                right = head.i + 1
                while right < c.ts and doc[right].is_punct is False and doc[right].pos_ != "PUNCT":
                    right += 1
                if left < right <= c.ts:
                    self._apposition(doc, c, doc[left:right], head, extra, by_tok)
            for ch in appos:
                if ch.i in by_tok:
                    continue
                left, right = ch.left_edge.i, ch.right_edge.i + 1
                for j in range(left, right):
                    if doc[j].text == "," and j > ch.i:
                        right = j
                        break
                if left >= c.te:
                    self._apposition(doc, c, doc[left:right], ch, extra, by_tok)

    def _possessive_owner(self, doc: Doc, i: int, by_tok: dict[int, Cand]) -> Cand | None:
        """The country (or organisation with a country) written as "<X>'s" right before token `i`."""
        if i < 2 or doc[i - 1].text not in POSSESSIVE or (i - 2) not in by_tok:
            return None
        owner = by_tok[i - 2]
        if not owner.country or owner.te != i - 1:
            return None
        if owner.label == "GPE" and self.gz.country_of_name(owner.text):
            return owner
        if owner.label == "ORG" and owner.source == "dict":
            return owner
        return None

    def _apposition(self, doc: Doc, c: Cand, np: Span, head: Token, extra: list[Cand],
                    by_tok: dict[int, Cand]) -> None:
        if len(np) > 14 or head.pos_ not in {"NOUN", "PROPN"} or head.ent_type_ in {
                "DATE", "TIME", "CARDINAL", "MONEY", "PERCENT", "QUANTITY"}:
            return  # "SEOUL, Sept 14 (AP)": a dateline, not a description
        if (c.text.isupper() and self.gz.class_noun(np[-1].text, "last") == "NONE"
                and _initials_of(np.text) == c.text):
            self._drop.add(norm(c.text))  # "the China-Pakistan Economic Corridor (CPEC)": a project
            return
        if head.pos_ == "PROPN" and not self._title_word(head):
            return  # "Gershkovich, the Journal and the US government": a list of names, not a description
        extra.append(self._alias_cand(doc, c, np.start, np.end, "descriptor", "appos"))
        words = np.text
        if np[0].lower_ in {"the", "a", "an"}:
            words = doc[np.start + 1:np.end].text
        c.roles.append(words)
        if head.lemma_.lower() in self.gz.titles or any(self._title_word(t) for t in np):
            if (c.label in {"PERSON", "ORG"} and c.source == "spacy" and head.lemma_.lower() in self.gz.titles
                    and not ({w.lower() for w in c.text.split()} & self.org_words)):
                c.label = "PERSON"
            sector = self.gz.titles.get(head.lemma_.lower())
            if sector:
                c.sector = c.sector or sector
        c.country = c.country or self._country_in(doc, np, by_tok)

    def _country_in(self, doc: Doc, span: Span, by_tok: dict[int, Cand]) -> str | None:
        for t in span:
            if t.i + 2 < len(doc) and doc[t.i + 1].text == "-" and doc[t.i + 2].lower_ == "based":
                continue
            iso = self.gz.demonym(t.text)
            if iso and t.text[:1].isupper():
                return iso
            c = by_tok.get(t.i)
            if c is not None and c.label == "GPE" and c.country:
                return c.country
            if c is not None and c.label == "ORG" and c.country:
                return c.country
        return None

    def _alias_cand(self, doc: Doc, c: Cand, ts: int, te: int, kind: MentionKind, source: str) -> Cand:
        start = doc[ts].idx
        last = doc[te - 1]
        end = last.idx + len(last.text)
        return Cand(start, end, ts, te, self._text(doc)[start:end], c.label, kind, source, ckey=c.ckey)

    def _tokens(self, doc: Doc) -> list[Token]:
        """The doc's tokens, built once per document (spaCy makes a new Token object per access).

        Two documents are kept: `find` goes body, title, body again.
        """
        if self._cache_doc is not doc:
            if self._prev_doc is doc:
                self._cache_doc, self._prev_doc = self._prev_doc, self._cache_doc
                self._cache_toks, self._prev_toks = self._prev_toks, self._cache_toks
                self._cache_text, self._prev_text = self._prev_text, self._cache_text
            else:
                self._prev_doc, self._prev_toks, self._prev_text = self._cache_doc, self._cache_toks, self._cache_text
                self._cache_doc = doc
                self._cache_toks = list(doc)
                self._cache_text = "".join([t.text_with_ws for t in self._cache_toks])
        return self._cache_toks

    def _text(self, doc: Doc) -> str:
        """The doc's text, joined once per document (spaCy rebuilds `Doc.text` on every access)."""
        self._tokens(doc)
        return self._cache_text

    def descriptors(self, doc: Doc, by_tok: dict[int, Cand]) -> list[Cand]:
        """Armed-force and government descriptors ("the junta", "the Russian government")."""
        out: list[Cand] = []
        for t in self._tokens(doc):
            entries = self.desc_heads.get(t.lower_)
            if not entries or t.pos_ not in {"NOUN", "PROPN"} or t.dep_ in {"compound", "amod"}:
                continue
            if t.i in by_tok and by_tok[t.i].source == "dict":
                continue
            for words, target, required, template in entries:
                n = len(words)
                if t.i - n + 1 < 0 or [w.lower_ for w in doc[t.i - n + 1:t.i + 1]] != words:
                    continue
                left = t.i - n + 1
                # Extend over determiners, possessives and modifiers attached to the head.
                while left > 0:
                    prev = doc[left - 1]
                    if (prev.head.i != t.i and prev.head.i < left - 1) or (
                            prev.is_punct and prev.text not in POSSESSIVE):
                        break
                    if prev.pos_ in {"VERB", "ADP", "AUX", "CCONJ", "SCONJ", "PRON"} and prev.lower_ not in {"its"}:
                        break
                    if prev.head.i < left - 1 or prev.head.i > t.i:
                        break
                    left -= 1
                    if prev.lower_ in {"the", "a", "an", "its", "their", "our"}:
                        break
                # "Iran's armed forces", "South Korea's foreign ministry": the owner country joins the phrase.
                if left >= 2 and doc[left - 1].text in POSSESSIVE and (left - 2) in by_tok:
                    owner_c = by_tok[left - 2]
                    if owner_c.label == "GPE" and owner_c.country and self.gz.country_of_name(owner_c.text):
                        left = owner_c.ts
                right = t.i + 1
                iso = None
                # "the new military rulers in Myanmar"
                if right + 1 < len(doc) and doc[right].lower_ == "in" and doc[right + 1].i in by_tok:
                    pc = by_tok[doc[right + 1].i]
                    if pc.label == "GPE" and pc.country and self.gz.country_of_name(pc.text):
                        iso = pc.country
                        right = pc.te
                np = doc[left:right]
                mods = doc[left:t.i - n + 1]
                has_det = any(m.lower_ in {"the", "its", "their", "our"} or m.text in POSSESSIVE for m in mods)
                for m in mods:
                    iso = iso or (self.gz.demonym(m.text) if m.text[:1].isupper() else None)
                    owner = by_tok.get(m.i)
                    if owner is not None and owner.label == "GPE" and self.gz.country_of_name(owner.text):
                        iso = iso or owner.country
                    if owner is not None and owner.label == "PERSON":
                        iso = "-"
                if iso == "-":
                    break
                if (target in {"state", "body"} or required) and not iso:
                    break
                if not (has_det or iso or t.tag_ in {"NNS", "NNPS"} or (mods and mods[0].lower_ == "a")):
                    break
                if target == "body":
                    assert iso is not None
                    self._body(doc, np, iso, template, by_tok, out)
                    break
                c = Cand(np.start_char, np.end_char, left, right, np.text, "ORG" if target == "military" else "GPE",
                         "descriptor", "desc", country=iso, sector="MIL" if target == "military" else None)
                c.ckey = f"{target}:{iso or '?'}"
                out.append(c)
                break
        return out

    def _body(self, doc: Doc, np: Span, iso: str, template: str, by_tok: dict[int, Cand], out: list[Cand]) -> None:
        """A state body ("Iran's foreign ministry"): an ORG named by the template, the phrase an alias."""
        ckey = f"body:{iso}:{template}"
        inner = by_tok.get(np[-1].i)
        if inner is not None and inner.label in {"ORG", "GPE", "PERSON", "LOC"} and inner.source == "spacy":
            # spaCy's own span for the body ("Defence Ministry"): it becomes the phrase.
            inner.ckey, inner.label, inner.country = ckey, "ORG", iso
            if inner.start > np.start_char:
                inner.start, inner.ts = np.start_char, np.start
                inner.text = self._text(doc)[inner.start:inner.end]
            return
        c = Cand(np.start_char, np.end_char, np.start, np.end, np.text, "ORG", "descriptor", "desc", country=iso)
        c.ckey = ckey
        out.append(c)

    def role_references(self, doc: Doc, clusters: list[Cluster], by_tok: dict[int, Cand]) -> list[Cand]:
        """Noun phrases such as "the junta leader" or "the general" pointing at a named person."""
        persons = [cl for cl in clusters if cl.label == "PERSON"]
        out: list[Cand] = []
        if not persons:
            return out
        for t in self._tokens(doc):
            if t.lower_ not in self.gz.titles:
                continue
            if t.pos_ not in {"NOUN", "PROPN"} or t.dep_ in {"compound", "amod"} or t.i in by_tok:
                continue
            left = t.left_edge.i
            if left >= t.i and not (t.i > 0 and doc[t.i - 1].lower_ in {"the"}):
                continue
            mods = [m for m in doc[left:t.i] if m.lower_ not in {"the", "a", "an"} and m.text not in POSSESSIVE]
            if t.i in by_tok or any(m.i in by_tok and by_tok[m.i].label != "GPE" for m in mods):
                continue
            if (doc[left].lower_ != "the" and not mods) or doc[left].lower_ == "a":
                continue
            country_mod = next((by_tok[m.i].country for m in mods if m.i in by_tok), None) or next(
                (self.gz.demonym(m.text) for m in mods if self.gz.demonym(m.text)), None)
            mods = [m for m in mods if m.i not in by_tok and not self.gz.demonym(m.text)]
            words = {m.lower_ for m in mods} | {t.lower_}
            best, best_score, best_pos = None, 0, -1
            for cl in persons:
                role_words = {w.lower() for r in cl.roles for w in r.split()}
                for c in cl.cands:
                    if c.actor is not None and c.actor.curated:
                        role_words |= {w.lower() for r in c.actor.roles for w in r.split()}
                    if c.sector == "MIL" and self.gz.titles.get(t.lower_) == "MIL":
                        role_words.add(t.lower_)  # "the general" for a military office-holder
                if t.lower_ not in role_words:
                    continue
                if country_mod and cl.country and country_mod != cl.country:
                    continue
                score = len(words & role_words)
                last = max((c.start for c in cl.cands if c.start < t.idx), default=-1)
                if score > best_score or (score == best_score and last > best_pos):
                    best, best_score, best_pos = cl, score, last
            if best is None or best_score < len(words):
                continue
            np = doc[left:t.i + 1]
            out.append(Cand(np.start_char, np.end_char, left, t.i + 1, np.text, "PERSON", "descriptor", "role",
                            ckey=best.ckey))
        return out

    def pronouns(self, doc: Doc, cands: list[Cand]) -> list[Cand]:
        """He/she/his/her refer to the last named person in the same or the previous two sentences."""
        persons = sorted((c for c in cands if c.label == "PERSON" and c.kind in {"name", "short", "title"}),
                         key=lambda c: c.start)
        out: list[Cand] = []
        if not persons:
            return out
        sent_index = {}
        n = 0
        for t in self._tokens(doc):
            if t.is_sent_start and t.i > 0:
                n += 1
            sent_index[t.i] = n
        j = 0
        last: Cand | None = None
        for t in self._tokens(doc):
            if t.lower_ not in PRONOUNS or (t.pos_ != "PRON" and t.tag_ not in {"PRP", "PRP$"}):
                continue
            while j < len(persons) and persons[j].start < t.idx:
                last = persons[j]
                j += 1
            if last is None or sent_index.get(t.i, 0) - sent_index.get(last.ts, 0) > 2:
                continue
            out.append(Cand(t.idx, t.idx + len(t.text), t.i, t.i + 1, t.text, "PERSON", "pronoun", "pron",
                            ckey=last.ckey))
        return out

    def metonymy(self, doc: Doc, clusters: list[Cluster]) -> None:
        """A capital used only as a stand-in for its state becomes an alias of the state."""
        for cl in clusters:
            if cl.label != "GPE" or cl.ckey.startswith("country:"):
                continue
            city = self.gz.city(cl.cands[0].text)
            if city is None or not city.capital:
                continue
            place = meto = False
            for c in cl.cands:
                if c.kind != "name":
                    continue
                root = doc[c.ts:c.te].root
                is_dateline = c.ts <= 2 and (
                    c.text.isupper() or (c.te < len(doc) and doc[c.te].text in {"(", ",", ":"}))
                if is_dateline or (root.dep_ == "pobj" and root.head.lower_ in PLACE_PREPS) or root.dep_ == "appos":
                    place = True
                elif root.dep_ in {"nsubj", "nsubjpass", "poss"} or (root.dep_ == "pobj" and root.head.lower_ in {
                        "with", "by", "between"}):
                    meto = True
                elif root.dep_ in {"compound"} and root.head.lower_ in {"capital", "city"}:
                    place = True
            if meto and not place:
                cl.ckey = f"country:{city.country}"
                for c in cl.cands:
                    c.ckey = cl.ckey
                    c.kind = "metonym"
                    c.label = "GPE"
                    c.country = city.country

    # ---------------------------------------------------------------- assembly
    def find(self, doc: Doc, title_doc: Doc | None) -> tuple[list[Entity], list[Mention]]:
        """Return the entity list and the body mentions of one document."""
        self._drop = set()
        body = self._collect(doc)
        if self._drop:
            dropped = {c.ckey for c in body if norm(c.text) in self._drop}
            body = [c for c in body if c.ckey not in dropped]
        context: dict[str, Cluster] = {}
        for c in body:
            if c.label == "PERSON" and c.kind != "pronoun":
                cl = context.setdefault(c.ckey, Cluster(c.ckey, "PERSON"))
                cl.cands.append(c)
                cl.roles.extend(r for r in c.roles if r not in cl.roles)
                cl.country = cl.country or c.country
        title = self._collect(title_doc, list(context.values())) if title_doc is not None and len(title_doc) else []
        title_text = self._text(title_doc) if title_doc is not None else ""
        default_mil = self._default_military(body + title, [self._text(doc), title_text])
        for c in title:
            c.source += ":title"
        clusters: dict[str, Cluster] = {}
        order: list[str] = []
        for c in [*body, *title]:
            target, _, iso = c.ckey.partition(":")
            if target == "military":
                iso = iso if iso != "?" else (default_mil or "?")
                c.ckey, c.country = f"mil:{iso}", (None if iso == "?" else iso)
            elif target == "state":
                c.ckey = f"country:{iso}"
            if c.ckey == "mil:?":
                continue
            found = clusters.get(c.ckey)
            if found is None:
                found = clusters[c.ckey] = Cluster(c.ckey, c.label)
                order.append(c.ckey)
            found.cands.append(c)
        self._doc_countries = {c.country for c in [*body, *title] if c.ckey.startswith("country:") and c.country}
        entities: list[Entity] = []
        mentions: list[Mention] = []
        by_name: dict[tuple[str, str], int] = {}
        for ck in order:
            cl = clusters[ck]
            ent = self._entity(cl, f"e{len(entities)}")
            if ent is None:
                continue
            same = by_name.get((ent.type, norm(ent.name)))
            if same is not None:
                # One entity per canonical name ("Iran's defence ministry" and a listed "Iranian Ministry
                # of Defence"): the first keeps its key, the other's forms become its aliases.
                ent = _absorb(entities[same], ent)
                entities[same] = ent
            else:
                by_name[(ent.type, norm(ent.name))] = len(entities)
                entities.append(ent)
            for c in cl.cands:
                if not c.source.endswith(":title"):
                    mentions.append(Mention(ent.key, c.start, c.end, c.text, c.kind))
        mentions.sort(key=lambda m: (m.start, m.end))
        return entities, mentions

    def _collect(self, doc: Doc, context: list[Cluster] | None = None) -> list[Cand]:
        cands = self.candidates(doc)
        self.type_candidates(doc, cands)
        clusters = self.cluster(cands)
        self.metonymy(doc, clusters)
        by_tok: dict[int, Cand] = {}
        for c in cands:
            for i in range(c.ts, c.te):
                by_tok[i] = c
        extra: list[Cand] = []
        self.prefixes_and_appositions(doc, cands, extra)
        for cl in clusters:
            for c in cl.cands:
                cl.roles.extend(r for r in c.roles if r not in cl.roles)
                cl.country = cl.country or c.country
        extra.extend(self.role_references(doc, [*clusters, *(context or [])], by_tok))
        extra.extend(self.descriptors(doc, by_tok))
        extra.extend(self.pronouns(doc, cands))
        # Labels follow the final clusters (retyped in clustering).
        labels = {c.ckey: c.label for c in cands}
        for e in extra:
            if e.source not in {"desc"}:
                e.label = labels.get(e.ckey, e.label)
        return sorted([*cands, *extra], key=lambda c: (c.start, -c.end))

    def _default_military(self, cands: list[Cand], texts: list[str]) -> str | None:
        explicit = Counter(c.country for c in cands if c.country and (
            c.ckey.startswith(("military:", "mil:"))))
        for text in texts:
            # "Myanmar's junta chief", "Mali's ruling junta": a country named with a military word.
            for m in _MIL_OWNER.finditer(text):
                iso = self.gz.country_of_name(m.group(1)) or self.gz.demonym(m.group(1))
                if iso:
                    explicit[iso] += 1
        if explicit:
            return explicit.most_common(1)[0][0]
        countries = Counter(c.country for c in cands if c.label == "PERSON" and c.country and c.sector == "MIL")
        if countries:
            return countries.most_common(1)[0][0]
        gpes = Counter(c.ckey.split(":", 1)[1] for c in cands if c.ckey.startswith("country:"))
        return gpes.most_common(1)[0][0] if gpes else None

    def _entity(self, cl: Cluster, ekey: str) -> Entity | None:
        names = [c for c in cl.cands if c.kind in {"name", "short", "alias", "metonym"}]
        if not names and not cl.ckey.startswith(("mil:", "country:", "body:")):
            return None
        labels = Counter(c.label for c in cl.cands if c.kind != "pronoun")
        label = "PERSON" if labels.get("PERSON") and any(c.person_cue or c.source.startswith("dict") for c in
                                                         cl.cands if c.label == "PERSON") else None
        if label is None:
            label = labels.most_common(1)[0][0] if labels else cl.label
        if cl.ckey.startswith("country:") or cl.ckey.startswith("place:"):
            label = "GPE"
        if cl.ckey.startswith("body:"):
            label = "ORG"
        if label not in {"PERSON", "ORG", "GPE", "LOC", "EVENT"}:
            return None
        actor = next((c.actor for c in cl.cands if c.actor is not None), None)
        country = actor.country if actor else None
        if cl.ckey.startswith(("country:", "mil:", "body:")):
            country = cl.ckey.split(":", 2)[1]
        country = country or next((c.country for c in cl.cands if c.country), None)
        name = self._name(cl, actor, names)
        if not name:
            return None
        if country is None and label == "PERSON":
            country = self.actors.country_of_person_name(name.split(), self.name_token_share)
        if country is None and label == "ORG":
            for w in [*name.split()[:2], *re.findall(r"[\w'’]+", name)]:
                country = self.gz.demonym(w) or self.gz.country_of_name(w)
                if country:
                    break
        if country is None and label in {"GPE", "LOC"}:
            country = self.gz.place(name) if not cl.ckey.startswith("region:") else None
        if country is None and label in {"GPE", "LOC", "ORG"} and not cl.ckey.startswith("region:"):
            country = self._country_of_place_words(name)
        sector = actor.sector if actor else None
        sector = sector or next((c.sector for c in cl.cands if c.sector), None)
        if sector is None and label == "ORG":
            sector = next((self.org_sectors[w] for w in name.lower().split() if w in self.org_sectors), None)
        if sector is None and label in {"PERSON", "ORG"}:
            sector = next((s for r in (r for c in cl.cands for r in c.roles) if (s := self.gz.agent_sector(r))), None)
        aliases: list[str] = []
        for c in cl.cands:
            if c.kind != "pronoun" and c.text not in aliases:
                aliases.append(c.text)
        if name not in aliases and not names:
            pass
        roles: list[str] = []
        for c in cl.cands:
            for r in c.roles:
                if r not in roles:
                    roles.append(r)
        if actor is not None and actor.curated:
            roles.extend(r for r in actor.roles if r not in roles)
        et: EntityType = label  # type: ignore[assignment]
        return Entity(ekey, name, et, country, sector, tuple(aliases), tuple(roles),
                      actor.actor_id if actor else None)

    def _country_of_place_words(self, name: str) -> str | None:
        """Country of a city named inside a name ("Sverdlovsk region", "Yekaterinburg Regional Court"),
        when that country is one the document names (a city name alone is too ambiguous)."""
        words = [w for w in re.split(r"[\s-]+", name) if w[:1].isupper() and w.lower() not in self.org_words]
        for w in words:
            city = self.gz.city(w)
            if city is not None and city.country in self._doc_countries:
                return city.country
        return None

    def _name(self, cl: Cluster, actor: Actor | None, names: list[Cand]) -> str:
        if cl.ckey.startswith("mil:"):
            return f"{self.gz.short(cl.ckey[4:])} military"
        if cl.ckey.startswith("body:"):
            _, iso, template = cl.ckey.split(":", 2)
            return template.format(adj=self.gz.adjective(iso), short=self.gz.short(iso))
        if actor is not None and (actor.curated or actor.type == "PERSON"):
            return actor.name
        if cl.ckey.startswith("country:") and not names:
            return self.gz.short(cl.ckey.split(":", 1)[1])
        texts = [re.sub(r"^(the|The)\s+", "", c.text) for c in names if c.kind != "metonym"] or [
            self.gz.short(cl.ckey.split(":", 1)[1])]
        # The fullest common form: most words, then most frequent, then earliest.
        counts = Counter(texts)
        return max(texts, key=lambda s: (len(s.split()) if not s.isupper() else 0, counts[s], -texts.index(s)))


def _absorb(keep: Entity, other: Entity) -> Entity:
    """`keep` with the aliases, roles and missing attributes of `other` (same canonical name)."""
    aliases = keep.aliases + tuple(a for a in other.aliases if a not in keep.aliases)
    roles = keep.roles + tuple(r for r in other.roles if r not in keep.roles)
    return Entity(keep.key, keep.name, keep.type, keep.country or other.country, keep.sector or other.sector,
                  aliases, roles, keep.dictionary_id or other.dictionary_id)


def _contains(host: list[str], part: list[str]) -> bool:
    n = len(part)
    return any(host[i:i + n] == part for i in range(len(host) - n + 1))


def _initials(cl: Cluster) -> str:
    return _initials_of(cl.cands[0].text)


def _initials_of(text: str) -> str:
    words = [w for w in re.split(r"[\s-]+", text) if w and w.lower() not in STOP_INITIALS]
    return "".join(w[0] for w in words if w[0].isalpha()).upper()


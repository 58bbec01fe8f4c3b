"""The event trigger lexicon: which words code which PLOVER event, with what arguments.

Two kinds of JSONL data file, each validated line by line (a bad line is a ConfigError
naming `file:line`):

- trigger files (`data/lexicons/event_triggers.jsonl` plus the user's `lexicon` files):
  one entry per line, e.g.
  ``{"lemma": "sign", "pos": "VERB", "type": "AGREE", "mode": "sign-agreement",
  "pattern": "joint", "object": "none", "if": ["obj:@agreements"]}``.
  Entries for one (lemma, pos) are tried in file order; the first whose conditions hold
  wins (user files are read first so they can override), and entries marked
  ``"also": true`` fire in addition.
- word-class files (`data/lexicons/event_words.jsonl`): ``{"class": "arms", "words": [...]}``,
  referred to as ``@arms`` in conditions; user `lexicon` files may add classes too.

Fields of a trigger entry:

- ``lemma`` (lower case) and ``pos`` (VERB, NOUN or ADJ) select the trigger word.
- ``type`` (one of the 16 PLOVER types) and ``mode`` (a PLOVER mode or null).
- ``pattern``: how participants are read off the parse. ``agent-target`` (subject acts
  on object and prepositional arguments), ``joint`` (subject and "with"/"between"
  partners are all actors), ``visit`` (visitor acts, the place or person visited is the
  target), ``host`` (the hosted guest is the visitor), ``receive`` (the subject
  receives: the "from" argument or the maker is the actor), ``predicative``
  ("X said Y was an ally": the speaker praises Y), ``experiencer`` (the subject, even of
  a passive, feels about the prepositional argument: "was concerned by X").
- ``object``: ``target`` (default: the direct object is a target), ``theme`` (the
  object is the thing given or imposed), ``none`` or ``gathering``.
- ``preps``: prepositions whose objects are targets (or partners, for ``joint``).
- ``if``: conditions that must all hold; ``!`` negates one. ``obj:W|W`` object lemma,
  ``prt:W`` particle or preposition, ``mod:W`` modifier, ``sub:W`` anywhere in the
  trigger's subtree (each W a word or ``@class``); ``joint``, ``intent``, ``light``
  (a noun that is the object of a light verb such as "hold"), ``place-arg`` (the
  prepositional argument is a place), ``obj-nominal`` (a nominal direct object),
  ``obj-actor`` (a direct object, or the subject of a passive, is a person, body or
  state named in the article: "received the Ethiopian prime minister"),
  ``neg`` (the trigger is negated in its own clause: "did not allow" codes a refusal,
  and the event is then not marked negated), ``free-object`` (a noun that is the direct
  object of a verb outside the light class: "does not recognise sanctions").
- ``future``: the type coded when the action is announced, planned or expected
  (PLOVER codes future cooperation as AGREE); null means such mentions are not coded.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args

from dossier.errors import ConfigError
from dossier.extract.records import EventType
from dossier.settings import Settings, data_path

log = logging.getLogger(__name__)

EVENT_TYPES: frozenset[str] = frozenset(get_args(EventType))
POS_TAGS = frozenset({"VERB", "NOUN", "ADJ"})
PATTERNS = frozenset({"agent-target", "joint", "visit", "host", "receive", "predicative", "experiencer"})
OBJECT_ROLES = frozenset({"target", "theme", "none", "gathering"})
FLAG_CONDITIONS = frozenset(
    {"joint", "intent", "light", "place-arg", "obj-nominal", "obj-actor", "neg", "free-object"}
)
WORD_CONDITIONS = frozenset({"obj", "prt", "mod", "sub"})
# Cooperative actions reported as future or intended are coded AGREE (PLOVER manual, AGREE).
COOPERATIVE = frozenset({"CONSULT", "SUPPORT", "COOPERATE", "AID", "CONCEDE", "RETREAT", "AGREE"})
TRIGGER_KEYS = frozenset(
    {"lemma", "pos", "type", "mode", "pattern", "object", "preps", "if", "future", "also", "note"}
)

TRIGGER_FILE = "event_triggers.jsonl"
WORDS_FILE = "event_words.jsonl"


@dataclass(frozen=True, slots=True)
class Condition:
    """One test on the trigger's parse; `words` is empty for flag conditions."""

    kind: str
    words: frozenset[str] = frozenset()
    negate: bool = False
    text: str = ""


@dataclass(frozen=True, slots=True)
class TriggerEntry:
    """One lexicon line: a trigger word and how its event is coded."""

    lemma: str
    pos: str
    type: str
    mode: str | None
    pattern: str
    object: str
    preps: frozenset[str]
    conditions: tuple[Condition, ...]
    future: str | None
    also: bool
    origin: str  # "file:line", shown by `dossier explain`

    def describe(self) -> str:
        """Return a one-line description of the entry for `dossier explain`."""
        cond = " ".join(c.text for c in self.conditions)
        mode = f"/{self.mode}" if self.mode else ""
        when = f" if {cond}" if cond else ""
        return f"{self.lemma} ({self.pos}) -> {self.type}{mode} [{self.pattern}{when}] {self.origin}"


@dataclass(slots=True)
class EventLexicon:
    """Trigger entries by (lemma, pos) and the word classes they refer to."""

    entries: dict[tuple[str, str], list[TriggerEntry]] = field(default_factory=dict)
    classes: dict[str, frozenset[str]] = field(default_factory=dict)

    def lookup(self, lemma: str, pos: str) -> list[TriggerEntry]:
        """Return the entries for a lemma and coarse POS, in priority order."""
        return self.entries.get((lemma, pos), [])

    def words(self, name: str) -> frozenset[str]:
        """Return the words of a class (empty when the class is not defined)."""
        return self.classes.get(name, frozenset())

    def __len__(self) -> int:
        return sum(len(v) for v in self.entries.values())


def _fail(origin: str, problem: str) -> ConfigError:
    return ConfigError(f"{origin}: {problem}; fix the line or remove the file from --lexicon")


def _read_jsonl(path: Path, label: str | None = None) -> Iterable[tuple[str, dict[str, Any]]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise ConfigError(f"{path}: lexicon file not found; check the path given to --lexicon") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: cannot read the lexicon file ({err})") from None
    for number, line in enumerate(lines, start=1):
        origin = f"{label or path}:{number}"
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        try:
            obj = json.loads(stripped)
        except json.JSONDecodeError as err:
            raise _fail(origin, f"not valid JSON ({err.msg})") from None
        if not isinstance(obj, dict):
            raise _fail(origin, "expected a JSON object")
        yield origin, obj


def _words(spec: str, origin: str, classes: dict[str, frozenset[str]]) -> frozenset[str]:
    out: set[str] = set()
    for part in spec.split("|"):
        part = part.strip().lower()
        if not part:
            raise _fail(origin, f"empty word in condition {spec!r}")
        if part.startswith("@"):
            if part[1:] not in classes:
                define = '{"class": ..., "words": [...]}'
                raise _fail(origin, f"unknown word class {part!r} (define it with {define})")
            out |= classes[part[1:]]
        else:
            out.add(part)
    return frozenset(out)


def parse_condition(text: str, origin: str, classes: dict[str, frozenset[str]]) -> Condition:
    """Parse one `if` condition, e.g. "obj:@arms" or "!joint"."""
    negate = text.startswith("!")
    body = text[1:] if negate else text
    if body in FLAG_CONDITIONS:
        return Condition(body, frozenset(), negate, text)
    kind, sep, spec = body.partition(":")
    if not sep or kind not in WORD_CONDITIONS:
        known = ", ".join(sorted(FLAG_CONDITIONS | {k + ":WORDS" for k in WORD_CONDITIONS}))
        raise _fail(origin, f"unknown condition {text!r} (known: {known})")
    return Condition(kind, _words(spec, origin, classes), negate, text)


def _optional_str(obj: dict[str, Any], key: str, origin: str) -> str | None:
    value = obj.get(key)
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise _fail(origin, f"`{key}` must be a non-empty string or null")
    return value


def parse_entry(obj: dict[str, Any], origin: str, classes: dict[str, frozenset[str]]) -> TriggerEntry:
    """Validate one trigger line and return the entry."""
    unknown = set(obj) - TRIGGER_KEYS
    if unknown:
        raise _fail(origin, f"unknown field(s) {sorted(unknown)} (known: {sorted(TRIGGER_KEYS)})")
    lemma = obj.get("lemma")
    if not isinstance(lemma, str) or not lemma.strip():
        raise _fail(origin, "`lemma` is required (the word's lemma, lower case)")
    pos = obj.get("pos", "VERB")
    if pos not in POS_TAGS:
        raise _fail(origin, f"`pos` must be one of {sorted(POS_TAGS)}, not {pos!r}")
    etype = obj.get("type")
    if etype not in EVENT_TYPES:
        raise _fail(origin, f"`type` must be a PLOVER event type ({', '.join(sorted(EVENT_TYPES))}), not {etype!r}")
    pattern = obj.get("pattern", "agent-target")
    if pattern not in PATTERNS:
        raise _fail(origin, f"`pattern` must be one of {sorted(PATTERNS)}, not {pattern!r}")
    role = obj.get("object", "target")
    if role not in OBJECT_ROLES:
        raise _fail(origin, f"`object` must be one of {sorted(OBJECT_ROLES)}, not {role!r}")
    preps = obj.get("preps", [])
    if not isinstance(preps, list) or not all(isinstance(p, str) and p for p in preps):
        raise _fail(origin, "`preps` must be a list of prepositions")
    conds = obj.get("if", [])
    if not isinstance(conds, list) or not all(isinstance(c, str) for c in conds):
        raise _fail(origin, "`if` must be a list of condition strings")
    future = obj.get("future", "AGREE" if etype in COOPERATIVE else None)
    if future is not None and future not in EVENT_TYPES:
        raise _fail(origin, f"`future` must be a PLOVER event type or null, not {future!r}")
    also = obj.get("also", False)
    if not isinstance(also, bool):
        raise _fail(origin, "`also` must be true or false")
    return TriggerEntry(
        lemma=lemma.strip().lower(),
        pos=pos,
        type=etype,
        mode=_optional_str(obj, "mode", origin),
        pattern=pattern,
        object=role,
        preps=frozenset(p.lower() for p in preps),
        conditions=tuple(parse_condition(c, origin, classes) for c in conds),
        future=future,
        also=also,
        origin=origin,
    )


def _read_classes(
    path: Path, classes: dict[str, frozenset[str]], label: str | None = None
) -> list[tuple[str, dict[str, Any]]]:
    """Read word classes from `path` into `classes`; return its other (trigger) lines."""
    rest = []
    for origin, obj in _read_jsonl(path, label):
        if "class" not in obj:
            rest.append((origin, obj))
            continue
        name, words = obj.get("class"), obj.get("words")
        if not isinstance(name, str) or not name.strip():
            raise _fail(origin, "`class` must be a non-empty name")
        if not isinstance(words, list) or not words or not all(isinstance(w, str) and w for w in words):
            raise _fail(origin, "`words` must be a non-empty list of words")
        unknown = set(obj) - {"class", "words", "note"}
        if unknown:
            raise _fail(origin, f"unknown field(s) {sorted(unknown)} in a word class")
        classes[name] = classes.get(name, frozenset()) | frozenset(w.lower() for w in words)
    return rest


def load_event_lexicon(settings: Settings | None = None, *, extra: tuple[Path, ...] = ()) -> EventLexicon:
    """Load the packaged trigger lexicon and word classes plus the user's `lexicon` files.

    User files may hold trigger entries and word classes (lines with a "class" key); lines
    of a user file without a "lemma" key and without a "class" key are errors. User
    entries take priority over packaged ones for the same lemma and POS.
    """
    user_files = tuple(settings.files("lexicon") if settings else ()) + extra
    classes: dict[str, frozenset[str]] = {}
    packaged_rest = _read_classes(data_path("lexicons", WORDS_FILE), classes, f"lexicons/{WORDS_FILE}")
    for origin, _ in packaged_rest:
        raise _fail(origin, "word-class files hold only {\"class\": ..., \"words\": [...]} lines")
    user_lines: list[tuple[str, dict[str, Any]]] = []
    for path in user_files:
        user_lines.extend(_read_classes(Path(path), classes))
    lexicon = EventLexicon(classes=classes)
    packaged = list(_read_jsonl(data_path("lexicons", TRIGGER_FILE), f"lexicons/{TRIGGER_FILE}"))
    for origin, obj in user_lines + packaged:
        entry = parse_entry(obj, origin, classes)
        lexicon.entries.setdefault((entry.lemma, entry.pos), []).append(entry)
    log.debug("event lexicon: %d entries, %d word classes", len(lexicon), len(classes))
    return lexicon

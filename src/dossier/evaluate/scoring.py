"""Score per-article predictions against gold, exactly as `shared/gold/SCORING.md` says.

Both sides are plain JSON objects in the gold schema (SCHEMA.md); predictions add `body`.
Extra fields are ignored. Choices where SCORING.md leaves room, each applied the same way
everywhere:

- Greedy one-to-one matching walks the gold items in gold order and takes, for each, the
  first still-unmatched prediction (in prediction order) that matches.
- A name resolves to gold entities through `norm` equality with a gold name or alias; only
  when none does, through the predicted entities bearing that name or alias that matched a
  gold entity. A name that resolves to no entity still matches a gold name with equal `norm`
  (free-text participants such as "activist groups").
- A date with precision `unknown` (or no date) counts as missing. A date is right when it
  equals the gold date at the gold precision (`YYYY`, `YYYY-MM` or the day); a gold date that
  is missing is right only when the prediction is missing too.
- A gold figure's `as_of` has no precision field; it is read from the writing convention of
  CODEBOOK.md (`YYYY-01-01` is a year, `YYYY-MM-01` a month, anything else a day) unless the
  gold gives `as_of_precision`.
- "Contains" is plain substring containment of `norm` strings, as SCORING.md words it (for
  outlets, sources, quotes and boilerplate leaks alike).
- Shares over matched pairs (country, mode, place, source, stance) count `None == None` as
  right; strict event F1 is a second greedy matching that also requires the right date.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from dossier.evaluate.normalize import jaccard, norm

Record = Mapping[str, Any]

PRECISION_RANK = {"day": 0, "month": 1, "year": 2}
# Gold boilerplate lines shorter than this are not checked for leaks (SCORING.md).
MIN_BOILERPLATE_CHARS = 8
# Quote evidence overlaps when the word-set Jaccard similarity reaches this (SCORING.md).
QUOTE_JACCARD = 0.5
AREAS = ("entities", "events", "strict_events", "figures", "quotes")


# ---------------------------------------------------------------- counts and shares


@dataclass(slots=True)
class Tally:
    """Precision/recall/F1 counts: true positives, predicted items, gold items."""

    tp: int = 0
    predicted: int = 0
    gold: int = 0

    def add(self, other: Tally) -> None:
        """Add another tally's counts to this one."""
        self.tp += other.tp
        self.predicted += other.predicted
        self.gold += other.gold

    @property
    def precision(self) -> float:
        """tp / predicted; 1.0 when nothing was predicted and nothing was expected."""
        return _div(self.tp, self.predicted, empty=1.0 if self.gold == 0 else 0.0)

    @property
    def recall(self) -> float:
        """tp / gold; 1.0 when there is no gold and nothing was predicted."""
        return _div(self.tp, self.gold, empty=1.0 if self.predicted == 0 else 0.0)

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(slots=True)
class Share:
    """`right` out of `total` (a per-pair accuracy or a per-article check)."""

    right: int = 0
    total: int = 0

    def count(self, ok: bool) -> None:
        """Count one case."""
        self.total += 1
        self.right += int(ok)

    def add(self, other: Share) -> None:
        """Add another share's counts to this one."""
        self.right += other.right
        self.total += other.total

    @property
    def value(self) -> float | None:
        """right / total, or None when there was nothing to count."""
        return self.right / self.total if self.total else None


def _div(num: int, den: int, *, empty: float) -> float:
    return num / den if den else empty


# ---------------------------------------------------------------- small field helpers


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def _names(item: Record, *keys: str) -> list[str]:
    return [n for key in keys for n in _list(item.get(key)) if isinstance(n, str) and norm(n)]


def entity_forms(entity: Record) -> set[str]:
    """Return the `norm` of an entity's name and every alias (empty forms dropped)."""
    forms = {norm(_text(entity.get("name")))}
    forms.update(norm(a) for a in _list(entity.get("aliases")) if isinstance(a, str))
    forms.discard("")
    return forms


def types_agree(pred_type: Any, gold_type: Any) -> bool:
    """Entity types agree when equal; GPE and LOC may match each other."""
    p, g = str(pred_type or "").upper(), str(gold_type or "").upper()
    return p == g or {p, g} <= {"GPE", "LOC"}


def parse_date(value: Any) -> date | None:
    """Return the date of an ISO `YYYY-MM-DD` (or `YYYY-MM`, `YYYY`) string, else None."""
    if not isinstance(value, str):
        return None
    parts = value.strip()[:10].split("-")
    try:
        nums = [int(p) for p in parts]
        if len(nums) == 1:
            return date(nums[0], 1, 1)
        if len(nums) == 2:
            return date(nums[0], nums[1], 1)
        return date(nums[0], nums[1], nums[2])
    except (ValueError, IndexError):
        return None


def _precision(value: Any, when: date | None) -> str | None:
    """Return a usable precision, or None when the date counts as missing."""
    if when is None:
        return None
    text = str(value or "").lower()
    if text == "unknown":
        return None
    return text if text in PRECISION_RANK else "day"


def _at(when: date, precision: str) -> tuple[int, ...]:
    if precision == "year":
        return (when.year,)
    if precision == "month":
        return (when.year, when.month)
    return (when.year, when.month, when.day)


@dataclass(frozen=True, slots=True)
class DateValue:
    """A date with its precision; `when` is None for a missing or unknown date."""

    when: date | None
    precision: str | None

    @classmethod
    def of(cls, value: Any, precision: Any) -> DateValue:
        """Build from a JSON date string and precision (missing or `unknown` gives no date)."""
        when = parse_date(value)
        prec = _precision(precision, when)
        return cls(when if prec else None, prec)


def infer_precision(value: Any) -> str:
    """Return the precision a gold date written by the CODEBOOK convention stands for."""
    text = str(value or "")
    if text.endswith("-01-01"):
        return "year"
    if text.endswith("-01"):
        return "month"
    return "day"


def dates_compatible(pred: DateValue, gold: DateValue) -> bool:
    """Both dated: equal at the coarser precision, day dates within one day; else compatible."""
    if pred.when is None or gold.when is None or pred.precision is None or gold.precision is None:
        return True
    coarser = max(pred.precision, gold.precision, key=PRECISION_RANK.__getitem__)
    if coarser == "day":
        return abs((pred.when - gold.when).days) <= 1
    return _at(pred.when, coarser) == _at(gold.when, coarser)


def date_right(pred: DateValue, gold: DateValue) -> bool:
    """The predicted date equals the gold date at the gold precision; no gold date wants none."""
    if gold.when is None or gold.precision is None:
        return pred.when is None
    if pred.when is None:
        return False
    return _at(pred.when, gold.precision) == _at(gold.when, gold.precision)


def contains_either(a: Any, b: Any) -> bool:
    """`norm` of one contains the other; two missing values agree, one missing does not."""
    na, nb = norm(_text(a)), norm(_text(b))
    if not na or not nb:
        return na == nb
    return na in nb or nb in na


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.replace(",", ""))
        except ValueError:
            return None
    return None


def values_equal(a: Any, b: Any) -> bool:
    """Figure values are equal numbers (ints and floats compare by value)."""
    x, y = _number(a), _number(b)
    return x is not None and y is not None and math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9)


def quote_overlap(a: Any, b: Any) -> bool:
    """One evidence `norm` contains the other, or their word sets have Jaccard >= 0.5."""
    na, nb = norm(_text(a)), norm(_text(b))
    if not na or not nb:
        return False
    return na in nb or nb in na or jaccard(na, nb) >= QUOTE_JACCARD


# ---------------------------------------------------------------- matching


def greedy_match(
    gold: Sequence[Record], pred: Sequence[Record], matches: Callable[[Record, Record], bool]
) -> list[tuple[int, int]]:
    """Return one-to-one `(gold index, pred index)` pairs: gold order, first free prediction."""
    used: set[int] = set()
    pairs: list[tuple[int, int]] = []
    for gi, g in enumerate(gold):
        for pi, p in enumerate(pred):
            if pi not in used and matches(p, g):
                used.add(pi)
                pairs.append((gi, pi))
                break
    return pairs


Key = tuple[str, Any]


class Resolver:
    """Resolves names used in events, figures and quotes to gold entities (SCORING.md)."""

    def __init__(
        self, gold_entities: Sequence[Record], pred_entities: Sequence[Record], pairs: Iterable[tuple[int, int]]
    ) -> None:
        self._gold: dict[str, set[int]] = {}
        for gi, ent in enumerate(gold_entities):
            for form in entity_forms(ent):
                self._gold.setdefault(form, set()).add(gi)
        matched = {pi: gi for gi, pi in pairs}
        self._via_pred: dict[str, set[int]] = {}
        for pi, ent in enumerate(pred_entities):
            if pi in matched:
                for form in entity_forms(ent):
                    self._via_pred.setdefault(form, set()).add(matched[pi])

    def gold_keys(self, name: Any) -> set[Key]:
        """Keys of a gold name: the gold entities it names, and its own `norm`."""
        n = norm(_text(name))
        if not n:
            return set()
        return {("entity", gi) for gi in self._gold.get(n, ())} | {("text", n)}

    def pred_keys(self, name: Any) -> set[Key]:
        """Keys of a predicted name: gold entities directly, else through a matched predicted entity."""
        n = norm(_text(name))
        if not n:
            return set()
        entities = self._gold.get(n) or self._via_pred.get(n, set())
        return {("entity", gi) for gi in entities} | {("text", n)}

    def same(self, pred_name: Any, gold_name: Any) -> bool:
        """The predicted name resolves to the gold name's entity, or their `norm` are equal."""
        return bool(self.pred_keys(pred_name) & self.gold_keys(gold_name))


# ---------------------------------------------------------------- per-article scoring


@dataclass(slots=True)
class AreaResult:
    """One area of one article: counts, matched pairs, missed gold and spurious predictions."""

    tally: Tally = field(default_factory=Tally)
    pairs: list[tuple[Record, Record]] = field(default_factory=list)  # (gold, pred)
    missed: list[Record] = field(default_factory=list)
    spurious: list[Record] = field(default_factory=list)


def _area(gold: Sequence[Record], pred: Sequence[Record], matches: Callable[[Record, Record], bool]) -> AreaResult:
    pairs = greedy_match(gold, pred, matches)
    got_g = {gi for gi, _ in pairs}
    got_p = {pi for _, pi in pairs}
    return AreaResult(
        tally=Tally(len(pairs), len(pred), len(gold)),
        pairs=[(gold[gi], pred[pi]) for gi, pi in pairs],
        missed=[g for gi, g in enumerate(gold) if gi not in got_g],
        spurious=[p for pi, p in enumerate(pred) if pi not in got_p],
    )


SHARE_NAMES = (
    "body_start", "body_end", "title", "outlet", "published", "boilerplate_kept",
    "entity_country", "event_date", "event_mode", "event_place", "event_negation",
    "figure_as_of", "figure_source", "quote_stance",
)  # fmt: skip


@dataclass(slots=True)
class ArticleScore:
    """Every count of one article, with what was missed and what was spurious."""

    article: str
    predicted: bool  # False when no prediction was found for this gold article
    areas: dict[str, AreaResult]
    shares: dict[str, Share]
    leaked: list[str]  # gold boilerplate lines found in the predicted body
    failed_checks: list[str]  # names of body/metadata checks that failed


def _records(value: Any) -> list[Record]:
    return [x for x in _list(value) if isinstance(x, Mapping)]


def _check_body(gold: Record, pred: Record, shares: dict[str, Share], failed: list[str]) -> list[str]:
    body = norm(_text(pred.get("body")))
    for name, key, test in (
        ("body_start", "body_starts_with", body.startswith),
        ("body_end", "body_ends_with", body.endswith),
    ):
        want = norm(_text(gold.get(key)))
        if want:
            ok = test(want)
            shares[name].count(ok)
            if not ok:
                failed.append(name)
    leaked = []
    for line in _list(gold.get("boilerplate")):
        if not isinstance(line, str) or len(line.strip()) < MIN_BOILERPLATE_CHARS or not norm(line):
            continue
        leak = norm(line) in body
        shares["boilerplate_kept"].count(not leak)
        if leak:
            leaked.append(line)
    return leaked


def _mapping(value: Any) -> Record:
    return value if isinstance(value, Mapping) else {}


def _check_metadata(gold: Record, pred: Record, shares: dict[str, Share], failed: list[str]) -> None:
    checks = {
        "title": norm(_text(gold.get("title"))) == norm(_text(pred.get("title"))),
        "outlet": contains_either(pred.get("outlet"), gold.get("outlet")),
    }
    gold_pub = _mapping(gold.get("published"))
    pred_pub = _mapping(pred.get("published"))
    gp = DateValue.of(gold_pub.get("date"), gold_pub.get("precision"))
    if gp.when is not None:
        # Not the event rule: the predicted date's own precision is not consulted here.
        pd = parse_date(pred_pub.get("date"))
        checks["published"] = pd is not None and gp.precision is not None and _at(pd, gp.precision) == _at(
            gp.when, gp.precision
        )
    for name, ok in checks.items():
        shares[name].count(ok)
        if not ok:
            failed.append(name)


def score_article(gold: Record, pred: Record | None) -> ArticleScore:
    """Score one article's prediction (None when there is none) against its gold."""
    shares = {name: Share() for name in SHARE_NAMES}
    failed: list[str] = []
    p = pred if pred is not None else {}
    leaked = _check_body(gold, p, shares, failed)
    _check_metadata(gold, p, shares, failed)

    g_ents, p_ents = _records(gold.get("entities")), _records(p.get("entities"))
    entities = _area(
        g_ents,
        p_ents,
        lambda pe, ge: types_agree(pe.get("type"), ge.get("type")) and bool(entity_forms(pe) & entity_forms(ge)),
    )
    for ge, pe in entities.pairs:
        shares["entity_country"].count(_text(pe.get("country")) == _text(ge.get("country")))
    index = {id(e): i for i, e in enumerate(p_ents)}
    gindex = {id(e): i for i, e in enumerate(g_ents)}
    resolver = Resolver(g_ents, p_ents, [(gindex[id(ge)], index[id(pe)]) for ge, pe in entities.pairs])

    g_events, p_events = _records(gold.get("events")), _records(p.get("events"))

    def event_matches(pe: Record, ge: Record) -> bool:
        if str(pe.get("type") or "").upper() != str(ge.get("type") or "").upper():
            return False
        gold_parts = _names(ge, "actors", "targets")
        if gold_parts:
            pred_parts = _names(pe, "actors", "targets")
            if not any(resolver.same(pn, gn) for pn in pred_parts for gn in gold_parts):
                return False
        return dates_compatible(_event_date(pe), _event_date(ge))

    events = _area(g_events, p_events, event_matches)
    strict = _area(
        g_events, p_events, lambda pe, ge: event_matches(pe, ge) and date_right(_event_date(pe), _event_date(ge))
    )
    for ge, pe in events.pairs:
        shares["event_date"].count(date_right(_event_date(pe), _event_date(ge)))
        shares["event_mode"].count(_text(pe.get("mode")) == _text(ge.get("mode")))
        shares["event_place"].count(_place_right(resolver, pe.get("place"), ge.get("place")))
        shares["event_negation"].count(bool(pe.get("negated")) == bool(ge.get("negated")))

    figures = _area(
        _records(gold.get("figures")),
        _records(p.get("figures")),
        lambda pf, gf: values_equal(pf.get("value"), gf.get("value"))
        and bool(norm(_text(gf.get("category"))))
        and norm(_text(pf.get("category"))) == norm(_text(gf.get("category"))),
    )
    for gf, pf in figures.pairs:
        gold_prec = gf.get("as_of_precision") or infer_precision(gf.get("as_of"))
        shares["figure_as_of"].count(
            date_right(DateValue.of(pf.get("as_of"), "day"), DateValue.of(gf.get("as_of"), gold_prec))
        )
        shares["figure_source"].count(contains_either(pf.get("source"), gf.get("source")))

    quotes = _area(
        _records(gold.get("quotes")),
        _records(p.get("quotes")),
        lambda pq, gq: resolver.same(pq.get("speaker"), gq.get("speaker"))
        and quote_overlap(pq.get("evidence"), gq.get("evidence")),
    )
    for gq, pq in quotes.pairs:
        shares["quote_stance"].count(str(pq.get("stance") or "").lower() == str(gq.get("stance") or "").lower())

    return ArticleScore(
        article=str(gold.get("article")),
        predicted=pred is not None,
        areas={"entities": entities, "events": events, "strict_events": strict, "figures": figures, "quotes": quotes},
        shares=shares,
        leaked=leaked,
        failed_checks=failed,
    )


def _event_date(event: Record) -> DateValue:
    return DateValue.of(event.get("date"), event.get("precision"))


def _place_right(resolver: Resolver, pred_place: Any, gold_place: Any) -> bool:
    if _text(gold_place) is None or _text(pred_place) is None:
        return _text(gold_place) is None and _text(pred_place) is None
    return resolver.same(pred_place, gold_place)


# ---------------------------------------------------------------- the whole set


@dataclass(slots=True)
class EvalReport:
    """Scores of a gold set: per article, and summed over the set."""

    articles: list[ArticleScore]
    missing: list[str]  # gold articles with no prediction (scored as empty)
    unscored: list[str]  # predictions with no gold file (ignored)

    def tally(self, area: str) -> Tally:
        """Return the area's counts summed over the set (micro-averaged)."""
        total = Tally()
        for art in self.articles:
            total.add(art.areas[area].tally)
        return total

    def share(self, name: str) -> Share:
        """Return one check or per-pair accuracy summed over the set."""
        total = Share()
        for art in self.articles:
            total.add(art.shares[name])
        return total

    def metrics(self) -> dict[str, float | None]:
        """Every figure as a flat `name -> value` map (all higher-is-better; None when uncounted)."""
        out: dict[str, float | None] = {}
        for area in AREAS:
            t = self.tally(area)
            out[f"{area}.precision"] = t.precision
            out[f"{area}.recall"] = t.recall
            out[f"{area}.f1"] = t.f1
        for name in SHARE_NAMES:
            out[name] = self.share(name).value
        return out


def score_set(gold: Iterable[Record], predictions: Iterable[Record]) -> EvalReport:
    """Score predictions against a gold set, pairing records by their `article` field."""
    by_article: dict[str, Record] = {}
    for record in predictions:
        name = record.get("article")
        if isinstance(name, str) and name not in by_article:
            by_article[name] = record
    scores: list[ArticleScore] = []
    missing: list[str] = []
    gold_names: set[str] = set()
    for g in sorted(gold, key=lambda rec: str(rec.get("article"))):
        name = str(g.get("article"))
        gold_names.add(name)
        pred = by_article.get(name)
        if pred is None:
            missing.append(name)
        scores.append(score_article(g, pred))
    unscored = sorted(set(by_article) - gold_names)
    return EvalReport(scores, missing, unscored)

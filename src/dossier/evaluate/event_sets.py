"""Third-party event regression sets: PLOVER GSR (event type) and PETRARCH2 (triples).

Both are stylised sentences from coding manuals, read at run time from
`../shared/external/` (never copied into the repo):

- `plover-gsr-cameo/PLOVER_GSR_CAMEO.json`: 322 sentences with one gold PLOVER event
  each. Scored set-based, as its README suggests: a sentence counts as right when the
  gold type is among the types Dossier codes for it. PLOVER 0.5b1 names are mapped to
  the current 16 types (DEMAND -> REQUEST, DISAPPROVE/INVESTIGATE -> ACCUSE, FIGHT -> ASSAULT).
- `petrarch2-validation/PETR.UnitTest.records.xml`: 285 sentences, 385 gold
  (source, target, CAMEO code) triples. CAMEO codes are mapped to PLOVER with
  `plover-gsr-cameo/CAMEO2PLOVER-2021.txt`; actors are the fictional states of
  `PETR.Validate.actors.txt`, written to a temporary actor file and loaded into the
  entity stage for this run (so "Arnor" is an entity as "Russia" would be); participant
  names are then coded through the dictionary (synonyms, prefix forms, dated and
  multiple codes). Scored as micro P/R/F1 over (source code, target code, PLOVER type)
  triples, codes cut to their first 3 letters, plus `dyad_f1` over (source, target).
"""

from __future__ import annotations

import json
import re
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from dossier.clean.records import CleanArticle, OffsetMap, PublishedDate
from dossier.errors import InputError
from dossier.extract.records import Event
from dossier.nlp import load_parser
from dossier.pipeline import PipelineModels

PLOVER_05_NAMES = {"DEMAND": "REQUEST", "DISAPPROVE": "ACCUSE", "INVESTIGATE": "ACCUSE", "FIGHT": "ASSAULT"}
SETS = ("plover", "petrarch")


@dataclass(slots=True)
class SetScore:
    """The score of one regression set, with per-item misses for `--detail`."""

    name: str
    items: int
    metrics: dict[str, float]
    misses: list[str] = field(default_factory=list)


def _articles(texts: Sequence[str], prefix: str) -> list[CleanArticle]:
    return [
        CleanArticle(
            doc_id=f"{prefix}-{i}", name=f"{prefix}-{i}", source=prefix, raw=text, media_type="text",
            body=text, offsets=OffsetMap(((0, 0, len(text)),)),
            published=PublishedDate(None, "unknown", "regression sentence"),
        )
        for i, text in enumerate(texts)
    ]


def code_events(models: PipelineModels, texts: Sequence[str], prefix: str) -> list[tuple[Event, ...]]:
    """Run the nlp stage and the event extractor over plain sentences."""
    parsed = models.parser.parse(_articles(texts, prefix))
    return [models.extractor.events.extract(p) for p in parsed]


def _need(path: Path) -> Path:
    if not path.exists():
        raise InputError(f"{path}: regression set not found; put ../shared/external beside the repo or pass --external")
    return path


def score_plover(models: PipelineModels, external: Path) -> SetScore:
    """Event-type accuracy (set-based) on the PLOVER gold-standard records."""
    records = json.loads(_need(external / "plover-gsr-cameo" / "PLOVER_GSR_CAMEO.json").read_text(encoding="utf-8"))
    records = [r for r in records if r.get("event") not in (None, "DOCUMENT") and r.get("text")]
    events = code_events(models, [r["text"] for r in records], "plover")
    right = 0
    per_type: dict[str, list[int]] = {}
    misses = []
    for rec, evs in zip(records, events, strict=True):
        gold = PLOVER_05_NAMES.get(rec["event"], rec["event"])
        got = {e.type for e in evs}
        ok = gold in got
        right += ok
        per_type.setdefault(gold, [0, 0])
        per_type[gold][0] += ok
        per_type[gold][1] += 1
        if not ok:
            misses.append(f"{rec['id']}: gold {gold}, coded {sorted(got) or '-'} | {rec['text'][:110]}")
    metrics = {"type_accuracy": right / len(records) if records else 0.0}
    metrics.update({f"recall_{k}": v[0] / v[1] for k, v in sorted(per_type.items())})
    return SetScore("plover", len(records), metrics, misses)


def load_cameo_map(path: Path) -> dict[str, str]:
    """CAMEO code -> PLOVER type, from `CAMEO2PLOVER-2021.txt` ("064: COOPERATE, ...")."""
    out: dict[str, str] = {}
    for line in _need(path).read_text(encoding="utf-8").splitlines():
        m = re.match(r"\s*(\d{2,4}):\s*([A-Z]+)", line)
        if m:
            out[m.group(1)] = m.group(2)
    return out


def cameo_to_plover(code: str, table: dict[str, str]) -> str | None:
    """Map a CAMEO event code to PLOVER by its longest known prefix."""
    for n in range(len(code), 1, -1):
        if code[:n] in table:
            return PLOVER_05_NAMES.get(table[code[:n]], table[code[:n]])
    return None


@dataclass(frozen=True, slots=True)
class PetrarchActor:
    """One entry of a PETRARCH actor dictionary.

    `phrases` are lower-case word tuples (the name and its "+" synonyms); a phrase whose
    dictionary form ends in "_" matches whole words only, otherwise its last word also
    matches as a prefix ("ERIADOR" codes "Eriadori"), as PETRARCH does. `codes` holds
    (code, first date, last date) blocks; dates are YYYYMMDD ints or None.
    """

    phrases: tuple[tuple[tuple[str, ...], bool], ...]
    codes: tuple[tuple[str, int | None, int | None], ...]

    def codes_on(self, date: int | None) -> tuple[str, ...]:
        """The codes that apply on a date: a dated block that applies wins over an undated one."""
        undated: tuple[str, ...] = ()
        for code, first, last in self.codes:
            if first is None and last is None:
                undated = undated or tuple(code.split("/"))
                continue
            if date is not None and (first is None or date >= first) and (last is None or date <= last):
                return tuple(code.split("/"))
        return undated


_CODE_RE = re.compile(r"^([^\s<>]+)\s*(?:([<>])\s*(\d{6,8})|(\d{6,8})\s*-\s*(\d{6,8}))?\s*$")


def _date(text: str) -> int:
    return int(text) if len(text) == 8 else int("19" + text)


def _code_block(block: str) -> tuple[str, int | None, int | None] | None:
    m = _CODE_RE.match(block.strip())
    if m is None:
        return None
    code, op, when, first, last = m.groups()
    if op == "<":
        return code, None, _date(when) - 1
    if op == ">":
        return code, _date(when) + 1, None
    if first:
        return code, _date(first), _date(last)
    return code, None, None


def _dictionary_phrase(text: str) -> tuple[tuple[str, ...], bool]:
    raw = text.strip()
    exact = raw.endswith("_")
    words = tuple(w for w in re.split(r"[\s_]+", raw.lower()) if w)
    return words, exact


def load_petrarch_actors(path: Path) -> list[PetrarchActor]:
    """Read a PETRARCH actor dictionary: names, "+" synonyms and (dated) code blocks.

    An entry is a name line, optional "+SYNONYM" lines and one or more "[CODE]" blocks,
    on the name line or on indented lines below it ("[HOB < 950601]", "[ELR/GAL]").
    """
    actors: list[PetrarchActor] = []
    names: list[tuple[tuple[str, ...], bool]] = []
    codes: list[tuple[str, int | None, int | None]] = []

    def flush() -> None:
        if names and codes:
            actors.append(PetrarchActor(tuple(n for n in names if n[0]), tuple(codes)))

    for raw in _need(path).read_text(encoding="utf-8", errors="replace").splitlines():
        line = raw.split("#")[0].rstrip()
        stripped = line.strip()
        if not stripped or stripped.startswith("<"):
            continue
        if stripped.startswith("+"):
            names.append(_dictionary_phrase(stripped[1:].split("[")[0]))
        elif not stripped.startswith("["):
            flush()
            names, codes = [_dictionary_phrase(stripped.split("[")[0])], []
        for block in re.findall(r"\[([^\]]*)\]", stripped):
            got = _code_block(block)
            if got is not None:
                codes.append(got)
    flush()
    return actors


def actor_codes(name: str, actors: Sequence[PetrarchActor], date: int | None = None) -> set[str]:
    """Code a participant name with the dictionary: every actor phrase found in it, codes cut to 3 letters.

    Longer phrases win over the phrases they contain ("Ithilen military" over "Ithilen").
    """
    words = re.sub(r"[^a-z0-9 -]", " ", name.lower().replace("_", " ")).split()
    hits: list[tuple[int, int, PetrarchActor]] = []
    for actor in actors:
        for phrase, exact in actor.phrases:
            n = len(phrase)
            for i in range(len(words) - n + 1):
                if words[i : i + n - 1] != list(phrase[:-1]):
                    continue
                last = words[i + n - 1]
                if last == phrase[-1] or (not exact and last.startswith(phrase[-1])):
                    hits.append((i, i + n, actor))
    hits.sort(key=lambda h: (h[0] - h[1], h[0]))
    taken: list[tuple[int, int]] = []
    out: set[str] = set()
    for start, end, actor in hits:
        if any(start < e and s < end for s, e in taken):
            continue
        taken.append((start, end))
        out |= {c[:3] for c in actor.codes_on(date) if c}
    return out


def actor_code(name: str, actors: Sequence[PetrarchActor], date: int | None = None) -> str | None:
    """The first (alphabetical) code of a name, or None when no dictionary phrase is in it."""
    codes = actor_codes(name, actors, date)
    return min(codes) if codes else None


def petrarch_actor_file(actors: Sequence[PetrarchActor], folder: Path) -> Path:
    """Write the dictionary as a Dossier actor file (JSONL) so the entity stage finds these names.

    Written to a temporary folder at run time, never into the repository.
    """
    lines = []
    for n, actor in enumerate(actors):
        forms = [" ".join(w.capitalize() for w in phrase) for phrase, _ in actor.phrases]
        if not forms:
            continue
        code = next((c for c, _, _ in actor.codes if c.strip("-+")), "")
        country = code[:3] if re.fullmatch(r"[A-Z]{3}\w*", code) else None
        etype = "GPE" if country and len(code) == 3 else "ORG"
        lines.append(json.dumps({"id": f"petrarch:{n}", "name": forms[0], "type": etype, "country": country,
                                 "sector": None, "aliases": forms[1:]}))
    path = folder / "petrarch_actors.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def petrarch_triples(event: Event, actors: Sequence[PetrarchActor], date: int | None) -> set[tuple[str, str, str]]:
    """(source code, target code, type) triples of one coded event.

    Actors act on targets; an event coded with the joint pattern that has several actors
    and no target ("X and Y signed an accord") is mutual, so each actor is coded towards each other one,
    as PETRARCH codes it.
    """
    if event.negated:
        return set()
    srcs: set[str] = set()
    for p in event.actors:
        srcs |= actor_codes(p.name, actors, date)
    tgts: set[str] = set()
    for p in event.targets:
        tgts |= actor_codes(p.name, actors, date)
    if not tgts and len(srcs) > 1 and "[joint" in (event.pattern or ""):
        return {(s, t, event.type) for s in srcs for t in srcs if s != t}
    return {(s, t, event.type) for s in srcs for t in tgts if s != t}


def _f1(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def score_petrarch(models: PipelineModels, external: Path) -> SetScore:
    """Micro P/R/F1 of (source, target, PLOVER type) triples on the PETRARCH2 unit tests.

    The set's fictional actors ("Arnor", "Gondor") are loaded into the entity stage as an
    extra actor file for this run, so participants resolve to them as they would to real
    states. `dyad_f1` scores the (source, target) pairs alone: the set's verb dictionary
    gives some verbs test codes that no news coder would use ("condemned" as a rejection),
    so it separates participant errors from type disagreements.
    """
    base = external / "petrarch2-validation"
    table = load_cameo_map(external / "plover-gsr-cameo" / "CAMEO2PLOVER-2021.txt")
    actors = load_petrarch_actors(base / "PETR.Validate.actors.txt")
    xml = _need(base / "PETR.UnitTest.records.xml").read_text(encoding="utf-8", errors="replace")
    root = ET.fromstring(xml)
    sentences = []
    for sent in root.iter("Sentence"):
        text_el = sent.find("Text")
        if text_el is None or not (text_el.text or "").strip():
            continue
        gold: set[tuple[str, str, str]] = set()
        for ev in sent.findall("EventCoding"):
            code = ev.get("eventcode")
            ptype = cameo_to_plover(code or "", table)
            if ptype and ev.get("sourcecode") and ev.get("targetcode"):
                gold.add((ev.get("sourcecode", "")[:3], ev.get("targetcode", "")[:3], ptype))
        when = sent.get("date", "")
        date = int(when) if when.isdigit() and len(when) == 8 else None
        sentences.append((sent.get("id", "?"), " ".join((text_el.text or "").split()), gold, date))
    with tempfile.TemporaryDirectory(prefix="dossier-petrarch-") as tmp:
        actor_file = petrarch_actor_file(actors, Path(tmp))
        settings = models.settings
        extra = dict(settings.extra_files)
        extra["actors"] = (*extra.get("actors", ()), actor_file)
        parser = load_parser(replace(settings, extra_files=extra))
    run = PipelineModels(settings, models.cleaner, parser, models.extractor)
    coded = code_events(run, [s[1] for s in sentences], "petrarch")
    tp = fp = fn = exact = dtp = dfp = dfn = 0
    misses = []
    for (sid, text, gold, date), evs in zip(sentences, coded, strict=True):
        pred: set[tuple[str, str, str]] = set()
        for e in evs:
            pred |= petrarch_triples(e, actors, date)
        tp += len(pred & gold)
        fp += len(pred - gold)
        fn += len(gold - pred)
        gold_dyads, pred_dyads = {g[:2] for g in gold}, {p[:2] for p in pred}
        dtp += len(pred_dyads & gold_dyads)
        dfp += len(pred_dyads - gold_dyads)
        dfn += len(gold_dyads - pred_dyads)
        exact += pred == gold
        if pred != gold:
            misses.append(f"{sid}: gold {sorted(gold)}, coded {sorted(pred)} | {text[:100]}")
    precision, recall, f1 = _f1(tp, fp, fn)
    metrics = {"triple_precision": precision, "triple_recall": recall, "triple_f1": f1,
               "dyad_f1": _f1(dtp, dfp, dfn)[2],
               "exact_sentences": exact / len(sentences) if sentences else 0.0}
    return SetScore("petrarch", len(sentences), metrics, misses)


def score_set(name: str, models: PipelineModels, external: Path) -> SetScore:
    """Score one named regression set ("plover" or "petrarch")."""
    if name == "plover":
        return score_plover(models, external)
    if name == "petrarch":
        return score_petrarch(models, external)
    raise InputError(f"unknown event set {name!r}; choose one of {', '.join(SETS)}")


def check_floors(scores: Sequence[SetScore], floors: dict[str, dict[str, float]]) -> list[str]:
    """Return a message for each metric that fell below its floor."""
    out = []
    for score in scores:
        for metric, floor in floors.get(score.name, {}).items():
            got = score.metrics.get(metric)
            if got is None or got + 1e-9 < floor:
                shown = got if got is not None else "missing"
                out.append(f"{score.name}.{metric} = {shown} is below its floor {floor}")
    return out

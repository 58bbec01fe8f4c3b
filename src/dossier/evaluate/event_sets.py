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
  `PETR.Validate.actors.txt`, loaded as an extra actor dictionary for this run
  (participant names are coded through it). Scored as micro P/R/F1 over
  (source code, target code, PLOVER type) triples, codes cut to their first 3 letters.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dossier.clean.records import CleanArticle, OffsetMap, PublishedDate
from dossier.errors import InputError
from dossier.extract.records import Event
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


def load_petrarch_actors(path: Path) -> list[tuple[str, str]]:
    """Return (phrase, code) pairs of a PETRARCH actor dictionary, longest phrase first."""
    pairs: list[tuple[str, str]] = []
    pending: list[str] = []
    for raw in _need(path).read_text(encoding="utf-8", errors="replace").splitlines():
        line = raw.split("#")[0].strip()
        if not line or line.startswith("<!--") or line.startswith("<"):
            continue
        if line.startswith("+"):
            pending.append(line[1:].strip())
            if pairs:
                pairs.append((_phrase(line[1:]), pairs[-1][1]))
            continue
        m = re.match(r"(.+?)\s*\[([^\]]+)\]", line)
        if m:
            code = m.group(2).split("/")[0].strip()
            pairs.append((_phrase(m.group(1)), code))
    return sorted({p for p in pairs if p[0]}, key=lambda p: -len(p[0]))


def _phrase(text: str) -> str:
    return " ".join(text.replace("_", " ").lower().split())


def actor_code(name: str, actors: list[tuple[str, str]]) -> str | None:
    """Code a participant name with the dictionary (longest phrase found as whole words)."""
    padded = f" {_phrase(re.sub(r'[^A-Za-z0-9_ -]', ' ', name))} "
    for phrase, code in actors:
        if f" {phrase} " in padded:
            return code[:3]
    return None


def score_petrarch(models: PipelineModels, external: Path) -> SetScore:
    """Micro P/R/F1 of (source, target, PLOVER type) triples on the PETRARCH2 unit tests."""
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
        sentences.append((sent.get("id", "?"), " ".join((text_el.text or "").split()), gold))
    coded = code_events(models, [s[1] for s in sentences], "petrarch")
    tp = fp = fn = exact = 0
    misses = []
    for (sid, text, gold), evs in zip(sentences, coded, strict=True):
        pred: set[tuple[str, str, str]] = set()
        for e in evs:
            if e.negated:
                continue
            srcs = {actor_code(p.name, actors) for p in e.actors} - {None}
            tgts = {actor_code(p.name, actors) for p in e.targets} - {None}
            pred |= {(s, t, e.type) for s in srcs for t in tgts if s and t}
        tp += len(pred & gold)
        fp += len(pred - gold)
        fn += len(gold - pred)
        exact += pred == gold
        if pred != gold:
            misses.append(f"{sid}: gold {sorted(gold)}, coded {sorted(pred)} | {text[:100]}")
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    metrics = {"triple_precision": precision, "triple_recall": recall, "triple_f1": f1,
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

"""Scores of the clean stage on third-party sets, beside the bare libraries in the same run.

- `scrapinghub`: ScrapingHub article-extraction benchmark, 4-gram shingle F1 of the body
  (macro over documents, per its README), Dossier beside bare `trafilatura.extract`.
- `trafilatura`: trafilatura's English evaluation pages, with/without snippets (micro counts).
- dates: htmldate's MediaCloud-2020 pages, accuracy of the day, Dossier beside
  `htmldate.find_date(extensive_search=True, original_date=True)`, both without the URL
  unless asked (upstream's protocol).

The sets are read from `../shared/external/` (or `--root`); nothing is copied into the repo.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TypeVar

from dossier.errors import InputError

T = TypeVar("T")
U = TypeVar("U")

EXTRACTION_SETS = {
    "scrapinghub": "scrapinghub-article-extraction-benchmark",
    "trafilatura": "trafilatura-evaldata-en",
}
DATE_SET = "htmldate-mediacloud-2020"
_TOKEN = re.compile(r"\w+")


def default_root() -> Path:
    """Return `../shared/external` next to the working directory or the repository."""
    here = Path(__file__).resolve()
    for base in (Path.cwd(), *here.parents):
        candidate = base.parent / "shared" / "external"
        if candidate.is_dir():
            return candidate
    return Path.cwd().parent / "shared" / "external"


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        return str(best) if best is not None else data.decode("latin-1")


def _set_dir(root: Path, name: str) -> Path:
    path = root / name
    if not path.is_dir():
        raise InputError(f"{path}: evaluation set not found; pass --root with the folder holding {name}/")
    return path


@dataclass(frozen=True, slots=True)
class Page:
    """One evaluation page: its id, decoded HTML, URL and gold."""

    key: str
    html: str
    url: str
    gold: object


def pages(set_name: str, root: Path, limit: int | None = None) -> Iterator[Page]:
    """Yield the pages of a set in a stable order (sorted ids), at most `limit`."""
    if set_name == "scrapinghub":
        base = _set_dir(root, EXTRACTION_SETS[set_name])
        truth = json.loads((base / "ground-truth.json").read_text(encoding="utf-8"))
        items = sorted(truth.items())
        for key, row in items[:limit]:
            yield Page(key, _decode(gzip.decompress((base / "html" / f"{key}.html.gz").read_bytes())), row["url"],
                       row["articleBody"])
    elif set_name == "trafilatura":
        base = _set_dir(root, EXTRACTION_SETS[set_name])
        truth = json.loads((base / "evaldata-en.json").read_text(encoding="utf-8"))
        for url, row in sorted(truth.items())[:limit]:
            html = _decode(gzip.decompress((base / "html" / row["file"]).read_bytes()))
            yield Page(row["file"], html, url, {"with": row["with"], "without": row["without"]})
    elif set_name == "dates":
        base = _set_dir(root, DATE_SET)
        truth = json.loads((base / "eval_mediacloud_2020.json").read_text(encoding="utf-8"))
        for url, row in sorted(truth.items())[:limit]:
            html = _decode(gzip.decompress((base / "html" / row["file"]).read_bytes()))
            yield Page(row["file"], html, url, row["date"])
    else:
        raise InputError(f"unknown evaluation set {set_name!r}; use scrapinghub, trafilatura or dates")


# -- scoring ----------------------------------------------------------------------------------


def _shingles(text: str) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN.findall(text or "")
    return Counter(tuple(tokens[i : i + 4]) for i in range(max(len(tokens) - 3, 0))) if len(tokens) >= 4 else (
        Counter([tuple(tokens)]) if tokens else Counter()
    )


@dataclass(slots=True)
class ShingleScore:
    """Macro precision/recall over documents (ScrapingHub's evaluate.py)."""

    precisions: list[float] = field(default_factory=list)
    recalls: list[float] = field(default_factory=list)
    exact: int = 0
    n: int = 0

    def add(self, predicted: str | None, gold: str) -> None:
        """Score one document."""
        pred, true = _shingles(predicted or ""), _shingles(gold)
        tp = sum((pred & true).values())
        fp = sum((pred - true).values())
        fn = sum((true - pred).values())
        self.n += 1
        self.exact += _TOKEN.findall(predicted or "") == _TOKEN.findall(gold)
        if fp == 0 and fn == 0:
            self.precisions.append(1.0)
            self.recalls.append(1.0)
            return
        if tp + fp > 0:
            self.precisions.append(tp / (tp + fp))
        self.recalls.append(tp / (tp + fn) if tp + fn else 0.0)

    def result(self) -> dict[str, float]:
        """Return precision, recall, F1 and accuracy."""
        p = sum(self.precisions) / len(self.precisions) if self.precisions else 0.0
        r = sum(self.recalls) / len(self.recalls) if self.recalls else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        return {"precision": p, "recall": r, "f1": f1, "accuracy": self.exact / self.n if self.n else 0.0}


@dataclass(slots=True)
class SnippetScore:
    """Micro counts of with/without snippets (trafilatura's eval_common.py)."""

    tp: int = 0
    fn: int = 0
    fp: int = 0
    tn: int = 0

    def add(self, predicted: str | None, gold: dict[str, list[str]]) -> None:
        """Score one page."""
        text = " ".join((predicted or "").split())
        for snippet in gold["with"]:
            found = bool(predicted) and " ".join(snippet.split()) in text
            self.tp += found
            self.fn += not found
        for snippet in gold["without"]:
            found = bool(predicted) and " ".join(snippet.split()) in text
            self.fp += found
            self.tn += not found

    def result(self) -> dict[str, float]:
        """Return precision, recall, F1 and accuracy."""
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        total = self.tp + self.fn + self.fp + self.tn
        return {
            "precision": p,
            "recall": r,
            "f1": 2 * self.tp / (2 * self.tp + self.fp + self.fn) if self.tp else 0.0,
            "accuracy": (self.tp + self.tn) / total if total else 0.0,
        }


# -- runs -------------------------------------------------------------------------------------


def _dossier_cleaner(*, require_body: bool = True) -> Callable[[str, str, str | None], object]:
    from dossier.clean import load_cleaner
    from dossier.ingest.records import RawDocument
    from dossier.settings import load_settings

    cleaner = load_cleaner(load_settings())

    def run(key: str, html: str, url: str | None) -> object:
        doc = RawDocument(
            doc_id=hashlib.sha256(html.encode("utf-8", "replace")).hexdigest(), source=key, name=key, raw=html,
            media_type="html", encoding="utf-8", byte_size=len(html), url=url,
        )
        try:
            return cleaner.analyse(doc, check_language=False, require_body=require_body)
        except InputError:
            return None

    return run


def _timed_pair(i: int, baseline: Callable[[], T], ours: Callable[[], U]) -> tuple[tuple[T, float], tuple[U, float]]:
    """Run both systems on one page, alternating which goes first; return results and CPU seconds."""
    first_ours = i % 2 == 1
    out: dict[str, tuple[object, float]] = {}
    for name in (("ours", "base") if first_ours else ("base", "ours")):
        t0 = time.process_time()
        result: object = ours() if name == "ours" else baseline()
        out[name] = (result, time.process_time() - t0)
    return out["base"], out["ours"]  # type: ignore[return-value]


@dataclass(slots=True)
class SystemResult:
    """Scores and CPU time of one system on one set (the two systems alternate page by page)."""

    name: str
    scores: dict[str, float]
    seconds: float


def eval_extraction(set_name: str, *, root: Path | None = None, limit: int | None = None) -> list[SystemResult]:
    """Score Dossier and bare trafilatura.extract on an extraction set, same pages, same run."""
    import trafilatura

    if set_name not in EXTRACTION_SETS:
        raise InputError(f"unknown extraction set {set_name!r}; use one of {', '.join(EXTRACTION_SETS)}")
    # Any language, as bare trafilatura reads it; a page without article text scores an empty body.
    dossier = _dossier_cleaner(require_body=False)
    make = ShingleScore if set_name == "scrapinghub" else SnippetScore
    ours, bare = make(), make()
    t_ours = t_bare = 0.0
    for i, page in enumerate(pages(set_name, root or default_root(), limit)):
        (base, t_b), (article, t_o) = _timed_pair(
            i, partial(trafilatura.extract, page.html), partial(dossier, page.key, page.html, None)
        )
        t_bare += t_b
        t_ours += t_o
        body = getattr(article, "body", None)
        ours.add(body, page.gold)  # type: ignore[arg-type]
        bare.add(base, page.gold)  # type: ignore[arg-type]
    return [SystemResult("dossier", ours.result(), t_ours), SystemResult("trafilatura.extract", bare.result(), t_bare)]


def eval_dates(*, root: Path | None = None, limit: int | None = None, with_url: bool = False) -> list[SystemResult]:
    """Accuracy of the day on MediaCloud-2020: Dossier beside htmldate.find_date, same run."""
    from htmldate import find_date

    # A page without article text still has a date: score it, as htmldate is scored.
    dossier = _dossier_cleaner(require_body=False)
    counts = {"dossier": Counter[str](), "htmldate.find_date": Counter[str]()}
    seconds = {"dossier": 0.0, "htmldate.find_date": 0.0}
    for i, page in enumerate(pages("dates", root or default_root(), limit)):
        url = page.url if with_url else None
        (base, t_b), (article, t_o) = _timed_pair(
            i,
            partial(find_date, page.html, extensive_search=True, original_date=True, url=url),
            partial(dossier, page.key, page.html, url),
        )
        seconds["htmldate.find_date"] += t_b
        seconds["dossier"] += t_o
        published = getattr(article, "published", None)
        ours = published.date if published is not None and published.precision == "day" else None
        for name, pred in (("dossier", ours), ("htmldate.find_date", base)):
            counts[name]["tp" if pred == page.gold else "fn" if pred is None else "fp"] += 1
    results = []
    for name, c in counts.items():
        n = sum(c.values())
        p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0
        r = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 0.0
        scores = {"accuracy": c["tp"] / n if n else 0.0, "precision": p, "recall": r,
                  "f1": 2 * c["tp"] / (2 * c["tp"] + c["fp"] + c["fn"]) if c["tp"] else 0.0, "pages": float(n)}
        results.append(SystemResult(name, scores, seconds[name]))
    return results

"""Present an `EvalReport`: Rich tables for people, a plain dict for `--json`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from dossier.evaluate.floors import Breach
from dossier.evaluate.scoring import AREAS, ArticleScore, EvalReport, Record, Share

AREA_LABELS = {
    "entities": "entities", "events": "events", "strict_events": "strict events",
    "figures": "figures", "quotes": "quotes",
}  # fmt: skip
CHECK_LABELS = {
    "body_start": "body start", "body_end": "body end", "title": "title", "outlet": "outlet",
    "published": "published (gold precision known)",
}  # fmt: skip
PAIR_LABELS = {
    "entity_country": "entities: country", "event_date": "events: date", "event_mode": "events: mode",
    "event_place": "events: place", "event_negation": "events: negation", "figure_as_of": "figures: as_of",
    "figure_source": "figures: source", "quote_stance": "quotes: stance",
}  # fmt: skip


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _share_row(label: str, share: Share) -> tuple[str, str, str]:
    return label, f"{share.right}/{share.total}", _fmt(share.value)


def tables(report: EvalReport) -> RenderableType:
    """Return the summary: P/R/F1 per area, body/metadata checks, per-pair accuracies."""
    areas = Table(title=f"Extraction vs gold ({len(report.articles)} articles)", title_justify="left")
    for col in ("area", "matched", "predicted", "gold", "precision", "recall", "F1"):
        areas.add_column(col, justify="left" if col == "area" else "right")
    for area in AREAS:
        t = report.tally(area)
        areas.add_row(AREA_LABELS[area], str(t.tp), str(t.predicted), str(t.gold),
                      _fmt(t.precision), _fmt(t.recall), _fmt(t.f1))
    checks = Table(title="Body and metadata", title_justify="left")
    for col in ("check", "right", "share"):
        checks.add_column(col, justify="left" if col == "check" else "right")
    for name, label in CHECK_LABELS.items():
        checks.add_row(*_share_row(label, report.share(name)))
    kept = report.share("boilerplate_kept")
    leaked = kept.total - kept.right
    leak_share = leaked / kept.total if kept.total else None
    checks.add_row("boilerplate leaked", f"{leaked}/{kept.total}", _fmt(leak_share))
    pairs = Table(title="Over matched pairs", title_justify="left")
    for col in ("accuracy", "right", "share"):
        pairs.add_column(col, justify="left" if col == "accuracy" else "right")
    for name, label in PAIR_LABELS.items():
        pairs.add_row(*_share_row(label, report.share(name)))
    parts: list[RenderableType] = [areas, checks, pairs]
    if report.missing:
        parts.append(Text(f"no prediction for {len(report.missing)} gold article(s), scored as empty: "
                          + ", ".join(report.missing), style="yellow"))
    if report.unscored:
        parts.append(Text(f"{len(report.unscored)} prediction(s) without gold, ignored: " + ", ".join(report.unscored),
                          style="dim"))
    return Group(*parts)


def describe(area: str, item: Record) -> str:
    """Return a one-line description of a gold or predicted item."""
    if area == "entities":
        return f"{item.get('type')} {item.get('name')}"
    if area in ("events", "strict_events"):
        mode = f"/{item['mode']}" if item.get("mode") else ""
        actors = ", ".join(map(str, item.get("actors") or [])) or "?"
        targets = ", ".join(map(str, item.get("targets") or [])) or "-"
        neg = " NOT" if item.get("negated") else ""
        when = f"{item.get('date')} ({item.get('precision')})" if item.get("date") else "undated"
        return f"{item.get('type')}{mode}{neg} {actors} -> {targets}, {when}: {_clip(item.get('evidence'))}"
    if area == "figures":
        return f"{item.get('value')} {item.get('category')} ({item.get('unit')}), as_of {item.get('as_of')}: " + _clip(
            item.get("evidence")
        )
    return f"{item.get('speaker')} [{item.get('stance')}]: {_clip(item.get('evidence'))}"


def _clip(text: Any, width: int = 90) -> str:
    s = " ".join(str(text or "").split())
    return s if len(s) <= width else s[: width - 3] + "..."


def detail(report: EvalReport) -> RenderableType:
    """Return every missed and spurious item, failed check and leaked line, per article."""
    parts: list[RenderableType] = []
    for art in report.articles:
        lines = Text()
        lines.append(f"\n{art.article}", style="bold")
        if not art.predicted:
            lines.append("  (no prediction)", style="yellow")
        lines.append("\n")
        if art.failed_checks:
            lines.append(f"  failed checks: {', '.join(art.failed_checks)}\n", style="red")
        for line in art.leaked:
            lines.append(f"  leaked boilerplate: {_clip(line)}\n", style="red")
        for area in ("entities", "events", "figures", "quotes"):
            result = art.areas[area]
            for item in result.missed:
                lines.append(f"  missed   {area[:-1]:7} {describe(area, item)}\n", style="yellow")
            for item in result.spurious:
                lines.append(f"  spurious {area[:-1]:7} {describe(area, item)}\n", style="magenta")
        parts.append(lines)
    return Group(*parts)


def breaches_text(breaches: Sequence[Breach], key: str) -> Text:
    """Return the `--check` verdict."""
    if not breaches:
        return Text(f"floors ({key}): every figure at or above its floor", style="green")
    out = Text(f"floors ({key}): {len(breaches)} figure(s) below the floor\n", style="bold red")
    for b in breaches:
        out.append(f"  {b.metric}: {_fmt(b.value)} < {b.floor:.4f}\n", style="red")
    return out


def _article_dict(art: ArticleScore, with_items: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "article": art.article,
        "predicted": art.predicted,
        "failed_checks": art.failed_checks,
        "leaked": art.leaked,
        "counts": {a: {"matched": r.tally.tp, "predicted": r.tally.predicted, "gold": r.tally.gold}
                   for a, r in art.areas.items()},
    }
    if with_items:
        out["missed"] = {a: [dict(x) for x in r.missed] for a, r in art.areas.items() if a != "strict_events"}
        out["spurious"] = {a: [dict(x) for x in r.spurious] for a, r in art.areas.items() if a != "strict_events"}
    return out


def as_json(
    report: EvalReport, *, with_items: bool, breaches: Sequence[Breach] | None = None, key: str | None = None
) -> dict[str, Any]:
    """Return the report as a JSON-ready dict (`metrics` is the flat map floors use)."""
    counts: dict[str, Mapping[str, int]] = {}
    for area in AREAS:
        t = report.tally(area)
        counts[area] = {"matched": t.tp, "predicted": t.predicted, "gold": t.gold}
    shares = {name: {"right": s.right, "total": s.total} for name in (*CHECK_LABELS, "boilerplate_kept", *PAIR_LABELS)
              for s in [report.share(name)]}
    out: dict[str, Any] = {
        "articles_scored": len(report.articles),
        "metrics": report.metrics(),
        "counts": counts,
        "shares": shares,
        "missing_predictions": report.missing,
        "unscored_predictions": report.unscored,
        "articles": [_article_dict(a, with_items) for a in report.articles],
    }
    if breaches is not None:
        out["floors"] = {"key": key, "ok": not breaches,
                         "breaches": [{"metric": b.metric, "value": b.value, "floor": b.floor} for b in breaches]}
    return out

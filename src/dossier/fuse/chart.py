"""Draw a dyad's monthly trend (counts by PLOVER type, score line) with matplotlib."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dossier.errors import InputError


def draw_dyad(table: dict[str, Any], out: Path) -> Path:
    """Draw stacked monthly event counts by type and the cooperation-conflict score to PNG/SVG."""
    if out.suffix.lower() not in (".png", ".svg"):
        raise InputError(f"{out}: the chart is written as .png or .svg; change the file extension")
    import matplotlib

    matplotlib.use("Agg")  # no display: files only
    import matplotlib.pyplot as plt

    months = [m["month"] for m in table["months"]]
    labels = [m.strftime("%Y-%m") for m in months]
    fig, ax = plt.subplots(figsize=(max(6.0, 0.6 * len(labels) + 3), 4.5))
    try:
        bottom = [0] * len(labels)
        for etype in table["types"]:
            counts = [m["counts"].get(etype, 0) for m in table["months"]]
            ax.bar(labels, counts, bottom=bottom, label=etype)
            bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
        ax.set_ylabel("fused events")
        ax.set_title(f"{table['actor']} → {table['target']} ({table['level']} level)")
        ax.tick_params(axis="x", rotation=45)
        ax2 = ax.twinx()
        ax2.plot(labels, [m["score"] for m in table["months"]], color="black", marker="o", label="score")
        ax2.axhline(0, color="grey", linewidth=0.5)
        ax2.set_ylabel("cooperation (+) / conflict (−) score")
        if table["types"]:
            ax.legend(loc="upper left", fontsize="small")
        fig.tight_layout()
        try:
            fig.savefig(out)
        except OSError as err:
            raise InputError(f"{out}: cannot write the chart ({err.strerror}); check the folder exists") from None
    finally:
        plt.close(fig)
    return out

"""Quality floors: figures that `dossier eval --check` refuses to see drop.

`tests/eval/floors.json` maps a gold-set key ("shared/gold") to `metric -> floor`. Every
metric is higher-is-better (boilerplate is scored as the share of clutter lines kept out).
`update_floors` raises a floor to the current value and never lowers one.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dossier.errors import ConfigError

# Floors are stored rounded down to this many decimals, so a re-run of the same figures passes.
DECIMALS = 4


@dataclass(frozen=True, slots=True)
class Breach:
    """A metric below its floor (`value` None when the metric could not be counted)."""

    metric: str
    value: float | None
    floor: float


def set_key(gold_dir: Path) -> str:
    """Return the default floors key of a gold folder: its parent's name and its own ("shared/gold")."""
    resolved = gold_dir.resolve()
    return f"{resolved.parent.name}/{resolved.name}"


def default_floors_path() -> Path:
    """Return `tests/eval/floors.json` of the working directory, else of the source checkout."""
    here = Path("tests/eval/floors.json")
    if here.exists():
        return here
    checkout = Path(__file__).resolve().parents[3] / "tests" / "eval" / "floors.json"
    return checkout if checkout.exists() else here


def load_floors(path: Path) -> dict[str, Any]:
    """Return the whole floors file ({} when it does not exist yet)."""
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ConfigError(f"{path}: not a readable floors file ({err}); fix it or restore it from git") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: floors must be a JSON object of gold-set key -> {{metric: floor}}")
    return data


def floors_for(data: Mapping[str, Any], key: str, path: Path) -> dict[str, float]:
    """Return the floors of one gold set, validated."""
    section = data.get(key, {})
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: `{key}` must map metric names to numbers")
    floors: dict[str, float] = {}
    for metric, value in section.items():
        if metric.startswith("_"):
            continue  # comments
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{path}: floor `{key}.{metric}` must be a number, not {value!r}")
        floors[metric] = float(value)
    return floors


def check_floors(metrics: Mapping[str, float | None], floors: Mapping[str, float]) -> list[Breach]:
    """Return every metric below its floor; a floored metric that was not counted is a breach."""
    breaches = []
    for metric, floor in sorted(floors.items()):
        value = metrics.get(metric)
        if value is None or value + 1e-9 < floor:
            breaches.append(Breach(metric, value, floor))
    return breaches


def _round_down(value: float) -> float:
    scale = float(10**DECIMALS)
    return float(math.floor(value * scale + 1e-9)) / scale


def update_floors(path: Path, key: str, metrics: Mapping[str, float | None]) -> dict[str, tuple[float | None, float]]:
    """Raise the floors of `key` to the current metrics (never lower one) and write the file.

    Returns `metric -> (old floor or None, new floor)` for each floor that changed.
    """
    data = load_floors(path)
    floors = floors_for(data, key, path)
    section = dict(data.get(key, {}))
    changed: dict[str, tuple[float | None, float]] = {}
    for metric, value in metrics.items():
        if value is None:
            continue
        new = _round_down(value)
        old = floors.get(metric)
        if old is None or new > old:
            section[metric] = new
            changed[metric] = (old, new)
    data[key] = dict(sorted(section.items()))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return changed

"""Read gold folders and prediction files for the scorer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dossier.errors import InputError

Record = dict[str, Any]


def load_gold(folder: Path) -> list[Record]:
    """Return every gold record (a `*.json` object with an `article` field) in `folder`."""
    if not folder.is_dir():
        raise InputError(f"{folder}: gold folder not found; pass the folder of gold *.json files with --gold")
    records: list[Record] = []
    for path in sorted(folder.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
            raise InputError(f"{path}: not a readable gold JSON file ({err}); fix or remove it") from None
        if not isinstance(data, dict) or not isinstance(data.get("article"), str):
            raise InputError(f"{path}: a gold file must be one JSON object with an `article` field (SCHEMA.md)")
        records.append(data)
    if not records:
        raise InputError(f"{folder}: no gold *.json files in this folder; check the --gold path")
    return records


def _first_value(path: Path) -> Any:
    """Return the first JSON value of a .jsonl/.json file, or None when it is not JSON."""
    try:
        with path.open(encoding="utf-8") as fh:
            if path.suffix == ".json":
                return json.load(fh)
            for line in fh:
                if line.strip():
                    return json.loads(line)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return None


def is_prediction_file(path: Path) -> bool:
    """True for a `dossier extract` output file (.jsonl lines or a .json list of article records).

    Input batches (JSONL with a `text` or `html` field) are articles to extract, not predictions.
    """
    if not path.is_file() or path.suffix not in (".jsonl", ".json"):
        return False
    first = _first_value(path)
    if isinstance(first, list):
        first = first[0] if first else None
    return isinstance(first, dict) and isinstance(first.get("article"), str) and "text" not in first and (
        "html" not in first
    )


def load_predictions(path: Path) -> list[Record]:
    """Return the article records of a prediction file (JSONL, or a JSON list from `--format json`)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"{path}: cannot read the predictions ({err})") from None
    if path.suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise InputError(
                f"{path}: not valid JSON ({err}); produce it with `dossier extract --format json`"
            ) from None
        items = data if isinstance(data, list) else [data]
    else:
        items = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                items.append(json.loads(line))
            except json.JSONDecodeError as err:
                raise InputError(
                    f"{path}:{number}: not a JSON line ({err.msg}); produce it with `dossier extract --format jsonl`"
                ) from None
    records = [item for item in items if isinstance(item, dict) and isinstance(item.get("article"), str)]
    if len(records) != len(items):
        raise InputError(f"{path}: every prediction must be a JSON object with an `article` field (SCORING.md)")
    return records

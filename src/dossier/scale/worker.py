"""What runs inside a worker process: models loaded once, recycled after N documents.

A worker keeps one `PipelineModels` per settings fingerprint. After
`scale.recycle_after_docs` documents it drops and reloads them: spaCy's StringStore grows
with every new word on an endless stream, and a fresh model is the documented way to
bound it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dossier.ingest.records import RawDocument
from dossier.scale.executor import run_pipeline
from dossier.settings import Settings
from dossier.store.rows import PreparedBatch

if TYPE_CHECKING:
    from dossier.pipeline import PipelineModels


@dataclass(slots=True)
class _Loaded:
    fingerprint: str
    models: PipelineModels
    docs_done: int = 0


# One entry per worker process: the models, which must be loaded once per process.
_LOADED: dict[str, _Loaded] = {}


def _fingerprint(settings: Settings, site_lines: dict[str, frozenset[str]] | None) -> str:
    payload = json.dumps(
        [settings.values, {k: [str(p) for p in v] for k, v in settings.extra_files.items()},
         sorted((k, sorted(v)) for k, v in (site_lines or {}).items())],
        sort_keys=True, default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def run_batch(
    batch: Sequence[RawDocument],
    settings: Settings,
    site_lines: dict[str, frozenset[str]] | None = None,
) -> PreparedBatch:
    """Process one batch in this worker, loading (or recycling) the models as needed."""
    key = _fingerprint(settings, site_lines)
    recycle_after = int(settings.get("scale.recycle_after_docs", 0) or 0)
    loaded = _LOADED.get(key)
    if loaded is None or (recycle_after and loaded.docs_done >= recycle_after):
        # Imported here: the driver imports this module to hand `run_batch` to its pool,
        # and must not load spaCy for it.
        from dossier.pipeline import load_models

        _LOADED.clear()
        loaded = _Loaded(key, load_models(settings, site_lines=site_lines))
        _LOADED[key] = loaded
    results = run_pipeline(batch, loaded.models)
    loaded.docs_done += len(batch)
    return results
